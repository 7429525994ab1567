/* inject.c — the faults of --fault as the server carries them out (see inject.h): numbering the
 * requests and applying the lasting faults under the server's lock, the answers that replace a
 * page (status, html, the echo kinds, ansi, empty; reset and hang), and the ones that change it
 * (bad-json, stall, silence, truncate, echo-json=200, echo-page, big, malformed). Which rule applies is fault.c's. */
#include "inject.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/civil.h"
#include "jsonw.h"
#include "malformed.h"
#include "search.h"

#define ECHO_PAGE_PAUSE_MS 300u

void att_sbx_inject_plan(SbxServer *s, SbxFaultTarget target, SbxFaultPlan *plan)
{
    pthread_mutex_lock(&s->mu);
    uint64_t seq = target == ATT_SBX_FAULT_ON_TOKEN ? ++s->token_requests : ++s->searches;
    att_sbx_fault_plan(s->cfg.faults, target, seq, plan);
    for (size_t i = 0; i < plan->napplied; i++) {
        const SbxFaultRule *r = plan->applied[i];
        /* grow and shrink are insert and remove at the front (their at is ATT_SBX_POS_FRONT). */
        if (r->kind == ATT_SBX_FAULT_GROW || r->kind == ATT_SBX_FAULT_INSERT)
            att_sbx_shift_insert(&s->shift, r->arg, r->at, r->at_n);
        else if (r->kind == ATT_SBX_FAULT_SHRINK || r->kind == ATT_SBX_FAULT_REMOVE)
            att_sbx_shift_remove(&s->shift, r->arg, r->at, r->at_n);
        else if (r->kind == ATT_SBX_FAULT_EXPIRE_TOKENS && s->oauth)
            att_sbx_oauth_expire_all(s->oauth);
        else if (r->kind == ATT_SBX_FAULT_TOTAL_DRIFT) /* applied counts this request already */
            plan->drift += r->arg * r->applied;
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- Answers instead of the page ------------------------------------------------------------- */

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

/* The answers that do not depend on the request body: status, html, echo-json (but 200),
 * echo-html, echo-text, ansi. */
static enum MHD_Result answer_fault(const SbxCall *c, const SbxFaultRule *r, const SbxFaultPlan *plan)
{
    struct MHD_Connection *conn = c->conn;
    AttBuf body = {0};
    unsigned code = (unsigned)r->arg;
    SbxOutcome o = {.status = code, .plan = plan};
    char retry[40];
    SbxHeader h = {"Retry-After", retry};
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
        return att_sbx_reply(c, &o, "application/json", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ECHO_JSON) {
        /* What an API written in PHP says when it quotes the request back. */
        att_buf_adds(&body, "{\"code\":\"ECHO\",\"message\":\"received Authorization: ");
        att_sbx_json_php(&body, echo_value(conn));
        att_buf_adds(&body, "\"}");
        o.code = "ECHO";
        return att_sbx_reply(c, &o, "application/json", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ANSI) {
        /* What a hostile server sends to take over the terminal of whoever reads a log: set the
         * window title (OSC ... BEL), clear the screen (CSI 2J), the 8-bit CSI (U+009B), DEL. */
        att_buf_adds(&body, "\x1b]0;owned\x07\x1b[2J\x1b[31mgateway\xc2\x9b"
                            "1mrefused\x7f\r\n");
        return att_sbx_reply(c, &o, "text/plain", &body, &h, nh);
    }
    if (r->kind == ATT_SBX_FAULT_ECHO_TEXT) {
        att_buf_adds(&body, "unauthorized request with Authorization: ");
        att_buf_adds(&body, echo_value(conn));
        att_buf_addc(&body, '\n');
        return att_sbx_reply(c, &o, "text/plain", &body, &h, nh);
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
    return att_sbx_reply(c, &o, "text/html", &body, &h, nh);
}

/* Holds a connection without answering, in slices, until the sandbox stops or the client goes (its
 * socket then reads as closed: a peek, which consumes nothing). */
static void hold(const SbxCall *c)
{
    SbxServer *s = c->s;
    struct MHD_Connection *conn = c->conn;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    MHD_socket fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
    while (!atomic_load(&s->stopping)) {
        att_sbx_sleep_ms(20);
        char byte;
        ssize_t n = fd == MHD_INVALID_SOCKET ? -1 : recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && fd != MHD_INVALID_SOCKET && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return;
    }
}

int att_sbx_inject_instead(const SbxCall *c, const SbxFaultPlan *plan, enum MHD_Result *rc)
{
    const SbxServerConfig *cfg = &c->s->cfg;
    const SbxFaultRule *answer = plan->answer;
    if (att_sbx_fault_is(answer, ATT_SBX_FAULT_STATUS) || att_sbx_fault_is(answer, ATT_SBX_FAULT_HTML) ||
        att_sbx_fault_is(answer, ATT_SBX_FAULT_ECHO_HTML) || att_sbx_fault_is(answer, ATT_SBX_FAULT_ECHO_TEXT) ||
        att_sbx_fault_is(answer, ATT_SBX_FAULT_ANSI) ||
        (att_sbx_fault_is(answer, ATT_SBX_FAULT_ECHO_JSON) && answer->arg != 200)) {
        *rc = answer_fault(c, answer, plan);
        return 1;
    }
    if (att_sbx_fault_is(answer, ATT_SBX_FAULT_EMPTY)) {
        /* Nothing but the status line and the headers: no Content-Type, no Location (even for a
         * 3xx), Content-Length 0. */
        AttBuf body = {0};
        SbxOutcome o = {.status = (unsigned)answer->arg, .plan = plan};
        *rc = att_sbx_reply(c, &o, NULL, &body, NULL, 0);
        return 1;
    }
    if (att_sbx_fault_is(answer, ATT_SBX_FAULT_RESET) || att_sbx_fault_is(answer, ATT_SBX_FAULT_HANG)) {
        /* As if the server died (reset: the connection closes with nothing sent), or hung. */
        if (att_sbx_fault_is(answer, ATT_SBX_FAULT_HANG))
            hold(c);
        else if (cfg->latency_ms)
            att_sbx_delay(c->s, cfg->latency_ms);
        if (cfg->verbose) {
            SbxOutcome o = {.status = 0, .plan = plan};
            att_sbx_reply_log(c, &o, 0);
        }
        *rc = MHD_NO;
        return 1;
    }
    return 0;
}

/* ---- Changes to the page ---------------------------------------------------------------------- */

/* echo-page: the page with the echoed value as every preferredName, sent in two parts
 * ECHO_PAGE_PAUSE_MS apart. The cut falls in the middle of the credentials (what follows the
 * scheme and its space, e.g. the token of "Bearer TOKEN") in the first value, so that a client
 * that handles the body read by read never has the whole token in one read. */
static void echo_page(AttBuf *body, const char *value, SbxOutcome *o)
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
    o->delivery = ATT_SBX_DELIVER_STALL;
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

void att_sbx_inject_into_page(const SbxCall *c, const SbxFaultRule *answer, AttBuf *body, SbxOutcome *o)
{
    if (att_sbx_fault_is(answer, ATT_SBX_FAULT_BAD_JSON) && !body->oom) {
        /* Cut the page in half, at a character boundary: a body that is not valid JSON. */
        size_t cut = body->len / 2;
        while (cut > 1 && ((unsigned char)body->data[cut] & 0xC0) == 0x80) cut--;
        body->len = cut;
        body->data[cut] = '\0';
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_STALL) || att_sbx_fault_is(answer, ATT_SBX_FAULT_SILENCE)) {
        o->delivery = ATT_SBX_DELIVER_STALL;
        o->stall_ms = (unsigned)answer->arg;
        o->cut = att_sbx_fault_is(answer, ATT_SBX_FAULT_STALL) ? body->len / 2 : 0;
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_TRUNCATE)) {
        o->delivery = ATT_SBX_DELIVER_TRUNCATE;
        o->cut = body->len / 2;
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_ECHO_JSON)) {
        /* echo-json=200: a valid page that also quotes the credentials back. */
        if (att_sbx_json_reopen(body) == 0) {
            att_buf_adds(body, "\"echo\":\"");
            att_sbx_json_php(body, echo_value(c->conn));
            att_buf_adds(body, "\"}");
        }
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_ECHO_PAGE)) {
        echo_page(body, echo_value(c->conn), o);
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_BIG)) {
        pad_page(body, answer->arg);
    } else if (att_sbx_fault_is(answer, ATT_SBX_FAULT_MALFORMED)) {
        att_sbx_malformed(body, (SbxMalformed)answer->arg, answer->at_n);
    }
}
