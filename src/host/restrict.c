/* restrict.c — text-only loading for every script, user modules, and the environment of
 * `att --safe`, for scripts you did not write.
 *
 * The --safe environment is built from an allow-list, as redis builds its script sandbox, never by
 * deleting what is dangerous from the full one: whatever a future Lua adds is then absent. It holds
 * the base functions (load, loadfile and dofile text only, the last two confined), string (without
 * dump), table, math, utf8, coroutine, the harmless part of os (time, clock, date, difftime, exit,
 * and getenv for TZ, LANG, LC_* and the names given with --allow-env), io on the standard streams
 * with open, lines, input and output confined to files under the current directory, a read-only
 * package that finds bundled modules and the --lua-path directories only (never C modules),
 * debug.traceback, and att. Known functions left out are stubs that raise "att: os.execute is
 * disabled by --safe". Which files a safe script may open is confine.c's. */
#include "host/restrict.h"

#include "host/confine.h"

#include "bind/api.h"
#include "core/auth.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char WARNED_KEY[] = "att.safe.getenv_warned";

/* ---- text-only loading --------------------------------------------------------------------- */

/* load(chunk, name, mode, env) with the mode forced to text. */
static int text_load(lua_State *L)
{
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

/* Argument 1 of loadfile or dofile: a path, or NULL for standard input; confined in safe mode
 * (upvalue 1). [-0, +0, e] */
static const char *loader_path(lua_State *L, const char *what)
{
    const char *path = luaL_optstring(L, 1, NULL);
    if (lua_toboolean(L, lua_upvalueindex(1))) {
        if (!path) luaL_error(L, "%s: reading standard input is not allowed (--safe)", what);
        att_confine_path(L, path, what);
    }
    return path;
}

/* loadfile(path, mode, env): mode forced to text. */
static int text_loadfile(lua_State *L)
{
    const char *path = loader_path(L, "loadfile");
    lua_settop(L, 3);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (!lua_isnone(L, 3) && !lua_isnil(L, 3)) {
        lua_pushvalue(L, 3);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

static int text_dofile(lua_State *L)
{
    const char *path = loader_path(L, "dofile");
    lua_settop(L, 1);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, LUA_MULTRET);
    return lua_gettop(L) - 1;
}

/* Pushes load, loadfile and dofile that load text only (the last two confined when safe).
 * [-0, +3, m] */
static void push_text_loaders(lua_State *L, int safe)
{
    lua_getglobal(L, "load");
    lua_pushcclosure(L, text_load, 1);
    lua_pushboolean(L, safe);
    lua_pushcclosure(L, text_loadfile, 1);
    lua_pushboolean(L, safe);
    lua_pushcclosure(L, text_dofile, 1);
}

/* A package.searchers entry: Lua modules from the templates (upvalue 1; nil: package.path), found
 * with package.searchpath (upvalue 2), loaded as text only; in safe mode (upvalue 3) never a file
 * att keeps to itself. */
static int text_searcher(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *file;
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushstring(L, name);
    if (lua_type(L, lua_upvalueindex(1)) == LUA_TSTRING) {
        lua_pushvalue(L, lua_upvalueindex(1));
    } else {
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "path");
        lua_remove(L, -2);
    }
    lua_call(L, 2, 2);
    if (lua_isnil(L, -2)) return 1; /* the message listing the files tried */
    lua_pop(L, 1);
    file = lua_tostring(L, -1);
    if (lua_toboolean(L, lua_upvalueindex(3))) att_confine_module(L, file);
    if (luaL_loadfilex(L, file, "t") != LUA_OK)
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, file, lua_tostring(L, -1));
    lua_pushstring(L, file);
    return 2;
}

/* Pushes a text_searcher over templates (NULL: package.path at the time of the call). [-0, +1, m] */
static void push_searcher(lua_State *L, const char *templates, int safe)
{
    if (templates)
        lua_pushstring(L, templates);
    else
        lua_pushnil(L);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchpath");
    lua_remove(L, -2);
    lua_pushboolean(L, safe);
    lua_pushcclosure(L, text_searcher, 3);
}

void att_text_only(lua_State *L)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    push_searcher(L, NULL, 0);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
    push_text_loaders(L, 0);
    lua_setglobal(L, "dofile");
    lua_setglobal(L, "loadfile");
    lua_setglobal(L, "load");
}

static void push_templates(lua_State *L, const char *dirs, int config_dir);

