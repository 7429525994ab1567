/* http.c — the HTTP core on libcurl: one reused easy handle, fixed headers, capped bodies,
 * pacing, retries, auth renewal, redacted logging, interrupts. Owns: the curl handle, the header
 * lists, copies of the configuration strings. See http.h. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t att_interrupted;

struct AttHttp {
    CURL *curl;
    struct curl_slist *headers;       /* JSON requests, without Authorization */
    struct curl_slist *form_headers;  /* the token request */
    AttHttpConfig cfg;                /* strings below are owned copies */
    char *strings[8 + ATT_MAX_SECRETS];
    int nsecrets;
    double next_slot;                 /* monotonic time of the next request allowed by --rate */
    unsigned long long rng;
    AttHttpCounters n;
};

typedef struct Req {
    const char *method;
    const char *url;                  /* absolute */
    const char *body;
    size_t len;
    int json;                         /* JSON headers and the auth provider; else form + Basic */
    const char *user, *password;
} Req;

static int global_ready;   /* curl_global_init done; the host is single-threaded */

static char *dupstr(const char *s)
{
    size_t n;
    char *p;
    if (!s) return NULL;
    n = strlen(s) + 1;
    p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps ms milliseconds in short steps; returns -1 as soon as SIGINT is seen. */
static int sleep_ms(long ms)
{
    double end = mono() + (double)ms / 1000.0;
    for (;;) {
        double left = end - mono();
        struct timespec ts;
        if (att_interrupted) return -1;
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

void att_url_strip_userinfo(const char *url, char *buf, size_t buflen)
{
    const char *scheme = strstr(url, "://");
    if (buflen == 0) return;
    if (scheme) {
        const char *host = scheme + 3;
        size_t hostlen = strcspn(host, "/?#");
        const char *at = memchr(host, '@', hostlen);
        if (at) {
            snprintf(buf, buflen, "%.*s%s", (int)(host - url), url, at + 1);
            return;
        }
    }
    snprintf(buf, buflen, "%s", url);
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
    default:  return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unexpected Status";
    }
}

/* ---- redaction --------------------------------------------------------------------------------- */

static const char *const SECRET_HEADERS[] = {"authorization", "proxy-authorization", "cookie", "set-cookie", NULL};
static const char *const SECRET_FIELDS[] = {
    "access_token", "refresh_token", "id_token", "client_secret", "password", "passcode", "passCode",
    "otp", "token", "secret", "apikey", "api_key", "pin", NULL
};
#define REDACTED "[REDACTED]"

typedef struct Out {
    char *p;
    size_t n, cap;
} Out;

static void put(Out *o, const char *s, size_t n)
{
    if (o->cap == 0) return;
    if (n > o->cap - 1 - o->n) n = o->cap - 1 - o->n;
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

/* If a secret field name starts at in[i] (as "name" in JSON or name= in a form), returns the
 * length of the name with its quotes/separator up to the start of the value; else 0. */
static size_t field_at(const char *in, size_t n, size_t i)
{
    int k;
    int quoted = in[i] == '"';
    size_t start = i + (quoted ? 1 : 0);
    if (!quoted && i > 0 && in[i - 1] != '&' && in[i - 1] != '?' && in[i - 1] != ' ') return 0;
    for (k = 0; SECRET_FIELDS[k]; k++) {
        size_t len = strlen(SECRET_FIELDS[k]), j;
        if (start + len > n || strncasecmp(in + start, SECRET_FIELDS[k], len) != 0) continue;
        j = start + len;
        if (quoted) {
            if (j >= n || in[j] != '"') continue;
            j++;
            while (j < n && (in[j] == ' ' || in[j] == '\t')) j++;
            if (j >= n || in[j] != ':') continue;
            j++;
            while (j < n && (in[j] == ' ' || in[j] == '\t')) j++;
        } else {
            if (j >= n || in[j] != '=') continue;
            j++;
        }
        return j - i;
    }
    return 0;
}

void att_redact_line(const char *in, size_t n, char *outbuf, size_t outlen, const char *const *secrets, int nsecrets)
{
    Out o;
    size_t i = 0;
    int k;
    o.p = outbuf;
    o.n = 0;
    o.cap = outlen;
    if (outlen == 0) return;
    outbuf[0] = '\0';

    for (k = 0; SECRET_HEADERS[k]; k++) {
        size_t len = strlen(SECRET_HEADERS[k]);
        if (n > len && strncasecmp(in, SECRET_HEADERS[k], len) == 0 && in[len] == ':') {
            put(&o, in, len + 1);
            put(&o, " " REDACTED, strlen(" " REDACTED));
            return;
        }
    }
    while (i < n) {
        size_t f = (in[i] == '"' || isalpha((unsigned char)in[i])) ? field_at(in, n, i) : 0;
        size_t s = 0;
        for (k = 0; k < nsecrets && !f; k++) {
            size_t len = secrets[k] ? strlen(secrets[k]) : 0;
            if (len >= 4 && len <= n - i && memcmp(in + i, secrets[k], len) == 0) { s = len; break; }
        }
        if (f) {
            size_t j = i + f;
            put(&o, in + i, f);
            if (j < n && in[j] == '"') {              /* a JSON string: up to the closing quote */
                j++;
                while (j < n && in[j] != '"') j += (in[j] == '\\' && j + 1 < n) ? 2 : 1;
                put(&o, "\"" REDACTED "\"", strlen(REDACTED) + 2);
                i = j < n ? j + 1 : n;
            } else {                                  /* a form value or a bare JSON value */
                while (j < n && in[j] != '&' && in[j] != ',' && in[j] != '}' && in[j] != ' ' && in[j] != '\r' && in[j] != '\n') j++;
                put(&o, REDACTED, strlen(REDACTED));
                i = j;
            }
        } else if (s) {
            put(&o, REDACTED, strlen(REDACTED));
            i += s;
        } else {
            put(&o, in + i, 1);
            i++;
        }
    }
}

/* ---- logging ----------------------------------------------------------------------------------- */

static void log_line(AttHttp *h, const char *prefix, const char *data, size_t n)
{
    char line[4200];
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) n--;
    if (n > 4000) n = 4000;
    att_redact_line(data, n, line, sizeof line, (const char *const *)h->cfg.secrets, h->nsecrets);
    fprintf(stderr, "att: %s%s\n", prefix, line);
}

static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *ud)
{
    AttHttp *h = ud;
    size_t i = 0;
    (void)c;
    switch (type) {
    case CURLINFO_TEXT:
        log_line(h, "* ", data, size);
        break;
    case CURLINFO_HEADER_OUT:
        while (i < size) {                        /* the whole request head in one piece */
            size_t j = i;
            while (j < size && data[j] != '\n') j++;
            if (j > i + 1 || (j > i && data[i] != '\r')) log_line(h, "> ", data + i, j - i);
            i = j + 1;
        }
        break;
    case CURLINFO_HEADER_IN:
        if (size > 2) log_line(h, "< ", data, size);
        break;
    case CURLINFO_DATA_OUT:
        log_line(h, "> body: ", data, size);
        break;
    case CURLINFO_DATA_IN:
        log_line(h, "< body: ", data, size);
        break;
    default:
        break;
    }
    return 0;
}

/* ---- client ------------------------------------------------------------------------------------ */

static const char *own(AttHttp *h, int slot, const char *s)
{
    h->strings[slot] = dupstr(s);
    return h->strings[slot];
}

AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen)
{
    AttHttp *h = calloc(1, sizeof *h);
    char line[1024];
    struct curl_slist *l = NULL, *f = NULL;
    size_t n;
    int i;

    if (!h) { snprintf(err, errlen, "out of memory"); return NULL; }
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
    for (i = 0; i < ATT_MAX_SECRETS; i++) {
        h->cfg.secrets[i] = NULL;
        if (cfg->secrets[i] && *cfg->secrets[i]) h->cfg.secrets[h->nsecrets++] = own(h, 8 + i, cfg->secrets[i]);
    }
    n = strlen(h->cfg.base_url);
    while (n > 0 && h->cfg.base_url[n - 1] == '/') h->strings[0][--n] = '\0';
    h->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32) ^ (unsigned long long)(size_t)h;
    if (!h->rng) h->rng = 88172645463325252ULL;

    /* One list for the whole run. "Expect:" stops libcurl from waiting for 100-continue on
     * larger bodies, which gateways often do not send. */
