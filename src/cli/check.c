/* check.c — att check SCRIPT... (see check.h). luacheck runs as a child process with the std set of
 * Lua 5.4, att declared as a global a script may add fields to and arg read-only: what att gives
 * every script. A .luacheckrc in the current directory still applies (luacheck reads it). */
#include "cli/check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_MISSING 127 /* the exit status of a child that could not run luacheck */

static const char *const FIXED[] = {"luacheck", "--std", "lua54", "--globals", "att", "--read-globals", "arg"};
#define NFIXED (sizeof FIXED / sizeof FIXED[0])

int att_check_run(int n, char **files)
{
    char **argv;
    size_t i, k = 0;
    int status;
    pid_t pid;
    if (n < 1) {
        fputs("usage: att check SCRIPT...\n", stderr);
        return 2;
    }
    if (!(argv = calloc(NFIXED + (size_t)n + 3, sizeof *argv))) {
        fputs("att check: out of memory\n", stderr);
        return 2;
    }
    for (i = 0; i < NFIXED; i++) argv[k++] = (char *)FIXED[i];
    if (!isatty(STDOUT_FILENO)) argv[k++] = "--no-color";
    argv[k++] = "--"; /* the scripts' names are never options, nor taken for more globals */
    for (i = 0; i < (size_t)n; i++) argv[k++] = files[i];
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_DFL); /* att ignores it; luacheck gets the default back */
        execvp(argv[0], argv);
        fprintf(stderr,
                "att check: cannot run luacheck: %s; install the Debian package lua-check (apt-get install "
                "lua-check)\n",
                strerror(errno));
        _exit(CHILD_MISSING);
    }
    free(argv);
    if (pid < 0) {
        fprintf(stderr, "att check: cannot start luacheck: %s\n", strerror(errno));
        return 2;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return 2;
    if (!WIFEXITED(status)) return 2;
    switch (WEXITSTATUS(status)) {
    case 0: return 0;
    case 1:            /* warnings */
    case 2:            /* syntax errors */
    case 3: return 1;  /* a file it could not read */
    default: return 2; /* 127: missing; 4: a command line or configuration it refused */
    }
}
