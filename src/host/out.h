/* out.h — standard output through a buffer att owns.
 *
 * stdio's buffers cannot be written from a signal handler or another thread, so when the run must
 * end at once (the --max-time backstop, a second Ctrl-C, SIGTERM in a finaliser that never returns)
 * whatever stdio held would be lost. att_out_init replaces stdout with an unbuffered fopencookie
 * stream whose writes land in this module's buffer: on a terminal it is written at every line end,
 * otherwise when full (64 KiB: up to its last line end) and at exit. After a failed write, a
 * partial last line is cut off a regular file (disk full, ulimit -f: complete lines only). att_out_emergency writes its complete lines with
 * write(2) from the watchdog thread. Write errors are kept (att_out_error) so that a lost write is
 * never exit status 0: an exit handler writes what is left and, if that fails, ends the run with
 * status 8 (os.exit included). */
#ifndef ATT_OUT_H
#define ATT_OUT_H

/* Replaces stdout (call before the Lua io library is opened). 0, or -1 (stdout stays as it is). */
int att_out_init(void);
/* Writes everything buffered. 0, or the errno of the first failed write of the run. */
int att_out_flush(void);
/* Writes the complete lines buffered and drops a partial last line (ending by signal or limit). */
int att_out_flush_lines(void);
/* From the watchdog thread, when the main thread may be stuck: as att_out_flush_lines, giving up
 * after a short wait for the buffer's lock. */
void att_out_emergency(void);
/* The errno of the first failed write, once (then 0); the caller reports it, and the exit
 * handler then does not. */
int att_out_take_error(void);
/* The errno of the first failed write of the run, or 0 (nothing is written, nothing taken). */
int att_out_failed(void);
/* io.stdout:setvbuf: 0 "no", 1 "line", 2 "full". */
void att_out_mode(int mode);
/* 1 when stdout is the owned stream. */
int att_out_owned(void);

#endif
