/* profile.c — profile files ($XDG_CONFIG_HOME/att/config.lua, ~/.config/att/config.lua or
 * ATT_CONFIG): a Lua chunk evaluated with no libraries and a short instruction budget, refused when
 * other users can read or write it; the selected profile's settings, and the credentials of the
 * other profiles, each for the origin of its own base_url. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/config_impl.h"
#include "core/auth.h"
#include "core/text.h"

/* A string field of the table on top, or NULL. */
static const char *str_field(lua_State *L, const char *key)
{
    const char *v = NULL;
    if (lua_getfield(L, -1, key) == LUA_TSTRING) v = lua_tostring(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Checks a credential set; 0, or -1 with the reason in why. */
static int check_cred(const AttCred *cr, char *why, size_t whylen)
{
    if (cr->token && att_auth_check_secret("token", cr->token, why, whylen) != 0) return -1;
    if (cr->client_secret && att_auth_check_secret("client_secret", cr->client_secret, why, whylen) != 0) return -1;
    if (cr->client_id && !att_header_value_ok(cr->client_id, strlen(cr->client_id))) {
        snprintf(why, whylen, "client_id contains control characters");
        return -1;
    }
    return 0;
}

/* The credentials of the profiles other than the selected one (the table of profiles on top of
 * L), each for the origin of its own base_url: a request the run makes there carries them, and
 * nowhere else. A profile whose credentials cannot be used (a secret file that cannot be read, a
 * token too short) contributes none; --verbose says why. Returns 0 or an exit status. */
static int other_profiles(AttCli *c, lua_State *L, const char *selected)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        AttCred cr;
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL, *file, *base;
        char origin[300], why[1200];
        memset(&cr, 0, sizeof cr);
        if (!name || !lua_istable(L, -1) || strcmp(name, selected) == 0 || !(base = str_field(L, "base_url")) ||
            c->cfg.api.nothers == ATT_MAX_CREDS) {
            lua_pop(L, 1);
            continue;
        }
        cr.token = att_config_keep(c, str_field(L, "token") ? str_field(L, "token") : "");
        cr.token_url = att_config_keep(c, str_field(L, "token_url") ? str_field(L, "token_url") : "");
        cr.client_id = att_config_keep(c, str_field(L, "client_id") ? str_field(L, "client_id") : "");
        cr.client_secret = att_config_keep(c, str_field(L, "client_secret") ? str_field(L, "client_secret") : "");
        cr.scope = att_config_keep(c, str_field(L, "scope") ? str_field(L, "scope") : "");
        file = str_field(L, "client_secret_file");
        lua_pop(L, 1);
        if (!cr.token || !cr.token_url || !cr.client_id || !cr.client_secret || !cr.scope)
            return att_config_error("out of memory");
        cr.token = *cr.token ? cr.token : NULL;
        cr.token_url = *cr.token_url ? cr.token_url : NULL;
        cr.client_id = *cr.client_id ? cr.client_id : NULL;
        cr.client_secret = *cr.client_secret ? cr.client_secret : NULL;
        cr.scope = *cr.scope ? cr.scope : NULL;
        if (!cr.token && !cr.token_url) continue; /* no credentials there */
        why[0] = '\0';
        if (att_url_origin(base, origin, sizeof origin) != 0)
            snprintf(why, sizeof why, "its base_url is not an http:// or https:// URL");
        else if (cr.token_url && !cr.client_secret && file &&
                 att_config_secret_file(c, file, &cr.client_secret, why, sizeof why) == 0)
            att_config_deny(c, att_config_keep(c, file));
        if (!why[0] && cr.token_url && (!cr.client_id || !cr.client_secret))
            snprintf(why, sizeof why, "OAuth needs client_id and client_secret (or client_secret_file)");
        if (!why[0]) check_cred(&cr, why, sizeof why);
        if (why[0]) {
            char line[1400];
            snprintf(line, sizeof line, "profile '%s' provides no credentials: %s", name, why);
            if (c->nskipped < ATT_MAX_CREDS) c->skipped[c->nskipped++] = att_config_keep(c, line);
            continue;
        }
        cr.origin = att_config_keep(c, origin);
        if (!cr.origin) return att_config_error("out of memory");
        c->cfg.api.others[c->cfg.api.nothers++] = cr;
    }
    return 0;
}

static int profile_hook_count;
static void profile_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (++profile_hook_count > 1000) luaL_error(L, "the profile file runs too long");
}

/* Where the profile file is: ATT_CONFIG, $XDG_CONFIG_HOME/att/config.lua or ~/.config/att/config.lua.
 * Sets c->profile_path ("" when there is none); 0, or an exit status when the file was asked for
 * and is missing or is open to other users. */
