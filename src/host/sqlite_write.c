/* sqlite_write.c — what att.report.sqlite (lua/att/report_sqlite.lua) writes with; not a public
 * API (the methods start with "_").
 *
 *   local ins = db:_inserter(sql, keys, getters, headers)
 *   ins(row, n)          binds column i from row[keys[i]] (or, when that is nil, getters[i](row) if
 *                        getters[i] is a function) and runs the prepared INSERT: one C call per row
 *   db:_discard([ins])   after a failure: finalizes ins's statement, rolls back, closes (and rolls
 *                        back a journal the failure left), removes the file if open created it
 *
 * Values: integers, floats (NaN as NULL), strings, booleans as 1/0, nil and att.null as NULL,
 * tables as their JSON text (att.json.encode's), anything else as tostring's text. An error names
 * the row (n) and the column (headers[i]). */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bind/json.h"
#include "common/buf.h"
#include "host/sqlite.h"

#define INS_MT "att.sqlite.inserter"

typedef struct Ins {
    sqlite3_stmt *st; /* NULL once finalized */
    int ncol;
    AttBuf json; /* the JSON text of a table cell */
} Ins;

static int ins_gc(lua_State *L)
{
    Ins *w = luaL_checkudata(L, 1, INS_MT);
    if (w->st) sqlite3_finalize(w->st);
    w->st = NULL;
    att_buf_free(&w->json);
    return 0;
}

/* Raises "att.sqlite: PATH: row N, column "H": why". [-0, +0, e] */
static int cell_error(lua_State *L, AttDb *d, lua_Integer n, int col, const char *why)
{
    lua_rawgeti(L, lua_upvalueindex(5), col);
    lua_pushfstring(L, "att.sqlite: %s: row %I, column \"%s\": %s", d->path, n, lua_tostring(L, -1), why);
    return lua_error(L);
}

/* Turns the value on the top of the stack (column col of row n) into one att_sqlite_bind takes:
 * a table into its JSON text, a function or userdata into its tostring text. [-1, +1, e] */
static void plain_value(lua_State *L, Ins *w, AttDb *d, lua_Integer n, int col)
{
    char err[200];
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE) {
        att_buf_reset(&w->json);
        if (att_json_encode(L, lua_gettop(L), &w->json, err, sizeof err) != 0 || w->json.oom) {
            sqlite3_clear_bindings(w->st);
            cell_error(L, d, n, col, w->json.oom ? "out of memory" : err);
        }
        lua_pushlstring(L, w->json.data ? w->json.data : "", w->json.len);
        lua_replace(L, -2);
    } else if (t == LUA_TFUNCTION || t == LUA_TTHREAD || (t == LUA_TUSERDATA) ||
               (t == LUA_TLIGHTUSERDATA && !att_json_isnull(L, -1))) {
        luaL_tolstring(L, -1, NULL);
        lua_replace(L, -2);
    }
}

/* ins(row, n): one row. Upvalues: the Ins, the db, keys, getters, headers. [-0, +0, e] */
static int ins_row(lua_State *L)
{
    Ins *w = lua_touserdata(L, lua_upvalueindex(1));
    AttDb *d = lua_touserdata(L, lua_upvalueindex(2));
    lua_Integer n = luaL_optinteger(L, 2, 0);
    int i, rc;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!d->db || !w->st) {
        lua_pushfstring(L, "att.sqlite: %s: the database is closed", d->path);
        return lua_error(L);
    }
    lua_settop(L, 1);
    luaL_checkstack(L, w->ncol + 8, "too many columns");
    for (i = 1; i <= w->ncol; i++) {
        lua_rawgeti(L, lua_upvalueindex(3), i);
        if (lua_gettable(L, 1) == LUA_TNIL) {
            lua_pop(L, 1);
            if (lua_rawgeti(L, lua_upvalueindex(4), i) == LUA_TFUNCTION) {
                lua_pushvalue(L, 1);
                lua_call(L, 1, 1);
            } else {
                lua_pop(L, 1);
                lua_pushnil(L);
            }
        }
        plain_value(L, w, d, n, i);
        rc = att_sqlite_bind(L, w->st, i, lua_gettop(L), 0); /* the value stays on the stack */
        if (rc != SQLITE_OK) {
            sqlite3_clear_bindings(w->st);
            return att_sqlite_fail(L, d, rc, NULL);
        }
    }
    rc = sqlite3_step(w->st);
    sqlite3_reset(w->st);
    sqlite3_clear_bindings(w->st); /* the strings were bound in place: none outlives its value */
    lua_settop(L, 1);
    if (rc != SQLITE_DONE) {
        char what[60];
        snprintf(what, sizeof what, "row %lld: ", (long long)n);
        return att_sqlite_fail(L, d, rc, what);
    }
    return 0;
}

int att_sqlite_inserter(lua_State *L)
{
    AttDb *d = att_sqlite_check(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    Ins *w;
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TTABLE);
    lua_settop(L, 5);
    w = lua_newuserdatauv(L, sizeof *w, 0);
    memset(w, 0, sizeof *w);
    if (luaL_newmetatable(L, INS_MT)) {
        lua_pushcfunction(L, ins_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    att_sqlite_prepare(L, d, &sql, &w->st);
    if (!w->st) {
        lua_pushfstring(L, "att.sqlite: %s: the INSERT is empty", d->path);
        return lua_error(L);
    }
    w->ncol = sqlite3_bind_parameter_count(w->st);
    if ((lua_Integer)w->ncol != (lua_Integer)lua_rawlen(L, 3)) {
        lua_pushfstring(L, "att.sqlite: %s: the INSERT takes %d values, %d keys given", d->path, w->ncol,
                        (int)lua_rawlen(L, 3));
        return lua_error(L);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 4);
    lua_pushvalue(L, 5);
    lua_pushcclosure(L, ins_row, 5);
    return 1;
}

/* Opens path again and reads from it, so that SQLite rolls back a journal a failed ROLLBACK left
 * (after an I/O error the connection cannot): the next reader, even a read-only one, finds the
 * file as it was. */
static void recover(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    sqlite3_close_v2(db);
}

int att_sqlite_discard(lua_State *L)
{
    AttDb *d = luaL_checkudata(L, 1, ATT_SQLITE_DB_MT);
    static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
    size_t i;
    if (lua_type(L, 2) == LUA_TFUNCTION && lua_getupvalue(L, 2, 1)) { /* the inserter's statement */
        Ins *w = luaL_testudata(L, -1, INS_MT);
        if (w && w->st) sqlite3_finalize(w->st);
        if (w) w->st = NULL;
        lua_pop(L, 1);
    }
    if (d->db) {
        if (!sqlite3_get_autocommit(d->db)) sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(d->db);
        d->db = NULL;
        if (!d->created && !d->readonly) {
            lua_pushfstring(L, "%s-journal", d->path);
            if (access(lua_tostring(L, -1), F_OK) == 0) recover(d->path);
            lua_pop(L, 1);
        }
    }
    for (i = 0; d->created && i < sizeof suffix / sizeof *suffix; i++) {
        lua_pushfstring(L, "%s%s", d->path, suffix[i]);
        unlink(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    d->created = 0;
    return 0;
}
