/* config.c — settings from the command line, ATT_* variables and a profile file (see config.h).
 *
 * Every setting is one row of SETTINGS: its flag (--name), its variable, its key in a profile, its
 * type and where it lands in AttConfig. Secrets (the bearer token, the OAuth client secret) have no
 * flag on purpose: a command line is visible to every user through ps. */
#include "cli/config.h"
#include "cli/config_impl.h"

#include <errno.h>
#include "bind/fields.h"
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
    {"field", "ATT_FIELDS", "extra_fields", T_FIELDS, OFF(extra_fields)},
    {"client-secret-file", "ATT_CLIENT_SECRET_FILE", "client_secret_file", T_PATH, SECRET_FILE},
    {NULL, "ATT_CLIENT_SECRET", "client_secret", T_STR, OFF(client_secret)},
    {NULL, "ATT_TOKEN", "token", T_STR, OFF(token)},
};
#define NSETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int att_config_error(const char *fmt, ...)
{
    va_list ap;
    fputs("att: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

const char *att_config_keep(AttCli *c, const char *s)
{
    char *p;
    size_t n = strlen(s) + 1;
    if (c->nowned == ATT_MAX_OWNED || !(p = malloc(n))) return NULL;
    memcpy(p, s, n);
    c->owned[c->nowned++] = p;
    return p;
}

/* Adds a path a --safe script may never open. */
void att_config_deny(AttCli *c, const char *path)
{
    if (path && *path && c->cfg.host.ndeny < ATT_MAX_DENY) c->cfg.host.deny[c->cfg.host.ndeny++] = path;
}

/* Stores one value; source names where it came from, for the error message. */
int att_config_set(AttCli *c, const Setting *st, const char *value, const char *source, const char **secret_file,
                   Levels *lv)
{
    /* The field, through void * so that no char-to-double cast is needed. */
    void *field = st->offset == SECRET_FILE ? NULL : (void *)((char *)&c->cfg + st->offset);
    if (st->offset == SECRET_FILE) lv->file = lv->now;
    if (st->offset == OFF(client_secret)) lv->secret = lv->now;
    switch (st->type) {
    case T_URL:
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return att_config_error("%s: expected an http:// or https:// URL", source);
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
            return att_config_error("%s: expected a number of seconds%s, got '%s'", source,
                                    st->type == T_SECONDS0 ? " >= 0" : " > 0", value);
        return 0;
    case T_BYTES:
        if (att_parse_bytes(value, (size_t *)field))
            return att_config_error("%s: expected a size such as 64M, got '%s'", source, value);
        return 0;
    case T_INT:
    case T_WINDOW: {
        char *end;
        long v, lo = st->type == T_WINDOW ? 1 : 0, hi = st->type == T_WINDOW ? 64 : 100;
        errno = 0;
        v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < lo || v > hi)
            return att_config_error("%s: expected an integer from %ld to %ld, got '%s'", source, lo, hi, value);
        *(int *)field = (int)v;
        return 0;
    }
    case T_RATE: {
        char *end;
        double v;
        errno = 0;
        v = strtod(value, &end);
        if (errno || end == value || *end || !(v >= 0) || v > 100000)
            return att_config_error("%s: expected requests per second (0 for no limit), got '%s'", source, value);
        *(double *)field = v;
        return 0;
    }
    case T_FIELDS: return att_config_add_fields(c, value, source);
    }
    return 0;
}

/* Reads a client secret from a file (first line, without the line end) into *out (owned by c).
 * 0, or -1 with the reason in why. */
int att_config_secret_file(AttCli *c, const char *path, const char **out, char *why, size_t whylen)
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
    *out = att_config_keep(c, buf);
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
    if (att_config_secret_file(c, path, &c->cfg.api.client_secret, why, sizeof why) != 0)
        return att_config_error("%s", why);
    return 0;
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
        return att_config_error("%s", why);
    if (c->cfg.api.client_secret &&
        att_auth_check_secret("the client secret (ATT_CLIENT_SECRET, ATT_CLIENT_SECRET_FILE or the profile)",
                              c->cfg.api.client_secret, why, sizeof why) != 0)
        return att_config_error("%s", why);
    if (c->cfg.api.client_id && !att_header_value_ok(c->cfg.api.client_id, strlen(c->cfg.api.client_id)))
        return att_config_error("the client id (ATT_CLIENT_ID or the profile) contains control characters");
    if (c->cfg.api.appname && !att_header_value_ok(c->cfg.api.appname, strlen(c->cfg.api.appname)))
        return att_config_error("the appname (--appname, ATT_APPNAME or the profile) contains control characters");
    for (i = 0; i < 2; i++) {
        if (!urls[i]) continue;
        if (att_url_origin(urls[i], origin, sizeof origin) != 0 || !att_header_value_ok(urls[i], strlen(urls[i])) ||
            strchr(urls[i], ' '))
            return att_config_error(
                "%s must be an http:// or https:// URL with a host, without spaces or control characters",
                i ? "the token URL" : "the base URL");
        if (att_url_userinfo(urls[i], NULL, 0, pw, sizeof pw) == 0) {
            size_t n = strlen(pw);
            memset(pw, 0, sizeof pw);
            if (n < ATT_SECRET_MIN)
                return att_config_error("the password in %s is shorter than %d characters",
                                        i ? "the token URL" : "the base URL", ATT_SECRET_MIN);
        }
    }
    if (att_url_origin(c->cfg.api.base_url, origin, sizeof origin) == 0 &&
        !(c->cfg.api.cred_origin = att_config_keep(c, origin)))
        return att_config_error("out of memory");
    if (c->cfg.api.record_dir) {
        /* Refused now, before any request, rather than at the first answer. */
        struct stat st;
        if (stat(c->cfg.api.record_dir, &st) == 0 &&
            (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)))
            return att_config_error("--record: %s is %s; a recording holds customer data: chmod 700 it, or name a new "
                                    "directory",
                                    c->cfg.api.record_dir,
                                    S_ISDIR(st.st_mode) ? "open to other users" : "not a directory");
    }

    /* What a --safe script can never open, wherever it runs. */
    att_config_deny(c, c->profile_path[0] ? c->profile_path : NULL);
    att_config_deny(c, secret_file);
    att_config_deny(c, c->cfg.api.cacert);
    att_config_deny(c, c->cfg.api.cert);
    att_config_deny(c, c->cfg.api.key);
    att_config_deny(c, c->cfg.api.record_dir);
    att_config_deny(c, c->cfg.api.replay_dir);
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/att", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.config/att", home);
    else
        dir[0] = '\0';
    if (dir[0]) att_config_deny(c, att_config_keep(c, dir));
    if (state && *state)
        snprintf(dir, sizeof dir, "%s/att", state);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.local/state/att", home);
    else
        dir[0] = '\0';
    if (dir[0]) att_config_deny(c, att_config_keep(c, dir));
    if (home && *home) {
        snprintf(dir, sizeof dir, "%s/.att_history", home);
        att_config_deny(c, att_config_keep(c, dir));
    }
    return 0;
}

