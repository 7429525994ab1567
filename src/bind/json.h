/* json.h — JSON at the C/Lua boundary.
 *
 * att.json.decode goes through lua-cjson (a private instance, strict about numbers), followed by a
 * pass that turns integral floats back into Lua integers: Debian's lua-cjson 2.1.0 decodes every
 * number as a float, and scripts must see 192, not 192.0. Responses of the API are decoded by our
 * own decoder (jdec.c) straight from the receive buffer, with the same results. Encoding is our own: lua-cjson 2.1.0 writes at most 14
 * significant digits, which would corrupt large integer ids; ours writes integers exactly, floats in
 * the shortest form that reads back the same, object keys sorted (stable request bodies). */
#ifndef ATT_JSON_H
#define ATT_JSON_H

#include <lua.h>
#include <stddef.h>

#include "common/buf.h"

/* Encodes the value at idx into b. Returns 0 on success, or -1 with a one-line message in err.
 * Never raises; b is valid either way (free it with att_buf_free). [-0, +0, -] */
int att_json_encode(lua_State *L, int idx, AttBuf *b, char *err, size_t errlen);

/* Installs the private cjson instance; call once per state. [-0, +0, e] */
void att_json_init(lua_State *L);

/* Decodes s[0..len) and pushes the value, reading the bytes in place (jdec.c). Returns 1 on
 * success; on failure pushes a message string and returns 0. Integral numbers become integers, as
 * with att.json.decode (lua-cjson plus the repair pass). [-0, +1, m] */
int att_json_decode(lua_State *L, const char *s, size_t len);

/* A projection: which fields of each individual of a search page to build (opts.fields). The
 * rest is checked as strictly as by att_json_decode, but skipped: no Lua value is made for it. */
typedef struct AttProj AttProj;

/* Compiles the list of dotted paths at idx ("id", "accounts.billingMarket": keys of the individual,
 * arrays crossed implicitly) and pushes it as a userdata (Lua owns it). The individual's "id" is
 * always kept. Raises "who: opts.fields ..." for anything but a non-empty list of paths. [-0, +1, e] */
AttProj *att_proj_compile(lua_State *L, int idx, const char *who);

/* 1 when the projection keeps anything under the dotted path (e.g. "accounts.subscribers"). */
int att_proj_keeps(const AttProj *p, const char *path);

/* att_json_decode of a search page, building only what proj keeps of each individual (and the
 * rest of the page in full); proj NULL builds everything. [-0, +1, m] */
int att_json_decode_proj(lua_State *L, const char *s, size_t len, const AttProj *proj);

/* Pushes the JSON null value (the same light userdata lua-cjson uses). [-0, +1, -] */
void att_json_pushnull(lua_State *L);
int att_json_isnull(lua_State *L, int idx);

/* Converts integral floats in the value at idx (recursively) to integers. [-0, +0, m] */
void att_json_fix_numbers(lua_State *L, int idx);

/* Module table for att.json: encode, decode, null. [-0, +1, m] */
int att_json_open(lua_State *L);

#endif
