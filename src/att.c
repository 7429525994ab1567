/* att.c — module att: search, request, null, json, config, stats, version. */
#include <lauxlib.h>
#include <ctype.h>
#include <string.h>

#include "error.h"
#include "host.h"
#include "json.h"
#include "results.h"

/* att.request(method, path [, body]) -> decoded JSON (nil for an empty body), HTTP status.
 * path is joined to the base URL; body is a table (sent as JSON), a string (sent as is) or nil. */
static int l_request(lua_State *L)
{
    char method[17];
    size_t n, i;
    const char *m = luaL_checklstring(L, 1, &n);
    const char *path = luaL_checkstring(L, 2);
    AttExchange *ex;
    int t = lua_type(L, 3);

    luaL_argcheck(L, n > 0 && n < sizeof method, 1, "not an HTTP method");
    for (i = 0; i <= n; i++) method[i] = (char)toupper((unsigned char)m[i]);
    luaL_argcheck(L, att_http_method_ok(method), 1, "not an HTTP method");
    luaL_argcheck(L, path[0] == '/' && !strstr(path, "://"), 2,
                  "must be a path starting with '/', relative to the base URL");
    luaL_argcheck(L, t == LUA_TNONE || t == LUA_TNIL || t == LUA_TSTRING || t == LUA_TTABLE, 3,
                  "must be a table, a string or nil");
    lua_settop(L, 3);
    if (!att_exchange(L, method, path, t == LUA_TNONE || t == LUA_TNIL ? 0 : 3, 1, &ex))
        return lua_error(L);
    lua_pushinteger(L, ex->resp.status);
    return 2;
}

/* att.config() -> the effective configuration (never the token itself). */
static int l_config(lua_State *L)
{
    const AttConfig *c = &att_host_get(L)->cfg;
    lua_createtable(L, 0, 7);
    lua_pushstring(L, c->base_url);
    lua_setfield(L, -2, "base_url");
    lua_pushstring(L, c->base_url);
    lua_pushliteral(L, ATT_SEARCH_PATH);
    lua_concat(L, 2);
    lua_setfield(L, -2, "search_url");
    if (c->appname) {
        lua_pushstring(L, c->appname);
        lua_setfield(L, -2, "appname");
    }
    lua_pushboolean(L, c->token && *c->token);
    lua_setfield(L, -2, "token_set");
    lua_pushnumber(L, c->timeout);
    lua_setfield(L, -2, "timeout");
    lua_pushnumber(L, c->connect_timeout);
    lua_setfield(L, -2, "connect_timeout");
    lua_pushinteger(L, (lua_Integer)c->max_response);
    lua_setfield(L, -2, "max_response");
    return 1;
}

/* att.stats() -> {requests=, bytes=, memory=, peak_memory=} for the whole run. */
static int l_stats(lua_State *L)
{
    AttHost *h = att_host_get(L);
    long req, bytes;
    att_http_counters(h->http, &req, &bytes);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, req);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, (lua_Integer)h->mem_used);
    lua_setfield(L, -2, "memory");
    lua_pushinteger(L, (lua_Integer)h->mem_peak);
    lua_setfield(L, -2, "peak_memory");
    return 1;
}

/* att.is_error(v) -> true when v is an att error object. */
static int l_is_error(lua_State *L)
{
    int yes = 0;
    if (lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, ATT_ERROR_MT);
        yes = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, yes);
    return 1;
}

int att_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"search", att_results_search},
        {"request", l_request},
        {"config", l_config},
        {"stats", l_stats},
        {"is_error", l_is_error},
        {NULL, NULL}
    };
    att_error_init(L);
    att_results_init(L);
    luaL_newlib(L, fns);
    att_json_pushnull(L);
    lua_setfield(L, -2, "null");
    att_json_open(L);
    lua_setfield(L, -2, "json");
    lua_pushliteral(L, ATT_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
