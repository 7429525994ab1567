/* config.c — settings from the command line, ATT_* variables and a profile file (see config.h).
 *
 * Every setting is one row of SETTINGS: its flag (--name), its variable, its key in a profile, its
 * type and where it lands in AttConfig. Secrets (the bearer token, the OAuth client secret) have no
 * flag on purpose: a command line is visible to every user through ps. */
#include "cli/config.h"

#include <errno.h>
#include "core/auth.h"
#include "core/text.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { T_URL, T_STR, T_PATH, T_SECONDS, T_SECONDS0, T_BYTES, T_INT, T_RATE, T_WINDOW } Type;

typedef struct Setting {
    const char *flag; /* NULL: not accepted on the command line */
    const char *env;
    const char *key; /* profile key */
    Type type;
    size_t offset; /* in AttConfig; (size_t)-1 for client_secret_file */
} Setting;

#define OFF(f)      offsetof(AttConfig, api.f)
#define SECRET_FILE ((size_t)-1)

static const Setting SETTINGS[] = {
    {"base-url", "ATT_BASE_URL", "base_url", T_URL, OFF(base_url)},
    {"appname", "ATT_APPNAME", "appname", T_STR, OFF(appname)},
    {"timeout", "ATT_TIMEOUT", "timeout", T_SECONDS, OFF(timeout)},
    {"connect-timeout", "ATT_CONNECT_TIMEOUT", "connect_timeout", T_SECONDS, OFF(connect_timeout)},
    {"stall-timeout", "ATT_STALL_TIMEOUT", "stall_timeout", T_SECONDS, OFF(stall_timeout)},
    {"max-response", "ATT_MAX_RESPONSE", "max_response", T_BYTES, OFF(max_response)},
    {"retries", "ATT_RETRIES", "retries", T_INT, OFF(retries)},
    {"max-wait", "ATT_MAX_WAIT", "max_wait", T_SECONDS0, OFF(max_wait)},
    {"rate", "ATT_RATE", "rate", T_RATE, OFF(rate)},
    {"window", "ATT_WINDOW", "window", T_WINDOW, OFF(window)},
    {"cacert", "ATT_CACERT", "cacert", T_PATH, OFF(cacert)},
    {"cert", "ATT_CERT", "cert", T_PATH, OFF(cert)},
    {"key", "ATT_KEY", "key", T_PATH, OFF(key)},
    {"token-url", "ATT_TOKEN_URL", "token_url", T_URL, OFF(token_url)},
    {"client-id", "ATT_CLIENT_ID", "client_id", T_STR, OFF(client_id)},
    {"scope", "ATT_SCOPE", "scope", T_STR, OFF(scope)},
    {"client-secret-file", "ATT_CLIENT_SECRET_FILE", "client_secret_file", T_PATH, SECRET_FILE},
    {NULL, "ATT_CLIENT_SECRET", "client_secret", T_STR, OFF(client_secret)},
    {NULL, "ATT_TOKEN", "token", T_STR, OFF(token)},
};
#define NSETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])

