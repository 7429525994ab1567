/* http.c — the HTTP client on libcurl (see http.h): its lifecycle (header lists, owned copies of
 * the configuration, the multi handle and its pool of easy handles, each charged to the memory
 * budget), one attempt (setup, the body, header and progress callbacks, the outcome and how it
 * failed) and the redacted, escaped --verbose/--trace log. The transfers in flight and the event
 * loop are xfer.c's. */
#include "core/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/http_impl.h"
#include "core/stop.h"
#include "core/text.h"

static int global_ready; /* curl_global_init done; the host is single-threaded */

/* xorshift64*, seeded per client: jitter only needs to differ between clients and attempts. */
double att_http_uniform(AttHttp *h)
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

/* The whole text is redacted first, then escaped for a terminal, then cut to LOG_MAX bytes. */
void att_http_log(const AttHttp *h, const char *prefix, const char *data, size_t n)
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
    case CURLINFO_TEXT: att_http_log(at->h, "* ", data, size); break;
    case CURLINFO_HEADER_OUT:
        while (i < size) { /* the whole request head in one piece */
            size_t j = i;
            while (j < size && data[j] != '\n') j++;
            if (j > i + 1 || (j > i && data[i] != '\r')) att_http_log(at->h, "> ", data + i, j - i);
            i = j + 1;
        }
        if (at->rq->body && at->rq->len) att_http_log(at->h, "> body: ", at->rq->body, at->rq->len);
        break;
    case CURLINFO_HEADER_IN:
        if (size > 2) att_http_log(at->h, "< ", data, size);
        break;
    default: break;
    }
    return 0;
}

/* ---- client ------------------------------------------------------------------------------------ */

static const char *own(AttHttp *h, int slot, const char *s)
{
    h->strings[slot] = att_strdup(s);
    return h->strings[slot];
}

/* Appends s to *list; -1 when out of memory (the list stays as it was). */
static int add_header(struct curl_slist **list, const char *s)
{
    struct curl_slist *t = curl_slist_append(*list, s);
    if (!t) return -1;
    *list = t;
    return 0;
}

/* The header lists of the run: JSON requests (with appname when configured) and the token
 * request's form. "Expect:" stops libcurl from waiting for 100-continue on larger bodies, which
 * gateways often do not send. 0, or -1 with a message. */
static int make_headers(AttHttp *h, char *err, size_t errlen)
{
    struct curl_slist *l = NULL, *f = NULL;
    int bad = add_header(&l, "accept: application/json") | add_header(&l, "content-type: application/json") |
              add_header(&l, "Expect:") | add_header(&f, "accept: application/json") |
              add_header(&f, "content-type: application/x-www-form-urlencoded") | add_header(&f, "Expect:");
    if (!bad && h->cfg.appname && *h->cfg.appname) {
        size_t an = strlen(h->cfg.appname) + sizeof "appname: ";
        char *line = malloc(an);
        if (!att_header_value_ok(h->cfg.appname, strlen(h->cfg.appname))) {
            free(line);
            curl_slist_free_all(l);
            curl_slist_free_all(f);
            snprintf(err, errlen, "the appname contains control characters");
            return -1;
        }
        bad = !line;
        if (line) {
            snprintf(line, an, "appname: %s", h->cfg.appname);
            bad = add_header(&l, line);
            free(line);
        }
    }
    h->headers = l;
    h->form_headers = f;
    if (bad) snprintf(err, errlen, "out of memory");
    return bad ? -1 : 0;
}

AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen)
{
    AttHttp *h = calloc(1, sizeof *h);
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
    h->pacer.rate = h->cfg.rate;
    att_window_init(&h->win, h->cfg.window);
    if (h->cfg.adaptive) {
        att_adapt_init(&h->adapt, h->cfg.window, h->cfg.rate, att_now());
        att_window_init(&h->win, h->adapt.max);
        h->win.limit = h->adapt.limit;
    }
    snprintf(err, errlen, "out of memory");
    if (!h->cfg.base_url || !(h->multi = curl_multi_init())) goto fail;
    n = strlen(h->cfg.base_url);
    while (n > 0 && h->cfg.base_url[n - 1] == '/') h->strings[0][--n] = '\0';
    if (att_url_origin(h->cfg.base_url, h->origin, sizeof h->origin) != 0) {
        snprintf(err, errlen, "the base URL is not an http:// or https:// URL with a host");
        goto fail;
    }
    if (make_headers(h, err, errlen) != 0) goto fail;
    h->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32) ^ (unsigned long long)(size_t)h;
    if (!h->rng) h->rng = 88172645463325252ULL;
    /* Keep the idle connections of a window (up to 64) for the next scan or lookup: libcurl's
     * default keeps 4 per transfer still added, so between scans it would close the rest. */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 64L);
    err[0] = '\0';
    return h;
fail:
    att_http_free(h);
    return NULL;
}

CURL *att_easy_new(AttHttp *h)
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

void att_easy_free(AttHttp *h, CURL *e)
{
    curl_easy_cleanup(e);
    att_budget_give(h->cfg.budget, ATT_CONN_OVERHEAD);
    h->handles--;
}

