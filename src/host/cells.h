/* cells.h — the cell encoder of att.report's csv and tsv writers (see cells.c). */
#ifndef ATT_CELLS_H
#define ATT_CELLS_H

#include <lua.h>

#include "common/budget.h"

/* Sets package.loaded["att.cells"] to the table {delimited = constructor}: not a public API (what
 * lua/att/report.lua's delimited writers encode with). Buffers are charged to budget (may be
 * NULL). [-0, +0, m] */
void att_cells_install(lua_State *L, AttBudget *budget);

#endif