static const char USAGE[] =
    "usage: att [options] [script [args...]]\n"
    "Runs a Lua 5.4 script with the att module for the AT&T Omni Customer Search API.\n"
    "\n"
    "  script                 a Lua script; its arguments are in arg (arg[0] is the script)\n"
    "  -                      read the script from standard input\n"
    "  -e CODE                run CODE (may be repeated; runs before the script)\n"
    "  -i                     enter the interactive prompt after running the script\n"
    "  -v, --version          print the version and exit\n"
    "  -h, --help             print this help and exit\n"
    "  --                     stop handling options\n"
    "\n"
    "API (each also from the environment variable shown, or a profile):\n"
    "  --base-url URL         API base URL (ATT_BASE_URL; default " ATT_DEFAULT_BASE_URL ")\n"
    "  --appname NAME         value of the appname header (ATT_APPNAME)\n"
    "  --timeout SEC          total time for one attempt (ATT_TIMEOUT; default 60)\n"
    "  --connect-timeout SEC  time to connect (ATT_CONNECT_TIMEOUT; default 10)\n"
    "  --stall-timeout SEC    give up an attempt that receives nothing this long (ATT_STALL_TIMEOUT; default 30)\n"
    "  --max-response SIZE    largest response body, e.g. 64M (ATT_MAX_RESPONSE; default 64M)\n"
    "  --retries N            retries of a transient failure (ATT_RETRIES; default 4)\n"
    "  --max-wait SEC         total wait of the retries of one request (ATT_MAX_WAIT; default 60)\n"
    "  --rate N               at most N requests per second in all (ATT_RATE; default unlimited)\n"
    "  --window N             pages of a scan in flight at once, 1..64 (ATT_WINDOW; default 8)\n"
    "  --profile NAME         use profile NAME of ~/.config/att/config.lua (ATT_PROFILE)\n"
    "\n"
    "Authentication (secrets are never accepted on the command line):\n"
    "  ATT_TOKEN              a bearer token, or OAuth 2.0 client credentials:\n"
    "  --token-url URL        token endpoint (ATT_TOKEN_URL)\n"
    "  --client-id ID         client id (ATT_CLIENT_ID)\n"
    "  ATT_CLIENT_SECRET      client secret, or --client-secret-file FILE (ATT_CLIENT_SECRET_FILE)\n"
    "  --scope SCOPE          requested scope (ATT_SCOPE)\n"
    "\n"
    "TLS:\n"
    "  --cacert FILE          CA bundle to verify the server (ATT_CACERT)\n"
    "  --cert FILE, --key FILE  client certificate and key for mutual TLS (ATT_CERT, ATT_KEY)\n"
    "  --insecure             do NOT verify the server's certificate (dangerous; warns)\n"
    "  Proxies come from http_proxy, https_proxy and no_proxy, as for curl.\n"
    "\n"
    "Visibility and limits:\n"
    "  --verbose              one line per request and response on stderr\n"
    "  --trace                also headers and bodies (secrets shown as [REDACTED])\n"
    "  --safe                 restricted mode for scripts you did not write (see att(1))\n"
    "  --allow-env NAME       under --safe, let os.getenv read NAME too (repeatable)\n"
    "  --allow-method M       under --safe, let att.request use method M too (default GET, POST)\n"
    "  --max-memory SIZE      cap the memory att holds for the run, e.g. 64M\n"
    "  --max-time SEC         stop the run after SEC seconds of wall-clock time\n"
    "  -q, --quiet            no progress line on a terminal\n"
    "\n"
    "Developing scripts:\n"
    "  --record DIR           save every API exchange to DIR/session.jsonl (no credentials stored)\n"
    "  --replay DIR           answer from DIR/session.jsonl instead of the network\n"
    "  --lua-path DIRS        ;-separated directories of your own modules, searched before the\n"
    "                         bundled ones (ATT_LUA_PATH; ~/.config/att/lua too, except under --safe)\n"
    "  att help SCRIPT        the usage a script declares\n"
    "  att search K=V... [--level L] [--columns A,B] [--format F] [--all]   a one-off search\n"
    "\n"
    "With no script and a terminal on standard input, att opens an interactive prompt.\n"
    "Exit status: 0 success, 1 script error, 2 bad command line or configuration, 7 --max-time or\n"
    "--max-memory reached, 8 output lost (a write failed), 128+N ended by signal N (130 Ctrl-C).\n";

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
config_error(const char *fmt, ...)
{
    va_list ap;
    fputs("att: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

void att_config_usage(FILE *f) { fputs(USAGE, f); }

int att_parse_seconds(const char *s, int allow_zero, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || v != v || v < 0 || (!allow_zero && v == 0) || v > 86400.0 * 7) return -1;
    *out = v;
    return 0;
}

int att_parse_bytes(const char *s, size_t *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !(v >= 1)) return -1;
    switch (*end) {
    case 'k':
    case 'K':
        v *= 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        v *= 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        v *= 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > 1024.0 * 1024 * 1024 * 1024) return -1;
    *out = (size_t)v;
    return 0;
}

static const char *keep(AttCli *c, const char *s)
{
    char *p;
    size_t n = strlen(s) + 1;
    if (c->nowned == ATT_MAX_OWNED || !(p = malloc(n))) return NULL;
    memcpy(p, s, n);
    c->owned[c->nowned++] = p;
    return p;
}

