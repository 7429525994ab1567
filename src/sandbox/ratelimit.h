/* ratelimit.h — --rate-limit R[,burst=B]: a token bucket in front of the search endpoint, the way
 * an API gateway limits a partner. R tokens a second come in, at most B are held (default: R, at
 * least 1), the bucket is full at start. A search that finds no token is refused with 429 and a
 * Retry-After of whole seconds, at once (before --latency, before the fault table), and takes no
 * token. Pure arithmetic: the caller passes the time and holds the lock. */
#ifndef ATT_SBX_RATELIMIT_H
#define ATT_SBX_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct SbxRateLimit {
    double rate;  /* tokens per second; 0: no limit */
    double burst; /* the most tokens held */
} SbxRateLimit;

typedef struct SbxBucket {
    SbxRateLimit lim;
    double tokens;    /* available now (fractional) */
    double last;      /* the time (s) tokens were last counted */
    int started;      /* `last` is set */
    uint64_t refused; /* requests answered 429 */
} SbxBucket;

/* Parses "R" or "R,burst=B" (R a positive decimal number such as 40 or 2.5, B a positive one, at
 * most 1000000 each); 0, or -1 with a one-line message in err. */
int att_sbx_rate_limit_parse(const char *spec, SbxRateLimit *out, char *err, size_t errlen);

void att_sbx_bucket_init(SbxBucket *b, const SbxRateLimit *lim);
/* One search at time `now` (seconds, any monotonic origin): 0 when it took a token, else the
 * Retry-After to answer (whole seconds until a token is due, rounded up, at least 1), counted. */
unsigned att_sbx_bucket_take(SbxBucket *b, double now);

#endif
