/* exchange.c — the one request path of module att (att.search pages, att.request, att.parallel):
 * the path kept under the base path, the body encoded, the transfer started (or the answer taken
 * from a recording, journal.c), the response redacted of every credential before anything sees
 * it, recorded, and decoded or turned into an error object. */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind/error.h"
#include "bind/api.h"
#include "bind/exchange.h"
#include "bind/journal.h"
#include "core/text.h"

static int exchange_gc(lua_State *L)
{
    AttExchange *ex = luaL_checkudata(L, 1, ATT_EXCHANGE_MT);
    att_exchange_cancel(ex);
    att_buf_free(&ex->req);
    att_response_free(&ex->resp);
    return 0;
}

void att_exchange_init(lua_State *L)
{
    if (luaL_newmetatable(L, ATT_EXCHANGE_MT)) {
        lua_pushcfunction(L, exchange_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}

/* ---- the request path ----------------------------------------------------------------------- */

AttExchange *att_exchange_start(lua_State *L, int client, const char *method, const char *path, int body_idx,
                                const AttProj *proj)
{
    AttApi *h = att_api_get(L);
    AttExchange *ex;
    int pushed = 0;
    char why[160];

    if (h->refused) luaL_error(L, "%s", h->refused);
    /* Every request stays under the base path, whoever asks for it (att.request, att.parallel). */
    if (att_path_check(path, why, sizeof why) != 0) luaL_error(L, "att: request path '%s' %s", path, why);
    if (body_idx) body_idx = lua_absindex(L, body_idx);
    if (client) {
        client = lua_absindex(L, client);
    } else if (!h->cfg.replay_dir) {
        att_api_client(L); /* pushed: taken off again below */
        pushed = client = lua_gettop(L);
    }
    ex = lua_newuserdatauv(L, sizeof *ex, 2);
    memset(ex, 0, sizeof *ex);
    ex->req.budget = h->budget;
    luaL_setmetatable(L, ATT_EXCHANGE_MT);
    if (client) { /* the exchange keeps its client alive */
        ex->http = ((AttClient *)luaL_checkudata(L, client, ATT_CLIENT_MT))->http;
        lua_pushvalue(L, client);
        lua_setiuservalue(L, -2, 1);
    }
    if (pushed) lua_remove(L, pushed);
    snprintf(ex->method, sizeof ex->method, "%s", method);
    snprintf(ex->path, sizeof ex->path, "%s", path);
    if (ex->http) {
        att_http_url(ex->http, path, ex->url, sizeof ex->url);
    } else {
        char full[2048];
        snprintf(full, sizeof full, "%s%s", h->cfg.base_url, path);
        att_url_strip_userinfo(full, ex->url, sizeof ex->url);
    }
    if (body_idx && lua_type(L, body_idx) == LUA_TSTRING) {
        size_t n;
        const char *b = lua_tolstring(L, body_idx, &n);
        att_buf_add(&ex->req, b, n);
        if (ex->req.oom) luaL_error(L, "att: not enough memory for the request body");
        ex->has_body = 2;
    } else if (body_idx && !lua_isnil(L, body_idx)) {
        char err[160];
        if (att_json_encode(L, body_idx, &ex->req, err, sizeof err) != 0) luaL_error(L, "request body: %s", err);
        ex->has_body = 1;
    }
    ex->jq.method = ex->method;
    ex->jq.path = ex->path;
    ex->jq.body = ex->has_body ? (ex->req.data ? ex->req.data : "") : NULL;
    ex->jq.len = ex->req.len;
    ex->jq.given = ex->has_body == 2;
    ex->proj = proj;
    ex->jq.proj = proj;
    if (h->journal && att_journal_lookup(L, &ex->jq, -1)) {
        ex->journaled = 1; /* the journal (or the recording) answers it */
    } else if (ex->http) {
        ex->x = att_xfer_new(ex->http, ex->method, ex->path, ex->has_body ? (ex->req.data ? ex->req.data : "") : NULL,
                             ex->req.len);
        if (!ex->x) luaL_error(L, "att: out of memory");
    }
    return ex;
}

void att_exchange_cancel(AttExchange *ex)
{
    if (ex->x) ex->attempts = att_xfer_response(ex->x)->attempts;
    att_xfer_free(ex->x);
    ex->x = NULL;
}

/* Replaces the body of r by a copy with every credential of the run redacted, when it holds one:
 * what a server echoes never reaches a script, a recording or a message. 0, or -1 when out of
 * memory (the body unchanged). [-0, +0, -] */
static int redact_body(AttApi *h, AttResponse *r)
{
    AttBuf clean = {0};
    clean.budget = r->body.budget;
    if (!r->body.data || att_redact_apply(h->redact, r->body.data, r->body.len, &clean) == 0) return 0;
    if (clean.oom) {
        att_buf_free(&clean);
        return -1;
    }
    att_buf_wipe_free(&r->body);
    r->body = clean;
    return 0;
}

/* The same, raising when out of memory. [-0, +0, e] */
static void clean_body(lua_State *L, AttApi *h, AttResponse *r)
{
    if (redact_body(h, r) != 0) luaL_error(L, "att: not enough memory for the response");
}

/* Moves the response of the completed transfer into the box, and ends the transfer. */
static void move_response(AttExchange *ex)
{
    ex->resp = *att_xfer_response(ex->x); /* the body moves into the box */
    memset(att_xfer_response(ex->x), 0, sizeof ex->resp);
    att_exchange_cancel(ex);
    ex->attempts = ex->resp.attempts;
}

/* Moves the response of the completed transfer into the box and redacts it; 0 when the
 * transfer failed. [-0, +0, e] */
static int take_response(lua_State *L, AttExchange *ex)
{
    move_response(ex);
    if (ex->resp.err != ATT_HTTP_OK) return 0;
    clean_body(L, att_api_get(L), &ex->resp);
    return 1;
}

void att_exchange_salvage(lua_State *L, AttExchange *ex, int ud)
{
    AttApi *h = att_api_get(L);
    if (!ex->x || !att_xfer_done(ex->x) || !h->journal) return;
    move_response(ex);
    /* not kept when it cannot be redacted: a resume asks for it again */
    if (ex->resp.err == ATT_HTTP_OK && redact_body(h, &ex->resp) == 0) att_journal_append(L, &ex->jq, ud, &ex->resp);
}

/* A run's journal keeps a projected page as it was built (decoded at top), re-encoded: all that
 * a resume of the same script reads of it, a fraction of the bytes. Never raises. [-0, +0, -] */
static void journal_built(lua_State *L, AttExchange *ex, int ud, int top)
{
    AttResponse built = ex->resp;
    AttBuf b = {0};
    char err[160];
    int ok;
    b.budget = ex->resp.body.budget;
    ok = lua_checkstack(L, 4) && att_json_encode(L, top, &b, err, sizeof err) == 0 && !b.oom;
    built.body = b;
    att_journal_append(L, &ex->jq, ud, ok ? &built : &ex->resp);
    att_buf_free(&b);
}

/* Long because it is the one end of every request: from the journal, live, or cancelled; the
 * journal; the status; the decoder. */
int att_exchange_finish(lua_State *L, AttExchange *ex, int decode)
{
    AttApi *h = att_api_get(L);
    AttResponse *r = &ex->resp;
    int ud = lua_touserdata(L, -1) == (void *)ex ? lua_gettop(L) : 0; /* the box, on top */
    int built = 0;                                                    /* journaled once decoded */

    if (ex->journaled) {
        ex->attempts = h->cfg.replay_dir ? 1 : 0; /* a recording's answer stands for its request */
        if (!att_journal_answer(L, &ex->jq, ex->url, r)) return 0;
        clean_body(L, h, r);
    } else if (!ex->x) {
        att_error_push(L, "network", 0, ex->url, "the request was cancelled", 0, NULL, 0);
        return 0;
    } else {
        att_http_wait(ex->http, ex->x);
        if (!take_response(L, ex)) {
            att_error_push_transport(L, r, ex->url);
            return 0;
        }
        built = ud && decode && ex->proj && r->status >= 200 && r->status <= 299 && r->body.len > 0 &&
                att_journal_builds(h);
        if (ud && !built) att_journal_append(L, &ex->jq, ud, r);
    }
    if (r->status < 200 || r->status > 299) {
        att_error_push_http(L, r, ex->url);
        return 0;
    }
    if (!decode || r->body.len == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (!att_json_decode_proj(L, r->body.data, r->body.len, ex->proj)) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        if (built) att_journal_append(L, &ex->jq, ud, r); /* the answer as it came: invalid JSON */
        att_error_push(L, "json", r->status, ex->url, msg, 0, r->body.data, r->body.len);
        return 0;
    }
    if (built) journal_built(L, ex, ud, lua_gettop(L));
    return 1;
}

int att_exchange(lua_State *L, const char *method, const char *path, int body_idx, int decode, AttExchange **out)
{
    *out = att_exchange_start(L, 0, method, path, body_idx, NULL);
    return att_exchange_finish(L, *out, decode);
}
