/* idset.h — the ids a scan has yielded: a compact set of keyed 128-bit fingerprints, each with a
 * 32-bit rank, charged to the run's memory budget. Plain C, no Lua.
 *
 * A scan must never yield an individual twice, over the whole scan, and must notice when the
 * server returns records it has already sent. Keeping the ids as Lua strings in a Lua table costs
 * about 100 bytes per id; this set keeps 16 bytes per slot (at most 80 % full: 20 to 40 bytes per
 * id). The id itself is not stored: two ids are taken to be the same when 96 bits of their
 * fingerprints are. The fingerprint is SipHash-2-4 under two random keys drawn when the set is
 * made, so nobody who writes ids can choose colliding ones; the chance that two of n different ids
 * are confused is about n^2 / 2^97 (6e-14 for 10^8 ids). Ranks are the scan's (see
 * bind/results_page.c). */
#ifndef ATT_IDSET_H
#define ATT_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "common/budget.h"

typedef struct AttIdFp {
    uint64_t slot, check; /* where it goes, and what is stored to recognise it */
} AttIdFp;

typedef struct AttIdSet {
    uint64_t k[4];   /* two SipHash keys */
    uint64_t *check; /* cap entries; 0: empty */
    uint32_t *home;  /* 32 bits of the slot hash: where the entry's probe starts */
    uint32_t *rank;
    size_t cap, len;
    size_t charged;    /* bytes charged to budget */
    AttBudget *budget; /* borrowed; NULL: not counted */
} AttIdSet;

/* SipHash-2-4 (64-bit output) of data under the 128-bit key k0 (bytes 0-7, little-endian), k1. */
uint64_t att_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len);

/* An empty set with fresh random keys; 0, or -1 when no random bytes could be had. */
int att_idset_init(AttIdSet *s, AttBudget *budget);
/* The same with the given keys (tests). */
void att_idset_init_keys(AttIdSet *s, AttBudget *budget, const uint64_t k[4]);
void att_idset_free(AttIdSet *s);

/* The fingerprint of an id. */
AttIdFp att_idset_fp(const AttIdSet *s, const char *id, size_t len);
/* 1 and *rank set when fp is in the set, else 0. */
int att_idset_get(const AttIdSet *s, AttIdFp fp, uint32_t *rank);
/* Adds fp with rank (or changes the rank of fp when it is there): 0, or -1 when the table could
 * not grow (the budget refused, or out of memory: the set is unchanged). */
int att_idset_put(AttIdSet *s, AttIdFp fp, uint32_t rank);
/* Bytes held. */
size_t att_idset_bytes(const AttIdSet *s);

#endif
