/* pool.c — the small-block pool under the Lua allocator (see pool.h). */
#include "host/pool.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_OFF 1
#endif
#endif
#ifndef POOL_OFF
#define POOL_OFF 0
#endif

#define SMALL_MAX (ATT_POOL_CLASSES * 16)
#define CHUNK     (64 * 1024)

/* A free block, or the head of a chunk. The memory comes from malloc, so it takes this type
 * when the link is written and Lua's types when Lua writes it. */
typedef struct Link {
    struct Link *next;
} Link;

static int small(size_t n) { return !POOL_OFF && n > 0 && n <= SMALL_MAX; }
static size_t cls(size_t n) { return (n + 15) / 16 - 1; }

static void *take(AttPool *p, size_t n)
{
    size_t c = cls(n), sz = (c + 1) * 16;
    Link *b = p->free[c];
    if (b) {
        p->free[c] = b->next;
        return b;
    }
    if (p->left < sz) {
        /* A new chunk; what is left of the old one (< 256 bytes) is not worth keeping. The
         * first 16 bytes link the chunk into p->chunks (16 keeps the blocks aligned). */
        char *ch = malloc(CHUNK);
        if (!ch) return NULL;
        ((Link *)(void *)ch)->next = p->chunks;
        p->chunks = ch;
        p->next = ch + 16;
        p->left = CHUNK - 16;
    }
    b = (Link *)(void *)p->next;
    p->next += sz;
    p->left -= sz;
    return b;
}

static void give(AttPool *p, void *b, size_t n)
{
    size_t c = cls(n);
    ((Link *)b)->next = p->free[c];
    p->free[c] = b;
}

void *att_pool_realloc(AttPool *p, void *ptr, size_t osize, size_t nsize)
{
    void *q;
    if (!ptr) osize = 0;
    if (nsize == 0) {
        if (small(osize))
            give(p, ptr, osize);
        else
            free(ptr);
        return NULL;
    }
    if (!small(osize) && !small(nsize)) return realloc(ptr, nsize);
    if (ptr && small(osize) && small(nsize) && cls(osize) == cls(nsize)) return ptr;
    q = small(nsize) ? take(p, nsize) : malloc(nsize);
    if (!q) return NULL;
    if (ptr) {
        memcpy(q, ptr, osize < nsize ? osize : nsize);
        if (small(osize))
            give(p, ptr, osize);
        else
            free(ptr);
    }
    return q;
}

void att_pool_free(AttPool *p)
{
    while (p->chunks) {
        Link *ch = p->chunks;
        p->chunks = ch->next;
        free(ch);
    }
    memset(p, 0, sizeof *p);
}
