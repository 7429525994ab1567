/* http.c — the HTTP core on libcurl (see http.h): the client (header lists, owned copies of the
 * configuration, the multi handle and its pool of easy handles), one attempt (setup, the body,
 * header and progress callbacks, conclude), the retry decision, pacing, the transfers in flight
 * with their event loop, the blocking token request, and the redacted --verbose/--trace log. */
#include "core/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/stop.h"
#include "core/text.h"

#define ATT_POOL 64

struct AttHttp {
    CURL *curl;                      /* the blocking token request */
    struct curl_slist *headers;      /* JSON requests, without Authorization */
    struct curl_slist *form_headers; /* the token request */
    AttHttpConfig cfg;               /* strings below are owned copies */
    char *strings[5];
    char origin[300]; /* of the base URL: where the API credential may go */
    double next_slot; /* monotonic time of the next request allowed by --rate */
    unsigned long long rng;
    AttHttpCounters n;
    CURLM *multi;         /* every API request, one connection pool */
    CURL *pool[ATT_POOL]; /* idle easy handles for the multi handle */
    int npool, active;
    int handles;         /* easy handles of the multi handle in existence (budgeted) */
    double paused_until; /* no new attempt before this (a 429/503 backs off the window) */
    AttXfer *xfers;      /* transfers not yet freed */
};

typedef struct Req {
    const char *method;
    const char *url; /* absolute */
    const char *body;
    size_t len;
    int json; /* JSON headers and the auth provider; else form + Basic */
    const char *user, *password;
} Req;

/* Per-attempt progress state: the stop flag, and the stall detector. libcurl's own low-speed limit
 * averages over several seconds, so a short --stall-timeout would only fire long after the stall
 * began; this measures the time since the body last grew. */
typedef struct Progress {
    double stall_s;     /* 0: no stall detection */
    double last_change; /* monotonic time the body last grew */
    curl_off_t last_dl;
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
} Attempt;

static int global_ready; /* curl_global_init done; the host is single-threaded */

/* Sleeps ms milliseconds in short steps; returns -1 as soon as the run is stopping. */
static int sleep_ms(long ms)
{
    double end = att_now() + (double)ms / 1000.0;
    for (;;) {
        double left = end - att_now();
        struct timespec ts;
        if (att_stopping()) return -1;
        if (left <= 0) return 0;
        if (left > 0.1) left = 0.1;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(left * 1e9);
        nanosleep(&ts, NULL);
    }
}

/* xorshift64*, seeded per client: jitter only needs to differ between clients and attempts. */
static double uniform(AttHttp *h)
{
    unsigned long long x = h->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    h->rng = x;
    return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int att_http_method_ok(const char *method)
{
    /* An HTTP token of upper-case letters, as every method we could mean is. */
    size_t n = 0;
    if (!method) return 0;
    for (; method[n]; n++)
        if (method[n] < 'A' || method[n] > 'Z') return 0;
    return n > 0 && n <= 16;
}

const char *att_http_reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unexpected Status";
    }
}

/* ---- logging ----------------------------------------------------------------------------------- */

/* Longest part of one logged line or body shown (after redaction, which sees the whole text). */
#define LOG_MAX 4000

/* Prints "att: PREFIX TEXT": the whole text redacted first, then escaped for a terminal, then
 * cut to LOG_MAX bytes. */
static void log_text(const AttHttp *h, const char *prefix, const char *data, size_t n)
{
    AttBuf red = {0}, line = {0};
    size_t shown;
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) n--;
    att_redact_line(h->cfg.redact, data, n, &red);
    shown = red.len > LOG_MAX ? LOG_MAX : red.len;
    while (shown < red.len && shown > 0 && ((unsigned char)red.data[shown] & 0xC0) == 0x80) shown--;
    att_text_escape(red.data ? red.data : "", shown, &line);
    if (!line.oom)
        fprintf(stderr, "att: %s%s%s\n", prefix, line.data ? line.data : "",
                shown < red.len ? " ... (cut; the body has more)" : "");
    att_buf_wipe_free(&red);
    att_buf_wipe_free(&line);
}

