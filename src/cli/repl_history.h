/* repl_history.h — the prompt's history file: $XDG_STATE_HOME/att/history (default
 * ~/.local/state/att/history), created 0600 in a directory created 0700, bounded, never holding a
 * line that carries a credential of the run. */
#ifndef ATT_REPL_HISTORY_H
#define ATT_REPL_HISTORY_H

#include <stddef.h>

#include "core/redact.h"

#define ATT_HISTORY_LINES 1000

typedef struct AttHistory {
    char path[1024];         /* "" : the session's history stays in memory */
    const AttRedact *redact; /* the run's credentials (borrowed) */
} AttHistory;

/* Reads the file into readline's history and bounds it; with use 0 (--safe) or no usable place
 * (neither XDG_STATE_HOME nor HOME, a directory that cannot be made) the history is the session's
 * only. */
void att_history_open(AttHistory *h, int use, const AttRedact *redact);
/* Adds a line the user entered: to the session's history, and to the file unless it starts with a
 * space, repeats the previous entry, or holds a credential (one the run knows, or what looks like
 * one assigned a literal: token = "...", secret = '...', password = [[...]]). */
void att_history_add(AttHistory *h, const char *line);
/* At the end of the prompt: cuts the file to its last ATT_HISTORY_LINES lines. */
void att_history_close(AttHistory *h);
/* 1 when a line looks like it assigns a literal to a credential-named field (exposed for tests). */
int att_history_secretish(const char *line);

#endif
