/* json.c — JSON encoding (ours) and the att.json module; decoding is jdec.c. See json.h. */
#include "bind/json.h"

#include "bind/api.h"
#include "core/text.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATT_JSON_MAX_DEPTH 200

static void buf_char(AttBuf *b, char c) { att_buf_addc(b, c); }
static void buf_str(AttBuf *b, const char *s) { att_buf_adds(b, s); }

/* ---- encoder ------------------------------------------------------------------------------ */

typedef struct Enc {
    lua_State *L;
    AttBuf *b;
    char *err;
    size_t errlen;
} Enc;

static int enc_fail(Enc *e, const char *what)
{
    snprintf(e->err, e->errlen, "%s", what);
    return -1;
}

static int enc_string(Enc *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    buf_char(e->b, '"');
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c >= 0x80) {
            unsigned cp;
            size_t k = att_utf8_seq((const unsigned char *)s + i, n - i, &cp);
            if (k == 0) return enc_fail(e, "string is not valid UTF-8");
            i += k;
            run += k;
            continue;
        }
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                u[0] = '\\';
                u[1] = 'u';
                u[2] = '0';
                u[3] = '0';
                u[4] = hex[c >> 4];
                u[5] = hex[c & 15];
                u[6] = '\0';
                esc = u;
            }
        }
        if (esc) {
            att_buf_add(e->b, s + i - run, run);
            run = 0;
            buf_str(e->b, esc);
        } else {
            run++;
        }
        i++;
    }
    att_buf_add(e->b, s + n - run, run);
    buf_char(e->b, '"');
    return 0;
}

static int enc_number(Enc *e, int idx)
{
    char tmp[64];
    if (lua_isinteger(e->L, idx)) {
        snprintf(tmp, sizeof tmp, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(e->L, idx));
    } else {
        double d = (double)lua_tonumber(e->L, idx);
        int prec;
        if (!isfinite(d)) return enc_fail(e, "cannot encode NaN or infinity as JSON");
        for (prec = 15; prec <= 17; prec++) { /* shortest form that reads back the same */
            snprintf(tmp, sizeof tmp, "%.*g", prec, d);
            if (strtod(tmp, NULL) == d) break;
        }
    }
    buf_str(e->b, tmp);
    return 0;
}

typedef struct KeyRef {
    const char *s;
    size_t n;
} KeyRef;

