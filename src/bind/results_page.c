/* results_page.c — what a scan does with each page the server sends.
 *
 * check_page holds the page to the contract: an object with totalCount (an integer >= 0), an
 * individuals array of objects that each have an id (a string or a number), and pageInfo.pageSize,
 * when given, an integer in [1, 2^31) that stays the same for the whole scan.
 *
 * take_page places the page after what the scan has read. Every id the scan has been sent is in a
 * set (common/idset.h) with the ordinal of the page that first held it, so no individual is ever
 * yielded twice. The pages of one version of the data (one totalCount) follow each other; a page
 * of another version ("a change") with fewer records (or, with opts.overlap, whose overlap does not
 * match) is placed only when it holds a record the scan has seen (records keep their relative
 * order, so the scan continues from that record without a gap) or is the scan's first page;
 * otherwise the page is refused and the caller reads the page before it again (records removed
 * before the scan's position moved records into pages already read). A version with more records
 * is placed as it is: inserts move records later, so some come again (and are dropped), none is
 * skipped; with page numbers a removal hidden by more inserts cannot be seen. The number
 * of pages re-read is bounded; past the bound the scan fails with a "drift" error (or, with
 * opts.drift = "warn", goes on and counts what may be missing). Within one version a page must not
 * repeat records: a server that ignores pageOffset is a protocol error, not a stream of
 * duplicates. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "bind/api.h"
#include "bind/error.h"
#include "bind/results.h"
#include "bind/results_impl.h"

#define MAX_PAGE_SIZE 2147483647 /* 2^31 - 1 */
#define MAX_REREADS   64

/* An individual of the page: its id's fingerprint, and whether the scan was sent it before. */
typedef struct PageId {
    AttIdFp fp;
    int seen;
} PageId;

static lua_Integer page_offset_of(const Results *r, uint32_t ordinal)
{
    /* Only asked when nothing changed: the pages followed each other from the first one. */
    lua_Integer step = r->record_mode ? r->eff_size - r->overlap : 1;
    return r->start_offset + (lua_Integer)(ordinal - 1) * step;
}

/* Is the table at idx an array (keys 1..n only)? */
static int is_array(lua_State *L, int idx, lua_Integer n)
{
    lua_Integer keys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
            lua_pop(L, 1);
            return 0;
        }
        keys++;
    }
    return keys == n;
}

/* Checks a decoded response (at resp) against the contract. Pushes the individuals and, above
 * them, the fingerprints of their ids (*ids, in a userdata), and returns NULL; or pushes nothing and
 * returns what is wrong (in buf when it names a position). */
