/* outfile.c — output files (att search --out, opts.out of att.report's writers, "output" arguments
 * of att.args): checked before anything is fetched, so that a bad path fails at once and not after
 * the scan; written to NAME.att-partial-PID in the same directory and renamed over NAME when the
 * writer finishes, so that a failed run leaves the previous NAME untouched; on failure the partial
 * file is kept as NAME.partial. A path that exists and is not a regular file (/dev/null, a FIFO, a
 * symbolic link) is written in place. Under --safe every path is confined as io.open's are. */
#include "host/outfile.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/confine.h"

static const char KEPT_KEY[] = "att.outfile.kept";

/* Under --safe (upvalue 1 of every function) paths are confined. */
static int safe(lua_State *L) { return lua_toboolean(L, lua_upvalueindex(1)); }

/* The directory part of path into dir ("." when it has none). 0, or -1 when too long. */
static int dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;
    if (slash && len == 0) len = 1; /* "/x" */
    if (!slash) {
        snprintf(dir, n, ".");
        return 0;
    }
    if (len >= n) return -1;
    memcpy(dir, path, len);
    dir[len] = '\0';
    return 0;
}

/* Pushes nil and "reason" (of path, with the directory named) for check's caller. [-0, +2, m] */
static int refuse(lua_State *L, const char *fmt, const char *a, const char *b)
{
    lua_pushnil(L);
    lua_pushfstring(L, fmt, a, b);
    return 2;
}

/* check(path [, what]) -> "rename" | "direct", or nil and the reason the file could not be
 * written and renamed into place ("it is a directory", "directory 'x': No such file or
 * directory"). Under --safe a path outside what the script may write raises "WHAT: ...".
 * [-0, +1|2, e] */
static int outfile_check(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1), *what = luaL_optstring(L, 2, "output");
    char dir[PATH_MAX];
    struct stat st;
    if (!*path) return refuse(L, "%s%s", "the file name is empty", "");
    if (safe(L)) att_confine_path(L, path, what);
    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return refuse(L, "%s%s", "it is a directory", "");
        if (!S_ISREG(st.st_mode)) {
            if (access(path, W_OK) != 0) return refuse(L, "%s%s", strerror(errno), "");
            lua_pushliteral(L, "direct");
            return 1;
        }
    } else if (errno != ENOENT) {
        return refuse(L, "%s%s", strerror(errno), "");
    }
    if (dir_of(path, dir, sizeof dir) != 0) return refuse(L, "%s%s", "the name is too long", "");
    if (stat(dir, &st) != 0) return refuse(L, "directory '%s': %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return refuse(L, "'%s' is not a directory%s", dir, "");
    if (access(dir, W_OK | X_OK) != 0) return refuse(L, "directory '%s': %s", dir, strerror(errno));
    lua_pushliteral(L, "rename");
    return 1;
}

/* partial(path) -> the name the output is written to until it is complete. [-0, +1, m] */
static int outfile_partial(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_pushfstring(L, "%s.att-partial-%d", path, (int)getpid());
    return 1;
}

/* Renames from to to (both confined under --safe). true, or nil and a message. [-0, +1|2, e] */
static int move(lua_State *L, const char *from, const char *to, const char *what)
{
    if (safe(L)) {
        att_confine_path(L, from, what);
        att_confine_path(L, to, what);
    }
    if (rename(from, to) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot rename '%s' to '%s': %s", from, to, strerror(errno));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* commit(partial, path): the complete output takes the place (and the permissions) of path.
 * true, or nil and a message. [-0, +1|2, e] */
static int outfile_commit(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
    struct stat st;
    if (stat(to, &st) == 0 && S_ISREG(st.st_mode)) chmod(from, st.st_mode & 07777);
    return move(L, from, to, "output");
}

/* keep(partial, path) -> the name the partial output is kept under: path.partial, or partial
 * itself when it cannot be renamed. [-0, +1, e] */
static int outfile_keep(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1), *to;
    lua_pushfstring(L, "%s.partial", luaL_checkstring(L, 2));
    to = lua_tostring(L, -1);
    if (move(L, from, to, "output") == 1)
        lua_pop(L, 1); /* the name pushed first */
    else
        lua_pushvalue(L, 1);
    /* remembered for the error message (att_outfile_kept) */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, KEPT_KEY);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
    return 1;
}

void att_outfile_forget(lua_State *L)
{
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, KEPT_KEY);
}

int att_outfile_kept(lua_State *L)
{
    lua_Integer i, n;
    luaL_Buffer b;
    int t;
    if (lua_getfield(L, LUA_REGISTRYINDEX, KEPT_KEY) != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        lua_pop(L, 1);
        return 0;
    }
    t = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, t);
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        if (i > 1) luaL_addstring(&b, ", ");
        lua_rawgeti(L, t, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_remove(L, -2);
    att_outfile_forget(L);
    return 1;
}

void att_outfile_install(lua_State *L, int confined)
{
    static const luaL_Reg fns[] = {{"check", outfile_check},
                                   {"partial", outfile_partial},
                                   {"commit", outfile_commit},
                                   {"keep", outfile_keep},
                                   {NULL, NULL}};
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    luaL_newlibtable(L, fns);
    lua_pushboolean(L, confined);
    luaL_setfuncs(L, fns, 1);
    lua_setfield(L, -2, "att.outfile");
    lua_pop(L, 1);
}
