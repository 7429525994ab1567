/* host.c — the Lua state: counting allocator, standard libraries, module att (global and
 * require), bundled lua/att modules in package.preload, protected calls with a traceback. */
#include "host/host.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "host/bundle.h"
#include "bind/error.h"
#include "bind/journal.h"
#include "bind/json.h"
#include "host/cells.h"
#include "host/files.h"
#include "host/globals.h"
#include "host/out.h"
#include "host/outfile.h"
#include "host/sqlite.h"
#include "host/pg.h"
#include "host/restrict.h"
#include "host/sources.h"
#include "host/xlsx.h"
#include "core/stop.h"
#include "core/text.h"

AttHost *att_host_get(lua_State *L) { return (AttHost *)(void *)att_api_get(L); }

/* The warnings of module att: on stderr, unless -q. */
static void host_warn(void *ud, const char *msg)
{
    const AttHost *h = ud;
    if (!h->cfg.quiet) fprintf(stderr, "att: warning: %s\n", msg);
}

/* Counting allocator: the Lua heap is charged to the run's budget, which enforces --max-memory
 * for it and for everything else att holds (Lua turns a NULL into a "not enough memory" error the
 * script can catch; the host itself is not harmed). */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    AttHost *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        att_pool_realloc(&h->pool, ptr, old, 0);
        h->mem_used -= old;
        att_budget_give(&h->budget, old);
        return NULL;
    }
    if (nsize > old && att_budget_take(&h->budget, nsize - old) != 0) return NULL;
    ptr = att_pool_realloc(&h->pool, ptr, old, nsize);
    if (!ptr) {
        if (nsize > old) att_budget_give(&h->budget, nsize - old);
        return NULL;
    }
    if (nsize < old) att_budget_give(&h->budget, old - nsize);
    h->mem_used += nsize - old;
    if (h->mem_used > h->mem_peak) h->mem_peak = h->mem_used;
    return ptr;
}

static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "att: unprotected error: %s\n", msg ? msg : "(not a string)");
    fflush(stdout);
    return 0; /* Lua aborts */
}

/* Count hook, installed for the whole run (coroutines inherit it): once att_stop is set (a signal,
 * the --max-time deadline), every call raises again, so that a script that swallows the error with
 * pcall is stopped again at once. Code the hook cannot reach is the watchdog's (watch.c). */
static void limit_hook(lua_State *L, lua_Debug *ar)
{
    int why = att_stopping();
    (void)ar;
    if (!why) return;
    if (why == ATT_STOP_TIME) {
        char msg[100];
        snprintf(msg, sizeof msg, "script stopped: --max-time of %g seconds exceeded", att_host_get(L)->cfg.max_time);
        luaL_error(L, "%s", msg);
    }
    luaL_error(L, "%s", att_stop_text(why));
}

/* package.preload loader for a bundled module; upvalue: its index in att_bundled. */
static int load_bundled(lua_State *L)
{
    const AttBundled *m = &att_bundled[lua_tointeger(L, lua_upvalueindex(1))];
    char chunk[256];
    snprintf(chunk, sizeof chunk, "@%s", m->path);
    if (luaL_loadbufferx(L, m->text, m->len, chunk, "t") != LUA_OK) return lua_error(L);
    lua_pushstring(L, m->name);
    lua_call(L, 1, 1);
    return 1;
}

/* ---- standard output: att's own buffer (out.c) behind io.stdout ---------------------------- */

static int is_stdout(lua_State *L, int idx)
{
    luaL_Stream *p = luaL_testudata(L, idx, LUA_FILEHANDLE);
    return p && p->f == stdout && att_out_owned();
}

/* Pushes the result of a flush of att's buffer: true, or nil, message, errno. [-0, +1|3, m] */
static int out_result(lua_State *L)
{
    int err = att_out_flush();
    if (!err) {
        lua_pushboolean(L, 1);
        return 1;
    }
    errno = err;
    return luaL_fileresult(L, 0, NULL);
}

