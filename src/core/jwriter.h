/* jwriter.h — appends a journal's records from a thread of its own, so that a scan does not wait
 * for the disk: the run's thread copies each record into a queue (a bounded number of bytes; it
 * waits when the queue is full), the writer thread checksums and writes them in order. Plain C,
 * no Lua. The copies are charged to a budget (the run's --max-memory) and given back by the
 * run's thread, so the budget is only ever touched from one thread. */
#ifndef ATT_JWRITER_H
#define ATT_JWRITER_H

#include <stddef.h>

#include "common/budget.h"
#include "core/jfile.h"

typedef struct AttJWriter AttJWriter;

/* Starts the writer for the open file f (which it owns from now on: the caller no longer
 * touches it). max_queued: bytes the queue may hold. The thread runs at the lowest priority
 * (SCHED_IDLE): it writes when the processors have nothing else to do, never in the way of the
 * scan. may_drop: a record of kind 'x' that finds the queue full is dropped (returns 2) instead of
 * waiting for room (a journal, where a missing answer is asked for again by a resume); records of
 * other kinds always wait. NULL when the thread cannot be made (the caller then appends itself). */
AttJWriter *att_jwriter_start(AttJFile *f, size_t max_queued, AttBudget *budget, int may_drop);

/* Queues one record. 0; 2 when it was dropped (the queue full, may_drop); 1 when it would pass
 * the file's cap (nothing queued; the file is then stopped); -1 when an earlier write failed (*err
 * its errno) or the copy is refused by the budget or memory (*err 0): nothing more is written. */
int att_jwriter_put(AttJWriter *w, char type, const char *meta, size_t mlen, const char *body, size_t blen, int *err);

/* Waits until every queued record is written (discard 1: drops those not yet written, for a
 * journal that is about to be removed), stops the thread and frees the writer; the file is left
 * open in f for its owner to close. */
void att_jwriter_stop(AttJWriter *w, int discard);

#endif
