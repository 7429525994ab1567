/* error.c — the att error object (see error.h). */
#include "bind/error.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bind/api.h"
#include "bind/json.h"
#include "core/text.h"

/* The integer field k of the error at index 1, or -1 when it has none. */
static lua_Integer int_field(lua_State *L, const char *k)
{
    lua_Integer v = lua_getfield(L, 1, k) == LUA_TNUMBER && lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
    lua_pop(L, 1);
    return v;
}

/* Where the error happened: " at page K of N (X of Y individuals)" when it ended a scan whose
 * totalCount was known (page, pages, read, total: results_fetch.c), else url_fmt with the URL
 * (" on %s": which server, when the first page failed). [-0, +1, m] */
static const char *push_place(lua_State *L, const char *url_fmt, const char *url)
{
    lua_Integer v[4];
    static const char *const keys[] = {"page", "pages", "read", "total"};
    char num[4][32];
    int i;
    for (i = 0; i < 4; i++) {
        v[i] = int_field(L, keys[i]);
        if (v[i] < 0) return lua_pushfstring(L, url_fmt, url);
        att_text_thousands((long long)v[i], num[i], sizeof num[i]);
    }
    return lua_pushfstring(L, " at page %s of %s (%s of %s individuals)", num[0], num[1], num[2], num[3]);
}

/* __tostring: "att: HTTP 400 from URL: message", "att: network error at page 4 of 10 (300 of 1,000
 * individuals): message" and the like. */
static int error_tostring(lua_State *L)
{
    const char *kind, *url, *msg;
    lua_Integer status, attempts;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "kind");
    lua_getfield(L, 1, "url");
    lua_getfield(L, 1, "message");
    lua_getfield(L, 1, "status");
    lua_getfield(L, 1, "attempts");
    kind = lua_tostring(L, 2);
    url = lua_tostring(L, 3);
    msg = lua_tostring(L, 4);
    status = lua_tointeger(L, 5);
    attempts = lua_tointeger(L, 6);
    if (!kind) kind = "error";
    if (!msg) msg = "unknown error";
    if (!url) url = "?";
    if (strcmp(kind, "http") == 0)
        lua_pushfstring(L, "att: HTTP %d%s: %s", (int)status, push_place(L, " from %s", url), msg);
    else if (strcmp(kind, "network") == 0)
        lua_pushfstring(L, "att: network error%s: %s", push_place(L, " on %s", url), msg);
    else if (strcmp(kind, "json") == 0)
        lua_pushfstring(L, "att: invalid JSON%s: %s", push_place(L, " from %s", url), msg);
    else if (strcmp(kind, "protocol") == 0)
        lua_pushfstring(L, "att: unexpected response%s: %s", push_place(L, " from %s", url), msg);
    else if (strcmp(kind, "auth") == 0)
        lua_pushfstring(L, "att: authentication failed for %s: %s", url, msg);
    else if (strcmp(kind, "interrupted") == 0)
        lua_pushfstring(L, "att: interrupted%s", push_place(L, " during %s", url));
    else if (strcmp(kind, "limit") == 0)
        lua_pushfstring(L, "att: %s%s", msg, push_place(L, " (during %s)", url));
    else
        lua_pushfstring(L, "att: %s error%s: %s", kind, push_place(L, " on %s", url), msg);
    if (attempts > 1) {
        lua_pushfstring(L, " (%I attempts)", (LUAI_UACINT)attempts);
        lua_concat(L, 2);
    }
    return 1;
}