/* The debug callback of --trace: request and response heads, one header per line, and the request
 * body. Response bodies are not logged here, where they arrive in pieces, but whole once the
 * attempt ends (conclude), so that a credential split across two reads is still found. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
    const Attempt *at = ud;
    size_t i = 0;
    (void)c;
    switch (type) {
    case CURLINFO_TEXT: log_text(at->h, "* ", data, size); break;
    case CURLINFO_HEADER_OUT:
        while (i < size) { /* the whole request head in one piece */
            size_t j = i;
            while (j < size && data[j] != '\n') j++;
            if (j > i + 1 || (j > i && data[i] != '\r')) log_text(at->h, "> ", data + i, j - i);
            i = j + 1;
        }
        if (at->rq->body && at->rq->len) log_text(at->h, "> body: ", at->rq->body, at->rq->len);
        break;
    case CURLINFO_HEADER_IN:
        if (size > 2) log_text(at->h, "< ", data, size);
        break;
    default: break;
    }
    return 0;
}

/* ---- client ------------------------------------------------------------------------------------ */

static void xfer_orphan(AttXfer *x);

static const char *own(AttHttp *h, int slot, const char *s)
{
    h->strings[slot] = att_strdup(s);
    return h->strings[slot];
}

AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen)
{
    AttHttp *h = calloc(1, sizeof *h);
    char *line = NULL;
    struct curl_slist *l = NULL, *f = NULL;
    size_t n;

    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!global_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "libcurl failed to initialise");
            free(h);
            return NULL;
        }
        global_ready = 1;
    }
    h->cfg = *cfg;
    h->cfg.base_url = own(h, 0, cfg->base_url);
    h->cfg.appname = own(h, 1, cfg->appname);
    h->cfg.cacert = own(h, 2, cfg->cacert);
    h->cfg.cert = own(h, 3, cfg->cert);
    h->cfg.key = own(h, 4, cfg->key);
    if (!h->cfg.base_url) goto nomem;
    n = strlen(h->cfg.base_url);
    while (n > 0 && h->cfg.base_url[n - 1] == '/') h->strings[0][--n] = '\0';
    if (att_url_origin(h->cfg.base_url, h->origin, sizeof h->origin) != 0) {
        snprintf(err, errlen, "the base URL is not an http:// or https:// URL with a host");
        att_http_free(h);
        return NULL;
    }
    h->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32) ^ (unsigned long long)(size_t)h;
    if (!h->rng) h->rng = 88172645463325252ULL;

        /* One list for the whole run. "Expect:" stops libcurl from waiting for 100-continue on
     * larger bodies, which gateways often do not send. */
#define ADD(list, s)                                          \
    do {                                                      \
        struct curl_slist *t_ = curl_slist_append(list, (s)); \
        if (!t_) goto nomem;                                  \
        list = t_;                                            \
    } while (0)
    ADD(l, "accept: application/json");
    ADD(l, "content-type: application/json");
    ADD(l, "Expect:");
    if (h->cfg.appname && *h->cfg.appname) {
        size_t an = strlen(h->cfg.appname);
        if (!att_header_value_ok(h->cfg.appname, an)) {
            snprintf(err, errlen, "the appname contains control characters");
            curl_slist_free_all(l);
            att_http_free(h);
            return NULL;
        }
        line = malloc(an + sizeof "appname: ");
        if (!line) goto nomem;
        snprintf(line, an + sizeof "appname: ", "appname: %s", h->cfg.appname);
        ADD(l, line);
        free(line);
        line = NULL;
    }
    ADD(f, "accept: application/json");
    ADD(f, "content-type: application/x-www-form-urlencoded");
    ADD(f, "Expect:");
#undef ADD
    h->headers = l;
    h->form_headers = f;
    l = f = NULL;

    h->curl = curl_easy_init();
    h->multi = curl_multi_init();
    if (!h->curl || !h->multi) goto nomem;
    /* Keep the idle connections of a window (up to 64) for the next scan or lookup: libcurl's
     * default keeps 4 per transfer still added, so between scans it would close the rest. */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 64L);
    return h;

