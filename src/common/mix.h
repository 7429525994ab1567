/* mix.h — the splitmix64 finaliser (S. Vigna), a bijection of 64-bit words that spreads every input
 * bit over the whole output. The sandbox draws its generated data (gen.c) and its prob= fault
 * decisions (fault.c) from it; both must stay as they are for a seed to keep meaning the same
 * data. Not for secrets. */
#ifndef ATT_MIX_H
#define ATT_MIX_H

#include <stdint.h>

static inline uint64_t att_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

#endif