/* f:flush() (upvalue 1: the original): standard output is also written from att's buffer. */
static int file_flush(lua_State *L)
{
    int n = lua_gettop(L), out = is_stdout(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (out && lua_toboolean(L, 1)) {
        lua_settop(L, 0);
        return out_result(L);
    }
    return lua_gettop(L);
}

/* io.flush(): the default output, and att's buffer when that is standard output. */
static int io_flush(lua_State *L)
{
    int out;
    lua_getfield(L, LUA_REGISTRYINDEX, "_IO_output");
    out = is_stdout(L, -1);
    lua_pop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, LUA_MULTRET);
    if (out && lua_toboolean(L, 1)) {
        lua_settop(L, 0);
        return out_result(L);
    }
    return lua_gettop(L);
}

/* f:setvbuf(mode [, size]): for standard output, the mode of att's buffer. */
static int file_setvbuf(lua_State *L)
{
    static const char *const modes[] = {"no", "line", "full", NULL};
    int n = lua_gettop(L);
    if (is_stdout(L, 1)) {
        att_out_mode(luaL_checkoption(L, 2, NULL, modes));
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* Replaces t[name] (t at idx) with fn closing over the original. */
static void wrap(lua_State *L, int idx, const char *name, lua_CFunction fn)
{
    lua_getfield(L, idx, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, idx, name);
}

static void wrap_stdout(lua_State *L)
{
    luaL_getmetatable(L, LUA_FILEHANDLE);
    lua_getfield(L, -1, "__index");
    wrap(L, lua_gettop(L), "flush", file_flush);
    wrap(L, lua_gettop(L), "setvbuf", file_setvbuf);
    lua_pop(L, 2);
    lua_getglobal(L, "io");
    wrap(L, lua_gettop(L), "flush", io_flush);
    lua_pop(L, 1);
}

static int open_all(lua_State *L)
{
    size_t i;
    luaL_openlibs(L);
    if (att_host_get(L)->api.journal) { /* a resumed run's readings are needed at once (the seed) */
        char err[600];
        if (att_journal_load(L, err, sizeof err) != 0)
            return luaL_error(L, "att: %s: %s", att_host_get(L)->api.cfg.replay_dir ? "--replay" : "resume", err);
    }
    att_sources_install(L);
    wrap_stdout(L);
    att_files_install(L);
    if (att_host_get(L)->api.cfg.safe) {
        att_safe_apply(L, &att_host_get(L)->cfg);
    } else {
        att_text_only(L);
        att_user_modules(L, att_host_get(L)->cfg.lua_path);
    }
    luaL_requiref(L, "att", att_open, 1); /* package.loaded.att and global att */
    att_sources_att(L, lua_gettop(L));
    lua_pop(L, 1);
    att_outfile_install(L, att_host_get(L)->api.cfg.safe);
    att_cells_install(L, &att_host_get(L)->budget);
    att_sqlite_install(L, att_host_get(L)->api.cfg.safe);
    att_xlsx_install(L, att_host_get(L)->api.cfg.safe);
    att_pg_install(L, att_host_get(L)->api.cfg.safe, att_host_get(L)->cfg.argc, att_host_get(L)->cfg.argv);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (i = 0; i < att_bundled_count; i++) {
        lua_pushinteger(L, (lua_Integer)i);
        lua_pushcclosure(L, load_bundled, 1);
        lua_setfield(L, -2, att_bundled[i].name);
    }
    lua_pop(L, 1);
    if (att_host_get(L)->cfg.global_warnings) att_globals_install(L, &att_host_get(L)->prompt);
    return 0;
}

lua_State *att_host_new(AttHost *host)
{
    lua_State *L;
    host->budget.limit = host->cfg.max_memory;
    host->api.budget = &host->budget;
    host->api.warn = host_warn;
    host->api.warn_ud = host;
    if (att_api_init(&host->api) != 0) return NULL;
    host->api.journal = att_journal_new(&host->api.cfg);
    if (!host->api.journal && (host->api.cfg.replay_dir || host->api.cfg.record_dir || host->api.cfg.journal_dir))
        return NULL;
    L = lua_newstate(host_alloc, host);
    if (!L) return NULL;
    *(AttApi **)lua_getextraspace(L) = &host->api;
    lua_atpanic(L, panic);
    lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1000);
    lua_pushcfunction(L, open_all);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (msg && strncmp(msg, "att: ", 5) == 0) { /* a journal or recording that cannot be read */
            fprintf(stderr, "%s\n", msg);
            host->init_failed = 1;
        } else
            fprintf(stderr, "att: cannot initialise Lua: %s\n", msg ? msg : "?");
        att_host_close(L);
        return NULL;
    }
    return L;
}

