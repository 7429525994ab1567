/* exchange.c — the one request path of the att module (att.search pages and att.request), and the
 * record/replay of those exchanges (`att --record DIR` / `att --replay DIR`).
 *
 * A recording is DIR/session.jsonl: one JSON object per exchange, in order, with the method, the
 * path (relative to the base URL), the request body normalised (JSON re-encoded with sorted keys),
 * the HTTP status, the content type and the response body. No headers are stored, so no credential
 * is; credentials are also removed from bodies (the run's redactor). The file is created 0600,
 * never through a symbolic link, in a directory only its owner can enter. Replay matches on method, path and
 * normalised body; identical requests get their recorded responses in order (the last one again
 * when they run out); a request that was not recorded fails with an error of kind "replay". */
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
#include "core/text.h"

static const char REPLAY_KEY[] = "att.replay";

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

/* Pushes the matching key of a request: "METHOD path body", the body re-encoded when it is
 * JSON so that key order and spacing do not matter. [-0, +1, m] */
static void push_key(lua_State *L, const char *method, const char *path, const char *body, size_t len)
{
    AttBuf b = {0};
    char err[160];
    int top = lua_gettop(L);
    const char *norm = body ? body : "";
    size_t nlen = body ? len : 0;
    if (body && len && att_json_decode(L, body, len) && att_json_encode(L, -1, &b, err, sizeof err) == 0) {
        lua_pushlstring(L, b.data, b.len);
        att_buf_free(&b);
        norm = lua_tolstring(L, -1, &nlen);
    }
    att_buf_free(&b);
    lua_pushfstring(L, "%s %s ", method, path);
    lua_pushlstring(L, norm, nlen);
    lua_concat(L, 2);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}

/* ---- record --------------------------------------------------------------------------------- */

/* Creates DIR/session.jsonl for writing: DIR made 0700 (an existing one must be its owner's and
 * closed to others: the recording holds customer data), the file 0600 under a fresh name
 * (O_EXCL, so nothing planted there is followed or truncated) and then renamed over
 * session.jsonl (rename replaces a symbolic link; it never writes through one). [-0, +0, e] */
