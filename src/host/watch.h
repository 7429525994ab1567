/* watch.h — the backstop behind the Lua hook: signals and --max-time.
 *
 * SIGINT, SIGTERM and SIGHUP set att_stop (stop.h); the Lua count hook (host.c), the transfer loop
 * and every wait check it and unwind the run. Some code cannot be interrupted that way: a finaliser
 * (Lua runs __gc with hooks off), a message handler that loops, one long C call such as a
 * backtracking string.find, a blocking read. A watchdog thread therefore ends the run itself when
 * it has not ended soon enough: 0.5 s after the --max-time deadline, 1 s after a signal, at once
 * after a second one. It writes the complete lines of standard output (out.c), one line on stderr,
 * and exits with 7 (--max-time) or 128+signal. */
#ifndef ATT_WATCH_H
#define ATT_WATCH_H

/* Installs the signal handlers and starts the watchdog; max_time 0: no deadline. 0, or -1 when
 * the thread cannot be started. */
int att_watch_start(double max_time);
/* busy 0 while the interactive prompt waits for a line: a signal then interrupts nothing and arms
 * no backstop. */
void att_watch_busy(int busy);
/* The interrupted chunk at the prompt has unwound: clears att_stop and disarms the backstop. */
void att_watch_clear(void);
/* The run is ending normally: the watchdog stands down (and no longer ends the process). */
void att_watch_end(void);
/* The monotonic deadline of --max-time, or 0. */
double att_watch_deadline(void);
/* The exit status for a stop reason: 7 for --max-time, 128+N for signal N. */
int att_watch_status(int reason);

#endif
