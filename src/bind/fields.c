/* fields.c — att.search's request fields checked, forward-compatibly (see fields.h). */
#include "bind/fields.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>
#include <unistd.h>

#include "bind/api.h"

#define FIELDS_WARNED "att.fields_warned" /* registry: names already warned about, and "" (no filter) */
#define MAX_NAME      64                  /* longer names are never a small edit away from a known one */

static const char *const CONTRACT[] = {"serviceType", "pageSize", "pageOffset", NULL};

size_t att_fields_distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t d[3][MAX_NAME + 1], i, j; /* rows i-2, i-1 and i of the table, by i % 3 */
    if (n > MAX_NAME || m > MAX_NAME) return 3;
    if (n > m + 2 || m > n + 2) return 3;
    for (j = 0; j <= m; j++) d[0][j] = j;
    for (i = 1; i <= n; i++) {
        size_t *row = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];
        row[0] = i;
        for (j = 1; j <= m; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]), v = up[j - 1] + cost;
            if (up[j] + 1 < v) v = up[j] + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && up2[j - 2] + 1 < v)
                v = up2[j - 2] + 1;
            row[j] = v;
        }
    }
    return d[n % 3][m] > 2 ? 3 : d[n % 3][m];
}

/* The edits a name of n characters may be away from a known one and still be taken for a typo of
 * it: case only for very short names, one edit up to 6 characters, two above. */
static size_t allowed(size_t n) { return n <= 3 ? 0 : n <= 6 ? 1 : 2; }

/* Whether name[0..n) is in the comma-separated list. */
static int in_list(const char *list, const char *name, size_t n)
{
    while (list && *list) {
        size_t k = strcspn(list, ",");
        if (k == n && memcmp(list, name, n) == 0) return 1;
        list += k + (list[k] == ',');
    }
    return 0;
}

/* Keeps the candidate c[0..cn) in *best when it is nearer to name[0..n) than the one there. */
static void consider(const char *name, size_t n, const char *c, size_t cn, const char **best, size_t *bestn,
                     size_t *bestd)
{
    size_t dist = att_fields_distance(name, n, c, cn);
    if (dist <= allowed(cn) && dist < *bestd) {
        *best = c;
        *bestn = cn;
        *bestd = dist;
    }
}

/* Checks opts.fields_ok (the opts table at oidx) and tells whether name (NULL: none) is in it.
 * [-0, +0, e] */
static int declared_in_opts(lua_State *L, int oidx, const char *name, size_t n)
{
    lua_Integer i, len;
    int found = 0;
    if (!oidx || lua_getfield(L, oidx, "fields_ok") == LUA_TNIL) {
        if (oidx) lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "att.search: opts.fields_ok must be a list of field names (got %s)", luaL_typename(L, -1));
    len = (lua_Integer)lua_rawlen(L, -1);
    for (i = 1; i <= len; i++) {
        size_t k;
        const char *s;
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
            luaL_error(L, "att.search: opts.fields_ok[%I] must be a field name (got %s)", (LUAI_UACINT)i,
                       luaL_typename(L, -1));
        s = lua_tolstring(L, -1, &k);
        found = found || (name && k == n && memcmp(s, name, n) == 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return found;
}

/* The nearest known field to name (the contract's, --field's, opts.fields_ok's) within the edits
 * allowed, pushed; or nothing pushed and 0. [-0, +(0|1), e] */
static int push_suggestion(lua_State *L, int oidx, const char *name, size_t n)
{
    const char *best = NULL, *list = att_api_get(L)->cfg.extra_fields;
    size_t bestn = 0, bestd = 3, i;
    int found;
    for (i = 0; CONTRACT[i]; i++) consider(name, n, CONTRACT[i], strlen(CONTRACT[i]), &best, &bestn, &bestd);
    while (list && *list) {
        size_t k = strcspn(list, ",");
        consider(name, n, list, k, &best, &bestn, &bestd);
        list += k + (list[k] == ',');
    }
    if (oidx && lua_getfield(L, oidx, "fields_ok") == LUA_TTABLE) {
        lua_Integer j, len = (lua_Integer)lua_rawlen(L, -1);
        for (j = 1; j <= len; j++) {
            size_t k;
            const char *s;
            lua_rawgeti(L, -1, j);
            s = lua_tolstring(L, -1, &k); /* the list (on the stack) keeps it alive */
            consider(name, n, s, k, &best, &bestn, &bestd);
            lua_pop(L, 1);
        }
    }
    found = best != NULL;
    if (found) lua_pushlstring(L, best, bestn);
    if (oidx) lua_remove(L, found ? -2 : -1);
    return found;
}

/* Whether the run already warned about key (and marks it). [-0, +0, m] */
static int warned(lua_State *L, const char *key)
{
    int was;
    luaL_getsubtable(L, LUA_REGISTRYINDEX, FIELDS_WARNED);
    was = lua_getfield(L, -1, key) != LUA_TNIL;
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, key);
    lua_pop(L, 1);
    return was;
}

void att_fields_check(lua_State *L, int pidx, int oidx)
{
    const AttApi *a = att_api_get(L);
    int filters = 0;
    declared_in_opts(L, oidx, NULL, 0); /* checked even when every field is the contract's */
    lua_pushnil(L);
    while (lua_next(L, pidx)) {
        size_t n, i;
        const char *name;
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue; /* the encoder refuses what is not a field */
        name = lua_tolstring(L, -1, &n);
        for (i = 0; CONTRACT[i] && strcmp(CONTRACT[i], name) != 0; i++) continue;
        filters += i != 1 && i != 2; /* pageSize and pageOffset page, they do not filter */
        if (CONTRACT[i] || in_list(a->cfg.extra_fields, name, n) || declared_in_opts(L, oidx, name, n)) continue;
        if (push_suggestion(L, oidx, name, n))
            luaL_error(L,
                       "att.search: unknown request field '%s' (did you mean '%s'? declare new fields with --field "
                       "NAME)",
                       name, lua_tostring(L, -1));
        if (!warned(L, name))
            att_api_warn(L, "unknown request field '%s' sent as is (declare it with --field %s)", name, name);
    }
    if (!filters && isatty(STDERR_FILENO) && !warned(L, ""))
        att_api_warn(L, "a search with no filter matches every customer (a filter whose value is nil, such as "
                        "serviceType=FIBER without quotes, is no filter)");
}
