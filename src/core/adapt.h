/* adapt.h — the adaptive controller of a client (the default when no --window is given): it learns
 * what the server sustains and sets the window (transfers in flight) and a paced rate from it.
 *
 * - Slow start: the window starts at ATT_ADAPT_START and doubles each round trip (a window's worth
 *   of successes) while the latency stays near its minimum, up to `max`. Latency well above its
 *   minimum means the server queues: the window stops growing (and shrinks by a quarter when the
 *   latency passes three times its minimum).
 * - A 429 or 503 (a "throttle"): the rate the server sustained is estimated from the successes of
 *   the last ATT_ADAPT_SPAN seconds; the client is paced at 90% of it (and of the rate it was paced
 *   at), and the window is cut to what that rate needs at the observed latency (rate x latency x
 *   1.5, plus 1). Throttles of attempts that started before the last one are the same episode and
 *   lower nothing again.
 * - Probing: after ATT_ADAPT_QUIET seconds without a throttle, while the paced rate is what limits
 *   the client, the rate rises by 5% every ATT_ADAPT_PROBE seconds.
 * - Timeouts, resets and the other retryable failures halve the window (as the fixed window does).
 * - `ceiling` (--rate) is a hard ceiling: the rate att_adapt_rate returns never exceeds it.
 *
 * Pure: no clock, no I/O; times (seconds, any monotonic origin) are passed in. Each change is kept
 * in a bounded timeline and described in `msg` for --verbose. */
#ifndef ATT_ADAPT_H
#define ATT_ADAPT_H

#define ATT_ADAPT_START    8   /* the window at first */
#define ATT_ADAPT_MAX      32  /* the largest window by default */
#define ATT_ADAPT_SAMPLES  512 /* successes remembered for the rate estimate */
#define ATT_ADAPT_TIMELINE 256 /* samples of the timeline at most (older ones merged) */
#define ATT_ADAPT_SPAN     10.0
#define ATT_ADAPT_QUIET    10.0
#define ATT_ADAPT_PROBE    5.0

typedef struct AttAdaptPoint {
    double t;    /* when (the caller's clock) */
    int window;  /* the window from then on */
    double rate; /* the paced rate from then on; 0: not paced */
} AttAdaptPoint;

typedef struct AttAdapt {
    int max;                      /* the window never exceeds it */
    int limit;                    /* the current window, 1..max */
    int window_max;               /* the largest window used */
    double rate;                  /* the learned rate (requests/s); 0: not paced */
    double ceiling;               /* --rate; 0: none */
    double min_lat, lat;          /* smallest and smoothed latency of successes (s); 0: none yet */
    int round;                    /* successes since the window last changed */
    double last_throttle;         /* the time of the last throttle that lowered the rate; < 0: none */
    double last_change;           /* when the window or the rate last changed */
    double probe_at;              /* the rate may rise from then on */
    double ok[ATT_ADAPT_SAMPLES]; /* ring of the completion times of successes */
    int nok, okhead;
    long throttled; /* 429/503 answers seen */
    AttAdaptPoint tl[ATT_ADAPT_TIMELINE];
    int ntl;
    char msg[160]; /* the last change, as --verbose says it */
} AttAdapt;

/* max <= 0: ATT_ADAPT_MAX; cut to 64. ceiling: --rate, 0 for none. */
void att_adapt_init(AttAdapt *a, int max, double ceiling, double now);
/* An attempt that started at `started` succeeded at now. 1 when the window or rate changed. */
int att_adapt_success(AttAdapt *a, double started, double now);
/* An attempt that started at `started` was answered 429 or 503 at now; retry_after_s: the
 * Retry-After in seconds, or < 0 without one. 1 when the window or rate changed. */
int att_adapt_throttle(AttAdapt *a, double started, double now, long status, double retry_after_s);
/* A timeout, reset or other retryable failure: the window halves. 1 when it changed. */
int att_adapt_failure(AttAdapt *a, double now);
/* The rate to pace at: the learned one within the ceiling (0: none). */
double att_adapt_rate(const AttAdapt *a);
/* Successes per second over the last `span` seconds before now (0 without two of them). */
double att_adapt_observed(const AttAdapt *a, double now, double span);

#endif