const Setting *att_config_setting(const char *key)
{
    size_t i;
    for (i = 0; i < NSETTINGS; i++)
        if (strcmp(SETTINGS[i].key, key) == 0) return &SETTINGS[i];
    return NULL;
}

static const Setting *find_flag(const char *name)
{
    size_t i;
    for (i = 0; i < NSETTINGS; i++)
        if (SETTINGS[i].flag && strcmp(SETTINGS[i].flag, name) == 0) return &SETTINGS[i];
    return NULL;
}

/* ---- options of the run itself (not settings of a profile) ---------------------------------- */

typedef int (*RunFn)(AttCli *c, const char *value);

static int run_interactive(AttCli *c, const char *v)
{
    (void)v;
    c->interactive = 1;
    return 0;
}
static int run_verbose(AttCli *c, const char *v)
{
    (void)v;
    if (c->cfg.api.verbose < 1) c->cfg.api.verbose = 1;
    return 0;
}
static int run_trace(AttCli *c, const char *v)
{
    (void)v;
    c->cfg.api.verbose = 2;
    return 0;
}
static int run_insecure(AttCli *c, const char *v)
{
    (void)v;
    c->cfg.api.insecure = 1;
    return 0;
}
static int run_safe(AttCli *c, const char *v)
{
    (void)v;
    c->cfg.api.safe = 1;
    return 0;
}
static int run_quiet(AttCli *c, const char *v)
{
    (void)v;
    c->quiet = 1;
    return 0;
}
static int run_no_global_warnings(AttCli *c, const char *v)
{
    (void)v;
    c->cfg.host.global_warnings = -1;
    return 0;
}
static int run_profile(AttCli *c, const char *v)
{
    c->profile = v;
    return 0;
}
static int run_record(AttCli *c, const char *v)
{
    c->cfg.api.record_dir = v;
    return 0;
}
static int run_replay(AttCli *c, const char *v)
{
    c->cfg.api.replay_dir = v;
    return 0;
}
static int run_no_journal(AttCli *c, const char *v)
{
    (void)v;
    c->no_journal = 1;
    return 0;
}
static int run_journal(AttCli *c, const char *v)
{
    if (!*v) return att_config_error("--journal: expected a directory");
    c->journal = v;
    return 0;
}
static int run_journal_max(AttCli *c, const char *value)
{
    if (att_parse_bytes(value, &c->journal_max) || c->journal_max < 1024 * 1024)
        return att_config_error("--journal-max: expected a size of at least 1M, such as 512M, got '%s'", value);
    return 0;
}
static int run_lua_path(AttCli *c, const char *v)
{
    c->cfg.host.lua_path = v;
    return 0;
}

