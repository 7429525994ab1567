/* results_proj.c — what a search builds of each record when the script did not say (opts.fields):
 * r:project(paths) is how the bundled pipeline modules (att.plan) tell a Results, before its
 * first request, which fields the pipeline reads; r:projection() says what it builds. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "bind/api.h"
#include "bind/json.h"
#include "bind/results.h"
#include "bind/results_impl.h"
#include "common/buf.h"
#include "core/text.h"

#define SHOWN 12 /* paths named by --verbose */

/* The list of key lists at idx as dotted strings, pushed as a new list. [-0, +1, m] */
static void push_dotted(lua_State *L, int idx)
{
    lua_Integer i, j, n = (lua_Integer)lua_rawlen(L, idx);
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; i++) {
        luaL_Buffer b;
        lua_Integer m;
        int sub;
        lua_rawgeti(L, idx, i);
        sub = lua_gettop(L);
        m = (lua_Integer)lua_rawlen(L, sub);
        luaL_buffinit(L, &b);
        for (j = 1; j <= m; j++) {
            if (j > 1) luaL_addchar(&b, '.');
            lua_rawgeti(L, sub, j);
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        lua_remove(L, sub);
        lua_rawseti(L, -2, i);
    }
}

/* --verbose: what the search builds, on one line. */
static void say(lua_State *L, int list, const char *why)
{
    AttBuf b = {0};
    lua_Integer i, n;
    if (!att_api_get(L)->cfg.verbose) return;
    if (why) {
        att_text_escape(why, strlen(why), &b);
        fprintf(stderr, "att: the search builds whole records: %.*s\n", (int)b.len, b.data ? b.data : "");
        att_buf_free(&b);
        return;
    }
    n = (lua_Integer)lua_rawlen(L, list);
    for (i = 1; i <= n && i <= SHOWN; i++) {
        size_t len;
        const char *s;
        lua_rawgeti(L, list, i);
        s = lua_tolstring(L, -1, &len);
        if (i > 1) att_buf_add(&b, ", ", 2);
        att_text_escape(s, len, &b);
        lua_pop(L, 1);
    }
    fprintf(stderr, "att: the search builds only the %d field%s the script reads: %.*s%s\n", (int)n, n == 1 ? "" : "s",
            (int)b.len, b.data ? b.data : "", n > SHOWN ? ", ..." : "");
    att_buf_free(&b);
}

/* r:project(paths) -> true | false, reason: paths is a list of paths, each a list of keys
 * ({"accounts", "billingMarket"}); from the next request on, only those fields (and each
 * individual's id) are built, as with opts.fields. r:project(false, why): whole records (said with
 * --verbose). Only the first call before the scan's first request decides; opts.fields and
 * opts.project = false decide at att.search. */
static int results_project(lua_State *L)
{
    Results *r = luaL_checkudata(L, 1, ATT_RESULTS_MT);
    const char *no = NULL;
    AttProj *p;
    if (lua_toboolean(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    if (r->proj_decided)
        no = r->proj ? "opts.fields or an earlier r:project decided what is built"
                     : "opts.project is false, or whole records were asked for";
    else if (r->state != SCAN_NEW)
        no = "the scan has started";
    if (no) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, no);
        return 2;
    }
    if (!lua_toboolean(L, 2)) {
        r->proj_decided = 1;
        say(L, 0, luaL_optstring(L, 3, "whole records were asked for"));
        lua_pushboolean(L, 0);
        lua_pushstring(L, "whole records were asked for");
        return 2;
    }
    lua_settop(L, 2);
    p = att_proj_compile_keys(L, 2, "att.Results:project"); /* 3 */
    push_dotted(L, 2);                                      /* 4 */
    lua_setiuservalue(L, 1, UV_FIELDS);
    lua_setiuservalue(L, 1, UV_PROJ);
    r->proj = p; /* kept alive by UV_PROJ */
    r->proj_decided = 1;
    lua_getiuservalue(L, 1, UV_FIELDS);
    say(L, 3, NULL);
    lua_pushboolean(L, 1);
    return 1;
}

/* r:projection() -> the list of the dotted paths the search builds (opts.fields' or those told by
 * r:project), or nil when it builds whole records. */
static int results_projection(lua_State *L)
{
    const Results *r = luaL_checkudata(L, 1, ATT_RESULTS_MT);
    lua_Integer i, n;
    if (!r->proj || lua_getiuservalue(L, 1, UV_FIELDS) != LUA_TTABLE) {
        lua_pushnil(L);
        return 1;
    }
    n = (lua_Integer)lua_rawlen(L, -1);
    lua_createtable(L, (int)n, 0);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

void att_results_projection(lua_State *L)
{
    static const luaL_Reg methods[] = {{"project", results_project}, {"projection", results_projection}, {NULL, NULL}};
    luaL_setfuncs(L, methods, 0);
}
