/* api.c — the run's state of module att (see api.h): the client and the credential of its origin,
 * the redactor, warnings and the progress line. */
#include "bind/api.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/adapt.h"
#include "core/auth.h"
#include "core/text.h"

AttApi *att_api_get(lua_State *L) { return *(AttApi **)lua_getextraspace(L); }

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

/* The run's own credentials as a set. */
static void own_cred(const AttApiConfig *c, AttCred *own)
{
    memset(own, 0, sizeof *own);
    own->origin = c->cred_origin;
    own->token = c->token;
    own->token_url = c->token_url;
    own->client_id = c->client_id;
    own->client_secret = c->client_secret;
    own->scope = c->scope;
}

int att_api_redact_url(AttApi *a, const char *url) { return redact_userinfo(a->redact, url) ? -1 : 0; }

int att_api_init(AttApi *a)
{
    AttCred own;
    int i, rc = 0;
    if (!a->redact && !(a->redact = att_redact_new())) return -1;
    own_cred(&a->cfg, &own);
    rc |= redact_cred(a->redact, &own);
    for (i = 0; i < a->cfg.nothers; i++) rc |= redact_cred(a->redact, &a->cfg.others[i]);
    if (a->cfg.base_url) rc |= redact_userinfo(a->redact, a->cfg.base_url);
    return rc ? -1 : 0;
}

/* Frees what a client holds (once), counting its work into the run's totals. */
static void client_free(AttClient *c)
{
    AttApi *a = c->api;
    AttHttpCounters n;
    if (!a) return;
    att_http_counters(c->http, &n);
    a->retired.requests += n.requests;
    a->retired.attempts += n.attempts;
    a->retired.retries += n.retries;
    a->retired.bytes += n.bytes;
    a->retired.connects += n.connects;
    a->retired_fetches += att_auth_fetches(c->auth);
    att_http_free(c->http); /* first: it ends the token request the auth provider may have in flight */
    att_auth_free(c->auth);
    c->http = NULL;
    c->auth = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        a->clients = c->next;
    if (c->next) c->next->prev = c->prev;
    c->api = NULL;
}

static int client_gc(lua_State *L)
{
    client_free(luaL_checkudata(L, 1, ATT_CLIENT_MT));
    return 0;
}

void att_api_counters(const AttApi *a, AttHttpCounters *n, long *token_fetches)
{
    const AttClient *c;
    *n = a->retired;
    *token_fetches = a->retired_fetches;
    for (c = a->clients; c; c = c->next) {
        AttHttpCounters m;
        att_http_counters(c->http, &m);
        n->requests += m.requests;
        n->attempts += m.attempts;
        n->retries += m.retries;
        n->bytes += m.bytes;
        n->connects += m.connects;
        *token_fetches += att_auth_fetches(c->auth);
    }
}

void att_api_close(AttApi *a)
{
    while (a->clients) client_free(a->clients); /* lua_close has run their __gc already */
    att_redact_free(a->redact);
    a->redact = NULL;
}

