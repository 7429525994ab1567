/* repl.c — the interactive prompt, as lua, python and psql have it: readline line editing, Tab
 * completion (repl_complete.c) and history (repl_history.c); a line tried as an expression first
 * (as lua does), more lines read while a chunk is incomplete; values shown through att.pretty with
 * control characters escaped. Ctrl-C at the prompt discards the line (and a pending chunk), Ctrl-C
 * while a chunk runs interrupts that chunk only; the state of the prompt survives both. Ctrl-D on an
 * empty line leaves.
 *
 * Lines are read with readline's callback interface, so that att's own signal handlers (watch.c)
 * stay installed and a Ctrl-C is seen as att_stop, wherever the prompt is. */
#include <lauxlib.h>
#include <lualib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/repl.h"
#include "cli/repl_complete.h"
#include "cli/repl_history.h"
#include "bind/api.h"
#include "core/stop.h"
#include "core/text.h"
#include "host/host.h"
#include "host/out.h"
#include "host/watch.h"

#define READ_OK   1  /* a line, or NULL at Ctrl-D */
#define READ_INT  0  /* Ctrl-C: the line was discarded */
#define READ_STOP -1 /* SIGTERM, SIGHUP or --max-time: the prompt ends */

/* readline's line handler takes no user data: the line it was given waits here for read_line. */
static struct {
    char *line;
    int done;
} got;

static void on_line(char *line)
{
    got.line = line;
    got.done = 1;
    rl_callback_handler_remove(); /* no prompt drawn until the next read_line */
}

/* Reads one line after prompt into *out (malloc'd; NULL at end of input). The wait for a key wakes
 * every 100 ms as well: a signal can arrive between the check of att_stop and poll, or be taken
 * by the watchdog thread rather than this one, and must not wait for the next key. */
static int read_line(const char *prompt, char **out)
{
    got.line = NULL;
    got.done = 0;
    *out = NULL;
    rl_callback_handler_install(prompt, on_line);
    while (!got.done) {
        struct pollfd p = {STDIN_FILENO, POLLIN, 0};
        int why = att_stopping();
        if (why) {
            rl_free_line_state();                   /* this redraws the line: before the "^C" */
            if (why == SIGINT) fputs("^C", stdout); /* where the cursor is, as bash does */
            fflush(stdout);
            rl_replace_line("", 1);
            rl_callback_sigcleanup();
            rl_callback_handler_remove();
            putchar('\n');
            fflush(stdout);
            if (why != SIGINT) return READ_STOP;
            att_watch_clear();
            return READ_INT;
        }
        if (poll(&p, 1, 100) > 0) {
            if (p.revents & (POLLHUP | POLLERR | POLLNVAL) && !(p.revents & POLLIN)) {
                rl_callback_handler_remove();
                return READ_OK; /* the terminal went away: as Ctrl-D */
            }
            rl_callback_read_char();
        }
    }
    *out = got.line;
    return READ_OK;
}

static int incomplete(lua_State *L, int status)
{
    size_t n;
    const char *msg;
    if (status != LUA_ERRSYNTAX) return 0;
    msg = lua_tolstring(L, -1, &n);
    return msg && n >= 5 && strcmp(msg + n - 5, "<eof>") == 0;
}

/* Compiles line (freed) as an expression ("return LINE") or, failing that, as statements, reading
 * more lines while the chunk is incomplete, and adds the chunk to the history. Leaves the function
 * or an error message on top and returns READ_OK with the load status in *status; READ_INT or
 * READ_STOP (nothing pushed) when a Ctrl-C or a signal came while more lines were read. */
