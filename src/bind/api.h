/* api.h — the state of module att for one run: the settings of its requests, the HTTP client with
 * the credential of the client's origin, the redactor that knows every credential of the run, the
 * memory budget, the recording, the progress line of scans and the warnings hook.
 *
 * The host embeds an AttApi as the first member of its own state and keeps a pointer to it in the
 * Lua state's extra space (att_api_get); nothing of the bind layer knows the host. */
#ifndef ATT_API_H
#define ATT_API_H

#include <lua.h>
#include <stddef.h>
#include <stdio.h>

#include "common/budget.h"
#include "core/http.h"
#include "core/redact.h"

#define ATT_MAX_CREDS 16
#define ATT_CLIENT_MT "att.Client"

/* Credentials configured for one origin: a profile's own, or the run's. */
typedef struct AttCred {
    const char *origin; /* "scheme://host:port" of the base URL they were configured with */
    const char *token;
    const char *token_url, *client_id, *client_secret, *scope;
} AttCred;

/* What the requests of the run are made with. Strings are borrowed for the life of the state. */
typedef struct AttApiConfig {
    const char *base_url;
    const char *appname;
    const char *token;                                         /* from ATT_TOKEN or a profile only */
    const char *token_url, *client_id, *client_secret, *scope; /* OAuth client credentials */
    const char *cred_origin;       /* the origin the credentials above belong to (the initial base URL's) */
    AttCred others[ATT_MAX_CREDS]; /* credentials of the other profiles, each for its origin */
    int nothers;
    double timeout;         /* seconds, total per attempt */
    double connect_timeout; /* seconds */
    double stall_timeout;   /* seconds without a byte before an attempt is abandoned */
    size_t max_response;    /* bytes */
    int retries;            /* retries of a transient failure */
    double max_wait;        /* seconds the retries of one request may wait in all */
    double rate;            /* requests per second; 0: unlimited */
    int window;             /* default opts.window of att.search (--window, ATT_WINDOW) */
    int adaptive;           /* no window given: learned (core/adapt.h), scans ATT_ADAPT_MAX ahead */
    const char *cacert, *cert, *key;
    int insecure;
    int verbose;               /* 0, 1 (--verbose), 2 (--trace) */
    int safe;                  /* --safe: settings frozen or only lowered, methods allowed */
    const char *allow_methods; /* --allow-method: methods att.request may use under --safe */
    const char *record_dir;    /* --record DIR */
    const char *replay_dir;    /* --replay DIR: answers come from the recording, no network */
    const char *journal_dir;   /* the run's journal directory (RUNS/ID); NULL: none */
    int journal_resume;        /* journal_dir holds the journal of an earlier run, resumed */
    size_t journal_max;        /* the journal's size cap in bytes; 0: none */
    const char *journal_meta;  /* the run's description (JSON), written beside its journal */
    int progress;              /* show a progress line on stderr (a terminal, not --quiet) */
    const char *extra_fields;  /* request fields the user declared (--field, ATT_FIELDS), a,b,c */
} AttApiConfig;

/* The warnings hook: one line, without "att: warning: ". */
typedef void (*AttWarnFn)(void *ud, const char *msg);

/* An HTTP client with the auth provider of its origin, owned by a Lua userdata (att.Client) so
 * that whatever uses it keeps it alive: the run's current client, a scan that started with it, a
 * request in flight on it. att.configure makes a new current client; the old one goes when the
 * last scan or request holding it does. */
typedef struct AttClient {
    AttHttp *http;
    struct AttAuth *auth; /* NULL: no credential for the client's origin */
    struct AttApi *api;
    struct AttClient *prev, *next; /* the run's live clients */
} AttClient;

typedef struct AttApi {
    AttApiConfig cfg;
    AttClient *clients;         /* every live client, the current one first */
    int client_ref;             /* registry reference of the current client's box; 0: none yet */
    AttHttpCounters retired;    /* counters of the clients already freed (att.stats counts all) */
    long retired_fetches;       /* token fetches of those */
    AttBudget *budget;          /* the run's memory budget (its owner's) */
    AttRedact *redact;          /* every credential of the run (owned) */
    struct AttJournal *journal; /* the journal or recording of the run (journal.c); NULL: none */
    double progress_last;       /* when the progress line was last drawn; 0: not shown */
    const char *refused;        /* set: every request raises this message instead (att help SCRIPT) */
    AttWarnFn warn;             /* NULL: warnings go to stderr */
    void *warn_ud;
} AttApi;

/* The run's AttApi (from the extra space). */
AttApi *att_api_get(lua_State *L);

/* Creates the redactor and adds every credential of cfg to it (tokens, client secrets and their
 * Basic forms, passwords in URLs, those of the other profiles). 0, or -1 when out of memory. */
int att_api_init(AttApi *a);
/* Frees the client, the auth provider, the recording and the redactor. */
void att_api_close(AttApi *a);

/* Adds the user info of a URL (its password and their Basic form) to the redactor. 0 or -1. */
int att_api_redact_url(AttApi *a, const char *url);

/* The current client (for cfg.base_url, with the credential of its origin), created when needed:
 * pushes its box and returns it; raises a plain error if it cannot be created. [-0, +1, e] */
AttClient *att_api_client(lua_State *L);
/* The same without pushing the box (the run keeps the current client alive). [-0, +0, e] */
AttHttp *att_api_http(lua_State *L);
/* The settings changed: requests from now on get a new client; those that hold the old one keep
 * it. [-0, +0, -] */
void att_api_new_settings(lua_State *L);
/* Counters of every client of the run, and the token fetches of their auth providers. */
void att_api_counters(const AttApi *a, AttHttpCounters *n, long *token_fetches);

/* Pushes s[0..n) with every credential of the run redacted. [-0, +1, m] */
void att_api_push_clean(lua_State *L, const char *s, size_t n);

/* A warning: through the hook, or "att: warning: MSG" on stderr (the progress line cleared
 * first). printf-style. [-0, +0, -] */
void att_api_warn(lua_State *L, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Draws the progress line of a scan (throttled), or clears it when done is set. */
void att_api_progress(lua_State *L, long long fetched, long long total, long long pages, double started, int done);

/* Opens module att. [-0, +1, m] */
int att_open(lua_State *L);

/* Registry key of a copy of the params of the run's most recent att.search (att.last_search). */
#define ATT_LAST_SEARCH_KEY "att.last_search"

/* Pushes a shallow copy of the table at idx. [-0, +1, m] */
void att_copy_table(lua_State *L, int idx);

#endif
