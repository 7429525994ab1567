/* pg.h — the PostgreSQL binding behind att.report.postgres (module att.pg_c, internal; see pg.c). */
#ifndef ATT_PG_H
#define ATT_PG_H

#include <lua.h>

/* 1 when s is a postgresql:// or postgres:// URI (whatever follows). */
int att_pg_is_uri(const char *s);

/* Why the connection URI uri may not be used, or NULL when it may: a password in it (user:pass@,
 * a password parameter, also inside a dbname that is itself a connection string), or not a valid
 * URI. The message never holds the password. */
const char *att_pg_refusal(const char *uri);

/* The refusal of the first argument (argv[1..argc-1], or the value of a "--name=URI") that is a
 * database URI with a password in it, or NULL: checked before the run is described in its journal.
 */
const char *att_pg_password_arg(int argc, char **argv);

/* Installs att.pg_c in package.preload. confined: --safe (only a URI that is one of the
 * arguments argv[1..argc-1], or the value of one "--name=URI", may be connected to). argv must
 * outlive the Lua state (main's). [-0, +0, m] */
void att_pg_install(lua_State *L, int confined, int argc, char **argv);

#endif
