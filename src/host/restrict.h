/* restrict.h — text-only chunk loading for every script, user modules, and the restricted
 * environment of --safe. */
#ifndef ATT_RESTRICT_H
#define ATT_RESTRICT_H

#include <lua.h>

#include "host/hostcfg.h"

/* Makes load, loadfile and dofile accept text chunks only (every script, safe or not).
 * [-0, +0, m] */
void att_text_only(lua_State *L);

/* Searches the --lua-path directories dirs (';'-separated, may be NULL) and the user's own module
 * directory ($XDG_CONFIG_HOME/att/lua or ~/.config/att/lua) for modules before everything else
 * (so that a user's module overrides a bundled one of the same name), loading text only.
 * [-0, +0, m] */
void att_user_modules(lua_State *L, const char *dirs);

/* Replaces the global environment with the --safe one, built from an allow-list: what is not
 * listed does not exist, what is known and denied raises "att: NAME is disabled by --safe".
 * Call after the standard libraries are opened and before att and the bundled modules are
 * registered (they then live in the new environment). Raises on failure. [-0, +0, e] */
void att_safe_apply(lua_State *L, const AttHostConfig *cfg);

#endif
