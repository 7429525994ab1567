/* jdec.c — the JSON decoder of att: API pages and att.json.decode, straight from the bytes.
 *
 * Pages are decoded on the hot path of every scan, from the buffer libcurl filled; att.json.decode
 * reads its argument's bytes in place. No copy of the text is made, integers are made directly and
 * strings without escapes are pushed in one step. The values: objects and arrays as tables, null
 * as the light userdata NULL (att.null), numbers as follows. An integer (no fraction, no exponent)
 * in [-2^63, 2^63-1] is a Lua integer, exactly; outside that range it is a float, as Lua's own
 * tonumber makes it. A number with a fraction or an exponent is a float, or an integer when its
 * value is integral and in range (1.0 and 1e2 are 1 and 100). It follows RFC 8259 strictly (no
 * NaN, no hex, no leading zeros, no control characters in strings, no trailing commas, nothing
 * after the value, not even a NUL), does not check UTF-8 (bytes of strings pass as they are,
 * like lua-cjson), and nests at most 1000 levels deep. Fuzz targets check that whatever it accepts
 * lua-cjson accepts, with the same values (integers beyond 2^53, which lua-cjson rounds through a
 * float, against the text itself). The opts.fields projections walk the same scanner (the second
 * half); the trie of kept paths they follow is bind/proj.c's. Numbers are jnum.c's. */
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind/jnum.h"
#include "bind/json.h"
#include "bind/proj.h"

#define MAX_DEPTH 1000

#define HINTS 256 /* a power of two */

/* Keys repeat on every record. Lua interns each string it is given (hashing every byte, walking a
 * chain of its string table, comparing), so a key is pushed instead from a cache of the keys seen
 * last, one per slot (see HINT), checked by length and bytes: an array read. The strings are
 * anchored in a table (slot i at t[i + 1], in its array part: a store never allocates), held with
 * the entries by a userdata in the registry, one per Lua state; an entry points at the bytes of
 * its string, which Lua never moves. Values are not cached: most are unique (ids, dates), and a
 * miss costs more than interning alone. Only the cost changes: a string is the same value
 * whichever way it is pushed. */
#define KEY_MAX 40 /* LUAI_MAXSHORTLEN: Lua interns no longer string */

typedef struct KEntry {
    const char *s; /* NULL: none yet */
    size_t len;
} KEntry;

typedef struct Dec {
    lua_State *L;
    KEntry *kc; /* the key cache (HINTS entries), or NULL for none */
    int kct;    /* stack index of the table that anchors its strings */
    const char *s, *p, *end;
    const char *err;
    int depth;
    char *scratch;                        /* for strings with escapes: a userdata as long as the input */
    int escaped;                          /* the last string read had escapes */
    unsigned slot;                        /* the hint slot of the value being read (see HINT) */
    int obj_hint[HINTS], arr_hint[HINTS]; /* sizes of the last object and array seen in each slot */
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
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The first byte at or after q that ends the plain part of a string: a quote, a backslash or a
 * control character. Eight bytes at a time: a byte b of v is flagged in the high bit of
 * (v - 0x01..) & ~v when it is zero, applied to v ^ '"', v ^ '\\' and (for b < 0x20) to v with
 * 0x20 subtracted; bytes >= 0x80 (UTF-8) are never flagged. A borrow can flag bytes above a
 * flagged one, never below: on a little-endian machine the lowest flag is the byte; elsewhere, and
 * for the last few bytes, the exact byte loop finds it. */
static const char *plain_end(const char *q, const char *end)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (end - q >= 8) {
        uint64_t v, a, b, m;
        memcpy(&v, q, 8);
        a = v ^ (ones * '"');
        b = v ^ (ones * '\\');
        m = (((a - ones) & ~a) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v)) & highs;
        if (m) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return q + (__builtin_ctzll(m) >> 3);
#else
            break;
#endif
        }
        q += 8;
    }
    while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    return q;
}

/* At the opening quote; pushes the string. A decoded string is never longer than its JSON text
 * (an escape of n bytes gives at most n bytes of UTF-8), so escapes are decoded into the scratch
 * userdata, which Lua owns: nothing leaks if a push raises. */
