/* config.h — the command line, the environment and configuration profiles, merged into one
 * AttConfig with the precedence command line > environment > profile > defaults. */
#ifndef ATT_CONFIG_H
#define ATT_CONFIG_H

#include <stdio.h>

#include "cli/settings.h"

#define ATT_MAX_EXPRS 64
#define ATT_MAX_OWNED 512

typedef struct AttCli {
    AttConfig cfg;
    const char *exprs[ATT_MAX_EXPRS]; /* -e chunks, in order */
    int nexpr;
    int interactive;            /* -i */
    int quiet;                  /* -q, --quiet */
    int script;                 /* argv index of the script, 0 if none */
    const char *profile;        /* --profile or ATT_PROFILE */
    char profile_path[1024];    /* the profile file read, if any */
    char *owned[ATT_MAX_OWNED]; /* strings this struct owns (profile values, secrets) */
    int nowned;
    int no_journal;                     /* --no-journal */
    const char *journal;                /* --journal DIR: where journals live */
    size_t journal_max;                 /* --journal-max, ATT_JOURNAL_MAX; 0: the default */
    const char *skipped[ATT_MAX_CREDS]; /* why another profile's credentials are not used */
    int nskipped;
} AttCli;

/* Fills c from argv, the environment and the profile file. Returns 0 to run, -1 when --help or
 * --version was handled (exit 0), or an exit status (2) after printing one error line. */
int att_config_load(AttCli *c, int argc, char **argv);

/* Prints the usage text. */
void att_config_usage(FILE *f);

/* Frees (and wipes) what c owns. */
void att_config_free(AttCli *c);

/* Parsers shared with tests: return 0 on success. */
int att_parse_seconds(const char *s, int allow_zero, double *out);
int att_parse_bytes(const char *s, size_t *out);

#endif
