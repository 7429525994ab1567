/* server.c — HTTP handling: routing, header checks (appname, bearer token), body collection,
 * the OAuth token endpoint, injected faults, TLS, and the verbose request log. Search semantics
 * live in search.c, the token endpoint's in oauth.c.
 *
 * libmicrohttpd runs one thread per connection, so a --latency sleep (or a slow/stall fault) holds
 * only its own connection, and HTTP/1.1 keep-alive works as long as every body is read to its end
 * before answering (which is why even 404s are answered only after the upload is complete). The
 * state shared between connections — fault counters, request numbers — is guarded by `mu`; the
 * token table and the grow/shrink state have locks of their own. */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/civil.h"
#include "common/secret.h"
#include "jsonw.h"
#include "oauth.h"
#include "shift.h"

#define ATT_SBX_DRAIN_MS 3000u
#define STREAM_BLOCK     ((size_t)32 * 1024)
/* Per-connection memory of libmicrohttpd, where a request's headers must fit: room for a bearer
 * token of ATT_SBX_MAX_TOKEN characters and the other headers, with plenty to spare (with the
 * default, 32 KiB, a 64 KiB token gets 431 Request Header Fields Too Large). */
#define CONNECTION_MEMORY  ((size_t)256 * 1024)
#define ECHO_PAGE_PAUSE_MS 300u

struct SbxServer {
    SbxServerConfig cfg;
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;      /* guards searches and the fault counters */
    uint64_t searches;       /* search requests that reached the fault table */
    uint64_t token_requests; /* token requests that did */
    SbxOAuth *oauth;         /* with --oauth-client, else NULL */
    SbxShift shift;          /* grow/shrink state, when some rule can change it */
    int have_shift;
    int quiet_aborts;      /* reset/truncate/hang rules: their closes are not MHD's news */
    atomic_int started;    /* after start-up, libmicrohttpd's messages need -v */
    atomic_int stopping;   /* shutting down: cut latency sleeps short */
    atomic_int inflight;   /* requests begun and not yet completed */
    char startup_msg[200]; /* its last message during start-up, for our one error line */
};

typedef enum Route { ROUTE_OTHER, ROUTE_SEARCH, ROUTE_TOKEN } Route;

/* Per-request state, freed in on_completed. */
typedef struct Request {
    AttBuf body;
    Route route;
    int keep; /* POST to the search or token path: keep the body */
    int too_large;
    int answered; /* answered before the body was read (413 on Content-Length) */
} Request;

/* How the body of an answer goes out. */
typedef enum Delivery {
    DELIVER_WHOLE,   /* all at once */
    DELIVER_STALL,   /* the first `cut` bytes, a pause, the rest */
    DELIVER_TRUNCATE /* the first `cut` bytes, then the connection closes */
} Delivery;

/* What a response is, for the log line. */
typedef struct Outcome {
    unsigned status;        /* 0: no response at all (reset) */
    const char *code;       /* error code, or NULL */
    const SbxSearch *query; /* for search answers, or NULL */
    size_t returned;
    const SbxFaultPlan *plan;   /* faults that applied, or NULL */
    const SbxTokenReply *token; /* for the token endpoint, or NULL */
    Delivery delivery;
    unsigned stall_ms;
    size_t cut; /* for DELIVER_STALL and DELIVER_TRUNCATE */
} Outcome;

typedef struct Header {
    const char *name, *value;
} Header;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A deliberate wait, in slices, so that a shutdown need not wait for it. */
static void delay(SbxServer *s, unsigned ms)
{
    while (ms && !atomic_load(&s->stopping)) {
        unsigned step = ms < 20 ? ms : 20;
        sleep_ms(step);
        ms -= step;
    }
}

/* Copies at most `max` bytes of s into out, with control and non-ASCII bytes shown as '?', so that
 * whatever a client sends cannot break a log line or the UTF-8 of a JSON message. */