nomem:
    free(line);
    curl_slist_free_all(l);
    curl_slist_free_all(f);
    att_http_free(h);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

/* A new easy handle for the multi handle, with its connection's overhead charged to the budget. */
static CURL *easy_new(AttHttp *h)
{
    CURL *e;
    if (att_budget_take(h->cfg.budget, ATT_CONN_OVERHEAD) != 0) return NULL;
    e = curl_easy_init();
    if (!e)
        att_budget_give(h->cfg.budget, ATT_CONN_OVERHEAD);
    else
        h->handles++;
    return e;
}

static void easy_free(AttHttp *h, CURL *e)
{
    curl_easy_cleanup(e);
    att_budget_give(h->cfg.budget, ATT_CONN_OVERHEAD);
    h->handles--;
}

void att_http_free(AttHttp *h)
{
    size_t i;
    if (!h) return;
    while (h->xfers) xfer_orphan(h->xfers); /* transfers outlive the client only as finished ones */
    for (i = 0; i < (size_t)h->npool; i++) easy_free(h, h->pool[i]);
    if (h->multi) curl_multi_cleanup(h->multi);
    if (h->curl) curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    curl_slist_free_all(h->form_headers);
    for (i = 0; i < sizeof h->strings / sizeof h->strings[0]; i++) free(h->strings[i]);
    free(h);
}

void att_http_url(const AttHttp *h, const char *path, char *buf, size_t buflen)
{
    char full[2048];
    snprintf(full, sizeof full, "%s%s", h->cfg.base_url, path);
    att_url_strip_userinfo(full, buf, buflen);
}

const char *att_http_origin(const AttHttp *h) { return h->origin; }

void att_http_counters(const AttHttp *h, AttHttpCounters *c)
{
    if (h)
        *c = h->n;
    else
        memset(c, 0, sizeof *c);
}

/* ---- one attempt ------------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    AttResponse *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > r->limit) {
        r->err = ATT_HTTP_ETOOBIG;
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        char *p;
        while (cap < r->len + n + 1) cap *= 2;
        if (cap > r->limit + 1) cap = r->limit + 1;
        if (att_budget_take(r->budget, cap - r->cap) != 0) {
            r->err = ATT_HTTP_ELIMIT;
            return 0;
        }
        p = realloc(r->body, cap);
        if (!p) {
            att_budget_give(r->budget, cap - r->cap);
            r->err = ATT_HTTP_ENOMEM;
            return 0;
        }
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Copies the value of "Name: value\r\n" into dst when the header name matches. */
static void take_header(const char *line, size_t n, const char *name, char *dst, size_t dstlen)
{
    size_t k = strlen(name);
    if (n > k && strncasecmp(line, name, k) == 0 && line[k] == ':') {
        const char *v = line + k + 1;
        const char *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
        snprintf(dst, dstlen, "%.*s", (int)(end - v), v);
    }
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    AttResponse *r = ud;
    size_t n = size * nmemb;
    /* A new status line (after 100-continue) starts a new header set. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        r->content_type[0] = '\0';
        r->retry_after[0] = '\0';
    }
    take_header(line, n, "content-type", r->content_type, sizeof r->content_type);
    take_header(line, n, "retry-after", r->retry_after, sizeof r->retry_after);
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    Progress *p = ud;
    (void)dt;
    (void)ut;
    (void)un;
    if (att_stopping()) return 1;   /* non-zero aborts the transfer */
    if (p->stall_s > 0 && dn > 0) { /* once the body has started: waiting for the first byte is --timeout's */
        double now = att_now();
        if (dn != p->last_dl || p->last_dl == 0) {
            p->last_dl = dn;
            p->last_change = now;
        } else if (now - p->last_change > p->stall_s) {
            p->stalled = 1;
            return 1;
        }
    }
    return 0;
}

static int transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return 1;
    default: return 0;
    }
}

static void attempt_clear(Attempt *at)
{
    if (at->authline) {
        memset(at->authline, 0, strlen(at->authline));
        free(at->authline);
        at->authline = NULL;
    }
}

