/* sqlite.c — the module att.sqlite (package.preload["att.sqlite"], att.sqlite through att's lazy
 * loader): SQLite databases for scripts, and what att.report.sqlite and att.diff read with.
 *
 *   local db <close> = att.sqlite.open("r.db" [, {readonly = false, create = true}])
 *   db:exec(sql [, ...params]) -> rows changed
 *   for row in db:rows(sql [, ...params]) do ... end     (the statement is finalized when the loop
 *                                                         ends or breaks: a to-be-closed 4th value)
 *   db:close()                                            (also __close and __gc; idempotent)
 *
 * Rows are tables keyed by column name: INTEGER as a Lua integer, REAL a float, TEXT and BLOB
 * strings, NULL att.null; a column declared BOOLEAN gives true/false for 0/1. Parameters: integer,
 * float (NaN as NULL), string, boolean (1/0), nil and att.null (NULL); their number must be the
 * statement's. Errors: "att.sqlite: PATH: SQLite's message".
 *
 * Under --safe: the path is confined as io.open's are (reading too), a "file:" name is refused
 * (no URI names), symbolic links are not followed, ATTACH and DETACH are refused (authorizer, and
 * SQLITE_LIMIT_ATTACHED 0), so is VACUUM (VACUUM INTO writes any file), extensions stay off,
 * SQLITE_DBCONFIG_DEFENSIVE is on, and only PRAGMAs that read the schema or the file's state run. */
#include "host/sqlite.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bind/json.h"
#include "host/confine.h"
#include "host/files.h"

#define STMT_MT "att.sqlite.rows"

/* A statement of db:rows: uservalue 1 is its db userdata, 2 the column names (then a boolean per
 * column: declared BOOLEAN). */
typedef struct Stmt {
    sqlite3_stmt *st; /* NULL once finalized */
    int ncol;
} Stmt;

static int throw(lua_State * L, const char *fmt, const char *a, const char *b)
{
    lua_pushfstring(L, fmt, a, b);
    return lua_error(L);
}

int att_sqlite_fail(lua_State *L, AttDb *d, int rc, const char *what)
{
    const char *msg = d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    if (d->denied[0]) msg = d->denied;
    if (!d->readonly && (prim == SQLITE_FULL || prim == SQLITE_IOERR)) {
        int err = d->db ? sqlite3_system_errno(d->db) : 0;
        att_files_lost(d->path, err ? err : prim == SQLITE_FULL ? ENOSPC : EIO);
    }
    lua_pushfstring(L, "att.sqlite: %s: %s%s", d->path, what ? what : "", msg);
    d->denied[0] = '\0';
    return lua_error(L);
}

AttDb *att_sqlite_check(lua_State *L, int idx)
{
    AttDb *d = luaL_checkudata(L, idx, ATT_SQLITE_DB_MT);
    if (!d->db) throw(L, "att.sqlite: %s: the database is closed%s", d->path, "");
    return d;
}

int att_sqlite_bind(lua_State *L, sqlite3_stmt *st, int i, int idx, int transient)
{
    size_t len;
    const char *s;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return sqlite3_bind_null(st, i);
    case LUA_TBOOLEAN: return sqlite3_bind_int(st, i, lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return sqlite3_bind_int64(st, i, (sqlite3_int64)lua_tointeger(L, idx));
        if (isnan(lua_tonumber(L, idx))) return sqlite3_bind_null(st, i);
        return sqlite3_bind_double(st, i, (double)lua_tonumber(L, idx));
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        return sqlite3_bind_text64(st, i, s, (sqlite3_uint64)len, transient ? SQLITE_TRANSIENT : SQLITE_STATIC,
                                   SQLITE_UTF8);
    case LUA_TLIGHTUSERDATA:
        if (att_json_isnull(L, idx)) return sqlite3_bind_null(st, i);
        return -1;
    default: return -1;
    }
}

/* --------------------------------------------------------------------------------------------- */
/* --safe */

/* PRAGMAs a --safe script may run: those that take a name and read the schema, and (without a
 * value) those that read the state of the file. */
static const char *const PRAGMA_NAMED[] = {
    "table_info",       "table_xinfo",       "table_list",      "index_list",  "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", NULL};
static const char *const PRAGMA_QUERY[] = {
    "user_version",   "application_id", "page_count",   "page_size",      "encoding", "data_version",
    "freelist_count", "schema_version", "foreign_keys", "collation_list", NULL};

