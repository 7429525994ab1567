/* ratelimit.c — the token bucket of --rate-limit (see ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RATE_MAX 1000000.0

/* A decimal number "D[.D]" (no sign, exponent, hex, inf or nan) of n bytes; 0, or -1. */
static int parse_decimal(const char *s, size_t n, double *out)
{
    double v = 0, scale = 1;
    int digits = 0, dot = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return -1;
        digits++;
        if (digits > 15) return -1; /* beyond what a rate needs, and a double holds exactly */
        if (dot) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        } else {
            v = v * 10 + (s[i] - '0');
        }
    }
    if (!digits) return -1;
    *out = v;
    return 0;
}

int att_sbx_rate_limit_parse(const char *spec, SbxRateLimit *out, char *err, size_t errlen)
{
    const char *comma = strchr(spec, ',');
    size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
    double rate = 0, burst = 0;
    if (parse_decimal(spec, n, &rate) != 0 || rate <= 0 || rate > RATE_MAX) {
        snprintf(err, errlen,
                 "--rate-limit '%.60s': expected R[,burst=B], R requests per second (a number above 0, at most "
                 "1000000, e.g. 40 or 2.5)",
                 spec);
        return -1;
    }
    if (comma) {
        const char *b = comma + 1;
        if (strncmp(b, "burst=", 6) != 0 || parse_decimal(b + 6, strlen(b + 6), &burst) != 0 || burst < 1 ||
            burst > RATE_MAX) {
            snprintf(err, errlen,
                     "--rate-limit '%.60s': expected burst=B after the comma, B a number from 1 to 1000000", spec);
            return -1;
        }
    } else {
        burst = rate < 1 ? 1 : rate;
    }
    out->rate = rate;
    out->burst = burst;
    return 0;
}

void att_sbx_bucket_init(SbxBucket *b, const SbxRateLimit *lim)
{
    memset(b, 0, sizeof *b);
    b->lim = *lim;
    b->tokens = lim->burst;
}

unsigned att_sbx_bucket_take(SbxBucket *b, double now)
{
    if (b->lim.rate <= 0) return 0;
    if (!b->started) {
        b->started = 1;
        b->last = now;
    }
    if (now > b->last) {
        b->tokens += (now - b->last) * b->lim.rate;
        if (b->tokens > b->lim.burst) b->tokens = b->lim.burst;
        b->last = now;
    }
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    b->refused++;
    double wait = ceil((1 - b->tokens) / b->lim.rate);
    return wait < 1 ? 1 : wait > 999999999 ? 999999999u : (unsigned)wait;
}
