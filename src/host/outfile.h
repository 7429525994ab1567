/* outfile.h — output files checked before a run fetches anything, written beside their final name
 * and renamed into place when complete (see outfile.c). */
#ifndef ATT_OUTFILE_H
#define ATT_OUTFILE_H

#include <lua.h>

/* Sets package.loaded["att.outfile"] to the table of check, partial, commit and keep (the helpers
 * att.report and att.args use). confined: under --safe, every path is
 * confined as io.open's are. Call after the environment (full or --safe) is built. [-0, +0, m] */
void att_outfile_install(lua_State *L, int confined);

/* Forgets the partial outputs kept so far (a new error is being handled). [-0, +0, -] */
void att_outfile_forget(lua_State *L);

/* Pushes the names of the partial outputs kept since the last att_outfile_forget ("a, b") and
 * forgets them; returns 1, or 0 and pushes nothing when none was kept. [-0, +0|1, m] */
int att_outfile_kept(lua_State *L);

#endif
