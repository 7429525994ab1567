/* results.h — the Results userdata returned by att.search: a lazy, paging iterator over individuals
 * (results.c), with walkers over accounts, subscribers and products (results_walk.c). */
#ifndef ATT_RESULTS_H
#define ATT_RESULTS_H

#include <lua.h>

#define ATT_RESULTS_MT "att.Results"

/* Registers the metatable (and the exchange's). [-0, +0, m] */
void att_results_init(lua_State *L);

/* att.search(params [, opts]) -> Results. [-0, +1, e] */
int att_results_search(lua_State *L);

/* The Results at idx pushes its next individual and returns 1, or returns 0 at the end; raises
 * when it failed or is closed. [-0, +(0|1), e] */
int att_results_next(lua_State *L, int idx);

/* 1 unless the Results at idx was made with opts.fields that keep nothing under the dotted path
 * (e.g. "accounts.subscribers"). Raises when idx is not an open Results. [-0, +0, e] */
int att_results_keeps(lua_State *L, int idx, const char *path);

/* Pushes the to-be-closed value of a loop over the Results at idx (r:each(), the walkers): closing
 * it cancels the pages in flight; the loop also gets the whole window at once. [-0, +1, e] */
int att_results_loop(lua_State *L, int idx);

/* results_walk.c: r:accounts(), r:subscribers(), r:products(), for the method table at -1.
 * [-0, +0, m] */
void att_results_walkers(lua_State *L);

/* results_proj.c: r:project(), r:projection(), for the method table at -1. [-0, +0, m] */
void att_results_projection(lua_State *L);

/* For the fuzzer: att_results_feed(results, body...) treats each body as the next page received.
 * Returns the number of individuals consumed. [-0, +1, e] */
int att_results_feed(lua_State *L);

#endif
