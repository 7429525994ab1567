/* main.c — the att command line: options and environment merged into an AttConfig, then a script,
 * -e chunks, standard input or the interactive prompt, shaped like the standalone lua interpreter. */
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "host.h"

#define EXIT_USAGE 2

static const char USAGE[] =
    "usage: att [options] [script [args...]]\n"
    "Runs a Lua 5.4 script with the att module for the AT&T Omni Customer Search API.\n"
    "\n"
    "  script            a Lua script; its arguments are in arg (arg[0] is the script)\n"
    "  -                 read the script from standard input\n"
    "  -e CODE           run CODE (may be repeated; runs before the script)\n"
    "  -i                enter the interactive prompt after running the script\n"
    "  --base-url URL    API base URL (env ATT_BASE_URL; default " ATT_DEFAULT_BASE_URL ")\n"
    "  --appname NAME    value of the appname header (env ATT_APPNAME)\n"
    "  --timeout SEC     total time allowed for one request (env ATT_TIMEOUT; default 60)\n"
    "  --connect-timeout SEC  time allowed to connect (env ATT_CONNECT_TIMEOUT; default 10)\n"
    "  --max-response BYTES   largest response body accepted, e.g. 64M (env ATT_MAX_RESPONSE; default 64M)\n"
    "  -v, --version     print the version and exit\n"
    "  -h, --help        print this help and exit\n"
    "  --                stop handling options\n"
    "\n"
    "The bearer token comes from the environment only (ATT_TOKEN): a token on the command line\n"
    "would be visible to every user through ps.\n"
    "With no script and a terminal on standard input, att opens an interactive prompt.\n";

typedef struct Cli {
    AttConfig cfg;
    const char *exprs[64];
    int nexpr;
    int interactive;
    int script;          /* index in argv of the script, 0 if none */
} Cli;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("att: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'att --help'.\n", stderr);
    return EXIT_USAGE;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 86400.0) return -1;
    *out = v;
    return 0;
}

static int parse_bytes(const char *s, size_t *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !(v >= 1)) return -1;
    switch (*end) {
    case 'k': case 'K': v *= 1024.0; end++; break;
    case 'm': case 'M': v *= 1024.0 * 1024.0; end++; break;
    case 'g': case 'G': v *= 1024.0 * 1024.0 * 1024.0; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > 64.0 * 1024 * 1024 * 1024) return -1;
    *out = (size_t)v;
    return 0;
}

/* Applies one setting by name from a flag or the environment; returns 0 or a usage error. */
static int apply(Cli *c, const char *name, const char *value, const char *source)
{
    if (strcmp(name, "base-url") == 0) {
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return usage_error("%s: the base URL must start with http:// or https://", source);
        c->cfg.base_url = value;
    } else if (strcmp(name, "appname") == 0) {
        c->cfg.appname = *value ? value : NULL;
    } else if (strcmp(name, "timeout") == 0) {
        if (parse_seconds(value, &c->cfg.timeout)) return usage_error("%s: expected seconds > 0", source);
    } else if (strcmp(name, "connect-timeout") == 0) {
        if (parse_seconds(value, &c->cfg.connect_timeout)) return usage_error("%s: expected seconds > 0", source);
    } else if (strcmp(name, "max-response") == 0) {
        if (parse_bytes(value, &c->cfg.max_response)) return usage_error("%s: expected a size such as 64M", source);
    }
    return 0;
}

static int from_env(Cli *c)
{
    static const char *const vars[][2] = {
        {"ATT_BASE_URL", "base-url"}, {"ATT_APPNAME", "appname"}, {"ATT_TIMEOUT", "timeout"},
        {"ATT_CONNECT_TIMEOUT", "connect-timeout"}, {"ATT_MAX_RESPONSE", "max-response"},
    };
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i][0]);
        if (v && *v) {
            int rc = apply(c, vars[i][1], v, vars[i][0]);
            if (rc) return rc;
        }
    }
    c->cfg.token = getenv("ATT_TOKEN");
    if (c->cfg.token && !*c->cfg.token) c->cfg.token = NULL;
    return 0;
}

/* Returns 0 to go on, -1 after --help/--version (exit 0), or a usage error status. */
static int parse_args(Cli *c, int argc, char **argv)
{
    static const char *const valued[] = {"base-url", "appname", "timeout", "connect-timeout", "max-response", NULL};
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) { i++; break; }
        if (strcmp(a, "-") == 0 || a[0] != '-') break;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(USAGE, stdout); return -1; }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("att %s (%s)\n", ATT_VERSION, LUA_RELEASE);
            return -1;
        }
        if (strcmp(a, "-i") == 0) { c->interactive = 1; continue; }
        if (strncmp(a, "-e", 2) == 0) {
            const char *code = a[2] ? a + 2 : argv[++i];
            if (!code) return usage_error("%s needs an argument", "-e");
            if (c->nexpr == (int)(sizeof c->exprs / sizeof c->exprs[0])) return usage_error("too many -e");
            c->exprs[c->nexpr++] = code;
            continue;
        }
        if (strncmp(a, "--", 2) == 0) {
            char name[40];
            const char *eq = strchr(a + 2, '='), *value;
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            int k, rc;
            if (n >= sizeof name) return usage_error("unknown option %s", a);
            memcpy(name, a + 2, n);
            name[n] = '\0';
            if (strcmp(name, "token") == 0 || strcmp(name, "client-secret") == 0)
                return usage_error("--%s is not accepted: secrets on the command line show in ps; "
                                   "set it in the environment (ATT_TOKEN)", name);
            for (k = 0; valued[k] && strcmp(valued[k], name) != 0; k++) {}
            if (!valued[k]) return usage_error("unknown option %s", a);
            value = eq ? eq + 1 : argv[++i];
            if (!value) return usage_error("%s needs a value", a);
            rc = apply(c, name, value, a);
            if (rc) return rc;
            continue;
        }
        return usage_error("unknown option %s", a);
    }
    c->script = i < argc ? i : 0;
    return 0;
}

