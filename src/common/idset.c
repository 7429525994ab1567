/* idset.c — see idset.h. Open addressing with linear probing over a power-of-two table; the table
 * doubles when it would pass 80 % full (the new one is charged before the old one is given back).
 * A slot keeps 64 check bits and 32 slot bits of the fingerprint (the slot bits say where the
 * entry's probe starts, also after the table grows) and the rank. */
#include "common/idset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND           \
    do {                   \
        v0 += v1;          \
        v1 = ROTL(v1, 13); \
        v1 ^= v0;          \
        v0 = ROTL(v0, 32); \
        v2 += v3;          \
        v3 = ROTL(v3, 16); \
        v3 ^= v2;          \
        v0 += v3;          \
        v3 = ROTL(v3, 21); \
        v3 ^= v0;          \
        v2 += v1;          \
        v1 = ROTL(v1, 17); \
        v1 ^= v2;          \
        v2 = ROTL(v2, 32); \
    } while (0)

static uint64_t load_le(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    size_t i;
    for (i = 0; i < n; i++) w |= (uint64_t)p[i] << (8 * i);
    return w;
}

uint64_t att_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575u, v1 = k1 ^ 0x646f72616e646f6du;
    uint64_t v2 = k0 ^ 0x6c7967656e657261u, v3 = k1 ^ 0x7465646279746573u;
    uint64_t m;
    size_t i, words = len / 8;
    for (i = 0; i < words; i++, p += 8) {
        m = load_le(p, 8);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    m = load_le(p, len % 8) | ((uint64_t)(len & 0xff) << 56);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void att_idset_init_keys(AttIdSet *s, AttBudget *budget, const uint64_t k[4])
{
    memset(s, 0, sizeof *s);
    memcpy(s->k, k, sizeof s->k);
    s->budget = budget;
}

int att_idset_init(AttIdSet *s, AttBudget *budget)
{
    uint64_t k[4];
    size_t got = 0;
    while (got < sizeof k) {
        ssize_t n = getrandom((char *)k + got, sizeof k - got, 0);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    att_idset_init_keys(s, budget, k);
    memset(k, 0, sizeof k);
    return 0;
}

/* Frees the arrays and gives back what they were charged. */
static void release(AttIdSet *s)
{
    free(s->check);
    free(s->home);
    free(s->rank);
    att_budget_give(s->budget, s->charged);
}

void att_idset_free(AttIdSet *s)
{
    release(s);
    s->check = NULL;
    s->home = NULL;
    s->rank = NULL;
    s->cap = s->len = s->charged = 0;
}

AttIdFp att_idset_fp(const AttIdSet *s, const char *id, size_t len)
{
    AttIdFp fp;
    fp.slot = att_siphash24(s->k[0], s->k[1], id, len);
    fp.check = att_siphash24(s->k[2], s->k[3], id, len);
    if (fp.check == 0) fp.check = 1; /* 0 marks an empty slot */
    return fp;
}

/* The slot of fp, or of the empty slot where it would go. The table is never full. */
static size_t find(const AttIdSet *s, AttIdFp fp)
{
    uint32_t home = (uint32_t)fp.slot;
    size_t mask = s->cap - 1, i = home & mask;
    while (s->check[i] != 0 && (s->check[i] != fp.check || s->home[i] != home)) i = (i + 1) & mask;
    return i;
}

int att_idset_get(const AttIdSet *s, AttIdFp fp, uint32_t *rank)
{
    size_t i;
    if (s->len == 0) return 0;
    i = find(s, fp);
    if (s->check[i] == 0) return 0;
    *rank = s->rank[i];
    return 1;
}

/* Moves to a table of cap slots (at most 2^32): 0, or -1 (nothing changed). */
static int grow(AttIdSet *s, size_t cap)
{
    size_t bytes = cap * (sizeof *s->check + sizeof *s->home + sizeof *s->rank), i;
    uint64_t *check;
    uint32_t *home, *rank;
    if (cap > ((size_t)1 << 32) || att_budget_take(s->budget, bytes) != 0) return -1;
    check = calloc(cap, sizeof *check);
    home = malloc(cap * sizeof *home);
    rank = malloc(cap * sizeof *rank);
    if (!check || !home || !rank) {
        free(check);
        free(home);
        free(rank);
        att_budget_give(s->budget, bytes);
        return -1;
    }
    for (i = 0; i < s->cap; i++) {
        size_t j;
        if (s->check[i] == 0) continue;
        j = s->home[i] & (cap - 1);
        while (check[j] != 0) j = (j + 1) & (cap - 1);
        check[j] = s->check[i];
        home[j] = s->home[i];
        rank[j] = s->rank[i];
    }
    release(s);
    s->check = check;
    s->home = home;
    s->rank = rank;
    s->cap = cap;
    s->charged = bytes;
    return 0;
}

int att_idset_put(AttIdSet *s, AttIdFp fp, uint32_t rank)
{
    size_t i;
    if ((s->len + 1) * 5 > s->cap * 4) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        if (cap < s->cap || grow(s, cap) != 0) return -1;
    }
    i = find(s, fp);
    if (s->check[i] == 0) {
        s->check[i] = fp.check;
        s->home[i] = (uint32_t)fp.slot;
        s->len++;
    }
    s->rank[i] = rank;
    return 0;
}

size_t att_idset_bytes(const AttIdSet *s) { return s->charged; }
