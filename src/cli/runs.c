/* runs.c — journals on the command line (see runs.h).
 *
 * A run keeps RUNS/ID/journal (made by the bind layer at its first answer), RUNS/ID/run.json (its
 * description: command line, working directory, ATT_* settings but the secrets, TZ, the script's
 * checksum, what standard output was) and, once it ended without success, RUNS/ID/status.json
 * (exit status, the reason, when). RUNS is --journal DIR, ATT_JOURNAL, or
 * $XDG_STATE_HOME/att/runs (~/.local/state/att/runs). att resume ID goes to the run's directory,
 * restores its settings and executes the same command line again with ATT_RESUME naming the
 * journal; the new process answers from it what it holds. */
#include "cli/runs.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bind/journal.h"
#include "cli/config_impl.h"
#include "core/auth.h"
#include "core/jfile.h"

extern char **environ;

/* An error line of att runs or att resume, which name themselves ("att resume: ..."; not "att: att
 * resume: ..." as att_config_error would print it); returns 2. */
static int sub_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static int sub_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

/* 1 when s holds a URL with user info (a password, which no journal may keep). */
static int url_userinfo(const char *s)
{
    const char *p = strstr(s, "://");
    return p && memchr(p + 3, '@', strcspn(p + 3, "/?#")) != NULL;
}

/* RUNS: from --journal, ATT_JOURNAL or the XDG state directory; 0, or -1 when there is none. */
static int runs_dir(const AttCli *c, char *out, size_t n)
{
    const char *env = getenv("ATT_JOURNAL"), *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (c->journal)
        snprintf(out, n, "%s", c->journal);
    else if (env && *env && strcmp(env, "on") != 0 && strcmp(env, "off") != 0)
        snprintf(out, n, "%s", env);
    else if (state && *state)
        snprintf(out, n, "%s/att/runs", state);
    else if (home && *home)
        snprintf(out, n, "%s/.local/state/att/runs", home);
    else
        return -1;
    return 0;
}

static int journal_off(const AttCli *c)
{
    const char *env = getenv("ATT_JOURNAL");
    return c->no_journal || (env && (strcmp(env, "off") == 0 || strcmp(env, "0") == 0 || strcmp(env, "no") == 0));
}

/* CRC-32 of a file's bytes as 8 hex digits, or "" when it cannot be read. */
static void file_crc(const char *path, char out[9])
{
    char buf[1 << 15];
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t r;
    FILE *f = fopen(path, "rb");
    out[0] = '\0';
    if (!f) return;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) crc = crc32(crc, (const Bytef *)buf, (uInt)r);
    if (!ferror(f)) snprintf(out, 9, "%08lx", crc & 0xFFFFFFFFUL);
    fclose(f);
}

/* What standard output is: "file" (a regular file written from its start: a resume can write it
 * again), "append" (opened for appending), "tty", "pipe" or "other"; path gets a file's name. */
static const char *stdout_kind(char *path, size_t n)
{
    struct stat st;
    ssize_t len;
    int fl;
    path[0] = '\0';
    if (fstat(STDOUT_FILENO, &st) != 0) return "other";
    if (isatty(STDOUT_FILENO)) return "tty";
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return "pipe";
    if (!S_ISREG(st.st_mode)) return "other";
    len = readlink("/proc/self/fd/1", path, n - 1);
    path[len > 0 ? len : 0] = '\0';
    fl = fcntl(STDOUT_FILENO, F_GETFL);
    return fl >= 0 && (fl & O_APPEND) ? "append" : "file";
}

/* Appends s to out quoted for a POSIX shell when it needs it. */
static void shell_word(char *out, size_t n, const char *s)
{
    size_t len = strlen(out);
    const char *p;
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,:=@%+") == strlen(s)) {
        snprintf(out + len, n - len, "%s", s);
        return;
    }
    snprintf(out + len, n - len, "'");
    for (p = s; *p; p++) {
        len = strlen(out);
        snprintf(out + len, n - len, *p == '\'' ? "'\\''" : "%c", *p);
    }
    len = strlen(out);
    snprintf(out + len, n - len, "'");
}

