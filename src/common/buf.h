/* buf.h — the growable byte buffer of both programs: the host's request bodies, JSON encodings and
 * redacted copies; the sandbox's pages, token answers and data set text. Plain C, no Lua. Growth is
 * charged to an optional budget (the host's --max-memory); a failed growth sets oom and leaves the
 * buffer as it was, so that callers append freely and check once at the end. */
#ifndef ATT_BUF_H
#define ATT_BUF_H

#include <stddef.h>
#include <stdint.h>

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
/* Appends v in decimal. */
void att_buf_add_u64(AttBuf *b, uint64_t v);
/* Appends n copies of c. */
void att_buf_fill(AttBuf *b, char c, size_t n);
/* Makes room for n more bytes; 0, or -1 (and oom) when that fails. The capacity doubles until it
 * is enough. */
int att_buf_reserve(AttBuf *b, size_t n);
/* The same, never growing the capacity beyond most bytes (most >= len + n + 1): 0, -1 when out of
 * memory, -2 when the budget refuses (oom is set either way). */
int att_buf_reserve_upto(AttBuf *b, size_t n, size_t most);
/* The same, but a buffer that must grow grows to exactly len + n + 1 bytes: for one large size
 * known in advance (the sandbox's 1 GiB big= page is not rounded up to 2 GiB). */
int att_buf_reserve_exact(AttBuf *b, size_t n);
/* Empties the buffer and clears oom; the memory (and its charge) stays for reuse. */
void att_buf_reset(AttBuf *b);
/* Hands the bytes to the caller, who frees them with free() (NULL when nothing was ever added),
 * with their length in *len unless len is NULL; the buffer is then empty, as new. A charge to a
 * budget is given back: the bytes taken are no longer counted. */
char *att_buf_take(AttBuf *b, size_t *len);
/* Frees the bytes (wiping them first when wipe is set) and gives back their charge. */
void att_buf_free(AttBuf *b);
void att_buf_wipe_free(AttBuf *b);

#endif