/* Sets up handle c for one attempt of rq; the response goes to out. auth is the value of the
 * Authorization header or NULL. Returns -1 when out of memory. */
static int setup(AttHttp *h, CURL *c, const Req *rq, const char *auth, AttResponse *out, Attempt *at)
{
    memset(&at->prog, 0, sizeof at->prog);
    at->prog.stall_s = (double)h->cfg.stall_ms / 1000.0;
    at->cerr[0] = '\0';
    at->h = h;
    at->rq = rq;
    attempt_clear(at);
    curl_easy_reset(c); /* keeps the connection cache and the TLS session */
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    if (rq->json && auth) {
        /* A list node in front of the shared list: one allocation per attempt, wiped after. */
        size_t n = strlen(auth) + sizeof "Authorization: ";
        at->authline = malloc(n);
        if (!at->authline) return -1;
        snprintf(at->authline, n, "Authorization: %s", auth);
        at->authnode.data = at->authline;
        at->authnode.next = h->headers;
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, &at->authnode);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, rq->json ? h->headers : h->form_headers);
    }
    if (!rq->json) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, rq->user ? rq->user : "");
        curl_easy_setopt(c, CURLOPT_PASSWORD, rq->password ? rq->password : "");
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, "att/" ATT_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, at->cerr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->cfg.insecure ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->cfg.insecure ? 0L : 2L);
    if (h->cfg.cacert) curl_easy_setopt(c, CURLOPT_CAINFO, h->cfg.cacert);
    if (h->cfg.cert) curl_easy_setopt(c, CURLOPT_SSLCERT, h->cfg.cert);
    if (h->cfg.key) curl_easy_setopt(c, CURLOPT_SSLKEY, h->cfg.key);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect never takes a credential elsewhere */
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Over HTTP/2 the transfers of a window share one connection rather than open more. */
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &at->prog);
    if (h->cfg.verbose >= 2) {
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(c, CURLOPT_DEBUGDATA, at);
    }
    if (strcmp(rq->method, "GET") == 0 && !rq->body) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(rq->method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->len : 0));
    }
    return 0;
}

/* Reads the outcome of an attempt that ended with rc into out; returns the code that says whether
 * the failure is transient. */
static CURLcode conclude(AttHttp *h, CURL *c, CURLcode rc, AttResponse *out, Attempt *at)
{
    long nc = 0;
    attempt_clear(at);
    h->n.attempts++;
    h->n.bytes += (long)out->len;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK) h->n.connects += nc;
    if (h->cfg.verbose >= 2 && out->len) log_text(h, "< body: ", out->body, out->len);
    if (rc == CURLE_OK) {
        out->err = ATT_HTTP_OK;
        return rc;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && at->prog.stalled) {
        out->err = ATT_HTTP_ETIMEOUT;
        snprintf(out->errmsg, sizeof out->errmsg, "transfer stalled: nothing received for %.1f s (--stall-timeout)",
                 at->prog.stall_s);
        return CURLE_OPERATION_TIMEDOUT; /* transient: retried */
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        int why = att_stopping();
        out->err = why == ATT_STOP_TIME ? ATT_HTTP_ELIMIT : ATT_HTTP_EINTR;
        snprintf(out->errmsg, sizeof out->errmsg, "%s", att_stop_text(why ? why : 2));
    } else if (out->err == ATT_HTTP_ETOOBIG) {
        snprintf(out->errmsg, sizeof out->errmsg, "response body larger than the %zu-byte limit (--max-response)",
                 h->cfg.max_response);
    } else if (out->err == ATT_HTTP_ELIMIT) {
        snprintf(out->errmsg, sizeof out->errmsg, "the response body does not fit in --max-memory");
    } else if (out->err == ATT_HTTP_ENOMEM) {
        snprintf(out->errmsg, sizeof out->errmsg, "out of memory reading the response");
    } else {
        size_t k;
        out->err = (rc == CURLE_OPERATION_TIMEDOUT) ? ATT_HTTP_ETIMEOUT : ATT_HTTP_ENETWORK;
        /* libcurl's own wording names the host and the cause; it never contains headers. */
        att_one_line(at->cerr[0] ? at->cerr : curl_easy_strerror(rc),
                     strlen(at->cerr[0] ? at->cerr : curl_easy_strerror(rc)), out->errmsg, sizeof out->errmsg);
        k = strlen(out->errmsg);
        while (k > 0 && (out->errmsg[k - 1] == '\n' || out->errmsg[k - 1] == ' ')) out->errmsg[--k] = '\0';
    }
    return rc;
}