static int run_allow_env(AttCli *c, const char *value)
{
    if (!*value || strchr(value, '=') || c->cfg.host.nallow_env == ATT_MAX_ALLOW)
        return att_config_error("--allow-env: expected the name of an environment variable, got '%s'", value);
    if (att_auth_secret_var(value, strlen(value)))
        return att_config_error("--allow-env %s: a credential is never given to a --safe script", value);
    c->cfg.host.allow_env[c->cfg.host.nallow_env++] = value;
    return 0;
}

static int run_allow_method(AttCli *c, const char *value)
{
    char m[32];
    size_t j, len = strlen(value);
    const char *prev = c->cfg.api.allow_methods ? c->cfg.api.allow_methods : "GET,POST";
    char *joined;
    if (len == 0 || len >= sizeof m)
        return att_config_error("--allow-method: expected an HTTP method such as DELETE, got '%s'", value);
    for (j = 0; j <= len; j++) m[j] = (char)(value[j] >= 'a' && value[j] <= 'z' ? value[j] - 32 : value[j]);
    if (!att_http_method_ok(m))
        return att_config_error("--allow-method: expected an HTTP method such as DELETE, got '%s'", value);
    joined = malloc(strlen(prev) + len + 2);
    if (!joined) return att_config_error("out of memory");
    sprintf(joined, "%s,%s", prev, m);
    c->cfg.api.allow_methods = att_config_keep(c, joined);
    free(joined);
    return c->cfg.api.allow_methods ? 0 : att_config_error("out of memory");
}

static int run_max_memory(AttCli *c, const char *value)
{
    if (att_parse_bytes(value, &c->cfg.host.max_memory) || c->cfg.host.max_memory < 1024 * 1024)
        return att_config_error("--max-memory: expected a size of at least 1M, such as 64M, got '%s'", value);
    return 0;
}

static int run_max_time(AttCli *c, const char *value)
{
    if (att_parse_seconds(value, 0, &c->cfg.host.max_time))
        return att_config_error("--max-time: expected a number of seconds > 0, got '%s'", value);
    return 0;
}

/* The options of the run: flags (written whole) and --name VALUE options that no profile holds. */
static const struct RunOpt {
    const char *name; /* "-i", "--verbose" for flags; "profile" for --profile VALUE */
    int value;
    RunFn fn;
} RUN_OPTS[] = {
    {"-i", 0, run_interactive},
    {"--verbose", 0, run_verbose},
    {"--trace", 0, run_trace},
    {"--insecure", 0, run_insecure},
    {"--safe", 0, run_safe},
    {"--quiet", 0, run_quiet},
    {"-q", 0, run_quiet},
    {"--no-global-warnings", 0, run_no_global_warnings},
    {"--no-journal", 0, run_no_journal},
    {"journal", 1, run_journal},
    {"journal-max", 1, run_journal_max},
    {"profile", 1, run_profile},
    {"record", 1, run_record},
    {"replay", 1, run_replay},
    {"lua-path", 1, run_lua_path},
    {"allow-env", 1, run_allow_env},
    {"allow-method", 1, run_allow_method},
    {"max-memory", 1, run_max_memory},
    {"max-time", 1, run_max_time},
};
#define NRUN_OPTS (sizeof RUN_OPTS / sizeof RUN_OPTS[0])

