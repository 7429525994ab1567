/* att.c — module att: search, request, null, json, config, stats, version. */
#include <lauxlib.h>
#include <ctype.h>
#include <string.h>

#include "core/auth.h"
#include "bind/error.h"
#include "bind/api.h"
#include "bind/json.h"
#include "bind/results.h"
#include "core/text.h"

/* Under --safe, att.request and att.parallel may use only the methods the user allowed
 * (--allow-method; GET and POST by default). Raises otherwise. [-0, +0, e] */
static void check_method(lua_State *L, const char *who, const char *method)
{
    const AttApiConfig *c = &att_api_get(L)->cfg;
    const char *allowed = c->allow_methods ? c->allow_methods : "GET,POST", *p = allowed;
    size_t n = strlen(method);
    if (!c->safe) return;
    while (*p) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, method, n) == 0) return;
        p += k;
        if (*p == ',') p++;
    }
    luaL_error(L, "%s: method %s is not allowed under --safe (allowed: %s; allow more with --allow-method %s)", who,
               method, allowed, method);
}

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
    {
        char why[160];
        if (att_path_check(path, why, sizeof why) != 0) luaL_argerror(L, 2, why);
    }
    check_method(L, "att.request", method);
    luaL_argcheck(L, t == LUA_TNONE || t == LUA_TNIL || t == LUA_TSTRING || t == LUA_TTABLE, 3,
                  "must be a table, a string or nil");
    lua_settop(L, 3);
    if (!att_exchange(L, method, path, t == LUA_TNONE || t == LUA_TNIL ? 0 : 3, 1, &ex)) return lua_error(L);
    lua_pushinteger(L, ex->resp.status);
    return 2;
}

/* Pushes the request of list item i as (method, path, body) and returns the body's index (0 for
 * none). An item is {method, path [, body]} (positional or named), or a table of search
 * parameters (no method): one page of POST /v1/customers/search. [-0, +3, e] */
static int push_item(lua_State *L, int list, lua_Integer i, const char **method, const char **path)
{
    int item;
    lua_rawgeti(L, list, i);
    item = lua_gettop(L);
    if (!lua_istable(L, item)) luaL_error(L, "att.parallel: item %d is not a table", (int)i);
    if (lua_getfield(L, item, "method") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_rawgeti(L, item, 1);
    }
    if (lua_isnil(L, -1)) { /* search parameters */
        lua_pop(L, 1);
        *method = "POST";
        *path = ATT_SEARCH_PATH;
        return item;
    }
    *method = lua_tostring(L, -1);
    if (lua_getfield(L, item, "path") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_rawgeti(L, item, 2);
    }
    *path = lua_tostring(L, -1);
    if (!*method || !att_http_method_ok(*method) || !*path || (*path)[0] != '/')
        luaL_error(L, "att.parallel: item %d needs an upper-case method and a path starting with '/'", (int)i);
    check_method(L, "att.parallel", *method);
    if (lua_getfield(L, item, "body") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_rawgeti(L, item, 3);
    }
    return lua_isnil(L, -1) ? 0 : lua_gettop(L);
}

/* Starts items next.. while fewer than conc are in flight; boxes go to the table at index 4. */
static void start_more(lua_State *L, lua_Integer n, lua_Integer conc, lua_Integer *next, int *inflight)
{
    while (*inflight < conc && *next <= n) {
        const char *method, *path;
        int top = lua_gettop(L), body = push_item(L, 1, *next, &method, &path);
        att_exchange_start(L, method, path, body);
        lua_rawseti(L, 4, *next);
        lua_settop(L, top);
        (*inflight)++;
        (*next)++;
    }
}

/* att.parallel(items [, {concurrency = N}]) -> results, errors
 * Runs independent requests concurrently (at most N at once, default 8), with the usual retries,
 * pacing and auth. results[i] is item i's decoded JSON; when item i failed, errors[i] holds its
 * error object instead (the others are not lost). Both are in input order. */
static int l_parallel(lua_State *L)
{
    lua_Integer n, next = 1, i, conc = 8;
    int inflight = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        if (lua_getfield(L, 2, "concurrency") != LUA_TNIL) {
            int isint = 0;
            conc = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
            if (!isint || conc < 1 || conc > 64)
                return luaL_error(L, "att.parallel: concurrency must be an integer from 1 to 64");
            if (att_api_get(L)->cfg.safe && conc > att_api_get(L)->cfg.window)
                return luaL_error(L,
                                  "att.parallel: concurrency %d is above the window of %d, which a --safe script "
                                  "cannot raise",
                                  (int)conc, att_api_get(L)->cfg.window);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 1);
    n = (lua_Integer)lua_rawlen(L, 1);
    lua_createtable(L, (int)n, 0); /* 2: results */
    lua_createtable(L, 0, 0);      /* 3: errors */
    lua_createtable(L, (int)n, 0); /* 4: boxes in flight, by index */
    for (i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 4, i) == LUA_TNIL) { /* start items up to the bound */
            lua_pop(L, 1);
            start_more(L, n, conc, &next, &inflight);
            lua_rawgeti(L, 4, i);
        }
        { /* then wait for item i, in order */
            AttExchange *ex = luaL_checkudata(L, -1, ATT_EXCHANGE_MT);
            int ok = att_exchange_finish(L, ex, 1);
            lua_rawseti(L, ok ? 2 : 3, i);
            lua_pop(L, 1);
            lua_pushnil(L);
            lua_rawseti(L, 4, i);
            inflight--;
        }
        start_more(L, n, conc, &next, &inflight); /* keep the window full */
    }
    lua_settop(L, 3);
    return 2;
}

