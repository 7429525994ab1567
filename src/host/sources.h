/* sources.h — os.time, os.date, os.clock, math.random's seed and att.nonce read through the run's
 * journal, so that a resumed run sees what the first one saw (see sources.c). */
#ifndef ATT_SOURCES_H
#define ATT_SOURCES_H

#include <lua.h>

/* Wraps os.time, os.date, os.clock and math.randomseed of the global os and math tables, and
 * seeds math.random from a journaled seed. Before the --safe environment copies them. [-0, +0, e] */
void att_sources_install(lua_State *L);
/* Sets att.nonce in the module table at index att. [-0, +0, m] */
void att_sources_att(lua_State *L, int att);

#endif
