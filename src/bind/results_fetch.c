/* results_fetch.c — how a scan asks for its pages: the page in hand is taken from those requested
 * ahead or requested now, on the scan's own client (the settings it started with); up to
 * window - 1 pages are kept in flight ahead of it; a page that cannot follow what was read sends the
 * scan one page back (results_page.c decides); every attempt the server saw is counted. */
#include <lauxlib.h>
#include <stdint.h>

#include "bind/api.h"
#include "bind/exchange.h"
#include "bind/results.h"
#include "core/text.h"

#include "bind/results_impl.h"

static void set_uv_nil(lua_State *L, int ud, int n)
{
    lua_pushnil(L);
    lua_setiuservalue(L, ud, n);
}

/* Counts the attempts of a page's exchange into the scan's stats (once: then it is forgotten). */
static void count_exchange(Results *r, AttExchange *ex)
{
    if (ex->tag < 0) return;
    if (ex->attempts > 0) r->requests++;
    if (ex->attempts > 1) r->retries += ex->attempts - 1;
    ex->tag = -1;
}

/* Cancels every page requested ahead (the scan ended, failed, or a loop over it was left); what
 * they cost is counted. [-0, +0, -] */
void att_scan_cancel(lua_State *L, Results *r, int ud)
{
    if (lua_getiuservalue(L, ud, UV_INFLIGHT) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            AttExchange *ex = luaL_testudata(L, -1, ATT_EXCHANGE_MT);
            if (ex) {
                att_exchange_salvage(L, ex, -1); /* a page that came is kept for a resume */
                att_exchange_cancel(ex);
                count_exchange(r, ex);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    r->ninflight = 0;
    r->next_submit = 0;
    set_uv_nil(L, ud, UV_INFLIGHT);
}

lua_Integer att_scan_pos(const Results *r, lua_Integer off)
{
    lua_Integer pos;
    if (r->record_mode) return off - 1;
    if (__builtin_mul_overflow(off - 1, r->eff_size, &pos)) return LUA_MAXINTEGER;
    return pos;
}

/* pageOffset of the page after the one at off, when pages are full. */
static lua_Integer next_offset(const Results *r, lua_Integer off)
{
    return off + (r->record_mode ? r->eff_size - r->overlap : 1);
}

/* The scan's client (captured when it first asks for a page, so that att.configure does not
 * change a scan in progress): pushes its box, or nil when replaying. [-0, +1, e] */
static void push_client(lua_State *L, int ud)
{
    if (lua_getiuservalue(L, ud, UV_CLIENT) != LUA_TNIL || att_api_get(L)->cfg.replay_dir) return;
    lua_pop(L, 1);
    att_api_client(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, ud, UV_CLIENT);
}

/* Starts the request for the page at off and pushes its exchange. [-0, +1, e] */
static AttExchange *start_page(lua_State *L, Results *r, int ud, lua_Integer off)
{
    AttExchange *ex;
    int top = lua_gettop(L);
    push_client(L, ud);
    lua_getiuservalue(L, ud, UV_PARAMS);
    lua_pushinteger(L, off);
    lua_setfield(L, -2, "pageOffset");
    ex = att_exchange_start(L, lua_isnil(L, top + 1) ? 0 : top + 1, "POST", ATT_SEARCH_PATH, top + 2, r->proj);
    ex->tag = off;
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return ex;
}

/* Pages to keep requested ahead: the window less the page in hand; for the bare iterator form
 * (__call, r:next) the window opens gradually, 1, 2, 4, ... pages ahead, so that a loop that stops
 * early has paid for at most one page more than it read. */
static int ahead(const Results *r)
{
    lua_Integer want = r->window - 1;
    if (r->backs > 0 && want > 1) want = 1; /* finding its place again: one page ahead at most */
    if (!r->eager && r->pages < 31 && ((lua_Integer)1 << (r->pages - 1)) < want)
        want = (lua_Integer)1 << (r->pages - 1);
    return (int)want;
}

/* Keeps pages requested ahead of the page at r->offset, within what the scan can still need
 * (totalCount, opts.limit). Needs totalCount, so only after the first page; called once the
 * second individual is asked for, then each time a page is taken. */
void att_scan_fill(lua_State *L, Results *r, int ud)
{
    lua_Integer end;
    int top = lua_gettop(L);
    if (r->window <= 1 || r->state != SCAN_PAGE || r->pages < 1 || att_api_get(L)->cfg.replay_dir) return;
    end = r->total;
    if (r->limit >= 0 && r->start_pos <= LUA_MAXINTEGER - r->limit && r->start_pos + r->limit < end)
        end = r->start_pos + r->limit;
    if (r->want >= 0 && r->want - r->yielded <= LUA_MAXINTEGER - r->base - r->page_idx &&
        r->base + r->page_idx + (r->want - r->yielded) < end)
        end = r->base + r->page_idx + (r->want - r->yielded);
    if (r->next_submit <= r->offset) r->next_submit = next_offset(r, r->offset);
    if (lua_getiuservalue(L, ud, UV_INFLIGHT) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, ud, UV_INFLIGHT);
    }
    while (r->ninflight < ahead(r) && att_scan_pos(r, r->next_submit) < end) {
        start_page(L, r, ud, r->next_submit);
        lua_rawseti(L, top + 1, r->next_submit);
        r->ninflight++;
        r->next_submit = next_offset(r, r->next_submit);
    }
    lua_settop(L, top);
    push_client(L, ud);
    att_http_poll(((AttClient *)luaL_checkudata(L, -1, ATT_CLIENT_MT))->http); /* send them now */
    lua_settop(L, top);
}

/* The exchange for the page at r->offset: the one requested ahead, or a new one. Pushes it. */
static AttExchange *take_exchange(lua_State *L, Results *r, int ud)
{
    AttExchange *ex = NULL;
    if (r->ninflight > 0 && lua_getiuservalue(L, ud, UV_INFLIGHT) == LUA_TTABLE) {
        if (lua_rawgeti(L, -1, r->offset) == LUA_TUSERDATA) {
            ex = luaL_checkudata(L, -1, ATT_EXCHANGE_MT);
            lua_pushnil(L);
            lua_rawseti(L, -3, r->offset);
            r->ninflight--;
            lua_remove(L, -2);
            return ex;
        }
        lua_pop(L, 2);
    } else if (r->ninflight > 0) {
        lua_pop(L, 1);
    }
    return start_page(L, r, ud, r->offset);
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* Says on the error object on top where the scan stopped: page, the number of the page at
 * r->offset within the scan (counted from its place, not from r->pages, which counts the pages
 * read again too); read, the individuals before that page; and once totalCount is known, total
 * and pages, the pages the scan needs from its start to totalCount or opts.limit. [-0, +0, -] */
static void set_place(lua_State *L, const Results *r)
{
    /* Individuals a page adds to what was read: a page, less the overlap in record paging. */
    lua_Integer adds = r->eff_size - (r->record_mode ? r->overlap : 0), page, read = 0, n, pages;
    if (!lua_istable(L, -1)) return;
    page = r->record_mode ? (r->offset - r->start_offset) / adds + 1 : r->offset - r->start_offset + 1;
    if (page > 1) read = att_scan_pos(r, r->offset) - r->start_pos + (r->record_mode ? r->overlap : 0);
    set_int(L, "page", page);
    set_int(L, "read", read);
    if (r->total < 0) return;
    n = r->total > r->start_pos ? r->total - r->start_pos : 0;
    if (r->limit >= 0 && r->limit < n) n = r->limit;
    pages = n <= r->eff_size ? 1 : 1 + (n - r->eff_size + adds - 1) / adds;
    set_int(L, "pages", pages > page ? pages : page);
    set_int(L, "total", r->total);
}

/* A resumed scan's first live page: the last page the journal answered is read again, live, and
 * must be what the journal held, or the data changed since the run was interrupted (one request
 * more per resume: the re-read that drift detection asks for). [-0, +0, e] */
static void check_seam(lua_State *L, Results *r, int ud)
{
    int top = lua_gettop(L), ok;
    AttExchange *ex;
    r->seam_done = 1;
    ex = start_page(L, r, ud, r->jlast);
    ok = att_exchange_finish(L, ex, 1);
    count_exchange(r, ex);
    if (!ok) {
        set_place(L, r);
        att_scan_fail(L, r, ud);
    }
    r->rereads++;
    att_scan_seam(L, r, ud, ex, lua_gettop(L));
    lua_settop(L, top);
}

/* Requests the page at r->offset (or takes the one requested ahead) and makes it the page in
 * hand. When the page cannot follow what was read (the data moved), the page before it is read
 * again, and the pages requested ahead are dropped (they were asked for before the change).
 * [-0, +0, e] */
void att_scan_fetch(lua_State *L, Results *r, int ud)
{
    int top = lua_gettop(L);
    if (r->t0 == 0) {
        r->t0 = att_now();
        push_client(L, ud);
        AttClient *c = luaL_testudata(L, -1, ATT_CLIENT_MT);
        AttHttpCounters n;
        att_http_counters(c ? c->http : NULL, &n);
        r->throttled0 = n.throttled;
        lua_settop(L, top);
    }
    for (;;) {
        AttExchange *ex = take_exchange(L, r, ud);
        int ok;
        att_scan_fill(L, r, ud);
        ok = att_exchange_finish(L, ex, 1);
        count_exchange(r, ex);
        r->bytes += (lua_Integer)ex->resp.body.len;
        if (!ok) {
            set_place(L, r);
            att_scan_fail(L, r, ud);
        }
        if (ex->journaled && !att_api_get(L)->cfg.replay_dir)
            r->jlast = r->offset;
        else if (r->jlast > 0 && !r->seam_done && !ex->journaled)
            check_seam(L, r, ud);
        ok = att_scan_accept(L, r, ud, ex, lua_gettop(L));
        lua_settop(L, top);
        if (ok) break;
        /* Read the page before it again, and the pages after that afresh. */
        att_scan_cancel(L, r, ud);
        r->backs++;
        r->rereads++;
        r->offset -= r->record_mode ? r->eff_size - r->overlap : 1;
        if (r->offset < r->start_offset) r->offset = r->start_offset;
    }
    if (r->pages == 1) r->start_pos = r->base;
    att_api_progress(L, (long long)(r->base + r->raw_len), (long long)r->total, (long long)r->pages, r->t0, 0);
}