/* The command that resumes the run: att [--journal RUNS] resume ID [> FILE]. */
static void make_hint(const AttCli *c, AttRun *run, const char *kind, const char *out)
{
    char cwd[2048];
    size_t k;
    snprintf(run->hint, sizeof run->hint, "att ");
    if (c->journal) {
        strcat(run->hint, "--journal ");
        shell_word(run->hint, sizeof run->hint, run->runs);
        strcat(run->hint, " ");
    }
    k = strlen(run->hint);
    snprintf(run->hint + k, sizeof run->hint - k, "resume %s", run->id);
    if (strcmp(kind, "file") != 0 || !out[0]) return;
    if (getcwd(cwd, sizeof cwd) && strncmp(out, cwd, strlen(cwd)) == 0 && out[strlen(cwd)] == '/')
        out += strlen(cwd) + 1;
    strcat(run->hint, " > ");
    shell_word(run->hint, sizeof run->hint, out);
}

/* run.json: what att resume needs to run the same command again. NULL when out of memory. */
static char *describe(const AttCli *c, int argc, char **argv, const char *kind, const char *out)
{
    cJSON *m = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(m, "argv"), *env = cJSON_AddObjectToObject(m, "env");
    char cwd[4096], crc[9] = "", *text = NULL;
    int i;
    if (!m || !a || !env) goto done;
    for (i = 0; i < argc; i++) cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
    cJSON_AddStringToObject(m, "cwd", getcwd(cwd, sizeof cwd) ? cwd : "/");
    for (i = 0; environ[i]; i++) {
        const char *e = environ[i], *eq = strchr(e, '=');
        char name[128];
        size_t n = eq ? (size_t)(eq - e) : 0;
        if (!eq || n >= sizeof name || att_auth_secret_var(e, n)) continue;
        if (strncmp(e, "ATT_", 4) != 0 && !(n == 2 && strncmp(e, "TZ", 2) == 0)) continue;
        memcpy(name, e, n);
        name[n] = '\0';
        if (strcmp(name, "ATT_RESUME") == 0 || url_userinfo(eq + 1)) continue; /* never a URL's password */
        cJSON_AddStringToObject(env, name, eq + 1);
    }
    if (c->script && strcmp(argv[c->script], "-") != 0) file_crc(argv[c->script], crc);
    cJSON_AddStringToObject(m, "script", c->script ? argv[c->script] : "");
    cJSON_AddStringToObject(m, "scriptCrc", crc);
    cJSON_AddNumberToObject(m, "started", (double)time(NULL));
    cJSON_AddNumberToObject(m, "pid", (double)getpid());
    cJSON_AddStringToObject(m, "stdout", kind);
    cJSON_AddStringToObject(m, "stdoutPath", out);
    text = cJSON_PrintUnformatted(m);
done:
    cJSON_Delete(m);
    return text;
}

/* 1 when an argument or an ATT_* variable holds a URL with user info: such a run keeps no
 * journal (its description would hold the password, or a resume would lack it). */
static int has_userinfo(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++)
        if (url_userinfo(argv[i])) return 1;
    for (i = 0; environ[i]; i++)
        if (strncmp(environ[i], "ATT_", 4) == 0 && url_userinfo(environ[i])) return 1;
    return 0;
}

/* 1 when the run (its subcommand, its input) can be run again the same way. */
static int resumable(const AttCli *c, int argc, char **argv)
{
    static const char *const SUBS[] = {"help", "check", "runs", "resume", NULL};
    int i;
    if (has_userinfo(argc, argv)) return 0;
    if (c->interactive || (!c->script && c->nexpr == 0)) return 0; /* the prompt, or standard input */
    if (c->script && strcmp(argv[c->script], "-") == 0) return 0;
    for (i = 0; c->script && SUBS[i]; i++)
        if (strcmp(argv[c->script], SUBS[i]) == 0) return 0;
    return 1;
}

int att_runs_setup(AttCli *c, AttRun *run, int argc, char **argv)
{
    const char *resume = getenv("ATT_RESUME");
    char out[2048];
    const char *kind;
    unsigned char rnd[4];
    memset(run, 0, sizeof *run);
    c->cfg.api.journal_max = c->journal_max ? c->journal_max : ATT_RUNS_DEFAULT_MAX;
    if (resume && *resume) { /* started by att resume: the journal it names */
        const char *slash = strrchr(resume, '/');
        snprintf(run->dir, sizeof run->dir, "%s", resume);
        snprintf(run->runs, sizeof run->runs, "%.*s", slash ? (int)(slash - resume) : 1, slash ? resume : ".");
        snprintf(run->id, sizeof run->id, "%s", slash ? slash + 1 : resume);
        unsetenv("ATT_RESUME"); /* not the script's, nor its children's */
        c->cfg.api.journal_resume = 1;
    } else {
        if (journal_off(c) || c->cfg.api.record_dir || c->cfg.api.replay_dir || !resumable(c, argc, argv)) return 0;
        if (runs_dir(c, run->runs, sizeof run->runs) != 0) return 0;
        if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
            unsigned v = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
            memcpy(rnd, &v, sizeof rnd);
        }
        snprintf(run->id, sizeof run->id, "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
        snprintf(run->dir, sizeof run->dir, "%s/%s", run->runs, run->id);
    }
    kind = stdout_kind(out, sizeof out);
    make_hint(c, run, kind, out);
    if (!c->cfg.api.journal_resume && !(run->meta = describe(c, argc, argv, kind, out)))
        return att_config_error("out of memory");
    c->cfg.api.journal_dir = run->dir;
    c->cfg.api.journal_meta = run->meta;
    c->cfg.host.resume_hint = run->hint;
    att_config_deny(c, att_config_keep(c, run->runs)); /* a --safe script never reads a journal */
    return 0;
}

