/* host.h — the Lua state and what the host keeps for it: the allocator and its pool, the memory
 * budget of the run, the environment (full, or the --safe allow-list), the bundled modules, the
 * stop hook and the protected call with a traceback. An AttHost begins with the AttApi of module
 * att, and the state's extra space points at it (no globals). */
#ifndef ATT_HOST_H
#define ATT_HOST_H

#include <lua.h>
#include <stddef.h>

#include "bind/api.h"
#include "common/budget.h"
#include "host/hostcfg.h"
#include "host/pool.h"

typedef struct AttHost {
    AttApi api;                /* first: the extra space points at it, and so at the host */
    AttHostConfig cfg;         /* strings borrowed from the caller for the life of the state */
    AttBudget budget;          /* --max-memory: the Lua heap and everything att holds */
    size_t mem_used, mem_peak; /* the Lua heap alone */
    AttPool pool;              /* small blocks of the Lua heap */
    int error_limit;           /* the error the message handler last saw was a limit of the run */
    int error_lost;            /* ... was raised after a write of the run had failed */
    int error_status;          /* ... was an att error object: its exit status (3..7), else 0 */
    int error_usage;           /* ... was a usage error raised by att's API ("att.search: ...") */
    int prompt;                /* the interactive prompt runs: its lines (=stdin) read globals unchecked */
    int init_failed;           /* att_host_new failed with a message already printed (status 2) */
    char why[400];             /* the first line of the last error reported, without "att: " */
} AttHost;

/* Creates a state with the standard libraries (or the --safe allow-list, when host->api.cfg.safe),
 * att preloaded (global and require), the bundled modules in package.preload, and the hook that
 * stops the run when att_stop is set. Returns NULL when out of memory. */
lua_State *att_host_new(AttHost *host);
void att_host_close(lua_State *L);

AttHost *att_host_get(lua_State *L);

/* Runs the function on top of the stack (with nargs arguments above it) under a message handler
 * that adds a traceback; on error prints "att: message" and the traceback to stderr. Returns the
 * lua_pcall status. [-(nargs+1), +0, -] */
int att_host_call(lua_State *L, int nargs);

/* Prints an error value (string, error object or other) as the one-line message. */
void att_host_report(lua_State *L, int status);

/* The exit status of an uncaught att error object of this kind and HTTP status (the table in
 * att(1)): network 3; auth, HTTP 401/403 4; other HTTP 4xx 5; HTTP 5xx/429/others, json,
 * protocol, drift 6; limit 7; 0 for kinds that have none. */
int att_host_kind_status(const char *kind, long status);

#endif
