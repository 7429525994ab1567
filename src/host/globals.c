/* globals.c — the run's global table warns once per name about reads of globals never assigned
 * (see globals.h). The names already assigned or warned about live in a table that is the upvalue
 * of both metamethods, not in a global. */
#include "host/globals.h"

#include <lauxlib.h>
#include <string.h>

#include "bind/api.h"

/* Whether the function at level 1 (the reader) is one whose reads are checked: Lua code of the
 * user's, not C, a bundled module or the prompt (upvalue 2 of __index). Sets *ar. */
static int checked_reader(lua_State *L, lua_Debug *ar)
{
    if (!lua_getstack(L, 1, ar) || !lua_getinfo(L, "Sl", ar) || ar->currentline < 0) return 0;
    if (strncmp(ar->source, "@lua/att/", 9) == 0) return 0; /* att's own modules probe on purpose */
    if (*(const int *)lua_touserdata(L, lua_upvalueindex(2)) && strcmp(ar->source, "=stdin") == 0)
        return 0; /* the prompt shows the nil at once */
    return 1;
}

/* __index(t, k), upvalue 1: the names known, 2: the prompt flag. The value is nil either way. */
static int global_index(lua_State *L)
{
    lua_Debug ar;
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL && checked_reader(L, &ar)) {
            lua_pushvalue(L, 2);
            lua_pushboolean(L, 1);
            lua_rawset(L, lua_upvalueindex(1)); /* once per name */
            att_api_warn(L, "%s:%d: read of undefined global '%s'", ar.short_src, ar.currentline, lua_tostring(L, 2));
        }
    }
    lua_pushnil(L);
    return 1;
}

/* __newindex(t, k, v), upvalue 1: the names known. */
static int global_newindex(lua_State *L)
{
    lua_settop(L, 3);
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        lua_pushboolean(L, 1);
        lua_rawset(L, lua_upvalueindex(1));
    }
    lua_rawset(L, 1);
    return 0;
}

void att_globals_install(lua_State *L, const int *prompt)
{
    lua_pushglobaltable(L);
    lua_createtable(L, 0, 2); /* the metatable */
    lua_newtable(L);          /* the names known */
    lua_pushvalue(L, -1);
    lua_pushlightuserdata(L, (void *)prompt);
    lua_pushcclosure(L, global_index, 2);
    lua_setfield(L, -3, "__index");
    lua_pushcclosure(L, global_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}