static int dec_string(Dec *d, int push)
{
    const char *start = ++d->p, *q = plain_end(start, d->end);
    char *o;
    d->escaped = 0;
    if (q >= d->end) {
        d->p = q;
        return fail(d, "unterminated string");
    }
    if (*q == '"') { /* the common case: no escapes */
        if (push) lua_pushlstring(d->L, start, (size_t)(q - start));
        d->p = q + 1;
        return 1;
    }
    if ((unsigned char)*q < 0x20) {
        d->p = q;
        return fail(d, "control character in string");
    }
    d->escaped = 1;
    o = d->scratch;
    memcpy(o, start, (size_t)(q - start));
    o += q - start;
    d->p = q;
    while (d->p < d->end) {
        unsigned char c = (unsigned char)*d->p;
        if (c == '"') {
            d->p++;
            if (push) lua_pushlstring(d->L, d->scratch, (size_t)(o - d->scratch));
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
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair: 12 bytes in, 4 out */
                if (d->end - d->p < 12 || d->p[6] != '\\' || d->p[7] != 'u' || !hex4(d->p + 8, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return fail(d, "invalid UTF-16 surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                d->p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(d, "invalid UTF-16 surrogate");
            }
            o = put_utf8(o, cp); /* 6 bytes in, at most 3 out */
            d->p += 4;
            break;
        }
        default: return fail(d, "invalid escape in string");
        }
        d->p += 2;
    }
    return fail(d, "unterminated string");
}

static int dec_number(Dec *d, int push)
{
    const char *err = NULL;
    int frac;
    const char *q = att_jnum_scan(d->p, d->end, &frac, &err);
    if (!q) return fail(d, err);
    if (push && !att_jnum_push(d->L, d->p, q, frac)) return fail(d, "out of memory");
    d->p = q;
    return 1;
}

static int dec_value(Dec *d);

/* Records shaped alike sit under the same key at the same depth (every account of a page has the
 * same keys, every "status" its one key), so the size of the last one is a good guess for the
 * next: the table is made that size at once instead of growing through every power of two. The
 * slot of a value is a hash of its key (the raw text; for an array element, the array's key) and
 * its depth: the depth alone mixes shapes (a subscriber's "status" and a product's "place"). */
#define HINT(a, d) ((a)[(d)->slot])

static unsigned key_slot(const char *k, size_t n, int depth)
{
    unsigned h = (unsigned)n * 31u + (unsigned)depth * 17u;
    if (n) h += (unsigned char)k[0] * 7u + (unsigned char)k[n - 1] * 3u + (unsigned char)k[n / 2];
    return h & (HINTS - 1);
}

/* The hint, never more elements than the bytes left could hold (each takes at least `per` bytes):
 * a hostile page cannot make small tables huge. */
static int bounded(int hint, const Dec *d, size_t per)
{
    size_t most = (size_t)(d->end - d->p) / per + 1;
    return (size_t)hint > most ? (int)most : hint;
}

static int dec_proj(Dec *d, const AttProj *p, int node);

/* An array; its elements under projection node `node` of p when p is not NULL (arrays are
 * transparent to projections). */
static int dec_array(Dec *d, const AttProj *p, int node)
{
    lua_Integer i = 0;
    unsigned slot = d->slot;
    int t;
    d->p++;
    skip_ws(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        lua_createtable(d->L, 0, 0);
        return 1;
    }
    lua_createtable(d->L, bounded(HINT(d->arr_hint, d), d, 2), 0); /* "0," */
    t = lua_gettop(d->L);
    for (;;) {
        d->slot = slot; /* every element under the array's slot */
        if (!(p ? dec_proj(d, p, node) : dec_value(d))) return 0;
        lua_rawseti(d->L, t, ++i);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            {
                int h = d->arr_hint[slot] - (d->arr_hint[slot] >> 2);
                d->arr_hint[slot] = (int)i > h ? (int)i : h;
            }
            return 1;
        }
        return fail(d, "expected ',' or ']'");
    }
}

static int proj_key(Dec *d, const AttProj *p, int node, int *kid);
static int skip_value(Dec *d);

/* At the opening quote of a key: pushes it, from the key cache when it is there, and sets d->slot.
 * The entry changes only once its new string is anchored (a push that raises leaves it as it was). */
