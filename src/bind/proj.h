/* proj.h — the trie of an opts.fields projection (proj.c builds it, att_proj_compile in json.h;
 * jdec.c follows it while it decodes a page). Not for other files. */
#ifndef ATT_PROJ_H
#define ATT_PROJ_H

#include <stddef.h>

#include "bind/json.h"

/* A trie of object keys. Arrays are transparent: a node applies to each element of an array. */
typedef struct PNode {
    int kid, next;       /* first child, next sibling: indexes, -1 for none */
    int keep_all;        /* the whole value is kept */
    int keep_rest;       /* keys without a child are kept whole (the page level) */
    unsigned koff, klen; /* the key, in the key bytes after the nodes */
} PNode;

struct AttProj {
    int nnodes, cap;
    size_t kused, kcap;
    PNode node[]; /* node 0: the page; node 1: an individual; then the key bytes */
};

#define PROJ_KEYS(p) ((char *)((p)->node + (p)->cap))

/* The child of node parent whose key is key[0..len), or -1. */
int att_proj_find(const AttProj *p, int parent, const char *key, size_t len);

#endif