void att_host_close(lua_State *L)
{
    AttHost *h;
    if (!L) return;
    h = att_host_get(L);
    lua_close(L); /* runs __gc of results first */
    att_pool_free(&h->pool);
    att_journal_free(h->api.journal);
    h->api.journal = NULL;
    att_api_close(&h->api);
}

int att_host_kind_status(const char *kind, long status)
{
    if (!kind) return 0;
    if (strcmp(kind, "network") == 0) return 3;
    if (strcmp(kind, "auth") == 0) return 4;
    if (strcmp(kind, "http") == 0) {
        if (status == 401 || status == 403) return 4;
        if (status >= 400 && status <= 499 && status != 429) return 5;
        return 6; /* 5xx, 429 after the retries, and statuses the contract has no place for (1xx, 3xx) */
    }
    if (strcmp(kind, "json") == 0 || strcmp(kind, "protocol") == 0 || strcmp(kind, "drift") == 0) return 6;
    if (strcmp(kind, "limit") == 0) return 7;
    return 0;
}

/* ---- what a failure shows: operational and usage errors one line, script bugs a traceback ---- */

/* 1 when source (a chunk name) is one of att's own: a bundled module or "=att search". */
static int own_chunk(const char *source)
{
    size_t i;
    if (strcmp(source, "=att search") == 0) return 1;
    for (i = 0; i < att_bundled_count; i++)
        if (source[0] == '@' && strcmp(source + 1, att_bundled[i].path) == 0) return 1;
    return 0;
}

/* Pushes "FILE:LINE" of the innermost Lua function on the stack that is not att's own, or
 * nothing. Returns 1 when it pushed. [-0, +0|1, m] */
static int push_user_place(lua_State *L)
{
    lua_Debug ar;
    int level;
    for (level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0 || strcmp(ar.what, "C") == 0) continue;
        if (own_chunk(ar.source)) continue;
        lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
        return 1;
    }
    return 0;
}

/* The length of the "SRC:LINE: " prefix of msg, or 0 when it has none. */
static size_t place_len(const char *msg)
{
    const char *colon = strchr(msg, ':'), *p;
    if (!colon || colon == msg) return 0;
    for (p = colon + 1; *p >= '0' && *p <= '9'; p++) continue;
    return p > colon + 1 && p[0] == ':' && p[1] == ' ' ? (size_t)(p + 2 - msg) : 0;
}

/* 1 when the prefix of msg (of length n, from place_len) names one of att's own chunks, whose
 * place says nothing to the user. */
static int own_place(const char *msg, size_t n)
{
    size_t i, len = n ? (size_t)(strchr(msg, ':') - msg) : 0;
    if (!n) return 0;
    if (len == 10 && strncmp(msg, "att search", 10) == 0) return 1;
    for (i = 0; i < att_bundled_count; i++)
        if (strlen(att_bundled[i].path) == len && strncmp(msg, att_bundled[i].path, len) == 0) return 1;
    return 0;
}

/* 1 when a string error is a usage error of att's API ("att.search: pageSize must be ...",
 * "att.report.csv: cannot open ...", "att: --replay: ..."), after any "SRC:LINE: " prefix. */
static int is_usage(const char *msg)
{
    msg += place_len(msg);
    return strncmp(msg, "att", 3) == 0 && (msg[3] == '.' || msg[3] == ':' || msg[3] == ' ');
}

