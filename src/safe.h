/* safe.h — text-only chunk loading for every script, and the restricted environment of --safe. */
#ifndef ATT_SAFE_H
#define ATT_SAFE_H

#include <lua.h>

/* Makes load, loadfile and dofile accept text chunks only; with safe, loadfile and dofile also
 * reach only files under the current directory. [-0, +0, m] */
void att_text_only(lua_State *L, int safe);

/* Searches the given package.path-style templates for modules before everything else (so that a
 * user's module overrides a bundled one of the same name), loading text only. [-0, +0, m] */
void att_user_modules(lua_State *L, const char *templates);

/* Applies the whole --safe environment (includes att_text_only(L, 1)). [-0, +0, m] */
void att_safe_apply(lua_State *L);

#endif