static int compile_line(lua_State *L, char *line, AttHistory *h, int *status)
{
    int base = lua_gettop(L);
    const char *ret = lua_pushfstring(L, "return %s", line);
    *status = luaL_loadbufferx(L, ret, strlen(ret), "=stdin", "t");
    lua_remove(L, -2);
    if (*status == LUA_OK) {
        att_history_add(h, line);
        free(line);
        return READ_OK;
    }
    lua_pop(L, 1);
    lua_pushstring(L, line);
    free(line);
    for (;;) {
        size_t n;
        const char *code = lua_tolstring(L, base + 1, &n);
        char *more;
        int rd;
        *status = luaL_loadbufferx(L, code, n, "=stdin", "t");
        if (!incomplete(L, *status)) break;
        lua_pop(L, 1);
        rd = read_line(">> ", &more);
        if (rd != READ_OK) {
            lua_settop(L, base); /* the pending chunk goes with the line */
            return rd;
        }
        if (!more) break;
        lua_pushliteral(L, "\n");
        lua_pushstring(L, more);
        free(more);
        lua_concat(L, 3);
    }
    att_history_add(h, lua_tostring(L, base + 1));
    lua_remove(L, base + 1);
    return READ_OK;
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

/* Prints the n values on the stack and pops them: each through att.pretty, but a string of several
 * lines as its text (what att.pretty(x) or a report returned reads as it would be printed, not as
 * one quoted line of \n escapes). */
static int show_values(lua_State *L)
{
    int n = lua_gettop(L), i;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "att.pretty");
    lua_call(L, 1, 1);
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *s;
        if (lua_type(L, i) == LUA_TSTRING && memchr(lua_tostring(L, i), '\n', lua_rawlen(L, i))) {
            lua_pushvalue(L, i);
        } else {
            lua_pushvalue(L, n + 1);
            lua_pushvalue(L, i);
            lua_call(L, 1, 1);
        }
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

/* An error of the chunk; "interrupted" alone when Ctrl-C stopped it (its traceback only says where
 * the loop was). */
static void report(lua_State *L, int status, int interrupted)
{
    const char *msg = lua_tostring(L, -1);
    const char *nl = msg ? strchr(msg, '\n') : NULL;
    if (interrupted && nl && strstr(msg, att_stop_text(SIGINT)) && strstr(nl, "stack traceback:") == nl + 1) {
        lua_pushlstring(L, msg, (size_t)(nl - msg));
        lua_remove(L, -2);
    }
    att_host_report(L, status);
}

/* Runs the chunk on top and shows its values. 0, or -1 when the prompt must end (--max-time,
 * SIGTERM, SIGHUP). */
static int run(lua_State *L)
{
    int status, n, interrupted;
    att_watch_busy(1);
    status = att_host_call(L, 0);
    interrupted = att_stopping() == SIGINT;
    if (interrupted) {
        att_out_flush();
        att_watch_clear(); /* Ctrl-C stops the chunk, not the prompt */
    }
    if (status != LUA_OK) {
        report(L, status, interrupted);
    } else {
        att_api_progress(L, 0, 0, 0, 0, 1);
        n = lua_gettop(L);
        if (n > 0) show(L, n);
    }
    fflush(stdout);
    att_out_flush();
    lua_settop(L, 0);
    att_watch_busy(0);
    if (att_stopping() == SIGINT) att_watch_clear(); /* came while the values were shown */
    return att_stopping() ? -1 : 0;
}

void att_repl(lua_State *L)
{
    AttHistory hist;
    AttApi *api = att_api_get(L);
    att_history_open(&hist, !api->cfg.safe, api->redact);
    att_complete_init(L);
    rl_catch_signals = 0; /* att's handlers (watch.c) stay: a signal is att_stop, seen by read_line */
    att_out_mode(0);      /* readline's prompt and echo go out at once */
    printf("att %s (%s) — base URL %s\nType Lua; att is loaded. Tab completes, Ctrl-C clears the line, Ctrl-D "
           "exits.\n",
           ATT_VERSION, LUA_RELEASE, api->cfg.base_url);
    fflush(stdout);
    att_watch_busy(0);
    for (;;) {
        char *line;
        int status, rd;
        lua_settop(L, 0);
        rd = read_line("att> ", &line);
        if (rd == READ_INT) continue;
        if (rd == READ_STOP) break;
        if (!line) break; /* Ctrl-D: readline has moved to a new line */
        if (!*line) {
            free(line);
            continue;
        }
        rd = compile_line(L, line, &hist, &status);
        if (rd == READ_INT) continue;
        if (rd == READ_STOP) break;
        if (status != LUA_OK) {
            att_host_report(L, status);
            continue;
        }
        if (run(L) != 0) break; /* --max-time, SIGTERM, SIGHUP end the prompt too */
    }
    lua_settop(L, 0);
    att_watch_busy(1);
    att_complete_end();
    att_history_close(&hist);
    rl_clear_history();
}
