/* results_walk.c — r:accounts(), r:subscribers(), r:products(): iterators over the records at
 * one level of a scan, each with its parents up to the individual, driven by the scan's own step
 * (att_results_next), so that they page exactly as iterating the individuals does. */
#include <lauxlib.h>

#include "bind/results.h"

static const char *const LEVEL_FIELD[] = {"accounts", "subscribers", "products"};
#define W_IDX 10 /* the walker state table keeps items at 0..3 and indices at 11..13 */

/* Iterator for depth D (1 accounts, 2 subscribers, 3 products): yields the item at depth D and its
 * parents up to the individual. Upvalues: the Results, the state table, D. */
static int walk_iter(lua_State *L)
{
    int st = lua_upvalueindex(2);
    int depth = (int)lua_tointeger(L, lua_upvalueindex(3));
    int k = depth, top = lua_gettop(L);

    for (;;) {
        lua_Integer i;
        int t;
        lua_settop(L, top);
        if (k == 0) {
            lua_pushvalue(L, lua_upvalueindex(1));
            if (!att_results_next(L, top + 1)) return 0;
            lua_rawseti(L, st, 0);
            lua_pushinteger(L, 0);
            lua_rawseti(L, st, W_IDX + 1);
            k = 1;
            continue;
        }
        if (lua_rawgeti(L, st, k - 1) != LUA_TTABLE) { /* no parent yet */
            k--;
            continue;
        }
        lua_getfield(L, -1, LEVEL_FIELD[k - 1]); /* the parent's array */
        lua_rawgeti(L, st, W_IDX + k);
        i = lua_tointeger(L, -1) + 1;
        lua_pop(L, 1);
        t = lua_type(L, -1) == LUA_TTABLE ? lua_rawgeti(L, -1, i) : LUA_TNIL;
        if (t == LUA_TNIL) { /* level k used up: advance its parent */
            lua_pushnil(L);
            lua_rawseti(L, st, k - 1);
            k--;
            continue;
        }
        lua_pushinteger(L, i);
        lua_rawseti(L, st, W_IDX + k);
        if (t != LUA_TTABLE) continue; /* a null item: skip it */
        lua_rawseti(L, st, k);
        if (k == depth) break;
        lua_pushinteger(L, 0);
        lua_rawseti(L, st, W_IDX + k + 1);
        k++;
    }
    lua_settop(L, top);
    for (k = depth; k >= 0; k--) lua_rawgeti(L, st, k);
    return depth + 1;
}

static int make_walker(lua_State *L, int depth)
{
    static const char *const PATH[] = {"accounts", "accounts.subscribers", "accounts.subscribers.products"};
    if (!att_results_keeps(L, 1, PATH[depth - 1]))
        return luaL_error(L, "att.Results:%s(): opts.fields keeps nothing under %s (add a path such as \"%s.id\")",
                          LEVEL_FIELD[depth - 1], PATH[depth - 1], PATH[depth - 1]);
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    lua_newtable(L);
    lua_pushinteger(L, depth);
    lua_pushcclosure(L, walk_iter, 3);
    lua_pushnil(L);
    lua_pushnil(L);
    att_results_loop(L, 1); /* the to-be-closed fourth value, as io.lines gives */
    return 4;               /* above the Results at 1 */
}
static int results_accounts(lua_State *L) { return make_walker(L, 1); }
static int results_subscribers(lua_State *L) { return make_walker(L, 2); }
static int results_products(lua_State *L) { return make_walker(L, 3); }

void att_results_walkers(lua_State *L)
{
    static const luaL_Reg walkers[] = {{"accounts", results_accounts},
                                       {"subscribers", results_subscribers},
                                       {"products", results_products},
                                       {NULL, NULL}};
    luaL_setfuncs(L, walkers, 0);
}
