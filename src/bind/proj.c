/* proj.c — opts.fields projections: the dotted paths of att.search's opts.fields compiled into a
 * trie of object keys (proj.h) that the decoder (jdec.c) follows to build only what is kept. */
#include <lauxlib.h>
#include <string.h>

#include "bind/json.h"
#include "bind/proj.h"
#include "common/idset.h"

int att_proj_find(const AttProj *p, int parent, const char *key, size_t len)
{
    int k;
    for (k = p->node[parent].kid; k >= 0; k = p->node[k].next)
        if (p->node[k].klen == len && memcmp(PROJ_KEYS(p) + p->node[k].koff, key, len) == 0) return k;
    return -1;
}

static int proj_add(AttProj *p, int parent, const char *key, size_t len)
{
    int k = att_proj_find(p, parent, key, len);
    PNode *n;
    if (k >= 0) return k;
    k = p->nnodes++; /* room was counted by att_proj_compile */
    n = &p->node[k];
    n->kid = -1;
    n->keep_all = n->keep_rest = 0;
    n->koff = (unsigned)p->kused;
    n->klen = (unsigned)len;
    memcpy(PROJ_KEYS(p) + p->kused, key, len);
    p->kused += len;
    n->next = p->node[parent].kid;
    p->node[parent].kid = k;
    return k;
}

/* One key of a path being added: the child of at for key[0..len), or -1 once a shorter path
 * keeps all of it already (or at was -1). The path's last node is then kept whole. */
static int proj_step(AttProj *p, int at, const char *key, size_t len)
{
    if (at < 0) return -1;
    at = proj_add(p, at, key, len);
    return p->node[at].keep_all ? -1 : at;
}

/* Adds the dotted path s (checked) under node 1. */
static void proj_path(AttProj *p, const char *s, size_t len)
{
    int at = 1;
    size_t i = 0;
    while (i < len && at >= 0) {
        size_t j = i;
        while (j < len && s[j] != '.') j++;
        at = proj_step(p, at, s + i, j - i);
        i = j + 1;
    }
    if (at >= 0) p->node[at].keep_all = 1;
}

/* A trie with room for nodes nodes and keys key bytes, holding the page, the individuals and
 * their ids (the scan needs every individual's id: repeated pages, duplicates when totalCount
 * changes). Pushes it. [-0, +1, m] */
static AttProj *proj_new(lua_State *L, size_t nodes, size_t keys)
{
    static const char INDIVIDUALS[] = "individuals", ID[] = "id";
    AttProj *p;
    nodes += 3;
    keys += sizeof INDIVIDUALS + sizeof ID;
    p = lua_newuserdatauv(L, sizeof *p + nodes * sizeof(PNode) + keys, 0);
    p->cap = (int)nodes;
    p->nnodes = 2;
    p->kused = 0;
    p->kcap = keys;
    p->node[0] = (PNode){-1, -1, 0, 1, 0, 0};
    p->node[1] = (PNode){-1, -1, 0, 0, 0, 0};
    memcpy(PROJ_KEYS(p), INDIVIDUALS, sizeof INDIVIDUALS - 1);
    p->kused = sizeof INDIVIDUALS - 1;
    p->node[1].klen = (unsigned)(sizeof INDIVIDUALS - 1);
    p->node[0].kid = 1;
    p->node[proj_add(p, 1, ID, sizeof ID - 1)].keep_all = 1;
    return p;
}