static int key_cmp(const void *a, const void *b)
{
    const KeyRef *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Returns "array", "object" or NULL (no hint) from the table's metatable field __jsontype. */
static const char *table_hint(lua_State *L, int idx)
{
    const char *hint = NULL;
    if (luaL_getmetafield(L, idx, "__jsontype") != LUA_TNIL) {
        hint = lua_tostring(L, -1); /* the metatable keeps the string alive */
        lua_pop(L, 1);
    }
    return hint;
}

static int enc_value(Enc *e, int idx, int depth);

static int enc_table(Enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    lua_Integer nkeys = 0, maxint = 0;
    int strkeys = 0, other = 0, rc = 0;
    const char *hint = table_hint(L, idx);

    if (depth > ATT_JSON_MAX_DEPTH) return enc_fail(e, "table nested too deeply (a cycle?)");
    if (!lua_checkstack(L, 4)) return enc_fail(e, "out of stack space");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        nkeys++;
        if (lua_type(L, -2) == LUA_TSTRING)
            strkeys++;
        else if (lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            if (lua_tointeger(L, -2) > maxint) maxint = lua_tointeger(L, -2);
        } else
            other++;
        lua_pop(L, 1);
    }
    if (other) return enc_fail(e, "table has keys that are neither strings nor positive integers");

    if ((hint && strcmp(hint, "array") == 0) || (nkeys > 0 && strkeys == 0 && (!hint || strcmp(hint, "object") != 0))) {
        lua_Integer i;
        if (strkeys) return enc_fail(e, "table marked as a JSON array has string keys");
        if (maxint != nkeys) return enc_fail(e, "sparse array (holes cannot be encoded as JSON)");
        buf_char(e->b, '[');
        for (i = 1; i <= nkeys && rc == 0; i++) {
            if (i > 1) buf_char(e->b, ',');
            lua_rawgeti(L, idx, i);
            rc = enc_value(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        buf_char(e->b, ']');
        return rc;
    }
    if (nkeys > strkeys) return enc_fail(e, "table mixes array items and object keys");
    {
        KeyRef *keys = nkeys ? malloc((size_t)nkeys * sizeof *keys) : NULL;
        lua_Integer k = 0, i;
        if (nkeys && !keys) return enc_fail(e, "out of memory");
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            keys[k].s = lua_tolstring(L, -2, &keys[k].n); /* strings, so no conversion */
            k++;
            lua_pop(L, 1);
        }
        if (nkeys > 1) qsort(keys, (size_t)nkeys, sizeof *keys, key_cmp);
        buf_char(e->b, '{');
        for (i = 0; i < nkeys && rc == 0; i++) {
            if (i > 0) buf_char(e->b, ',');
            rc = enc_string(e, keys[i].s, keys[i].n);
            if (rc) break;
            buf_char(e->b, ':');
            lua_pushlstring(L, keys[i].s, keys[i].n);
            lua_rawget(L, idx);
            rc = enc_value(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        free(keys);
        buf_char(e->b, '}');
        return rc;
    }
}

static int enc_value(Enc *e, int idx, int depth)
{
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: buf_str(e->b, "null"); return 0;
    case LUA_TBOOLEAN: buf_str(e->b, lua_toboolean(L, idx) ? "true" : "false"); return 0;
    case LUA_TNUMBER: return enc_number(e, idx);
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return enc_string(e, s, n);
    }
    case LUA_TTABLE: return enc_table(e, idx, depth);
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            buf_str(e->b, "null");
            return 0;
        }
        /* fall through */
    default: {
        char msg[80];
        snprintf(msg, sizeof msg, "cannot encode a %s as JSON", luaL_typename(L, idx));
        return enc_fail(e, msg);
    }
    }
}

int att_json_encode(lua_State *L, int idx, AttBuf *b, char *err, size_t errlen)
{
    Enc e;
    int rc;
    e.L = L;
    e.b = b;
    e.err = err;
    e.errlen = errlen;
    rc = enc_value(&e, lua_absindex(L, idx), 0);
    if (rc == 0 && b->oom)
        rc = enc_fail(&e, b->budget && b->budget->refused ? "not enough memory (--max-memory)" : "out of memory");
    return rc;
}

/* ---- values shared with the decoder -------------------------------------------------------- */

void att_json_pushnull(lua_State *L) { lua_pushlightuserdata(L, NULL); }

int att_json_isnull(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL;
}

/* ---- att.json module ---------------------------------------------------------------------- */

/* att.json.encode(value) -> string */
static int l_encode(lua_State *L)
{
    AttBuf b = {0};
    char err[160];
    b.budget = att_api_get(L)->budget;
    luaL_checkany(L, 1);
    if (att_json_encode(L, 1, &b, err, sizeof err) != 0) {
        att_buf_free(&b);
        return luaL_error(L, "att.json.encode: %s", err);
    }
    lua_pushlstring(L, b.data ? b.data : "", b.len);
    att_buf_free(&b);
    return 1;
}

/* att.json.decode(string) -> value: jdec, reading the argument's bytes in place (the string stays
 * on the stack, so alive, while it is read). */
static int l_decode(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    if (!att_json_decode(L, s, n)) return luaL_error(L, "att.json.decode: %s", lua_tostring(L, -1));
    return 1;
}

/* att.json.array(t) / att.json.object(t): mark a table so that an empty one encodes as [] or {}. */
static int mark(lua_State *L, const char *kind)
{
    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    else
        luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, kind[0] == 'a' ? "att.json.array_mt" : "att.json.object_mt");
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "__jsontype");
    lua_setmetatable(L, 1);
    return 1;
}
static int l_array(lua_State *L) { return mark(L, "array"); }
static int l_object(lua_State *L) { return mark(L, "object"); }

int att_json_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"encode", l_encode}, {"decode", l_decode}, {"array", l_array}, {"object", l_object}, {NULL, NULL}};
    luaL_newlib(L, fns);
    att_json_pushnull(L);
    lua_setfield(L, -2, "null");
    return 1;
}
