/* outfile.h — output files checked before a run fetches anything, written beside their final name
 * and renamed into place when complete (see outfile.c). */
#ifndef ATT_OUTFILE_H
#define ATT_OUTFILE_H

#include <lua.h>

/* Sets package.loaded["att.outfile"] to the table of check, partial, commit and keep (the helpers
 * att.report and att.args use). confined: under --safe, every path is
 * confined as io.open's are. Call after the environment (full or --safe) is built. [-0, +0, m] */
void att_outfile_install(lua_State *L, int confined);

#endif
