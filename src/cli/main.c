/* main.c — the att command line: options and environment merged into an AttConfig, then a script,
 * -e chunks, standard input or the interactive prompt, shaped like the standalone lua interpreter;
 * process hygiene (no core dumps while a credential is held, the data limit of --safe), standard
 * output through att's own buffer, the watchdog, and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <signal.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/check.h"
#include "cli/config.h"
#include "cli/repl.h"
#include "cli/runs.h"
#include "bind/journal.h"
#include "host/files.h"
#include "host/host.h"
#include "host/out.h"
#include "host/pg.h"
#include "core/stop.h"
#include "core/text.h"
#include "host/watch.h"

#define EXIT_USAGE  2
#define EXIT_LIMIT  7
#define EXIT_OUTPUT 8

#if defined(__SANITIZE_ADDRESS__)
#define ATT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATT_SANITIZED 1
#endif
#endif
#ifndef ATT_SANITIZED
#define ATT_SANITIZED 0
#endif

/* Room above --max-memory for what the budget cannot see (malloc's own overhead and
 * fragmentation, libcurl's resolver thread and its stack, TLS state): the RLIMIT_DATA of --safe is
 * the data in use at start + --max-memory + this. */
#define DATA_HEADROOM ((rlim_t)48 * 1024 * 1024)

/* No core dump may hold a credential: RLIMIT_CORE 0 always; PR_SET_DUMPABLE 0 (which also keeps
 * other processes of the user from reading /proc/PID/environ or attaching a debugger) while a
 * credential is configured. Sanitizer builds skip the latter: LeakSanitizer attaches to itself. */
static void hygiene(const AttConfig *c)
{
    struct rlimit no = {0, 0};
    setrlimit(RLIMIT_CORE, &no);
    const AttApiConfig *a = &c->api;
    if (!ATT_SANITIZED && (a->token || a->client_secret || a->nothers > 0 || strchr(a->base_url, '@')))
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Standard streams that were closed (att >&-) get /dev/null opened the wrong way round on them:
 * writes then fail with EBADF (a lost write, status 8) and reads with EBADF, and no file att or
 * the script opens can take descriptor 1 or 2 and receive what was meant for the terminal. The
 * file size limit (ulimit -f) is a write error (EFBIG, status 8) instead of SIGXFSZ. */
static void std_streams(void)
{
    int fd;
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int nul = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (nul >= 0 && nul != fd) {
            dup2(nul, fd);
            close(nul);
        }
    }
    signal(SIGXFSZ, SIG_IGN);
}

/* Under --safe with --max-memory, the kernel's data limit is the last line behind the budget
 * (not under sanitizers, whose shadow memory no such limit allows). */