AttProj *att_proj_compile(lua_State *L, int idx, const char *who)
{
    lua_Integer i, n;
    size_t nodes = 0, keys = 0;
    AttProj *p;

    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: opts.fields must be a list of field paths such as \"accounts.id\" (got %s)", who,
                   luaL_typename(L, idx));
    n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0) luaL_error(L, "%s: opts.fields is empty (leave it out to keep every field)", who);
    if (n > 10000) luaL_error(L, "%s: opts.fields has more than 10000 paths", who);
    for (i = 1; i <= n; i++) {
        size_t len, k;
        const char *s;
        if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "%s: opts.fields[%d] must be a string (got %s)", who, (int)i, luaL_typename(L, -1));
        s = lua_tolstring(L, -1, &len);
        if (len == 0 || len > 1000 || s[0] == '.' || s[len - 1] == '.' || strstr(s, "..") || strlen(s) != len)
            luaL_error(L, "%s: opts.fields[%d] is not a field path (keys joined by '.', e.g. \"accounts.id\"): \"%s\"",
                       who, (int)i, s);
        for (k = 0; k < len; k++) nodes += s[k] == '.';
        nodes += 1;
        keys += len;
        lua_pop(L, 1);
    }
    p = proj_new(L, nodes, keys);
    for (i = 1; i <= n; i++) {
        size_t len;
        const char *s;
        lua_rawgeti(L, idx, i);
        s = lua_tolstring(L, -1, &len);
        proj_path(p, s, len);
        lua_pop(L, 1);
    }
    return p;
}

/* Checks the list of keys at idx (the index-th path of what) and adds it to p when p is not NULL;
 * counts its nodes and key bytes into *nodes and *keys. */
static void proj_keys(lua_State *L, AttProj *p, int idx, lua_Integer index, const char *who, size_t *nodes,
                      size_t *keys)
{
    lua_Integer j, m = lua_type(L, idx) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, idx) : 0;
    int at = 1;
    size_t bytes = 0;
    if (m == 0 || m > 1000) luaL_error(L, "%s: path %d must be a list of 1 to 1000 keys", who, (int)index);
    for (j = 1; j <= m; j++) {
        size_t len;
        const char *s;
        if (lua_rawgeti(L, idx, j) != LUA_TSTRING)
            luaL_error(L, "%s: path %d, key %d must be a string (got %s)", who, (int)index, (int)j,
                       luaL_typename(L, -1));
        s = lua_tolstring(L, -1, &len);
        bytes += len + 1;
        if (len == 0 || bytes > 1001 || strlen(s) != len)
            luaL_error(L, "%s: path %d, key %d is empty, holds a NUL byte or makes the path longer than 1000 bytes",
                       who, (int)index, (int)j);
        *nodes += 1;
        *keys += len;
        if (p) at = proj_step(p, at, s, len);
        lua_pop(L, 1);
    }
    if (p && at >= 0) p->node[at].keep_all = 1;
}

AttProj *att_proj_compile_keys(lua_State *L, int idx, const char *who)
{
    lua_Integer i, n;
    size_t nodes = 0, keys = 0;
    AttProj *p;
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0 || n > 10000) luaL_error(L, "%s: 1 to 10000 paths, got %d", who, (int)n);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        proj_keys(L, NULL, lua_gettop(L), i, who, &nodes, &keys);
        lua_pop(L, 1);
    }
    p = proj_new(L, nodes, keys);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        proj_keys(L, p, lua_gettop(L), i, who, &nodes, &keys);
        lua_pop(L, 1);
    }
    return p;
}

int att_proj_keeps(const AttProj *p, const char *path)
{
    int at = 1;
    const char *s = path;
    while (*s) {
        size_t len = strcspn(s, ".");
        at = att_proj_find(p, at, s, len);
        if (at < 0) return 0;
        if (p->node[at].keep_all) return 1;
        s += len;
        if (*s == '.') s++;
    }
    return 1;
}

uint64_t att_proj_digest(const AttProj *p)
{
    /* the nodes and the key bytes they name, not the spare room after them */
    uint64_t h =
        att_siphash24(0x6174742d70726f6aULL, 0x6a6f75726e616c31ULL, p->node, (size_t)p->nnodes * sizeof *p->node);
    return att_siphash24(h, 0x6b657973ULL, PROJ_KEYS(p), p->kused);
}
