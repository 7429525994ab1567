/* host.c — the Lua state: counting allocator, standard libraries, module att (global and
 * require), bundled lua/att modules in package.preload, protected calls with a traceback. */
#include "host.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "error.h"
#include "json.h"

AttHost *att_host_get(lua_State *L)
{
    return *(AttHost **)lua_getextraspace(L);
}

/* Counting allocator: the host can report memory use (and, later, cap it). */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    AttHost *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        h->mem_used -= old;
        return NULL;
    }
    ptr = realloc(ptr, nsize);
    if (ptr) {
        h->mem_used += nsize - old;
        if (h->mem_used > h->mem_peak) h->mem_peak = h->mem_used;
    }
    return ptr;
}

static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "att: unprotected error: %s\n", msg ? msg : "(not a string)");
    fflush(stdout);
    return 0;   /* Lua aborts */
}

AttHttp *att_host_http(lua_State *L)
{
    AttHost *h = att_host_get(L);
    if (!h->http) {
        AttHttpConfig hc;
        char err[200];
        hc.base_url = h->cfg.base_url;
        hc.appname = h->cfg.appname;
        hc.token = h->cfg.token;
        hc.timeout_ms = (long)(h->cfg.timeout * 1000.0);
        hc.connect_timeout_ms = (long)(h->cfg.connect_timeout * 1000.0);
        hc.max_response = h->cfg.max_response;
        h->http = att_http_new(&hc, err, sizeof err);
        if (!h->http) luaL_error(L, "att: cannot start the HTTP client: %s", err);
    }
    return h->http;
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

static int open_all(lua_State *L)
{
    size_t i;
    luaL_openlibs(L);
    att_json_init(L);
    luaL_requiref(L, "att", att_open, 1);          /* package.loaded.att and global att */
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (i = 0; i < att_bundled_count; i++) {
        lua_pushinteger(L, (lua_Integer)i);
        lua_pushcclosure(L, load_bundled, 1);
        lua_setfield(L, -2, att_bundled[i].name);
    }
    lua_pop(L, 1);
    return 0;
}

lua_State *att_host_new(AttHost *host)
{
    lua_State *L = lua_newstate(host_alloc, host);
    if (!L) return NULL;
    *(AttHost **)lua_getextraspace(L) = host;
    lua_atpanic(L, panic);
    lua_pushcfunction(L, open_all);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "att: cannot initialise Lua: %s\n", lua_tostring(L, -1));
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
    lua_close(L);                                  /* runs __gc of results first */
    att_http_free(h->http);
    h->http = NULL;
}

/* Message handler: the error as one line (error objects through __tostring) plus a traceback. */
static int msghandler(lua_State *L)
{
    const char *msg = NULL;
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
        msg = lua_tostring(L, -1);
    else if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER)
        msg = lua_tostring(L, 1);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

void att_host_report(lua_State *L, int status)
{
    const char *msg;
    if (status == LUA_OK) return;
    msg = lua_tostring(L, -1);
    if (!msg) msg = "(error object is not a string)";
    fflush(stdout);                                /* output written before the error comes first */
    fprintf(stderr, "%s%s\n", strncmp(msg, "att: ", 5) == 0 ? "" : "att: ", msg);
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
