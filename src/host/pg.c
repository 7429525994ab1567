/* pg.c — module att.pg_c (internal: att.report_pg builds att.report.postgres on it). libpq:
 *   check(uri) -> true | nil, why    a password in the URI, not a URI, or (--safe) not on the command line
 *   name(uri) -> the URI without user info, query or fragment (what messages name), redacted
 *   connect(uri) -> conn | nil, why  check(uri) first; client encoding UTF8
 *   conn:exec(sql [, param...]) -> list of the first column's values (or {}) | nil, why
 *       params are text (nil: NULL); several statements only without params
 *   conn:copy(sql, spool) -> rows | nil, why   COPY ... FROM STDIN with the spool's bytes
 *   conn:quote(name) -> the identifier quoted (PQescapeIdentifier); conn:close()
 *   spool() -> spool | nil, why     an unlinked temporary file in $TMPDIR (default /tmp)
 *   spool:write(s) -> true | nil, why; spool:close()
 * Passwords come from libpq's own sources only (PGPASSWORD, PGPASSFILE, ~/.pgpass, a service
 * file); PGPASSWORD (8 characters or more) is added to the run's redactor, so that no text att
 * prints shows it. Connections
 * and spools are to-be-closed userdata (__gc too): an error raised anywhere frees them. */
#include "host/pg.h"

#include <errno.h>
#include <lauxlib.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bind/api.h"
#include "core/redact.h"
#include "host/files.h"

#define CONN_MT  "att.pg_conn"
#define SPOOL_MT "att.pg_spool"
#define CHUNK    (1 << 20)

static const char PASSWORD_REFUSED[] =
    "a password in the database URL is refused; use PGPASSFILE, PGPASSWORD or a service file";

static int pg_confined;
static int pg_argc;
static char **pg_argv;

typedef struct {
    PGconn *conn;
} Conn;

typedef struct {
    FILE *f;
    char *buf;
    int err; /* errno of the first failed write */
} Spool;

int att_pg_is_uri(const char *s)
{
    return s && (strncasecmp(s, "postgresql://", 13) == 0 || strncasecmp(s, "postgres://", 11) == 0);
}

/* 1 when the authority part of a URI (after "://", up to / ? #) has user info with a ':'. */
static int userinfo_password(const char *uri)
{
    const char *p = strstr(uri, "://"), *at, *end;
    if (!p) return 0;
    p += 3;
    end = p + strcspn(p, "/?#");
    for (at = end; at > p && at[-1] != '@'; at--) {}
    return at > p && memchr(p, ':', (size_t)(at - 1 - p)) != NULL;
}

/* 1 when a dbname value is itself a connection string or URI (libpq expands it). */
static int expands(const char *v) { return v && (strchr(v, '=') || att_pg_is_uri(v)); }

/* The refusal of a connection string or URI s; depth bounds nested dbname values. */
static const char *refusal(const char *s, int depth)
{
    static char why[300];
    char *err = NULL;
    PQconninfoOption *opts, *o;
    const char *r = NULL;
    if (depth > 0 && !att_pg_is_uri(s) && !strchr(s, '=')) return NULL;
    if (strncasecmp(s, "postgres", 8) == 0 && userinfo_password(s)) return PASSWORD_REFUSED;
    opts = PQconninfoParse(s, &err);
    if (!opts) {
        size_t n;
        snprintf(why, sizeof why, "not a valid PostgreSQL connection URI: %s", err ? err : "out of memory");
        n = strlen(why);
        while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' ')) why[--n] = '\0';
        PQfreemem(err);
        return why;
    }
    for (o = opts; o->keyword && !r; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val) r = PASSWORD_REFUSED;
        if (strcmp(o->keyword, "dbname") == 0 && expands(o->val))
            r = depth >= 2 ? "a dbname nested this deep in the database URL is refused" : refusal(o->val, depth + 1);
    }
    PQconninfoFree(opts);
    return r;
}

const char *att_pg_refusal(const char *uri)
{
    if (!att_pg_is_uri(uri)) return "not a postgresql:// or postgres:// URI";
    return refusal(uri, 0);
}

const char *att_pg_password_arg(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        if (a[0] == '-' && a[1] == '-' && eq && att_pg_is_uri(eq + 1)) a = eq + 1;
        if (att_pg_is_uri(a) && att_pg_refusal(a) == PASSWORD_REFUSED) return PASSWORD_REFUSED;
    }
    return NULL;
}

