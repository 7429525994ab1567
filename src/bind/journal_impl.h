/* journal_impl.h — the journal's state, shared by journal.c (keys, lookups, answers, writing,
 * readings) and journal_read.c (reading a journal or a recording back); not for other files. */
#ifndef ATT_JOURNAL_IMPL_H
#define ATT_JOURNAL_IMPL_H

#include <lua.h>
#include <stdint.h>

#include "bind/journal.h"
#include "common/buf.h"
#include "core/jfile.h"
#include "core/jwriter.h"

typedef struct JAnswer {
    uint64_t body_off;
    char *mem; /* the body itself (a recording in JSON lines); NULL: at body_off in the file */
    size_t blen;
    long status;
    char ct[128];
} JAnswer;

struct AttJournal {
    AttJournalMode mode;
    const AttApiConfig *cfg;
    char dir[2048];
    AttJFile file;      /* being appended to (fd -1: not yet, or not at all) */
    AttJWriter *writer; /* the thread that appends to it, once started */
    int sync;           /* no thread could be started: records are appended here */
    int stopped;        /* nothing more is journaled (the cap, a failed write: warned once) */
    int discard;        /* the run succeeded: records not yet written need not be */
    int rfd;            /* the loaded file, for answers (-1: none) */
    JAnswer *ans;       /* answers read back */
    size_t nans, cap;
    AttBuf pending; /* readings framed before the file exists */
    long held;      /* exchanges the journal holds (read back and appended) */
    long answered, appended;
    long dropped; /* answers not journaled: the writer's queue was full */
    int warned;
};

/* Pushes the registry table of the journal's Lua side ({index=, seen=, readings=, used=}), made
 * on first use. [-0, +1, m] */
void att_journal_push_state(lua_State *L);
/* Pushes state[field][key], made a table when missing (key at index k). [-0, +1, m] */
void att_journal_push_list(lua_State *L, const char *field, int k);
/* Pushes "METHOD path body" for q, the body normalised and redacted. [-0, +1, m] */
void att_journal_push_key(lua_State *L, const AttJournalReq *q);

#endif
