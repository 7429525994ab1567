/* journal.h — recordings of a run's exchanges (see journal.c). */
#ifndef ATT_JOURNAL_H
#define ATT_JOURNAL_H

#include <lua.h>

#include "bind/api.h"
#include "core/http.h"

/* Appends one exchange to DIR/session.jsonl (created on the first one). Raises on a write error.
 * [-0, +0, e] */
void att_journal_record(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                        const AttResponse *r);

/* Fills out with the recorded answer to the request; returns 0 when nothing matches (an error
 * object of kind "replay" pushed). [-0, +(0|1), e] */
int att_journal_replay(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                       AttResponse *out, const char *url);

#endif
