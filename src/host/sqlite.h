/* sqlite.h — the module att.sqlite: SQLite databases for scripts (open, exec, rows, close) and the
 * inserter att.report.sqlite writes with (see sqlite.c and sqlite_write.c). */
#ifndef ATT_SQLITE_H
#define ATT_SQLITE_H

#include <lua.h>
#include <sqlite3.h>

/* The db userdata. path is the name given to open (in every error message). */
typedef struct AttDb {
    sqlite3 *db;      /* NULL once closed */
    int confined;     /* opened under --safe */
    int readonly;     /* opened read-only */
    int created;      /* the file did not exist when it was opened */
    char denied[160]; /* why the --safe authorizer refused the statement being prepared */
    char path[1];     /* NUL-terminated; the userdata is allocated to hold it */
} AttDb;

#define ATT_SQLITE_DB_MT "att.sqlite.db"

/* Sets package.preload["att.sqlite"]. confined: under --safe, paths are confined as io.open's
 * are, ATTACH, DETACH, VACUUM, URI names, extensions and most PRAGMAs are refused. [-0, +0, m] */
void att_sqlite_install(lua_State *L, int confined);

/* Checks that the argument at idx is an open db; raises "att.sqlite: the database is closed"
 * otherwise. [-0, +0, e] */
AttDb *att_sqlite_check(lua_State *L, int idx);

/* Raises "att.sqlite: PATH: what" with SQLite's message for rc (or the reason the --safe
 * authorizer gave); a failed write (SQLITE_FULL, SQLITE_IOERR) of a database opened for writing is
 * counted as a lost write (att_files_lost). [-0, +0, e] */
int att_sqlite_fail(lua_State *L, AttDb *d, int rc, const char *what);

/* Prepares the statement at *sql (advancing it past the statement) into *st, NULL for text with no
 * statement. Raises on an error, and under --safe for VACUUM. [-0, +0, e] */
void att_sqlite_prepare(lua_State *L, AttDb *d, const char **sql, sqlite3_stmt **st);

/* Binds the value at idx as parameter i of st (integer, float, string, boolean as 1/0, nil or
 * att.null as NULL; NaN as NULL). transient: copy strings (the statement outlives the call).
 * Returns SQLITE_OK, an SQLite error, or -1 when the value is of another type. [-0, +0, -] */
int att_sqlite_bind(lua_State *L, sqlite3_stmt *st, int i, int idx, int transient);

/* db:_inserter(sql, keys, getters) and db:_discard(): the writer's methods (sqlite_write.c). */
int att_sqlite_inserter(lua_State *L);
int att_sqlite_discard(lua_State *L);

#endif