static void printable(char *out, size_t outlen, const char *s, size_t max)
{
    size_t n = 0;
    for (; n < max && n + 4 < outlen && s[n]; n++)
        out[n] = (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f ? s[n] : '?';
    if (s[n] && n + 4 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* The request line and the outcome, never a header: whatever the faults echo to the client, the
 * log shows no credentials. */
static void log_request(const char *method, const char *url, const Outcome *o, size_t bytes)
{
    char path[160], detail[1024] = "", faults[1024] = "";
    size_t d = 0, f = 0;
    printable(path, sizeof path, url, 120);
    char m[16];
    printable(m, sizeof m, method, 10);
    for (size_t i = 0; o->plan && i < o->plan->napplied && f < sizeof faults; i++) {
        char spec[120];
        printable(spec, sizeof spec, o->plan->applied[i]->spec, 100);
        f += (size_t)snprintf(faults + f, sizeof faults - f, " fault=%s", spec);
    }
    if (o->token) {
        /* Never the secret nor the token: the client id and how many tokens exist. */
        fprintf(stderr, "att-sandbox: %s %s %03u%s%s client=%s tokens=%llu%s\n", m, path, o->status,
                o->token->error ? " error=" : "", o->token->error ? o->token->error : "", o->token->client,
                (unsigned long long)o->token->issued, faults);
        fflush(stderr);
        return;
    }
    if (o->query) {
        char st[80];
        printable(st, sizeof st, o->query->service_type ? o->query->service_type : "-", 60);
        d += (size_t)snprintf(
            detail + d, sizeof detail - d, " serviceType=%s pageSize=%llu pageOffset=%llu individuals=%zu", st,
            (unsigned long long)o->query->page_size, (unsigned long long)o->query->page_offset, o->returned);
    }
    if (o->code && d < sizeof detail) snprintf(detail + d, sizeof detail - d, " code=%s", o->code);
    /* One fprintf per line: stdio locks the stream, so lines from different threads never mix. */
    fprintf(stderr, "att-sandbox: %s %s %03u%s%s bytes=%zu\n", m, path, o->status, detail, faults, bytes);
    fflush(stderr);
}

/* ---- Bodies that go out slowly, or not entirely ----------------------------------------------- */

typedef struct Stream {
    SbxServer *s;
    char *data;
    size_t len, cut; /* the pause (or the end) comes after `cut` bytes */
    unsigned stall_ms;
    int truncate;
    int paused;
} Stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    Stream *st = cls;
    if (pos >= st->len) return MHD_CONTENT_READER_END_OF_STREAM;
    if (pos >= st->cut && !st->paused) {
        /* libmicrohttpd asks for more only once it has sent everything it had. */
        if (st->truncate) return MHD_CONTENT_READER_END_WITH_ERROR;
        st->paused = 1;
        delay(st->s, st->stall_ms);
    }
    size_t end = pos < st->cut ? st->cut : st->len;
    size_t n = end - (size_t)pos;
    if (n > max) n = max;
    memcpy(buf, st->data + pos, n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    Stream *st = cls;
    free(st->data);
    free(st);
}

/* A response for data (ownership passes), delivered as o->delivery says; NULL when out of memory. */
static struct MHD_Response *make_response(SbxServer *s, const Outcome *o, char *data, size_t len)
{
    if (o->delivery == DELIVER_WHOLE) {
        struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!r) free(data);
        return r;
    }
    Stream *st = calloc(1, sizeof *st);
    if (!st) {
        free(data);
        return NULL;
    }
    st->s = s;
    st->data = data;
    st->len = len;
    st->cut = o->cut < len ? o->cut : len;
    st->stall_ms = o->stall_ms;
    st->truncate = o->delivery == DELIVER_TRUNCATE;
    struct MHD_Response *r = MHD_create_response_from_callback(len, STREAM_BLOCK, stream_read, st, stream_free);
    if (!r) stream_free(st);
    return r;
}

/* Sends body (ownership passes to libmicrohttpd, or it is freed here) with the given status and
 * content type, plus the extra headers. */
static enum MHD_Result respond(SbxServer *s, struct MHD_Connection *conn, const char *method, const char *url,
                               const Outcome *o, const char *ctype, AttBuf *body, const Header *hdrs, size_t nhdrs)
{
    if (s->cfg.latency_ms) delay(s, s->cfg.latency_ms);
    if (body->oom) {
        att_buf_free(body);
        return MHD_NO; /* out of memory: drop the connection */
    }
    size_t len;
    char *data = att_buf_take(body, &len);
    struct MHD_Response *resp = make_response(s, o, data, len);
    if (!resp) return MHD_NO;
    enum MHD_Result rc = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (size_t i = 0; rc == MHD_YES && i < nhdrs; i++) rc = MHD_add_response_header(resp, hdrs[i].name, hdrs[i].value);
    if (rc == MHD_YES) rc = MHD_queue_response(conn, o->status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES && s->cfg.verbose) log_request(method, url, o, o->delivery == DELIVER_TRUNCATE ? o->cut : len);
    return rc;
}

static enum MHD_Result respond_error(SbxServer *s, struct MHD_Connection *conn, const char *method, const char *url,
                                     unsigned status, const char *code, const char *message, const Header *hdrs,
                                     size_t nhdrs)
{
    AttBuf body = {0};
    att_sbx_error_json(&body, code, message);
    Outcome o = {.status = status, .code = code};
    return respond(s, conn, method, url, &o, "application/json", &body, hdrs, nhdrs);
}

/* ---- Authorization ---------------------------------------------------------------------------- */

/* The token of "Bearer TOKEN", scheme case-insensitive (RFC 7235), surrounding spaces tolerated;
 * NULL when the header is absent, of another scheme, or empty. */
static const char *bearer(const char *header, size_t *len)
{
    if (!header) return NULL;
    while (*header == ' ') header++;
    if (strncasecmp(header, "Bearer ", 7) != 0) return NULL;
    const char *t = header + 7;
    while (*t == ' ') t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    *len = n;
    return n ? t : NULL;
}

/* NULL when the request may search; else the message of its 401, and in *challenge the value of
 * WWW-Authenticate: with no credentials a bare "Bearer" (RFC 6750 section 3.1), with bad ones
 * an invalid_token error. */
static const char *unauthorized(SbxServer *s, struct MHD_Connection *conn, const char **challenge)
{
    if (!s->cfg.token && !s->oauth) return NULL;
    size_t n = 0;
    const char *t = bearer(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), &n);
    *challenge = "Bearer";
    if (!t) return "a valid 'Authorization: Bearer <token>' header is required";
    if (s->cfg.token && att_same_secret(t, n, s->cfg.token, strlen(s->cfg.token))) return NULL;
    *challenge = "Bearer error=\"invalid_token\"";
    if (!s->oauth) return "the bearer token is not valid";
    switch (att_sbx_oauth_check(s->oauth, t, n)) {
    case ATT_SBX_TOKEN_VALID: return NULL;
    case ATT_SBX_TOKEN_EXPIRED: return "the access token has expired";
    case ATT_SBX_TOKEN_UNKNOWN: break;
    }
    return "the access token is not valid";
}

/* ---- Faults ----------------------------------------------------------------------------------- */

/* IMF-fixdate (RFC 9110 section 5.6.7), e.g. "Wed, 26 Nov 2026 14:03:05 GMT"; no locale involved. */
static void http_date(time_t t, char *out, size_t outlen)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    AttCivilTime c;
    att_civil_from_time((int64_t)t, &c);
    snprintf(out, outlen, "%s, %02u %s %04lld %02u:%02u:%02u GMT", days[c.wday], c.day, months[c.month - 1],
             (long long)c.year, c.hour, c.min, c.sec);
}

