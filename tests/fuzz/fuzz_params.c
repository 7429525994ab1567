#define _GNU_SOURCE /* memmem */
/* fuzz_params.c — parameter encoding and JSON decoding: the input, decoded as JSON, is given to
 * att.search as its params (checked and encoded, never sent) and to our JSON encoder. Properties:
 * whatever our decoder (jdec.c, also att.json.decode) accepts, lua-cjson accepts too, with the
 * same values (fuzz_oracle.h: integers beyond 2^53 exactly as the text spells them); opts.fields
 * decoding agrees with the full decode; whatever the encoder writes is valid JSON; and encoding is
 * stable: encode(decode(encode(v))) == encode(v). */
#include <stdint.h>
#include <stdlib.h>

#include "bind/json.h"
#include "fuzz_common.h"
#include "fuzz_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(lua_State *L)
{
    size_t n, n1;
    const char *s = lua_tolstring(L, 1, &n), *e1;
    AttBuf b1 = {0}, b2 = {0};
    char err[160];

    { /* differential: lua-cjson, the oracle (fuzz_oracle.h), must agree with jdec; and
         * att.json.decode is jdec: it accepts exactly the same texts */
        int ours = fuzz_oracle_check(L, s, n);
        lua_getglobal(L, "att");
        lua_getfield(L, -1, "json");
        lua_getfield(L, -1, "decode");
        lua_pushlstring(L, s, n);
        if ((lua_pcall(L, 1, 1, 0) == LUA_OK) != ours) __builtin_trap();
        lua_settop(L, 1);
        { /* opts.fields: accepts exactly what the full decoder accepts, and builds the same
             * values as the full decode with the projection applied afterwards */
            static const char PROJECT[] =
                "local full, kept = ...\n"
                "local page = {rest = true, kids = {individuals = {kids = {id = {keep = true},\n"
                "  name = {keep = true}, accounts = {kids = {id = {keep = true}, subscribers = {keep = true}}}}}}}\n"
                "local function proj(v, node)\n"
                "  if node.keep or type(v) ~= 'table' then return v end\n"
                "  local out = {}\n"
                "  for k, x in pairs(v) do\n"
                "    if math.type(k) == 'integer' then out[k] = proj(x, node)\n"
                "    elseif node.kids[k] then out[k] = proj(x, node.kids[k])\n"
                "    elseif node.rest then out[k] = x end\n"
                "  end\n"
                "  return out\n"
                "end\n"
                "local function same(a, b)\n"
                "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b or a ~= a and b ~= b end\n"
                "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
                "  for k in pairs(b) do if a[k] == nil then return false end end\n"
                "  return true\n"
                "end\n"
                "return same(proj(full, page), kept)";
            const AttProj *p;
            int projected;
            if (luaL_dostring(L, "return {'id', 'name', 'accounts.id', 'accounts.subscribers'}") != LUA_OK)
                __builtin_trap();
            p = att_proj_compile(L, -1, "fuzz");          /* 2: list, 3: projection */
            projected = att_json_decode_proj(L, s, n, p); /* 4 */
            if (projected != ours) __builtin_trap();
            if (ours) {
                if (luaL_loadstring(L, PROJECT) != LUA_OK) __builtin_trap();
                att_json_decode(L, s, n);
                lua_pushvalue(L, 4);
                if (lua_pcall(L, 2, 1, 0) != LUA_OK || !lua_toboolean(L, -1)) __builtin_trap();
            }
            lua_settop(L, 1);
        }
        if (!ours) return 0; /* not JSON: nothing to encode */
        att_json_decode(L, s, n);
    }
    lua_getglobal(L, "att");
    lua_getfield(L, -1, "search");
    lua_pushvalue(L, 2);
    lua_newtable(L);
    lua_pushinteger(L, 5);
    lua_setfield(L, -2, "limit");
    if (lua_pcall(L, 2, 1, 0) != LUA_OK && lua_type(L, -1) != LUA_TSTRING) __builtin_trap();
    lua_settop(L, 2);

    if (att_json_encode(L, 2, &b1, err, sizeof err) != 0) {
        att_buf_free(&b1);
        return 0;
    }
    lua_pushlstring(L, b1.data, b1.len);
    att_buf_free(&b1);
    e1 = lua_tolstring(L, -1, &n1);
    if (!att_json_decode(L, e1, n1)) __builtin_trap(); /* we wrote invalid JSON */
    if (att_json_encode(L, -1, &b2, err, sizeof err) != 0) __builtin_trap();
    if (b2.len != n1 || memcmp(b2.data, e1, n1) != 0) {
        /* Not stable, which is allowed for one value only: the float -2^63, which decoding makes of
         * an integer spelt below -2^63 (as tonumber does), is written -9.223372036854776e+18, and
         * that, integral with an exponent, reads back as math.mininteger (equal in Lua). From
         * there on the encoding must be stable. */
        static const char MIN_FLOAT[] = "-9.223372036854776e+18";
        AttBuf b3 = {0};
        if (!memmem(e1, n1, MIN_FLOAT, sizeof MIN_FLOAT - 1)) __builtin_trap(); /* not stable */
        lua_pushlstring(L, b2.data, b2.len);
        att_buf_free(&b2);
        e1 = lua_tolstring(L, -1, &n1);
        if (!att_json_decode(L, e1, n1) || att_json_encode(L, -1, &b3, err, sizeof err) != 0) __builtin_trap();
        if (b3.len != n1 || memcmp(b3.data, e1, n1) != 0) __builtin_trap(); /* not stable */
        att_buf_free(&b3);
        return 0;
    }
    att_buf_free(&b2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_state();
    lua_settop(L, 0);
    lua_pushcfunction(L, run);
    lua_pushlstring(L, (const char *)data, size);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK && lua_type(L, -1) != LUA_TSTRING) __builtin_trap();
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
