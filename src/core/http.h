/* http.h — the HTTP core: libcurl only, no lua_State.
 *
 * One AttHttp client per run holds one libcurl multi handle: one pool of keep-alive connections
 * (and TLS sessions) for every request of the run, and transfers that can be in flight together.
 * A transfer owns the whole life of one logical request: pacing (--rate), the Authorization header
 * from the auth provider (renewed once on a 401; given only to the origin the credential belongs
 * to), retries of transient failures with backoff and Retry-After, the verbose/trace log (whole
 * lines and bodies, redacted and escaped), and prompt abandonment when the run stops (att_stop).
 * Response bodies are charged to the run's memory budget. Transport failures are reported in the
 * response (err != ATT_HTTP_OK) with a one-line message; HTTP statuses are not errors here. The
 * OAuth token request is a transfer like the others (att_xfer_form): there is one engine. */
#ifndef ATT_HTTP_H
#define ATT_HTTP_H

#include <stddef.h>

#include "common/budget.h"
#include "common/buf.h"
#include "core/redact.h"
#include "core/retry.h"

#ifndef ATT_VERSION
#define ATT_VERSION "0.0.0"
#endif

#define ATT_DEFAULT_BASE_URL "https://partner.att.com/omni-svcs"
#define ATT_SEARCH_PATH      "/v1/customers/search"
/* The auth provider: sets *hdr to a malloc'd value of the Authorization header (e.g. "Bearer abc")
 * for a request to origin ("scheme://host:port"), or to NULL for none (the credential belongs to
 * another origin, or there is none). The caller wipes and frees it. *gen is 0, or (after a 401)
 * the generation of the credential that was refused: it is renewed unless a newer one exists
 * already, so that the transfers of a window refused together cause one renewal. On return *gen
 * is the generation of the credential given. Returns 0; 1 when the credential is being fetched
 * (a token request is in flight on the same client: ask again later); or -1 with a one-line
 * message in err and, when an HTTP exchange failed, its status in *status. */
typedef int (*AttAuthFn)(void *ud, const char *origin, int *gen, char **hdr, char *err, size_t errlen, long *status);

typedef struct AttHttpConfig {
    const char *base_url; /* without trailing slash; borrowed */
    const char *appname;  /* NULL: no appname header; borrowed */
    AttAuthFn auth;       /* NULL: no Authorization header */
    void *auth_ud;
    long timeout_ms; /* total time for one attempt */
    long connect_timeout_ms;
    long stall_ms;       /* give up an attempt that receives nothing (no header or body byte) for this
                    * long, counted from the start of the attempt; 0: never */
    size_t max_response; /* bytes; a larger body fails cleanly */
    AttRetryPolicy retry;
    double rate;                     /* requests per second for the whole run; 0: unlimited */
    const char *cacert, *cert, *key; /* TLS files; NULL: system defaults */
    int insecure;                    /* skip certificate verification (explicit opt-out) */
    int verbose;                     /* 0 quiet, 1 one line per request, 2 trace headers and bodies */
    const AttRedact *redact;         /* the run's credentials, kept out of every log line; borrowed */
    AttBudget *budget;               /* response bodies and connections are charged here; borrowed */
    int window;   /* most API transfers in flight at once (core/window.h); 0: ATT_WINDOW_DEFAULT (64) */
    int adaptive; /* the window and a paced rate learned (core/adapt.h), at most `window` (0: 32) */
} AttHttpConfig;

typedef enum AttHttpErr {
    ATT_HTTP_OK = 0,
    ATT_HTTP_ENETWORK, /* could not connect, reset, DNS, TLS ... */
    ATT_HTTP_ETIMEOUT, /* connect, total or stall timeout */
    ATT_HTTP_ETOOBIG,  /* body larger than max_response */
    ATT_HTTP_ENOMEM,
    ATT_HTTP_EUSAGE, /* bad method or URL */
    ATT_HTTP_EAUTH,  /* the auth provider could not give a credential */
    ATT_HTTP_EINTR,  /* interrupted (a signal) */
    ATT_HTTP_ELIMIT  /* a limit of the run: --max-time, or --max-memory for the body */
} AttHttpErr;

