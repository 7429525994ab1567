/* fields.h — the check of att.search's request fields: the contract's own (serviceType, pageSize,
 * pageOffset) and those the user declared (--field, ATT_FIELDS, a profile's extra_fields,
 * opts.fields_ok) are known; an unknown field a small edit away from a known one is an error with
 * a suggestion, any other is sent with a warning (once per name), so that filters the API adds
 * later work without a new att. */
#ifndef ATT_FIELDS_H
#define ATT_FIELDS_H

#include <lua.h>
#include <stddef.h>

/* The distance between a[0..n) and b[0..m) in edits (insertion, deletion, substitution, swap of
 * two neighbours), letters compared without case; values above 2 are reported as 3. */
size_t att_fields_distance(const char *a, size_t n, const char *b, size_t m);

/* Checks the keys of the params table at pidx, with the declared fields of opts.fields_ok in the
 * opts table at oidx (0: none); raises on a likely typo, warns once per unknown name otherwise,
 * and once per run, on a terminal, when there is no filter at all. [-0, +0, e] */
void att_fields_check(lua_State *L, int pidx, int oidx);

#endif
