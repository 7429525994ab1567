/* config.h — what one att-sandbox server is told when it starts (SbxServerConfig, filled by main.c
 * from the command line), and the paths and size limits it serves by. */
#ifndef ATT_SBX_CONFIG_H
#define ATT_SBX_CONFIG_H

#include "data.h"
#include "fault.h"
#include "ratelimit.h"
#include "search.h"

#define ATT_SBX_BASE_PATH        "/omni-svcs"
#define ATT_SBX_SEARCH_PATH      ATT_SBX_BASE_PATH "/v1/customers/search"
#define ATT_SBX_TOKEN_PATH       ATT_SBX_BASE_PATH "/oauth/token"
#define ATT_SBX_TOKEN_PATH_SHORT "/oauth/token"
#define ATT_SBX_IDS_PATH         ATT_SBX_BASE_PATH "/_sandbox/ids" /* inspection, for tests */
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
    SbxRateLimit rate_limit;  /* --rate-limit; rate 0: none */
    SbxFaults *faults;        /* borrowed; its counters change (under the server's lock) */
    const char *tls_cert;     /* PEM text of the certificate (chain), or NULL for plain HTTP */
    const char *tls_key;      /* PEM text of its private key; both or neither; borrowed */
    int verbose;              /* one line per request on stderr */
    int strict;               /* 400 UNKNOWN_FIELD for request members the contract does not define */
} SbxServerConfig;

#endif