static FILE *open_recording(lua_State *L, const char *dir)
{
    char tmp[1100], file[1100];
    struct stat st;
    FILE *f;
    int fd;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        luaL_error(L, "att: --record: cannot create %s: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) luaL_error(L, "att: --record: %s is not a directory", dir);
    if (st.st_uid != geteuid() || (st.st_mode & 077))
        luaL_error(L,
                   "att: --record: %s is open to other users (mode %03o); a recording holds customer data: "
                   "chmod 700 it, or name a new directory",
                   dir, (unsigned)(st.st_mode & 0777));
    snprintf(tmp, sizeof tmp, "%s/.session.jsonl.XXXXXX", dir);
    snprintf(file, sizeof file, "%s/session.jsonl", dir);
    fd = mkstemp(tmp);
    if (fd < 0) luaL_error(L, "att: --record: cannot create a file in %s: %s", dir, strerror(errno));
    if (fchmod(fd, 0600) != 0 || rename(tmp, file) != 0 || !(f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(tmp);
        luaL_error(L, "att: --record: cannot write %s: %s", file, strerror(e));
        return NULL;
    }
    return f;
}

static void record(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                   const AttResponse *r)
{
    AttBuf b = {0};
    char err[160];
    int top = lua_gettop(L);

    if (!h->record_file) h->record_file = open_recording(L, h->cfg.record_dir);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, method);
    lua_setfield(L, -2, "method");
    lua_pushstring(L, path);
    lua_setfield(L, -2, "path");
    push_key(L, "", "", body, len); /* " " + normalised body */
    {
        size_t n;
        const char *k = lua_tolstring(L, -1, &n);
        att_api_push_clean(L, k + 2, n - 2);
    }
    lua_remove(L, -2);
    lua_setfield(L, -2, "body");
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    lua_pushstring(L, r->content_type);
    lua_setfield(L, -2, "contentType");
    att_api_push_clean(L, r->body ? r->body : "", r->len);
    lua_setfield(L, -2, "response");
    if (att_json_encode(L, -1, &b, err, sizeof err) != 0) {
        att_buf_free(&b);
        luaL_error(L, "att: --record: cannot record the exchange with %s: %s", path, err);
    }
    att_buf_add(&b, "\n", 1);
    if (b.oom || fwrite(b.data, 1, b.len, h->record_file) != b.len || fflush(h->record_file) != 0) {
        att_buf_free(&b);
        luaL_error(L, "att: --record: write failed: %s", strerror(errno));
    }
    att_buf_free(&b);
    lua_settop(L, top);
}

/* ---- replay --------------------------------------------------------------------------------- */

/* Loads DIR/session.jsonl into the registry: key -> {next = 1, responses...}. [-0, +1, e] */
static void push_replay(lua_State *L, AttApi *h)
{
    char file[1100], line[1 << 16];
    FILE *f;
    int lineno = 0;

    if (lua_getfield(L, LUA_REGISTRYINDEX, REPLAY_KEY) == LUA_TTABLE) return;
    lua_pop(L, 1);
    snprintf(file, sizeof file, "%s/session.jsonl", h->cfg.replay_dir);
    f = fopen(file, "r");
    if (!f) {
        luaL_error(L, "att: --replay: cannot read %s: %s", file, strerror(errno));
        return;
    }
    lua_newtable(L);
    for (;;) {
        luaL_Buffer b;
        size_t n;
        int more = 1, top = lua_gettop(L);
        const char *text;
        luaL_buffinit(L, &b);
        while (more && fgets(line, sizeof line, f)) { /* lines may be longer than the buffer */
            n = strlen(line);
            if (n && line[n - 1] == '\n') {
                line[--n] = '\0';
                more = 0;
            }
            luaL_addlstring(&b, line, n);
        }
        luaL_pushresult(&b);
        text = lua_tolstring(L, -1, &n);
        if (n == 0) {
            if (feof(f)) {
                lua_pop(L, 1);
                break;
            }
            lua_pop(L, 1);
            continue;
        }
        lineno++;
        if (!att_json_decode(L, text, n) || lua_type(L, -1) != LUA_TTABLE) {
            fclose(f);
            luaL_error(L, "att: --replay: %s:%d is not a recorded exchange", file, lineno);
        }
        lua_getfield(L, -1, "method");
        lua_getfield(L, -2, "path");
        lua_getfield(L, -3, "body");
        if (!lua_isstring(L, -3) || !lua_isstring(L, -2) || !lua_isstring(L, -1)) {
            fclose(f);
            luaL_error(L, "att: --replay: %s:%d lacks method, path or body", file, lineno);
        }
        lua_pushfstring(L, "%s %s %s", lua_tostring(L, -3), lua_tostring(L, -2), lua_tostring(L, -1));
        lua_replace(L, -4);
        lua_pop(L, 2); /* ... text, entry, key */
        lua_pushvalue(L, -1);
        if (lua_rawget(L, top) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_createtable(L, 2, 1);
            lua_pushinteger(L, 1);
            lua_setfield(L, -2, "next");
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, top);
        }
        lua_pushvalue(L, -3);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_settop(L, top);
    }
    fclose(f);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REPLAY_KEY);
}

/* Fills ex->resp from the recording; returns 0 when nothing matches (error object pushed). */
static int replay(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                  AttExchange *ex)
{
    int top = lua_gettop(L);
    lua_Integer next, count;
    size_t n;
    const char *s;

    push_replay(L, h);
    push_key(L, method, path, body, len);
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        char msg[2400];
        snprintf(msg, sizeof msg, "no recorded response for %s %.1000s with body %.200s (recording in %.1000s)", method,
                 path, body && len ? body : "(none)", h->cfg.replay_dir);
        lua_settop(L, top);
        att_error_push(L, "replay", 0, ex->url, msg, 0, NULL, 0);
        return 0;
    }
    lua_getfield(L, -1, "next");
    next = lua_tointeger(L, -1);
    lua_pop(L, 1);
    count = (lua_Integer)lua_rawlen(L, -1);
    if (next < count) {
        lua_pushinteger(L, next + 1);
        lua_setfield(L, -2, "next");
    }
    lua_rawgeti(L, -1, next);
    lua_getfield(L, -1, "status");
    ex->resp.status = (long)lua_tointeger(L, -1);
    lua_getfield(L, -2, "contentType");
    snprintf(ex->resp.content_type, sizeof ex->resp.content_type, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_getfield(L, -3, "response");
    s = lua_tolstring(L, -1, &n);
    ex->resp.attempts = 1;
    if (s && n) {
        ex->resp.body = malloc(n + 1);
        if (!ex->resp.body) luaL_error(L, "att: out of memory");
        memcpy(ex->resp.body, s, n);
        ex->resp.body[n] = '\0';
        ex->resp.len = ex->resp.cap = n;
    }
    lua_settop(L, top);
    return 1;
}