static void describe(const AttResponse *r, char *buf, size_t len)
{
    if (r->err == ATT_HTTP_OK)
        snprintf(buf, len, "HTTP %ld", r->status);
    else
        snprintf(buf, len, "%s", r->errmsg);
}

/* Empties the response for a new attempt (the counters of attempts and waits stay). */
static void reset_response(AttResponse *out)
{
    att_response_free(out);
    out->err = ATT_HTTP_OK;
    out->errmsg[0] = '\0';
    out->status = 0;
    out->content_type[0] = '\0';
    out->retry_after[0] = '\0';
}

/* One --verbose line, redacted and escaped like every other. */
static void log_attempt(const AttHttp *h, const Req *rq, const AttResponse *out)
{
    char shown[2048], line[2600];
    if (!h->cfg.verbose) return;
    att_url_strip_userinfo(rq->url, shown, sizeof shown);
    if (out->err == ATT_HTTP_OK)
        snprintf(line, sizeof line, "%s %s -> %ld, %zu bytes, %.3f s, attempt %d", rq->method, shown, out->status,
                 out->len, out->seconds, out->attempts);
    else
        snprintf(line, sizeof line, "%s %s -> failed: %s, %.3f s, attempt %d", rq->method, shown, out->errmsg,
                 out->seconds, out->attempts);
    log_text(h, "", line, strlen(line));
}

/* After an attempt: 0 done (out holds the outcome), 1 repeat at once with a renewed credential,
 * 2 retry after *delay ms. */
static int decide(AttHttp *h, const Req *rq, CURLcode rc, AttResponse *out, int renewable, int *renewed, int *retries,
                  long *delay)
{
    long ra = -1;
    int retryable;
    char why[320];
    if (out->err == ATT_HTTP_EINTR || out->err == ATT_HTTP_ELIMIT) return 0;
    if (out->err == ATT_HTTP_OK && out->status == 401 && rq->json && renewable && !*renewed) {
        /* The credential may have expired early: renew it once and repeat the request. */
        *renewed = 1;
        if (h->cfg.verbose) fprintf(stderr, "att: HTTP 401: renewing the access token and repeating the request\n");
        return 1;
    }
    retryable = out->err == ATT_HTTP_OK
                    ? (out->status == 408 || out->status == 429 || out->status == 500 || out->status == 502 ||
                       out->status == 503 || out->status == 504)
                    : (out->err == ATT_HTTP_ENETWORK || out->err == ATT_HTTP_ETIMEOUT) && transient(rc);
    out->retryable = retryable;
    if (!retryable) return 0;
    if (out->err == ATT_HTTP_OK && out->retry_after[0]) ra = att_retry_after_ms(out->retry_after, time(NULL));
    *delay = att_retry_delay(&h->cfg.retry, *retries + 1, out->waited_ms, ra, uniform(h));
    if (*delay < 0) return 0;
    (*retries)++;
    h->n.retries++;
    if (h->cfg.verbose) {
        char line[420];
        describe(out, why, sizeof why);
        snprintf(line, sizeof line, "retrying in %.2f s after %s%s (retry %d of %d)", (double)*delay / 1000.0, why,
                 ra >= 0 ? " (Retry-After)" : "", *retries, h->cfg.retry.retries);
        log_text(h, "", line, strlen(line));
    }
    return 2;
}

/* Waits for the slot --rate allows; -1 when the run is stopping. */
static int pace(AttHttp *h)
{
    double now, wait;
    if (h->cfg.rate <= 0) return 0;
    now = att_now();
    wait = h->next_slot - now;
    if (wait > 0 && sleep_ms((long)(wait * 1000.0 + 0.5)) != 0) return -1;
    h->next_slot = (h->next_slot > now ? h->next_slot : now) + 1.0 / h->cfg.rate;
    return 0;
}

