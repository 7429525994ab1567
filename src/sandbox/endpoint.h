/* endpoint.h — the request side of the server: libmicrohttpd's access handler (routing, body
 * collection, the search and token endpoints) and its completion callback, which server.c installs
 * with the SbxServer as their cls. */
#ifndef ATT_SBX_ENDPOINT_H
#define ATT_SBX_ENDPOINT_H

#include <microhttpd.h>
#include <stddef.h>

enum MHD_Result att_sbx_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **req_cls);
void att_sbx_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe);

#endif
