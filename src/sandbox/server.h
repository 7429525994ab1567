/* server.h — the HTTP face of the sandbox: libmicrohttpd, one thread per connection. Started and
 * stopped here (server.c); its requests are routed and answered by endpoint.c, inject.c and
 * reply.c over the state in state.h. */
#ifndef ATT_SBX_SERVER_H
#define ATT_SBX_SERVER_H

#include <stddef.h>

#include "config.h"

typedef struct SbxServer SbxServer;

/* Starts listening; on success writes the base URL (e.g. http://127.0.0.1:8080/omni-svcs, https://
 * with TLS) into url and returns 0; otherwise a one-line message in err and -2 when the host does
 * not resolve or the TLS certificate or key is unusable (a bad option value), -1 for other failures
 * (port in use, no TLS support in libmicrohttpd, out of memory...). */
int att_sbx_server_start(SbxServer **out, const SbxServerConfig *cfg, char *url, size_t urllen, char *err,
                         size_t errlen);
/* How many searches --rate-limit has refused so far. */
uint64_t att_sbx_server_rate_refused(SbxServer *s);
/* Stops the daemon (closing connections, joining their threads) and frees the server. */
void att_sbx_server_stop(SbxServer *s);

#endif
