/* confine.h — where a --safe script may open files (see confine.c). */
#ifndef ATT_CONFINE_H
#define ATT_CONFINE_H

#include <lua.h>

#include "host/hostcfg.h"

/* Resolves and remembers the files and directories of cfg->deny (in the registry). [-0, +0, m] */
void att_confine_init(lua_State *L, const AttHostConfig *cfg);

/* Raises "WHAT: 'path' ..." unless path names a file under the current directory that att does not
 * keep to itself (for a file that does not exist yet, its directory must be there). [-0, +0, e] */
void att_confine_path(lua_State *L, const char *path, const char *what);

/* Raises unless a module file found in a --lua-path directory is not one att keeps to itself.
 * [-0, +0, e] */
void att_confine_module(lua_State *L, const char *path);

#endif