/* 1 when uri is one of att's arguments, or the value of one "--name=URI". */
static int on_command_line(const char *uri)
{
    int i;
    for (i = 1; i < pg_argc; i++) {
        const char *a = pg_argv[i], *eq = strchr(a, '=');
        if (strcmp(a, uri) == 0) return 1;
        if (a[0] == '-' && a[1] == '-' && eq && strcmp(eq + 1, uri) == 0) return 1;
    }
    return 0;
}

/* check(uri) -> true | nil, why. [-0, +1|2, m] */
static int pg_check(lua_State *L)
{
    const char *uri = luaL_checkstring(L, 1), *why = att_pg_refusal(uri);
    if (!why && pg_confined && !on_command_line(uri))
        why = "under --safe only a database named on att's command line may be written (this URL is not one of its "
              "arguments)";
    if (!why) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 2;
}

/* name(uri): without user info, query or fragment. [-0, +1, m] */
static int pg_name(lua_State *L)
{
    size_t len;
    const char *uri = luaL_checklstring(L, 1, &len), *p = strstr(uri, "://"), *end, *at;
    luaL_Buffer b;
    if (!p) {
        lua_pushliteral(L, "the database");
        return 1;
    }
    p += 3;
    end = p + strcspn(p, "/?#");
    for (at = end; at > p && at[-1] != '@'; at--) {}
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, uri, (size_t)(p - uri));
    if (at > p) p = at;
    luaL_addlstring(&b, p, strcspn(p, "?#"));
    luaL_pushresult(&b);
    att_api_push_clean(L, lua_tostring(L, -1), lua_rawlen(L, -1));
    return 1;
}

/* Pushes nil and msg without a trailing line end, every credential of the run redacted (PGPASSWORD
 * among them, see att_pg_install). Returns 2. [-0, +2, m] */
static int push_failure(lua_State *L, const char *msg)
{
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
    lua_pushnil(L);
    att_api_push_clean(L, msg, n);
    return 2;
}

/* The server's message of a failed result: primary, detail, context (a COPY line). [-0, +2, m] */
static int push_result_failure(lua_State *L, PGconn *c, const PGresult *r)
{
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *context = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    luaL_Buffer b;
    if (!primary) return push_failure(L, PQerrorMessage(c));
    luaL_buffinit(L, &b);
    luaL_addstring(&b, primary);
    if (detail) {
        luaL_addstring(&b, " (");
        luaL_addstring(&b, detail);
        luaL_addstring(&b, ")");
    }
    if (context) {
        luaL_addstring(&b, " [");
        luaL_addstring(&b, context);
        luaL_addstring(&b, "]");
    }
    luaL_pushresult(&b);
    push_failure(L, lua_tostring(L, -1));
    lua_remove(L, -3);
    return 2;
}

/* ---- connections ------------------------------------------------------------------------ */

static Conn *check_conn(lua_State *L)
{
    Conn *c = luaL_checkudata(L, 1, CONN_MT);
    if (!c->conn) luaL_error(L, "att.pg_c: the connection is closed");
    return c;
}

/* The server's notices ("table ... does not exist, skipping") are not att's to print. */
static void no_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* connect(uri) -> conn | nil, why. [-0, +1|2, m] */
static int pg_connect(lua_State *L)
{
    Conn *c;
    if (pg_check(L) == 2) return 2;
    lua_pop(L, 1);
    c = lua_newuserdatauv(L, sizeof *c, 0);
    c->conn = NULL;
    luaL_setmetatable(L, CONN_MT);
    {
        static const char *const keys[] = {"dbname", "fallback_application_name", NULL};
        const char *vals[] = {lua_tostring(L, 1), "att", NULL};
        c->conn = PQconnectdbParams(keys, vals, 1);
    }
    if (!c->conn) return push_failure(L, "out of memory");
    if (PQstatus(c->conn) != CONNECTION_OK) {
        push_failure(L, PQerrorMessage(c->conn));
        PQfinish(c->conn);
        c->conn = NULL;
        return 2;
    }
    PQsetNoticeProcessor(c->conn, no_notice, NULL);
    if (PQsetClientEncoding(c->conn, "UTF8") != 0) {
        push_failure(L, PQerrorMessage(c->conn));
        PQfinish(c->conn);
        c->conn = NULL;
        return 2;
    }
    return 1;
}

