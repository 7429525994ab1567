/* hostcfg.h — what the host runs a script with: the limits of the run, where user modules come
 * from, and what a --safe script may read of the environment and may never open. */
#ifndef ATT_HOSTCFG_H
#define ATT_HOSTCFG_H

#include <stddef.h>

#define ATT_MAX_ALLOW 32
#define ATT_MAX_DENY  16

typedef struct AttHostConfig {
    size_t max_memory;                    /* the run's memory budget in bytes; 0: none */
    double max_time;                      /* seconds of wall-clock time for the run; 0: none */
    const char *lua_path;                 /* --lua-path DIRS: user modules, searched before the bundled ones */
    const char *allow_env[ATT_MAX_ALLOW]; /* --allow-env: more names os.getenv may read under --safe */
    int nallow_env;
    const char *deny[ATT_MAX_DENY]; /* files and directories a --safe script can never open */
    int ndeny;
    int quiet;           /* -q: no warnings (nor the progress line, see AttApiConfig) */
    int global_warnings; /* warn of reads of undefined globals (off: --no-global-warnings, ATT_GLOBAL_WARNINGS=0) */
    int argc;            /* att's command line, which no script can change (--safe: the databases it names) */
    char **argv;
    const char *resume_hint; /* the command that resumes the run (its journal holds answers); NULL: none */
} AttHostConfig;

#endif