/* ---- the request path ----------------------------------------------------------------------- */

AttExchange *att_exchange_start(lua_State *L, const char *method, const char *path, int body_idx)
{
    AttApi *h = att_api_get(L);
    AttHttp *http;
    AttExchange *ex;

    char why[160];

    if (h->refused) luaL_error(L, "%s", h->refused);
    /* Every request stays under the base path, whoever asks for it (att.request, att.parallel). */
    if (att_path_check(path, why, sizeof why) != 0) luaL_error(L, "att: request path '%s' %s", path, why);
    http = h->cfg.replay_dir ? NULL : att_api_http(L);
    if (body_idx) body_idx = lua_absindex(L, body_idx);
    ex = lua_newuserdatauv(L, sizeof *ex, 0);
    memset(ex, 0, sizeof *ex);
    ex->req.budget = h->budget;
    luaL_setmetatable(L, ATT_EXCHANGE_MT);
    snprintf(ex->method, sizeof ex->method, "%s", method);
    snprintf(ex->path, sizeof ex->path, "%s", path);
    if (http) {
        att_http_url(http, path, ex->url, sizeof ex->url);
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
        ex->has_body = 1;
    } else if (body_idx && !lua_isnil(L, body_idx)) {
        char err[160];
        if (att_json_encode(L, body_idx, &ex->req, err, sizeof err) != 0) luaL_error(L, "request body: %s", err);
        ex->has_body = 1;
    }
    if (http) {
        ex->x = att_xfer_new(http, ex->method, ex->path, ex->has_body ? (ex->req.data ? ex->req.data : "") : NULL,
                             ex->req.len);
        if (!ex->x) luaL_error(L, "att: out of memory");
    }
    return ex;
}

void att_exchange_cancel(AttExchange *ex)
{
    att_xfer_free(ex->x);
    ex->x = NULL;
}

/* Replaces the body of r by a copy with every credential of the run redacted, when it holds one:
 * what a server echoes never reaches a script, a recording or a message. [-0, +0, e] */
static void clean_body(lua_State *L, AttApi *h, AttResponse *r)
{
    AttBuf clean = {0};
    clean.budget = r->budget;
    if (!r->body || att_redact_apply(h->redact, r->body, r->len, &clean) == 0) return;
    if (clean.oom) {
        att_buf_free(&clean);
        luaL_error(L, "att: not enough memory for the response");
    }
    memset(r->body, 0, r->len);
    att_response_free(r);
    r->body = clean.data;
    r->len = clean.len;
    r->cap = clean.cap;
}

int att_exchange_finish(lua_State *L, AttExchange *ex, int decode)
{
    AttApi *h = att_api_get(L);
    AttResponse *r = &ex->resp;
    const char *body = ex->has_body ? (ex->req.data ? ex->req.data : "") : NULL;

    if (!ex->x && !h->cfg.replay_dir) {
        att_error_push(L, "network", 0, ex->url, "the request was cancelled", 0, NULL, 0);
        return 0;
    }
    if (!ex->x) {
        if (!replay(L, h, ex->method, ex->path, body, ex->req.len, ex)) return 0;
        clean_body(L, h, r);
    } else {
        AttHttp *http = att_api_http(L);
        att_http_wait(http, ex->x);
        *r = *att_xfer_response(ex->x); /* the body moves into the box */
        memset(att_xfer_response(ex->x), 0, sizeof *r);
        att_exchange_cancel(ex);
        if (r->err != ATT_HTTP_OK) {
            att_error_push_transport(L, r, ex->url);
            return 0;
        }
        clean_body(L, h, r);
        if (h->cfg.record_dir) record(L, h, ex->method, ex->path, body, ex->req.len, r);
    }
    if (r->status < 200 || r->status > 299) {
        att_error_push_http(L, r, ex->url);
        return 0;
    }
    if (!decode || r->len == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (!att_json_decode_proj(L, r->body, r->len, ex->proj)) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        att_error_push(L, "json", r->status, ex->url, msg, 0, r->body, r->len);
        return 0;
    }
    return 1;
}

int att_exchange(lua_State *L, const char *method, const char *path, int body_idx, int decode, AttExchange **out)
{
    *out = att_exchange_start(L, method, path, body_idx);
    return att_exchange_finish(L, *out, decode);
}