/* Adds a path a --safe script may never open. */
static void deny(AttCli *c, const char *path)
{
    if (path && *path && c->cfg.host.ndeny < ATT_MAX_DENY) c->cfg.host.deny[c->cfg.host.ndeny++] = path;
}

/* Where the client secret and the secret file were last set: 1 profile, 2 environment, 3 command
 * line (the higher one wins when both are given). */
typedef struct Levels {
    int now, secret, file;
} Levels;

/* Stores one value; source names where it came from, for the error message. */
static int set_value(AttCli *c, const Setting *st, const char *value, const char *source, const char **secret_file,
                     Levels *lv)
{
    /* The field, through void * so that no char-to-double cast is needed. */
    void *field = st->offset == SECRET_FILE ? NULL : (void *)((char *)&c->cfg + st->offset);
    if (st->offset == SECRET_FILE) lv->file = lv->now;
    if (st->offset == OFF(client_secret)) lv->secret = lv->now;
    switch (st->type) {
    case T_URL:
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return config_error("%s: expected an http:// or https:// URL", source);
        *(const char **)field = value;
        return 0;
    case T_STR: *(const char **)field = *value ? value : NULL; return 0;
    case T_PATH:
        if (st->offset == SECRET_FILE)
            *secret_file = *value ? value : NULL;
        else
            *(const char **)field = *value ? value : NULL;
        return 0;
    case T_SECONDS:
    case T_SECONDS0:
        if (att_parse_seconds(value, st->type == T_SECONDS0, (double *)field))
            return config_error("%s: expected a number of seconds%s, got '%s'", source,
                                st->type == T_SECONDS0 ? " >= 0" : " > 0", value);
        return 0;
    case T_BYTES:
        if (att_parse_bytes(value, (size_t *)field))
            return config_error("%s: expected a size such as 64M, got '%s'", source, value);
        return 0;
    case T_INT:
    case T_WINDOW: {
        char *end;
        long v, lo = st->type == T_WINDOW ? 1 : 0, hi = st->type == T_WINDOW ? 64 : 100;
        errno = 0;
        v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < lo || v > hi)
            return config_error("%s: expected an integer from %ld to %ld, got '%s'", source, lo, hi, value);
        *(int *)field = (int)v;
        return 0;
    }
    case T_RATE: {
        char *end;
        double v;
        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v >= 0) || v > 100000)
            return config_error("%s: expected requests per second (0 for no limit), got '%s'", source, value);
        *(double *)field = v;
        return 0;
    }
    }
    return 0;
}

/* Reads a client secret from a file (first line, without the line end) into *out (owned by c).
 * 0, or -1 with the reason in why. */
static int secret_from_file(AttCli *c, const char *path, const char **out, char *why, size_t whylen)
{
    char buf[ATT_SECRET_MAX + 2];
    size_t n;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "cannot read the client secret file %s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!buf[0]) {
        snprintf(why, whylen, "the client secret file %s is empty", path);
        return -1;
    }
    *out = keep(c, buf);
    memset(buf, 0, sizeof buf);
    if (!*out) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

static int read_secret_file(AttCli *c, const char *path)
{
    char why[1200];
    if (secret_from_file(c, path, &c->cfg.api.client_secret, why, sizeof why) != 0) return config_error("%s", why);
    return 0;
}

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
        cr.token = keep(c, str_field(L, "token") ? str_field(L, "token") : "");
        cr.token_url = keep(c, str_field(L, "token_url") ? str_field(L, "token_url") : "");
        cr.client_id = keep(c, str_field(L, "client_id") ? str_field(L, "client_id") : "");
        cr.client_secret = keep(c, str_field(L, "client_secret") ? str_field(L, "client_secret") : "");
        cr.scope = keep(c, str_field(L, "scope") ? str_field(L, "scope") : "");
        file = str_field(L, "client_secret_file");
        lua_pop(L, 1);
        if (!cr.token || !cr.token_url || !cr.client_id || !cr.client_secret || !cr.scope)
            return config_error("out of memory");
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
                 secret_from_file(c, file, &cr.client_secret, why, sizeof why) == 0)
            deny(c, keep(c, file));
        if (!why[0] && cr.token_url && (!cr.client_id || !cr.client_secret))
            snprintf(why, sizeof why, "OAuth needs client_id and client_secret (or client_secret_file)");
        if (!why[0]) check_cred(&cr, why, sizeof why);
        if (why[0]) {
            char line[1400];
            snprintf(line, sizeof line, "profile '%s' provides no credentials: %s", name, why);
            if (c->nskipped < ATT_MAX_CREDS) c->skipped[c->nskipped++] = keep(c, line);
            continue;
        }
        cr.origin = keep(c, origin);
        if (!cr.origin) return config_error("out of memory");
        c->cfg.api.others[c->cfg.api.nothers++] = cr;
    }
    return 0;
}