/* Marks out as abandoned because the run is stopping. */
static AttHttpErr stopped(AttResponse *out)
{
    int why = att_stopping();
    out->err = why == ATT_STOP_TIME ? ATT_HTTP_ELIMIT : ATT_HTTP_EINTR;
    snprintf(out->errmsg, sizeof out->errmsg, "%s", att_stop_text(why ? why : 2));
    return out->err;
}

/* The blocking path, on the client's own easy handle: the OAuth token request, which every API
 * request waits for (it is asked for when an attempt starts, see xfer_start). */
static AttHttpErr run(AttHttp *h, const Req *rq, AttResponse *out)
{
    int renewed = 0, retries = 0;
    Attempt at;

    memset(out, 0, sizeof *out);
    memset(&at, 0, sizeof at);
    out->limit = h->cfg.max_response;
    out->budget = h->cfg.budget;
    h->n.requests++;
    for (;;) {
        CURLcode rc;
        long delay = 0;
        int d;
        if (att_stopping() || pace(h) != 0) return stopped(out);
        reset_response(out);
        out->attempts++;
        if (setup(h, h->curl, rq, NULL, out, &at) != 0) {
            out->err = ATT_HTTP_ENOMEM;
            snprintf(out->errmsg, sizeof out->errmsg, "out of memory");
            return out->err;
        }
        rc = conclude(h, h->curl, curl_easy_perform(h->curl), out, &at);
        log_attempt(h, rq, out);
        d = decide(h, rq, rc, out, 0, &renewed, &retries, &delay);
        if (d == 0) return out->err;
        if (d == 2) {
            if (sleep_ms(delay) != 0) return stopped(out);
            out->waited_ms += delay;
        }
    }
}

/* ---- transfers on the multi handle ----------------------------------------------------------- */

struct AttXfer {
    AttHttp *h; /* NULL once the client is gone */
    Req rq;
    char *method, *url, *body; /* owned copies behind rq */
    AttResponse resp;
    Attempt at;
    CURL *easy; /* while an attempt runs */
    int done, renewed, renew, retries;
    int auth_gen;         /* generation of the credential of the last attempt (0: none sent) */
    double not_before;    /* monotonic time before which no new attempt starts */
    AttXfer *prev, *next; /* the client's list of transfers not yet freed */
};

static void xfer_finish(AttXfer *x, AttHttpErr err, const char *msg)
{
    x->done = 1;
    if (err != ATT_HTTP_OK) {
        x->resp.err = err;
        if (msg) snprintf(x->resp.errmsg, sizeof x->resp.errmsg, "%s", msg);
    }
}

AttXfer *att_xfer_new(AttHttp *h, const char *method, const char *path, const char *body, size_t len)
{
    AttXfer *x = calloc(1, sizeof *x);
    size_t ul;
    if (!x) return NULL;
    ul = strlen(h->cfg.base_url) + strlen(path) + 1;
    x->method = att_strdup(method);
    x->url = malloc(ul);
    x->body = body ? malloc(len + 1) : NULL;
    if (!x->method || !x->url || (body && !x->body)) {
        free(x->method);
        free(x->url);
        free(x->body);
        free(x);
        return NULL;
    }
    snprintf(x->url, ul, "%s%s", h->cfg.base_url, path);
    if (body) {
        memcpy(x->body, body, len);
        x->body[len] = '\0';
    }
    x->rq.method = x->method;
    x->rq.url = x->url;
    x->rq.body = x->body;
    x->rq.len = body ? len : 0;
    x->rq.json = 1;
    x->resp.limit = h->cfg.max_response;
    x->resp.budget = h->cfg.budget;
    x->h = h;
    x->next = h->xfers;
    if (h->xfers) h->xfers->prev = x;
    h->xfers = x;
    h->n.requests++;
    if (!att_http_method_ok(method)) xfer_finish(x, ATT_HTTP_EUSAGE, "invalid HTTP method");
    return x;
}

