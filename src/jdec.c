/* jdec.c — a JSON decoder that builds Lua values straight from a receive buffer.
 *
 * API pages are decoded on the hot path of every scan. lua-cjson 2.1.0 needs the text as a Lua
 * string (one more copy of every page), decodes every number as a float (which then takes a second
 * pass to repair) and copies every string through a buffer; this decoder reads the bytes where
 * libcurl put them, makes integers directly and pushes strings without escapes in one step. Its
 * values are the ones att.json.decode gives: objects and arrays as tables, integral numbers as
 * integers (exactly, up to 18 digits, where lua-cjson rounds through a float), null as the light
 * userdata NULL (att.null). It follows RFC 8259 strictly (no NaN, no hex, no leading zeros, no
 * control characters in strings, no trailing commas, nothing after the value) and nests at most
 * 1000 levels deep. A fuzz target checks that whatever it accepts lua-cjson accepts with the same
 * values. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 1000
#define INT_LIMIT 9223372036854775808.0

typedef struct Dec {
    lua_State *L;
    const char *s, *p, *end;
    const char *err;
    int depth;
    char *scratch;              /* for strings with escapes: a userdata as long as the input */
    int obj_hint[64], arr_hint[64];  /* sizes of the last object and array seen at each depth */
} Dec;

static int fail(Dec *d, const char *what)
{
    if (!d->err) d->err = what;
    return 0;
}