void att_error_init(lua_State *L)
{
    if (luaL_newmetatable(L, ATT_ERROR_MT)) {
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
}

void att_error_push(lua_State *L, const char *kind, long status, const char *url, const char *message, int retryable,
                    const char *body, size_t body_len)
{
    luaL_checkstack(L, 6, NULL);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    if (status > 0) {
        lua_pushinteger(L, status);
        lua_setfield(L, -2, "status");
    }
    att_api_push_clean(L, message, strlen(message));
    lua_setfield(L, -2, "message");
    lua_pushboolean(L, retryable);
    lua_setfield(L, -2, "retryable");
    lua_pushstring(L, url);
    lua_setfield(L, -2, "url");
    if (body && body_len > 0) {
        /* Redacted whole, then cut: a credential across the cut is still found. */
        size_t n;
        const char *clean;
        att_api_push_clean(L, body, body_len);
        clean = lua_tolstring(L, -1, &n);
        if (n > ATT_ERROR_BODY_MAX) {
            n = ATT_ERROR_BODY_MAX;
            while (n > 0 && ((unsigned char)clean[n] & 0xC0) == 0x80) n--;
            lua_pushlstring(L, clean, n);
            lua_remove(L, -2);
        }
        lua_setfield(L, -2, "body");
    }
    luaL_setmetatable(L, ATT_ERROR_MT);
}

static void set_attempts(lua_State *L, const AttResponse *r)
{
    lua_pushinteger(L, r->attempts > 0 ? r->attempts : 1);
    lua_setfield(L, -2, "attempts");
}

void att_error_push_transport(lua_State *L, const AttResponse *r, const char *url)
{
    switch (r->err) {
    case ATT_HTTP_ETIMEOUT:
    case ATT_HTTP_ENETWORK: att_error_push(L, "network", 0, url, r->errmsg, r->retryable, NULL, 0); break;
    case ATT_HTTP_ETOOBIG:
        att_error_push(L, "protocol", r->status, url, r->errmsg, 0, r->body.data, r->body.len);
        break;
    case ATT_HTTP_EAUTH: att_error_push(L, "auth", r->status, url, r->errmsg, 0, NULL, 0); break;
    case ATT_HTTP_EINTR: att_error_push(L, "interrupted", 0, url, r->errmsg, 0, NULL, 0); break;
    case ATT_HTTP_ELIMIT: att_error_push(L, "limit", 0, url, r->errmsg, 0, NULL, 0); break;
    default: att_error_push(L, "network", 0, url, r->errmsg[0] ? r->errmsg : "request failed", 0, NULL, 0); break;
    }
    set_attempts(L, r);
}

/* Text between <title> and </title>, if any. */
static int html_title(const char *body, size_t len, char *out, size_t outlen)
{
    const char *p = body, *end = body + len;
    for (; p + 7 <= end; p++) {
        if (strncasecmp(p, "<title>", 7) == 0) {
            const char *s = p + 7, *q = s;
            for (; q + 8 <= end; q++)
                if (strncasecmp(q, "</title>", 8) == 0) {
                    att_one_line(s, (size_t)(q - s), out, outlen);
                    return out[0] != '\0';
                }
            return 0;
        }
    }
    return 0;
}

void att_error_push_http(lua_State *L, const AttResponse *r, const char *url)
{
    static const char *const fields[] = {"message", "error_description", "detail", "title", "error", NULL};
    char msg[300];
    const char *code = NULL, *body;
    size_t len;
    int top = lua_gettop(L);

    /* Every message below is taken from the body redacted whole: a server that echoes the
     * credential cannot get a piece of it past a cut. */
    att_api_push_clean(L, r->body.data ? r->body.data : "", r->body.len);
    body = lua_tolstring(L, -1, &len);
    msg[0] = '\0';
    if (len > 0 && att_json_decode(L, body, len) && lua_type(L, -1) == LUA_TTABLE) {
        int t = lua_gettop(L), i;
        for (i = 0; fields[i] && !msg[0]; i++) {
            lua_getfield(L, t, fields[i]);
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t n;
                const char *s = lua_tolstring(L, -1, &n);
                att_one_line(s, n, msg, sizeof msg);
            } else if (lua_type(L, -1) == LUA_TTABLE) { /* {"error": {"message": ...}} */
                lua_getfield(L, -1, "message");
                if (lua_type(L, -1) == LUA_TSTRING) {
                    size_t n;
                    const char *s = lua_tolstring(L, -1, &n);
                    att_one_line(s, n, msg, sizeof msg);
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_getfield(L, t, "code");
        if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) code = lua_tostring(L, -1);
        /* code stays on the stack (above top) until we are done */
    } else if (len > 0 && !html_title(body, len, msg, sizeof msg)) {
        if (!memchr(body, '<', len < 64 ? len : 64)) att_one_line(body, len, msg, sizeof msg);
    }
    if (!msg[0]) snprintf(msg, sizeof msg, "%s", att_http_reason(r->status));

    att_error_push(L, "http", r->status, url, msg, att_retry_classify(r->status, ATT_FAIL_NONE).retryable, body, len);
    set_attempts(L, r);
    if (code) {
        att_api_push_clean(L, code, strlen(code));
        lua_setfield(L, -2, "code");
    }
    lua_replace(L, top + 1); /* the object takes the place of the clean body */
    lua_settop(L, top + 1);
}
