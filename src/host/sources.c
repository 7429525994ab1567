/* sources.c — the sources of difference between two runs of a script that att provides, read
 * through the run's journal: os.time() and the current time of os.date, os.clock(), the seed of
 * math.random (set at start, and by math.randomseed()), and att.nonce(). A run journals each
 * reading; a resumed run gets the same readings in the same order, then live ones, so a script
 * whose output depends only on the API's answers and on these writes the same bytes. */
#include "host/sources.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bind/journal.h"

/* 64 bits from the system's random source (the clock and the address of a local when that
 * fails). */
static unsigned long long entropy(void)
{
    unsigned long long v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = (unsigned long long)ts.tv_sec * 1000000007ull ^ (unsigned long long)ts.tv_nsec ^
            (unsigned long long)(size_t)&ts;
    }
    return v;
}

/* The next reading of what: the journal's, or live (formatted by fmt from live) and journaled.
 * Returns it as text in val. [-0, +0, m] */
static void reading(lua_State *L, const char *what, char *val, size_t n, const char *live)
{
    if (att_journal_reading(L, what, val, n)) return;
    snprintf(val, n, "%s", live);
    att_journal_note(L, what, val);
}

/* The current time as os.time() gives it. [-0, +0, m] */
static long long now(lua_State *L)
{
    char val[40], live[40];
    snprintf(live, sizeof live, "%lld", (long long)time(NULL));
    reading(L, "time", val, sizeof val, live);
    return strtoll(val, NULL, 10);
}

/* os.time([t]) (upvalue 1: the original): without t, the journaled current time. */
static int os_time(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, lua_gettop(L) - 1, 1);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)now(L));
    return 1;
}

/* os.date([format [, t]]): without t, of the journaled current time. */
static int os_date(lua_State *L)
{
    int has_t = !lua_isnoneornil(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    if (lua_isnoneornil(L, 1))
        lua_pushliteral(L, "%c");
    else
        lua_pushvalue(L, 1);
    if (has_t)
        lua_pushvalue(L, 2);
    else
        lua_pushinteger(L, (lua_Integer)now(L));
    lua_call(L, 2, 1);
    return 1;
}

/* os.clock(): the journaled processor time. */
static int os_clock(lua_State *L)
{
    char val[40], live[40];
    snprintf(live, sizeof live, "%.17g", (double)clock() / (double)CLOCKS_PER_SEC);
    reading(L, "clock", val, sizeof val, live);
    lua_pushnumber(L, strtod(val, NULL));
    return 1;
}

/* Seeds math.random (upvalue 1: the original math.randomseed) from a journaled seed. */
static void seed_random(lua_State *L, int original)
{
    char val[40], live[40];
    snprintf(live, sizeof live, "%lld", (long long)entropy());
    reading(L, "seed", val, sizeof val, live);
    lua_pushvalue(L, original);
    lua_pushinteger(L, (lua_Integer)strtoll(val, NULL, 10));
    lua_call(L, 1, 0);
}

/* math.randomseed([x [, y]]): without arguments, a journaled seed. */
static int math_randomseed(lua_State *L)
{
    if (lua_gettop(L) > 0) {
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, lua_gettop(L) - 1, 0);
        return 0;
    }
    seed_random(L, lua_upvalueindex(1));
    return 0;
}

/* att.nonce() -> 16 hex digits from the system's random source, journaled. */
static int att_nonce(lua_State *L)
{
    char val[40], live[40];
    snprintf(live, sizeof live, "%016llx", entropy());
    reading(L, "nonce", val, sizeof val, live);
    lua_pushstring(L, val);
    return 1;
}

static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, lib);
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void att_sources_install(lua_State *L)
{
    wrap(L, "os", "time", os_time);
    wrap(L, "os", "date", os_date);
    wrap(L, "os", "clock", os_clock);
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    seed_random(L, lua_gettop(L));
    lua_pop(L, 2);
    wrap(L, "math", "randomseed", math_randomseed);
}

void att_sources_att(lua_State *L, int att)
{
    lua_pushcfunction(L, att_nonce);
    lua_setfield(L, att, "nonce");
}