typedef struct AttResponse {
    long status; /* 0 when no response was received */
    AttBuf body; /* NUL-terminated, body.len bytes (data NULL when empty), charged to body.budget */
    char content_type[128];
    char retry_after[64];
    AttHttpErr err;
    int retryable;    /* the last failure was transient (the retries ran out) */
    char errmsg[320]; /* one line, set when err != ATT_HTTP_OK */
    double seconds;   /* time of the last attempt */
    int attempts;     /* attempts made, including the first */
    long waited_ms;   /* time spent waiting between attempts */
    size_t limit;     /* copy of max_response, for the write callback */
} AttResponse;

typedef struct AttHttp AttHttp;

/* Creates a client; copies what it needs from cfg. Returns NULL and fills err on failure. */
AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen);
void att_http_free(AttHttp *h);

/* Performs METHOD base_url+path with an optional JSON body. Always fills *out (free it with
 * att_response_free); returns out->err. */
AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path, const char *body, size_t body_len,
                            AttResponse *out);

void att_response_free(AttResponse *r);

/* Concurrent transfers (libcurl multi): a transfer is queued when created and makes progress
 * whenever att_http_wait runs, with the same pacing, auth, retries and logging as
 * att_http_perform (which is one transfer waited for). A 429 or 503 holds back every new attempt
 * until its retry time; then each transfer held starts after its own jitter (att_retry_release).
 * An API transfer starts its first attempt only when the client's window (core/window.h) has a
 * slot for it, and keeps the slot through its retries until it is done; those submitted beyond
 * the window wait in order. A request is counted (att_http_counters) when its first attempt
 * starts, an attempt when it starts: a transfer freed before it started counts nothing. Free each
 * transfer with att_xfer_free (which cancels it if running, and gives its slot back). */
typedef struct AttXfer AttXfer;
AttXfer *att_xfer_new(AttHttp *h, const char *method, const char *path, const char *body, size_t len);
/* A form POST to an absolute URL with HTTP Basic credentials (the OAuth token request): the same
 * attempts, pacing, retries and logging, and no Authorization from the provider. */
AttXfer *att_xfer_form(AttHttp *h, const char *url, const char *user, const char *password, const char *form);
int att_xfer_done(const AttXfer *x);
AttResponse *att_xfer_response(AttXfer *x);
void att_xfer_free(AttXfer *x);
/* Drives all transfers until `until` is done (NULL: until every transfer is done). */
AttHttpErr att_http_wait(AttHttp *h, AttXfer *until);
/* Lets the transfers make progress without waiting (sends queued requests, reads what arrived). */
void att_http_poll(AttHttp *h);

/* The full URL for path, without any user:password@ part, written to buf (always terminated). */
void att_http_url(const AttHttp *h, const char *path, char *buf, size_t buflen);
/* The origin of the client's base URL ("scheme://host:port"). */
const char *att_http_origin(const AttHttp *h);

/* Counters over the life of the client. */
typedef struct AttHttpCounters {
    long requests, attempts, retries, bytes, connects;
    long throttled; /* attempts answered 429 or 503 */
} AttHttpCounters;
void att_http_counters(const AttHttp *h, AttHttpCounters *c);
/* The adaptive controller of the client (its window, rate and timeline), or NULL when the window
 * is fixed. */
struct AttAdapt;
const struct AttAdapt *att_http_adapt(const AttHttp *h);
/* The client's window now (the most API transfers in flight). */
int att_http_window(const AttHttp *h);

/* Pure helpers, exposed for unit tests. */
int att_http_method_ok(const char *method);
const char *att_http_reason(long status);

#endif