static int dec_key(Dec *d)
{
    const char *k = d->p + 1, *q = plain_end(k, d->end), *kept;
    size_t n = (size_t)(q - k);
    KEntry *e;
    if (q >= d->end || *q != '"' || !d->kc || n > KEY_MAX) { /* escaped, long, invalid: in full */
        if (!dec_string(d, 1)) return 0;
        d->slot = key_slot(k, (size_t)(d->p - 1 - k), d->depth);
        return 1;
    }
    d->p = q + 1;
    d->slot = key_slot(k, n, d->depth);
    e = &d->kc[d->slot];
    if (e->s && e->len == n && memcmp(e->s, k, n) == 0) {
        lua_rawgeti(d->L, d->kct, (lua_Integer)d->slot + 1);
        return 1;
    }
    kept = lua_pushlstring(d->L, k, n);
    lua_pushvalue(d->L, -1);
    lua_rawseti(d->L, d->kct, (lua_Integer)d->slot + 1); /* an array slot: no allocation, no error */
    e->s = kept;
    e->len = n;
    return 1;
}

/* An object; under projection node `node` of p when p is not NULL: only the keys the node keeps
 * are built, the values of the others are checked and skipped. */
static int dec_object(Dec *d, const AttProj *p, int node)
{
    int t, keys = 0;
    unsigned slot = d->slot;
    d->p++;
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        lua_createtable(d->L, 0, 0);
        return 1;
    }
    lua_createtable(d->L, 0, p ? 0 : bounded(HINT(d->obj_hint, d), d, 5)); /* "\"\":0," */
    t = lua_gettop(d->L);
    for (;;) {
        int kid = -1, keep = 1;
        const char *key;
        skip_ws(d);
        if (d->p >= d->end || *d->p != '"') return fail(d, "expected a string key");
        key = d->p + 1;
        if (!p) {
            if (!dec_key(d)) return 0;
        } else if ((keep = proj_key(d, p, node, &kid)) < 0) {
            return 0;
        } else {
            d->slot = key_slot(key, (size_t)(d->p - 1 - key), d->depth); /* the raw key, escapes and all */
        }
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') return fail(d, "expected ':'");
        d->p++;
        if (!keep) {
            if (!skip_value(d)) return 0;
        } else {
            if (!(kid >= 0 ? dec_proj(d, p, kid) : dec_value(d))) return 0;
            lua_rawset(d->L, t);
            keys++;
        }
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            if (!p) d->obj_hint[slot] = keys;
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
        ok = *d->p == '{' ? dec_object(d, NULL, 0) : dec_array(d, NULL, 0);
        d->depth--;
        return ok;
    case '"': return dec_string(d, 1);
    case 't':
        if (!literal(d, "true", 4)) return 0;
        lua_pushboolean(d->L, 1);
        return 1;
    case 'f':
        if (!literal(d, "false", 5)) return 0;
        lua_pushboolean(d->L, 0);
        return 1;
    case 'n':
        if (!literal(d, "null", 4)) return 0;
        att_json_pushnull(d->L);
        return 1;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) return dec_number(d, 1);
        return fail(d, "expected a value");
    }
}

/* ---- projections (the trie is bind/proj.c's) ---------------------------------------------- */

/* Checks the value at d->p and moves past it without building anything. */
static int skip_value(Dec *d)
{
    skip_ws(d);
    if (d->p >= d->end) return fail(d, "unexpected end of input");
    switch (*d->p) {
    case '{':
    case '[': {
        char close = *d->p == '{' ? '}' : ']';
        int ok = 1;
        if (++d->depth > MAX_DEPTH) return fail(d, "nested too deeply");
        d->p++;
        skip_ws(d);
        if (d->p < d->end && *d->p == close) {
            d->p++;
        } else {
            for (;;) {
                if (close == '}') {
                    skip_ws(d);
                    if (d->p >= d->end || *d->p != '"') {
                        ok = fail(d, "expected a string key");
                        break;
                    }
                    if (!dec_string(d, 0)) {
                        ok = 0;
                        break;
                    }
                    skip_ws(d);
                    if (d->p >= d->end || *d->p != ':') {
                        ok = fail(d, "expected ':'");
                        break;
                    }
                    d->p++;
                }
                if (!skip_value(d)) {
                    ok = 0;
                    break;
                }
                skip_ws(d);
                if (d->p < d->end && *d->p == ',') {
                    d->p++;
                    continue;
                }
                if (d->p < d->end && *d->p == close) {
                    d->p++;
                    break;
                }
                ok = fail(d, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
                break;
            }
        }
        d->depth--;
        return ok;
    }
    case '"': return dec_string(d, 0);
    case 't': return literal(d, "true", 4);
    case 'f': return literal(d, "false", 5);
    case 'n': return literal(d, "null", 4);
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) return dec_number(d, 0);
        return fail(d, "expected a value");
    }
}

