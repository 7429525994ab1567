/* error.h — the att error object: a table with kind, status, message, retryable, url, body (and
 * code when the server gave one) and a metatable ("att.Error") whose __tostring gives one line.
 * Every operational failure of the att module is raised as one of these; misuse (bad arguments)
 * raises plain messages instead. */
#ifndef ATT_ERROR_H
#define ATT_ERROR_H

#include <lua.h>
#include <stddef.h>

#include "core/http.h"

#define ATT_ERROR_MT       "att.Error"
#define ATT_ERROR_BODY_MAX 1024

/* Registers the metatable. [-0, +0, m] */
void att_error_init(lua_State *L);

/* Pushes a new error object. body may be NULL; only its start is kept. status 0 means none.
 * The host's secrets are removed from message and body. [-0, +1, m] */
void att_error_push(lua_State *L, const char *kind, long status, const char *url, const char *message, int retryable,
                    const char *body, size_t body_len);

/* Pushes the error object for a transport failure (r->err != ATT_HTTP_OK). [-0, +1, m] */
void att_error_push_transport(lua_State *L, const AttResponse *r, const char *url);

/* Pushes the error object for an HTTP error status, with a message taken from the body: the
 * server's JSON "message" (or another usual field), an HTML <title>, the first line of text, or
 * the reason phrase. [-0, +1, m] */
void att_error_push_http(lua_State *L, const AttResponse *r, const char *url);

#endif
