/* bundle.h — the Lua modules of lua/att/, compiled into the binary by tools/embed.c. */
#ifndef ATT_BUNDLE_H
#define ATT_BUNDLE_H

#include <stddef.h>

typedef struct AttBundled {
    const char *name; /* module name, e.g. "att.report" */
    const char *path; /* chunk name without '@', e.g. "lua/att/report.lua" */
    const char *text;
    size_t len;
} AttBundled;

extern const AttBundled att_bundled[];
extern const size_t att_bundled_count;

#endif
