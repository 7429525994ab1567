/* shift.c — the global order of records under the insert/remove faults (see shift.h). */
#include "shift.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "rng.h"

/* The members of selection `sel` (its `which`) in segment j. */
static uint64_t seg_count(const SbxShift *sh, size_t j, size_t s)
{
    return sh->pre[(j + 1) * sh->nsel + s] - sh->pre[j * sh->nsel + s];
}

/* Recomputes both tables from the segments; the arrays are big enough already. */
static void rebuild(SbxShift *sh)
{
    size_t ns = sh->nsel;
    for (size_t s = 0; s < ns; s++) sh->pre[s] = 0;
    for (size_t s = 0; s < ns; s++) {
        SbxSelection sel;
        att_sbx_data_select_nth(sh->data, s, &sel);
        for (size_t j = 0; j < sh->nseg; j++) {
            const SbxSeg *g = &sh->segs[j];
            uint64_t cnt = g->len;
            if (!g->extra) {
                uint64_t a = att_sbx_data_rank(&sel, g->first);
                cnt = att_sbx_data_rank(&sel, g->first + g->len) - a;
                sh->start[j * ns + s] = a;
            }
            sh->pre[(j + 1) * ns + s] = sh->pre[j * ns + s] + cnt;
        }
    }
}

/* Room for `more` segments (and their table rows) and `extra` more extra individuals; 0 or -1. */
static int reserve(SbxShift *sh, size_t more, uint64_t extra)
{
    size_t need = sh->nseg + more;
    if (need > sh->segcap) {
        size_t cap = sh->segcap ? sh->segcap * 2 : 8;
        while (cap < need) cap *= 2;
        SbxSeg *g = realloc(sh->segs, cap * sizeof *g);
        if (!g) return -1;
        sh->segs = g;
        sh->segcap = cap;
    }
    if (need + 1 > sh->tabcap) {
        size_t cap = sh->segcap + 1;
        uint64_t *p = realloc(sh->pre, cap * sh->nsel * sizeof *p);
        if (!p) return -1;
        sh->pre = p;
        uint64_t *q = realloc(sh->start, cap * sh->nsel * sizeof *q);
        if (!q) return -1;
        sh->start = q;
        sh->tabcap = cap;
    }
    if (sh->made + extra > sh->extracap) {
        uint64_t cap = sh->extracap ? sh->extracap * 2 : 64;
        while (cap < sh->made + extra) cap *= 2;
        uint64_t *p = realloc(sh->extra_sub, (size_t)cap * sizeof *p);
        if (!p) return -1;
        sh->extra_sub = p;
        sh->extracap = cap;
    }
    return 0;
}

int att_sbx_shift_init(SbxShift *sh, const SbxData *d, uint64_t seed)
{
    memset(sh, 0, sizeof *sh);
    sh->data = d;
    sh->nsel = att_sbx_data_nsel(d);
    sh->next_sub = att_sbx_data_extra_sub_base(d);
    sh->rng = att_mix64(seed ^ 0x5851F42D4C957F2Du);
    if (pthread_rwlock_init(&sh->lock, NULL) != 0) return -1;
    if (reserve(sh, 1, 0) != 0) {
        att_sbx_shift_destroy(sh);
        return -1;
    }
    if (att_sbx_data_count(d)) sh->segs[sh->nseg++] = (SbxSeg){0, att_sbx_data_count(d), 0};
    rebuild(sh);
    return 0;
}

void att_sbx_shift_destroy(SbxShift *sh)
{
    pthread_rwlock_destroy(&sh->lock);
    free(sh->segs);
    free(sh->pre);
    free(sh->start);
    free(sh->extra_sub);
    sh->segs = NULL;
    sh->pre = sh->start = sh->extra_sub = NULL;
    sh->nseg = sh->segcap = sh->tabcap = 0;
}

static uint64_t length(const SbxShift *sh) { return sh->pre[sh->nseg * sh->nsel]; }

/* Makes position p (<= length) a segment boundary; returns the index of the segment that starts
 * there (nseg at the end). Needs room for one more segment. */
static size_t split_at(SbxShift *sh, uint64_t p)
{
    size_t lo = 0, hi = sh->nseg; /* the last j with pre[j] <= p */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sh->pre[mid * sh->nsel] <= p)
            lo = mid;
        else
            hi = mid;
    }
    if (sh->nseg == 0) return 0;
    uint64_t off = p - sh->pre[lo * sh->nsel];
    if (off == 0) return lo;
    if (off >= sh->segs[lo].len) return lo + 1;
    memmove(&sh->segs[lo + 2], &sh->segs[lo + 1], (sh->nseg - lo - 1) * sizeof *sh->segs);
    sh->segs[lo + 1] = (SbxSeg){sh->segs[lo].first + off, sh->segs[lo].len - off, sh->segs[lo].extra};
    sh->segs[lo].len = off;
    sh->nseg++;
    rebuild(sh);
    return lo + 1;
}

