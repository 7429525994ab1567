/* host.c — the Lua state: counting allocator, standard libraries, module att (global and
 * require), bundled lua/att modules in package.preload, protected calls with a traceback. */
#include "host.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "auth.h"
#include "bundle.h"
#include "error.h"
#include "json.h"
#include "safe.h"

AttHost *att_host_get(lua_State *L)
{
    return *(AttHost **)lua_getextraspace(L);
}

/* Counting allocator: reports memory use and enforces --max-memory (Lua turns a NULL into a
 * "not enough memory" error the script can catch; the host itself is not harmed). */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    AttHost *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        att_pool_realloc(&h->pool, ptr, old, 0);
        h->mem_used -= old;
        return NULL;
    }
    if (h->cfg.max_memory && nsize > old) {
        size_t room = h->mem_used < h->cfg.max_memory ? h->cfg.max_memory - h->mem_used : 0;
        if (nsize - old > room) return NULL;
    }
    ptr = att_pool_realloc(&h->pool, ptr, old, nsize);
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

int att_host_secrets(const AttHost *h, const char **out, int max)
{
    int n = 0;
    if (h->cfg.token && *h->cfg.token && n < max) out[n++] = h->cfg.token;
    if (h->cfg.client_secret && *h->cfg.client_secret && n < max) out[n++] = h->cfg.client_secret;
    return n;
}

AttHttp *att_host_http(lua_State *L)
{
    AttHost *h = att_host_get(L);
    if (!h->http) {
        AttHttpConfig hc;
        AttAuthConfig ac;
        char err[200];
        memset(&hc, 0, sizeof hc);
        memset(&ac, 0, sizeof ac);
        ac.token = h->cfg.token;
        ac.token_url = h->cfg.token_url;
        ac.client_id = h->cfg.client_id;
        ac.client_secret = h->cfg.client_secret;
        ac.scope = h->cfg.scope;
        if (!h->auth) {
            h->auth = att_auth_new(&ac, err, sizeof err);
            if (!h->auth && err[0]) luaL_error(L, "att: %s", err);
        }
        hc.base_url = h->cfg.base_url;
        hc.appname = h->cfg.appname;
        hc.auth = h->auth ? att_auth_header : NULL;
        hc.auth_ud = h->auth;
        hc.timeout_ms = (long)(h->cfg.timeout * 1000.0);
        hc.connect_timeout_ms = (long)(h->cfg.connect_timeout * 1000.0);
        hc.stall_ms = (long)(h->cfg.stall_timeout * 1000.0);
        hc.max_response = h->cfg.max_response;
        hc.retry.retries = h->cfg.retries;
        hc.retry.max_wait_ms = (long)(h->cfg.max_wait * 1000.0);
        hc.retry.base_ms = ATT_RETRY_DEFAULT_BASE_MS;
        hc.retry.cap_ms = ATT_RETRY_DEFAULT_CAP_MS;
        hc.rate = h->cfg.rate;
        hc.cacert = h->cfg.cacert;
        hc.cert = h->cfg.cert;
        hc.key = h->cfg.key;
        hc.insecure = h->cfg.insecure;
        hc.verbose = h->cfg.verbose;
        att_host_secrets(h, hc.secrets, ATT_MAX_SECRETS);
        h->http = att_http_new(&hc, err, sizeof err);
        if (!h->http) luaL_error(L, "att: cannot start the HTTP client: %s", err);
        att_auth_bind(h->auth, h->http);
    }
    return h->http;
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void att_host_progress(AttHost *h, long long fetched, long long total, long long pages, double started, int done)
{
    double now = now_mono(), el = now - started;
    if (!h->cfg.progress) return;
    if (done) {
        if (h->progress_last > 0) fputs("\r\033[K", stderr);
        h->progress_last = 0;
        return;
    }
    /* Short scans stay silent; longer ones redraw at most ten times a second. */
    if (el < 1.0 || (h->progress_last > 0 && now - h->progress_last < 0.1)) return;
    h->progress_last = now;
    fprintf(stderr, "\ratt: %lld of %lld individuals, %lld pages, %.0f/s, %.1f s\033[K", fetched, total, pages,
            el > 0 ? (double)fetched / el : 0.0, el);
    fflush(stderr);
}

/* Count hook: stops a script on SIGINT and at the --max-time deadline. */
static void limit_hook(lua_State *L, lua_Debug *ar)
{
    AttHost *h = att_host_get(L);
    (void)ar;
    /* The hook stays installed (at a cheaper rate) after it fires, so that a script that
     * swallows the error with pcall is stopped again at once. */
    if (att_interrupted) {
        att_host_watch(L, 1000);
        luaL_error(L, "interrupted");
    }
    if (h->deadline > 0 && now_mono() > h->deadline) {
        luaL_error(L, "script stopped: --max-time of %f seconds exceeded", h->cfg.max_time);
    }
}

void att_host_watch(lua_State *L, int every)
{
    lua_sethook(L, limit_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, every);
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

/* Pushes the module templates for --lua-path DIRS (';'-separated) and the user's config directory
 * ($XDG_CONFIG_HOME/att/lua or ~/.config/att/lua). [-0, +1, m] */
static void push_user_path(lua_State *L, const char *dirs)
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
    if (xdg && *xdg) lua_pushfstring(L, "%s/att/lua/?.lua;%s/att/lua/?/init.lua", xdg, xdg);
    else if (home && *home) lua_pushfstring(L, "%s/.config/att/lua/?.lua;%s/.config/att/lua/?/init.lua", home, home);
    else lua_pushliteral(L, "");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
}

static int open_all(lua_State *L)
{
    size_t i;
    luaL_openlibs(L);
    if (att_host_get(L)->cfg.safe) {
        att_safe_apply(L);
    } else {
        att_text_only(L, 0);
        push_user_path(L, att_host_get(L)->cfg.lua_path);
        att_user_modules(L, lua_tostring(L, -1));
        lua_setfield(L, LUA_REGISTRYINDEX, "att.user_path");
    }
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
    if (host->cfg.max_time > 0) {
        host->deadline = now_mono() + host->cfg.max_time;
        att_host_watch(L, 1000);
    }
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
    att_pool_free(&h->pool);
    att_http_free(h->http);
    h->http = NULL;
    att_auth_free(h->auth);
    h->auth = NULL;
    if (h->record_file) fclose(h->record_file);
    h->record_file = NULL;
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
