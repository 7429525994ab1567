/* http.h — the HTTP core: libcurl only, no lua_State.
 *
 * One AttHttp client per run holds one curl easy handle, so every request of a run reuses the same
 * connection (keep-alive) and the same TLS session. Requests are blocking; the caller owns the
 * AttResponse and releases it with att_response_free(). Transport failures are reported in the
 * response (err != ATT_HTTP_OK) with a one-line message; HTTP statuses are not errors here. */
#ifndef ATT_HTTP_H
#define ATT_HTTP_H

#include <stddef.h>

#ifndef ATT_VERSION
#define ATT_VERSION "0.0.0"
#endif

#define ATT_DEFAULT_BASE_URL "https://partner.att.com/omni-svcs"
#define ATT_SEARCH_PATH "/v1/customers/search"

typedef struct AttHttpConfig {
    const char *base_url;        /* without trailing slash; borrowed */
    const char *appname;         /* NULL: no appname header; borrowed */
    const char *token;           /* NULL: no Authorization header; borrowed, never printed */
    long timeout_ms;             /* total time for one request */
    long connect_timeout_ms;
    size_t max_response;         /* bytes; a larger body fails cleanly */
} AttHttpConfig;

typedef enum AttHttpErr {
    ATT_HTTP_OK = 0,
    ATT_HTTP_ENETWORK,           /* could not connect, reset, DNS, TLS ... */
    ATT_HTTP_ETIMEOUT,           /* connect or total timeout */
    ATT_HTTP_ETOOBIG,            /* body larger than max_response */
    ATT_HTTP_ENOMEM,
    ATT_HTTP_EUSAGE              /* bad method or URL */
} AttHttpErr;

typedef struct AttResponse {
    long status;                 /* 0 when no response was received */
    char *body;                  /* NUL-terminated, len bytes; NULL when empty */
    size_t len, cap;
    char content_type[128];
    char retry_after[64];
    AttHttpErr err;
    char errmsg[320];            /* one line, set when err != ATT_HTTP_OK */
    double seconds;              /* total time of the transfer */
    size_t limit;                /* copy of max_response, for the write callback */
} AttResponse;

typedef struct AttHttp AttHttp;

/* Creates a client; copies what it needs from cfg. Returns NULL and fills err on failure. */
AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen);
void att_http_free(AttHttp *h);

/* Performs METHOD base_url+path with an optional body (sent as application/json).
 * Always fills *out (free it with att_response_free); returns out->err. */
AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path,
                            const char *body, size_t body_len, AttResponse *out);
void att_response_free(AttResponse *r);

/* The full URL for path, without any user:password@ part, written to buf (always terminated). */
void att_http_url(const AttHttp *h, const char *path, char *buf, size_t buflen);

/* Counters over the life of the client: requests, body bytes, new connections made. */
void att_http_counters(const AttHttp *h, long *requests, long *bytes, long *connects);

/* Pure helpers, exposed for unit tests. */
int att_http_method_ok(const char *method);
void att_url_strip_userinfo(const char *url, char *buf, size_t buflen);
const char *att_http_reason(long status);

#endif
