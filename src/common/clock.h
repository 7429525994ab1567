/* clock.h — the one monotonic clock of both programs (CLOCK_MONOTONIC: never set back, not the time
 * of day), for deadlines, timeouts and token lifetimes. Plain C, no Lua. */
#ifndef ATT_CLOCK_H
#define ATT_CLOCK_H

#include <stdint.h>

/* Seconds (the host: core/text.c's att_now). */
double att_clock_s(void);
/* Whole milliseconds (the sandbox: OAuth token expiry). */
int64_t att_clock_ms(void);

#endif
