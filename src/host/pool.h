/* pool.h — the small-block pool under the Lua allocator.
 *
 * A scan makes and frees tens of thousands of small Lua objects per page (strings, tables, their
 * parts), most under 256 bytes. The pool keeps freed blocks on one free list per 16-byte size
 * class and carves new ones from 64 KiB chunks, so that each of those costs a few instructions
 * instead of a trip through malloc and free. Blocks over 256 bytes go to malloc. Chunks are freed
 * with the pool, never before: the pool holds at most the peak of small blocks in use. Builds
 * with AddressSanitizer pass everything to malloc, so that the sanitizer sees every block. */
#ifndef ATT_POOL_H
#define ATT_POOL_H

#include <stddef.h>

#define ATT_POOL_CLASSES 16 /* 16, 32, ... 256 bytes */

typedef struct AttPool {
    void *free[ATT_POOL_CLASSES]; /* free blocks of each class, linked through their first word */
    void *chunks;                 /* chunks, linked through their first word */
    char *next;                   /* unused part of the newest chunk */
    size_t left;
} AttPool;

/* realloc(ptr, nsize) for a block of osize bytes (ptr NULL: a new block; nsize 0: free it).
 * Returns NULL when out of memory (ptr is then untouched), or when nsize is 0. */
void *att_pool_realloc(AttPool *p, void *ptr, size_t osize, size_t nsize);

/* Frees every chunk. Blocks from the pool must not be used afterwards. */
void att_pool_free(AttPool *p);

#endif
