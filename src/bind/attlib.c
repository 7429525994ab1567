/* attlib.c — module att: search, request, parallel, null, json, config, configure, stats,
 * is_error, version, and the lazily loaded bundled modules (rows, query, report, args, pretty). */
#include <lauxlib.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/auth.h"
#include "bind/error.h"
#include "bind/api.h"
#include "bind/json.h"
#include "bind/options.h"
#include "bind/exchange.h"
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
        att_exchange_start(L, 0, method, path, body, NULL);
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
        static const AttOpt OPTS[] = {{"concurrency", ATT_OPT_INT, 1, 64, NULL, ATT_OPT_NONE, 0},
                                      {NULL, ATT_OPT_INT, 0, 0, NULL, 0, 0}};
        luaL_checktype(L, 2, LUA_TTABLE);
        att_opts_check(L, 2, "att.parallel", "", "option", OPTS);
        if (lua_getfield(L, 2, "concurrency") != LUA_TNIL) {
            conc = lua_tointeger(L, -1);
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
    lua_pushinteger(L, c->window);
    lua_setfield(L, -2, "window");
    lua_pushboolean(L, c->adaptive);
    lua_setfield(L, -2, "adaptive");
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

/* The settings att.configure takes, where they go, and which --safe freezes (the others it only
 * lets a script lower). */
#define CFG(f) offsetof(AttApiConfig, f)
static const AttOpt SETTINGS[] = {
    {"base_url", ATT_OPT_URL, 0, 0, NULL, CFG(base_url), 1},
    {"appname", ATT_OPT_HEADER, 0, 0, NULL, CFG(appname), 1},
    {"timeout", ATT_OPT_SECONDS, 0, 86400, NULL, CFG(timeout), 0},
    {"connect_timeout", ATT_OPT_SECONDS, 0, 86400, NULL, CFG(connect_timeout), 0},
    {"stall_timeout", ATT_OPT_SECONDS, 0, 86400, NULL, CFG(stall_timeout), 0},
    {"max_response", ATT_OPT_SIZE, 1, 1e15, NULL, CFG(max_response), 0},
    {"retries", ATT_OPT_INT, 0, 100, NULL, CFG(retries), 0},
    {"max_wait", ATT_OPT_NUMBER, 0, HUGE_VAL, NULL, CFG(max_wait), 0},
    {"rate", ATT_OPT_NUMBER, 0, HUGE_VAL, NULL, CFG(rate), 0},
    {NULL, ATT_OPT_INT, 0, 0, NULL, 0, 0},
};

/* A limit as a bound: a rate of 0 means none at all. */
static double bound_of(const AttOpt *o, double v) { return strcmp(o->name, "rate") == 0 && v == 0 ? HUGE_VAL : v; }

/* Under --safe: where requests go and how they are identified are the user's; limits only go
 * down. Raises otherwise. [-0, +0, e] */
static void safe_change(lua_State *L, const AttOpt *o, const AttApiConfig *now, const AttApiConfig *next)
{
    char msg[200];
    if (o->frozen)
        luaL_error(L,
                   "att.configure: %s cannot be changed under --safe (where requests go and how they are identified "
                   "are the user's to choose)",
                   o->name);
    if (bound_of(o, att_opt_number(o, next)) > bound_of(o, att_opt_number(o, now))) {
        snprintf(msg, sizeof msg, "att.configure: %s can only be lowered under --safe (it is %.15g%s)", o->name,
                 att_opt_number(o, now), bound_of(o, att_opt_number(o, now)) == HUGE_VAL ? ": no limit" : "");
        luaL_error(L, "%s", msg);
    }
}

/* The password of a new base URL is a credential like the others: long enough, and known to the
 * redactor before anything is sent. [-0, +0, e] */
static void base_url_password(lua_State *L, AttApi *h, const char *u)
{
    char pw[1024];
    int shortpw, added;
    if (att_url_userinfo(u, NULL, 0, pw, sizeof pw) != 0) return;
    shortpw = strlen(pw) < ATT_SECRET_MIN;
    added = !shortpw && att_api_redact_url(h, u) == 0;
    memset(pw, 0, sizeof pw);
    if (shortpw) luaL_error(L, "att.configure: the password in base_url is shorter than %d characters", ATT_SECRET_MIN);
    if (!added) luaL_error(L, "att: out of memory");
}

/* att.configure{base_url=, appname=, timeout=, ...}: changes the settings of the requests that
 * follow (credentials stay what the environment or profile gave, with their origins). Everything
 * is checked before anything changes. */
static int l_configure(lua_State *L)
{
    AttApi *h = att_api_get(L);
    AttApiConfig c = h->cfg;
    const AttOpt *o;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    att_opts_check(L, 1, "att.configure", "", "setting", SETTINGS);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, "att.config.strings"); /* 2: keeps the strings alive */
    for (o = SETTINGS; o->name; o++) {
        AttApiConfig next = c;
        if (lua_getfield(L, 1, o->name) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        att_opt_store(L, -1, o, &next);
        if (h->cfg.safe) safe_change(L, o, &h->cfg, &next);
        if (o->kind == ATT_OPT_URL) base_url_password(L, h, lua_tostring(L, -1));
        c = next;
        lua_setfield(L, 2, o->name);
    }
    h->cfg = c;
    att_api_new_settings(L); /* requests from now on; a scan in progress keeps its own client */
    return 0;
}

void att_copy_table(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

/* att.last_search() -> a copy of the params of the run's most recent att.search, or nil (what
 * the database writers record in att_runs.request by default). */
static int l_last_search(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, ATT_LAST_SEARCH_KEY) != LUA_TTABLE) return 0;
    att_copy_table(L, -1);
    return 1;
}

/* att.stats() -> {requests=, attempts=, retries=, bytes=, connections=, token_fetches=, memory=,
 * peak_memory=}: every client of the run since it started, and the Lua heap. */
static int l_stats(lua_State *L)
{
    AttApi *h = att_api_get(L);
    AttHttpCounters n;
    long fetches;
    att_api_counters(h, &n, &fetches);
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
    lua_pushinteger(L, fetches);
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

/* __index of the att table: att.rows, att.query, att.report, att.args, att.pretty, att.path and
 * att.diff load their bundled modules on first use, att.sqlite the host's binding (so that scripts
 * that do not use them pay nothing). */
static int l_lazy(lua_State *L)
{
    static const char *const lazy[] = {"rows", "query", "report", "args", "pretty", "path", "diff", "sqlite", NULL};
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
        {"search", att_results_search}, {"request", l_request},         {"parallel", l_parallel},
        {"config", l_config},           {"configure", l_configure},     {"stats", l_stats},
        {"is_error", l_is_error},       {"last_search", l_last_search}, {NULL, NULL}};
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