static void skip_ws(Dec *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')) d->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { *o++ = (char)cp; }
    else if (cp < 0x800) { *o++ = (char)(0xC0 | (cp >> 6)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18)); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* At the opening quote; pushes the string. A decoded string is never longer than its JSON text
 * (an escape of n bytes gives at most n bytes of UTF-8), so escapes are decoded into the scratch
 * userdata, which Lua owns: nothing leaks if a push raises. */
static int dec_string(Dec *d)
{
    const char *start = ++d->p, *q = start;
    char *o;
    while (q < d->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    if (q >= d->end) { d->p = q; return fail(d, "unterminated string"); }
    if (*q == '"') {                                      /* the common case: no escapes */
        lua_pushlstring(d->L, start, (size_t)(q - start));
        d->p = q + 1;
        return 1;
    }
    if ((unsigned char)*q < 0x20) { d->p = q; return fail(d, "control character in string"); }
    o = d->scratch;
    memcpy(o, start, (size_t)(q - start));
    o += q - start;
    d->p = q;
    while (d->p < d->end) {
        unsigned char c = (unsigned char)*d->p;
        if (c == '"') {
            d->p++;
            lua_pushlstring(d->L, d->scratch, (size_t)(o - d->scratch));
            return 1;
        }
        if (c < 0x20) return fail(d, "control character in string");
        if (c != '\\') {
            *o++ = (char)c;
            d->p++;
            continue;
        }
        if (d->p + 1 >= d->end) break;
        switch (d->p[1]) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (d->end - d->p < 6 || !hex4(d->p + 2, &cp)) return fail(d, "invalid \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {            /* a surrogate pair: 12 bytes in, 4 out */
                if (d->end - d->p < 12 || d->p[6] != '\\' || d->p[7] != 'u' || !hex4(d->p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return fail(d, "invalid UTF-16 surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                d->p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(d, "invalid UTF-16 surrogate");
            }
            o = put_utf8(o, cp);                          /* 6 bytes in, at most 3 out */
            d->p += 4;
            break;
        }
        default:
            return fail(d, "invalid escape in string");
        }
        d->p += 2;
    }
    return fail(d, "unterminated string");
}

static int dec_number(Dec *d)
{
    const char *start = d->p, *q = d->p;
    int frac = 0;
    if (q < d->end && *q == '-') q++;
    if (q >= d->end) return fail(d, "invalid number");
    if (*q == '0') q++;
    else if (*q >= '1' && *q <= '9') while (q < d->end && *q >= '0' && *q <= '9') q++;
    else return fail(d, "invalid number");
    if (q < d->end && *q == '.') {
        frac = 1;
        q++;
        if (q >= d->end || *q < '0' || *q > '9') return fail(d, "invalid number");
        while (q < d->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < d->end && (*q == 'e' || *q == 'E')) {
        frac = 1;
        q++;
        if (q < d->end && (*q == '+' || *q == '-')) q++;
        if (q >= d->end || *q < '0' || *q > '9') return fail(d, "invalid number");
        while (q < d->end && *q >= '0' && *q <= '9') q++;
    }
    if (!frac && q - start <= 18) {                        /* fits in 64 bits: exact */
        const char *r = start;
        int neg = *r == '-';
        long long v = 0;
        if (neg) r++;
        for (; r < q; r++) v = v * 10 + (*r - '0');
        lua_pushinteger(d->L, (lua_Integer)(neg ? -v : v));
    } else {
        char tmp[64], *buf = tmp;
        size_t n = (size_t)(q - start);
        double v;
        if (n >= sizeof tmp) {
            buf = malloc(n + 1);
            if (!buf) return fail(d, "out of memory");
        }
        memcpy(buf, start, n);
        buf[n] = '\0';
        v = strtod(buf, NULL);
        if (buf != tmp) free(buf);
        /* The rule of att.json.decode: a number with an integral value is an integer. */
        if (v == floor(v) && v >= -INT_LIMIT && v < INT_LIMIT) lua_pushinteger(d->L, (lua_Integer)v);
        else lua_pushnumber(d->L, (lua_Number)v);
    }
    d->p = q;
    return 1;
}

static int dec_value(Dec *d);

/* Records shaped alike sit at the same depth (every account of a page has the same keys), so the
 * size of the last one is a good guess for the next: the table is made that size at once instead
 * of growing through every power of two. */
#define HINT(a, d) ((d)->depth < 64 ? (a)[(d)->depth] : 0)

static int dec_array(Dec *d)
{
    lua_Integer i = 0;
    int t;
    d->p++;
    lua_createtable(d->L, HINT(d->arr_hint, d), 0);
    t = lua_gettop(d->L);
    skip_ws(d);
    if (d->p < d->end && *d->p == ']') { d->p++; return 1; }
    for (;;) {
        if (!dec_value(d)) return 0;
        lua_rawseti(d->L, t, ++i);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            if (d->depth < 64) d->arr_hint[d->depth] = (int)i;
            return 1;
        }
        return fail(d, "expected ',' or ']'");
    }
}

static int dec_object(Dec *d)
{
    int t, keys = 0;
    d->p++;
    lua_createtable(d->L, 0, HINT(d->obj_hint, d));
    t = lua_gettop(d->L);
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') { d->p++; return 1; }
    for (;;) {
        skip_ws(d);
        if (d->p >= d->end || *d->p != '"') return fail(d, "expected a string key");
        if (!dec_string(d)) return 0;
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') return fail(d, "expected ':'");
        d->p++;
        if (!dec_value(d)) return 0;
        lua_rawset(d->L, t);
        keys++;
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            if (d->depth < 64) d->obj_hint[d->depth] = keys;
            return 1;
        }
        return fail(d, "expected ',' or '}'");
    }
}

static int literal(Dec *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) return fail(d, "expected a value");
    d->p += n;
    return 1;
}

static int dec_value(Dec *d)
{
    int ok;
    skip_ws(d);
    if (d->p >= d->end) return fail(d, "unexpected end of input");
    if (!lua_checkstack(d->L, 4)) return fail(d, "nested too deeply");
    switch (*d->p) {
    case '{':
    case '[':
        if (++d->depth > MAX_DEPTH) return fail(d, "nested too deeply");
        ok = *d->p == '{' ? dec_object(d) : dec_array(d);
        d->depth--;
        return ok;
    case '"': return dec_string(d);
    case 't': if (!literal(d, "true", 4)) return 0; lua_pushboolean(d->L, 1); return 1;
    case 'f': if (!literal(d, "false", 5)) return 0; lua_pushboolean(d->L, 0); return 1;
    case 'n': if (!literal(d, "null", 4)) return 0; att_json_pushnull(d->L); return 1;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) return dec_number(d);
        return fail(d, "expected a value");
    }
}

int att_json_decode(lua_State *L, const char *s, size_t len)
{
    Dec d;
    int top = lua_gettop(L), base = top;
    d.L = L;
    d.s = d.p = s;
    d.end = s + len;
    d.err = NULL;
    d.depth = 0;
    d.scratch = NULL;
    memset(d.obj_hint, 0, sizeof d.obj_hint);
    memset(d.arr_hint, 0, sizeof d.arr_hint);
    if (memchr(s, '\\', len)) {
        d.scratch = lua_newuserdatauv(L, len, 0);
        base = top + 1;
    }
    if (dec_value(&d)) {
        skip_ws(&d);
        if (d.p == d.end) {
            if (base != top) lua_remove(L, base);        /* drop the scratch */
            return 1;
        }
        fail(&d, "unexpected text after the value");
    }
    lua_settop(L, top);
    lua_pushfstring(L, "%s at character %d", d.err ? d.err : "invalid JSON", (int)(d.p - s) + 1);
    return 0;
}
