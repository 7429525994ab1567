/* pool.c — the small-block pool under the Lua allocator (see pool.h): its slow paths. */
#include "host/pool.h"

#define CHUNK (64 * 1024)

/* The head of a chunk: the memory comes from malloc and takes this type when the link is written. */
typedef struct Link {
    void *next;
} Link;

void *att_pool_carve(AttPool *p, size_t c)
{
    size_t sz = (c + 1) * 16;
    char *ch, *b;
    /* A new chunk; what is left of the old one (< 256 bytes) is not worth keeping. The first 16
     * bytes link the chunk into p->chunks (16 keeps the blocks aligned). */
    ch = malloc(CHUNK);
    if (!ch) return NULL;
    ((Link *)(void *)ch)->next = p->chunks;
    p->chunks = ch;
    b = ch + 16;
    p->next = b + sz;
    p->left = CHUNK - 16 - sz;
    return b;
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
