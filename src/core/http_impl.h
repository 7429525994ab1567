/* http_impl.h — what http.c (the client, one attempt) and xfer.c (the transfers in flight and
 * their event loop) share; not for other files. */
#ifndef ATT_HTTP_IMPL_H
#define ATT_HTTP_IMPL_H

#include <curl/curl.h>

#include "core/http.h"
#include "core/adapt.h"
#include "core/window.h"

#define ATT_POOL 64

struct AttHttp {
    struct curl_slist *headers;      /* JSON requests, without Authorization */
    struct curl_slist *form_headers; /* the token request */
    AttHttpConfig cfg;               /* strings below are owned copies */
    char *strings[5];
    char origin[300]; /* of the base URL: where the API credential may go */
    AttPacer pacer;   /* --rate, for every request of the run */
    unsigned long long rng;
    AttHttpCounters n;
    CURLM *multi;         /* every request, one connection pool */
    CURL *pool[ATT_POOL]; /* idle easy handles */
    int npool, active;
    int handles;         /* easy handles in existence (each charged ATT_CONN_OVERHEAD) */
    double paused_until; /* no new attempt before this (a 429/503 holds back the window) */
    unsigned hold_gen;   /* raised with paused_until: each transfer held draws its jitter once */
    AttWindow win;       /* slots of the API transfers (the token request takes none) */
    AttAdapt adapt;      /* with cfg.adaptive: sets win.limit and pacer.rate */
    int kick;            /* an attempt ended: run the loop again before sleeping */
    AttXfer *xfers;      /* transfers not yet freed, newest first */
};

/* One request, as the attempt code sees it. */
typedef struct Req {
    const char *method;
    const char *url; /* absolute */
    const char *body;
    size_t len;
    int json; /* JSON headers and the auth provider; else a form with HTTP Basic (the token request) */
    const char *user, *password;
} Req;

/* Per-attempt progress state: the stop flag, and the stall detector. libcurl's own low-speed limit
 * averages over several seconds, so a short --stall-timeout would only fire long after the stall
 * began; this measures the time since the attempt started or last received a byte (of the
 * headers or the body) or sent one. The event loop (xfer.c) checks it too, since libcurl calls
 * the progress callback of an idle transfer only now and then. */
typedef struct Progress {
    double stall_s;     /* 0: no stall detection */
    double last_change; /* monotonic time of the attempt's start or its last progress */
    curl_off_t last_up;
    int stalled;
} Progress;

/* What one attempt needs beyond the request: buffers libcurl points into while it runs. */
typedef struct Attempt {
    char cerr[CURL_ERROR_SIZE];
    char *authline; /* "Authorization: ..." (owned, wiped), or NULL */
    struct curl_slist authnode;
    Progress prog;
    const AttHttp *h; /* for the --trace callback */
    const Req *rq;
    AttResponse *out; /* where the body and the headers of interest go */
} Attempt;

/* http.c */
/* Sets up handle c for one attempt of rq; the response goes to out. auth is the value of the
 * Authorization header or NULL. -1 when out of memory. */
int att_attempt_setup(AttHttp *h, CURL *c, const Req *rq, const char *auth, AttResponse *out, Attempt *at);
/* Reads the outcome of an attempt that ended with rc into out (and the --trace log of its body);
 * returns how it failed, for the retry policy. */
AttFailure att_attempt_conclude(AttHttp *h, CURL *c, CURLcode rc, AttResponse *out, Attempt *at);
/* Wipes and frees what an attempt held. */
void att_attempt_clear(Attempt *at);
/* Empties the response for a new attempt (the counts of attempts and waits stay). */
void att_response_reset(AttResponse *out);
/* A new easy handle, its connection's overhead charged to the budget (NULL when it does not fit
 * or libcurl has no memory); and its end. */
CURL *att_easy_new(AttHttp *h);
void att_easy_free(AttHttp *h, CURL *e);
/* "att: PREFIX TEXT" on stderr: the whole text redacted, escaped for a terminal, cut to 4000 bytes. */
void att_http_log(const AttHttp *h, const char *prefix, const char *data, size_t n);
/* The --verbose line of an attempt. */
void att_http_log_attempt(const AttHttp *h, const Req *rq, const AttResponse *out);
/* Uniform in [0, 1), for jitter. */
double att_http_uniform(AttHttp *h);

/* xfer.c */
/* Ends every transfer of a client that is going away (they are then done, with an error when
 * they had not finished). */
void att_xfer_orphan_all(AttHttp *h);

#endif
