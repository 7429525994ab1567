/* stop.h — why the run is stopping. Set asynchronously (signal handlers, the watchdog thread of
 * watch.c) and read by everything that waits or loops for long: the transfer loop, sleeps between
 * retries, the Lua hook. Plain C, no Lua. */
#ifndef ATT_STOP_H
#define ATT_STOP_H

#include <stdatomic.h>

/* 0: running; a signal number (SIGINT, SIGTERM, SIGHUP); or ATT_STOP_TIME (--max-time). */
#define ATT_STOP_TIME 1000
extern atomic_int att_stop;

static inline int att_stopping(void) { return atomic_load_explicit(&att_stop, memory_order_relaxed); }

/* "interrupted", "terminated", "--max-time exceeded", ... for a reason (non-zero). */
const char *att_stop_text(int reason);

#endif
