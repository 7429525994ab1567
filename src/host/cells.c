/* cells.c — the cell encoder of att.report's csv and tsv writers (lua/att/report.lua), in C so
 * that quoting, defusing and number formatting cost no Lua calls; not a public API.
 *
 *   local enc = cells.delimited{kind = "csv"|"tsv", sep = ",", eol = "\r\n", defuse = true,
 *                               keys = {path, ...}, fallback = function(row, i, n, v) ... end}
 *   enc:row(row, n)   encodes one line: cell i is row[keys[i]] (metamethods honoured, as in Lua);
 *                     a string, number, boolean or att.null is encoded here, any other value (nil:
 *                     the key may be a path; a table: JSON; a function, a userdata) is handed to
 *                     fallback(row, i, n, v), which returns its text and the value it stands for
 *                     (the text is defused when that value is a string). Returns the text of the
 *                     complete lines so far once they reach CHUNK bytes, else nothing.
 *   enc:flush()       the text of the complete lines not yet returned, or nil when there is none.
 *
 * The bytes are the reference writer's (report.lua's cell_text, needs_defuse, csv_cell, tsv_cell):
 * integers as LUA_INTEGER_FMT, floats as "%.14g" (inf, -inf, nan, -0 as the C library prints
 * them, as string.format does), booleans true/false, att.null empty. Defusing: a string starting
 * with = + - @ tab or CR gets a leading '. csv: a cell with , " CR or LF, or starting or ending
 * with a space character (isspace, Lua's %s), is quoted, quotes doubled. tsv: tab, CR, LF and
 * backslash as \t \r \n \\. A line that fails half-way (an error raised by a metamethod or the
 * fallback) is dropped: the next row or flush starts after the last complete line. */
#include "host/cells.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "bind/json.h"
#include "common/buf.h"

#define ENC_MT "att.cells.encoder"
#define CHUNK  65536

typedef struct Enc {
    AttBuf buf;
    size_t done; /* bytes of complete lines in buf */
    int ncol;
    int tsv, defuse;
    size_t seplen, eollen;
    char text[1]; /* sep then eol; the userdata is allocated to hold them */
} Enc;

/* Bytes that make a csv cell quoted (besides leading and trailing space) and bytes tsv escapes. */
static unsigned char csv_special[256], tsv_special[256];

static int enc_gc(lua_State *L)
{
    Enc *e = luaL_checkudata(L, 1, ENC_MT);
    att_buf_free(&e->buf);
    e->done = 0;
    return 0;
}

static int defused(const char *s, size_t len)
{
    if (len == 0) return 0;
    switch (s[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r': return 1;
    default: return 0;
    }
}

static void add_csv(AttBuf *b, const char *s, size_t len, int pre)
{
    size_t i, from = 0;
    int quote = 0;
    for (i = 0; i < len && !quote; i++) quote = csv_special[(unsigned char)s[i]];
    if (len > 0 && ((!pre && isspace((unsigned char)s[0])) || isspace((unsigned char)s[len - 1]))) quote = 1;
    if (!quote) {
        if (pre) att_buf_addc(b, '\'');
        att_buf_add(b, s, len);
        return;
    }
    att_buf_addc(b, '"');
    if (pre) att_buf_addc(b, '\'');
    for (i = 0; i < len; i++) {
        if (s[i] != '"') continue;
        att_buf_add(b, s + from, i + 1 - from); /* up to and with the quote, then it again */
        from = i;
    }
    att_buf_add(b, s + from, len - from);
    att_buf_addc(b, '"');
}

static void add_tsv(AttBuf *b, const char *s, size_t len, int pre)
{
    size_t i, from = 0;
    if (pre) att_buf_addc(b, '\'');
    for (i = 0; i < len; i++) {
        char c = s[i], esc[2] = {'\\', 0};
        if (!tsv_special[(unsigned char)c]) continue;
        esc[1] = c == '\t' ? 't' : c == '\r' ? 'r' : c == '\n' ? 'n' : '\\';
        att_buf_add(b, s + from, i - from);
        att_buf_add(b, esc, 2);
        from = i + 1;
    }
    att_buf_add(b, s + from, len - from);
}

/* Appends the text of one cell; isstring: it stands for a string (defused). */
static void add_text(Enc *e, const char *s, size_t len, int isstring)
{
    int pre = isstring && e->defuse && defused(s, len);
    if (e->tsv)
        add_tsv(&e->buf, s, len, pre);
    else
        add_csv(&e->buf, s, len, pre);
}

/* Appends the cell at the top of the stack (column i of the row at index 2, whose count is at 3;
 * the fallback at index 5) and pops it. [-1, +0, e] */
static void add_cell(lua_State *L, Enc *e, int i)
{
    char num[64];
    size_t len;
    const char *s;
    int n;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, -1, &len);
        add_text(e, s, len, 1);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1))
            n = snprintf(num, sizeof num, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, -1));
        else
            n = snprintf(num, sizeof num, "%.14g", (LUAI_UACNUMBER)lua_tonumber(L, -1));
        add_text(e, num, n > 0 ? (size_t)n : 0, 0);
        break;
    case LUA_TBOOLEAN: add_text(e, lua_toboolean(L, -1) ? "true" : "false", lua_toboolean(L, -1) ? 4 : 5, 0); break;
    default:
        if (att_json_isnull(L, -1)) break;
        lua_pushvalue(L, 5); /* fallback(row, i, n, v) -> text, value */
        lua_pushvalue(L, 2);
        lua_pushinteger(L, i);
        lua_pushvalue(L, 3);
        lua_rotate(L, -5, -1); /* v last */
        lua_call(L, 4, 2);
        s = lua_tolstring(L, -2, &len);
        if (!s) luaL_error(L, "att.cells: the fallback returned %s, not a string", luaL_typename(L, -2));
        add_text(e, s, len, lua_type(L, -1) == LUA_TSTRING);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* enc:row(row, n) */