static const struct RunOpt *find_run_opt(const char *name, int value)
{
    size_t i;
    for (i = 0; i < NRUN_OPTS; i++)
        if (RUN_OPTS[i].value == value && strcmp(RUN_OPTS[i].name, name) == 0) return &RUN_OPTS[i];
    return NULL;
}

/* "unknown option --verbos (did you mean --verbose?)": the nearest option within two edits. */
static int unknown_option(const char *arg)
{
    const char *best = NULL, *name = arg + (arg[1] == '-' ? 2 : 1);
    size_t i, d, bd = 3;
    for (i = 0; i < NRUN_OPTS + NSETTINGS; i++) {
        const char *cand = i < NRUN_OPTS ? RUN_OPTS[i].name : SETTINGS[i - NRUN_OPTS].flag;
        if (!cand || strcmp(cand, "-i") == 0 || strcmp(cand, "-q") == 0) continue;
        if (cand[0] == '-') cand += 2;
        d = att_fields_distance(name, strcspn(name, "="), cand, strlen(cand));
        if (d < bd) bd = d, best = cand;
    }
    if (best) return att_config_error("unknown option %s (did you mean --%s?)\nTry 'att --help'.", arg, best);
    return att_config_error("unknown option %s\nTry 'att --help'.", arg);
}

typedef struct Pending {
    const Setting *st;
    const char *value;
    const char *arg;
} Pending;

typedef struct Args {
    Pending pend[128]; /* settings from the command line, applied after the profile and the environment */
    int npend;
} Args;

/* --name[=value] or --name value at argv[*i]: a run option, a setting (remembered in a), or an
 * error. Returns 0 or an exit status. */
static int long_option(AttCli *c, Args *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *eq = strchr(arg + 2, '='), *value;
    char name[40];
    size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    const struct RunOpt *ro;
    const Setting *st;
    if (n >= sizeof name) return unknown_option(arg);
    memcpy(name, arg + 2, n);
    name[n] = '\0';
    if (strcmp(name, "token") == 0 || strcmp(name, "client-secret") == 0 || strcmp(name, "password") == 0)
        return att_config_error(
            "--%s is not accepted: secrets on the command line show in ps; set %s in the "
            "environment or a profile instead",
            name, strcmp(name, "token") == 0 ? "ATT_TOKEN" : "ATT_CLIENT_SECRET (or ATT_CLIENT_SECRET_FILE)");
    ro = find_run_opt(name, 1);
    st = find_flag(name);
    if (!ro && !st) return unknown_option(arg);
    value = eq ? eq + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
    if (!value) return att_config_error("%s needs a value\nTry 'att --help'.", arg);
    if (ro) return ro->fn(c, value);
    if (a->npend == (int)(sizeof a->pend / sizeof a->pend[0])) return att_config_error("too many options");
    a->pend[a->npend].st = st;
    a->pend[a->npend].value = value;
    a->pend[a->npend].arg = arg;
    a->npend++;
    return 0;
}

/* The command line up to the script: returns 0 with c->script set, -1 after --help or --version,
 * or an exit status. */
static int parse_args(AttCli *c, Args *a, int argc, char **argv)
{
    int i, rc;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct RunOpt *ro;
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(arg, "-") == 0 || arg[0] != '-') break;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            att_config_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "-v") == 0 || strcmp(arg, "--version") == 0) {
            printf("att %s (%s)\n", ATT_VERSION, LUA_RELEASE);
            return -1;
        }
        if ((ro = find_run_opt(arg, 0)) != NULL) {
            ro->fn(c, NULL);
        } else if (strncmp(arg, "-e", 2) == 0) {
            const char *code = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!code) return att_config_error("-e needs an argument\nTry 'att --help'.");
            if (c->nexpr == ATT_MAX_EXPRS) return att_config_error("too many -e");
            c->exprs[c->nexpr++] = code;
        } else if (strncmp(arg, "--", 2) == 0) {
            if ((rc = long_option(c, a, argc, argv, &i)) != 0) return rc;
        } else {
            return unknown_option(arg);
        }
    }
    c->script = i < argc ? i : 0;
    return 0;
}