/* att.config() -> the effective configuration (never a credential, nor the user info of a URL). */
static int l_config(lua_State *L)
{
    const AttApiConfig *c = &att_api_get(L)->cfg;
    char shown[2048];
    att_url_strip_userinfo(c->base_url, shown, sizeof shown);
    lua_createtable(L, 0, 7);
    lua_pushstring(L, shown);
    lua_setfield(L, -2, "base_url");
    lua_pushstring(L, shown);
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
    lua_pushinteger(L, c->retries);
    lua_setfield(L, -2, "retries");
    lua_pushnumber(L, c->max_wait);
    lua_setfield(L, -2, "max_wait");
    lua_pushnumber(L, c->rate);
    lua_setfield(L, -2, "rate");
    lua_pushnumber(L, c->stall_timeout);
    lua_setfield(L, -2, "stall_timeout");
    {
        /* The kind of credential requests to the current base URL carry. */
        char origin[300];
        int own = c->cred_origin && att_url_origin(c->base_url, origin, sizeof origin) == 0 &&
                  strcmp(origin, c->cred_origin) == 0;
        int i, other = -1;
        for (i = 0; !own && i < c->nothers && other < 0; i++)
            if (att_url_origin(c->base_url, origin, sizeof origin) == 0 && strcmp(origin, c->others[i].origin) == 0)
                other = i;
        lua_pushstring(L, own          ? (c->token_url            ? "oauth"
                                          : c->token && *c->token ? "token"
                                                                  : "none")
                          : other >= 0 ? (c->others[other].token_url ? "oauth" : "token")
                                       : "none");
        lua_setfield(L, -2, "auth");
    }
    lua_pushboolean(L, c->safe);
    lua_setfield(L, -2, "safe");
    return 1;
}

/* Keeps a string alive for the life of the state (the configuration borrows it). [-0, +0, m] */
static const char *keep_string(lua_State *L, int idx, const char *name)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, "att.config.strings");
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    return lua_tostring(L, idx);
}

static double positive_seconds(lua_State *L, int idx, const char *name)
{
    double v = (double)lua_tonumber(L, idx);
    if (lua_type(L, idx) != LUA_TNUMBER || !(v > 0) || v > 86400)
        luaL_error(L, "att.configure: %s must be a number of seconds > 0", name);
    return v;
}

/* Under --safe a limit can only be lowered. */
static void lower_only(lua_State *L, const char *name, double now, double v)
{
    if (att_api_get(L)->cfg.safe && v > now) {
        char msg[160];
        snprintf(msg, sizeof msg, "att.configure: %s can only be lowered under --safe (it is %g)", name, now);
        luaL_error(L, "%s", msg);
    }
}

/* att.configure{base_url=, appname=, timeout=, connect_timeout=, max_response=, retries=, max_wait=,
 * rate=, stall_timeout=}: changes the configuration for the requests that follow (credentials
 * stay what the environment or profile gave). */
