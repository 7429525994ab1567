/* retry.h — the retry policy and the pacing of requests, as pure functions: which failures are
 * transient and which tell the whole window to hold back (att_retry_classify, asked by the
 * transfer loop and by error objects alike), how long to wait (exponential backoff with full
 * jitter, or the server's Retry-After), when to give up, and when the next request may start under
 * --rate. No I/O, no clock, no randomness of their own: the caller passes them in, so every
 * decision is testable. */
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

/* How an attempt failed, as far as the policy cares (the transfer code maps libcurl's codes). */
typedef enum AttFailure {
    ATT_FAIL_NONE = 0,  /* an HTTP response arrived: its status decides */
    ATT_FAIL_CONNECT,   /* could not connect (refused, unreachable) */
    ATT_FAIL_TIMEOUT,   /* a connect, total or stall timeout */
    ATT_FAIL_IO,        /* a send or receive error, a reset, nothing received, a body cut short */
    ATT_FAIL_HANDSHAKE, /* the TLS handshake broke off (not a certificate that was refused) */
    ATT_FAIL_STREAM,    /* an HTTP/2 framing or stream error */
    ATT_FAIL_FATAL      /* anything else: DNS, a refused certificate, a bad URL, a size cap, memory */
} AttFailure;

typedef struct AttVerdict {
    int retryable; /* worth another attempt (within the retry limits) */
    int hold;      /* the server says it is overloaded: hold back every new attempt of the run */
} AttVerdict;

/* The one classification: HTTP 408, 429, 500, 502, 503 and 504 and the transient transport
 * failures are retryable; 429 and 503 also hold the window. Other statuses (2xx, 3xx, other 4xx)
 * and fatal failures are not. */
AttVerdict att_retry_classify(long status, AttFailure failure);

/* Pacing (--rate): at most rate requests per second for the whole run, token requests and retries
 * included. */
typedef struct AttPacer {
    double rate; /* requests per second; 0: no limit */
    double next; /* monotonic time of the next free slot */
} AttPacer;

/* The earliest time (monotonic seconds, >= now) the next request may start. */
double att_pace_when(const AttPacer *p, double now);
/* A request starts at now: the slot after it comes 1/rate later. */
void att_pace_take(AttPacer *p, double now);

/* Parses a Retry-After value: delay-seconds ("120") or an HTTP-date (IMF-fixdate, RFC 850 or
 * asctime). Returns the delay in milliseconds from now (0 for a date in the past), or -1 when the
 * value is not valid. */
long att_retry_after_ms(const char *value, time_t now);

/* Decides about the next attempt. attempts: attempts made so far (>= 1); waited_ms: time already
 * spent waiting for this request; retry_after_ms: from the server, or -1; rnd: uniform in [0, 1).
 * Returns the delay in milliseconds before the next attempt, or -1 to give up. A Retry-After longer
 * than what is left of max_wait_ms is cut to what is left. */
long att_retry_delay(const AttRetryPolicy *p, int attempts, long waited_ms, long retry_after_ms, double rnd);

/* The ceiling of the backoff before attempt attempts+1: min(cap_ms, base_ms * 2^(attempts-1)),
 * at least 1 (the delay of att_retry_delay is uniform in [0, ceiling)). */
long att_retry_ceiling(const AttRetryPolicy *p, int attempts);

/* When a transfer that a 429/503 hold of the window kept back may start (monotonic seconds).
 * not_before: its own earliest time (its backoff; 0 for none); hold_until: the end of the hold;
 * spread_ms: its own jitter ceiling (att_retry_ceiling of its next attempt); rnd: its own uniform
 * draw in [0, 1), made once per hold. A transfer whose own time is at or after the end of the
 * hold keeps it (it is the one that set the hold, or it backs off for longer); any other starts at
 * hold_until + rnd * spread_ms, in [hold_until, hold_until + spread_ms): transfers released by
 * the same hold spread out instead of all starting at the same instant. */
double att_retry_release(double not_before, double hold_until, long spread_ms, double rnd);

#endif
