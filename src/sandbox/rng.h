/* rng.h — the generator's PRNG: a splitmix64 stream (the common finaliser, common/mix.h) whose
 * state is one 64-bit word, so that every individual can have a stream of its own (gen.c seeds
 * them). Inline: generating ten million individuals makes billions of draws. Changing any of this
 * changes the data every seed generates. */
#ifndef ATT_SBX_RNG_H
#define ATT_SBX_RNG_H

#include <stdint.h>

#include "common/mix.h"

static inline uint64_t att_sbx_rng_next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15u;
    return att_mix64(*s);
}

/* Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for the small n used here. */
static inline uint64_t att_sbx_rng_below(uint64_t *s, uint64_t n) { return att_sbx_rng_next(s) % n; }

static inline int att_sbx_rng_percent(uint64_t *s, unsigned pct) { return att_sbx_rng_below(s, 100) < pct; }

/* Index drawn with integer weights that sum to 100. */
static inline unsigned att_sbx_rng_weighted(uint64_t *s, const unsigned char *w, unsigned n)
{
    unsigned r = (unsigned)att_sbx_rng_below(s, 100), acc = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        acc += w[i];
        if (r < acc) return i;
    }
    return n - 1;
}

#endif