static int l_configure(lua_State *L)
{
    static const char *const known[] = {"base_url", "appname",  "timeout", "connect_timeout", "max_response",
                                        "retries",  "max_wait", "rate",    "stall_timeout",   NULL};
    AttApi *h = att_api_get(L);
    AttApiConfig c = h->cfg;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        int k = 0;
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        for (; known[k] && strcmp(known[k], key) != 0; k++) {}
        if ((k == 0 || k == 1) && h->cfg.safe)
            return luaL_error(L,
                              "att.configure: %s cannot be changed under --safe (where requests go and how they "
                              "are identified are the user's to choose)",
                              key);
        switch (k) {
        case 0: {
            const char *u = lua_tostring(L, -1);
            char origin[300], pw[1024];
            if (lua_type(L, -1) != LUA_TSTRING || att_url_origin(u, origin, sizeof origin) != 0 ||
                !att_header_value_ok(u, strlen(u)) || strchr(u, ' '))
                return luaL_error(L, "att.configure: base_url must be an http:// or https:// URL with a host");
            if (att_url_userinfo(u, NULL, 0, pw, sizeof pw) == 0) {
                int shortpw = strlen(pw) < ATT_SECRET_MIN;
                int added = !shortpw && att_api_redact_url(h, u) == 0;
                memset(pw, 0, sizeof pw);
                if (shortpw)
                    return luaL_error(L, "att.configure: the password in base_url is shorter than %d characters",
                                      ATT_SECRET_MIN);
                if (!added) return luaL_error(L, "att: out of memory");
            }
            c.base_url = u;
            break;
        }
        case 1:
            if (lua_type(L, -1) != LUA_TSTRING && !att_json_isnull(L, -1) && lua_toboolean(L, -1))
                return luaL_error(L, "att.configure: appname must be a string (or false to send none)");
            c.appname = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (c.appname && !att_header_value_ok(c.appname, lua_rawlen(L, -1)))
                return luaL_error(L, "att.configure: appname must not contain control characters (CR, LF, tab ...)");
            break;
        case 2:
            c.timeout = positive_seconds(L, -1, "timeout");
            lower_only(L, "timeout", h->cfg.timeout, c.timeout);
            break;
        case 3:
            c.connect_timeout = positive_seconds(L, -1, "connect_timeout");
            lower_only(L, "connect_timeout", h->cfg.connect_timeout, c.connect_timeout);
            break;
        case 4:
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
                return luaL_error(L, "att.configure: max_response must be an integer number of bytes >= 1");
            c.max_response = (size_t)lua_tointeger(L, -1);
            lower_only(L, "max_response", (double)h->cfg.max_response, (double)c.max_response);
            break;
        case 5:
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 100)
                return luaL_error(L, "att.configure: retries must be an integer from 0 to 100");
            c.retries = (int)lua_tointeger(L, -1);
            lower_only(L, "retries", h->cfg.retries, c.retries);
            break;
        case 6:
            if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) < 0)
                return luaL_error(L, "att.configure: max_wait must be a number of seconds >= 0");
            c.max_wait = (double)lua_tonumber(L, -1);
            lower_only(L, "max_wait", h->cfg.max_wait, c.max_wait);
            break;
        case 7:
            if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) < 0)
                return luaL_error(L, "att.configure: rate must be requests per second >= 0 (0: no limit)");
            c.rate = (double)lua_tonumber(L, -1);
            /* a rate is lowered by a smaller number, and 0 means no limit at all */
            if (h->cfg.safe && h->cfg.rate > 0 && (c.rate == 0 || c.rate > h->cfg.rate)) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "att.configure: rate can only be lowered under --safe (it is %g requests per "
                         "second; 0 would mean no limit)",
                         h->cfg.rate);
                return luaL_error(L, "%s", msg);
            }
            break;
        case 8:
            c.stall_timeout = positive_seconds(L, -1, "stall_timeout");
            lower_only(L, "stall_timeout", h->cfg.stall_timeout, c.stall_timeout);
            break;
        default: return luaL_error(L, "att.configure: unknown setting %s", luaL_tolstring(L, -2, NULL));
        }
        lua_pop(L, 1);
    }
    /* Everything checked: apply. Strings are kept in the registry, the old client is replaced. */
    if (lua_getfield(L, 1, "base_url") == LUA_TSTRING) c.base_url = keep_string(L, -1, "base_url");
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "appname") == LUA_TSTRING) c.appname = keep_string(L, -1, "appname");
    lua_pop(L, 1);
    h->cfg = c;
    att_http_free(h->http);
    h->http = NULL;
    return 0;
}

/* att.stats() -> {requests=, bytes=, connections=, memory=, peak_memory=} for the HTTP client in
 * use and the Lua heap. */
static int l_stats(lua_State *L)
{
    AttApi *h = att_api_get(L);
    AttHttpCounters n;
    att_http_counters(h->http, &n);
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, n.connects);
    lua_setfield(L, -2, "connections");
    lua_pushinteger(L, n.requests);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, n.attempts);
    lua_setfield(L, -2, "attempts");
    lua_pushinteger(L, n.retries);
    lua_setfield(L, -2, "retries");
    lua_pushinteger(L, n.bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, h->token_fetches + att_auth_fetches(h->auth));
    lua_setfield(L, -2, "token_fetches");
    /* the Lua heap now, and the most the run has held in all (the budget of --max-memory) */
    lua_pushinteger(L, (lua_Integer)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + lua_gc(L, LUA_GCCOUNTB, 0));
    lua_setfield(L, -2, "memory");
    lua_pushinteger(L, (lua_Integer)(h->budget ? h->budget->peak : 0));
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

/* __index of the att table: att.rows, att.query, att.report, att.args and att.pretty load their
 * bundled modules on first use (so that scripts that do not use them pay nothing). */
static int l_lazy(lua_State *L)
{
    static const char *const lazy[] = {"rows", "query", "report", "args", "pretty", NULL};
    const char *k = lua_tostring(L, 2);
    int i;
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    for (i = 0; lazy[i] && strcmp(lazy[i], k) != 0; i++) {}
    if (!lazy[i]) return 0;
    lua_getglobal(L, "require");
    lua_pushfstring(L, "att.%s", k);
    lua_call(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

int att_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"search", att_results_search}, {"request", l_request}, {"parallel", l_parallel}, {"config", l_config},
        {"configure", l_configure},     {"stats", l_stats},     {"is_error", l_is_error}, {NULL, NULL}};
    att_error_init(L);
    att_results_init(L);
    luaL_newlib(L, fns);
    att_json_pushnull(L);
    lua_setfield(L, -2, "null");
    att_json_open(L);
    lua_setfield(L, -2, "json");
    lua_pushliteral(L, ATT_VERSION);
    lua_setfield(L, -2, "version");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_lazy);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    return 1;
}
