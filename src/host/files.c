/* files.c — see files.h.
 *
 * The list of open files and the count of lost writes are file-level state, as out.c's buffer is:
 * the exit handler (exit() from anywhere, os.exit included) has no Lua state to find them in. One
 * Lua state per process, used from the main thread only. A node points at the luaL_Stream inside
 * the file's userdata: the userdata cannot be collected without its close function (ours) running
 * first, which takes the node off the list, so the pointer is never stale. */
#include "host/files.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stop.h"
#include "host/out.h"

#define EXIT_OUTPUT 8

typedef struct WFile {
    struct WFile *next;
    luaL_Stream *stream;
    int err;     /* errno of the first failed write or flush the script was told of */
    char name[]; /* as the script gave it */
} WFile;

static struct {
    WFile *open;                               /* files opened for writing, still open */
    int lost;                                  /* lost writes of the run */
    int settled;                               /* lost, as the last att_files_settle returned it */
    int stderr_err;                            /* errno of the first failed io.stderr:write */
    int stderr_told;                           /* the loss on standard error was counted */
    int at_exit;                               /* the exit handler is installed */
    const void *err_stream;                    /* io.stderr */
    void (*on_exit)(lua_State *L, int status); /* the run's end, before os.exit ends the process */
} F;

/* Prints "att: write error on NAME: reason" (control characters of NAME shown as '?'). */
static void lost(const char *name, int err)
{
    const char *c;
    fputs("att: write error on ", stderr);
    for (c = name; *c; c++) fputc((unsigned char)*c < 0x20 || *c == 0x7F ? '?' : *c, stderr);
    fprintf(stderr, ": %s\n", strerror(err ? err : EIO));
    fflush(stderr);
    F.lost++;
}

void att_files_lost(const char *name, int err) { lost(name, err); }

/* The link that points at the node of p, or at the NULL that ends the list. */
static WFile **find(const void *p)
{
    WFile **w = &F.open;
    while (*w && (const void *)(*w)->stream != p) w = &(*w)->next;
    return w;
}

/* Flushes and closes f, the file of w (freed here; may be NULL). Returns 0 or the errno of the
 * first failure, reported. */
static int close_checked(WFile *w, FILE *f)
{
    int err = w ? w->err : 0, failed = ferror(f);
    errno = 0;
    if (fflush(f) != 0 && !err) err = errno ? errno : EIO;
    if (failed && !err) err = EIO; /* a failed write whose reason nobody saw */
    errno = 0;
    if (fclose(f) != 0 && !err) err = errno ? errno : EIO;
    if (err) lost(w ? w->name : "a file", err);
    free(w);
    return err;
}

/* The close function of a file opened for writing (arg 1; Lua has marked it closed): f:close(),
 * io.close(), __close and __gc. true, or nil, message, errno as Lua's own. */
static int file_close(lua_State *L)
{
    luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
    WFile **at = find(p), *w = *at;
    int err;
    if (w) *at = w->next;
    err = close_checked(w, p->f);
    if (!err) {
        lua_pushboolean(L, 1);
        return 1;
    }
    errno = err;
    return luaL_fileresult(L, 0, NULL);
}

/* Puts the file at idx (when it is an open file) on the list as name. [-0, +0, m] */
static void track(lua_State *L, int idx, const char *name)
{
    luaL_Stream *p = luaL_testudata(L, idx, LUA_FILEHANDLE);
    WFile *w;
    size_t n = strlen(name);
    if (!p || !p->closef || p->closef == file_close || p->f == stdout || p->f == stderr) return;
    w = malloc(sizeof *w + n + 1);
    if (!w) luaL_error(L, "not enough memory"); /* the file stays Lua's: its __gc closes it */
    w->stream = p;
    w->err = 0;
    memcpy(w->name, name, n + 1);
    w->next = F.open;
    F.open = w;
    p->closef = file_close;
}

/* Calls upvalue 1 with the arguments of this call; returns its results' index. [-0, +r, e] */
static int call_original(lua_State *L)
{
    int i, n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    for (i = 1; i <= n; i++) lua_pushvalue(L, i);
    lua_call(L, n, LUA_MULTRET);
    return n + 1;
}

/* io.open(name [, mode]): a file opened to write is tracked. */
static int io_open(lua_State *L)
{
    int res = call_original(L);
    const char *mode = lua_isstring(L, 2) ? lua_tostring(L, 2) : "r";
    if (lua_type(L, 1) == LUA_TSTRING && strpbrk(mode, "wa+")) track(L, res, lua_tostring(L, 1));
    return lua_gettop(L) - res + 1;
}