#define ADD(list, s) do { struct curl_slist *t_ = curl_slist_append(list, (s)); if (!t_) goto nomem; list = t_; } while (0)
    ADD(l, "accept: application/json");
    ADD(l, "content-type: application/json");
    ADD(l, "Expect:");
    if (h->cfg.appname && *h->cfg.appname) {
        snprintf(line, sizeof line, "appname: %s", h->cfg.appname);
        ADD(l, line);
    }
    ADD(f, "accept: application/json");
    ADD(f, "content-type: application/x-www-form-urlencoded");
    ADD(f, "Expect:");
#undef ADD
    h->headers = l;
    h->form_headers = f;
    l = f = NULL;

    h->curl = curl_easy_init();
    if (!h->curl) goto nomem;
    return h;

nomem:
    curl_slist_free_all(l);
    curl_slist_free_all(f);
    att_http_free(h);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

void att_http_free(AttHttp *h)
{
    size_t i;
    if (!h) return;
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

void att_http_counters(const AttHttp *h, AttHttpCounters *c)
{
    if (h) *c = h->n;
    else memset(c, 0, sizeof *c);
}

/* ---- one attempt ------------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    AttResponse *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > r->limit) {
        r->err = ATT_HTTP_ETOOBIG;
        return 0;                       /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        char *p;
        while (cap < r->len + n + 1) cap *= 2;
        if (cap > r->limit + 1) cap = r->limit + 1;
        p = realloc(r->body, cap);
        if (!p) { r->err = ATT_HTTP_ENOMEM; return 0; }
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

/* Per-attempt progress state: SIGINT, and the stall detector. libcurl's own low-speed limit
 * averages over several seconds, so a short --stall-timeout would only fire long after the stall
 * began; this measures the time since the body last grew. */
typedef struct Progress {
    double stall_s;          /* 0: no stall detection */
    double last_change;      /* monotonic time the body last grew */
    curl_off_t last_dl;
    int stalled;
} Progress;

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    Progress *p = ud;
    (void)dt; (void)ut; (void)un;
    if (att_interrupted) return 1;      /* non-zero aborts the transfer */
    if (p->stall_s > 0 && dn > 0) {     /* once the body has started: waiting for the first byte is --timeout's */
        double now = mono();
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
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

/* One attempt; fills out (whose body was emptied by the caller). Returns libcurl's code. */
static CURLcode attempt(AttHttp *h, const Req *rq, const char *auth, AttResponse *out)
{
    char cerr[CURL_ERROR_SIZE], authline[2048 + 32];
    struct curl_slist authnode;
    CURL *c = h->curl;
    CURLcode rc;
    long nc = 0;
    Progress prog;

    memset(&prog, 0, sizeof prog);
    prog.stall_s = (double)h->cfg.stall_ms / 1000.0;
    curl_easy_reset(c);                 /* keeps the connection cache and the TLS session */
    cerr[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    if (rq->json && auth && *auth) {
        /* A list node on the stack in front of the shared list: no allocation per request. */
        snprintf(authline, sizeof authline, "Authorization: %s", auth);
        authnode.data = authline;
        authnode.next = h->headers;
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, &authnode);
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
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->cfg.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->cfg.insecure ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->cfg.insecure ? 0L : 2L);
    if (h->cfg.cacert) curl_easy_setopt(c, CURLOPT_CAINFO, h->cfg.cacert);
    if (h->cfg.cert) curl_easy_setopt(c, CURLOPT_SSLCERT, h->cfg.cert);
    if (h->cfg.key) curl_easy_setopt(c, CURLOPT_SSLKEY, h->cfg.key);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &prog);
    if (h->cfg.verbose >= 2) {
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(c, CURLOPT_DEBUGDATA, h);
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

    rc = curl_easy_perform(c);
    memset(authline, 0, sizeof authline);
    h->n.attempts++;
    h->n.bytes += (long)out->len;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK) h->n.connects += nc;
    if (rc == CURLE_OK) {
        out->err = ATT_HTTP_OK;
        return rc;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && prog.stalled) {
        out->err = ATT_HTTP_ETIMEOUT;
        snprintf(out->errmsg, sizeof out->errmsg, "transfer stalled: nothing received for %.1f s (--stall-timeout)",
                 prog.stall_s);
        return CURLE_OPERATION_TIMEDOUT;            /* transient: retried */
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
        out->err = ATT_HTTP_EINTR;
        snprintf(out->errmsg, sizeof out->errmsg, "interrupted");
    } else if (out->err == ATT_HTTP_ETOOBIG) {
        snprintf(out->errmsg, sizeof out->errmsg,
                 "response body larger than the %zu-byte limit (--max-response)", h->cfg.max_response);
    } else if (out->err == ATT_HTTP_ENOMEM) {
        snprintf(out->errmsg, sizeof out->errmsg, "out of memory reading the response");
    } else {
        out->err = (rc == CURLE_OPERATION_TIMEDOUT) ? ATT_HTTP_ETIMEOUT : ATT_HTTP_ENETWORK;
        /* libcurl's own wording names the host and the cause; it never contains headers. */
        snprintf(out->errmsg, sizeof out->errmsg, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
        {
            size_t k = strlen(out->errmsg);
            while (k > 0 && (out->errmsg[k - 1] == '\n' || out->errmsg[k - 1] == ' ')) out->errmsg[--k] = '\0';
        }
    }
    return rc;
}

/* Waits for the slot --rate allows; -1 when interrupted. */
static int pace(AttHttp *h)
{
    double now, wait;
    if (h->cfg.rate <= 0) return 0;
    now = mono();
    wait = h->next_slot - now;
    if (wait > 0 && sleep_ms((long)(wait * 1000.0 + 0.5)) != 0) return -1;
    h->next_slot = (h->next_slot > now ? h->next_slot : now) + 1.0 / h->cfg.rate;
    return 0;
}

static void describe(const AttResponse *r, char *buf, size_t len)
{
    if (r->err == ATT_HTTP_OK) snprintf(buf, len, "HTTP %ld", r->status);
    else snprintf(buf, len, "%s", r->errmsg);
}

static AttHttpErr run(AttHttp *h, const Req *rq, AttResponse *out)
{
    char auth[2048], shown[2048];
    int renewed = 0, renew = 0, retries = 0;
    size_t limit = h->cfg.max_response;

    memset(out, 0, sizeof *out);
    out->limit = limit;
    att_url_strip_userinfo(rq->url, shown, sizeof shown);
    h->n.requests++;
    for (;;) {
        CURLcode rc;
        int retryable;
        long status = 0, ra = -1, delay;
        char why[320];

        if (att_interrupted || pace(h) != 0) {
            out->err = ATT_HTTP_EINTR;
            snprintf(out->errmsg, sizeof out->errmsg, "interrupted");
            return out->err;
        }
        auth[0] = '\0';
        if (rq->json && h->cfg.auth &&
            h->cfg.auth(h->cfg.auth_ud, renew, auth, sizeof auth, out->errmsg, sizeof out->errmsg, &status) != 0) {
            out->err = att_interrupted ? ATT_HTTP_EINTR : ATT_HTTP_EAUTH;
            out->status = status;
            return out->err;
        }
        renew = 0;
        free(out->body);
        out->body = NULL;
        out->len = out->cap = 0;
        out->err = ATT_HTTP_OK;
        out->errmsg[0] = '\0';
        out->status = 0;
        out->attempts++;
        rc = attempt(h, rq, auth, out);
        memset(auth, 0, sizeof auth);
        if (h->cfg.verbose) {
            if (out->err == ATT_HTTP_OK)
                fprintf(stderr, "att: %s %s -> %ld, %zu bytes, %.3f s, attempt %d\n", rq->method, shown,
                        out->status, out->len, out->seconds, out->attempts);
            else
                fprintf(stderr, "att: %s %s -> failed: %s, %.3f s, attempt %d\n", rq->method, shown,
                        out->errmsg, out->seconds, out->attempts);
        }
        if (out->err == ATT_HTTP_EINTR) return out->err;
        if (out->err == ATT_HTTP_OK && out->status == 401 && rq->json && h->cfg.auth && !renewed) {
            /* The credential may have expired early: renew it once and repeat the request. */
            renewed = renew = 1;
            if (h->cfg.verbose) fprintf(stderr, "att: HTTP 401: renewing the access token and repeating the request\n");
            continue;
        }
        retryable = out->err == ATT_HTTP_OK
                        ? (out->status == 408 || out->status == 429 || out->status == 500 || out->status == 502 ||
                           out->status == 503 || out->status == 504)
                        : (out->err == ATT_HTTP_ENETWORK || out->err == ATT_HTTP_ETIMEOUT) && transient(rc);
        out->retryable = retryable;
        if (!retryable) return out->err;
        if (out->err == ATT_HTTP_OK && out->retry_after[0]) ra = att_retry_after_ms(out->retry_after, time(NULL));
        delay = att_retry_delay(&h->cfg.retry, retries + 1, out->waited_ms, ra, uniform(h));
        if (delay < 0) return out->err;
        retries++;
        h->n.retries++;
        if (h->cfg.verbose) {
            describe(out, why, sizeof why);
            fprintf(stderr, "att: retrying in %.2f s after %s%s (retry %d of %d)\n", (double)delay / 1000.0, why,
                    ra >= 0 ? " (Retry-After)" : "", retries, h->cfg.retry.retries);
        }
        if (sleep_ms(delay) != 0) {
            out->err = ATT_HTTP_EINTR;
            snprintf(out->errmsg, sizeof out->errmsg, "interrupted");
            return out->err;
        }
        out->waited_ms += delay;
    }
}

AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path,
                            const char *body, size_t body_len, AttResponse *out)
{
    char url[2048];
    Req rq;
    int n;

    if (!att_http_method_ok(method) || (n = snprintf(url, sizeof url, "%s%s", h->cfg.base_url, path)) < 0 ||
        (size_t)n >= sizeof url) {
        memset(out, 0, sizeof *out);
        out->err = ATT_HTTP_EUSAGE;
        snprintf(out->errmsg, sizeof out->errmsg, "%s", att_http_method_ok(method) ? "URL too long" : "invalid HTTP method");
        return out->err;
    }
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.url = url;
    rq.body = body;
    rq.len = body_len;
    rq.json = 1;
    return run(h, &rq, out);
}

AttHttpErr att_http_post_form(AttHttp *h, const char *url, const char *user, const char *password,
                              const char *form, AttResponse *out)
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
    r->body = NULL;
    r->len = r->cap = 0;
}