void att_user_modules(lua_State *L, const char *dirs)
{
    /* searchers: {user dirs, preload, package.path, ...}: the user's own modules win over the
     * bundled ones of the same name. */
    int i, n;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    n = (int)lua_rawlen(L, -1);
    for (i = n; i >= 1; i--) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -2, i + 1);
    }
    push_templates(L, dirs, 1);
    push_searcher(L, lua_tostring(L, -1), 0);
    lua_remove(L, -2);
    lua_rawseti(L, -2, 1);
    lua_pop(L, 2);
}

/* Calls the original function (upvalue 1) after checking argument 1 (if it is a path). */
static int guarded(lua_State *L)
{
    const char *what = lua_tostring(L, lua_upvalueindex(2));
    int top = lua_gettop(L);
    if (lua_type(L, 1) == LUA_TSTRING) att_confine_path(L, lua_tostring(L, 1), what);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, LUA_MULTRET);
    return lua_gettop(L);
}

/* ---- the environment ----------------------------------------------------------------------- */

static int disabled(lua_State *L)
{
    return luaL_error(L, "att: %s is disabled by --safe", lua_tostring(L, lua_upvalueindex(1)));
}

/* t[name] = a stub that raises (t on top). */
static void stub(lua_State *L, const char *lib, const char *name)
{
    if (lib)
        lua_pushfstring(L, "%s.%s", lib, name);
    else
        lua_pushstring(L, name);
    lua_pushcclosure(L, disabled, 1);
    lua_setfield(L, -2, name);
}

/* Copies src[name] for each name into the table on top; src at index src. */
static void copy(lua_State *L, int src, const char *const *names)
{
    for (; *names; names++) {
        lua_getfield(L, src, *names);
        lua_setfield(L, -2, *names);
    }
}

/* Pushes a new table with every field of the library lib of the old globals (at g) but the ones
 * in skip, which become stubs. [-0, +1, m] */
static void copy_lib(lua_State *L, int g, const char *lib, const char *const *skip)
{
    int src;
    lua_getfield(L, g, lib);
    src = lua_gettop(L);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, src)) {
        const char *const *s = skip;
        int keep = 1;
        for (; s && *s; s++)
            if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), *s) == 0) keep = 0;
        if (keep) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        } else {
            lua_pop(L, 1);
        }
    }
    for (; skip && *skip; skip++) stub(L, lib, *skip);
    lua_remove(L, src);
}

/* os.getenv for TZ, LANG, LANGUAGE, LC_* and the --allow-env names (upvalue 1: a set); other
 * names read as unset, with a warning once per name. */
static int safe_getenv(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    int ok = strcmp(name, "TZ") == 0 || strcmp(name, "LANG") == 0 || strcmp(name, "LANGUAGE") == 0 ||
             strncmp(name, "LC_", 3) == 0;
    if (!ok) {
        lua_getfield(L, lua_upvalueindex(1), name);
        ok = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (ok) {
        lua_pushstring(L, getenv(name));
        return 1;
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, WARNED_KEY);
    if (lua_getfield(L, -1, name) == LUA_TNIL) {
        char shown[64];
        size_t i;
        snprintf(shown, sizeof shown, "%s", name);
        for (i = 0; shown[i]; i++)
            if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7F) shown[i] = '?';
        if (att_auth_secret_var(name, strlen(name)))
            att_api_warn(L, "os.getenv(\"%s\") reads as unset under --safe (a credential)", shown);
        else
            att_api_warn(L, "os.getenv(\"%s\") reads as unset under --safe (allow it with --allow-env %s)", shown,
                         shown);
        lua_pushboolean(L, 1);
        lua_setfield(L, -3, name);
    }
    lua_pushnil(L);
    return 1;
}

