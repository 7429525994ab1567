/* results_page.c — what a scan does with each page the server sends: check it against the contract
 * (an object with totalCount and an individuals array; pageInfo.pageSize when given), then take it
 * as the page in hand: warn when totalCount changed, refuse a page that repeats or overlaps the
 * previous one, and after a change drop the individuals already yielded. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "bind/api.h"
#include "bind/results.h"
#include "bind/results_impl.h"

/* Checks a decoded response (at resp) against the contract: an object with totalCount (an
 * integer >= 0) and an individuals array; pageInfo.pageSize is read when it is an integer >= 1.
 * Pushes the individuals and returns NULL, or pushes nothing and returns what is wrong. */
static const char *check_page(lua_State *L, int resp, Page *pg)
{
    if (lua_type(L, resp) != LUA_TTABLE) return "response is not a JSON object";
    lua_getfield(L, resp, "totalCount");
    pg->total = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
    lua_pop(L, 1);
    if (pg->total < 0) return "response has no totalCount (a non-negative integer)";
    pg->size = 0;
    if (lua_getfield(L, resp, "pageInfo") == LUA_TTABLE) {
        lua_getfield(L, -1, "pageSize");
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) pg->size = lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, resp, "individuals") != LUA_TTABLE) {
        lua_pop(L, 1);
        return "response has no individuals array";
    }
    pg->n = (lua_Integer)lua_rawlen(L, -1);
    return NULL;
}

/* Pushes individual.id as a string key, or nil when it has none. [-0, +1, -] */
static void push_id(lua_State *L, int individuals, lua_Integer i)
{
    lua_rawgeti(L, individuals, i);
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "id");
        lua_remove(L, -2);
        if (lua_type(L, -1) == LUA_TNUMBER) lua_tostring(L, -1); /* ids 1 and "1" are the same */
        if (lua_type(L, -1) == LUA_TSTRING) return;
    }
    lua_pop(L, 1);
    lua_pushnil(L);
}

/* Raises the protocol error of a page that shares an individual with the previous one. */
static void repeated(lua_State *L, Results *r, int ud, const AttExchange *ex, int at_first)
{
    char msg[200];
    if (at_first)
        snprintf(msg, sizeof msg,
                 "the page at pageOffset %lld repeats the previous page (the server ignores pageOffset)",
                 (long long)r->offset);
    else
        snprintf(msg, sizeof msg,
                 "the page at pageOffset %lld overlaps the previous page (the server pages differently; try "
                 "paging = \"%s\")",
                 (long long)r->offset, r->record_mode ? "page" : "record");
    att_scan_protocol_error(L, r, ud, ex, msg);
}

/* Takes a checked page (its individuals at `individuals`) as the page in hand: warns when
 * totalCount changed, refuses a page that repeats or overlaps the previous one, and after a change
 * drops the individuals already yielded. [-0, +0, e] */
static void take_page(lua_State *L, Results *r, int ud, const AttExchange *ex, int individuals, const Page *pg)
{
    int top = lua_gettop(L), ids;
    lua_Integer i;

    if (pg->size) r->eff_size = pg->size;
    if (r->pages > 0 && pg->total != r->total) {
        /* Records were added or removed while we paged: offsets shifted. Not fatal, never silent. */
        att_api_warn(
            L,
            "totalCount changed from %lld to %lld during the scan (at pageOffset %lld); "
            "records may shift between pages: duplicates are dropped by id, and some individuals may be missed",
            (long long)r->total, (long long)pg->total, (long long)r->offset);
        r->total_changed = 1;
    }
    /* A page sharing an individual with the previous page means the server does not page the way
     * we asked (stop rather than loop or yield duplicates), unless totalCount changed: then the
     * records shifted, and the ones already yielded are dropped. */
    lua_createtable(L, 0, (int)(pg->n < 1 << 20 ? pg->n : 1 << 20));
    ids = lua_gettop(L);
    lua_getiuservalue(L, ud, UV_IDS);
    if (r->total_changed)
        lua_newtable(L); /* ids + 2: the individuals to yield */
    else
        lua_pushvalue(L, individuals); /* (all of them) */
    for (i = 1; i <= pg->n; i++) {
        push_id(L, individuals, i);
        if (!lua_isnil(L, -1) && lua_type(L, ids + 1) == LUA_TTABLE) {
            lua_pushvalue(L, -1);
            if (lua_rawget(L, ids + 1) != LUA_TNIL) {
                if (!r->total_changed) repeated(L, r, ud, ex, i == 1 && lua_tointeger(L, -1) == 1);
                lua_pop(L, 2);
                r->dropped++;
                continue;
            }
            lua_pop(L, 1);
        }
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
        } else {
            lua_pushinteger(L, i); /* id -> position on its page */
            lua_rawset(L, ids);
        }
        if (r->total_changed) {
            lua_rawgeti(L, individuals, i);
            lua_rawseti(L, ids + 2, (lua_Integer)lua_rawlen(L, ids + 2) + 1);
        }
    }
    lua_replace(L, individuals); /* the page is what is left to yield */
    lua_pop(L, 1);
    lua_setiuservalue(L, ud, UV_IDS);

    lua_pushvalue(L, individuals);
    lua_setiuservalue(L, ud, UV_PAGE);
    r->state = SCAN_PAGE;
    r->pages++;
    r->total = pg->total;
    r->raw_len = pg->n;
    r->page_len = (lua_Integer)lua_rawlen(L, individuals);
    r->page_idx = 0;
    r->base = r->record_mode ? r->offset - 1 : (r->offset - 1) * r->eff_size;
    lua_settop(L, top);
}

void att_scan_accept(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp)
{
    Page pg = {0, 0, 0};
    const char *why = check_page(L, resp, &pg);
    if (why) att_scan_protocol_error(L, r, ud, ex, why);
    take_page(L, r, ud, ex, lua_gettop(L), &pg);
    lua_pop(L, 1);
}
