/* repl_history.c — see repl_history.h. Lines are appended to the file as they are entered (so a
 * prompt ended by a signal or the watchdog keeps what was typed), and the file is cut to its
 * bound when the prompt ends; several prompts at once then interleave rather than overwrite. */
#include "cli/repl_history.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

/* mkdir -p of dir's components after the first `keep` characters (those must exist), each new
 * one 0700 as the XDG base directory specification asks. 0 or -1. */
static int make_dirs(char *dir, size_t keep)
{
    char *p = dir + keep;
    for (;;) {
        char c;
        while (*p == '/') p++;
        while (*p && *p != '/') p++;
        c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            *p = c;
            return -1;
        }
        *p = c;
        if (!c) return 0;
    }
}

/* Sets h->path, making its directory; 0 or -1. */
static int find_path(AttHistory *h)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[sizeof h->path - 8];
    size_t keep;
    int n;
    if (state && state[0] == '/') { /* the specification: a relative path is to be ignored */
        n = snprintf(dir, sizeof dir, "%s/att", state);
        keep = 1;
    } else if (home && *home) {
        n = snprintf(dir, sizeof dir, "%s/.local/state/att", home);
        keep = strlen(home);
    } else {
        return -1;
    }
    if (n < 0 || (size_t)n >= sizeof dir || make_dirs(dir, keep) != 0) return -1;
    snprintf(h->path, sizeof h->path, "%s/history", dir);
    return 0;
}

/* Creates the file 0600 (readline appends only to a file that exists), and takes back what others
 * could read of one that was created looser; never through a symbolic link. 0 or -1. */
static int create_file(const char *path)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        ((st.st_mode & 077) && fchmod(fd, 0600) != 0)) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void att_history_open(AttHistory *h, int use, const AttRedact *redact)
{
    h->path[0] = '\0';
    h->redact = redact;
    stifle_history(ATT_HISTORY_LINES);
    if (!use || find_path(h) != 0 || create_file(h->path) != 0) {
        h->path[0] = '\0';
        return;
    }
    read_history(h->path);
}

static int word_at(const char *s, const char *w)
{
    size_t i;
    for (i = 0; w[i]; i++)
        if (tolower((unsigned char)s[i]) != w[i]) return 0;
    return 1;
}

int att_history_secretish(const char *line)
{
    static const char *const words[] = {"token", "secret", "password", "passwd", NULL};
    const char *s;
    for (s = line; *s; s++) {
        int i;
        for (i = 0; words[i]; i++) {
            const char *p = s + strlen(words[i]);
            if (!word_at(s, words[i])) continue;
            while (isalnum((unsigned char)*p) || *p == '_') p++; /* token_url, secret_file ... */
            while (*p == ' ' || *p == '\t') p++;
            if (*p == ']') p++; /* cfg["token"] = */
            while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'') p++;
            if (*p != '=' || p[1] == '=') continue;
            for (p++; *p == ' ' || *p == '\t'; p++) {}
            if (*p == '"' || *p == '\'' || *p == '[') return 1;
        }
    }
    return 0;
}

void att_history_add(AttHistory *h, const char *line)
{
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    size_t at, len;
    if (!*line || (last && strcmp(last->line, line) == 0)) return;
    add_history(line);
    if (!h->path[0] || line[0] == ' ' || att_history_secretish(line)) return;
    if (h->redact && att_redact_find(h->redact, line, strlen(line), 0, &at, &len)) return;
    append_history(1, h->path);
}

void att_history_close(AttHistory *h)
{
    if (h->path[0]) history_truncate_file(h->path, ATT_HISTORY_LINES);
}