/* Message handler: the error as one line (error objects through __tostring). Operational errors
 * (att error objects, limits) and usage errors raised by att's API are one line with the user's
 * FILE:LINE in place of frames inside att's own modules; anything else is a bug of the script and
 * gets a traceback, as --verbose gives every error. */
static int msghandler(lua_State *L)
{
    const char *msg = NULL;
    AttHost *h = att_host_get(L);
    int object = 0, oneline;
    h->error_status = 0;
    h->error_usage = 0;
    att_outfile_forget(L); /* what earlier errors, caught by the script, kept */
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "kind");
        lua_getfield(L, 1, "status");
        h->error_limit = lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "limit") == 0;
        if (lua_getmetatable(L, 1)) { /* an att error object, raised as it was made */
            luaL_getmetatable(L, "att.Error");
            if (lua_rawequal(L, -1, -2)) {
                object = 1;
                h->error_status = att_host_kind_status(lua_tostring(L, -4), (long)lua_tointeger(L, -3));
            }
            lua_pop(L, 2);
        }
        lua_pop(L, 2);
    } else {
        h->error_limit =
            h->budget.refused && lua_type(L, 1) == LUA_TSTRING && strstr(lua_tostring(L, 1), "not enough memory");
    }
    h->error_lost = !h->error_limit && att_files_failed();
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
        msg = lua_tostring(L, -1);
    else if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER)
        msg = lua_tostring(L, 1);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    h->error_usage = !object && lua_type(L, 1) == LUA_TSTRING && is_usage(msg);
    oneline = object || h->error_limit || h->error_usage;
    if (oneline) {
        size_t skip = object ? 0 : place_len(msg);
        if (object || !skip || own_place(msg, skip)) { /* a place the user can act on, not att's */
            msg += skip;
            if (strncmp(msg, "att: ", 5) == 0) msg += 5;
            /* an error object's line begins with what happened (att: HTTP 401 from ...) */
            if (push_user_place(L))
                msg = object ? lua_pushfstring(L, "%s (at %s)", msg, lua_tostring(L, -1))
                             : lua_pushfstring(L, "%s: %s", lua_tostring(L, -1), msg);
        }
        if (!h->api.cfg.verbose) {
            lua_pushstring(L, msg);
            return 1;
        }
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

void att_host_report(lua_State *L, int status)
{
    AttHost *h = att_host_get(L);
    const char *msg, *nl, *kept = NULL, *prefix;
    char resume[2700] = "";
    int len;
    if (status == LUA_OK) return;
    msg = lua_tostring(L, -1);
    if (!msg) msg = "(error object is not a string)";
    fflush(stdout); /* output written before the error comes first */
    prefix = strncmp(msg, "att: ", 5) == 0 ? "" : "att: ";
    nl = strchr(msg, '\n');
    len = nl ? (int)(nl - msg) : (int)strlen(msg);
    snprintf(h->why, sizeof h->why, "%.*s", len - (*prefix ? 0 : 5), msg + (*prefix ? 0 : 5));
    if (att_outfile_kept(L)) kept = lua_tostring(L, -1); /* the partial output a failed writer kept */
    if (h->cfg.resume_hint && att_journal_answers(&h->api) > 0)
        snprintf(resume, sizeof resume, "; resume with: %s", h->cfg.resume_hint);
    /* The first line says what happened, where the partial output is, and how to go on. */
    fprintf(stderr, "%s%.*s%s%s%s%s\n", prefix, len, msg, kept ? "; partial output kept in " : "", kept ? kept : "",
            resume, nl ? nl : "");
    if (kept) lua_pop(L, 1);
    fflush(stderr);
    lua_pop(L, 1);
}

int att_host_call(lua_State *L, int nargs)
{
    int base = lua_gettop(L) - nargs, status;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    status = lua_pcall(L, nargs, LUA_MULTRET, base);
    lua_remove(L, base);
    return status;
}
