/* budget.h — the run's one memory budget (--max-memory). Plain C, no Lua.
 *
 * Everything att itself holds for the run is charged here: the Lua heap (through the allocator),
 * request bodies and JSON encodings (AttBuf), the response buffers of every transfer in flight, and
 * a fixed overhead per connection for what libcurl and TLS keep (their own allocations cannot be
 * counted one by one; ATT_CONN_OVERHEAD is measured, see docs). The budget is used from the main
 * thread only. */
#ifndef ATT_BUDGET_H
#define ATT_BUDGET_H

#include <stddef.h>

/* Heap held by one libcurl easy handle with its connection, measured with mallinfo2 on Debian 12
 * (libcurl 7.88, OpenSSL 3.0): about 12 KiB over HTTP/1.1, 43 KiB over TLS, plus up to 40 KiB of
 * zlib state while a gzip body is inflated. Rounded up. */
#define ATT_CONN_OVERHEAD ((size_t)96 * 1024)

typedef struct AttBudget {
    size_t limit; /* bytes; 0: no limit */
    size_t used, peak;
    int refused; /* some charge was refused (the run hit --max-memory) */
} AttBudget;

/* Charges n bytes; 0, or -1 (nothing charged, refused set) when that would pass the limit.
 * A NULL budget accepts everything. Inline: the Lua allocator charges every object. */
static inline int att_budget_take(AttBudget *b, size_t n)
{
    if (!b) return 0;
    if (b->limit && (b->used > b->limit || n > b->limit - b->used)) {
        b->refused = 1;
        return -1;
    }
    b->used += n;
    if (b->used > b->peak) b->peak = b->used;
    return 0;
}

/* Gives back n bytes charged before. */
static inline void att_budget_give(AttBudget *b, size_t n)
{
    if (!b) return;
    b->used = n > b->used ? 0 : b->used - n;
}

#endif