static int listed(const char *const *list, const char *name)
{
    int i;
    for (i = 0; name && list[i]; i++)
        if (strcasecmp(list[i], name) == 0) return 1;
    return 0;
}

static int authorize(void *ud, int action, const char *a, const char *b, const char *dbname, const char *trigger)
{
    AttDb *d = ud;
    (void)dbname;
    (void)trigger;
    if (action == SQLITE_ATTACH || action == SQLITE_DETACH) {
        snprintf(d->denied, sizeof d->denied, "%s is not allowed under --safe",
                 action == SQLITE_ATTACH ? "ATTACH" : "DETACH");
        return SQLITE_DENY;
    }
    if (action == SQLITE_FUNCTION && b && strcasecmp(b, "load_extension") == 0) {
        snprintf(d->denied, sizeof d->denied, "load_extension is not allowed under --safe");
        return SQLITE_DENY;
    }
    if (action == SQLITE_PRAGMA && !listed(PRAGMA_NAMED, a) && !(b == NULL && listed(PRAGMA_QUERY, a))) {
        snprintf(d->denied, sizeof d->denied, "PRAGMA %.60s%s%.40s is not allowed under --safe", a ? a : "?",
                 b ? " = " : "", b ? b : "");
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}

/* 1 when the statement's text starts with the keyword VACUUM (after blanks and comments). */
static int is_vacuum(const char *s)
{
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n') s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e) return 0;
            s = e + 2;
        } else
            break;
    }
    return strncasecmp(s, "vacuum", 6) == 0 &&
           !(s[6] == '_' || (s[6] >= '0' && s[6] <= '9') || ((s[6] | 0x20) >= 'a' && (s[6] | 0x20) <= 'z'));
}

