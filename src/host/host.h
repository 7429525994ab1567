/* host.h — the Lua state and what the host keeps for it: configuration, the lazily created HTTP
 * client, allocation counters. The AttHost lives in the state's extra space (no globals). */
#ifndef ATT_HOST_H
#define ATT_HOST_H

#include <lua.h>
#include <stddef.h>
#include <stdio.h>

#include "common/budget.h"
#include "core/http.h"
#include "host/pool.h"
#include "core/redact.h"

#define ATT_MAX_CREDS 16
#define ATT_MAX_ALLOW 32
#define ATT_MAX_DENY  16

/* Credentials configured for one origin: a profile's own, or the run's (creds of AttConfig). */
typedef struct AttCred {
    const char *origin; /* "scheme://host:port" of the base URL they were configured with */
    const char *token;
    const char *token_url, *client_id, *client_secret, *scope;
} AttCred;

typedef struct AttConfig {
    const char *base_url;
    const char *appname;
    const char *token;                                         /* from ATT_TOKEN or a profile only */
    const char *token_url, *client_id, *client_secret, *scope; /* OAuth client credentials */
    double timeout;                                            /* seconds, total per attempt */
    double connect_timeout;                                    /* seconds */
    double stall_timeout; /* seconds without a byte before an attempt is abandoned */
    size_t max_response;  /* bytes */
    int retries;          /* retries of a transient failure */
    double max_wait;      /* seconds the retries of one request may wait in all */
    double rate;          /* requests per second; 0: unlimited */
    const char *cacert, *cert, *key;
    int insecure;
    int verbose;                   /* 0, 1 (--verbose), 2 (--trace) */
    int safe;                      /* --safe: restricted environment */
    size_t max_memory;             /* Lua heap cap in bytes; 0: none */
    double max_time;               /* seconds of script run time; 0: none */
    const char *record_dir;        /* --record DIR */
    const char *replay_dir;        /* --replay DIR: answers come from the recording, no network */
    int progress;                  /* show a progress line on stderr (a terminal, not --quiet) */
    const char *lua_path;          /* --lua-path DIRS: user modules, searched before the bundled ones */
    const char *help_script;       /* att help SCRIPT: the API refuses to run */
    int window;                    /* default opts.window of att.search (--window, ATT_WINDOW) */
    const char *cred_origin;       /* the origin token/OAuth above belong to (of the initial base URL) */
    AttCred others[ATT_MAX_CREDS]; /* credentials of the other profiles, each for its origin */
    int nothers;
    const char *allow_env[ATT_MAX_ALLOW]; /* --allow-env: more names os.getenv may read under --safe */
    int nallow_env;
    const char *allow_methods;      /* --allow-method: methods att.request may use under --safe ("GET,POST") */
    const char *deny[ATT_MAX_DENY]; /* files and directories a --safe script can never open */
    int ndeny;
} AttConfig;

struct AttAuth;

typedef struct AttHost {
    AttConfig cfg;             /* strings borrowed from the caller for the life of the state */
    AttHttp *http;             /* created on first request */
    struct AttAuth *auth;      /* created with the client, for the client's origin */
    int token_fetches;         /* of the auth providers replaced so far (att.stats counts all) */
    AttBudget budget;          /* --max-memory: the Lua heap and everything att holds */
    AttRedact *redact;         /* every credential of the run */
    size_t mem_used, mem_peak; /* the Lua heap alone */
    AttPool pool;              /* small blocks of the Lua heap */
    FILE *record_file;         /* DIR/session.jsonl while recording */
    double progress_last;      /* when the progress line was last drawn; 0: not shown */
    int error_limit;           /* the error the message handler last saw was a limit of the run */
} AttHost;

/* Draws the progress line of a scan (throttled), or clears it when done is set. */
void att_host_progress(AttHost *h, long long fetched, long long total, long long pages, double started, int done);

/* Adds every credential of the configuration to the host's redactor (created if needed): tokens,
 * client secrets and their Basic forms, passwords in URLs. 0, or -1 when out of memory. */
int att_host_redactor(AttHost *h);
/* Adds the user info of a URL (its password and their Basic form). 0, or -1 when out of memory. */
int att_host_redactor_url(AttHost *h, const char *url);

/* Creates a state with the standard libraries (or the --safe allow-list), att preloaded (global
 * and require), the bundled modules in package.preload, and the hook that stops the run when
 * att_stop is set. Returns NULL when out of memory. */
lua_State *att_host_new(AttHost *host);
void att_host_close(lua_State *L);

AttHost *att_host_get(lua_State *L);

/* The shared HTTP client; raises a plain error if it cannot be created. [-0, +0, e] */
AttHttp *att_host_http(lua_State *L);

/* Runs the function on top of the stack (with nargs arguments above it) under a message handler
 * that adds a traceback; on error prints "att: message" and the traceback to stderr. Returns the
 * lua_pcall status. [-(nargs+1), +0, -] */
int att_host_call(lua_State *L, int nargs);

/* Prints an error value (string, error object or other) as the one-line message. */
void att_host_report(lua_State *L, int status);

/* Pushes s[0..n) with every credential of the run redacted. [-0, +1, m] */
void att_host_push_clean(lua_State *L, const char *s, size_t n);

/* Opens module att. [-0, +1, m] */
int att_open(lua_State *L);

#endif
