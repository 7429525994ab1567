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
#include "bind/json.h"
#include "host/out.h"
#include "host/restrict.h"
#include "core/stop.h"
#include "core/text.h"

AttHost *att_host_get(lua_State *L) { return *(AttHost **)lua_getextraspace(L); }

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

/* Adds the password of a URL's user info, and the Basic header libcurl makes of it. */
static int redact_userinfo(AttRedact *r, const char *url)
{
    char user[1024], pw[1024];
    int rc = 0;
    if (att_url_userinfo(url, user, sizeof user, pw, sizeof pw) != 0) return 0;
    rc |= att_redact_add(r, pw, strlen(pw));
    rc |= att_redact_add_basic(r, user, pw);
    memset(pw, 0, sizeof pw);
    return rc;
}

/* Adds one credential set to the redactor. */
static int redact_cred(AttRedact *r, const AttCred *c)
{
    int rc = 0;
    if (c->token) rc |= att_redact_add(r, c->token, strlen(c->token));
    if (c->client_secret) {
        rc |= att_redact_add(r, c->client_secret, strlen(c->client_secret));
        if (c->client_id) rc |= att_redact_add_basic(r, c->client_id, c->client_secret);
    }
    if (c->token_url) rc |= redact_userinfo(r, c->token_url);
    return rc ? -1 : 0;
}

int att_host_redactor_url(AttHost *h, const char *url) { return redact_userinfo(h->redact, url) ? -1 : 0; }

int att_host_redactor(AttHost *h)
{
    AttCred own;
    int i, rc = 0;
    if (!h->redact && !(h->redact = att_redact_new())) return -1;
    memset(&own, 0, sizeof own);
    own.token = h->cfg.token;
    own.token_url = h->cfg.token_url;
    own.client_id = h->cfg.client_id;
    own.client_secret = h->cfg.client_secret;
    rc |= redact_cred(h->redact, &own);
    for (i = 0; i < h->cfg.nothers; i++) rc |= redact_cred(h->redact, &h->cfg.others[i]);
    if (h->cfg.base_url) rc |= redact_userinfo(h->redact, h->cfg.base_url);
    return rc ? -1 : 0;
}

void att_host_push_clean(lua_State *L, const char *s, size_t n)
{
    AttHost *h = att_host_get(L);
    AttBuf b = {0};
    if (h && att_redact_apply(h->redact, s, n, &b) > 0) {
        if (b.oom) {
            att_buf_wipe_free(&b);
            luaL_error(L, "att: out of memory");
        }
        lua_pushlstring(L, b.data, b.len);
        att_buf_wipe_free(&b);
        return;
    }
    lua_pushlstring(L, s, n);
}

/* The credentials for requests to origin: the run's own when the origin is theirs, else a
 * profile's configured for it, else none (NULL). */
static const AttCred *cred_for(const AttHost *h, const char *origin, AttCred *own)
{
    int i;
    memset(own, 0, sizeof *own);
    if (h->cfg.cred_origin && strcmp(h->cfg.cred_origin, origin) == 0) {
        own->origin = h->cfg.cred_origin;
        own->token = h->cfg.token;
        own->token_url = h->cfg.token_url;
        own->client_id = h->cfg.client_id;
        own->client_secret = h->cfg.client_secret;
        own->scope = h->cfg.scope;
        return own;
    }
    for (i = 0; i < h->cfg.nothers; i++)
        if (strcmp(h->cfg.others[i].origin, origin) == 0) return &h->cfg.others[i];
    return NULL;
}

AttHttp *att_host_http(lua_State *L)
{
    AttHost *h = att_host_get(L);
    if (!h->http) {
        AttHttpConfig hc;
        AttAuthConfig ac;
        AttCred own;
        const AttCred *cred;
        char err[200], origin[300];
        memset(&hc, 0, sizeof hc);
        memset(&ac, 0, sizeof ac);
        if (att_url_origin(h->cfg.base_url, origin, sizeof origin) != 0)
            luaL_error(L, "att: the base URL %s is not an http:// or https:// URL with a host", h->cfg.base_url);
        if (h->auth) { /* the credential of another origin stays there */
            h->token_fetches += att_auth_fetches(h->auth);
            att_auth_free(h->auth);
            h->auth = NULL;
        }
        cred = cred_for(h, origin, &own);
        if (cred) {
            ac.origin = origin;
            ac.token = cred->token;
            ac.token_url = cred->token_url;
            ac.client_id = cred->client_id;
            ac.client_secret = cred->client_secret;
            ac.scope = cred->scope;
            ac.redact = h->redact;
            h->auth = att_auth_new(&ac, err, sizeof err);
            if (!h->auth && err[0]) luaL_error(L, "att: %s", err);
        } else if (h->cfg.verbose && (h->cfg.token || h->cfg.token_url)) {
            fprintf(stderr, "att: no credential is configured for %s: requests there go without one\n", origin);
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
        hc.redact = h->redact;
        hc.budget = &h->budget;
        h->http = att_http_new(&hc, err, sizeof err);
        if (!h->http) luaL_error(L, "att: cannot start the HTTP client: %s", err);
        att_auth_bind(h->auth, h->http);
    }
    return h->http;
}

void att_host_progress(AttHost *h, long long fetched, long long total, long long pages, double started, int done)
{
    double now = att_now(), el = now - started;
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
    wrap_stdout(L);
    if (att_host_get(L)->cfg.safe) {
        att_safe_apply(L, &att_host_get(L)->cfg);
    } else {
        att_text_only(L);
        att_user_modules(L, att_host_get(L)->cfg.lua_path);
    }
    att_json_init(L);
    luaL_requiref(L, "att", att_open, 1); /* package.loaded.att and global att */
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
    lua_State *L;
    host->budget.limit = host->cfg.max_memory;
    if (att_host_redactor(host) != 0) return NULL;
    L = lua_newstate(host_alloc, host);
    if (!L) return NULL;
    *(AttHost **)lua_getextraspace(L) = host;
    lua_atpanic(L, panic);
    lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1000);
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
    lua_close(L); /* runs __gc of results first */
    att_pool_free(&h->pool);
    att_http_free(h->http);
    h->http = NULL;
    att_auth_free(h->auth);
    h->auth = NULL;
    if (h->record_file) fclose(h->record_file);
    h->record_file = NULL;
    att_redact_free(h->redact);
    h->redact = NULL;
}

/* Message handler: the error as one line (error objects through __tostring) plus a traceback. */
static int msghandler(lua_State *L)
{
    const char *msg = NULL;
    AttHost *h = att_host_get(L);
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "kind");
        h->error_limit = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "limit") == 0;
        lua_pop(L, 1);
    } else {
        h->error_limit =
            h->budget.refused && lua_type(L, 1) == LUA_TSTRING && strstr(lua_tostring(L, 1), "not enough memory");
    }
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
    fflush(stdout); /* output written before the error comes first */
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
