/* shift.h — how the insert, remove, grow and shrink faults have changed the result sets since
 * start-up.
 *
 * The data set itself stays read-only. On top of it, one global order of records: a list of
 * segments, each a run of the data set's own individuals (in data-set order) or a run of extra
 * individuals (made by the faults, numbered from 0, never used twice). Every result set is the
 * subsequence of that order that it matches — an extra individual matches no filter and every
 * serviceType the data set knows — so relative order always holds, a removed record never comes
 * back, and an inserted one is new. Positions of the faults count in the unfiltered order.
 *
 * Per segment and selection (att_sbx_data_nsel) the tables hold the selection's count before the
 * segment and, for own runs, where the run starts in the selection: they are rebuilt after each
 * event (O(segments x selections x log n)), so that a page costs O(log segments + page size).
 * Searches read under a shared lock; the faults change it under an exclusive one. */
#ifndef ATT_SBX_SHIFT_H
#define ATT_SBX_SHIFT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "data.h"
#include "fault.h" /* SbxPosKind */

#define ATT_SBX_SHIFT_MAX_EXTRA 1000000u

typedef struct SbxSeg {
    uint64_t first; /* own: data-set index; extra: extra individual number */
    uint64_t len;
    int extra;
} SbxSeg;

typedef struct SbxShift {
    pthread_rwlock_t lock;
    const SbxData *data; /* borrowed */
    SbxSeg *segs;
    size_t nseg, segcap;
    size_t nsel;
    uint64_t *pre;       /* (nseg + 1) x nsel: members of selection s in segments before j */
    uint64_t *start;     /* nseg x nsel: own runs, the rank in selection s of their first record */
    size_t tabcap;       /* rows allocated in pre (start has one fewer) */
    uint64_t *extra_sub; /* sub_base of extra individual number m */
    uint64_t made, extracap;
    uint64_t next_sub; /* sub_base of the next one */
    uint64_t rng;      /* the stream of at=rand */
} SbxShift;

/* 0, or -1 when out of memory or the lock cannot be made. `seed` seeds at=rand. */
int att_sbx_shift_init(SbxShift *sh, const SbxData *d, uint64_t seed);
void att_sbx_shift_destroy(SbxShift *sh);
/* Inserts n new extra individuals (in the order they are made) at a position of the unfiltered
 * order; returns how many it could (fewer past ATT_SBX_SHIFT_MAX_EXTRA in all, or out of memory). */
uint64_t att_sbx_shift_insert(SbxShift *sh, uint64_t n, SbxPosKind kind, uint64_t pos);
/* Removes n records of the unfiltered order from a position (fewer near the end); returns how many. */
uint64_t att_sbx_shift_remove(SbxShift *sh, uint64_t n, SbxPosKind kind, uint64_t pos);

/* Readers: between rdlock and unlock, total() and render() may be used. */
void att_sbx_shift_rdlock(SbxShift *sh);
void att_sbx_shift_unlock(SbxShift *sh);
/* The size of the result set of a selection (0 when it is not known). */
uint64_t att_sbx_shift_total(const SbxShift *sh, const SbxSelection *sel);
/* Appends records first..first+n-1 (0-based, all < total) of the selection, separated by ','; with
 * ids_only, each record's "id" value (JSON text as in the record; null without one) instead. */
void att_sbx_shift_render(const SbxShift *sh, const SbxSelection *sel, uint64_t first, uint64_t n, int ids_only,
                          AttBuf *out);

#endif
