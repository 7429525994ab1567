/* options.c — see options.h. */
#include "bind/options.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bind/json.h"
#include "core/text.h"

const AttOpt *att_opt_find(const AttOpt *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0) return opts;
    return NULL;
}

/* What the row asks for, in words. */
static void describe(const AttOpt *o, char *out, size_t n)
{
    size_t k = 0;
    const char *const *c;
    switch (o->kind) {
    case ATT_OPT_INT:
    case ATT_OPT_SIZE:
        if (isinf(o->max))
            snprintf(out, n, "an integer >= %.0f", o->min);
        else
            snprintf(out, n, "an integer from %.0f to %.0f", o->min, o->max);
        break;
    case ATT_OPT_NUMBER: snprintf(out, n, "a number >= %g", o->min); break;
    case ATT_OPT_SECONDS: snprintf(out, n, "a number of seconds > 0 (at most %g)", o->max); break;
    case ATT_OPT_CHOICE:
        out[0] = '\0';
        for (c = o->choices; *c && k < n; c++)
            k += (size_t)snprintf(out + k, n - k, "%s\"%s\"", c == o->choices ? "" : c[1] ? ", " : " or ", *c);
        break;
    case ATT_OPT_URL: snprintf(out, n, "an http:// or https:// URL with a host"); break;
    case ATT_OPT_HEADER: snprintf(out, n, "a string without control characters (or false to send none)"); break;
    case ATT_OPT_OWNER: snprintf(out, n, "valid"); break;
    }
}

/* Whether the value at vidx fits the row. */
static int fits(lua_State *L, int vidx, const AttOpt *o)
{
    int t = lua_type(L, vidx), isint = 0;
    switch (o->kind) {
    case ATT_OPT_INT:
    case ATT_OPT_SIZE: {
        lua_Integer v;
        if (t != LUA_TNUMBER) return 0;
        v = lua_tointegerx(L, vidx, &isint);
        return isint && (double)v >= o->min && (double)v <= o->max;
    }
    case ATT_OPT_NUMBER: {
        double v = (double)lua_tonumber(L, vidx);
        return t == LUA_TNUMBER && v >= o->min && v <= o->max;
    }
    case ATT_OPT_SECONDS: {
        double v = (double)lua_tonumber(L, vidx);
        return t == LUA_TNUMBER && v > 0 && v <= o->max;
    }
    case ATT_OPT_CHOICE: {
        const char *const *c;
        if (t != LUA_TSTRING) return 0;
        for (c = o->choices; *c; c++)
            if (strcmp(*c, lua_tostring(L, vidx)) == 0) return 1;
        return 0;
    }
    case ATT_OPT_URL: {
        char origin[300];
        const char *u = lua_tostring(L, vidx);
        return t == LUA_TSTRING && att_url_origin(u, origin, sizeof origin) == 0 &&
               att_header_value_ok(u, lua_rawlen(L, vidx)) && !strchr(u, ' ');
    }
    case ATT_OPT_HEADER:
        if (t == LUA_TSTRING) return att_header_value_ok(lua_tostring(L, vidx), lua_rawlen(L, vidx));
        return t == LUA_TNIL || (t == LUA_TBOOLEAN && !lua_toboolean(L, vidx)) || att_json_isnull(L, vidx);
    case ATT_OPT_OWNER: return 1;
    }
    return 0;
}

/* Pushes the value at idx as a message shows it: tostring, escaped for a terminal, cut to 80
 * bytes. [-0, +1, m] */
static const char *push_shown(lua_State *L, int idx)
{
    AttBuf b = {0};
    size_t n;
    const char *s = luaL_tolstring(L, idx, &n);
    att_text_escape(s, n > 80 ? 80 : n, &b);
    lua_pop(L, 1);
    lua_pushstring(L, b.oom || !b.data ? "?" : b.data);
    att_buf_free(&b);
    return lua_tostring(L, -1);
}

void att_opt_check(lua_State *L, int vidx, const char *who, const char *prefix, const AttOpt *o)
{
    char want[160];
    const char *got;
    vidx = lua_absindex(L, vidx);
    if (fits(L, vidx, o)) return;
    describe(o, want, sizeof want);
    got = push_shown(L, vidx);
    luaL_error(L, "%s: %s%s must be %s (got %s)", who, prefix, o->name, want, got);
}

void att_opts_check(lua_State *L, int idx, const char *who, const char *prefix, const char *noun, const AttOpt *opts)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const AttOpt *o = lua_type(L, -2) == LUA_TSTRING ? att_opt_find(opts, lua_tostring(L, -2)) : NULL;
        if (!o) {
            luaL_Buffer b;
            const AttOpt *k;
            const char *key = push_shown(L, -2), *known;
            luaL_buffinit(L, &b);
            for (k = opts; k->name; k++) {
                if (k != opts) luaL_addstring(&b, ", ");
                luaL_addstring(&b, k->name);
            }
            luaL_pushresult(&b);
            known = lua_tostring(L, -1);
            luaL_error(L, "%s: unknown %s %s (known: %s)", who, noun, key, known);
        }
        att_opt_check(L, -1, who, prefix, o);
        lua_pop(L, 1);
    }
}

void att_opt_store(lua_State *L, int vidx, const AttOpt *o, void *base)
{
    char *p = (char *)base + o->offset;
    if (o->offset == ATT_OPT_NONE) return;
    switch (o->kind) {
    case ATT_OPT_INT: *(int *)(void *)p = (int)lua_tointeger(L, vidx); break;
    case ATT_OPT_SIZE: *(size_t *)(void *)p = (size_t)lua_tointeger(L, vidx); break;
    case ATT_OPT_NUMBER:
    case ATT_OPT_SECONDS: *(double *)(void *)p = (double)lua_tonumber(L, vidx); break;
    case ATT_OPT_CHOICE:
    case ATT_OPT_URL:
    case ATT_OPT_HEADER:
        *(const char **)(void *)p = lua_type(L, vidx) == LUA_TSTRING ? lua_tostring(L, vidx) : NULL;
        break;
    case ATT_OPT_OWNER: break;
    }
}

double att_opt_number(const AttOpt *o, const void *base)
{
    const char *p = (const char *)base + o->offset;
    switch (o->kind) {
    case ATT_OPT_INT: return *(const int *)(const void *)p;
    case ATT_OPT_SIZE: return (double)*(const size_t *)(const void *)p;
    case ATT_OPT_NUMBER:
    case ATT_OPT_SECONDS: return *(const double *)(const void *)p;
    default: return 0;
    }
}
