/* window.h — the congestion window of a client: how many transfers may hold a slot at once.
 *
 * Additive increase, multiplicative decrease (AIMD). The limit starts at the configured maximum;
 * each retryable failure of an attempt (HTTP 429/503 and the other retryable statuses, timeouts,
 * connection and I/O errors) halves it (never below 1), each success adds 1 (never above the
 * maximum). A transfer takes a slot when its first attempt is about to start and keeps it through
 * its retries until it is done (or cancelled); a transfer that cannot take one waits, in order of
 * submission. When the limit falls below the slots held, nothing is taken away: new transfers wait
 * until enough slots are given back.
 *
 * The controller is pure (no clock, no I/O): the transfer loop (xfer.c) asks and tells it. The
 * OAuth token request never asks (it is exempt: the transfers waiting for a token must not keep
 * the token from being fetched), and neither a 401 that leads to a renewed credential nor a fatal
 * failure (DNS, a refused certificate, a size cap) tells it anything. */
#ifndef ATT_WINDOW_H
#define ATT_WINDOW_H

#define ATT_WINDOW_DEFAULT 64 /* the configured maximum when none is given */
#define ATT_WINDOW_MAX     64 /* at most this many slots (the client's pool of easy handles) */

typedef struct AttWindow {
    int max;   /* the configured window: the limit never exceeds it */
    int limit; /* the current limit, 1..max */
    int held;  /* slots held by transfers now */
} AttWindow;

/* Starts with limit = max; max <= 0 means ATT_WINDOW_DEFAULT, and max is cut to ATT_WINDOW_MAX. */
void att_window_init(AttWindow *w, int max);
/* Takes a slot: 1 when one was free (held < limit), else 0 (the transfer waits). */
int att_window_acquire(AttWindow *w);
/* Gives a slot back (the transfer is done or was cancelled). */
void att_window_release(AttWindow *w);
/* An attempt succeeded: the limit grows by 1, up to max. */
void att_window_success(AttWindow *w);
/* An attempt failed in a way worth a retry: the limit halves, down to 1. */
void att_window_failure(AttWindow *w);

#endif