static void defaults(AttCli *c)
{
    memset(c, 0, sizeof *c);
    c->cfg.api.base_url = ATT_DEFAULT_BASE_URL;
    c->cfg.api.timeout = 60;
    c->cfg.api.connect_timeout = 10;
    c->cfg.api.stall_timeout = 30;
    c->cfg.api.max_response = 64u * 1024 * 1024;
    c->cfg.api.retries = ATT_RETRY_DEFAULT_RETRIES;
    c->cfg.api.max_wait = ATT_RETRY_DEFAULT_MAX_WAIT_MS / 1000.0;
}

int att_config_load(AttCli *c, int argc, char **argv)
{
    static Args a; /* large; one load per process */
    int i, rc;
    size_t k;
    const char *secret_file = NULL;
    Levels lv = {0, 0, 0};

    defaults(c);
    memset(&a, 0, sizeof a);
    if ((rc = parse_args(c, &a, argc, argv)) != 0) return rc;
    if (!c->profile && getenv("ATT_PROFILE") && *getenv("ATT_PROFILE")) c->profile = getenv("ATT_PROFILE");

    /* Profile, then environment, then command line: later ones win. */
    lv.now = 1;
    if ((rc = att_profile_load(c, &secret_file, &lv)) != 0) return rc;
    lv.now = 2;
    for (k = 0; k < NSETTINGS; k++) {
        const char *v = getenv(SETTINGS[k].env);
        if (v && *v && (rc = att_config_set(c, &SETTINGS[k], v, SETTINGS[k].env, &secret_file, &lv)) != 0) return rc;
    }
    lv.now = 3;
    for (i = 0; i < a.npend; i++)
        if ((rc = att_config_set(c, a.pend[i].st, a.pend[i].value, a.pend[i].arg, &secret_file, &lv)) != 0) return rc;
    if (secret_file && lv.file >= lv.secret && (rc = read_secret_file(c, secret_file)) != 0) return rc;

    if (c->cfg.api.token_url && (!c->cfg.api.client_id || !c->cfg.api.client_secret))
        return att_config_error(
            "OAuth: --token-url (ATT_TOKEN_URL) needs a client id (ATT_CLIENT_ID) and a client secret "
            "(ATT_CLIENT_SECRET or ATT_CLIENT_SECRET_FILE)");
    if (c->cfg.api.record_dir && c->cfg.api.replay_dir)
        return att_config_error("--record and --replay cannot be used together");
    if (!c->journal_max && getenv("ATT_JOURNAL_MAX") && *getenv("ATT_JOURNAL_MAX") &&
        (att_parse_bytes(getenv("ATT_JOURNAL_MAX"), &c->journal_max) || c->journal_max < 1024 * 1024))
        return att_config_error("ATT_JOURNAL_MAX: expected a size of at least 1M, such as 512M, got '%s'",
                                getenv("ATT_JOURNAL_MAX"));
    if (!c->cfg.host.lua_path && getenv("ATT_LUA_PATH") && *getenv("ATT_LUA_PATH"))
        c->cfg.host.lua_path = getenv("ATT_LUA_PATH");
    c->cfg.api.progress = !c->quiet && isatty(STDERR_FILENO);
    c->cfg.host.quiet = c->quiet;
    c->cfg.host.global_warnings = c->cfg.host.global_warnings == 0 &&
                                  !(getenv("ATT_GLOBAL_WARNINGS") && strcmp(getenv("ATT_GLOBAL_WARNINGS"), "0") == 0);
    if (c->cfg.api.key && !c->cfg.api.cert) return att_config_error("--key needs --cert (the client certificate)");
    if (!c->cfg.api.window) c->cfg.api.adaptive = 1, c->cfg.api.window = 8; /* none given: learned (adapt.h) */
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
