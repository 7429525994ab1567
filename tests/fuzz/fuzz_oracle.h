/* fuzz_oracle.h — lua-cjson as the independent oracle for our JSON decoder (jdec.c).
 *
 * att itself no longer links lua-cjson; the fuzz targets do, only for this. The property: whatever
 * jdec accepts, lua-cjson accepts too (lua-cjson is laxer: "1.", "-.5", raw control characters in
 * strings, text after a NUL), with the same values. Debian's lua-cjson 2.1.0 decodes every number
 * as a float, so numbers are compared by kind:
 *   - a jdec integer within 2^53 equals lua-cjson's float exactly;
 *   - a jdec integer beyond 2^53 rounds to lua-cjson's float, and is exactly a number of the text:
 *     an integer the text spells (strtoll) or, for a fraction or exponent, its integral value;
 *   - a jdec float equals lua-cjson's float, and is the float of a number of the text that must
 *     be one: an integer spelt outside [-2^63, 2^63-1], or a fraction or exponent whose value is
 *     not integral or does not fit (so "9223372036854775807" made 2^63 would be caught).
 * "A number of the text" is counted: no value comes out more often than the text spells it.
 * Included by one .c per fuzz target; everything is static. */
#ifndef ATT_FUZZ_ORACLE_H
#define ATT_FUZZ_ORACLE_H

#include <errno.h>
#include <lauxlib.h>
#include <lua-cjson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bind/json.h"

static const char ORACLE_DECODE[] = "fuzz.oracle.decode", ORACLE_SAME_KEY[] = "fuzz.oracle.same";

/* Pushes the decode function of a private lua-cjson instance, made on first use and kept in the
 * registry, strict about numbers as att's own instance used to be. [-0, +1, e] */
static void oracle_push_decode(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, ORACLE_DECODE) == LUA_TFUNCTION) return;
    lua_pop(L, 1);
    luaopen_cjson(L); /* cjson */
    lua_getfield(L, -1, "new");
    lua_call(L, 0, 1); /* cjson, instance */
    lua_getfield(L, -1, "decode_invalid_numbers");
    lua_pushboolean(L, 0);
    lua_call(L, 1, 0);
    lua_getfield(L, -1, "decode");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ORACLE_DECODE);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

/* Counts one more of the value at the top (popped) in the multiset at idx. [-1, +0, m] */
static void oracle_count(lua_State *L, int idx)
{
    lua_pushvalue(L, -1);
    lua_pushinteger(L, (lua_Integer)(lua_rawget(L, idx) == LUA_TNIL ? 0 : lua_tointeger(L, -1)) + 1);
    lua_remove(L, -2);
    lua_rawset(L, idx);
}

/* Pushes two multisets (value -> how many times) of the numbers that the valid JSON text s[0..n)
 * spells, read independently of jdec: the exact integers (each number token without fraction or
 * exponent read with strtoll, when in range; each with one read with strtod, when its value is
 * integral and in range) and the floats (strtod of every other token). [-0, +2, m] */
static void oracle_push_numbers(lua_State *L, const char *s, size_t n)
{
    size_t i = 0;
    int ints, floats;
    lua_newtable(L);
    ints = lua_gettop(L);
    lua_newtable(L);
    floats = lua_gettop(L);
    while (i < n) {
        char c = s[i];
        if (c == '"') { /* a string: skip it, escapes included */
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i;
            int frac = 0;
            const char *tok;
            double d;
            while (j < n && s[j] != '\0' && strchr("-+.eE0123456789", s[j])) {
                frac |= s[j] == '.' || s[j] == 'e' || s[j] == 'E';
                j++;
            }
            lua_pushlstring(L, s + i, j - i); /* NUL-terminated for strtoll and strtod */
            tok = lua_tostring(L, -1);
            d = strtod(tok, NULL);
            if (!frac) {
                long long v;
                errno = 0;
                v = strtoll(tok, NULL, 10);
                if (errno != ERANGE) {
                    lua_pushinteger(L, (lua_Integer)v);
                    oracle_count(L, ints);
                } else {
                    lua_pushnumber(L, (lua_Number)d);
                    oracle_count(L, floats);
                }
            } else if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
                lua_pushinteger(L, (lua_Integer)d);
                oracle_count(L, ints);
            } else {
                lua_pushnumber(L, (lua_Number)d);
                oracle_count(L, floats);
            }
            lua_pop(L, 1);
            i = j;
        } else {
            i++;
        }
    }
}

/* Each number of ours takes one of its kind from the multisets: a value can come from the text no
 * more often than the text spells it (fewer is possible: a repeated key keeps its last value). */
static const char ORACLE_SAME[] = "local ours, theirs, exact, floats = ...\n"
                                  "local function take(set, v)\n"
                                  "  local c = set[v]\n"
                                  "  if not c or c == 0 then return false end\n"
                                  "  set[v] = c - 1\n"
                                  "  return true\n"
                                  "end\n"
                                  "local function same(a, b)\n"
                                  "  local ta = math.type(a)\n"
                                  "  if ta == 'integer' then\n"
                                  "    if math.type(b) == nil then return false end\n"
                                  "    if a >= -(1 << 53) and a <= 1 << 53 then return a == b end\n"
                                  "    return a + 0.0 == b and take(exact, a)\n"
                                  "  elseif ta == 'float' then\n"
                                  "    return math.type(b) == 'float' and a == b and take(floats, a)\n"
                                  "  end\n"
                                  "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end\n"
                                  "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
                                  "  for k in pairs(b) do if a[k] == nil then return false end end\n"
                                  "  return true\n"
                                  "end\n"
                                  "return same(ours, theirs)";

/* Decodes s[0..n) with jdec and with lua-cjson and traps unless they agree as described at the
 * top. Returns 1 when jdec accepted the text. [-0, +0, e] */
static int fuzz_oracle_check(lua_State *L, const char *s, size_t n)
{
    int top = lua_gettop(L), ours, theirs;
    ours = att_json_decode(L, s, n); /* top+1: value or message */
    oracle_push_decode(L);
    lua_pushlstring(L, s, n);
    theirs = lua_pcall(L, 1, 1, 0) == LUA_OK; /* top+2 */
    if (ours && !theirs) __builtin_trap();    /* we accepted what lua-cjson refuses */
    if (ours) {
        if (lua_getfield(L, LUA_REGISTRYINDEX, ORACLE_SAME_KEY) != LUA_TFUNCTION) {
            lua_pop(L, 1);
            if (luaL_loadstring(L, ORACLE_SAME) != LUA_OK) __builtin_trap();
            lua_pushvalue(L, -1);
            lua_setfield(L, LUA_REGISTRYINDEX, ORACLE_SAME_KEY);
        }
        lua_pushvalue(L, top + 1);
        lua_pushvalue(L, top + 2);
        oracle_push_numbers(L, s, n);
        if (lua_pcall(L, 4, 1, 0) != LUA_OK || !lua_toboolean(L, -1)) __builtin_trap(); /* values differ */
    }
    lua_settop(L, top);
    return ours;
}

#endif