static int enc_row(lua_State *L)
{
    Enc *e = luaL_checkudata(L, 1, ENC_MT);
    int i;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 3);
    lua_getiuservalue(L, 1, 1); /* 4: keys */
    lua_getiuservalue(L, 1, 2); /* 5: fallback */
    e->buf.len = e->done;       /* a line an error cut short is dropped */
    for (i = 1; i <= e->ncol; i++) {
        if (i > 1) att_buf_add(&e->buf, e->text, e->seplen);
        lua_rawgeti(L, 4, i);
        lua_gettable(L, 2); /* row[key], as report.lua's cell() reads it */
        add_cell(L, e, i);
    }
    att_buf_add(&e->buf, e->text + e->seplen, e->eollen);
    if (e->buf.oom) {
        e->buf.len = e->done; /* the complete lines stay */
        e->buf.oom = 0;
        return luaL_error(L, "not enough memory");
    }
    e->done = e->buf.len;
    if (e->done < CHUNK) return 0;
    lua_pushlstring(L, e->buf.data, e->done);
    att_buf_reset(&e->buf);
    e->done = 0;
    return 1;
}

/* enc:flush() */
static int enc_flush(lua_State *L)
{
    Enc *e = luaL_checkudata(L, 1, ENC_MT);
    if (e->done == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, e->buf.data, e->done);
    att_buf_reset(&e->buf);
    e->done = 0;
    return 1;
}

static const char *opt_string(lua_State *L, const char *key, size_t *len)
{
    const char *s;
    lua_getfield(L, 1, key);
    s = lua_tolstring(L, -1, len);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "att.cells.delimited: %s must be a string", key);
    lua_pop(L, 1); /* the spec holds it */
    return s;
}

/* cells.delimited(spec); upvalue 1: the budget (light userdata). */
static int cells_delimited(lua_State *L)
{
    size_t seplen, eollen, kindlen;
    const char *sep, *eol, *kind;
    Enc *e;
    lua_Integer i, n;
    luaL_checktype(L, 1, LUA_TTABLE);
    sep = opt_string(L, "sep", &seplen);
    eol = opt_string(L, "eol", &eollen);
    kind = opt_string(L, "kind", &kindlen);
    if (strcmp(kind, "csv") != 0 && strcmp(kind, "tsv") != 0)
        return luaL_error(L, "att.cells.delimited: kind must be \"csv\" or \"tsv\"");
    if (lua_getfield(L, 1, "keys") != LUA_TTABLE) return luaL_error(L, "att.cells.delimited: keys must be a list");
    n = (lua_Integer)lua_rawlen(L, -1);
    if (n > 1000000) return luaL_error(L, "att.cells.delimited: too many keys");
    for (i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
            return luaL_error(L, "att.cells.delimited: keys[%d] is not a string", (int)i);
        lua_pop(L, 1);
    }
    if (lua_getfield(L, 1, "fallback") != LUA_TFUNCTION)
        return luaL_error(L, "att.cells.delimited: fallback must be a function");
    e = lua_newuserdatauv(L, sizeof *e + seplen + eollen, 2);
    memset(e, 0, sizeof *e);
    e->buf.budget = lua_touserdata(L, lua_upvalueindex(1));
    e->ncol = (int)n;
    e->tsv = kind[0] == 't';
    lua_getfield(L, 1, "defuse");
    e->defuse = lua_toboolean(L, -1);
    lua_pop(L, 1);
    e->seplen = seplen;
    e->eollen = eollen;
    memcpy(e->text, sep, seplen);
    memcpy(e->text + seplen, eol, eollen);
    luaL_setmetatable(L, ENC_MT);
    lua_rotate(L, -3, 1); /* keys, fallback, e -> e, keys, fallback */
    lua_setiuservalue(L, -3, 2);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

void att_cells_install(lua_State *L, AttBudget *budget)
{
    static const luaL_Reg methods[] = {{"row", enc_row}, {"flush", enc_flush}, {NULL, NULL}};
    static const unsigned char csv_bytes[] = ",\"\r\n", tsv_bytes[] = "\t\r\n\\";
    size_t i;
    for (i = 0; i < sizeof csv_bytes - 1; i++) csv_special[csv_bytes[i]] = 1;
    for (i = 0; i < sizeof tsv_bytes - 1; i++) tsv_special[tsv_bytes[i]] = 1;
    if (luaL_newmetatable(L, ENC_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, enc_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, budget);
    lua_pushcclosure(L, cells_delimited, 1);
    lua_setfield(L, -2, "delimited");
    lua_setfield(L, -2, "att.cells");
    lua_pop(L, 1);
}