void att_runs_free(AttRun *run)
{
    cJSON_free(run->meta);
    run->meta = NULL;
}

/* Removes a run's directory and what att put in it. */
static void remove_run(const char *dir)
{
    static const char *const FILES[] = {ATT_JOURNAL_FILE, ATT_JOURNAL_RUN_FILE, "status.json", NULL};
    char path[2600];
    int i;
    for (i = 0; FILES[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, FILES[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* 1 when another process holds the run's journal (it is still going, or being resumed). */
static int in_use(const char *dir)
{
    char path[2600];
    int fd, busy;
    snprintf(path, sizeof path, "%s/%s", dir, ATT_JOURNAL_FILE);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    busy = flock(fd, LOCK_SH | LOCK_NB) != 0;
    close(fd);
    return busy;
}

/* Removes the journals older than ATT_RUNS_EXPIRE_DAYS that no process holds. */
static void expire(const char *runs)
{
    DIR *d = opendir(runs);
    struct dirent *e;
    time_t limit = time(NULL) - (time_t)ATT_RUNS_EXPIRE_DAYS * 86400;
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char dir[2400], path[2600];
        struct stat st;
        if (e->d_name[0] == '.') continue;
        snprintf(dir, sizeof dir, "%s/%s", runs, e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, ATT_JOURNAL_RUN_FILE);
        if (lstat(path, &st) != 0 || st.st_mtime >= limit) continue;
        snprintf(path, sizeof path, "%s/%s", dir, ATT_JOURNAL_FILE);
        if (lstat(path, &st) == 0 && st.st_mtime >= limit) continue;
        if (!in_use(dir)) remove_run(dir);
    }
    closedir(d);
}

void att_runs_end(AttRun *run, long answers, int rc, const char *why)
{
    char path[2600];
    struct stat st;
    if (!run->dir[0] || lstat(run->dir, &st) != 0) return; /* no journal was made */
    if (rc == 0) {
        remove_run(run->dir);
    } else {
        cJSON *s = cJSON_CreateObject();
        char *text;
        FILE *f;
        cJSON_AddNumberToObject(s, "exit", rc);
        cJSON_AddStringToObject(s, "why", why && *why ? why : "stopped");
        cJSON_AddNumberToObject(s, "ended", (double)time(NULL));
        cJSON_AddNumberToObject(s, "answers", (double)answers);
        text = cJSON_PrintUnformatted(s);
        snprintf(path, sizeof path, "%s/status.json", run->dir);
        unlink(path);
        if (text) {
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd >= 0 && (f = fdopen(fd, "w")) != NULL) {
                fputs(text, f);
                fclose(f);
            } else if (fd >= 0) {
                close(fd);
            }
        }
        cJSON_free(text);
        cJSON_Delete(s);
    }
    expire(run->runs);
}

/* ---- att runs, att resume ------------------------------------------------------------------- */

/* Reads and parses a small JSON file (NULL when it is missing or not JSON). */
static cJSON *read_json(const char *dir, const char *name)
{
    char path[2600], buf[1 << 16];
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "r"))) return NULL;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return cJSON_Parse(buf);
}

static int count_one(void *ud, const AttJRec *rec)
{
    if (rec->type == 'x') ++*(long *)ud;
    return 0;
}

/* Answers held by a run's journal (whole records; bodies not checked). */
static long count_answers(const char *dir)
{
    char path[2600], err[200];
    long n = 0;
    int fd;
    snprintf(path, sizeof path, "%s/%s", dir, ATT_JOURNAL_FILE);
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) return 0;
    att_jfile_scan(fd, 0, count_one, &n, NULL, err, sizeof err);
    close(fd);
    return n;
}