/* At the opening quote of a key of an object under projection node `node`: reads the key and
 * returns 1 when it is kept (the key pushed; *kid its child node, or -1 to keep the value whole),
 * 0 when its value is to be skipped, -1 on invalid JSON. */
static int proj_key(Dec *d, const AttProj *p, int node, int *kid)
{
    const char *key = d->p + 1;
    if (!dec_string(d, 0)) return -1;
    if (d->escaped) { /* an escaped key: compare its value */
        size_t len;
        const char *s;
        d->p = key - 1;
        if (!dec_string(d, 1)) return -1;
        s = lua_tolstring(d->L, -1, &len);
        *kid = att_proj_find(p, node, s, len);
        if (*kid >= 0 || p->node[node].keep_rest) return 1;
        lua_pop(d->L, 1);
        return 0;
    }
    *kid = att_proj_find(p, node, key, (size_t)(d->p - 1 - key));
    if (*kid < 0 && !p->node[node].keep_rest) return 0;
    lua_pushlstring(d->L, key, (size_t)(d->p - 1 - key));
    return 1;
}

static int dec_proj(Dec *d, const AttProj *p, int node)
{
    int ok;
    if (p->node[node].keep_all) return dec_value(d);
    skip_ws(d);
    if (d->p >= d->end) return fail(d, "unexpected end of input");
    if (!lua_checkstack(d->L, 4)) return fail(d, "nested too deeply");
    if (*d->p != '{' && *d->p != '[') return dec_value(d); /* a scalar where objects were expected */
    if (++d->depth > MAX_DEPTH) return fail(d, "nested too deeply");
    ok = *d->p == '{' ? dec_object(d, p, node) : dec_array(d, p, node);
    d->depth--;
    return ok;
}

static const char kc_key = 0; /* its address keys the key cache in the registry */

/* Pushes the table that anchors the key cache's strings and points d at the cache, made on first
 * use. */
static void kc_open(Dec *d)
{
    lua_State *L = d->L;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kc_key) != LUA_TUSERDATA) {
        lua_pop(L, 1);
        memset(lua_newuserdatauv(L, HINTS * sizeof(KEntry), 1), 0, HINTS * sizeof(KEntry));
        lua_createtable(L, HINTS, 0);
        lua_setiuservalue(L, -2, 1);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &kc_key);
    }
    d->kc = lua_touserdata(L, -1);
    lua_getiuservalue(L, -1, 1);
    lua_remove(L, -2); /* the registry keeps the userdata */
    d->kct = lua_gettop(L);
}

int att_json_decode_proj(lua_State *L, const char *s, size_t len, const AttProj *proj)
{
    Dec d;
    int top = lua_gettop(L);
    memset(&d, 0, sizeof d); /* no cache, no scratch, depth 0, no hints yet */
    d.L = L;
    d.s = d.p = s;
    d.end = s + len;
    d.err = NULL;
    d.scratch = NULL;
    d.kc = NULL;
    if (!proj && len > 64 && lua_checkstack(L, 4)) kc_open(&d); /* not worth it for a few keys */
    if (memchr(s, '\\', len)) d.scratch = lua_newuserdatauv(L, len, 0);
    if (proj ? dec_proj(&d, proj, 0) : dec_value(&d)) {
        skip_ws(&d);
        if (d.p == d.end) {
            if (lua_gettop(L) > top + 1) { /* drop the cache's table and the scratch */
                lua_replace(L, top + 1);
                lua_settop(L, top + 1);
            }
            return 1;
        }
        fail(&d, "unexpected text after the value");
    }
    lua_settop(L, top);
    lua_pushfstring(L, "%s at character %d", d.err ? d.err : "invalid JSON", (int)(d.p - s) + 1);
    return 0;
}

int att_json_decode(lua_State *L, const char *s, size_t len) { return att_json_decode_proj(L, s, len, NULL); }