void att_api_push_clean(lua_State *L, const char *s, size_t n)
{
    AttApi *a = att_api_get(L);
    AttBuf b = {0};
    if (a && att_redact_apply(a->redact, s, n, &b) > 0) {
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
static const AttCred *cred_for(const AttApiConfig *c, const char *origin, AttCred *own)
{
    int i;
    own_cred(c, own);
    if (c->cred_origin && strcmp(c->cred_origin, origin) == 0) return own;
    for (i = 0; i < c->nothers; i++)
        if (strcmp(c->others[i].origin, origin) == 0) return &c->others[i];
    return NULL;
}

/* The auth provider for origin (NULL when no credential is configured for it: a credential stays
 * with its origin). [-0, +0, e] */
static struct AttAuth *auth_for(lua_State *L, AttApi *a, const char *origin)
{
    AttAuthConfig ac;
    AttCred own;
    const AttCred *cred = cred_for(&a->cfg, origin, &own);
    struct AttAuth *auth;
    char err[200];
    if (!cred) {
        if (a->cfg.verbose && (a->cfg.token || a->cfg.token_url))
            fprintf(stderr, "att: no credential is configured for %s: requests there go without one\n", origin);
        return NULL;
    }
    memset(&ac, 0, sizeof ac);
    ac.origin = origin;
    ac.token = cred->token;
    ac.token_url = cred->token_url;
    ac.client_id = cred->client_id;
    ac.client_secret = cred->client_secret;
    ac.scope = cred->scope;
    ac.redact = a->redact;
    err[0] = '\0';
    auth = att_auth_new(&ac, err, sizeof err);
    if (!auth && err[0]) luaL_error(L, "att: %s", err);
    return auth;
}

/* The client settings of cfg. */
static void http_config(const AttApi *a, struct AttAuth *auth, AttHttpConfig *hc)
{
    const AttApiConfig *c = &a->cfg;
    memset(hc, 0, sizeof *hc);
    hc->base_url = c->base_url;
    hc->appname = c->appname;
    hc->auth = auth ? att_auth_header : NULL;
    hc->auth_ud = auth;
    hc->timeout_ms = (long)(c->timeout * 1000.0);
    hc->connect_timeout_ms = (long)(c->connect_timeout * 1000.0);
    hc->stall_ms = (long)(c->stall_timeout * 1000.0);
    hc->max_response = c->max_response;
    hc->retry.retries = c->retries;
    hc->retry.max_wait_ms = (long)(c->max_wait * 1000.0);
    hc->retry.base_ms = ATT_RETRY_DEFAULT_BASE_MS;
    hc->retry.cap_ms = ATT_RETRY_DEFAULT_CAP_MS;
    hc->rate = c->rate;
    hc->cacert = c->cacert;
    hc->cert = c->cert;
    hc->key = c->key;
    hc->insecure = c->insecure;
    hc->verbose = c->verbose;
    hc->redact = a->redact;
    hc->budget = a->budget;
    hc->adaptive = c->adaptive;
    hc->window = c->adaptive ? ATT_ADAPT_MAX : 0;
}

AttClient *att_api_client(lua_State *L)
{
    AttApi *a = att_api_get(L);
    AttHttpConfig hc;
    AttClient *c;
    char err[200], origin[300];
    if (a->client_ref > 0) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, a->client_ref);
        return luaL_checkudata(L, -1, ATT_CLIENT_MT);
    }
    if (att_url_origin(a->cfg.base_url, origin, sizeof origin) != 0)
        luaL_error(L, "att: the base URL %s is not an http:// or https:// URL with a host", a->cfg.base_url);
    c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    if (luaL_newmetatable(L, ATT_CLIENT_MT)) {
        lua_pushcfunction(L, client_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    c->api = a; /* linked first, so that __gc frees whatever is made below */
    c->next = a->clients;
    if (a->clients) a->clients->prev = c;
    a->clients = c;
    c->auth = auth_for(L, a, origin);
    http_config(a, c->auth, &hc);
    c->http = att_http_new(&hc, err, sizeof err);
    if (!c->http) luaL_error(L, "att: cannot start the HTTP client: %s", err);
    att_auth_bind(c->auth, c->http);
    lua_pushvalue(L, -1);
    a->client_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return c;
}

AttHttp *att_api_http(lua_State *L)
{
    AttHttp *h = att_api_client(L)->http;
    lua_pop(L, 1);
    return h;
}

void att_api_new_settings(lua_State *L)
{
    AttApi *a = att_api_get(L);
    if (a->client_ref > 0) luaL_unref(L, LUA_REGISTRYINDEX, a->client_ref);
    a->client_ref = 0;
}

void att_api_warn(lua_State *L, const char *fmt, ...)
{
    AttApi *a = att_api_get(L);
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    att_api_progress(L, 0, 0, 0, 0, 1);
    if (a->warn)
        a->warn(a->warn_ud, msg);
    else
        fprintf(stderr, "att: warning: %s\n", msg);
}

void att_api_progress(lua_State *L, long long fetched, long long total, long long pages, double started, int done)
{
    AttApi *a = att_api_get(L);
    double now = att_now(), el = now - started;
    if (!a->cfg.progress) return;
    if (done) {
        if (a->progress_last > 0) fputs("\r\033[K", stderr);
        a->progress_last = 0;
        return;
    }
    /* Short scans stay silent; longer ones redraw at most ten times a second. */
    if (el < 1.0 || (a->progress_last > 0 && now - a->progress_last < 0.1)) return;
    a->progress_last = now;
    fprintf(stderr, "\ratt: %lld of %lld individuals, %lld pages, %.0f/s, %.1f s\033[K", fetched, total, pages,
            el > 0 ? (double)fetched / el : 0.0, el);
    fflush(stderr);
}
