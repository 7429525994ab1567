/* safe.c — the restricted environment of `att --safe`, for scripts you did not write.
 *
 * Removed: os.execute, io.popen, os.tmpname, package.loadlib, C modules (cpath and the C searchers),
 * the debug library. Binary chunks are refused everywhere (load, loadfile, dofile always load text).
 * Files: io.open, io.lines, io.input, io.output, loadfile, dofile, os.remove and os.rename reach
 * only files under the current directory (no absolute paths, no "..", no symlinks leading out);
 * modules load only from ./?.lua. os.getenv hides variables that hold credentials. Memory and time
 * limits (--max-memory, --max-time) are applied by the host, with or without --safe. */
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "host.h"
#include "safe.h"

/* Raises unless path names a file under the current directory. For a file that does not exist
 * yet, its directory must be under the current directory. [-0, +0, e] */
static void check_path(lua_State *L, const char *path, const char *what)
{
    char cwd[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
    const char *p;
    size_t n;

    if (!*path || path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
        strstr(path, "/../") || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        luaL_error(L, "%s: '%s' is outside the current directory (--safe)", what, path);
    if (!getcwd(cwd, sizeof cwd)) luaL_error(L, "%s: cannot determine the current directory", what);
    if (realpath(path, real) == NULL) {
        if (errno != ENOENT) luaL_error(L, "%s: '%s': %s", what, path, strerror(errno));
        /* Not there yet: check the directory it would be created in. */
        p = strrchr(path, '/');
        if (!p) return;
        n = (size_t)(p - path);
        if (n >= sizeof dir) { luaL_error(L, "%s: path too long", what); return; }
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (realpath(n ? dir : ".", real) == NULL) luaL_error(L, "%s: '%s': %s", what, path, strerror(errno));
    }
    n = strlen(cwd);
    if (n >= sizeof real - 1) { luaL_error(L, "%s: path too long", what); return; }
    if (strncmp(real, cwd, n) != 0 || (real[n] != '\0' && real[n] != '/' && strcmp(cwd, "/") != 0))
        luaL_error(L, "%s: '%s' leads outside the current directory (--safe)", what, path);
}

/* Calls the original function (upvalue 1) after checking argument 1 (if it is a path). */
static int guarded(lua_State *L)
{
    const char *what = lua_tostring(L, lua_upvalueindex(2));
    int top = lua_gettop(L);
    if (lua_type(L, 1) == LUA_TSTRING) check_path(L, lua_tostring(L, 1), what);
    if (strcmp(what, "os.rename") == 0 && lua_type(L, 2) == LUA_TSTRING) check_path(L, lua_tostring(L, 2), what);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, LUA_MULTRET);
    return lua_gettop(L);
}

/* Replaces t[name] (t on top of the stack) with a guarded version. */
static void guard(lua_State *L, const char *name, const char *what)
{
    lua_getfield(L, -1, name);
    lua_pushstring(L, what);
    lua_pushcclosure(L, guarded, 2);
    lua_setfield(L, -2, name);
}

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

/* loadfile(path, mode, env): mode forced to text; path checked in safe mode (upvalue 1). */
static int text_loadfile(lua_State *L)
{
    const char *path = luaL_optstring(L, 1, NULL);
    if (lua_toboolean(L, lua_upvalueindex(1))) {
        if (!path) return luaL_error(L, "loadfile: reading standard input is not allowed (--safe)");
        check_path(L, path, "loadfile");
    }
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
    const char *path = luaL_optstring(L, 1, NULL);
    if (lua_toboolean(L, lua_upvalueindex(1))) {
        if (!path) return luaL_error(L, "dofile: reading standard input is not allowed (--safe)");
        check_path(L, path, "dofile");
    }
    lua_settop(L, 1);
    if (luaL_loadfilex(L, path, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, LUA_MULTRET);
    return lua_gettop(L) - 1;
}

/* os.getenv that hides credentials. */
static int safe_getenv(lua_State *L)
{
    static const char *const hidden[] = {"TOKEN", "SECRET", "PASSWORD", "PASSCODE", "KEY", "CREDENTIAL", NULL};
    const char *name = luaL_checkstring(L, 1);
    size_t n = strlen(name), i, k;
    for (k = 0; hidden[k]; k++) {
        size_t m = strlen(hidden[k]);
        for (i = 0; i + m <= n; i++)
            if (strncasecmp(name + i, hidden[k], m) == 0) { lua_pushnil(L); return 1; }
    }
    lua_pushstring(L, getenv(name));
    return 1;
}

static void drop(lua_State *L, const char *name)
{
    lua_pushnil(L);
    lua_setfield(L, -2, name);
}

/* package.searchers[2] replacement: Lua modules from package.path (or from the path in upvalue 1),
 * loaded as text only. */
static int text_searcher(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *file;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchpath");
    lua_pushstring(L, name);
    if (lua_type(L, lua_upvalueindex(1)) == LUA_TSTRING) lua_pushvalue(L, lua_upvalueindex(1));
    else lua_getfield(L, -3, "path");
    lua_call(L, 2, 2);
    if (lua_isnil(L, -2)) return 1;                 /* the message listing the files tried */
    lua_pop(L, 1);
    file = lua_tostring(L, -1);
    if (luaL_loadfilex(L, file, "t") != LUA_OK)
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, file, lua_tostring(L, -1));
    lua_pushstring(L, file);
    return 2;
}

void att_user_modules(lua_State *L, const char *templates)
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
    lua_pushstring(L, templates);
    lua_pushcclosure(L, text_searcher, 1);
    lua_rawseti(L, -2, 1);
    lua_pop(L, 2);
}

void att_text_only(lua_State *L, int safe)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    lua_pushcfunction(L, text_searcher);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);

    lua_getglobal(L, "load");
    lua_pushcclosure(L, text_load, 1);
    lua_setglobal(L, "load");
    lua_pushboolean(L, safe);
    lua_pushcclosure(L, text_loadfile, 1);
    lua_setglobal(L, "loadfile");
    lua_pushboolean(L, safe);
    lua_pushcclosure(L, text_dofile, 1);
    lua_setglobal(L, "dofile");
}

void att_safe_apply(lua_State *L)
{
    att_text_only(L, 1);

    lua_getglobal(L, "os");
    drop(L, "execute");
    drop(L, "tmpname");
    guard(L, "remove", "os.remove");
    guard(L, "rename", "os.rename");
    lua_pushcfunction(L, safe_getenv);
    lua_setfield(L, -2, "getenv");
    lua_pop(L, 1);

    lua_getglobal(L, "io");
    drop(L, "popen");
    guard(L, "open", "io.open");
    guard(L, "lines", "io.lines");
    guard(L, "input", "io.input");
    guard(L, "output", "io.output");
    lua_pop(L, 1);

    lua_getglobal(L, "package");
    drop(L, "loadlib");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_pushliteral(L, "./?.lua");
    lua_setfield(L, -2, "path");
    lua_getfield(L, -1, "searchers");          /* keep preload and the Lua searcher only */
    lua_pushnil(L);
    lua_rawseti(L, -2, 4);
    lua_pushnil(L);
    lua_rawseti(L, -2, 3);
    lua_pop(L, 1);
    lua_getfield(L, -1, "loaded");
    drop(L, "debug");
    lua_pop(L, 2);

    lua_pushnil(L);
    lua_setglobal(L, "debug");
}