/* arg as lua sets it: arg[0] the script, arg[1..] its arguments, negative indices the rest. */
static void set_arg(lua_State *L, int argc, char **argv, int script)
{
    int i, s = script ? script : argc;
    lua_createtable(L, argc - s, s + 1);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - s);
    }
    lua_setglobal(L, "arg");
}

/* Loads and runs one chunk with its arguments; reports errors. Returns 0 or 1. */
static int run_chunk(lua_State *L, int loadstatus, int argc, char **argv, int first_arg)
{
    int status = loadstatus, i;
    if (status == LUA_OK) {
        for (i = first_arg; first_arg && i < argc; i++) lua_pushstring(L, argv[i]);
        status = att_host_call(L, first_arg ? argc - first_arg : 0);
    }
    if (status != LUA_OK) att_host_report(L, status);
    lua_settop(L, 0);
    return status == LUA_OK ? 0 : 1;
}

/* ---- interactive prompt ---------------------------------------------------------------------- */

static int incomplete(lua_State *L, int status)
{
    size_t n;
    const char *msg;
    if (status != LUA_ERRSYNTAX) return 0;
    msg = lua_tolstring(L, -1, &n);
    return msg && n >= 5 && strcmp(msg + n - 5, "<eof>") == 0;
}

/* Compiles the line as an expression ("return LINE") or, failing that, as statements, reading
 * more lines while the chunk is incomplete. Leaves the function or an error message on top. */
static int compile_line(lua_State *L, char *line)
{
    int status;
    const char *ret = lua_pushfstring(L, "return %s", line);
    status = luaL_loadbufferx(L, ret, strlen(ret), "=stdin", "t");
    lua_remove(L, -2);
    if (status == LUA_OK) {
        add_history(line);
        free(line);
        return status;
    }
    lua_pop(L, 1);
    lua_pushstring(L, line);
    free(line);
    for (;;) {
        size_t n;
        const char *code = lua_tolstring(L, 1, &n);
        char *more;
        status = luaL_loadbufferx(L, code, n, "=stdin", "t");
        if (!incomplete(L, status)) break;
        lua_pop(L, 1);
        more = readline(">> ");
        if (!more) break;
        lua_pushliteral(L, "\n");
        lua_pushstring(L, more);
        free(more);
        lua_concat(L, 3);
    }
    add_history(lua_tostring(L, 1));
    lua_remove(L, 1);
    return status;
}

static void repl(lua_State *L)
{
    char *line;
    printf("att %s (%s) — base URL %s\nType Lua; att is loaded. Ctrl-D exits.\n",
           ATT_VERSION, LUA_RELEASE, att_host_get(L)->cfg.base_url);
    while ((line = readline("att> ")) != NULL) {
        int status, n;
        lua_settop(L, 0);
        if (!*line) { free(line); continue; }
        status = compile_line(L, line);
        if (status == LUA_OK) status = att_host_call(L, 0);
        if (status != LUA_OK) { att_host_report(L, status); continue; }
        n = lua_gettop(L);
        if (n > 0) {
            lua_getglobal(L, "print");
            lua_insert(L, 1);
            if (lua_pcall(L, n, 0, 0) != LUA_OK) att_host_report(L, 1);
        }
        fflush(stdout);
    }
    lua_settop(L, 0);
    putchar('\n');
}

int main(int argc, char **argv)
{
    Cli c;
    AttHost host;
    lua_State *L;
    int rc, i;

    memset(&c, 0, sizeof c);
    memset(&host, 0, sizeof host);
    c.cfg.base_url = ATT_DEFAULT_BASE_URL;
    c.cfg.timeout = 60;
    c.cfg.connect_timeout = 10;
    c.cfg.max_response = 64u * 1024 * 1024;
    if ((rc = from_env(&c)) != 0) return rc;
    rc = parse_args(&c, argc, argv);
    if (rc == -1) return 0;
    if (rc) return rc;

    host.cfg = c.cfg;
    L = att_host_new(&host);
    if (!L) { fprintf(stderr, "att: cannot create the Lua state (out of memory)\n"); return 1; }
    set_arg(L, argc, argv, c.script);

    rc = 0;
    for (i = 0; i < c.nexpr && rc == 0; i++) {
        const char *code = c.exprs[i];
        rc = run_chunk(L, luaL_loadbufferx(L, code, strlen(code), "=(command line)", "t"), argc, argv, 0);
    }
    if (rc == 0 && c.script) {
        const char *name = argv[c.script];
        const char *file = strcmp(name, "-") == 0 ? NULL : name;
        rc = run_chunk(L, luaL_loadfilex(L, file, "t"), argc, argv, c.script + 1);
    } else if (rc == 0 && c.nexpr == 0 && !c.interactive) {
        if (isatty(STDIN_FILENO)) c.interactive = 1;
        else rc = run_chunk(L, luaL_loadfilex(L, NULL, "t"), argc, argv, 0);
    }
    if (rc == 0 && c.interactive) repl(L);

    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "att: error writing standard output: %s\n", strerror(errno));
        rc = 1;
    }
    att_host_close(L);
    return rc;
}
