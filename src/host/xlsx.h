/* xlsx.h — the libxlsxwriter binding behind att.report.xlsx and att.report.workbook (see xlsx.c). */
#ifndef ATT_XLSX_H
#define ATT_XLSX_H

#include <lua.h>

/* Sets package.preload["att.xlsx_c"], the internal module lua/att/report_xlsx.lua builds on.
 * confined: under --safe, the workbook's path is confined as io.open's are. [-0, +0, m] */
void att_xlsx_install(lua_State *L, int confined);

#endif