void att_http_free(AttHttp *h)
{
    size_t i;
    if (!h) return;
    att_xfer_orphan_all(h); /* transfers outlive the client only as finished ones */
    for (i = 0; i < (size_t)h->npool; i++) att_easy_free(h, h->pool[i]);
    if (h->multi) curl_multi_cleanup(h->multi);
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

const struct AttAdapt *att_http_adapt(const AttHttp *h) { return h && h->cfg.adaptive ? &h->adapt : NULL; }

int att_http_window(const AttHttp *h) { return h ? h->win.limit : 0; }

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
    Attempt *at = ud;
    AttResponse *r = at->out;
    size_t n = size * nmemb;
    int rc;
    at->prog.last_change = att_now();
    if (r->body.len + n > r->limit) {
        r->err = ATT_HTTP_ETOOBIG;
        return 0; /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    /* never more room than --max-response needs */
    rc = att_buf_reserve_upto(&r->body, n, r->limit + 1);
    if (rc != 0) {
        r->err = rc == -2 ? ATT_HTTP_ELIMIT : ATT_HTTP_ENOMEM;
        return 0;
    }
    att_buf_add(&r->body, data, n);
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
    Attempt *at = ud;
    AttResponse *r = at->out;
    size_t n = size * nmemb;
    at->prog.last_change = att_now(); /* headers are progress too: a server that sends them, then
                                        * nothing, is stalled from the last header on */
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
    (void)dn;
    if (att_stopping()) return 1; /* non-zero aborts the transfer */
    if (p->stall_s > 0) {         /* received bytes move last_change in on_header and on_body */
        double now = att_now();
        if (un != p->last_up) {
            p->last_up = un;
            p->last_change = now;
        } else if (now - p->last_change > p->stall_s) {
            p->stalled = 1;
            return 1;
        }
    }
    return 0;
}

/* libcurl's code of a failed attempt, in the retry policy's terms. */
static AttFailure failure_of(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK: return ATT_FAIL_NONE;
    case CURLE_COULDNT_CONNECT: return ATT_FAIL_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return ATT_FAIL_TIMEOUT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING: return ATT_FAIL_IO;
    case CURLE_SSL_CONNECT_ERROR: return ATT_FAIL_HANDSHAKE;
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return ATT_FAIL_STREAM;
    default: return ATT_FAIL_FATAL;
    }
}

void att_attempt_clear(Attempt *at)
{
    if (at->authline) {
        memset(at->authline, 0, strlen(at->authline));
        free(at->authline);
        at->authline = NULL;
    }
}

int att_attempt_setup(AttHttp *h, CURL *c, const Req *rq, const char *auth, AttResponse *out, Attempt *at)
{
    memset(&at->prog, 0, sizeof at->prog);
    at->prog.stall_s = (double)h->cfg.stall_ms / 1000.0;
    at->prog.last_change = att_now(); /* the stall clock runs from the start of the attempt */
    at->out = out;
    at->cerr[0] = '\0';
    at->h = h;
    at->rq = rq;
    att_attempt_clear(at);
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
    curl_easy_setopt(c, CURLOPT_WRITEDATA, at);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, at);
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

AttFailure att_attempt_conclude(AttHttp *h, CURL *c, CURLcode rc, AttResponse *out, Attempt *at)
{
    long nc = 0;
    att_attempt_clear(at);
    h->n.bytes += (long)out->body.len;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK) h->n.connects += nc;
    if (h->cfg.verbose >= 2 && out->body.len) att_http_log(h, "< body: ", out->body.data, out->body.len);
    if (rc == CURLE_OK) {
        out->err = ATT_HTTP_OK;
        return ATT_FAIL_NONE;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && at->prog.stalled) {
        out->err = ATT_HTTP_ETIMEOUT;
        snprintf(out->errmsg, sizeof out->errmsg, "transfer stalled: nothing received for %g s (--stall-timeout)",
                 at->prog.stall_s);
        return ATT_FAIL_TIMEOUT;
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
        return failure_of(rc);
    }
    return ATT_FAIL_FATAL; /* stopped, too large, out of memory: never retried */
}

void att_response_reset(AttResponse *out)
{
    att_response_free(out);
    out->err = ATT_HTTP_OK;
    out->errmsg[0] = '\0';
    out->status = 0;
    out->content_type[0] = '\0';
    out->retry_after[0] = '\0';
}

void att_http_log_attempt(const AttHttp *h, const Req *rq, const AttResponse *out)
{
    char shown[2048], line[2600];
    if (!h->cfg.verbose) return;
    att_url_strip_userinfo(rq->url, shown, sizeof shown);
    if (out->err == ATT_HTTP_OK)
        snprintf(line, sizeof line, "%s %s -> %ld, %zu bytes, %.3f s, attempt %d", rq->method, shown, out->status,
                 out->body.len, out->seconds, out->attempts);
    else
        snprintf(line, sizeof line, "%s %s -> failed: %s, %.3f s, attempt %d", rq->method, shown, out->errmsg,
                 out->seconds, out->attempts);
    att_http_log(h, "", line, strlen(line));
}

void att_response_free(AttResponse *r)
{
    if (!r) return;
    att_buf_free(&r->body);
}