typedef struct Run {
    char id[64];
    char dir[2400];
    double started;
    cJSON *meta;
} Run;

static int by_start(const void *a, const void *b)
{
    double x = ((const Run *)a)->started, y = ((const Run *)b)->started;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The runs in RUNS with a description, newest first; returns how many (at most max). */
static int find_runs(const char *runs, Run *out, int max)
{
    DIR *d = opendir(runs);
    struct dirent *e;
    int n = 0;
    if (!d) return 0;
    while (n < max && (e = readdir(d)) != NULL) {
        const cJSON *st;
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof out[n].id) continue;
        snprintf(out[n].dir, sizeof out[n].dir, "%s/%s", runs, e->d_name);
        if (!(out[n].meta = read_json(out[n].dir, ATT_JOURNAL_RUN_FILE))) continue;
        snprintf(out[n].id, sizeof out[n].id, "%.63s", e->d_name);
        st = cJSON_GetObjectItemCaseSensitive(out[n].meta, "started");
        out[n].started = cJSON_IsNumber(st) ? st->valuedouble : 0;
        n++;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof *out, by_start);
    return n;
}

static void free_runs(Run *r, int n)
{
    while (n-- > 0) cJSON_Delete(r[n].meta);
}

/* The command line of a run, as one line (for att runs). */
static void command_line(const cJSON *meta, char *out, size_t n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(meta, "argv"), *w;
    int first = 1;
    out[0] = '\0';
    cJSON_ArrayForEach(w, a)
    {
        if (!cJSON_IsString(w)) continue;
        if (!first) strncat(out, " ", n - strlen(out) - 1);
        shell_word(out, n, first ? "att" : w->valuestring);
        first = 0;
    }
}

/* Why a run stopped, for att runs. */
static void state_of(const Run *r, char *out, size_t n)
{
    cJSON *s;
    const cJSON *why, *ex;
    if (in_use(r->dir)) {
        snprintf(out, n, "running");
        return;
    }
    if (!(s = read_json(r->dir, "status.json"))) {
        snprintf(out, n, "killed (no end recorded)");
        return;
    }
    why = cJSON_GetObjectItemCaseSensitive(s, "why");
    ex = cJSON_GetObjectItemCaseSensitive(s, "exit");
    snprintf(out, n, "exit %d: %s", cJSON_IsNumber(ex) ? (int)ex->valuedouble : 1,
             cJSON_IsString(why) ? why->valuestring : "?");
    cJSON_Delete(s);
}

static void age_of(double started, char *out, size_t n)
{
    double s = (double)time(NULL) - started;
    if (s < 0) s = 0;
    if (s < 60)
        snprintf(out, n, "%ds", (int)s);
    else if (s < 3600)
        snprintf(out, n, "%dm", (int)(s / 60));
    else if (s < 86400)
        snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else
        snprintf(out, n, "%dd%02dh", (int)(s / 86400), (int)(s / 3600) % 24);
}

#define MAX_RUNS 512

int att_runs_list(AttCli *c, int argc, char **argv, int at)
{
    static Run runs[MAX_RUNS];
    char dir[2048];
    int i, n;
    if (at + 1 < argc) return sub_error("att runs takes no arguments (got '%s')", argv[at + 1]);
    if (runs_dir(c, dir, sizeof dir) != 0) return sub_error("att runs: no journal directory (HOME is not set)");
    expire(dir);
    n = find_runs(dir, runs, MAX_RUNS);
    if (n == 0) {
        printf("no resumable runs in %s\n", dir);
        return 0;
    }
    printf("%-9s %-7s %7s  %-60s  %s\n", "ID", "AGE", "ANSWERS", "STOPPED", "COMMAND");
    for (i = 0; i < n; i++) {
        char age[32], state[400], cmd[2000];
        age_of(runs[i].started, age, sizeof age);
        state_of(&runs[i], state, sizeof state);
        command_line(runs[i].meta, cmd, sizeof cmd);
        if (strlen(state) > 60) strcpy(state + 57, "..."); /* the whole reason is in status.json */
        printf("%-9s %-7s %7ld  %-60s  %s\n", runs[i].id, age, count_answers(runs[i].dir), state, cmd);
    }
    free_runs(runs, n);
    return fflush(stdout) == 0 ? 0 : 8;
}