/* io.output([name | file]): a file opened by name is tracked. */
static int io_output(lua_State *L)
{
    int res = call_original(L);
    if (lua_type(L, 1) == LUA_TSTRING) track(L, res, lua_tostring(L, 1));
    return lua_gettop(L) - res + 1;
}

static int io_tmpfile(lua_State *L)
{
    int res = call_original(L);
    track(L, res, "a temporary file");
    return lua_gettop(L) - res + 1;
}

/* f:write, f:flush (upvalue 2 false: the file is argument 1), io.write, io.flush (true: the
 * default output): a failure the script may ignore is remembered with its reason, for the line
 * printed when the file is closed. The original is called in place (this is on every write). */
static int noted(lua_State *L)
{
    const void *p = lua_touserdata(L, 1); /* compared with tracked streams only, never read */
    int n = lua_gettop(L), err;
    WFile *w;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (!lua_isnil(L, 1) || lua_gettop(L) < 3) return lua_gettop(L);
    err = (int)lua_tointeger(L, 3);
    if (lua_toboolean(L, lua_upvalueindex(2))) {
        lua_getfield(L, LUA_REGISTRYINDEX, "_IO_output");
        p = lua_touserdata(L, -1);
        lua_pop(L, 1); /* the registry keeps it */
    }
    if (p && p == F.err_stream) {
        if (!F.stderr_err) F.stderr_err = err;
    } else if (p && (w = *find(p)) != NULL && !w->err) {
        w->err = err;
    }
    return lua_gettop(L);
}

/* os.exit([code [, close]]): what the script wrote is settled first; a lost write turns status 0
 * into 8. */
static int os_exit(lua_State *L)
{
    int status;
    if (lua_isboolean(L, 1))
        status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
    else
        status = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
    if (att_files_settle(att_stopping() != 0) && status == EXIT_SUCCESS) status = EXIT_OUTPUT;
    if (F.on_exit) F.on_exit(L, status);
    lua_settop(L, 2);
    lua_pushinteger(L, status);
    lua_replace(L, 1);
    call_original(L);
    return 0;
}

void att_files_on_exit(void (*fn)(lua_State *L, int status)) { F.on_exit = fn; }

int att_files_failed(void)
{
    const WFile *w;
    for (w = F.open; w; w = w->next)
        if (w->err) return 1;
    return F.lost > 0 || att_out_failed() != 0;
}

static void at_exit_settle(void)
{
    int seen = F.settled;
    if (att_files_settle(0) > seen) _exit(EXIT_OUTPUT);
}

int att_files_settle(int lines_only)
{
    WFile *w;
    int err;
    while ((w = F.open) != NULL) {
        F.open = w->next;
        w->stream->closef = NULL; /* closed, for Lua too (a finaliser may still look) */
        close_checked(w, w->stream->f);
    }
    fflush(stdout);
    if (lines_only)
        att_out_flush_lines();
    else
        att_out_flush();
    err = att_out_take_error();
    if (err) lost("standard output", err);
    if ((fflush(stderr) != 0 || ferror(stderr)) && !F.stderr_told) {
        F.stderr_told = 1;
        lost("standard error", F.stderr_err); /* most likely lost as well; the status says it */
    }
    F.settled = F.lost;
    return F.lost;
}

/* Replaces t[name] (t at idx) with fn closing over the original and flag. */
static void wrap(lua_State *L, int idx, const char *name, lua_CFunction fn, int flag)
{
    lua_getfield(L, idx, name);
    lua_pushboolean(L, flag);
    lua_pushcclosure(L, fn, 2);
    lua_setfield(L, idx, name);
}

void att_files_install(lua_State *L)
{
    int io;
    lua_getglobal(L, "io");
    io = lua_gettop(L);
    lua_getfield(L, io, "stderr");
    F.err_stream = lua_touserdata(L, -1);
    lua_pop(L, 1);
    wrap(L, io, "open", io_open, 0);
    wrap(L, io, "output", io_output, 0);
    wrap(L, io, "tmpfile", io_tmpfile, 0);
    wrap(L, io, "write", noted, 1);
    wrap(L, io, "flush", noted, 1);
    luaL_getmetatable(L, LUA_FILEHANDLE);
    lua_getfield(L, -1, "__index");
    wrap(L, lua_gettop(L), "write", noted, 0);
    wrap(L, lua_gettop(L), "flush", noted, 0);
    lua_getglobal(L, "os");
    wrap(L, lua_gettop(L), "exit", os_exit, 0);
    lua_settop(L, io - 1);
    if (!F.at_exit && atexit(at_exit_settle) == 0) F.at_exit = 1;
}