static const char *check_page(lua_State *L, const Results *r, int resp, Page *pg, PageId **ids, char *buf, size_t len)
{
    lua_Integer i;
    int t, ind;
    if (lua_type(L, resp) != LUA_TTABLE || (lua_rawlen(L, resp) > 0)) return "the response is not a JSON object";
    lua_getfield(L, resp, "totalCount");
    pg->total = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
    lua_pop(L, 1);
    if (pg->total < 0) return "the response has no totalCount (an integer >= 0 of at most 64 bits)";
    pg->size = 0;
    if (lua_getfield(L, resp, "pageInfo") == LUA_TTABLE) {
        if (lua_getfield(L, -1, "pageSize") != LUA_TNIL) {
            if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > MAX_PAGE_SIZE) {
                lua_pop(L, 2);
                return "pageInfo.pageSize is not an integer in [1, 2147483647]";
            }
            pg->size = lua_tointeger(L, -1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, resp, "individuals") != LUA_TTABLE) {
        lua_pop(L, 1);
        return "the response has no individuals array";
    }
    pg->n = (lua_Integer)lua_rawlen(L, -1);
    ind = lua_gettop(L);
    if (!is_array(L, ind, pg->n)) {
        lua_pop(L, 1);
        return "individuals is not an array";
    }
    *ids = lua_newuserdatauv(L, (size_t)pg->n * sizeof **ids, 0);
    for (i = 1; i <= pg->n; i++) {
        const char *why = NULL;
        if (lua_rawgeti(L, ind, i) != LUA_TTABLE || lua_rawlen(L, -1) > 0) {
            why = "is not an object";
        } else {
            t = lua_getfield(L, -1, "id");
            if ((t != LUA_TSTRING && t != LUA_TNUMBER) || (t == LUA_TSTRING && lua_rawlen(L, -1) == 0)) {
                why = "has no id (a non-empty string or a number)";
            } else { /* its fingerprint, once (ids 1 and "1" are the same) */
                size_t n;
                const char *id = lua_tolstring(L, -1, &n);
                (*ids)[i - 1].fp = att_idset_fp(&r->seen, id, n);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (why) {
            lua_pop(L, 2);
            snprintf(buf, len, "individual %lld of the page at pageOffset %lld %s", (long long)i, (long long)r->offset,
                     why);
            return buf;
        }
    }
    return NULL;
}

static void fail_msg(lua_State *L, Results *r, int ud, const AttExchange *ex, const char *kind, const char *msg,
                     lua_Integer missing)
{
    att_error_push(L, kind, ex->resp.status, ex->url, msg, 0, NULL, 0);
    if (missing > 0) {
        lua_pushinteger(L, missing);
        lua_setfield(L, -2, "missing");
    }
    att_scan_fail(L, r, ud);
}

/* A page of the same version holds records already sent: the server does not page as asked. */
static void repeated(lua_State *L, Results *r, int ud, const AttExchange *ex, int all, uint32_t first_rank)
{
    char msg[300], what[80];
    if (first_rank == r->ordinal)
        snprintf(what, sizeof what, "the previous page");
    else
        snprintf(what, sizeof what, "the page at pageOffset %lld", (long long)page_offset_of(r, first_rank));
    if (all)
        snprintf(msg, sizeof msg, "the page at pageOffset %lld repeats %s (the server ignores pageOffset)",
                 (long long)r->offset, what);
    else
        snprintf(msg, sizeof msg,
                 "the page at pageOffset %lld overlaps %s (the server pages differently; try paging = \"%s\")",
                 (long long)r->offset, what, r->record_mode ? "page" : "record");
    att_scan_protocol_error(L, r, ud, ex, msg);
}

/* How many pages the scan may read again, since it last got further, before it gives up: four,
 * and the records that moved meanwhile (the changes of totalCount) in pages; 64 at most. */
static lua_Integer reread_bound(const Results *r, lua_Integer moved)
{
    lua_Integer size = r->eff_size > r->overlap ? r->eff_size - r->overlap : 1, d = r->drift + moved, b;
    b = 4 + d / size + (d % size != 0);
    return b < MAX_REREADS ? b : MAX_REREADS;
}

/* The page cannot follow what was read, and the bound is reached: fail, or (opts.drift = "warn")
 * go on from this page, counting what may be missing. [-0, +0, e] */
static void give_up(lua_State *L, Results *r, int ud, const AttExchange *ex, lua_Integer moved)
{
    char msg[400];
    lua_Integer missing = r->drift + moved > 0 ? r->drift + moved : r->eff_size;
    if (!r->drift_warn) {
        snprintf(msg, sizeof msg,
                 "the data changed during the scan and the page at pageOffset %lld could not be placed after the "
                 "records already read (%lld pages read again): up to %lld individuals before it may be missing; "
                 "the scan stops after %lld",
                 (long long)r->offset, (long long)r->backs, (long long)missing, (long long)r->yielded);
        fail_msg(L, r, ud, ex, "drift", msg, missing);
    }
    att_api_warn(L,
                 "the data changed during the scan: up to %lld individuals may be missing before pageOffset %lld "
                 "(opts.drift = \"warn\"; r:stats().missed counts them)",
                 (long long)missing, (long long)r->offset);
    r->missed += missing;
}

/* The page size is what the first page said, and no page is larger. [-0, +0, e] */
static void check_size(lua_State *L, Results *r, int ud, const AttExchange *ex, const Page *pg)
{
    char msg[200];
    if (r->pages == 0) {
        if (pg->size) r->eff_size = pg->size;
        if (r->overlap >= r->eff_size) {
            snprintf(msg, sizeof msg, "opts.overlap %lld is not below the server's pageSize %lld",
                     (long long)r->overlap, (long long)r->eff_size);
            att_scan_protocol_error(L, r, ud, ex, msg);
        }
    } else if (pg->size && pg->size != r->eff_size) {
        snprintf(msg, sizeof msg, "pageInfo.pageSize changed from %lld to %lld at pageOffset %lld",
                 (long long)r->eff_size, (long long)pg->size, (long long)r->offset);
        att_scan_protocol_error(L, r, ud, ex, msg);
    }
    if (pg->n > r->eff_size) {
        snprintf(msg, sizeof msg, "the page at pageOffset %lld has %lld individuals, more than its pageSize %lld",
                 (long long)r->offset, (long long)pg->n, (long long)r->eff_size);
        att_scan_protocol_error(L, r, ud, ex, msg);
    }
}

/* What a page shares with what the scan was sent before. */
typedef struct Shared {
    lua_Integer seen;    /* records seen before */
    lua_Integer lead;    /* of those, how many are the first records of the page */
    uint32_t rmin, rmax; /* the ordinals of the pages they were first seen on */
} Shared;

static Shared shared(const Results *r, PageId *ids, lua_Integer n)
{
    Shared sh = {0, 0, UINT32_MAX, 0};
    lua_Integer i;
    uint32_t rank;
    for (i = 1; i <= n; i++) {
        ids[i - 1].seen = att_idset_get(&r->seen, ids[i - 1].fp, &rank);
        if (!ids[i - 1].seen) continue;
        if (rank < sh.rmin) sh.rmin = rank;
        if (rank > sh.rmax) sh.rmax = rank;
        if (sh.lead == i - 1) sh.lead = i;
        sh.seen++;
    }
    return sh;
}

/* Pushes the records of the page not seen before, each added to the set; `expect` leading records
 * are the asked-for overlap, the other seen ones are counted as dropped. [-0, +1, e] */
static void push_new(lua_State *L, Results *r, int ud, const AttExchange *ex, int individuals, const PageId *ids,
                     const Page *pg, lua_Integer expect)
{
    uint32_t rank, ordinal = r->ordinal + 1;
    lua_Integer i, k = 0;
    char msg[200];
    lua_createtable(L, (int)(pg->n < 1 << 20 ? pg->n : 1 << 20), 0);
    for (i = 1; i <= pg->n; i++) {
        AttIdFp fp = ids[i - 1].fp;
        if (ids[i - 1].seen) {
            if (i > expect) r->dropped++; /* sent again (the overlap is asked for) */
            continue;
        }
        if (att_idset_get(&r->seen, fp, &rank)) { /* not seen before the page: so earlier on it */
            snprintf(msg, sizeof msg, "the page at pageOffset %lld holds the id of individual %lld twice",
                     (long long)r->offset, (long long)i);
            att_scan_protocol_error(L, r, ud, ex, msg);
        }
        if (att_idset_put(&r->seen, fp, ordinal) != 0) {
            snprintf(msg, sizeof msg, "the scan's set of ids (%zu bytes for %lld individuals) would pass --max-memory",
                     att_idset_bytes(&r->seen), (long long)(r->yielded + k));
            fail_msg(L, r, ud, ex, "limit", msg, 0);
        }
        lua_rawgeti(L, individuals, i);
        lua_rawseti(L, -2, ++k);
    }
}

/* Places a checked page (its individuals at `individuals`, their ids in ids) after what the scan
 * has read and makes the records not seen before the page in hand. Returns 0 when it cannot be placed. [-0, +0, e] */
static int take_page(lua_State *L, Results *r, int ud, const AttExchange *ex, int individuals, PageId *ids,
                     const Page *pg)
{
    int top = lua_gettop(L), change = 0;
    lua_Integer expect = 0, moved = 0;
    Shared sh;

    check_size(L, r, ud, ex, pg);
    sh = shared(r, ids, pg->n);
    if (r->pages > 0) {
        expect = r->record_mode && r->offset != r->start_offset ? r->overlap : 0;
        if (expect > pg->n) expect = pg->n;
        if (pg->total != r->total) {
            change = 1;
            moved = pg->total > r->total ? pg->total - r->total : r->total - pg->total;
            if (!r->changed)
                att_api_warn(L,
                             "totalCount changed from %lld to %lld during the scan (at pageOffset %lld); "
                             "pages are read again where records may have moved, and none is yielded twice",
                             (long long)r->total, (long long)pg->total, (long long)r->offset);
        } else if (sh.lead < expect) {
            change = 1; /* the overlap did not match: records moved without totalCount changing */
        }
    }
    if (change) {
        r->changed = 1;
        /* Nothing on it was read before: records may have moved into pages already read, when
         * records were removed (totalCount fell) or, with an overlap, whenever it does not match.
         * Inserts alone move records later, which sends some again (dropped), never skips one. */
        if (sh.seen == 0 && r->offset != r->start_offset && (r->overlap > 0 || pg->total < r->total)) {
            if (r->backs < reread_bound(r, moved)) {
                r->changes++;
                return 0; /* the caller reads the page before it again */
            }
            give_up(L, r, ud, ex, moved);
        }
        r->changes++;
        r->drift += moved;
    } else if (sh.seen > sh.lead || sh.lead > expect) {
        if (r->overlap > 0 && sh.seen == sh.lead && sh.seen < pg->n) {
            /* With an overlap: more of the page was read before, then new records: records moved
             * later without totalCount changing (an insert before, a removal after). */
            r->changes++;
            r->changed = 1;
        } else if (!r->changed) {
            /* Records repeated within one version of the data: the server does not page as asked. */
            repeated(L, r, ud, ex, sh.seen == pg->n && sh.rmin == sh.rmax, sh.rmin);
        }
    }

    push_new(L, r, ud, ex, individuals, ids, pg, expect);
    r->page_len = (lua_Integer)lua_rawlen(L, -1);
    lua_setiuservalue(L, ud, UV_PAGE);
    if (r->offset > r->furthest || r->pages == 0) {
        r->furthest = r->offset;
        r->backs = r->drift = 0;
    }
    r->ordinal++;
    r->state = SCAN_PAGE;
    r->pages++;
    r->total = pg->total;
    r->raw_len = pg->n;
    r->page_idx = 0;
    r->base = att_scan_pos(r, r->offset);
    lua_settop(L, top);
    return 1;
}

void att_scan_seam(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp)
{
    Page pg = {0, 0, 0};
    PageId *ids = NULL;
    lua_Integer i, unseen = 0;
    uint32_t rank;
    char buf[200], msg[400];
    const char *why = check_page(L, r, resp, &pg, &ids, buf, sizeof buf);
    if (why) att_scan_protocol_error(L, r, ud, ex, why);
    for (i = 0; i < pg.n; i++) unseen += !att_idset_get(&r->seen, ids[i].fp, &rank);
    lua_pop(L, 2);
    if (unseen == 0) return; /* the same records (moved, maybe: the scan's rules see to that) */
    snprintf(msg, sizeof msg,
             "the data changed since the run was interrupted: the page at pageOffset %lld, read again, holds %lld "
             "records (of %lld) the run was never sent (totalCount %lld then, %lld now); the resumed report would "
             "mix two data sets: run it again from the start (--no-journal)",
             (long long)r->jlast, (long long)unseen, (long long)pg.n, (long long)r->total, (long long)pg.total);
    fail_msg(L, r, ud, ex, "drift", msg, 0);
}

int att_scan_accept(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp)
{
    Page pg = {0, 0, 0};
    PageId *ids = NULL;
    char buf[200];
    int ok;
    const char *why;
    if (!r->seen_ok) { /* the scan's id set, made with its first page */
        if (att_idset_init(&r->seen, att_api_get(L)->budget) != 0)
            luaL_error(L, "att.search: no random bytes for the scan's id set");
        r->seen_ok = 1;
    }
    why = check_page(L, r, resp, &pg, &ids, buf, sizeof buf);
    if (why) att_scan_protocol_error(L, r, ud, ex, why);
    ok = take_page(L, r, ud, ex, lua_gettop(L) - 1, ids, &pg);
    lua_pop(L, 2);
    return ok;
}