int att_xfer_done(const AttXfer *x) { return x->done; }

AttResponse *att_xfer_response(AttXfer *x) { return &x->resp; }

/* Ends the attempt in progress, if any, and returns its handle to the pool (or frees it). */
static void xfer_drop_easy(AttHttp *h, AttXfer *x, int keep)
{
    if (!x->easy) return;
    curl_multi_remove_handle(h->multi, x->easy);
    if (keep && h->npool < ATT_POOL)
        h->pool[h->npool++] = x->easy;
    else
        easy_free(h, x->easy);
    x->easy = NULL;
    h->active--;
    attempt_clear(&x->at);
}

static void xfer_detach(AttXfer *x)
{
    AttHttp *h = x->h;
    if (!h) return;
    xfer_drop_easy(h, x, 0);
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next) x->next->prev = x->prev;
    x->prev = x->next = NULL;
    x->h = NULL;
}

static void xfer_orphan(AttXfer *x)
{
    xfer_detach(x);
    if (!x->done) xfer_finish(x, ATT_HTTP_EUSAGE, "the HTTP client was closed (att.configure)");
}

void att_xfer_free(AttXfer *x)
{
    if (!x) return;
    xfer_detach(x);
    attempt_clear(&x->at);
    att_response_free(&x->resp);
    free(x->method);
    free(x->url);
    free(x->body);
    free(x);
}

/* Starts an attempt of x now. Returns -1 when x could not start (it is then done). */
static int xfer_start(AttHttp *h, AttXfer *x)
{
    char *auth = NULL;
    long status = 0;
    CURL *e;
    int rc;
    x->auth_gen = x->renew ? x->auth_gen : 0;
    if (h->cfg.auth && h->cfg.auth(h->cfg.auth_ud, h->origin, &x->auth_gen, &auth, x->resp.errmsg,
                                   sizeof x->resp.errmsg, &status) != 0) {
        x->resp.status = status;
        if (att_stopping()) stopped(&x->resp);
        xfer_finish(x, att_stopping() ? x->resp.err : ATT_HTTP_EAUTH, NULL);
        return -1;
    }
    x->renew = 0;
    e = h->npool ? h->pool[--h->npool] : easy_new(h);
    if (!e) {
        if (auth) {
            memset(auth, 0, strlen(auth));
            free(auth);
        }
        xfer_finish(x, h->cfg.budget && h->cfg.budget->refused ? ATT_HTTP_ELIMIT : ATT_HTTP_ENOMEM,
                    h->cfg.budget && h->cfg.budget->refused ? "no room for another connection in --max-memory"
                                                            : "out of memory");
        return -1;
    }
    reset_response(&x->resp);
    x->resp.attempts++;
    rc = setup(h, e, &x->rq, auth, &x->resp, &x->at);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
    if (rc != 0 || curl_multi_add_handle(h->multi, e) != CURLM_OK) {
        easy_free(h, e);
        attempt_clear(&x->at);
        xfer_finish(x, ATT_HTTP_ENOMEM, "cannot start the transfer");
        return -1;
    }
    x->easy = e;
    h->active++;
    return 0;
}

/* An attempt of x ended with rc: conclude it and decide what comes next. */
static void xfer_ended(AttHttp *h, AttXfer *x, CURLcode rc)
{
    CURL *e = x->easy;
    long delay = 0;
    int d;
    rc = conclude(h, e, rc, &x->resp, &x->at);
    xfer_drop_easy(h, x, 1);
    log_attempt(h, &x->rq, &x->resp);
    /* Only a credential that can be renewed (an OAuth access token, generation >= 1) is worth a
     * second try after a 401: a static token would be refused again. */
    d = decide(h, &x->rq, rc, &x->resp, x->auth_gen != 0, &x->renewed, &x->retries, &delay);
    if (d == 0) {
        x->done = 1;
    } else if (d == 1) {
        x->renew = 1;
        x->not_before = 0;
    } else {
        x->not_before = att_now() + (double)delay / 1000.0;
        x->resp.waited_ms += delay;
        /* A server that says "too many requests" or "unavailable" is told so by every transfer of the
         * window: hold back every new attempt, not just this one. */
        if (x->resp.err == ATT_HTTP_OK && (x->resp.status == 429 || x->resp.status == 503) &&
            x->not_before > h->paused_until)
            h->paused_until = x->not_before;
    }
}