uint64_t att_sbx_shift_insert(SbxShift *sh, uint64_t n, SbxPosKind kind, uint64_t pos)
{
    pthread_rwlock_wrlock(&sh->lock);
    if (n > ATT_SBX_SHIFT_MAX_EXTRA - sh->made) n = ATT_SBX_SHIFT_MAX_EXTRA - sh->made;
    if (n == 0 || reserve(sh, 2, n) != 0) {
        pthread_rwlock_unlock(&sh->lock);
        return 0;
    }
    uint64_t len = length(sh), p = 0;
    switch (kind) {
    case ATT_SBX_POS_FRONT: p = 0; break;
    case ATT_SBX_POS_END: p = len; break;
    case ATT_SBX_POS_END_MINUS: p = len > pos ? len - pos : 0; break;
    case ATT_SBX_POS_RAND: p = att_sbx_rng_below(&sh->rng, len + 1); break;
    case ATT_SBX_POS_INDEX: p = pos < len ? pos : len; break;
    }
    /* Made in order m, m+1, ..., m+n-1, shown in that order; each one's subscriber base counted
     * from those made before it. */
    uint64_t sub = sh->next_sub;
    for (uint64_t i = 0; i < n; i++) {
        sh->extra_sub[sh->made + i] = sub;
        sub += att_sbx_data_extra(sh->data, sh->made + i, sub, NULL);
    }
    size_t j = split_at(sh, p);
    memmove(&sh->segs[j + 1], &sh->segs[j], (sh->nseg - j) * sizeof *sh->segs);
    sh->segs[j] = (SbxSeg){sh->made, n, 1};
    sh->nseg++;
    sh->made += n;
    sh->next_sub = sub;
    rebuild(sh);
    pthread_rwlock_unlock(&sh->lock);
    return n;
}

uint64_t att_sbx_shift_remove(SbxShift *sh, uint64_t n, SbxPosKind kind, uint64_t pos)
{
    pthread_rwlock_wrlock(&sh->lock);
    uint64_t len = length(sh), p = 0, end;
    if (n > len) n = len;
    if (reserve(sh, 2, 0) != 0) n = 0;
    switch (kind) {
    case ATT_SBX_POS_FRONT: p = 0; break;
    case ATT_SBX_POS_END: p = len - n; break;
    case ATT_SBX_POS_END_MINUS:
        /* The n records that end `pos` before the end (fewer when there are not that many). */
        end = len > pos ? len - pos : 0;
        p = end > n ? end - n : 0;
        n = end - p;
        break;
    case ATT_SBX_POS_RAND: p = att_sbx_rng_below(&sh->rng, len - n + 1); break;
    case ATT_SBX_POS_INDEX:
        p = pos < len ? pos : len;
        if (n > len - p) n = len - p;
        break;
    }
    if (n) {
        size_t a = split_at(sh, p);
        size_t b = split_at(sh, p + n);
        memmove(&sh->segs[a], &sh->segs[b], (sh->nseg - b) * sizeof *sh->segs);
        sh->nseg -= b - a;
        rebuild(sh);
    }
    pthread_rwlock_unlock(&sh->lock);
    return n;
}

void att_sbx_shift_rdlock(SbxShift *sh) { pthread_rwlock_rdlock(&sh->lock); }

void att_sbx_shift_unlock(SbxShift *sh) { pthread_rwlock_unlock(&sh->lock); }

uint64_t att_sbx_shift_total(const SbxShift *sh, const SbxSelection *sel)
{
    return sel->known ? sh->pre[sh->nseg * sh->nsel + sel->which] : 0;
}

/* Appends the value of the "id" member of the record in tmp to out (null when it has none). */
static void put_id(AttBuf *out, const AttBuf *tmp)
{
    size_t span[4];
    if (!tmp->oom && att_sbx_json_member(tmp->data, tmp->len, "id", span) == 0)
        att_buf_add(out, tmp->data + span[2], span[3] - span[2]);
    else
        att_buf_adds(out, "null");
}

void att_sbx_shift_render(const SbxShift *sh, const SbxSelection *sel, uint64_t first, uint64_t n, int ids_only,
                          AttBuf *out)
{
    size_t s = sel->which, ns = sh->nsel;
    size_t lo = 0, hi = sh->nseg; /* the segment of record `first`: the last j with pre[j] <= first */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sh->pre[mid * ns + s] <= first)
            lo = mid;
        else
            hi = mid;
    }
    AttBuf tmp = {0};
    uint64_t off = n ? first - sh->pre[lo * ns + s] : 0;
    for (uint64_t i = 0; i < n && lo < sh->nseg;) {
        if (off >= seg_count(sh, lo, s)) {
            lo++;
            off = 0;
            continue;
        }
        const SbxSeg *g = &sh->segs[lo];
        AttBuf *dst = ids_only ? &tmp : out;
        att_buf_reset(&tmp);
        if (i) att_buf_addc(out, ',');
        if (g->extra) {
            uint64_t m = g->first + off;
            att_sbx_data_extra(sh->data, m, sh->extra_sub[m], dst);
        } else {
            uint64_t at = sh->start[lo * ns + s] + off;
            att_sbx_data_append(sh->data, sel->ids ? sel->ids[at] : (size_t)at, dst);
        }
        if (ids_only) put_id(out, &tmp);
        off++;
        i++;
    }
    if (tmp.oom) out->oom = 1;
    att_buf_free(&tmp);
}