static void limit_data(const AttConfig *c)
{
    char line[256];
    unsigned long long kb = 0;
    FILE *f;
    struct rlimit rl;
    if (ATT_SANITIZED || !c->api.safe || !c->host.max_memory) return;
    f = fopen("/proc/self/status", "r");
    if (!f) return;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmData: %llu kB", &kb) == 1) break;
    fclose(f);
    if (!kb) return;
    rl.rlim_cur = rl.rlim_max = (rlim_t)kb * 1024 + (rlim_t)c->host.max_memory + DATA_HEADROOM;
    setrlimit(RLIMIT_DATA, &rl);
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

/* Loads and runs one chunk with its arguments; reports errors. Returns 0, or the exit status of
 * the failure: 7 when it was a limit of the run, 8 when it was raised after a write had failed
 * (att.report's writers raise one: the lost output is the failure), else 1. */
static int run_chunk(lua_State *L, int loadstatus, int argc, char **argv, int first_arg)
{
    int status = loadstatus, i, limit;
    AttHost *h = att_host_get(L);
    h->error_limit = h->error_lost = h->error_status = 0;
    if (status == LUA_OK) {
        for (i = first_arg; first_arg && i < argc; i++) lua_pushstring(L, argv[i]);
        status = att_host_call(L, first_arg ? argc - first_arg : 0);
    }
    limit = status == LUA_ERRMEM || h->error_limit;
    if (status != LUA_OK) att_host_report(L, status);
    lua_settop(L, 0);
    if (status == LUA_OK) return 0;
    return limit ? EXIT_LIMIT : h->error_lost ? EXIT_OUTPUT : h->error_status ? h->error_status : 1;
}

/* att search ..., att diff OLD NEW ..., att check SCRIPT... and att help [SCRIPT]. */
static int subcommand(lua_State *L, AttHost *host, int argc, char **argv, int at)
{
    static const char SEARCH[] = "return require('att.cli').search(arg)";
    static const char DIFF[] = "return require('att.diff').main(arg)";
    int rc;
    if (strcmp(argv[at], "check") == 0) return att_check_run(argc - at - 1, argv + at + 1);
    if (strcmp(argv[at], "search") == 0) {
        /* a bad parameter, option or column of att search is a bad command line: status 2 */
        rc = run_chunk(L, luaL_loadbufferx(L, SEARCH, strlen(SEARCH), "=att search", "t"), argc, argv, 0);
        return rc == 1 && host->error_usage ? EXIT_USAGE : rc;
    }
    if (strcmp(argv[at], "diff") == 0)
        return run_chunk(L, luaL_loadbufferx(L, DIFF, strlen(DIFF), "=att diff", "t"), argc, argv, 0);
    if (at + 1 >= argc) {
        att_config_usage(stdout);
        return 0;
    }
    if (strcmp(argv[at + 1], "search") == 0 || strcmp(argv[at + 1], "check") == 0) {
        /* att help search: the options of att search (att help check: luacheck's lint) */
        if (argv[at + 1][0] == 'c') {
            printf("usage: att check SCRIPT...\nLints scripts with luacheck (Debian's lua-check), att's globals "
                   "declared.\nExit status: 0 clean, 1 problems found, 2 luacheck missing.\n");
            return 0;
        }
        lua_createtable(L, 1, 1);
        lua_pushliteral(L, "search");
        lua_rawseti(L, -2, 0);
        lua_pushliteral(L, "--help");
        lua_rawseti(L, -2, 1);
        lua_setglobal(L, "arg");
        return run_chunk(L, luaL_loadbufferx(L, SEARCH, strlen(SEARCH), "=att search", "t"), argc, argv, 0);
    }
    /* The script runs with the single argument --help: att.args prints its declared usage and
     * exits; a script that uses the API first is stopped before any request. */
    lua_pushfstring(L,
                    "att help: %s uses the API before declaring its arguments with "
                    "require(\"att.args\").parse{...}",
                    argv[at + 1]);
    host->api.refused = lua_tostring(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "att.refused"); /* keeps the message alive */
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

/* --replay DIR is checked before anything runs: a missing directory, or one without a recording
 * (DIR/journal, or DIR/session.jsonl: JSON lines), is a bad command line (and not a failure of the
 * first request, after the script has started). */
static int check_replay(const char *dir)
{
    char file[4096], lines[4096];
    struct stat st;
    if (!dir) return 0;
    snprintf(file, sizeof file, "%s/journal", dir);
    snprintf(lines, sizeof lines, "%s/session.jsonl", dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (access(file, R_OK) != 0 && access(lines, R_OK) != 0)) {
        const char *why = stat(dir, &st) != 0 ? "no such directory" : !S_ISDIR(st.st_mode) ? "not a directory" : NULL;
        if (why)
            fprintf(stderr, "att: --replay %s: %s (no recording %s)\n", dir, why, file);
        else
            fprintf(stderr, "att: --replay %s: no recording in it (%s: %s); make one with --record %s\n", dir, file,
                    strerror(errno), dir);
        return EXIT_USAGE;
    }
    return 0;
}

/* The exit status of the run: by signal (only complete lines of standard output are written), the
 * script's own when it failed (rc), else 8 after a lost write of any output, else 0. Every lost
 * write has printed its line. */
static int finish(int rc)
{
    int stop = att_stopping(), lost = att_files_settle(stop != 0);
    if (stop) return att_watch_status(stop);
    return rc == 0 && lost ? EXIT_OUTPUT : rc;
}

/* os.exit ends the process where it is called: the run's journal is settled there (removed after
 * a success, kept with why otherwise), as end_run does at a normal end. */
static AttRun *exit_run;
static void on_os_exit(lua_State *L, int status)
{
    AttHost *h = att_host_get(L);
    long answers = att_journal_answers(&h->api);
    char why[64];
    if (status == 0) att_journal_discard(&h->api);
    att_journal_free(h->api.journal); /* what is queued is written */
    h->api.journal = NULL;
    if (status != 0 && answers > 0) fprintf(stderr, "att: resume with: %s\n", exit_run->hint);
    snprintf(why, sizeof why, "the script called os.exit(%d)", status);
    att_runs_end(exit_run, answers, status, why);
    exit_run->dir[0] = '\0'; /* settled */
}

/* att runs and att resume (they run no script: returns -(status + 1)); else --replay checked and
 * the run's journal set up. 0 to go on, or an exit status. */
static int before_run(AttCli *c, AttRun *run, int argc, char **argv)
{
    int rc;
    const char *pw = att_pg_password_arg(argc, argv);
    if (pw) { /* before the run's journal describes the command line */
        fprintf(stderr, "att: %s\n", pw);
        return EXIT_USAGE;
    }
    c->cfg.host.argc = argc; /* the databases a --safe script may write (host/pg.c) */
    c->cfg.host.argv = argv;
    if (c->script && (strcmp(argv[c->script], "runs") == 0 || strcmp(argv[c->script], "resume") == 0)) {
        rc = argv[c->script][1] == 'u' ? att_runs_list(c, argc, argv, c->script)
                                       : att_runs_resume(c, argc, argv, c->script);
        return -rc - 1;
    }
    if ((rc = check_replay(c->cfg.api.replay_dir)) != 0) return rc;
    exit_run = run;
    att_files_on_exit(on_os_exit);
    return att_runs_setup(c, run, argc, argv);
}

/* The line a run that stopped ends with, kept beside its journal. */
static const char *why_stopped(AttHost *host, int rc)
{
    int stop = att_stopping();
    if (stop && host->why[0] && strncmp(host->why, att_stop_text(stop), strlen(att_stop_text(stop))) != 0) {
        char line[sizeof host->why]; /* "terminated: interrupted at page 9 of 60 (...)" */
        snprintf(line, sizeof line, "%s: %.360s", att_stop_text(stop), host->why);
        memcpy(host->why, line, sizeof line);
    }
    if (stop && !host->why[0]) return att_stop_text(stop);
    if (host->why[0]) return host->why;
    return rc == EXIT_OUTPUT ? "a write failed (output lost)" : "failed";
}

/* The end of the run: the exit status (what finalisers wrote counts too), and the journal removed
 * after a success or kept with why the run stopped. */
static int end_run(lua_State *L, AttHost *host, AttRun *run, int rc)
{
    long answers;
    rc = finish(rc);
    answers = att_journal_answers(&host->api);
    if (host->api.cfg.verbose && answers > 0) {
        long from, added, skipped;
        att_journal_counts(&host->api, &from, &added, &skipped);
        fprintf(stderr, "att: journal %s: %ld answers read from it, %ld added, %ld not kept (the disk was behind)\n",
                run->dir, from, added, skipped);
    }
    if (rc == 0) att_journal_discard(&host->api); /* removed below: no need to finish writing it */
    att_host_close(L);
    rc = finish(rc); /* what finalisers wrote */
    if (rc != 0 && answers > 0 && !host->why[0] && !att_stopping())
        fprintf(stderr, "att: resume with: %s\n", run->hint); /* a lost write, reported before */
    att_runs_end(run, answers, rc, why_stopped(host, rc));
    return rc;
}

int main(int argc, char **argv)
{
    AttCli c;
    AttHost host;
    AttRun run;
    lua_State *L;
    int rc, i;

    std_streams();
    rc = att_config_load(&c, argc, argv);
    if (rc != 0) {
        att_config_free(&c);
        if (rc == -1 && (fflush(stdout) != 0 || ferror(stdout))) { /* --help, --version */
            fprintf(stderr, "att: write error on standard output: %s\n", strerror(errno ? errno : EIO));
            return EXIT_OUTPUT;
        }
        return rc == -1 ? 0 : rc;
    }
    if ((rc = before_run(&c, &run, argc, argv)) != 0) {
        att_config_free(&c);
        return rc < 0 ? -rc - 1 : rc;
    }
    hygiene(&c.cfg);
    if (att_out_init() != 0 || att_watch_start(c.cfg.host.max_time) != 0) {
        fprintf(stderr, "att: cannot set up standard output and the watchdog\n");
        att_config_free(&c);
        return 1;
    }
    if (c.cfg.api.verbose)
        for (i = 0; i < c.nskipped; i++) fprintf(stderr, "att: %s\n", c.skipped[i]);
    memset(&host, 0, sizeof host);
    host.api.cfg = c.cfg.api;
    host.cfg = c.cfg.host;
    /* att help SCRIPT runs the script's top level to reach its att.args declaration: with the
     * --safe environment, so that asking a script you did not write for its usage runs nothing else
     * of it (no os.execute, no files outside the working directory; the API is refused anyway). */
    if (c.script && c.script + 1 < argc && strcmp(argv[c.script], "help") == 0) host.api.cfg.safe = 1;
    L = att_host_new(&host);
    if (!L) {
        if (!host.init_failed) fprintf(stderr, "att: cannot create the Lua state (out of memory)\n");
        att_watch_end();
        att_runs_free(&run);
        att_config_free(&c);
        return host.init_failed ? EXIT_USAGE : 1;
    }
    limit_data(&c.cfg);
    set_arg(L, argc, argv, c.script);

    rc = 0;
    if (c.script && (strcmp(argv[c.script], "search") == 0 || strcmp(argv[c.script], "help") == 0 ||
                     strcmp(argv[c.script], "check") == 0 || strcmp(argv[c.script], "diff") == 0)) {
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
        if (isatty(STDIN_FILENO))
            c.interactive = 1;
        else
            rc = run_chunk(L, luaL_loadfilex(L, NULL, "t"), argc, argv, 0);
    }
    if (rc == 0 && c.interactive && !att_stopping()) {
        host.prompt = 1;
        att_repl(L);
    }

done:
    rc = end_run(L, &host, &run, rc);
    att_watch_end();
    att_runs_free(&run);
    att_config_free(&c);
    return rc;
}
