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

#include <signal.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "config.h"
#include "host.h"

#define EXIT_INTERRUPTED 130

/* The state the SIGINT handler stops; the one piece of global state, as in lua.c. */
static lua_State *running;

static void on_sigint(int sig)
{
    (void)sig;
    signal(SIGINT, SIG_DFL);                   /* a second Ctrl-C ends the process at once */
    att_interrupted = 1;
    if (running) att_host_watch(running, 1);   /* the hook raises "interrupted" in Lua code */
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

/* Prints the n values on the stack, each through att.pretty, and pops them. */
static int show_values(lua_State *L)
{
    int n = lua_gettop(L), i;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "att.pretty");
    lua_call(L, 1, 1);
    for (i = 1; i <= n; i++) {
        lua_pushvalue(L, n + 1);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        printf("%s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 0;
}

static void show(lua_State *L, int n)
{
    lua_pushcfunction(L, show_values);
    lua_insert(L, 1);
    if (att_host_call(L, n) != LUA_OK) att_host_report(L, 1);
    lua_settop(L, 0);
}

/* ~/.att_history, or nothing without HOME. */
static const char *history_file(char *buf, size_t len)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    snprintf(buf, len, "%s/.att_history", home);
    return buf;
}

static void repl(lua_State *L)
{
    char *line, hist[1024];
    const char *hf = history_file(hist, sizeof hist);
    if (hf) read_history(hf);
    stifle_history(1000);
    printf("att %s (%s) — base URL %s\nType Lua; att is loaded. Ctrl-D exits.\n",
           ATT_VERSION, LUA_RELEASE, att_host_get(L)->cfg.base_url);
    while ((line = readline("att> ")) != NULL) {
        int status, n;
        /* a later Ctrl-C at the prompt only clears the line (readline's own handling) */
        lua_settop(L, 0);
        if (!*line) { free(line); continue; }
        status = compile_line(L, line);
        if (status == LUA_OK) status = att_host_call(L, 0);
        if (att_interrupted) {                  /* Ctrl-C stops the chunk, not the prompt */
            att_interrupted = 0;
            signal(SIGINT, on_sigint);
        }
        if (status != LUA_OK) { att_host_report(L, status); continue; }
        att_host_progress(att_host_get(L), 0, 0, 0, 0, 1);
        n = lua_gettop(L);
        if (n > 0) show(L, n);
        fflush(stdout);
    }
    lua_settop(L, 0);
    putchar('\n');
    if (hf) write_history(hf);
}

/* att search ... and att help [SCRIPT]. */
static int subcommand(lua_State *L, AttHost *host, int argc, char **argv, int at)
{
    static const char SEARCH[] = "return require('att.cli').search(arg)";
    int rc;
    if (strcmp(argv[at], "search") == 0)
        return run_chunk(L, luaL_loadbufferx(L, SEARCH, strlen(SEARCH), "=att search", "t"), argc, argv, 0);
    if (at + 1 >= argc) {
        att_config_usage(stdout);
        return 0;
    }
    /* The script runs with the single argument --help: att.args prints its declared usage and
     * exits; a script that uses the API first is stopped before any request. */
    host->cfg.help_script = argv[at + 1];
    lua_createtable(L, 1, 1);
    lua_pushstring(L, argv[at + 1]);
    lua_rawseti(L, -2, 0);
    lua_pushliteral(L, "--help");
    lua_rawseti(L, -2, 1);
    lua_setglobal(L, "arg");
    rc = run_chunk(L, luaL_loadfilex(L, argv[at + 1], "t"), 0, argv, 0);
    if (rc == 0) printf("usage: att %s\n(the script declares no arguments with require(\"att.args\"))\n", argv[at + 1]);
    return rc;
}

int main(int argc, char **argv)
{
    AttCli c;
    AttHost host;
    lua_State *L;
    int rc, i;

    rc = att_config_load(&c, argc, argv);
    if (rc != 0) {
        att_config_free(&c);
        return rc == -1 ? 0 : rc;
    }
    memset(&host, 0, sizeof host);
    host.cfg = c.cfg;
    L = att_host_new(&host);
    if (!L) {
        fprintf(stderr, "att: cannot create the Lua state (out of memory)\n");
        att_config_free(&c);
        return 1;
    }
    set_arg(L, argc, argv, c.script);
    running = L;
    signal(SIGINT, on_sigint);

    rc = 0;
    if (c.script && (strcmp(argv[c.script], "search") == 0 || strcmp(argv[c.script], "help") == 0)) {
        rc = subcommand(L, &host, argc, argv, c.script);
        goto done;
    }
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
    if (rc == 0 && c.interactive && !att_interrupted) repl(L);

done:
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "att: error writing standard output: %s\n", strerror(errno));
        rc = 1;
    }
    running = NULL;
    att_host_close(L);
    att_config_free(&c);
    return att_interrupted ? EXIT_INTERRUPTED : rc;
}
