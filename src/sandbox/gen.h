/* gen.h — the deterministic generator of realistic individuals.
 *
 * Individual number `idx` is a pure function of (seed, idx, sub_base): it draws from its own PRNG
 * stream, so any individual can be rendered again later without generating the ones before it. The
 * only state that runs across individuals is the subscriber numbering (SUB-10001, SUB-10002, ...),
 * which the caller carries as `sub_base`, the number of subscribers of all earlier individuals. */
#ifndef ATT_SBX_GEN_H
#define ATT_SBX_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "pools.h" /* ATT_SBX_SVC_* */

#define ATT_SBX_GEN_MAX_INDIVIDUALS 10000000u

typedef struct SbxGen {
    uint64_t base;     /* seed, mixed */
    uint64_t acct_add; /* offset of the account-number permutation */
} SbxGen;

/* What the data set needs to know about an individual without its text. */
typedef struct SbxGenInfo {
    unsigned svc_mask; /* bit ATT_SBX_SVC_x set when some account has that serviceType */
    unsigned nsubs;    /* subscribers over all its accounts */
} SbxGenInfo;

void att_sbx_gen_init(SbxGen *g, uint64_t seed);
/* Draws individual `idx`; fills *info; when `out` is not NULL appends its compact JSON text. */
void att_sbx_gen_individual(const SbxGen *g, uint64_t idx, uint64_t sub_base, AttBuf *out, SbxGenInfo *info);
/* Draws extra individual number `n` (0-based; a stream apart from the individuals'), who has one
 * account of each serviceType svc[0..nsvc) in that order (products of an unknown serviceType come
 * from FIBER's catalogue), so that it matches a search for any of them. Its id, account numbers (for
 * n * nsvc below about 8.7e8) and subscriber ids (from sub_base) are unique. Fills *info, appends its
 * text when `out` is not NULL. */
void att_sbx_gen_extra(const SbxGen *g, uint64_t n, const char *const *svc, size_t nsvc, uint64_t sub_base, AttBuf *out,
                       SbxGenInfo *info);
const char *att_sbx_gen_service_name(unsigned svc);

#endif
