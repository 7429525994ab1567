/* json.h — JSON at the C/Lua boundary.
 *
 * One decoder: jdec.c reads JSON into Lua values straight from the bytes it is given (the receive
 * buffer of an API page, or the string passed to att.json.decode): objects and arrays as tables,
 * integers written without fraction or exponent exactly when they fit in 64 bits, null as att.null.
 * One encoder, ours (json.c), for att.json.encode and request bodies: integers exactly, floats in
 * the shortest form that reads back the same, object keys sorted (stable request bodies). lua-cjson
 * is not part of att (it decodes every number as a float and writes at most 14 significant digits);
 * the fuzz targets keep it as an independent oracle for jdec. The OAuth token response is read in
 * the core (core/auth.c) with cJSON, since that layer has no Lua. */
#ifndef ATT_JSON_H
#define ATT_JSON_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Encodes the value at idx into b. Returns 0 on success, or -1 with a one-line message in err.
 * Never raises; b is valid either way (free it with att_buf_free). [-0, +0, -] */
int att_json_encode(lua_State *L, int idx, AttBuf *b, char *err, size_t errlen);

/* Decodes s[0..len) and pushes the value, reading the bytes in place (jdec.c); att.json.decode is
 * this. Returns 1 on success; on failure pushes a one-line message ("... at character N") and
 * returns 0. Numbers: an integer in [-2^63, 2^63-1] is a Lua integer, exactly; one outside is a
 * float (as with tonumber); with a fraction or exponent, a float, or an integer when the value is
 * integral and fits (1.0, 1e2). [-0, +1, m] */
int att_json_decode(lua_State *L, const char *s, size_t len);

/* A projection: which fields of each individual of a search page to build (opts.fields). The
 * rest is checked as strictly as by att_json_decode, but skipped: no Lua value is made for it. */
typedef struct AttProj AttProj;

/* Compiles the list of dotted paths at idx ("id", "accounts.billingMarket": keys of the individual,
 * arrays crossed implicitly) and pushes it as a userdata (Lua owns it). The individual's "id" is
 * always kept. Raises "who: opts.fields ..." for anything but a non-empty list of paths. [-0, +1, e] */
AttProj *att_proj_compile(lua_State *L, int idx, const char *who);
/* The same from a list of paths each given as a list of keys ({"accounts", "id"}), so that a key
 * may hold a dot (r:project: what a pipeline reads). Raises on anything else. [-0, +1, e] */
AttProj *att_proj_compile_keys(lua_State *L, int idx, const char *who);

/* 1 when the projection keeps anything under the dotted path (e.g. "accounts.subscribers"). */
int att_proj_keeps(const AttProj *p, const char *path);
/* A 64-bit digest of what p builds (two projections that build the same have the same one; the
 * journal keys pages built by a projection with it). */
uint64_t att_proj_digest(const AttProj *p);

/* att_json_decode of a search page, building only what proj keeps of each individual (and the
 * rest of the page in full); proj NULL builds everything. [-0, +1, m] */
int att_json_decode_proj(lua_State *L, const char *s, size_t len, const AttProj *proj);

/* Pushes the JSON null value: the light userdata NULL (the value lua-cjson's cjson.null has too). [-0, +1, -] */
void att_json_pushnull(lua_State *L);
int att_json_isnull(lua_State *L, int idx);

/* Module table for att.json: encode, decode, null. [-0, +1, m] */
int att_json_open(lua_State *L);

#endif
