/* results.h — the Results userdata returned by att.search: a lazy, paging iterator over individuals
 * (results.c), and the one request path that att.search and att.request share, with recording and
 * replay (exchange.c). */
#ifndef ATT_RESULTS_H
#define ATT_RESULTS_H

#include <lua.h>

#include "core/http.h"
#include "bind/json.h"

#define ATT_RESULTS_MT  "att.Results"
#define ATT_EXCHANGE_MT "att.Exchange"

/* One request and its response, owned by a userdata so that nothing leaks when Lua raises. */
typedef struct AttExchange {
    AttBuf req; /* the request body */
    AttResponse resp;
    char url[1024]; /* for messages, without user info */
    char method[17];
    char path[1024];
    int has_body;
    AttXfer *x;          /* the transfer while it is in flight (NULL when replaying) */
    const AttProj *proj; /* what to build of a search page (NULL: everything) */
} AttExchange;

/* Registers the metatables. [-0, +0, m] */
void att_results_init(lua_State *L);
void att_exchange_init(lua_State *L);

/* exchange.c. Encodes the value at body_idx (0: no body; a string is sent as is), performs the request and
 * pushes the exchange box and one value above it: on success the decoded JSON (nil when the body is
 * empty or decode is 0) and returns 1; on failure (transport failure, non-2xx status, invalid JSON)
 * an error object and returns 0. *ex receives the box. Raises only for unencodable bodies and
 * memory errors. [-0, +2, e] */
int att_exchange(lua_State *L, const char *method, const char *path, int body_idx, int decode, AttExchange **ex);

/* The two halves of att_exchange, for requests in flight together: start pushes the box (the
 * transfer is queued at once); finish waits for it and pushes the value or the error object, as
 * att_exchange does. cancel stops a transfer that is no longer wanted. */
AttExchange *att_exchange_start(lua_State *L, const char *method, const char *path, int body_idx);
int att_exchange_finish(lua_State *L, AttExchange *ex, int decode);
void att_exchange_cancel(AttExchange *ex);

/* att.search(params [, opts]) -> Results. [-0, +1, e] */
int att_results_search(lua_State *L);

/* For the fuzzer: att_results_feed(results, body...) treats each body as the next page received.
 * Returns the number of individuals consumed. [-0, +1, e] */
int att_results_feed(lua_State *L);

#endif