static int conn_close(lua_State *L)
{
    Conn *c = luaL_checkudata(L, 1, CONN_MT);
    if (c->conn) PQfinish(c->conn);
    c->conn = NULL;
    return 0;
}

/* Pushes the list of the first column's values of r (NULL as att's absence: not stored). */
static void push_column(lua_State *L, const PGresult *r)
{
    int i, n = PQntuples(r);
    lua_createtable(L, n, 0);
    for (i = 0; i < n && PQnfields(r) > 0; i++) {
        if (PQgetisnull(r, i, 0)) continue;
        lua_pushstring(L, PQgetvalue(r, i, 0));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

#define MAX_PARAMS 16

/* conn:exec(sql [, param...]) -> list | nil, why. [-0, +1|2, e] */
static int conn_exec(lua_State *L)
{
    Conn *c = check_conn(L);
    const char *sql = luaL_checkstring(L, 2), *params[MAX_PARAMS];
    int i, n = lua_gettop(L) - 2, st;
    PGresult *r;
    luaL_argcheck(L, n <= MAX_PARAMS, MAX_PARAMS + 2, "too many parameters");
    for (i = 0; i < n; i++) params[i] = lua_isnil(L, i + 3) ? NULL : luaL_checkstring(L, i + 3);
    r = n > 0 ? PQexecParams(c->conn, sql, n, NULL, params, NULL, NULL, 0) : PQexec(c->conn, sql);
    st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK) {
        push_column(L, r);
    } else if (st == PGRES_COMMAND_OK) {
        lua_newtable(L);
    } else {
        push_result_failure(L, c->conn, r);
        PQclear(r);
        return 2;
    }
    PQclear(r);
    return 1;
}

/* conn:quote(name) -> "name" with quotes doubled. [-0, +1, e] */
static int conn_quote(lua_State *L)
{
    Conn *c = check_conn(L);
    size_t len;
    const char *s = luaL_checklstring(L, 2, &len);
    char *q = PQescapeIdentifier(c->conn, s, len);
    if (!q) {
        lua_pushfstring(L, "%s", PQerrorMessage(c->conn));
        return lua_error(L);
    }
    lua_pushstring(L, q);
    PQfreemem(q);
    return 1;
}

/* Sends the spool's bytes as COPY data. NULL, or what failed (a static or libpq's message). */
static const char *send_spool(PGconn *conn, Spool *s)
{
    size_t got;
    if (fflush(s->f) != 0 || s->err) return "the spool file could not be written";
    rewind(s->f);
    while ((got = fread(s->buf, 1, CHUNK, s->f)) > 0)
        if (PQputCopyData(conn, s->buf, (int)got) != 1) return PQerrorMessage(conn);
    if (ferror(s->f)) return "the spool file could not be read back";
    return NULL;
}

/* conn:copy(sql, spool) -> rows | nil, why. [-0, +1|2, e] */
static int conn_copy(lua_State *L)
{
    Conn *c = check_conn(L);
    const char *sql = luaL_checkstring(L, 2), *failed;
    Spool *s = luaL_checkudata(L, 3, SPOOL_MT);
    PGresult *r;
    char why[512];
    int ok;
    if (!s->f) return luaL_error(L, "att.pg_c: the spool is closed");
    r = PQexec(c->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        push_result_failure(L, c->conn, r);
        PQclear(r);
        return 2;
    }
    PQclear(r);
    failed = send_spool(c->conn, s);
    if (failed) { /* libpq's message buffer changes with the next call */
        snprintf(why, sizeof why, "%s", failed);
        failed = why;
    }
    if (PQputCopyEnd(c->conn, failed ? failed : NULL) != 1 && !failed) failed = PQerrorMessage(c->conn);
    ok = 0;
    while ((r = PQgetResult(c->conn)) != NULL) { /* the last result is the COPY's */
        if (!ok && PQresultStatus(r) == PGRES_COMMAND_OK) {
            lua_pushinteger(L, (lua_Integer)strtoll(PQcmdTuples(r), NULL, 10));
            ok = 1;
        } else if (!ok && !failed) {
            push_result_failure(L, c->conn, r);
            ok = -1;
        }
        PQclear(r);
    }
    if (ok == 1) return 1;
    if (ok == -1) return 2;
    return push_failure(L, failed ? failed : PQerrorMessage(c->conn));
}

/* ---- the spool ---------------------------------------------------------------------------- */

/* spool() -> spool | nil, why. [-0, +1|2, m] */
static int pg_spool(lua_State *L)
{
    const char *dir = getenv("TMPDIR");
    Spool *s = lua_newuserdatauv(L, sizeof *s, 0);
    int fd;
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SPOOL_MT);
    if (!dir || !*dir) dir = "/tmp";
    lua_pushfstring(L, "%s/att-pg-spool.XXXXXX", dir);
    fd = mkstemp((char *)lua_tostring(L, -1)); /* lua_pushfstring's copy: ours to change */
    if (fd < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create a spool file in %s: %s", dir, strerror(errno));
        return 2;
    }
    unlink(lua_tostring(L, -1));
    lua_pop(L, 1);
    s->buf = malloc(CHUNK);
    s->f = s->buf ? fdopen(fd, "w+b") : NULL;
    if (!s->f) {
        close(fd);
        lua_pushnil(L);
        lua_pushliteral(L, "cannot create a spool file: out of memory");
        return 2;
    }
    setvbuf(s->f, NULL, _IOFBF, CHUNK);
    return 1;
}

