/* buf.h — the growable byte buffer of the core: request bodies, JSON encodings, redacted copies.
 * Plain C, no Lua. Growth is charged to an optional budget (--max-memory); a failed growth sets
 * oom and leaves the buffer as it was, so that callers check once at the end. */
#ifndef ATT_BUF_H
#define ATT_BUF_H

#include <stddef.h>

#include "common/budget.h"

typedef struct AttBuf {
    char *data; /* NUL-terminated once anything was added */
    size_t len, cap;
    int oom;           /* an addition failed (out of memory or over the budget) */
    AttBudget *budget; /* NULL: not counted */
} AttBuf;

void att_buf_add(AttBuf *b, const char *s, size_t n);
void att_buf_addc(AttBuf *b, char c);
void att_buf_adds(AttBuf *b, const char *s);
/* Makes room for n more bytes; 0, or -1 (and oom) when that fails. */
int att_buf_reserve(AttBuf *b, size_t n);
/* The same, never growing the capacity beyond most bytes (most >= len + n + 1): 0, -1 when out of
 * memory, -2 when the budget refuses (oom is set either way). */
int att_buf_reserve_upto(AttBuf *b, size_t n, size_t most);
/* Frees the bytes (wiping them first when wipe is set) and gives back their charge. */
void att_buf_free(AttBuf *b);
void att_buf_wipe_free(AttBuf *b);

#endif
