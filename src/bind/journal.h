/* journal.h — what a run keeps of its exchanges, for itself (the journal of every run, `att
 * resume`) or for the user (--record, --replay): one file format (core/jfile.h), one code path.
 * See journal.c. */
#ifndef ATT_JOURNAL_H
#define ATT_JOURNAL_H

#include <lua.h>

#include "bind/api.h"
#include "bind/json.h"
#include "core/http.h"

/* The name of the file in a journal's or a recording's directory. */
#define ATT_JOURNAL_FILE "journal"
/* The run's description (written by the cli, kept beside the journal). */
#define ATT_JOURNAL_RUN_FILE "run.json"

/* How the run uses its journal (from its AttApiConfig, att_journal_new). */
typedef enum AttJournalMode {
    ATT_JOURNAL_OFF,
    ATT_JOURNAL_RUN,    /* the run's own journal: made at the first answer, appended to */
    ATT_JOURNAL_RESUME, /* a journal of an earlier run: answers what it holds, appended to */
    ATT_JOURNAL_RECORD, /* --record DIR: the same, kept for the user */
    ATT_JOURNAL_REPLAY  /* --replay DIR: every answer from it; nothing goes to the network */
} AttJournalMode;

typedef struct AttJournal AttJournal;

/* Makes the journal state of a run (no file is touched yet); NULL when out of memory or when
 * the mode is off. Freed by att_journal_free (closes the file). */
AttJournal *att_journal_new(const AttApiConfig *cfg);
void att_journal_free(AttJournal *j);
AttJournalMode att_journal_mode(const AttJournal *j);

/* Reads the journal of a resumed run (or a recording, for --replay) and takes the lock of a
 * resumed one. 0, or -1 with a one-line reason in err. [-0, +0, m] */
int att_journal_load(lua_State *L, char *err, size_t errlen);

/* A request as the journal knows it. */
typedef struct AttJournalReq {
    const char *method, *path;
    const char *body; /* NULL: none */
    size_t len;
    int given;           /* the body was given as a string (normalised before it is compared) */
    const AttProj *proj; /* what a search page is built of (opts.fields); NULL: everything */
    lua_Integer occ;     /* out: the how-manieth time the run asks it */
    size_t ans;          /* out: the journal's answer to it (1-based), 0: none */
} AttJournalReq;

/* Called as each request starts (ud: the box that keeps its key as user value 2): notes which
 * occurrence of its request it is (method, path, normalised body, nth time) and returns 1 when
 * the journal answers it (no transfer is to be made; with --replay always). [-0, +0, e] */
int att_journal_lookup(lua_State *L, AttJournalReq *q, int ud);
/* Fills out with the answer the journal holds for q; returns 0 when there is none (--replay:
 * an error object of kind "replay" pushed, url naming the request). [-0, +(0|1), e] */
int att_journal_answer(lua_State *L, const AttJournalReq *q, const char *url, AttResponse *out);
/* Appends the final outcome of a live request (a status that a retry would not change; not
 * 401/403, whose answer depends on the credential). Never raises: a journal that cannot be written
 * stops with a warning. [-0, +0, -] */
void att_journal_append(lua_State *L, const AttJournalReq *q, int ud, const AttResponse *r);

/* Readings of each kind a journal keeps; later ones are read live, by a resume too. */
#define ATT_JOURNAL_READINGS 10000

/* A reading of a source of difference (what: "time", "clock", "seed"): 1 with the value the
 * journal holds for the next reading of that kind (copied to val), else 0: the caller reads it
 * live and gives it to att_journal_note. [-0, +0, m] */
int att_journal_reading(lua_State *L, const char *what, char *val, size_t n);
void att_journal_note(lua_State *L, const char *what, const char *val);

/* 1 when the journal is the run's own (made by it or resumed): it may keep a page as a
 * projection built it (resumed by the same script only), not as it came. */
int att_journal_builds(const AttApi *a);
/* Exchanges the journal of this run holds (read back or appended); 0 when none was ever
 * written (nothing to resume). */
long att_journal_answers(const AttApi *a);
/* The run succeeded and its journal is to be removed: what the writer has not written yet is
 * dropped when the journal is freed (a run's journal and a resumed one; never a recording). */
void att_journal_discard(AttApi *a);
/* Answers given from the journal, live ones appended, and live ones not journaled because the
 * writer was behind (its queue full), in this process. */
void att_journal_counts(const AttApi *a, long *answered, long *appended, long *dropped);

#endif