/* collectgarbage for the options that only measure or collect. */
static int safe_collectgarbage(lua_State *L)
{
    static const char *const opts[] = {"collect", "count", "step", "isrunning", NULL};
    const char *o = luaL_optstring(L, 1, "collect");
    int i;
    for (i = 0; opts[i] && strcmp(opts[i], o) != 0; i++) {}
    if (!opts[i]) return luaL_error(L, "att: collectgarbage(\"%s\") is disabled by --safe", o);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int readonly(lua_State *L)
{
    return luaL_error(L, "att: %s is read-only under --safe", lua_tostring(L, lua_upvalueindex(1)));
}

/* __len and __pairs of a read-only view: those of the table behind it (upvalue 1). */
static int view_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

static int view_pairs(lua_State *L)
{
    lua_getglobal(L, "next");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

/* Pushes a read-only view of the table at idx. [-0, +1, m] */
static void push_readonly(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_createtable(L, 0, 6);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, view_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, view_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushstring(L, name);
    lua_pushcclosure(L, readonly, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* The --lua-path directories (';'-separated) as package.path templates, and with config_dir the
 * user's own module directory ($XDG_CONFIG_HOME/att/lua or ~/.config/att/lua). [-0, +1, m] */
static void push_templates(lua_State *L, const char *dirs, int config_dir)
{
    luaL_Buffer b;
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    luaL_buffinit(L, &b);
    while (dirs && *dirs) {
        size_t n = strcspn(dirs, ";");
        if (n > 0) {
            lua_pushlstring(L, dirs, n);
            lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", lua_tostring(L, -1), lua_tostring(L, -1));
            lua_remove(L, -2);
            luaL_addvalue(&b);
        }
        dirs += n;
        if (*dirs == ';') dirs++;
    }
    if (config_dir && xdg && *xdg)
        lua_pushfstring(L, "%s/att/lua/?.lua;%s/att/lua/?/init.lua", xdg, xdg);
    else if (config_dir && home && *home)
        lua_pushfstring(L, "%s/.config/att/lua/?.lua;%s/.config/att/lua/?/init.lua", home, home);
    else
        lua_pushliteral(L, "");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
}

static const char *const BASE[] = {"assert", "error",        "getmetatable", "ipairs",   "next",   "pairs",
                                   "pcall",  "print",        "rawequal",     "rawget",   "rawlen", "rawset",
                                   "select", "setmetatable", "tonumber",     "tostring", "type",   "xpcall",
                                   "warn",   "_VERSION",     "require",      NULL};
static const char *const OS_OK[] = {"time", "clock", "date", "difftime", "exit", NULL};
static const char *const OS_NO[] = {"execute", "remove", "rename", "tmpname", "setlocale", NULL};
static const char *const IO_OK[] = {"write", "read", "close", "flush", "type", "stdout", "stderr", "stdin", NULL};
static const char *const IO_GUARD[] = {"open", "lines", "input", "output", NULL};
static const char *const IO_NO[] = {"popen", "tmpfile", NULL};
static const char *const STRING_NO[] = {"dump", NULL};
static const char *const DEBUG_NO[] = {"debug",          "gethook",    "getinfo",      "getlocal",  "getmetatable",
                                       "getregistry",    "getupvalue", "getuservalue", "sethook",   "setlocal",
                                       "setmetatable",   "setupvalue", "setuservalue", "upvalueid", "upvaluejoin",
                                       "setcstacklimit", NULL};
static const char *const LIBS[] = {"table", "math", "utf8", "coroutine", NULL};

/* The base functions; load, loadfile and dofile for text (the last two under the current directory). */
static void safe_base(lua_State *L, int g, int G)
{
    copy(L, g, BASE);
    push_text_loaders(L, 1);
    lua_setfield(L, G, "dofile");
    lua_setfield(L, G, "loadfile");
    lua_setfield(L, G, "load");
    lua_getfield(L, g, "collectgarbage");
    lua_pushcclosure(L, safe_collectgarbage, 1);
    lua_setfield(L, G, "collectgarbage");
    lua_pushvalue(L, G);
    lua_setfield(L, G, "_G");
}

/* table, math, utf8 and coroutine whole; string without dump (for strings' own methods too). */
static void safe_libs(lua_State *L, int g, int G)
{
    const char *const *p;
    for (p = LIBS; *p; p++) {
        copy_lib(L, g, *p, NULL);
        lua_setfield(L, G, *p);
    }
    copy_lib(L, g, "string", STRING_NO);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
    lua_setfield(L, G, "string");
}

/* os: the harmless part; getenv for the allowed names. */
static void safe_os(lua_State *L, int g, int G, const AttHostConfig *cfg)
{
    const char *const *p;
    int i;
    lua_getfield(L, g, "os");
    lua_newtable(L);
    copy(L, lua_gettop(L) - 1, OS_OK);
    for (p = OS_NO; *p; p++) stub(L, "os", *p);
    lua_newtable(L);
    for (i = 0; i < cfg->nallow_env; i++) {
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, cfg->allow_env[i]);
    }
    lua_pushcclosure(L, safe_getenv, 1);
    lua_setfield(L, -2, "getenv");
    lua_setfield(L, G, "os");
    lua_pop(L, 1);
}

/* io on the standard streams; files by name only under the current directory. */
static void safe_io(lua_State *L, int g, int G)
{
    const char *const *p;
    lua_getfield(L, g, "io");
    lua_newtable(L);
    copy(L, lua_gettop(L) - 1, IO_OK);
    for (p = IO_GUARD; *p; p++) {
        lua_getfield(L, -2, *p);
        lua_pushfstring(L, "io.%s", *p);
        lua_pushcclosure(L, guarded, 2);
        lua_setfield(L, -2, *p);
    }
    for (p = IO_NO; *p; p++) stub(L, "io", *p);
    lua_setfield(L, G, "io");
    lua_pop(L, 1);
}

/* debug: the traceback only. */
static void safe_debug(lua_State *L, int g, int G)
{
    const char *const *p;
    lua_newtable(L);
    lua_getfield(L, g, "debug");
    lua_getfield(L, -1, "traceback");
    lua_setfield(L, -3, "traceback");
    lua_pop(L, 1);
    for (p = DEBUG_NO; *p; p++) stub(L, "debug", *p);
    lua_setfield(L, G, "debug");
}

/* package: the real one (require's) finds preload and the --lua-path directories only; the
 * script sees a read-only view. */
static void safe_package(lua_State *L, int g, int G, const AttHostConfig *cfg)
{
    int pkg;
    lua_getfield(L, g, "package");
    pkg = lua_gettop(L);
    push_templates(L, cfg->lua_path, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, pkg, "path");
    lua_pushliteral(L, "");
    lua_setfield(L, pkg, "cpath");
    lua_getfield(L, pkg, "searchers");
    lua_rawgeti(L, -1, 1); /* the preload searcher */
    lua_newtable(L);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 2);
    /* first the --lua-path directories (the user's modules win over bundled ones of the same name,
     * as without --safe), never a file att keeps to itself */
    push_searcher(L, lua_tostring(L, -3), 1);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, pkg, "searchers");
    lua_remove(L, -2); /* old searchers */
    lua_remove(L, -2); /* templates */
    lua_newtable(L);   /* what the script sees */
    lua_getfield(L, pkg, "path");
    lua_setfield(L, -2, "path");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_getfield(L, pkg, "config");
    lua_setfield(L, -2, "config");
    lua_getfield(L, pkg, "loaded");
    lua_setfield(L, -2, "loaded");
    lua_getfield(L, pkg, "preload");
    lua_setfield(L, -2, "preload");
    push_readonly(L, -2, "package.searchers");
    lua_setfield(L, -2, "searchers");
    lua_remove(L, -2); /* searchers */
    stub(L, "package", "loadlib");
    stub(L, "package", "searchpath");
    push_readonly(L, -1, "package");
    lua_remove(L, -2);
    lua_setfield(L, G, "package");
    lua_pop(L, 1); /* package */
}

/* package.loaded names the new libraries, so that require "os" gives the safe os. */
static void safe_loaded(lua_State *L, int g, int G)
{
    const char *const *p;
    int pkg;
    lua_getfield(L, g, "package");
    pkg = lua_gettop(L);
    lua_getfield(L, pkg, "loaded");
    {
        static const char *const LOADED[] = {"string", "table", "math",  "utf8",    "coroutine",
                                             "os",     "io",    "debug", "package", NULL};
        for (p = LOADED; *p; p++) {
            lua_getfield(L, G, *p);
            lua_setfield(L, -2, *p);
        }
    }
    lua_pushvalue(L, G);
    lua_setfield(L, -2, "_G");
    lua_pop(L, 2); /* loaded, package */
}

void att_safe_apply(lua_State *L, const AttHostConfig *cfg)
{
    int g, G;
    att_confine_init(L, cfg);
    lua_pushglobaltable(L);
    g = lua_gettop(L);
    lua_newtable(L);
    G = lua_gettop(L);
    safe_base(L, g, G);
    safe_libs(L, g, G);
    safe_os(L, g, G, cfg);
    safe_io(L, g, G);
    safe_debug(L, g, G);
    safe_package(L, g, G, cfg);
    safe_loaded(L, g, G);
    /* the new table becomes the global environment of every chunk loaded from now on */
    lua_pushvalue(L, G);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_settop(L, g - 1);
}
