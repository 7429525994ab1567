/* retry.h — the retry policy as pure functions: which failures are transient, how long to wait
 * (exponential backoff with full jitter, or the server's Retry-After), and when to give up. No I/O,
 * no clock, no randomness of its own: the caller passes them in, so every decision is testable. */
#ifndef ATT_RETRY_H
#define ATT_RETRY_H

#include <time.h>

typedef struct AttRetryPolicy {
    int retries;      /* retries after the first attempt (0: never retry) */
    long max_wait_ms; /* total time the retries of one request may spend waiting */
    long base_ms;     /* first backoff ceiling; doubles with each attempt */
    long cap_ms;      /* largest single backoff ceiling */
} AttRetryPolicy;

#define ATT_RETRY_DEFAULT_RETRIES     4
#define ATT_RETRY_DEFAULT_MAX_WAIT_MS 60000L
#define ATT_RETRY_DEFAULT_BASE_MS     250L
#define ATT_RETRY_DEFAULT_CAP_MS      20000L

/* Parses a Retry-After value: delay-seconds ("120") or an HTTP-date (IMF-fixdate, RFC 850 or
 * asctime). Returns the delay in milliseconds from now (0 for a date in the past), or -1 when the
 * value is not valid. */
long att_retry_after_ms(const char *value, time_t now);

/* Decides about the next attempt. attempts: attempts made so far (>= 1); waited_ms: time already
 * spent waiting for this request; retry_after_ms: from the server, or -1; rnd: uniform in [0, 1).
 * Returns the delay in milliseconds before the next attempt, or -1 to give up. A Retry-After longer
 * than what is left of max_wait_ms is cut to what is left. */
long att_retry_delay(const AttRetryPolicy *p, int attempts, long waited_ms, long retry_after_ms, double rnd);

#endif
