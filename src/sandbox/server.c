/* server.c — HTTP handling: routing, header checks (appname, bearer token), body collection,
 * injected faults, and the verbose request log. Search semantics live in search.c.
 *
 * libmicrohttpd runs one thread per connection, so a --latency sleep holds only its own connection,
 * and HTTP/1.1 keep-alive works as long as every body is read to its end before answering (which is
 * why even 404s are answered only after the upload is complete). */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ATT_SBX_DRAIN_MS 3000u

struct SbxServer {
    SbxServerConfig cfg;
    struct MHD_Daemon *daemon;
    atomic_uint_fast64_t searches;  /* search requests that reached the fault table */
    atomic_int started;             /* after start-up, libmicrohttpd's messages need -v */
    atomic_int stopping;            /* shutting down: cut latency sleeps short */
    atomic_int inflight;            /* requests begun and not yet completed */
    char startup_msg[200];          /* its last message during start-up, for our one error line */
};

/* Per-request state, freed in on_completed. */
typedef struct Request {
    SbxBuf body;
    int is_search;      /* POST to the search path: keep the body */
    int too_large;
    int answered;       /* answered before the body was read (413 on Content-Length) */
} Request;

/* What a response is, for the log line. */
typedef struct Outcome {
    unsigned status;
    const char *code;               /* error code, or NULL */
    const SbxSearch *query;         /* for search answers, or NULL */
    size_t returned;
    const SbxFaultRule *fault;
} Outcome;

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The --latency wait, in slices, so that a shutdown need not wait for it. */
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

static void log_request(const char *method, const char *url, const Outcome *o,
                        size_t bytes)
{
    char path[160], detail[256] = "";
    size_t d = 0;
    printable(path, sizeof path, url, 120);
    if (o->query) {
        char st[80];
        printable(st, sizeof st, o->query->service_type ? o->query->service_type : "-", 60);
        d += (size_t)snprintf(detail + d, sizeof detail - d,
                              " serviceType=%s pageSize=%llu pageOffset=%llu individuals=%zu", st,
                              (unsigned long long)o->query->page_size,
                              (unsigned long long)o->query->page_offset, o->returned);
    }
    if (o->code && d < sizeof detail)
        d += (size_t)snprintf(detail + d, sizeof detail - d, " code=%s", o->code);
    if (o->fault && d < sizeof detail)
        snprintf(detail + d, sizeof detail - d, " fault=%s", o->fault->spec);
    char m[16];
    printable(m, sizeof m, method, 10);
    /* One fprintf per line: stdio locks the stream, so lines from different threads never mix. */
    fprintf(stderr, "att-sandbox: %s %s %u%s bytes=%zu\n", m, path, o->status, detail, bytes);
    fflush(stderr);
}

/* Sends body (ownership passes to libmicrohttpd, or it is freed here) with the given status and
 * content type, plus one optional extra header. */
