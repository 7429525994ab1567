/* jnum.c — the numbers of the JSON decoder (see jnum.h). */
#include "bind/jnum.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define INT_LIMIT 9223372036854775808.0

_Static_assert(LUA_MAXINTEGER == INT64_MAX, "jnum.c makes integers of 64 bits (Lua's default lua_Integer)");

/* The digits s..q (an optional '-', then digits without a leading zero: checked by the scan)
 * as a Lua integer, pushed when it lies in [-2^63, 2^63-1]; returns 0, pushing nothing, when it
 * does not. The magnitude is accumulated unsigned, where 2^63 (for -2^63) still fits. */
static int push_integer(lua_State *L, const char *s, const char *q)
{
    const uint64_t limit = (uint64_t)1 << 63; /* |-2^63|; 2^63-1 for positive numbers */
    uint64_t v = 0;
    int neg = *s == '-';
    if (neg) s++;
    if (q - s > 19) return 0;                             /* 20 digits or more: at least 10^19 > 2^63 */
    for (; s < q; s++) v = v * 10 + (uint64_t)(*s - '0'); /* 19 digits < 10^19 < 2^64: no wrap */
    if (v > limit - !neg) return 0;
    if (neg)
        lua_pushinteger(L, v == limit ? LUA_MININTEGER : -(lua_Integer)v);
    else
        lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

static const char *digits(const char *q, const char *end)
{
    while (q < end && *q >= '0' && *q <= '9') q++;
    return q;
}

const char *att_jnum_scan(const char *p, const char *end, int *frac, const char **err)
{
    const char *q = p;
    *frac = 0;
    *err = "invalid number";
    if (q < end && *q == '-') q++;
    if (q >= end) return NULL;
    if (*q == '0') {
        if (++q < end && *q >= '0' && *q <= '9') {
            *err = "invalid number (leading zero)";
            return NULL;
        }
    } else if (*q >= '1' && *q <= '9') {
        q = digits(q, end);
    } else {
        return NULL;
    }
    if (q < end && *q == '.') {
        *frac = 1;
        q++;
        if (q >= end || *q < '0' || *q > '9') return NULL;
        q = digits(q, end);
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        *frac = 1;
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q >= end || *q < '0' || *q > '9') return NULL;
        q = digits(q, end);
    }
    *err = NULL;
    return q;
}

int att_jnum_push(lua_State *L, const char *s, const char *q, int frac)
{
    char tmp[64], *buf = tmp;
    size_t n = (size_t)(q - s);
    double v;
    if (!frac && push_integer(L, s, q)) return 1; /* an integer in [-2^63, 2^63-1]: exactly */
    if (n >= sizeof tmp) {
        buf = malloc(n + 1);
        if (!buf) return 0;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    v = strtod(buf, NULL);
    if (buf != tmp) free(buf);
    /* A fraction or an exponent with an integral value in range makes an integer (1.0, 1e2), as it
     * always has. An integer outside 64 bits stays a float, as with Lua's own tonumber:
     * "-9223372036854775809" is -2^63 as a float, not math.mininteger. */
    if (frac && v == floor(v) && v >= -INT_LIMIT && v < INT_LIMIT)
        lua_pushinteger(L, (lua_Integer)v);
    else
        lua_pushnumber(L, (lua_Number)v);
    return 1;
}
