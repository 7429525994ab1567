/* exchange.h — the one request path of module att: att.search pages, att.request and att.parallel
 * all go through an AttExchange, which encodes the body, starts the transfer (or answers from a
 * recording), redacts the response, records it, and decodes it or makes the error object. */
#ifndef ATT_EXCHANGE_H
#define ATT_EXCHANGE_H

#include <lua.h>

#include "bind/journal.h"
#include "bind/json.h"
#include "core/http.h"

#define ATT_EXCHANGE_MT "att.Exchange"

/* One request and its response, owned by a userdata so that nothing leaks when Lua raises. */
typedef struct AttExchange {
    AttBuf req; /* the request body */
    AttResponse resp;
    char url[1024]; /* for messages, without user info */
    char method[17];
    char path[1024];
    int has_body;        /* 1: encoded from a Lua value, 2: given as a string */
    AttXfer *x;          /* the transfer while it is in flight (NULL when replaying) */
    AttHttp *http;       /* the client it runs on (its box is the exchange's user value) */
    const AttProj *proj; /* what to build of a search page (NULL: everything) */
    lua_Integer tag;     /* the owner's (a scan: when it was asked for) */
    int attempts;        /* attempts made, also when cancelled */
    AttJournalReq jq;    /* the request as the journal knows it (occurrence, answer) */
    int journaled;       /* answered from the journal or a recording: no transfer */
} AttExchange;

/* Registers the metatable. [-0, +0, m] */
void att_exchange_init(lua_State *L);

/* Encodes the value at body_idx (0: no body; a string is sent as is), performs the request and
 * pushes the exchange box and one value above it: on success the decoded JSON (nil when the body is
 * empty or decode is 0) and returns 1; on failure (transport failure, non-2xx status, invalid JSON)
 * an error object and returns 0. *ex receives the box. Raises only for unencodable bodies, paths
 * that leave the base path, and memory errors. [-0, +2, e] */
int att_exchange(lua_State *L, const char *method, const char *path, int body_idx, int decode, AttExchange **ex);

/* Keeps the answer of a transfer in flight that has completed but is no longer wanted (a scan
 * that stops with pages requested ahead) in the run's journal, so that a resume does not ask for it
 * again. [-0, +0, -] */
void att_exchange_salvage(lua_State *L, AttExchange *ex, int ud);

/* The two halves of att_exchange, for requests in flight together: start pushes the box (the
 * transfer is queued at once) on the client whose box is at stack index client, or on the run's
 * current client when client is 0; finish (the box on top of the stack) waits for it and pushes
 * the value or the error object, as att_exchange does. cancel stops a transfer that is no longer
 * wanted (ex->attempts then says how many attempts the server may have seen). proj: what to build
 * of a search page (NULL: everything); a run's journal then keeps the page as built, which is all
 * a resume of the same script reads (another projection does not match it). */
AttExchange *att_exchange_start(lua_State *L, int client, const char *method, const char *path, int body_idx,
                                const AttProj *proj);
int att_exchange_finish(lua_State *L, AttExchange *ex, int decode);
void att_exchange_cancel(AttExchange *ex);

#endif
