/* fuzz_params.c — parameter encoding and JSON decoding: the input, decoded as JSON, is given to
 * att.search as its params (checked and encoded, never sent) and to our JSON encoder. Properties:
 * whatever our decoder (jdec.c) accepts, lua-cjson (att.json.decode) accepts too, with the same
 * values; whatever the encoder writes is valid JSON; and encoding is stable:
 * encode(decode(encode(v))) == encode(v). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "bind/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(lua_State *L)
{
    size_t n, n1;
    const char *s = lua_tolstring(L, 1, &n), *e1;
    AttBuf b1 = {0}, b2 = {0};
    char err[160];

    { /* differential: lua-cjson through att.json.decode must agree */
        int ours = att_json_decode(L, s, n), theirs;
        AttBuf a = {0}, c = {0};
        char m1[160], m2[160];
        lua_getglobal(L, "att");
        lua_getfield(L, -1, "json");
        lua_getfield(L, -1, "decode");
        lua_pushlstring(L, s, n);
        theirs = lua_pcall(L, 1, 1, 0) == LUA_OK;
        /* ours is stricter about numbers (lua-cjson takes "-.5" from strtod), so only a text we
         * accept and lua-cjson refuses, or a value that differs, is a failure */
        if (ours && !theirs) __builtin_trap();
        if (ours && theirs) {
            /* Same values; numbers compared as doubles, since ours keeps integers beyond 2^53 exact
             * where lua-cjson rounds them through a float. */
            static const char SAME[] = "local function same(a, b)\n"
                                       "  if type(a) == 'number' and type(b) == 'number' then return a + 0.0 == b + "
                                       "0.0 or a ~= a and b ~= b end\n"
                                       "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end\n"
                                       "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
                                       "  for k in pairs(b) do if a[k] == nil then return false end end\n"
                                       "  return true\n"
                                       "end\n"
                                       "return same(...)";
            (void)m1;
            (void)m2;
            (void)a;
            (void)c;
            if (luaL_loadstring(L, SAME) != LUA_OK) __builtin_trap();
            lua_pushvalue(L, -5);
            lua_pushvalue(L, -3);
            if (lua_pcall(L, 2, 1, 0) != LUA_OK || !lua_toboolean(L, -1)) __builtin_trap();
            lua_pop(L, 1);
        }
        att_buf_free(&a);
        att_buf_free(&c);
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
    if (b2.len != n1 || memcmp(b2.data, e1, n1) != 0) __builtin_trap(); /* not stable */
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