static int find_profile(AttCli *c)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME"), *explicit_path = getenv("ATT_CONFIG");
    struct stat sb;
    if (explicit_path && *explicit_path)
        snprintf(c->profile_path, sizeof c->profile_path, "%s", explicit_path);
    else if (xdg && *xdg)
        snprintf(c->profile_path, sizeof c->profile_path, "%s/att/config.lua", xdg);
    else if (home && *home)
        snprintf(c->profile_path, sizeof c->profile_path, "%s/.config/att/config.lua", home);
    else
        c->profile_path[0] = '\0';
    if (!c->profile_path[0] || stat(c->profile_path, &sb) != 0) {
        c->profile_path[0] = '\0';
        if (c->profile)
            return att_config_error("--profile %s: no profile file (looked for %s)", c->profile,
                                    explicit_path ? explicit_path
                                                  : "$XDG_CONFIG_HOME/att/config.lua or ~/.config/att/config.lua");
        return 0;
    }
    if (sb.st_mode & 077)
        return att_config_error("refusing %s: it may hold secrets and is readable or writable by other users "
                                "(mode %03o); run: chmod 600 %s",
                                c->profile_path, (unsigned)(sb.st_mode & 0777), c->profile_path);
    return 0;
}

/* extra_fields = {"a", "b"}: the list on top of L, each name added. 0 or an exit status. */
static int apply_list(AttCli *c, lua_State *L, const Setting *st, const char *source, const char **secret_file,
                      Levels *lv)
{
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
    int rc;
    for (i = 1; i <= n; i++) {
        const char *v;
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
            lua_pop(L, 1);
            return att_config_error("%s: expected a list of names, such as {\"market\", \"region\"}", source);
        }
        v = att_config_keep(c, lua_tostring(L, -1));
        lua_pop(L, 1);
        if (!v) return att_config_error("out of memory");
        if ((rc = att_config_set(c, st, v, source, secret_file, lv)) != 0) return rc;
    }
    return 0;
}

/* Applies the profile table on top of L (named name), key by key. 0 or an exit status. */
static int apply_profile(AttCli *c, lua_State *L, const char *name, const char **secret_file, Levels *lv)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        const Setting *st = att_config_setting(key);
        char source[1200], num[64];
        const char *v;
        int rc;
        if (!st) return att_config_error("%s: profile '%s': unknown setting '%s'", c->profile_path, name, key);
        snprintf(source, sizeof source, "%s: profile '%s': %s", c->profile_path, name, key);
        if (st->type == T_FIELDS && lua_istable(L, -1)) {
            if ((rc = apply_list(c, L, st, source, secret_file, lv)) != 0) return rc;
            lua_pop(L, 1);
            continue;
        }
        if (lua_type(L, -1) == LUA_TNUMBER) {
            if (lua_isinteger(L, -1))
                snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
            else
                snprintf(num, sizeof num, "%.17g", (double)lua_tonumber(L, -1));
            v = num;
        } else if (lua_type(L, -1) == LUA_TSTRING) {
            v = lua_tostring(L, -1);
        } else {
            return att_config_error("%s: profile '%s': %s must be a string or a number", c->profile_path, name, key);
        }
        if (!(v = att_config_keep(c, v))) return att_config_error("out of memory");
        if ((rc = att_config_set(c, st, v, source, secret_file, lv)) != 0) return rc;
        lua_pop(L, 1);
    }
    return 0;
}

/* Reads the profile file (a Lua chunk returning {NAME = {key = value, ...}, ...}), evaluated with no
 * libraries, and applies the selected profile. Returns 0 or an exit status. */
int att_profile_load(AttCli *c, const char **secret_file, Levels *lv)
{
    const char *name = c->profile ? c->profile : "default";
    lua_State *L;
    int rc;

    if ((rc = find_profile(c)) != 0 || !c->profile_path[0]) return rc;
    L = luaL_newstate();
    if (!L) return att_config_error("out of memory reading %s", c->profile_path);
    profile_hook_count = 0;
    lua_sethook(L, profile_hook, LUA_MASKCOUNT, 1000);
    if (luaL_loadfilex(L, c->profile_path, "t") != LUA_OK) {
        rc = att_config_error("%s", lua_tostring(L, -1));
    } else {
        lua_newtable(L); /* an empty environment: no libraries */
        lua_setupvalue(L, -2, 1);
        if (lua_pcall(L, 0, 1, 0) != LUA_OK)
            rc = att_config_error("%s: %s", c->profile_path, lua_tostring(L, -1));
        else if (!lua_istable(L, -1))
            rc = att_config_error("%s must return a table of profiles, e.g. return { prod = { base_url = \"...\" } }",
                                  c->profile_path);
        else if ((rc = other_profiles(c, L, name)) == 0 && lua_getfield(L, -1, name) == LUA_TTABLE)
            rc = apply_profile(c, L, name, secret_file, lv);
        else if (rc == 0 && c->profile)
            rc = att_config_error("%s has no profile '%s'", c->profile_path, name);
    }
    lua_close(L);
    return rc;
}
