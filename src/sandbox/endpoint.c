/* endpoint.c — what a request gets (see endpoint.h): routing, the body collected (up to
 * ATT_SBX_MAX_BODY), 404 and 405, the header checks of a search (bearer token, appname), the search
 * endpoint and the OAuth token endpoint. Search semantics live in search.c, the token endpoint's in
 * oauth.c, the faults' answers in inject.c.
 *
 * HTTP/1.1 keep-alive works as long as every body is read to its end before answering, which is
 * why even 404s are answered only after the upload is complete. */
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/secret.h"
#include "inject.h"
#include "reply.h"
#include "search.h"

typedef enum Route { ROUTE_OTHER, ROUTE_SEARCH, ROUTE_TOKEN, ROUTE_IDS } Route;

/* Per-request state, freed in att_sbx_on_completed. */
typedef struct Request {
    AttBuf body;
    Route route;
    int keep; /* POST to the search or token path: keep the body */
    int too_large;
    int answered; /* answered before the body was read (413 on Content-Length) */
} Request;

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

/* ---- Endpoints -------------------------------------------------------------------------------- */

/* The checks before a search reaches the fault table: the bearer token, the appname, the body
 * size. 1 with *rc when they refuse the request (401, 400 or 413 is on its way), else 0. */
static int refused(const SbxCall *c, const Request *rq, enum MHD_Result *rc)
{
    const SbxServerConfig *cfg = &c->s->cfg;
    const char *challenge = NULL;
    const char *why = unauthorized(c->s, c->conn, &challenge);
    if (why) {
        SbxHeader h = {MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge};
        *rc = att_sbx_reply_error(c, 401, "UNAUTHORIZED", why, &h, 1);
        return 1;
    }
    if (cfg->appname) {
        const char *app = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "appname");
        if (!app || strcmp(app, cfg->appname) != 0) {
            *rc = att_sbx_reply_error(c, 400, "MISSING_APPNAME",
                                      app ? "the appname header does not name a registered application"
                                          : "the appname header is required",
                                      NULL, 0);
            return 1;
        }
    }
    if (rq->too_large) {
        *rc = att_sbx_reply_error(c, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL, 0);
        return 1;
    }
    return 0;
}

/* --rate-limit: 1 with *rc when the bucket has no token for this search (a 429 is on its way, at
 * once, as a gateway in front of the API answers: no --latency, no fault rule sees it), else 0. */