/* ---- profiles -------------------------------------------------------------------------------- */

static int profile_hook_count;
static void profile_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (++profile_hook_count > 1000) luaL_error(L, "the profile file runs too long");
}

/* Reads the profile file (a Lua chunk returning {NAME = {key = value, ...}, ...}), evaluated with no
 * libraries, and applies the selected profile. Returns 0 or an exit status. */
static int load_profile(AttCli *c, const char **secret_file, Levels *lv)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME"), *name = c->profile;
    const char *explicit_path = getenv("ATT_CONFIG");
    struct stat sb;
    lua_State *L;
    int rc = 0;
    size_t i;

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
        if (name)
            return config_error("--profile %s: no profile file (looked for %s)", name,
                                explicit_path ? explicit_path
                                              : "$XDG_CONFIG_HOME/att/config.lua or ~/.config/att/config.lua");
        return 0;
    }
    if (sb.st_mode & 077)
        return config_error("refusing %s: it may hold secrets and is readable or writable by other users "
                            "(mode %03o); run: chmod 600 %s",
                            c->profile_path, (unsigned)(sb.st_mode & 0777), c->profile_path);

    L = luaL_newstate();
    if (!L) return config_error("out of memory reading %s", c->profile_path);
    profile_hook_count = 0;
    lua_sethook(L, profile_hook, LUA_MASKCOUNT, 1000);
    if (luaL_loadfilex(L, c->profile_path, "t") != LUA_OK) {
        rc = config_error("%s", lua_tostring(L, -1));
        goto done;
    }
    lua_newtable(L); /* an empty environment: no libraries */
    lua_setupvalue(L, -2, 1);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        rc = config_error("%s: %s", c->profile_path, lua_tostring(L, -1));
        goto done;
    }
    if (!lua_istable(L, -1)) {
        rc = config_error("%s must return a table of profiles, e.g. return { prod = { base_url = \"...\" } }",
                          c->profile_path);
        goto done;
    }
    if (!name) name = "default";
    if ((rc = other_profiles(c, L, name)) != 0) goto done;
    if (lua_getfield(L, -1, name) != LUA_TTABLE) {
        if (c->profile) rc = config_error("%s has no profile '%s'", c->profile_path, name);
        goto done;
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        char source[1200], num[64];
        const char *v;
        for (i = 0; i < NSETTINGS && strcmp(SETTINGS[i].key, key) != 0; i++) {}
        if (i == NSETTINGS) {
            rc = config_error("%s: profile '%s': unknown setting '%s'", c->profile_path, name, key);
            goto done;
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
            rc = config_error("%s: profile '%s': %s must be a string or a number", c->profile_path, name, key);
            goto done;
        }
        snprintf(source, sizeof source, "%s: profile '%s': %s", c->profile_path, name, key);
        v = keep(c, v);
        if (!v) {
            rc = config_error("out of memory");
            goto done;
        }
        if ((rc = set_value(c, &SETTINGS[i], v, source, secret_file, lv)) != 0) goto done;
        lua_pop(L, 1);
    }
done:
    lua_close(L);
    return rc;
}

/* ---- command line ---------------------------------------------------------------------------- */

/* After the merge: credentials and header values fit to be sent, URLs with a host, the origin the
 * run's credentials belong to, and what --safe keeps from the script. Returns 0 or 2. */
