/* shift.c — the grow/shrink state of the result sets (see shift.h). */
#include "shift.h"

#include <stdlib.h>
#include <string.h>

int att_sbx_shift_init(SbxShift *sh, const SbxData *d)
{
    memset(sh, 0, sizeof *sh);
    sh->data = d;
    sh->next_sub = att_sbx_data_extra_sub_base(d);
    return pthread_rwlock_init(&sh->lock, NULL) == 0 ? 0 : -1;
}

void att_sbx_shift_destroy(SbxShift *sh)
{
    pthread_rwlock_destroy(&sh->lock);
    free(sh->stack);
    sh->stack = NULL;
    sh->len = sh->cap = 0;
}

size_t att_sbx_shift_grow(SbxShift *sh, uint64_t n)
{
    pthread_rwlock_wrlock(&sh->lock);
    if (n > ATT_SBX_SHIFT_MAX_EXTRA - sh->made) n = ATT_SBX_SHIFT_MAX_EXTRA - sh->made;
    if (sh->len + n > sh->cap) {
        size_t cap = sh->cap ? sh->cap : 64;
        while (cap < sh->len + n) cap *= 2;
        SbxExtra *p = realloc(sh->stack, cap * sizeof *p);
        if (!p) {
            pthread_rwlock_unlock(&sh->lock);
            return 0;
        }
        sh->stack = p;
        sh->cap = cap;
    }
    /* Made in order m, m+1, ..., m+n-1 and shown in that order at positions 0..n-1: pushed last
     * to first, each one's subscriber base counted from those made before it. */
    uint64_t sub = sh->next_sub;
    for (uint64_t i = 0; i < n; i++) {
        SbxExtra *e = &sh->stack[sh->len + (size_t)(n - 1 - i)];
        e->n = sh->made + i;
        e->sub_base = sub;
        sub += att_sbx_data_extra(sh->data, e->n, sub, NULL);
    }
    sh->len += (size_t)n;
    sh->made += n;
    sh->next_sub = sub;
    pthread_rwlock_unlock(&sh->lock);
    return (size_t)n;
}

void att_sbx_shift_shrink(SbxShift *sh, uint64_t n)
{
    pthread_rwlock_wrlock(&sh->lock);
    uint64_t extra = n < sh->len ? n : sh->len;
    sh->len -= (size_t)extra;
    n -= extra;
    sh->skip = n > UINT64_MAX - sh->skip ? UINT64_MAX : sh->skip + n;
    pthread_rwlock_unlock(&sh->lock);
}

void att_sbx_shift_rdlock(SbxShift *sh) { pthread_rwlock_rdlock(&sh->lock); }

void att_sbx_shift_unlock(SbxShift *sh) { pthread_rwlock_unlock(&sh->lock); }