static enum MHD_Result respond(SbxServer *s, struct MHD_Connection *conn, const char *method,
                               const char *url, const Outcome *o, const char *ctype, SbxBuf *body,
                               const char *hname, const char *hvalue)
{
    if (s->cfg.latency_ms)
        delay(s, s->cfg.latency_ms);
    if (body->failed) {
        att_sbx_buf_free(body);
        return MHD_NO; /* out of memory: drop the connection */
    }
    size_t len;
    char *data = att_sbx_buf_take(body, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    enum MHD_Result rc = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (rc == MHD_YES && hname)
        rc = MHD_add_response_header(resp, hname, hvalue);
    if (rc == MHD_YES)
        rc = MHD_queue_response(conn, o->status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES && s->cfg.verbose)
        log_request(method, url, o, len);
    return rc;
}

static enum MHD_Result respond_error(SbxServer *s, struct MHD_Connection *conn, const char *method,
                                     const char *url, unsigned status, const char *code,
                                     const char *message, const char *hname, const char *hvalue)
{
    SbxBuf body = ATT_SBX_BUF_INIT;
    att_sbx_error_json(&body, code, message);
    Outcome o = {status, code, NULL, 0, NULL};
    return respond(s, conn, method, url, &o, "application/json", &body, hname, hvalue);
}

/* Compares in time independent of where the first difference is. */
static int same_secret(const char *given, size_t glen, const char *want)
{
    size_t wlen = strlen(want);
    unsigned char diff = glen != wlen;
    for (size_t i = 0; i < glen; i++)
        diff |= (unsigned char)(given[i] ^ want[i < wlen ? i : 0]);
    return diff == 0;
}

/* "Bearer TOKEN", scheme case-insensitive (RFC 7235), surrounding spaces tolerated. */
static int bearer_ok(const char *header, const char *token)
{
    if (!header)
        return 0;
    while (*header == ' ')
        header++;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return 0;
    const char *t = header + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    return n > 0 && same_secret(t, n, token);
}

static enum MHD_Result respond_fault(SbxServer *s, struct MHD_Connection *conn, const char *method,
                                     const char *url, const SbxFaultRule *r)
{
    SbxBuf body = ATT_SBX_BUF_INIT;
    Outcome o = {r->code, "INJECTED", NULL, 0, r};
    if (r->kind == ATT_SBX_FAULT_STATUS) {
        char msg[64];
        snprintf(msg, sizeof msg, "injected fault: HTTP %u", r->code);
        att_sbx_error_json(&body, "INJECTED", msg);
        return respond(s, conn, method, url, &o, "application/json", &body, NULL, NULL);
    }
    /* What a load balancer in front of the API sends when the API is not there. */
    const char *reason = MHD_get_reason_phrase_for(r->code);
    char title[96];
    snprintf(title, sizeof title, "%u %s", r->code, reason && *reason ? reason : "Error");
    att_sbx_buf_puts(&body, "<html>\r\n<head><title>");
    att_sbx_buf_puts(&body, title);
    att_sbx_buf_puts(&body, "</title></head>\r\n<body>\r\n<center><h1>");
    att_sbx_buf_puts(&body, title);
    att_sbx_buf_puts(&body, "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    o.code = NULL;
    return respond(s, conn, method, url, &o, "text/html", &body, NULL, NULL);
}

static enum MHD_Result handle_search(SbxServer *s, struct MHD_Connection *conn, const char *method,
                                     const char *url, const Request *rq)
{
    const SbxServerConfig *c = &s->cfg;
    if (c->token && !bearer_ok(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                           MHD_HTTP_HEADER_AUTHORIZATION),
                               c->token))
        return respond_error(s, conn, method, url, 401, "UNAUTHORIZED",
                             "a valid 'Authorization: Bearer <token>' header is required",
                             MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (c->appname) {
        const char *app = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "appname");
        if (!app || strcmp(app, c->appname) != 0)
            return respond_error(s, conn, method, url, 400, "MISSING_APPNAME",
                                 app ? "the appname header does not name a registered application"
                                     : "the appname header is required",
                                 NULL, NULL);
    }
    if (rq->too_large)
        return respond_error(s, conn, method, url, 413, "PAYLOAD_TOO_LARGE",
                             "request body exceeds 1048576 bytes", NULL, NULL);

    uint64_t seq = atomic_fetch_add(&s->searches, 1) + 1;
    SbxFaultPlan plan;
    att_sbx_fault_plan(c->faults, seq, &plan);
    if (plan.replace && plan.replace->kind != ATT_SBX_FAULT_BAD_JSON)
        return respond_fault(s, conn, method, url, plan.replace);

    SbxSearch q;
    SbxSearchError e;
    if (att_sbx_search_parse(rq->body.data, rq->body.len, c->max_page_size, &q, &e) != 0)
        return respond_error(s, conn, method, url, e.status, e.code, e.message, NULL, NULL);
    if (plan.repeat)
        q.page_offset = 1; /* a server that ignores paging */

    SbxBuf body = ATT_SBX_BUF_INIT;
    SbxPageStats st;
    att_sbx_search_render(c->data, &q, c->paging, &body, &st);
    Outcome o = {200, NULL, &q, st.returned, plan.repeat};
    if (plan.replace && !body.failed) {
        /* Cut the page in half, at a character boundary: a body that is not valid JSON. */
        size_t cut = body.len / 2;
        while (cut > 1 && ((unsigned char)body.data[cut] & 0xC0) == 0x80)
            cut--;
        body.len = cut;
        body.data[cut] = '\0';
        o.fault = plan.replace;
    }
    enum MHD_Result rc = respond(s, conn, method, url, &o, "application/json", &body, NULL, NULL);
    att_sbx_search_clear(&q);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    SbxServer *s = cls;
    Request *rq = *req_cls;
    (void)version;

    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *req_cls = rq;
        atomic_fetch_add(&s->inflight, 1);
        rq->is_search = strcmp(url, ATT_SBX_SEARCH_PATH) == 0 && strcmp(method, "POST") == 0;
        /* A declared oversize body is refused before it is sent (the connection then closes). */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (rq->is_search && cl && strtoull(cl, NULL, 10) > ATT_SBX_MAX_BODY) {
            rq->answered = 1;
            return respond_error(s, conn, method, url, 413, "PAYLOAD_TOO_LARGE",
                                 "request body exceeds 1048576 bytes", NULL, NULL);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->is_search && !rq->too_large && !rq->answered) {
            if (rq->body.len + *upload_size > ATT_SBX_MAX_BODY) {
                rq->too_large = 1;
                att_sbx_buf_free(&rq->body);
            } else {
                att_sbx_buf_put(&rq->body, upload, *upload_size);
                if (rq->body.failed)
                    return MHD_NO;
            }
        }
        *upload_size = 0; /* consumed (or deliberately discarded) */
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;

    if (strcmp(url, ATT_SBX_SEARCH_PATH) != 0) {
        char path[240], msg[280];
        printable(path, sizeof path, url, 200);
        snprintf(msg, sizeof msg, "no such endpoint: %s", path);
        return respond_error(s, conn, method, url, 404, "NOT_FOUND", msg, NULL, NULL);
    }
    if (!rq->is_search) {
        char m[16], msg[96];
        printable(m, sizeof m, method, 10);
        snprintf(msg, sizeof msg, "method %s is not allowed here; use POST", m);
        return respond_error(s, conn, method, url, 405, "METHOD_NOT_ALLOWED", msg,
                             MHD_HTTP_HEADER_ALLOW, "POST");
    }
    return handle_search(s, conn, method, url, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    SbxServer *s = cls;
    Request *rq = *req_cls;
    (void)conn;
    (void)toe;
    if (rq) {
        atomic_fetch_sub(&s->inflight, 1);
        att_sbx_buf_free(&rq->body);
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
    if (!s->cfg.verbose)
        return;
    fputs("att-sandbox: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fflush(stderr);
}

int att_sbx_server_start(SbxServer **out, const SbxServerConfig *cfg, char *url, size_t urllen,
                         char *err, size_t errlen)
{
    *out = NULL;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int gai = getaddrinfo(cfg->host, NULL, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "--host '%s': %s", cfg->host, gai ? gai_strerror(gai) : "no address");
        if (ai)
            freeaddrinfo(ai);
        return -2;
    }
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    socklen_t salen = ai->ai_addrlen;
    freeaddrinfo(ai);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
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
    atomic_init(&s->searches, 0);
    atomic_init(&s->started, 0);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->inflight, 0);
    /* The logger must come first, or libmicrohttpd reports option errors with its own. */
    s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s port %u%s%s", cfg->host, cfg->port,
                 s->startup_msg[0] ? ": " : "", s->startup_msg);
        free(s);
        return -1;
    }
    atomic_store(&s->started, 1);

    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : cfg->port;
    char host[NI_MAXHOST];
    if (getnameinfo((struct sockaddr *)&sa, salen, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "%s", cfg->host);
    snprintf(url, urllen, sa.ss_family == AF_INET6 ? "http://[%s]:%u" ATT_SBX_BASE_PATH
                                                    : "http://%s:%u" ATT_SBX_BASE_PATH,
             host, port);
    *out = s;
    return 0;
}

void att_sbx_server_stop(SbxServer *s)
{
    if (!s)
        return;
    /* Graceful: refuse new connections, let requests in progress be answered (for up to
     * ATT_SBX_DRAIN_MS), then close the rest, idle keep-alive connections included. */
    atomic_store(&s->stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    for (unsigned waited = 0; atomic_load(&s->inflight) > 0 && waited < ATT_SBX_DRAIN_MS; waited += 10)
        sleep_ms(10);
    MHD_stop_daemon(s->daemon);
    free(s);
}
