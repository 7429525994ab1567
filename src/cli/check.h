/* check.h — att check SCRIPT...: the static lint of scripts, by luacheck (Debian's lua-check) run
 * as its own program with att's globals declared. */
#ifndef ATT_CHECK_H
#define ATT_CHECK_H

/* Runs luacheck on the n files in files (its report on standard output). Returns 0 when they are
 * clean, 1 when it found problems (warnings, syntax errors, a file it could not read), 2 when
 * luacheck is missing, cannot run or refused its command line. */
int att_check_run(int n, char **files);

#endif
