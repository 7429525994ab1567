/* server.h — the HTTP face of the sandbox: libmicrohttpd, one thread per connection. */
#ifndef ATT_SBX_SERVER_H
#define ATT_SBX_SERVER_H

#include <stddef.h>

#include "data.h"
#include "fault.h"
#include "search.h"

#define ATT_SBX_BASE_PATH        "/omni-svcs"
#define ATT_SBX_SEARCH_PATH      ATT_SBX_BASE_PATH "/v1/customers/search"
#define ATT_SBX_TOKEN_PATH       ATT_SBX_BASE_PATH "/oauth/token"
#define ATT_SBX_TOKEN_PATH_SHORT "/oauth/token"
#define ATT_SBX_MAX_BODY         ((size_t)1 << 20)
/* The longest --token: a request header carrying it must still fit libmicrohttpd's connection
 * memory (see server.c). */
#define ATT_SBX_MAX_TOKEN 65536u

typedef struct SbxServerConfig {
    const char *host;    /* address or name to bind */
    unsigned port;       /* 0: any free port */
    const SbxData *data; /* borrowed; must outlive the server */
    unsigned max_page_size;
    SbxPaging paging;
    const char *appname;      /* required `appname` header value, or NULL */
    const char *token;        /* required bearer token, or NULL */
    const char *oauth_client; /* "ID:SECRET": serve the token endpoint, require its tokens */
    unsigned token_ttl_s;     /* lifetime of the tokens it issues */
    unsigned latency_ms;      /* delay before every answer */
    SbxFaults *faults;        /* borrowed; its counters change (under the server's lock) */
    const char *tls_cert;     /* PEM text of the certificate (chain), or NULL for plain HTTP */
    const char *tls_key;      /* PEM text of its private key; both or neither; borrowed */
    int verbose;              /* one line per request on stderr */
} SbxServerConfig;

typedef struct SbxServer SbxServer;

/* Starts listening; on success writes the base URL (e.g. http://127.0.0.1:8080/omni-svcs, https://
 * with TLS) into url and returns 0; otherwise a one-line message in err and -2 when the host does
 * not resolve or the TLS certificate or key is unusable (a bad option value), -1 for other failures
 * (port in use, no TLS support in libmicrohttpd, out of memory...). */
int att_sbx_server_start(SbxServer **out, const SbxServerConfig *cfg, char *url, size_t urllen, char *err,
                         size_t errlen);
/* Stops the daemon (closing connections, joining their threads) and frees the server. */
void att_sbx_server_stop(SbxServer *s);

#endif
