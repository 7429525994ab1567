/* repl.h — the interactive prompt. */
#ifndef ATT_REPL_H
#define ATT_REPL_H

#include <lua.h>

/* Runs the prompt on L until Ctrl-D (or the run is stopped by --max-time or a signal other than
 * Ctrl-C). */
void att_repl(lua_State *L);

#endif
