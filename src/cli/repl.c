/* repl.c — the interactive prompt: readline line editing and history, a line tried as an
 * expression first (as lua does), more lines read while a chunk is incomplete, values shown through
 * att.pretty with control characters escaped, Ctrl-C stopping the chunk and not the prompt. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/repl.h"
#include "bind/api.h"
#include "core/stop.h"
#include "core/text.h"
#include "host/host.h"
#include "host/out.h"
#include "host/watch.h"

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

/* Prints s line by line, each escaped for the terminal (what a server sent cannot drive it). */
static void print_escaped(const char *s, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) : n;
        AttBuf b = {0};
        att_text_escape(s, k, &b);
        printf("%s\n", b.data ? b.data : "");
        att_buf_free(&b);
        s += k + (nl ? 1 : 0);
        n -= k + (nl ? 1 : 0);
    }
}

/* Prints the n values on the stack, each through att.pretty, and pops them. */
static int show_values(lua_State *L)
{
    int n = lua_gettop(L), i;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "att.pretty");
    lua_call(L, 1, 1);
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *s;
        lua_pushvalue(L, n + 1);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        s = lua_tolstring(L, -1, &len);
        if (s && len)
            print_escaped(s, len);
        else
            printf("\n");
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

void att_repl(lua_State *L)
{
    char *line, hist[1024];
    const char *hf = history_file(hist, sizeof hist);
    if (hf) read_history(hf);
    stifle_history(1000);
    att_out_mode(0); /* readline's prompt and echo go out at once */
    printf("att %s (%s) — base URL %s\nType Lua; att is loaded. Ctrl-D exits.\n", ATT_VERSION, LUA_RELEASE,
           att_api_get(L)->cfg.base_url);
    for (;;) {
        int status, n;
        att_watch_busy(0);
        line = readline("att> ");
        att_watch_clear(); /* a Ctrl-C at the prompt interrupts nothing */
        att_watch_busy(1);
        if (!line) break;
        lua_settop(L, 0);
        if (!*line) {
            free(line);
            continue;
        }
        status = compile_line(L, line);
        if (status == LUA_OK) status = att_host_call(L, 0);
        if (att_stopping() == SIGINT) {
            att_out_flush();
            att_watch_clear(); /* Ctrl-C stops the chunk, not the prompt */
        }
        if (status != LUA_OK) {
            att_host_report(L, status);
            att_out_flush();
            continue;
        }
        att_api_progress(L, 0, 0, 0, 0, 1);
        n = lua_gettop(L);
        if (n > 0) show(L, n);
        fflush(stdout);
        att_out_flush();
        if (att_stopping()) break; /* --max-time, SIGTERM, SIGHUP end the prompt too */
    }
    lua_settop(L, 0);
    putchar('\n');
    if (hf) write_history(hf);
}