/* The settings of every connection, and the --safe ones. 0 or an SQLite error. */
static int configure(AttDb *d)
{
    int rc;
    sqlite3_extended_result_codes(d->db, 1);
    sqlite3_busy_timeout(d->db, 5000);
    sqlite3_db_config(d->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    if (!d->confined) return SQLITE_OK;
    sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_limit(d->db, SQLITE_LIMIT_ATTACHED, 0);
    rc = sqlite3_exec(d->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_set_authorizer(d->db, authorize, d);
}

/* --------------------------------------------------------------------------------------------- */
/* open, close */

/* att.sqlite.open(path [, {readonly = bool, create = bool}]) -> db. [-0, +1, e] */
static int l_open(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    int confined = lua_toboolean(L, lua_upvalueindex(1)), readonly = 0, create = 1, flags, rc;
    struct stat st;
    AttDb *d;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        readonly = lua_getfield(L, 2, "readonly") != LUA_TNIL && lua_toboolean(L, -1);
        create = lua_getfield(L, 2, "create") == LUA_TNIL ? !readonly : lua_toboolean(L, -1);
        lua_pop(L, 2);
    }
    if (len == 0 || strlen(path) != len)
        throw(L, "att.sqlite: the database name %s%s", len ? "holds a NUL byte" : "is empty", "");
    if (confined) {
        if (strncmp(path, "file:", 5) == 0)
            throw(L, "att.sqlite: %s: URI file names are not allowed under --safe%s", path, "");
        att_confine_path(L, path, "att.sqlite");
    }
    d = lua_newuserdatauv(L, sizeof(AttDb) + len, 0);
    memset(d, 0, sizeof *d);
    memcpy(d->path, path, len + 1);
    d->confined = confined;
    d->readonly = readonly;
    d->created = !readonly && lstat(path, &st) != 0 && errno == ENOENT;
    luaL_setmetatable(L, ATT_SQLITE_DB_MT);
    flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
    if (confined) flags |= SQLITE_OPEN_NOFOLLOW;
    rc = sqlite3_open_v2(path, &d->db, flags | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc == SQLITE_OK) rc = configure(d);
    if (rc != SQLITE_OK) {
        lua_pushfstring(L, "att.sqlite: %s: %s", path, d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
        sqlite3_close_v2(d->db);
        d->db = NULL;
        return lua_error(L);
    }
    return 1;
}

/* db:close(), __close and __gc: closes the database (a statement still open keeps it until it is
 * finalized). Idempotent. [-0, +0, -] */
static int l_close(lua_State *L)
{
    AttDb *d = luaL_checkudata(L, 1, ATT_SQLITE_DB_MT);
    if (d->db) {
        if (!sqlite3_get_autocommit(d->db)) sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(d->db);
        d->db = NULL;
    }
    return 0;
}

static int l_tostring(lua_State *L)
{
    AttDb *d = luaL_checkudata(L, 1, ATT_SQLITE_DB_MT);
    lua_pushfstring(L, "att.sqlite db (%s%s)", d->path, d->db ? "" : ", closed");
    return 1;
}

/* --------------------------------------------------------------------------------------------- */
/* Statements */

/* Prepares the statement at *sql (advancing it past the statement). *st is NULL for text with
 * no statement (blanks, comments). Raises on an error. [-0, +0, e] */
void att_sqlite_prepare(lua_State *L, AttDb *d, const char **sql, sqlite3_stmt **st)
{
    const char *tail = NULL;
    int rc;
    d->denied[0] = '\0';
    if (d->confined && is_vacuum(*sql)) throw(L, "att.sqlite: %s: VACUUM is not allowed under --safe%s", d->path, "");
    rc = sqlite3_prepare_v2(d->db, *sql, -1, st, &tail);
    if (rc != SQLITE_OK) att_sqlite_fail(L, d, rc, NULL);
    *sql = tail;
}

/* 1 when the text after a statement holds another one (or text SQLite cannot read). */
static int has_more(AttDb *d, const char *tail)
{
    sqlite3_stmt *more = NULL;
    int rc = sqlite3_prepare_v2(d->db, tail, -1, &more, NULL);
    sqlite3_finalize(more);
    d->denied[0] = '\0';
    return rc != SQLITE_OK || more != NULL;
}

/* Binds the arguments first..first+n-1 to st; raises when their number is not the statement's or
 * one cannot be bound (the caller's guard finalizes st). [-0, +0, e] */
static void bind_all(lua_State *L, AttDb *d, sqlite3_stmt *st, int first, int n, int transient)
{
    int want = sqlite3_bind_parameter_count(st), i, rc;
    if (n != want) {
        lua_pushfstring(L, "att.sqlite: %s: %d parameter%s given, the statement takes %d", d->path, n,
                        n == 1 ? "" : "s", want);
        lua_error(L);
    }
    for (i = 1; i <= n; i++) {
        rc = att_sqlite_bind(L, st, i, first + i - 1, transient);
        if (rc == -1) {
            lua_pushfstring(L, "att.sqlite: %s: parameter %d is %s (integer, float, string, boolean, nil or att.null)",
                            d->path, i, luaL_typename(L, first + i - 1));
            lua_error(L);
        }
        if (rc != SQLITE_OK) att_sqlite_fail(L, d, rc, NULL);
    }
}

/* Pushes a statement userdata (no statement yet) whose __gc finalizes what it is given: every
 * statement is owned by one from its preparation on, so that an error (a memory error too) does
 * not leak it. uservalue 1: the db userdata at index 1. [-0, +1, m] */
static Stmt *new_stmt(lua_State *L)
{
    Stmt *s = lua_newuserdatauv(L, sizeof *s, 2);
    s->st = NULL;
    s->ncol = 0;
    luaL_setmetatable(L, STMT_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return s;
}

/* db:exec(sql [, ...params]) -> the number of rows the last statement changed. Without params sql
 * may hold several statements; with them, one. [-0, +1, e] */
static int l_exec(lua_State *L)
{
    AttDb *d = att_sqlite_check(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int nparams = lua_gettop(L) - 2, rc;
    Stmt *s = new_stmt(L);
    while (*sql) {
        att_sqlite_prepare(L, d, &sql, &s->st);
        if (!s->st) continue;
        if (nparams > 0) {
            if (has_more(d, sql))
                throw(L, "att.sqlite: %s: parameters are bound to one statement; the SQL holds several%s", d->path, "");
            bind_all(L, d, s->st, 3, nparams, 0);
        }
        while ((rc = sqlite3_step(s->st)) == SQLITE_ROW) {}
        sqlite3_finalize(s->st);
        s->st = NULL;
        if (rc != SQLITE_DONE) att_sqlite_fail(L, d, rc, NULL);
    }
    lua_pushinteger(L, (lua_Integer)sqlite3_changes64(d->db));
    return 1;
}

/* Pushes the value of column i of st (att.null for NULL; booleans for a BOOLEAN column). */
static void push_column(lua_State *L, sqlite3_stmt *st, int i, int boolean)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: {
        sqlite3_int64 v = sqlite3_column_int64(st, i);
        if (boolean && (v == 0 || v == 1))
            lua_pushboolean(L, v == 1);
        else
            lua_pushinteger(L, (lua_Integer)v);
        break;
    }
    case SQLITE_FLOAT: lua_pushnumber(L, (lua_Number)sqlite3_column_double(st, i)); break;
    case SQLITE_TEXT:
        lua_pushlstring(L, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        break;
    case SQLITE_BLOB: {
        const void *p = sqlite3_column_blob(st, i);
        lua_pushlstring(L, p ? p : "", (size_t)sqlite3_column_bytes(st, i));
        break;
    }
    default: att_json_pushnull(L);
    }
}

/* Finalizes the statement of a db:rows loop (its __close and __gc, and the end of the loop). */
static int stmt_close(lua_State *L)
{
    Stmt *s = luaL_checkudata(L, 1, STMT_MT);
    if (s->st) sqlite3_finalize(s->st);
    s->st = NULL;
    return 0;
}

/* The iterator of db:rows: the next row, or nil at the end (the statement is then finalized). */
static int stmt_next(lua_State *L)
{
    Stmt *s = luaL_checkudata(L, 1, STMT_MT);
    AttDb *d;
    int rc, i;
    if (!s->st) return 0;
    lua_getiuservalue(L, 1, 1);
    d = lua_touserdata(L, -1);
    if (!d->db) {
        stmt_close(L);
        throw(L, "att.sqlite: %s: the database was closed during the loop%s", d->path, "");
    }
    rc = sqlite3_step(s->st);
    if (rc == SQLITE_DONE) {
        stmt_close(L);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s->st);
        s->st = NULL;
        att_sqlite_fail(L, d, rc, NULL);
    }
    lua_getiuservalue(L, 1, 2);
    lua_createtable(L, 0, s->ncol);
    for (i = 0; i < s->ncol; i++) {
        lua_rawgeti(L, -2, 2 * i + 1);
        lua_rawgeti(L, -3, 2 * i + 2);
        push_column(L, s->st, i, lua_toboolean(L, -1));
        lua_remove(L, -2);
        lua_rawset(L, -3);
    }
    return 1;
}

/* db:rows(sql [, ...params]) -> iterator, statement, nil, statement (to-be-closed). [-0, +4, e] */
static int l_rows(lua_State *L)
{
    AttDb *d = att_sqlite_check(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int nparams = lua_gettop(L) - 2, i;
    Stmt *s = new_stmt(L);
    att_sqlite_prepare(L, d, &sql, &s->st);
    if (!s->st) throw(L, "att.sqlite: %s: db:rows: the SQL holds no statement%s", d->path, "");
    if (has_more(d, sql)) throw(L, "att.sqlite: %s: db:rows takes one statement; the SQL holds more: %s", d->path, sql);
    bind_all(L, d, s->st, 3, nparams, 1);
    s->ncol = sqlite3_column_count(s->st);
    lua_createtable(L, 2 * s->ncol, 0);
    for (i = 0; i < s->ncol; i++) {
        const char *decl = sqlite3_column_decltype(s->st, i), *name = sqlite3_column_name(s->st, i);
        lua_pushstring(L, name ? name : "?");
        lua_rawseti(L, -2, 2 * i + 1);
        lua_pushboolean(L, decl && strcasecmp(decl, "BOOLEAN") == 0);
        lua_rawseti(L, -2, 2 * i + 2);
    }
    lua_setiuservalue(L, -2, 2);
    lua_pushcfunction(L, stmt_next);
    lua_insert(L, -2);
    lua_pushnil(L);
    lua_pushvalue(L, -2);
    return 4;
}

/* --------------------------------------------------------------------------------------------- */

static int open_module(lua_State *L)
{
    static const luaL_Reg methods[] = {{"exec", l_exec},
                                       {"rows", l_rows},
                                       {"close", l_close},
                                       {"_inserter", att_sqlite_inserter},
                                       {"_discard", att_sqlite_discard},
                                       {NULL, NULL}};
    if (luaL_newmetatable(L, ATT_SQLITE_DB_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, STMT_MT)) {
        lua_pushcfunction(L, stmt_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, stmt_close);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, l_open, 1);
    lua_setfield(L, -2, "open");
    lua_pushstring(L, sqlite3_libversion());
    lua_setfield(L, -2, "version");
    return 1;
}

void att_sqlite_install(lua_State *L, int confined)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushboolean(L, confined);
    lua_pushcclosure(L, open_module, 1);
    lua_setfield(L, -2, "att.sqlite");
    lua_pop(L, 1);
}
