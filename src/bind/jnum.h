/* jnum.h — the numbers of the JSON decoder (jdec.c): their syntax (RFC 8259: an optional '-', no
 * leading zero, an optional fraction and exponent) and their Lua values. An integer (no fraction,
 * no exponent) in [-2^63, 2^63-1] is a Lua integer, exactly; outside that range a float, as Lua's
 * own tonumber makes it. A number with a fraction or an exponent is a float, or an integer when
 * its value is integral and in range (1.0 and 1e2 are 1 and 100). */
#ifndef ATT_JNUM_H
#define ATT_JNUM_H

#include <lua.h>

/* The end of the number that starts at p (p < end), or NULL with *err the reason ("invalid
 * number", "invalid number (leading zero)"). *frac: 1 when it has a fraction or an exponent. */
const char *att_jnum_scan(const char *p, const char *end, int *frac, const char **err);

/* Pushes the value of the number s..q that att_jnum_scan read; 0 when out of memory (nothing
 * pushed). [-0, +1, -] */
int att_jnum_push(lua_State *L, const char *s, const char *q, int frac);

#endif
