/* files.h — the files a script writes, and the end of the run for every output.
 *
 * Lua's io library reports a failed write, flush or close to the script (nil, message, errno) and
 * forgets it: a script that ignores the result, or never closes its file, loses output and still
 * ends with status 0; at exit, stdio flushes what is left and ignores errors. att keeps a list of
 * the files opened for writing (io.open with "w", "a" or "+", io.output(name), io.tmpfile, the
 * --safe forms of these): each one's close checks the first failed write, the flush and the
 * close, and a lost write prints "att: write error on NAME: reason" and counts. At the end of the
 * run (and in os.exit, and in an exit handler) the files still open are flushed and closed, then
 * standard output (out.c) and standard error are checked the same way; the caller turns a lost
 * write into status 8 unless the script failed (an error raised after a write had failed, as
 * att.report's writers raise one, is taken as that loss: status 8 too). */
#ifndef ATT_FILES_H
#define ATT_FILES_H

#include <lua.h>

/* Wraps io.open, io.output, io.tmpfile, io.write, io.flush, the write and flush methods of files
 * and os.exit. Call after the standard libraries are opened, before the --safe environment is
 * built from them. [-0, +0, m] */
void att_files_install(lua_State *L);

/* Flushes and closes every file still open for writing, writes standard output (complete lines
 * only when lines_only: the run was stopped) and checks standard error; prints a line for each lost
 * write not reported yet. Returns the number of lost writes of the run, 0 when nothing was lost. */
int att_files_settle(int lines_only);

/* 1 when a write of the run has failed already: a lost write counted, a failed write or flush
 * of an open file the script was told of, a failed write of standard output. */
int att_files_failed(void);

/* Counts a lost write of an output att writes itself (a SQLite database, a workbook) and prints
 * "att: write error on NAME: strerror(err)": the run's status becomes 8. */
void att_files_lost(const char *name, int err);

/* fn is called by os.exit with the exit status, before the process ends (the run's journal is
 * settled there). */
void att_files_on_exit(void (*fn)(lua_State *L, int status));

#endif