/* The result of a spool write or flush: failed (errno set) counts a lost write once; true, or nil
 * and the reason of the first failure. [-0, +1|2, m] */
static int spool_result(lua_State *L, Spool *s, int failed)
{
    if (failed) {
        s->err = errno ? errno : EIO;
        att_files_lost("the PostgreSQL spool file", s->err);
    }
    if (s->err) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot write the spool file (in $TMPDIR): %s", strerror(s->err));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* spool:write(s) -> true | nil, why (the first failure counts as a lost write). [-0, +1|2, e] */
static int spool_write(lua_State *L)
{
    Spool *s = luaL_checkudata(L, 1, SPOOL_MT);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    if (!s->f) return luaL_error(L, "att.pg_c: the spool is closed");
    return spool_result(L, s, !s->err && fwrite(data, 1, len, s->f) != len);
}

/* spool:flush() -> true | nil, why: what is buffered written, so that a full disk shows before
 * the database is touched. [-0, +1|2, e] */
static int spool_flush(lua_State *L)
{
    Spool *s = luaL_checkudata(L, 1, SPOOL_MT);
    if (!s->f) return luaL_error(L, "att.pg_c: the spool is closed");
    return spool_result(L, s, !s->err && fflush(s->f) != 0);
}

static int spool_close(lua_State *L)
{
    Spool *s = luaL_checkudata(L, 1, SPOOL_MT);
    if (s->f) fclose(s->f);
    free(s->buf);
    s->f = NULL;
    s->buf = NULL;
    return 0;
}

static int open_pg(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"check", pg_check}, {"name", pg_name}, {"connect", pg_connect}, {"spool", pg_spool}, {NULL, NULL}};
    static const luaL_Reg conn_m[] = {{"exec", conn_exec},   {"copy", conn_copy},  {"quote", conn_quote},
                                      {"close", conn_close}, {"__gc", conn_close}, {"__close", conn_close},
                                      {NULL, NULL}};
    static const luaL_Reg spool_m[] = {{"write", spool_write}, {"flush", spool_flush},   {"close", spool_close},
                                       {"__gc", spool_close},  {"__close", spool_close}, {NULL, NULL}};
    if (luaL_newmetatable(L, CONN_MT)) {
        luaL_setfuncs(L, conn_m, 0);
        lua_pushvalue(L, -1);
        lua_setfield(L, -2, "__index");
    }
    if (luaL_newmetatable(L, SPOOL_MT)) {
        luaL_setfuncs(L, spool_m, 0);
        lua_pushvalue(L, -1);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 2);
    luaL_newlib(L, fns);
    return 1;
}

void att_pg_install(lua_State *L, int confined, int argc, char **argv)
{
    const char *pw = getenv("PGPASSWORD");
    AttApi *api = att_api_get(L);
    /* libpq's password is a credential of the run: no text att prints shows it */
    if (pw && strlen(pw) >= ATT_SECRET_MIN && api->redact && att_redact_add(api->redact, pw, strlen(pw)) != 0)
        luaL_error(L, "att: out of memory");
    pg_confined = confined;
    pg_argc = argc;
    pg_argv = argv;
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, open_pg);
    lua_setfield(L, -2, "att.pg_c");
    lua_pop(L, 1);
}