static int rate_limited(const SbxCall *c, enum MHD_Result *rc)
{
    SbxServer *s = c->s;
    if (s->cfg.rate_limit.rate <= 0) return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_mutex_lock(&s->mu);
    unsigned wait = att_sbx_bucket_take(&s->bucket, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
    pthread_mutex_unlock(&s->mu);
    if (!wait) return 0;
    char retry[16], msg[120];
    snprintf(retry, sizeof retry, "%u", wait);
    snprintf(msg, sizeof msg, "rate limit exceeded: at most %g requests per second; retry after %u s",
             s->cfg.rate_limit.rate, wait);
    AttBuf body = {0};
    att_sbx_error_json(&body, "RATE_LIMITED", msg);
    SbxHeader h = {"Retry-After", retry};
    SbxOutcome o = {.status = 429, .code = "RATE_LIMITED", .immediate = 1};
    *rc = att_sbx_reply(c, &o, "application/json", &body, &h, 1);
    return 1;
}

/* POST to the search path, its body read: the checks, the faults of the request, then the page. */
static enum MHD_Result handle_search(const SbxCall *c, const Request *rq)
{
    SbxServer *s = c->s;
    const SbxServerConfig *cfg = &s->cfg;
    enum MHD_Result rc;
    if (refused(c, rq, &rc)) return rc;
    if (rate_limited(c, &rc)) return rc;

    SbxFaultPlan plan;
    att_sbx_inject_plan(s, ATT_SBX_FAULT_ON_SEARCH, &plan);
    if (plan.delay) att_sbx_delay(s, (unsigned)plan.delay->arg);
    if (att_sbx_inject_instead(c, &plan, &rc)) return rc;

    SbxSearch q;
    SbxSearchError e;
    if (att_sbx_search_parse(rq->body.data, rq->body.len, cfg->max_page_size, cfg->strict, &q, &e) != 0) {
        AttBuf body = {0};
        att_sbx_error_json(&body, e.code, e.message);
        SbxOutcome o = {.status = e.status, .code = e.code, .plan = &plan};
        return att_sbx_reply(c, &o, "application/json", &body, NULL, 0);
    }
    /* A server that ignores paging (repeat-pages), or gets it wrong (offset-as, offset-mod). */
    if (plan.repeat) q.page_offset = att_sbx_fault_page_offset(plan.repeat, q.page_offset);

    AttBuf body = {0};
    SbxPageStats st;
    att_sbx_search_render(cfg->data, &s->shift, &q, cfg->paging, plan.drift, &body, &st);
    SbxOutcome o = {.status = 200, .query = &q, .returned = st.returned, .plan = &plan};
    att_sbx_inject_into_page(c, plan.answer, &body, &o);
    rc = att_sbx_reply(c, &o, "application/json", &body, NULL, 0);
    att_sbx_search_clear(&q);
    return rc;
}

/* POST to the inspection endpoint: the ids of a result set, in order, as the next search would
 * see it. For tests: no token or appname check, no faults, not counted among the searches. An
 * empty body is {}. */
static enum MHD_Result handle_ids(const SbxCall *c, const Request *rq)
{
    SbxServer *s = c->s;
    SbxSearch q;
    SbxSearchError e;
    SbxOutcome o = {.status = 200, .inspect = "ids"};
    AttBuf body = {0};
    const char *text = rq->body.len ? rq->body.data : "{}";
    if (rq->too_large)
        return att_sbx_reply_error(c, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL, 0);
    if (att_sbx_search_parse(text, rq->body.len ? rq->body.len : 2, s->cfg.max_page_size, s->cfg.strict, &q, &e) != 0) {
        att_sbx_error_json(&body, e.code, e.message);
        o.status = e.status;
        return att_sbx_reply(c, &o, "application/json", &body, NULL, 0);
    }
    SbxSelection sel;
    att_sbx_data_select(s->cfg.data, q.service_type, &sel);
    att_sbx_shift_rdlock(&s->shift);
    uint64_t total = att_sbx_shift_total(&s->shift, &sel);
    att_buf_adds(&body, "{\"totalCount\":");
    att_buf_add_u64(&body, total);
    att_buf_adds(&body, ",\"ids\":[");
    att_sbx_shift_render(&s->shift, &sel, 0, total, 1, &body);
    att_sbx_shift_unlock(&s->shift);
    att_buf_adds(&body, "]}");
    o.query = &q;
    o.returned = (size_t)total;
    enum MHD_Result rc = att_sbx_reply(c, &o, "application/json", &body, NULL, 0);
    att_sbx_search_clear(&q);
    return rc;
}

/* POST to the token endpoint (with --oauth-client), its body read. */
static enum MHD_Result handle_token(const SbxCall *c, const Request *rq)
{
    SbxServer *s = c->s;
    struct MHD_Connection *conn = c->conn;
    if (rq->too_large)
        return att_sbx_reply_error(c, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL, 0);
    SbxFaultPlan plan;
    att_sbx_inject_plan(s, ATT_SBX_FAULT_ON_TOKEN, &plan);
    unsigned echo = att_sbx_fault_is(plan.answer, ATT_SBX_FAULT_ECHO_BASIC) ? (unsigned)plan.answer->arg : 0;
    SbxTokenReply r;
    att_sbx_oauth_token(s->oauth, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
                        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                        rq->body.data, rq->body.len, echo, &r);
    /* RFC 6749 section 5.1: token responses are not to be cached. */
    SbxHeader h[3] = {{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
                      {MHD_HTTP_HEADER_PRAGMA, "no-cache"},
                      {MHD_HTTP_HEADER_WWW_AUTHENTICATE, r.www_authenticate}};
    SbxOutcome o = {.status = r.status, .token = &r, .plan = &plan};
    return att_sbx_reply(c, &o, "application/json", &r.body, h, r.www_authenticate ? 3 : 2);
}

/* ---- Routing ---------------------------------------------------------------------------------- */

static Route route_of(const SbxServer *s, const char *url)
{
    if (strcmp(url, ATT_SBX_SEARCH_PATH) == 0) return ROUTE_SEARCH;
    if (strcmp(url, ATT_SBX_IDS_PATH) == 0) return ROUTE_IDS;
    if (s->oauth && (strcmp(url, ATT_SBX_TOKEN_PATH) == 0 || strcmp(url, ATT_SBX_TOKEN_PATH_SHORT) == 0))
        return ROUTE_TOKEN;
    return ROUTE_OTHER;
}

enum MHD_Result att_sbx_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
    SbxServer *s = cls;
    Request *rq = *req_cls;
    const SbxCall c = {s, conn, method, url};
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
            return att_sbx_reply_error(&c, 413, "PAYLOAD_TOO_LARGE", "request body exceeds 1048576 bytes", NULL, 0);
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
        att_sbx_printable(path, sizeof path, url, 200);
        snprintf(msg, sizeof msg, "no such endpoint: %s", path);
        return att_sbx_reply_error(&c, 404, "NOT_FOUND", msg, NULL, 0);
    }
    if (!rq->keep) {
        char m[16], msg[96];
        att_sbx_printable(m, sizeof m, method, 10);
        snprintf(msg, sizeof msg, "method %s is not allowed here; use POST", m);
        SbxHeader h = {MHD_HTTP_HEADER_ALLOW, "POST"};
        return att_sbx_reply_error(&c, 405, "METHOD_NOT_ALLOWED", msg, &h, 1);
    }
    if (rq->route == ROUTE_TOKEN) return handle_token(&c, rq);
    if (rq->route == ROUTE_IDS) return handle_ids(&c, rq);
    return handle_search(&c, rq);
}

void att_sbx_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
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