static int check_settings(AttCli *c, const char *secret_file)
{
    char why[300], origin[300], pw[1024], dir[1100];
    const char *xdg = getenv("XDG_CONFIG_HOME"), *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    const char *const urls[2] = {c->cfg.api.base_url, c->cfg.api.token_url};
    int i;

    if (c->cfg.api.token && att_auth_check_secret("the bearer token (ATT_TOKEN or the profile's token)",
                                                  c->cfg.api.token, why, sizeof why) != 0)
        return config_error("%s", why);
    if (c->cfg.api.client_secret &&
        att_auth_check_secret("the client secret (ATT_CLIENT_SECRET, ATT_CLIENT_SECRET_FILE or the profile)",
                              c->cfg.api.client_secret, why, sizeof why) != 0)
        return config_error("%s", why);
    if (c->cfg.api.client_id && !att_header_value_ok(c->cfg.api.client_id, strlen(c->cfg.api.client_id)))
        return config_error("the client id (ATT_CLIENT_ID or the profile) contains control characters");
    if (c->cfg.api.appname && !att_header_value_ok(c->cfg.api.appname, strlen(c->cfg.api.appname)))
        return config_error("the appname (--appname, ATT_APPNAME or the profile) contains control characters");
    for (i = 0; i < 2; i++) {
        if (!urls[i]) continue;
        if (att_url_origin(urls[i], origin, sizeof origin) != 0 || !att_header_value_ok(urls[i], strlen(urls[i])) ||
            strchr(urls[i], ' '))
            return config_error(
                "%s must be an http:// or https:// URL with a host, without spaces or control characters",
                i ? "the token URL" : "the base URL");
        if (att_url_userinfo(urls[i], NULL, 0, pw, sizeof pw) == 0) {
            size_t n = strlen(pw);
            memset(pw, 0, sizeof pw);
            if (n < ATT_SECRET_MIN)
                return config_error("the password in %s is shorter than %d characters",
                                    i ? "the token URL" : "the base URL", ATT_SECRET_MIN);
        }
    }
    if (att_url_origin(c->cfg.api.base_url, origin, sizeof origin) == 0 && !(c->cfg.api.cred_origin = keep(c, origin)))
        return config_error("out of memory");
    if (c->cfg.api.record_dir) {
        /* Refused now, before any request, rather than at the first answer. */
        struct stat st;
        if (stat(c->cfg.api.record_dir, &st) == 0 &&
            (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)))
            return config_error("--record: %s is %s; a recording holds customer data: chmod 700 it, or name a new "
                                "directory",
                                c->cfg.api.record_dir, S_ISDIR(st.st_mode) ? "open to other users" : "not a directory");
    }

    /* What a --safe script can never open, wherever it runs. */
    deny(c, c->profile_path[0] ? c->profile_path : NULL);
    deny(c, secret_file);
    deny(c, c->cfg.api.cacert);
    deny(c, c->cfg.api.cert);
    deny(c, c->cfg.api.key);
    deny(c, c->cfg.api.record_dir);
    deny(c, c->cfg.api.replay_dir);
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/att", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.config/att", home);
    else
        dir[0] = '\0';
    if (dir[0]) deny(c, keep(c, dir));
    if (state && *state)
        snprintf(dir, sizeof dir, "%s/att", state);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/state/att", home);
    else
        dir[0] = '\0';
    if (dir[0]) deny(c, keep(c, dir));
    if (home && *home) {
        snprintf(dir, sizeof dir, "%s/.att_history", home);
        deny(c, keep(c, dir));
    }
    return 0;
}

static const Setting *find_flag(const char *name)
{
    size_t i;
    for (i = 0; i < NSETTINGS; i++)
        if (SETTINGS[i].flag && strcmp(SETTINGS[i].flag, name) == 0) return &SETTINGS[i];
    return NULL;
}

typedef struct Pending {
    const Setting *st;
    const char *value;
    const char *arg;
} Pending;

