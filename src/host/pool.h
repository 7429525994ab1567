/* pool.h — the small-block pool under the Lua allocator.
 *
 * A scan makes and frees tens of thousands of small Lua objects per page (strings, tables, their
 * parts), most under 256 bytes. The pool keeps freed blocks on one free list per 16-byte size
 * class and carves new ones from 64 KiB chunks, so that each of those costs a few instructions
 * instead of a trip through malloc and free (measured on the full-record scan of 20,000
 * individuals: 13% more CPU with malloc and free alone). Blocks over 256 bytes go to malloc.
 * Chunks are freed with the pool, never before: the pool holds at most the peak of small blocks
 * in use. Builds with AddressSanitizer pass everything to malloc, so that the sanitizer sees every
 * block. The common cases (a block from a free list or from the newest chunk, a block given back)
 * are inline: the Lua allocator calls them once per object. */
#ifndef ATT_POOL_H
#define ATT_POOL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define ATT_POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATT_POOL_OFF 1
#endif
#endif
#ifndef ATT_POOL_OFF
#define ATT_POOL_OFF 0
#endif

#define ATT_POOL_CLASSES 16 /* 16, 32, ... 256 bytes */
#define ATT_POOL_MAX     (ATT_POOL_CLASSES * 16)

typedef struct AttPool {
    void *free[ATT_POOL_CLASSES]; /* free blocks of each class, linked through their first word */
    void *chunks;                 /* chunks, linked through their first word */
    char *next;                   /* unused part of the newest chunk */
    size_t left;
} AttPool;

/* A block of class c (c + 1 times 16 bytes) from a new chunk; NULL when out of memory. */
void *att_pool_carve(AttPool *p, size_t c);

/* 1 when blocks of n bytes come from the pool (n in 1..256, and no sanitizer). */
static inline int att_pool_small(size_t n) { return !ATT_POOL_OFF && n - 1 < (size_t)ATT_POOL_MAX; }
static inline size_t att_pool_class(size_t n) { return (n - 1) >> 4; }

/* A block of n bytes, att_pool_small(n); NULL when out of memory. The free lists link blocks
 * through their first word: memcpy keeps the types out of it (the memory is Lua's otherwise). */
static inline void *att_pool_take(AttPool *p, size_t n)
{
    size_t c = att_pool_class(n), sz = (c + 1) * 16;
    void *b = p->free[c];
    if (b) {
        memcpy(&p->free[c], b, sizeof(void *));
        return b;
    }
    if (p->left < sz) return att_pool_carve(p, c);
    b = p->next;
    p->next += sz;
    p->left -= sz;
    return b;
}

static inline void att_pool_give(AttPool *p, void *b, size_t n)
{
    size_t c = att_pool_class(n);
    memcpy(b, &p->free[c], sizeof(void *));
    p->free[c] = b;
}

/* realloc(ptr, nsize) for a block of osize bytes (ptr NULL: a new block; nsize 0: free it).
 * Returns NULL when out of memory (ptr is then untouched), or when nsize is 0. */
static inline void *att_pool_realloc(AttPool *p, void *ptr, size_t osize, size_t nsize)
{
    void *q;
    int os, ns = att_pool_small(nsize);
    if (!ptr) {
        if (nsize == 0) return NULL;
        return ns ? att_pool_take(p, nsize) : malloc(nsize);
    }
    os = att_pool_small(osize);
    if (nsize == 0) {
        if (os)
            att_pool_give(p, ptr, osize);
        else
            free(ptr);
        return NULL;
    }
    if (!os && !ns) return realloc(ptr, nsize);
    if (os && ns && att_pool_class(osize) == att_pool_class(nsize)) return ptr;
    q = ns ? att_pool_take(p, nsize) : malloc(nsize);
    if (!q) return NULL;
    memcpy(q, ptr, osize < nsize ? osize : nsize);
    if (os)
        att_pool_give(p, ptr, osize);
    else
        free(ptr);
    return q;
}

/* Frees every chunk. Blocks from the pool must not be used afterwards. */
void att_pool_free(AttPool *p);

#endif
