/* fuzz_response.c — response handling: bytes received from a server, as one or more pages of a
 * scan (split at a line "--page--"), go through JSON decoding, the contract checks, the
 * repeated/overlapping page detection and the iterator; and as the body of an HTTP error, through
 * the message extraction. Any outcome is fine except a crash, a sanitizer report or a Lua error
 * that is not an att error object or a message. Each page is also decoded by lua-cjson, the
 * oracle of fuzz_oracle.h: what jdec accepts, lua-cjson must accept with the same values. */
#include <stdint.h>
#include <stdlib.h>

#include "bind/error.h"
#include "bind/results.h"
#include "fuzz_common.h"
#include "fuzz_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP    "\n--page--\n"
#define SEPLEN (sizeof SEP - 1)

static int run(lua_State *L)
{
    const char *s = lua_touserdata(L, 1);
    size_t n = (size_t)lua_tointeger(L, 2), start = 0, i;
    int nargs = 1;
    AttResponse r;

    lua_settop(L, 0);
    lua_getglobal(L, "att");
    lua_getfield(L, 1, "search");
    lua_newtable(L);
    lua_pushinteger(L, 3);
    lua_setfield(L, -2, "pageSize");
    lua_call(L, 1, 1); /* results = att.search{pageSize=3} */
    lua_pushcfunction(L, att_results_feed);
    lua_insert(L, -2);
    for (i = 0; i + SEPLEN <= n && nargs < 4; i++) {
        if (memcmp(s + i, SEP, SEPLEN) == 0) {
            fuzz_oracle_check(L, s + start, i - start);
            lua_pushlstring(L, s + start, i - start);
            nargs++;
            start = i + SEPLEN;
            i = start - 1;
        }
    }
    fuzz_oracle_check(L, s + start, n - start);
    lua_pushlstring(L, s + start, n - start);
    nargs++;
    lua_call(L, nargs, 1);

    memset(&r, 0, sizeof r);
    r.status = 503;
    r.body.data = (char *)(uintptr_t)s;
    r.body.len = n;
    att_error_push_http(L, &r, "fuzz:");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_state();
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    lua_settop(L, 0);
    lua_pushcfunction(L, run);
    lua_pushlightuserdata(L, copy);
    lua_pushinteger(L, (lua_Integer)size);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        int t = lua_type(L, -1);
        if (t != LUA_TSTRING && t != LUA_TTABLE) __builtin_trap();
    }
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    free(copy);
    return 0;
}