int att_config_load(AttCli *c, int argc, char **argv)
{
    Pending pend[128];
    int npend = 0, i, rc;
    size_t k;
    const char *secret_file = NULL;
    Levels lv = {0, 0, 0};

    memset(c, 0, sizeof *c);
    c->cfg.api.base_url = ATT_DEFAULT_BASE_URL;
    c->cfg.api.timeout = 60;
    c->cfg.api.connect_timeout = 10;
    c->cfg.api.stall_timeout = 30;
    c->cfg.api.max_response = 64u * 1024 * 1024;
    c->cfg.api.retries = ATT_RETRY_DEFAULT_RETRIES;
    c->cfg.api.max_wait = ATT_RETRY_DEFAULT_MAX_WAIT_MS / 1000.0;
    c->cfg.api.window = 8;

    /* 1. The command line, remembered; applied last. */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-") == 0 || a[0] != '-') break;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(USAGE, stdout);
            return -1;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("att %s (%s)\n", ATT_VERSION, LUA_RELEASE);
            return -1;
        }
        if (strcmp(a, "-i") == 0) {
            c->interactive = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            if (c->cfg.api.verbose < 1) c->cfg.api.verbose = 1;
            continue;
        }
        if (strcmp(a, "--trace") == 0) {
            c->cfg.api.verbose = 2;
            continue;
        }
        if (strcmp(a, "--insecure") == 0) {
            c->cfg.api.insecure = 1;
            continue;
        }
        if (strcmp(a, "--safe") == 0) {
            c->cfg.api.safe = 1;
            continue;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            c->quiet = 1;
            continue;
        }
        if (strncmp(a, "-e", 2) == 0) {
            const char *code = a[2] ? a + 2 : argv[++i];
            if (!code) return config_error("-e needs an argument\nTry 'att --help'.");
            if (c->nexpr == ATT_MAX_EXPRS) return config_error("too many -e");
            c->exprs[c->nexpr++] = code;
            continue;
        }
        if (strncmp(a, "--", 2) == 0) {
            char name[40];
            const char *eq = strchr(a + 2, '='), *value;
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            const Setting *st;
            if (n >= sizeof name) return config_error("unknown option %s\nTry 'att --help'.", a);
            memcpy(name, a + 2, n);
            name[n] = '\0';
            if (strcmp(name, "token") == 0 || strcmp(name, "client-secret") == 0 || strcmp(name, "password") == 0)
                return config_error(
                    "--%s is not accepted: secrets on the command line show in ps; set %s in the "
                    "environment or a profile instead",
                    name, strcmp(name, "token") == 0 ? "ATT_TOKEN" : "ATT_CLIENT_SECRET (or ATT_CLIENT_SECRET_FILE)");
            st = find_flag(name);
            if (!st && strcmp(name, "profile") != 0 && strcmp(name, "max-memory") != 0 &&
                strcmp(name, "max-time") != 0 && strcmp(name, "record") != 0 && strcmp(name, "replay") != 0 &&
                strcmp(name, "lua-path") != 0 && strcmp(name, "allow-env") != 0 && strcmp(name, "allow-method") != 0)
                return config_error("unknown option %s\nTry 'att --help'.", a);
            value = eq ? eq + 1 : argv[++i];
            if (!value) return config_error("%s needs a value\nTry 'att --help'.", a);
            if (strcmp(name, "profile") == 0) {
                c->profile = value;
                continue;
            }
            if (strcmp(name, "record") == 0) {
                c->cfg.api.record_dir = value;
                continue;
            }
            if (strcmp(name, "replay") == 0) {
                c->cfg.api.replay_dir = value;
                continue;
            }
            if (strcmp(name, "lua-path") == 0) {
                c->cfg.host.lua_path = value;
                continue;
            }
            if (strcmp(name, "allow-env") == 0) {
                if (!*value || strchr(value, '=') || c->cfg.host.nallow_env == ATT_MAX_ALLOW)
                    return config_error("--allow-env: expected the name of an environment variable, got '%s'", value);
                if (strcmp(value, "ATT_TOKEN") == 0 || strcmp(value, "ATT_CLIENT_SECRET") == 0)
                    return config_error("--allow-env %s: a credential is never given to a --safe script", value);
                c->cfg.host.allow_env[c->cfg.host.nallow_env++] = value;
                continue;
            }
            if (strcmp(name, "allow-method") == 0) {
                char m[32];
                size_t j, len = strlen(value);
                const char *prev = c->cfg.api.allow_methods ? c->cfg.api.allow_methods : "GET,POST";
                char *joined;
                if (len == 0 || len >= sizeof m)
                    return config_error("--allow-method: expected an HTTP method such as DELETE, got '%s'", value);
                for (j = 0; j <= len; j++) m[j] = (char)(value[j] >= 'a' && value[j] <= 'z' ? value[j] - 32 : value[j]);
                if (!att_http_method_ok(m))
                    return config_error("--allow-method: expected an HTTP method such as DELETE, got '%s'", value);
                joined = malloc(strlen(prev) + len + 2);
                if (!joined) return config_error("out of memory");
                sprintf(joined, "%s,%s", prev, m);
                c->cfg.api.allow_methods = keep(c, joined);
                free(joined);
                if (!c->cfg.api.allow_methods) return config_error("out of memory");
                continue;
            }
            if (strcmp(name, "max-memory") == 0) {
                if (att_parse_bytes(value, &c->cfg.host.max_memory) || c->cfg.host.max_memory < 1024 * 1024)
                    return config_error("--max-memory: expected a size of at least 1M, such as 64M, got '%s'", value);
                continue;
            }
            if (strcmp(name, "max-time") == 0) {
                if (att_parse_seconds(value, 0, &c->cfg.host.max_time))
                    return config_error("--max-time: expected a number of seconds > 0, got '%s'", value);
                continue;
            }
            if (npend == (int)(sizeof pend / sizeof pend[0])) return config_error("too many options");
            pend[npend].st = st;
            pend[npend].value = value;
            pend[npend].arg = a;
            npend++;
            continue;
        }
        return config_error("unknown option %s\nTry 'att --help'.", a);
    }
    c->script = i < argc ? i : 0;
    if (!c->profile && getenv("ATT_PROFILE") && *getenv("ATT_PROFILE")) c->profile = getenv("ATT_PROFILE");

    /* 2. Profile, 3. environment, 4. command line: later ones win. */
    lv.now = 1;
    if ((rc = load_profile(c, &secret_file, &lv)) != 0) return rc;
    lv.now = 2;
    for (k = 0; k < NSETTINGS; k++) {
        const char *v = getenv(SETTINGS[k].env);
        if (v && *v && (rc = set_value(c, &SETTINGS[k], v, SETTINGS[k].env, &secret_file, &lv)) != 0) return rc;
    }
    lv.now = 3;
    for (i = 0; i < npend; i++)
        if ((rc = set_value(c, pend[i].st, pend[i].value, pend[i].arg, &secret_file, &lv)) != 0) return rc;
    if (secret_file && lv.file >= lv.secret && (rc = read_secret_file(c, secret_file)) != 0) return rc;

    if (c->cfg.api.token_url && (!c->cfg.api.client_id || !c->cfg.api.client_secret))
        return config_error("OAuth: --token-url (ATT_TOKEN_URL) needs a client id (ATT_CLIENT_ID) and a client secret "
                            "(ATT_CLIENT_SECRET or ATT_CLIENT_SECRET_FILE)");
    if (c->cfg.api.record_dir && c->cfg.api.replay_dir)
        return config_error("--record and --replay cannot be used together");
    if (!c->cfg.host.lua_path && getenv("ATT_LUA_PATH") && *getenv("ATT_LUA_PATH"))
        c->cfg.host.lua_path = getenv("ATT_LUA_PATH");
    c->cfg.api.progress = !c->quiet && isatty(STDERR_FILENO);
    c->cfg.host.quiet = c->quiet;
    if (c->cfg.api.key && !c->cfg.api.cert) return config_error("--key needs --cert (the client certificate)");
    if ((rc = check_settings(c, secret_file)) != 0) return rc;
    if (c->cfg.api.insecure)
        fprintf(stderr, "att: WARNING: --insecure: the server's TLS certificate is NOT verified; anyone on the network "
                        "path can read and alter this traffic, credentials included\n");
    return 0;
}

void att_config_free(AttCli *c)
{
    int i;
    for (i = 0; i < c->nowned; i++) {
        memset(c->owned[i], 0, strlen(c->owned[i]));
        free(c->owned[i]);
    }
    c->nowned = 0;
}
