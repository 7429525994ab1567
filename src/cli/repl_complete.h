/* repl_complete.h — Tab completion at the prompt, over the live Lua state: globals and keywords,
 * fields of tables (att.se -> att.search, t.fi -> t.field), methods after ':' (r:co -> r:collect). */
#ifndef ATT_REPL_COMPLETE_H
#define ATT_REPL_COMPLETE_H

#include <lua.h>

/* Makes readline complete over L until att_complete_end. */
void att_complete_init(lua_State *L);
/* Stops completing and frees what the last completion held. */
void att_complete_end(void);

#endif