/* The value the echo faults send back: the Authorization header as received, or "(none)". */
static const char *echo_value(struct MHD_Connection *conn)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    return v ? v : "(none)";
}

/* Appends s with < > & " as entities, every other byte as it is. */
static void put_html(AttBuf *b, const char *s)
{
    for (const char *run = s;; s++) {
        const char *ent = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : NULL;
        if (!ent && *s) continue;
        att_buf_add(b, run, (size_t)(s - run));
        if (!*s) return;
        att_buf_adds(b, ent);
        run = s + 1;
    }
}

/* The answers that do not depend on the request body: status, html, and echo-json (but 200),
 * echo-html, echo-text. */
static enum MHD_Result respond_fault(SbxServer *s, struct MHD_Connection *conn, const char *method, const char *url,
                                     const SbxFaultRule *r, const SbxFaultPlan *plan)
{
    AttBuf body = {0};
    unsigned code = (unsigned)r->arg;
    Outcome o = {.status = code, .plan = plan};
    char retry[40];
    Header h = {"Retry-After", retry};
    size_t nh = 0;
    if (r->retry_after == ATT_SBX_RETRY_AFTER_SECONDS) {
        snprintf(retry, sizeof retry, "%llu", (unsigned long long)r->retry_after_s);
        nh = 1;
    } else if (r->retry_after == ATT_SBX_RETRY_AFTER_DATE) {
        http_date(time(NULL) + (time_t)r->retry_after_s, retry, sizeof retry);
        nh = 1;
    }
    if (r->kind == ATT_SBX_FAULT_STATUS) {
        char msg[64];
        snprintf(msg, sizeof msg, "injected fault: HTTP %u", code);
        att_sbx_error_json(&body, "INJECTED", msg);
        o.code = "INJECTED";
        return respond(s, conn, method, url, &o, "application/json", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ECHO_JSON) {
        /* What an API written in PHP says when it quotes the request back. */
        att_buf_adds(&body, "{\"code\":\"ECHO\",\"message\":\"received Authorization: ");
        att_sbx_json_php(&body, echo_value(conn));
        att_buf_adds(&body, "\"}");
        o.code = "ECHO";
        return respond(s, conn, method, url, &o, "application/json", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ANSI) {
        /* What a hostile server sends to take over the terminal of whoever reads a log: set the
         * window title (OSC ... BEL), clear the screen (CSI 2J), the 8-bit CSI (U+009B), DEL. */
        att_buf_adds(&body, "\x1b]0;owned\x07\x1b[2J\x1b[31mgateway\xc2\x9b"
                            "1mrefused\x7f\r\n");
        return respond(s, conn, method, url, &o, "text/plain", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ECHO_TEXT) {
        att_buf_adds(&body, "unauthorized request with Authorization: ");
        att_buf_adds(&body, echo_value(conn));
        att_buf_addc(&body, '\n');
        return respond(s, conn, method, url, &o, "text/plain", &body, &h, nh);
    }
    /* What a load balancer in front of the API sends when the API is not there. */
    AttBuf title = {0};
    if (r->kind == ATT_SBX_FAULT_ECHO_HTML) {
        char num[16];
        snprintf(num, sizeof num, "%u Echo: ", code);
        att_buf_adds(&title, num);
        put_html(&title, echo_value(conn));
    } else {
        const char *reason = MHD_get_reason_phrase_for(code);
        char line[96];
        snprintf(line, sizeof line, "%u %s", code, reason && *reason ? reason : "Error");
        att_buf_adds(&title, line);
    }
    body.oom = title.oom;
    if (!title.oom) {
        att_buf_adds(&body, "<html>\r\n<head><title>");
        att_buf_add(&body, title.data, title.len);
        att_buf_adds(&body, "</title></head>\r\n<body>\r\n<center><h1>");
        att_buf_add(&body, title.data, title.len);
        att_buf_adds(&body, "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    }
    att_buf_free(&title);
    return respond(s, conn, method, url, &o, "text/html", &body, &h, nh);
}

/* Holds a connection without answering, in slices, until the sandbox stops or the client goes (its
 * socket then reads as closed: a peek, which consumes nothing). */
static void hold(SbxServer *s, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    MHD_socket fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
    while (!atomic_load(&s->stopping)) {
        sleep_ms(20);
        char c;
        ssize_t n = fd == MHD_INVALID_SOCKET ? -1 : recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && fd != MHD_INVALID_SOCKET && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return;
    }
}

/* echo-page: the page with the echoed value as every preferredName, sent in two parts
 * ECHO_PAGE_PAUSE_MS apart. The cut falls in the middle of the credentials (what follows the
 * scheme and its space, e.g. the token of "Bearer TOKEN") in the first value, so that a client
 * that handles the body read by read never has the whole token in one read. */
static void echo_page(AttBuf *body, const char *value, Outcome *o)
{
    AttBuf esc = {0}, out = {0};
    att_sbx_json_php(&esc, value);
    size_t first = SIZE_MAX;
    if (esc.oom || body->oom)
        out.oom = 1;
    else
        first = att_sbx_search_set_names(body->data, body->len, esc.len ? esc.data : "", esc.len, &out);
    size_t cut = out.len / 2;
    if (first != SIZE_MAX) {
        const char *sp = esc.len ? memchr(esc.data, ' ', esc.len) : NULL;
        size_t skip = sp && (size_t)(sp - esc.data) + 1 < esc.len ? (size_t)(sp - esc.data) + 1 : 0;
        cut = first + skip + (esc.len - skip) / 2;
    }
    att_buf_free(&esc);
    att_buf_free(body);
    *body = out;
    o->delivery = DELIVER_STALL;
    o->stall_ms = ECHO_PAGE_PAUSE_MS;
    o->cut = cut;
}

/* big: pads the page to `size` bytes with a "padding" member of 'x's (a page already that big gets
 * an empty one). One allocation of the final size and a memset: linear, even for 1 GiB. */
static void pad_page(AttBuf *b, uint64_t size)
{
    static const char name[] = "\"padding\":\"";
    if (att_sbx_json_reopen(b) != 0) return;
    size_t fixed = b->len + (sizeof name - 1) + 2;
    size_t n = size > fixed ? (size_t)(size - fixed) : 0;
    att_buf_reserve_exact(b, (sizeof name - 1) + n + 2);
    att_buf_adds(b, name);
    att_buf_fill(b, 'x', n);
    att_buf_adds(b, "\"}");
}

static int is(const SbxFaultRule *r, SbxFaultKind kind) { return r && r->kind == kind; }

/* Numbers the request among those of its target, decides its faults and carries out the lasting
 * ones (grow, shrink, expire-tokens) — all under the lock, so that later requests see them in
 * request order. */
static void plan_faults(SbxServer *s, SbxFaultTarget target, SbxFaultPlan *plan)
{
    pthread_mutex_lock(&s->mu);
    uint64_t seq = target == ATT_SBX_FAULT_ON_TOKEN ? ++s->token_requests : ++s->searches;
    att_sbx_fault_plan(s->cfg.faults, target, seq, plan);
    for (size_t i = 0; i < plan->napplied; i++) {
        const SbxFaultRule *r = plan->applied[i];
        if (r->kind == ATT_SBX_FAULT_GROW && s->have_shift)
            att_sbx_shift_grow(&s->shift, r->arg);
        else if (r->kind == ATT_SBX_FAULT_SHRINK && s->have_shift)
            att_sbx_shift_shrink(&s->shift, r->arg);
        else if (r->kind == ATT_SBX_FAULT_EXPIRE_TOKENS && s->oauth)
            att_sbx_oauth_expire_all(s->oauth);
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- Endpoints -------------------------------------------------------------------------------- */

static enum MHD_Result handle_search(SbxServer *s, struct MHD_Connection *conn, const char *method, const char *url,
                                     const Request *rq)
{
    const SbxServerConfig *c = &s->cfg;
    const char *challenge = NULL;
    const char *why = unauthorized(s, conn, &challenge);
    if (why) {
        Header h = {MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge};
        return respond_error(s, conn, method, url, 401, "UNAUTHORIZED", why, &h, 1);
    }
    if (c->appname) {
        const char *app = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "appname");
        if (!app || strcmp(app, c->appname) != 0)
            return respond_error(s, conn, method, url, 400, "MISSING_APPNAME",
                                 app ? "the appname header does not name a registered application"
                                     : "the appname header is required",
                                 NULL, 0);
    }
    if (rq->too_large)
        return respond_error(s, conn, method, url, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL,
                             0);

    SbxFaultPlan plan;
    plan_faults(s, ATT_SBX_FAULT_ON_SEARCH, &plan);
    if (plan.delay) delay(s, (unsigned)plan.delay->arg);
    const SbxFaultRule *answer = plan.answer;
    if (is(answer, ATT_SBX_FAULT_STATUS) || is(answer, ATT_SBX_FAULT_HTML) || is(answer, ATT_SBX_FAULT_ECHO_HTML) ||
        is(answer, ATT_SBX_FAULT_ECHO_TEXT) || is(answer, ATT_SBX_FAULT_ANSI) ||
        (is(answer, ATT_SBX_FAULT_ECHO_JSON) && answer->arg != 200))
        return respond_fault(s, conn, method, url, answer, &plan);
    if (is(answer, ATT_SBX_FAULT_RESET) || is(answer, ATT_SBX_FAULT_HANG)) {
        /* As if the server died (reset: the connection closes with nothing sent), or hung. */
        if (is(answer, ATT_SBX_FAULT_HANG))
            hold(s, conn);
        else if (c->latency_ms)
            delay(s, c->latency_ms);
        if (c->verbose) {
            Outcome o = {.status = 0, .plan = &plan};
            log_request(method, url, &o, 0);
        }
        return MHD_NO;
    }

    SbxSearch q;
    SbxSearchError e;
    if (att_sbx_search_parse(rq->body.data, rq->body.len, c->max_page_size, &q, &e) != 0) {
        AttBuf body = {0};
        att_sbx_error_json(&body, e.code, e.message);
        Outcome o = {.status = e.status, .code = e.code, .plan = &plan};
        return respond(s, conn, method, url, &o, "application/json", &body, NULL, 0);
    }
    if (plan.repeat) q.page_offset = 1; /* a server that ignores paging */

    AttBuf body = {0};
    SbxPageStats st;
    att_sbx_search_render(c->data, s->have_shift ? &s->shift : NULL, &q, c->paging, &body, &st);
    Outcome o = {.status = 200, .query = &q, .returned = st.returned, .plan = &plan};
    if (is(answer, ATT_SBX_FAULT_BAD_JSON) && !body.oom) {
        /* Cut the page in half, at a character boundary: a body that is not valid JSON. */
        size_t cut = body.len / 2;
        while (cut > 1 && ((unsigned char)body.data[cut] & 0xC0) == 0x80) cut--;
        body.len = cut;
        body.data[cut] = '\0';
    } else if (is(answer, ATT_SBX_FAULT_STALL) || is(answer, ATT_SBX_FAULT_SILENCE)) {
        o.delivery = DELIVER_STALL;
        o.stall_ms = (unsigned)answer->arg;
        o.cut = is(answer, ATT_SBX_FAULT_STALL) ? body.len / 2 : 0;
    } else if (is(answer, ATT_SBX_FAULT_TRUNCATE)) {
        o.delivery = DELIVER_TRUNCATE;
        o.cut = body.len / 2;
    } else if (is(answer, ATT_SBX_FAULT_ECHO_JSON)) {
        /* echo-json=200: a valid page that also quotes the credentials back. */
        if (att_sbx_json_reopen(&body) == 0) {
            att_buf_adds(&body, "\"echo\":\"");
            att_sbx_json_php(&body, echo_value(conn));
            att_buf_adds(&body, "\"}");
        }
    } else if (is(answer, ATT_SBX_FAULT_ECHO_PAGE)) {
        echo_page(&body, echo_value(conn), &o);
    } else if (is(answer, ATT_SBX_FAULT_BIG)) {
        pad_page(&body, answer->arg);
    }
    enum MHD_Result rc = respond(s, conn, method, url, &o, "application/json", &body, NULL, 0);
    att_sbx_search_clear(&q);
    return rc;
}

static enum MHD_Result handle_token(SbxServer *s, struct MHD_Connection *conn, const char *method, const char *url,
                                    const Request *rq)
{
    if (rq->too_large)
        return respond_error(s, conn, method, url, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL,
                             0);
    SbxFaultPlan plan;
    plan_faults(s, ATT_SBX_FAULT_ON_TOKEN, &plan);
    unsigned echo = is(plan.answer, ATT_SBX_FAULT_ECHO_BASIC) ? (unsigned)plan.answer->arg : 0;
    SbxTokenReply r;
    att_sbx_oauth_token(s->oauth, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
                        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                        rq->body.data, rq->body.len, echo, &r);
    /* RFC 6749 section 5.1: token responses are not to be cached. */
    Header h[3] = {{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
                   {MHD_HTTP_HEADER_PRAGMA, "no-cache"},
                   {MHD_HTTP_HEADER_WWW_AUTHENTICATE, r.www_authenticate}};
    Outcome o = {.status = r.status, .token = &r, .plan = &plan};
    return respond(s, conn, method, url, &o, "application/json", &r.body, h, r.www_authenticate ? 3 : 2);
}

static Route route_of(const SbxServer *s, const char *url)
{
    if (strcmp(url, ATT_SBX_SEARCH_PATH) == 0) return ROUTE_SEARCH;
    if (s->oauth && (strcmp(url, ATT_SBX_TOKEN_PATH) == 0 || strcmp(url, ATT_SBX_TOKEN_PATH_SHORT) == 0))
        return ROUTE_TOKEN;
    return ROUTE_OTHER;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    SbxServer *s = cls;
    Request *rq = *req_cls;
    (void)version;

    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq))) return MHD_NO;
        *req_cls = rq;
        atomic_fetch_add(&s->inflight, 1);
        rq->route = route_of(s, url);
        rq->keep = rq->route != ROUTE_OTHER && strcmp(method, "POST") == 0;
        /* A declared oversize body is refused before it is sent (the connection then closes). */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (rq->keep && cl && strtoull(cl, NULL, 10) > ATT_SBX_MAX_BODY) {
            rq->answered = 1;
            return respond_error(s, conn, method, url, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes",
                                 NULL, 0);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->keep && !rq->too_large && !rq->answered) {
            if (rq->body.len + *upload_size > ATT_SBX_MAX_BODY) {
                rq->too_large = 1;
                att_buf_free(&rq->body);
            } else {
                att_buf_add(&rq->body, upload, *upload_size);
                if (rq->body.oom) return MHD_NO;
            }
        }
        *upload_size = 0; /* consumed (or deliberately discarded) */
        return MHD_YES;
    }
    if (rq->answered) return MHD_YES;

    if (rq->route == ROUTE_OTHER) {
        char path[240], msg[280];
        printable(path, sizeof path, url, 200);
        snprintf(msg, sizeof msg, "no such endpoint: %s", path);
        return respond_error(s, conn, method, url, 404, "NOT_FOUND", msg, NULL, 0);
    }
    if (!rq->keep) {
        char m[16], msg[96];
        printable(m, sizeof m, method, 10);
        snprintf(msg, sizeof msg, "method %s is not allowed here; use POST", m);
        Header h = {MHD_HTTP_HEADER_ALLOW, "POST"};
        return respond_error(s, conn, method, url, 405, "METHOD_NOT_ALLOWED", msg, &h, 1);
    }
    if (rq->route == ROUTE_TOKEN) return handle_token(s, conn, method, url, rq);
    return handle_search(s, conn, method, url, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
    SbxServer *s = cls;
    Request *rq = *req_cls;
    (void)conn;
    (void)toe;
    if (rq) {
        atomic_fetch_sub(&s->inflight, 1);
        att_buf_free(&rq->body);
        free(rq);
        *req_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    SbxServer *s = cls;
    if (!atomic_load(&s->started)) {
        /* Only the starting thread logs now; the message becomes part of our error, if any. */
        vsnprintf(s->startup_msg, sizeof s->startup_msg, fmt, ap);
        s->startup_msg[strcspn(s->startup_msg, "\r\n")] = '\0';
        return;
    }
    if (!s->cfg.verbose) return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    /* The connections that reset and truncate faults close on purpose are in our own log line. */
    if (s->quiet_aborts && (strncmp(line, "Application reported internal error", 35) == 0 ||
                            strncmp(line, "Closing connection (application reported error", 46) == 0))
        return;
    fprintf(stderr, "att-sandbox: libmicrohttpd: %s\n", line);
    fflush(stderr);
}

static void server_free(SbxServer *s)
{
    if (s->have_shift) att_sbx_shift_destroy(&s->shift);
    att_sbx_oauth_free(s->oauth);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Whether a start-up failure was libmicrohttpd (GnuTLS) refusing the certificate or the key. */
static int tls_refused(const char *msg)
{
    static const char *const words[] = {"certificate", "key", "TLS"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (const char *p = msg; *p; p++)
            if (strncasecmp(p, words[i], strlen(words[i])) == 0) return 1;
    return 0;
}

int att_sbx_server_start(SbxServer **out, const SbxServerConfig *cfg, char *url, size_t urllen, char *err,
                         size_t errlen)
{
    *out = NULL;
    int tls = cfg->tls_cert && cfg->tls_key;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen, "--tls-cert: this libmicrohttpd was built without TLS support");
        return -1;
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int gai = getaddrinfo(cfg->host, NULL, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "--host '%s': %s", cfg->host, gai ? gai_strerror(gai) : "no address");
        if (ai) freeaddrinfo(ai);
        return -2;
    }
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    socklen_t salen = ai->ai_addrlen;
    freeaddrinfo(ai);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (tls) flags |= MHD_USE_TLS;
    if (sa.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)cfg->port);
    }

    SbxServer *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return -1;
    }
    s->cfg = *cfg;
    atomic_init(&s->started, 0);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->inflight, 0);
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "cannot create a mutex");
        return -1;
    }
    if (cfg->oauth_client && !(s->oauth = att_sbx_oauth_new(cfg->oauth_client, cfg->token_ttl_s))) {
        server_free(s);
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return -1;
    }
    if (att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_GROW) || att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_SHRINK)) {
        if (att_sbx_shift_init(&s->shift, cfg->data) != 0) {
            server_free(s);
            snprintf(err, errlen, "cannot create a lock");
            return -1;
        }
        s->have_shift = 1;
    }
    s->quiet_aborts = att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_RESET) ||
                      att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_TRUNCATE) ||
                      att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_HANG);

    /* libmicrohttpd reads the PEM texts while it starts; they stay borrowed from the caller. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cfg->tls_cert},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!tls) tls_opts[0].option = MHD_OPTION_END;
    /* The logger must come first, or libmicrohttpd reports option errors with its own. */
    s->daemon =
        MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         CONNECTION_MEMORY, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->daemon) {
        int bad_tls = tls && tls_refused(s->startup_msg);
        if (bad_tls)
            snprintf(err, errlen, "--tls-cert/--tls-key: unusable certificate or key%s%s",
                     s->startup_msg[0] ? ": " : "", s->startup_msg);
        else
            snprintf(err, errlen, "cannot listen on %s port %u%s%s", cfg->host, cfg->port,
                     s->startup_msg[0] ? ": " : "", s->startup_msg);
        server_free(s);
        return bad_tls ? -2 : -1;
    }
    atomic_store(&s->started, 1);

    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : cfg->port;
    char host[NI_MAXHOST];
    if (getnameinfo((struct sockaddr *)&sa, salen, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "%s", cfg->host);
    const char *scheme = tls ? "https" : "http";
    snprintf(url, urllen, sa.ss_family == AF_INET6 ? "%s://[%s]:%u" ATT_SBX_BASE_PATH : "%s://%s:%u" ATT_SBX_BASE_PATH,
             scheme, host, port);
    *out = s;
    return 0;
}

void att_sbx_server_stop(SbxServer *s)
{
    if (!s) return;
    /* Graceful: refuse new connections, let requests in progress be answered (for up to
     * ATT_SBX_DRAIN_MS), then close the rest, idle keep-alive connections included. */
    atomic_store(&s->stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    for (unsigned waited = 0; atomic_load(&s->inflight) > 0 && waited < ATT_SBX_DRAIN_MS; waited += 10) sleep_ms(10);
    MHD_stop_daemon(s->daemon);
    server_free(s);
}
