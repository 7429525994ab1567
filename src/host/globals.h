/* globals.h — warnings for reads of global variables that were never assigned (a typo, or a
 * value left unquoted: serviceType = FIBER), once per name, with the reader's file:line. */
#ifndef ATT_GLOBALS_H
#define ATT_GLOBALS_H

#include <lua.h>

/* Gives the global table (the run's: under --safe, the restricted one) a metatable whose __index
 * warns, through att_api_warn, "FILE:LINE: read of undefined global 'NAME'" the first time a Lua
 * function reads NAME while it is absent and was never assigned; its __newindex marks a name
 * assigned (nil included) and stores the value raw. Reads from C code, from the bundled modules
 * (@lua/att/...) and from the lines typed at the prompt (=stdin while *prompt is set) do not warn.
 * prompt must outlive the state. [-0, +0, m] */
void att_globals_install(lua_State *L, const int *prompt);

#endif
