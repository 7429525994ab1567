/* shift.h — how the grow and shrink faults have changed the result sets since start-up.
 *
 * The data set itself stays read-only. On top of it: a list of extra individuals in front of every
 * result set that they match (no filter, or any serviceType the data set knows: they have an account
 * of each), and a number of the data set's own individuals dropped from the front of every result
 * set. Result position p is front[p] for p < nfront, else the selection's (skip + p - nfront)-th
 * individual. Searches read it under a shared lock; the faults change it under an exclusive one. */
#ifndef ATT_SBX_SHIFT_H
#define ATT_SBX_SHIFT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "data.h"

#define ATT_SBX_SHIFT_MAX_EXTRA 1000000u

typedef struct SbxExtra {
    uint64_t n;        /* extra individual number (att_sbx_data_extra) */
    uint64_t sub_base; /* where its subscriber ids start */
} SbxExtra;

typedef struct SbxShift {
    pthread_rwlock_t lock;
    const SbxData *data; /* borrowed */
    SbxExtra *stack;     /* front position p is stack[len - 1 - p] */
    size_t len, cap;
    uint64_t skip;     /* own individuals dropped from the front of every selection */
    uint64_t made;     /* extra individuals made so far */
    uint64_t next_sub; /* sub_base of the next one */
} SbxShift;

/* 0, or -1 when the lock cannot be made. */
int att_sbx_shift_init(SbxShift *sh, const SbxData *d);
void att_sbx_shift_destroy(SbxShift *sh);
/* Puts n new extra individuals in front (in the order they are made); returns how many it could
 * (fewer past ATT_SBX_SHIFT_MAX_EXTRA in all, or out of memory). */
size_t att_sbx_shift_grow(SbxShift *sh, uint64_t n);
/* Drops the first n individuals of every result set: extra ones first, then own ones. */
void att_sbx_shift_shrink(SbxShift *sh, uint64_t n);

/* Readers: between rdlock and unlock, the fields may be read (and front() used). */
void att_sbx_shift_rdlock(SbxShift *sh);
void att_sbx_shift_unlock(SbxShift *sh);
static inline const SbxExtra *att_sbx_shift_front(const SbxShift *sh, uint64_t p)
{
    return &sh->stack[sh->len - 1 - (size_t)p];
}

#endif