/* One round of the event loop without blocking: abandon everything when the run stops, start
 * what may start (oldest first), let libcurl move data, conclude finished attempts. *wake is
 * lowered to the time the next waiting attempt may start; returns how many transfers wait to
 * start. */
static int step(AttHttp *h, double *wake)
{
    AttXfer *x, *nx;
    double now = att_now();
    int running = 0, pending = 0, msgs;
    CURLMsg *m;

    if (att_stopping()) {
        for (x = h->xfers; x; x = nx) {
            nx = x->next;
            if (x->done) continue;
            xfer_drop_easy(h, x, 0);
            stopped(&x->resp);
            x->done = 1;
        }
        return 0;
    }
    for (x = h->xfers; x && x->next; x = x->next) {} /* the list is newest first */
    for (; x; x = x->prev) {
        if (x->done || x->easy) continue;
        pending++;
        if (x->not_before > now || h->paused_until > now) {
            double t = x->not_before > h->paused_until ? x->not_before : h->paused_until;
            if (t < *wake) *wake = t;
            continue;
        }
        if (h->cfg.rate > 0 && h->next_slot > now) {
            if (h->next_slot < *wake) *wake = h->next_slot;
            continue;
        }
        if (h->cfg.rate > 0) h->next_slot = (h->next_slot > now ? h->next_slot : now) + 1.0 / h->cfg.rate;
        pending--;
        xfer_start(h, x);
    }
    curl_multi_perform(h->multi, &running);
    while ((m = curl_multi_info_read(h->multi, &msgs)) != NULL) {
        void *priv = NULL;
        if (m->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
        xfer_ended(h, (AttXfer *)priv, m->data.result);
    }
    return pending;
}

void att_http_poll(AttHttp *h)
{
    double wake = att_now() + 1.0;
    if (h->xfers) step(h, &wake);
}

AttHttpErr att_http_wait(AttHttp *h, AttXfer *until)
{
    for (;;) {
        double wake = att_now() + 0.1;
        int pending;
        if (until && until->done) return until->resp.err;
        pending = step(h, &wake);
        if (until && until->done) return until->resp.err;
        if (att_stopping()) return until ? until->resp.err : ATT_HTTP_EINTR;
        if (!until) {
            AttXfer *x;
            int open = 0;
            for (x = h->xfers; x; x = x->next) open += !x->done;
            if (!open) return ATT_HTTP_OK;
        }
        if (h->active > 0 || pending > 0) {
            int ms = (int)((wake - att_now()) * 1000.0);
            if (ms < 0) ms = 0;
            if (ms > 100) ms = 100;
            curl_multi_poll(h->multi, NULL, 0, ms, NULL);
        }
    }
}

AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path, const char *body, size_t body_len,
                            AttResponse *out)
{
    AttXfer *x = att_xfer_new(h, method, path, body, body_len);
    memset(out, 0, sizeof *out);
    if (!x) {
        out->err = ATT_HTTP_ENOMEM;
        snprintf(out->errmsg, sizeof out->errmsg, "out of memory");
        return out->err;
    }
    att_http_wait(h, x);
    *out = x->resp; /* the body moves to the caller */
    memset(&x->resp, 0, sizeof x->resp);
    att_xfer_free(x);
    return out->err;
}

AttHttpErr att_http_post_form(AttHttp *h, const char *url, const char *user, const char *password, const char *form,
                              AttResponse *out)
{
    Req rq;
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.url = url;
    rq.body = form;
    rq.len = strlen(form);
    rq.user = user;
    rq.password = password;
    return run(h, &rq, out);
}

void att_response_free(AttResponse *r)
{
    if (!r) return;
    free(r->body);
    att_budget_give(r->budget, r->cap);
    r->body = NULL;
    r->len = r->cap = 0;
}
