/* host.h — the Lua state and what the host keeps for it: configuration, the lazily created HTTP
 * client, allocation counters. The AttHost lives in the state's extra space (no globals). */
#ifndef ATT_HOST_H
#define ATT_HOST_H

#include <lua.h>
#include <stddef.h>

#include "http.h"

typedef struct AttConfig {
    const char *base_url;
    const char *appname;
    const char *token;           /* from ATT_TOKEN only */
    double timeout;              /* seconds, total per request */
    double connect_timeout;      /* seconds */
    size_t max_response;         /* bytes */
} AttConfig;

typedef struct AttHost {
    AttConfig cfg;               /* strings borrowed from the caller for the life of the state */
    AttHttp *http;               /* created on first request */
    size_t mem_used, mem_peak;
} AttHost;

/* Creates a state with the standard libraries, att preloaded (global and require), the bundled
 * modules in package.preload. Returns NULL when out of memory. */
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

/* Opens module att. [-0, +1, m] */
int att_open(lua_State *L);

#endif
