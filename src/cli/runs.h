/* runs.h — the journals of runs on the command line: where they live, what a run keeps of
 * itself (its command line, directory, settings, standard output), its end (removed on success,
 * the reason kept otherwise), expiry, `att runs` and `att resume [ID]`. */
#ifndef ATT_RUNS_H
#define ATT_RUNS_H

#include "bind/api.h"
#include "cli/config.h"

/* Days after which a journal is removed (at the end of a run that kept one, at att runs and att
 * resume). */
#define ATT_RUNS_EXPIRE_DAYS 7
/* The default size cap of a journal (--journal-max, ATT_JOURNAL_MAX). */
#define ATT_RUNS_DEFAULT_MAX ((size_t)1 << 30)

/* What the run keeps of itself for a resume; strings are owned here. */
typedef struct AttRun {
    char runs[2048]; /* the directory of the journals */
    char dir[2200];  /* this run's: RUNS/ID */
    char id[16];
    char hint[2600]; /* the command that resumes it */
    char *meta;      /* run.json text (cJSON's) */
} AttRun;

/* Decides whether the run keeps a journal (not with --no-journal or ATT_JOURNAL=off, --record,
 * --replay, the interactive prompt, a script from standard input, the subcommands), and where;
 * fills run and c->cfg.api.journal_* (and the resume hint in c->cfg.host). A run started by att
 * resume takes the journal it names. Returns 0, or 2 after an error line. */
int att_runs_setup(AttCli *c, AttRun *run, int argc, char **argv);

/* The run ended with exit status rc (why: its one-line reason): a run that kept a journal
 * removes it when rc is 0, else records why it stopped beside it; expired journals go. */
void att_runs_end(AttRun *run, long answers, int rc, const char *why);
void att_runs_free(AttRun *run);

/* att runs, att resume [ID]: their exit status (att resume replaces the process when it
 * resumes). */
int att_runs_list(AttCli *c, int argc, char **argv, int at);
int att_runs_resume(AttCli *c, int argc, char **argv, int at);

#endif