/* The run att resume [ID] means: index into runs, or -1 after an error line. */
static int pick(const Run *runs, int n, const char *id, const char *dir)
{
    int i, found = -1;
    size_t len = id ? strlen(id) : 0;
    for (i = 0; i < n; i++) {
        if (id ? strncmp(runs[i].id, id, len) != 0 : in_use(runs[i].dir)) continue;
        if (!id) return i; /* the most recent that nothing holds */
        if (found >= 0)
            return sub_error("att resume: '%s' names more than one run (%s, %s)", id, runs[found].id, runs[i].id), -1;
        found = i;
    }
    if (found < 0 && id) sub_error("att resume: no run '%s' in %s (att runs lists them)", id, dir);
    if (found < 0 && !id && n > 0) /* every run is held by a process */
        sub_error("att resume: no resumable run in %s (%s is still going, or being resumed)", dir, runs[0].id);
    else if (found < 0 && !id)
        sub_error("att resume: no resumable run in %s", dir);
    return found;
}

/* The process gets the run's ATT_* settings and TZ, and nothing else of the caller's ATT_* but
 * its secrets. */
static void restore_env(const cJSON *env)
{
    char names[256][128];
    int i, k = 0;
    const cJSON *v;
    for (i = 0; environ[i] && k < 256; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t n = eq ? (size_t)(eq - environ[i]) : 0;
        if (!eq || n >= sizeof names[0] || att_auth_secret_var(environ[i], n)) continue;
        if (strncmp(environ[i], "ATT_", 4) != 0 && !(n == 2 && strncmp(environ[i], "TZ", 2) == 0)) continue;
        memcpy(names[k], environ[i], n);
        names[k++][n] = '\0';
    }
    for (i = 0; i < k; i++) unsetenv(names[i]);
    cJSON_ArrayForEach(v, env)
    {
        if (cJSON_IsString(v) && v->string) setenv(v->string, v->valuestring, 1);
    }
}

/* Long because each way a resume cannot start has its own message. */
int att_runs_resume(AttCli *c, int argc, char **argv, int at)
{
    static Run runs[MAX_RUNS];
    char dir[2048], crc[9] = "";
    const cJSON *av, *cwd, *script, *sum, *w;
    char *args[1024];
    int n, i, k = 0;
    if (at + 2 < argc) return att_config_error("usage: att resume [ID] (got '%s' too)", argv[at + 2]);
    if (runs_dir(c, dir, sizeof dir) != 0) return sub_error("att resume: no journal directory (HOME is not set)");
    expire(dir);
    n = find_runs(dir, runs, MAX_RUNS);
    if ((i = pick(runs, n, at + 1 < argc ? argv[at + 1] : NULL, dir)) < 0) {
        free_runs(runs, n);
        return 2;
    }
    if (in_use(runs[i].dir)) {
        free_runs(runs, n);
        return sub_error("att resume: run %s is still going, or being resumed by another att", runs[i].id);
    }
    av = cJSON_GetObjectItemCaseSensitive(runs[i].meta, "argv");
    cwd = cJSON_GetObjectItemCaseSensitive(runs[i].meta, "cwd");
    script = cJSON_GetObjectItemCaseSensitive(runs[i].meta, "script");
    sum = cJSON_GetObjectItemCaseSensitive(runs[i].meta, "scriptCrc");
    cJSON_ArrayForEach(w, av)
    {
        if (cJSON_IsString(w) && k < 1023) args[k++] = w->valuestring;
    }
    args[k] = NULL;
    if (k == 0 || !cJSON_IsString(cwd) || chdir(cwd->valuestring) != 0) {
        int e = errno;
        free_runs(runs, n);
        return sub_error("att resume: run %s cannot be resumed: %s", runs[i].id,
                         k == 0 ? "its description has no command line" : strerror(e));
    }
    if (cJSON_IsString(script) && *script->valuestring && cJSON_IsString(sum)) {
        file_crc(script->valuestring, crc);
        if (strcmp(crc, sum->valuestring) != 0)
            fprintf(stderr,
                    "att: warning: %s changed since run %s began: its output may differ from what that run "
                    "would have written\n",
                    script->valuestring, runs[i].id);
    }
    restore_env(cJSON_GetObjectItemCaseSensitive(runs[i].meta, "env"));
    setenv("ATT_RESUME", runs[i].dir, 1);
    snprintf(dir, sizeof dir, "%s/status.json", runs[i].dir);
    unlink(dir); /* running again: the old reason no longer holds */
    if (!c->quiet)
        fprintf(stderr, "att: resuming run %s (%ld answers in its journal)\n", runs[i].id, count_answers(runs[i].dir));
    fflush(stderr);
    execv("/proc/self/exe", args);
    fprintf(stderr, "att: resume: cannot run att again: %s\n", strerror(errno));
    free_runs(runs, n);
    return 1;
}
