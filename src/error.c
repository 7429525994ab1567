/* error.c — the att error object (see error.h). */
#include "error.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "host.h"
#include "json.h"

int att_error_status_retryable(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

void att_one_line(const char *src, size_t n, char *dst, size_t dstlen)
{
    size_t i = 0, o = 0;
    if (dstlen == 0) return;
    while (i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n')) i++;
    for (; i < n && o + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '\n' || c == '\r') break;
        dst[o++] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    if (i < n && o > 0) {
        /* Cut short: drop a trailing UTF-8 sequence that lost its end. */
        size_t lead = o - 1, want;
        unsigned char c;
        while (lead > 0 && ((unsigned char)dst[lead] & 0xC0) == 0x80) lead--;
        c = (unsigned char)dst[lead];
        want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (o - lead < want) o = lead;
    }
    while (o > 0 && dst[o - 1] == ' ') o--;
    dst[o] = '\0';
}

void att_push_redacted(lua_State *L, const char *s, size_t n, const char *secret)
{
    size_t k = secret ? strlen(secret) : 0;
    luaL_Buffer b;
    size_t i = 0;
    if (k == 0) { lua_pushlstring(L, s, n); return; }
    luaL_buffinit(L, &b);
    while (i < n) {
        if (n - i >= k && memcmp(s + i, secret, k) == 0) {
            luaL_addstring(&b, "[REDACTED]");
            i += k;
        } else {
            luaL_addchar(&b, s[i]);
            i++;
        }
    }
    luaL_pushresult(&b);
}

/* Pushes s[0..n) with every secret of the host redacted. [-0, +1, m] */
static void push_clean(lua_State *L, const char *s, size_t n)
{
    const char *secrets[ATT_MAX_SECRETS];
    AttHost *h = att_host_get(L);
    int k = h ? att_host_secrets(h, secrets, ATT_MAX_SECRETS) : 0, i;
    lua_pushlstring(L, s, n);
    for (i = 0; i < k; i++) {
        size_t len;
        const char *cur = lua_tolstring(L, -1, &len);
        att_push_redacted(L, cur, len, secrets[i]);
        lua_remove(L, -2);
    }
}

/* __tostring: "att: HTTP 400 from URL: message" and the like. */
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
        lua_pushfstring(L, "att: HTTP %d from %s: %s", (int)status, url, msg);
    else if (strcmp(kind, "network") == 0)
        lua_pushfstring(L, "att: network error on %s: %s", url, msg);
    else if (strcmp(kind, "json") == 0)
        lua_pushfstring(L, "att: invalid JSON from %s: %s", url, msg);
    else if (strcmp(kind, "protocol") == 0)
        lua_pushfstring(L, "att: unexpected response from %s: %s", url, msg);
    else if (strcmp(kind, "auth") == 0)
        lua_pushfstring(L, "att: authentication failed for %s: %s", url, msg);
    else if (strcmp(kind, "interrupted") == 0)
        lua_pushfstring(L, "att: interrupted during %s", url);
    else
        lua_pushfstring(L, "att: %s error on %s: %s", kind, url, msg);
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

void att_error_push(lua_State *L, const char *kind, long status, const char *url, const char *message,
                    int retryable, const char *body, size_t body_len)
{
    luaL_checkstack(L, 6, NULL);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    if (status > 0) {
        lua_pushinteger(L, status);
        lua_setfield(L, -2, "status");
    }
    push_clean(L, message, strlen(message));
    lua_setfield(L, -2, "message");
    lua_pushboolean(L, retryable);
    lua_setfield(L, -2, "retryable");
    lua_pushstring(L, url);
    lua_setfield(L, -2, "url");
    if (body && body_len > 0) {
        size_t n = body_len > ATT_ERROR_BODY_MAX ? ATT_ERROR_BODY_MAX : body_len;
        push_clean(L, body, n);
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
    case ATT_HTTP_ENETWORK:
        att_error_push(L, "network", 0, url, r->errmsg, r->retryable, NULL, 0);
        break;
    case ATT_HTTP_ETOOBIG:
        att_error_push(L, "protocol", r->status, url, r->errmsg, 0, r->body, r->len);
        break;
    case ATT_HTTP_EAUTH:
        att_error_push(L, "auth", r->status, url, r->errmsg, 0, NULL, 0);
        break;
    case ATT_HTTP_EINTR:
        att_error_push(L, "interrupted", 0, url, r->errmsg, 0, NULL, 0);
        break;
    default:
        att_error_push(L, "network", 0, url, r->errmsg[0] ? r->errmsg : "request failed", 0, NULL, 0);
        break;
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
    const char *code = NULL;
    int top = lua_gettop(L);

    msg[0] = '\0';
    if (r->len > 0 && att_json_decode(L, r->body, r->len) && lua_type(L, -1) == LUA_TTABLE) {
        int t = lua_gettop(L), i;
        for (i = 0; fields[i] && !msg[0]; i++) {
            lua_getfield(L, t, fields[i]);
            if (lua_type(L, -1) == LUA_TSTRING) {
                size_t n;
                const char *s = lua_tolstring(L, -1, &n);
                att_one_line(s, n, msg, sizeof msg);
            } else if (lua_type(L, -1) == LUA_TTABLE) {      /* {"error": {"message": ...}} */
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
    } else if (r->len > 0 && !html_title(r->body, r->len, msg, sizeof msg)) {
        if (!memchr(r->body, '<', r->len < 64 ? r->len : 64)) att_one_line(r->body, r->len, msg, sizeof msg);
    }
    if (!msg[0]) snprintf(msg, sizeof msg, "%s", att_http_reason(r->status));

    att_error_push(L, "http", r->status, url, msg, att_error_status_retryable(r->status), r->body, r->len);
    set_attempts(L, r);
    if (code) {
        lua_pushstring(L, code);
        lua_setfield(L, -2, "code");
    }
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}
