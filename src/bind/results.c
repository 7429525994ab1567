/* results.c — att.search and its Results userdata: a lazy, paging scan over individuals.
 *
 * A scan is an explicit state machine (ScanState): not started -> a page in hand (with up to
 * window-1 further pages in flight) -> ... -> finished, failed or closed. Every consumer (__call,
 * next, collect, total, and the walkers of results_walk.c through att_results_next) drives the same
 * step function, results_step(). What is done with each page the server sends is results_page.c's.
 * Lua values live in user values (results_impl.h). */
#include "bind/results.h"

#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bind/api.h"
#include "bind/error.h"
#include "bind/exchange.h"
#include "bind/fields.h"
#include "bind/options.h"
#include "core/adapt.h"
#include "core/http.h"
#include "core/text.h"

#include "bind/results_impl.h"

/* ---- the state machine -------------------------------------------------------------------- */

static Results *check_results(lua_State *L, int idx) { return luaL_checkudata(L, idx, ATT_RESULTS_MT); }

static Results *check_open(lua_State *L, int idx)
{
    Results *r = check_results(L, idx);
    if (r->state == SCAN_CLOSED) luaL_error(L, "attempt to use a closed att.Results");
    return r;
}

static int live(const Results *r) { return r->state == SCAN_NEW || r->state == SCAN_PAGE; }

static void set_uv_nil(lua_State *L, int ud, int n)
{
    lua_pushnil(L);
    lua_setiuservalue(L, ud, n);
}

/* Ends the scan in state `to` (done, failed or closed): nothing more is requested or yielded. */
static void finish(lua_State *L, Results *r, int ud, ScanState to)
{
    if (live(r)) att_api_progress(L, 0, 0, 0, 0, 1);
    att_scan_cancel(L, r, ud);
    r->state = to;
    r->page_len = r->page_idx = r->raw_len = 0;
    set_uv_nil(L, ud, UV_PAGE);
    if (r->seen_ok) att_idset_free(&r->seen);
    r->seen_ok = 0;
}

/* Error object on top: remember it, end the scan, raise it. */
int att_scan_fail(lua_State *L, Results *r, int ud)
{
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, ud, UV_ERR);
    finish(L, r, ud, SCAN_FAILED);
    return lua_error(L);
}

int att_scan_protocol_error(lua_State *L, Results *r, int ud, const AttExchange *ex, const char *msg)
{
    att_error_push(L, "protocol", ex->resp.status, ex->url, msg, 0, ex->resp.body.data, ex->resp.body.len);
    return att_scan_fail(L, r, ud);
}

/* The page in hand is used up: is there more to ask for? */
static int more_pages(const Results *r)
{
    if (r->raw_len == 0 || r->raw_len < r->eff_size) return 0; /* empty or short page */
    if (r->total >= 0 && r->base >= r->total - r->raw_len) return 0;
    if (r->record_mode && r->raw_len <= r->overlap) return 0;
    return 1;
}

/* The last page was taken: the scan is done. A short or empty last page before totalCount is not
 * an error (totalCount may be an estimate), but never silent. */
static void end_of_pages(lua_State *L, Results *r, int ud)
{
    if (r->total >= 0 && r->base < r->total - r->raw_len && r->limit < 0 && !r->changed)
        att_api_warn(L,
                     "the scan ended at a %s page (pageOffset %lld) after %lld of totalCount %lld; the server may "
                     "page differently (see opts.paging)",
                     r->raw_len ? "short" : "empty", (long long)r->offset, (long long)(r->base + r->raw_len),
                     (long long)r->total);
    finish(L, r, ud, SCAN_DONE);
}

/* The one step: pushes the next individual and returns 1, or returns 0 at the end. [-0, +(0|1), e] */
static int results_step(lua_State *L, Results *r, int ud)
{
    for (;;) {
        if (r->state == SCAN_FAILED) {
            lua_getiuservalue(L, ud, UV_ERR);
            return lua_error(L);
        }
        if (!live(r)) return 0;
        if (r->limit >= 0 && r->yielded >= r->limit) {
            finish(L, r, ud, SCAN_DONE);
            return 0;
        }
        if (r->state == SCAN_PAGE) {
            if (r->page_idx < r->page_len) {
                lua_getiuservalue(L, ud, UV_PAGE);
                lua_rawgeti(L, -1, ++r->page_idx);
                lua_remove(L, -2);
                /* The window opens when the script asks for a second individual: a peek at the
                 * first one (or at r:total()) costs one request, a scan overlaps from then on. */
                if (++r->yielded == 2) att_scan_fill(L, r, ud);
                return 1;
            }
            if (!more_pages(r)) {
                end_of_pages(L, r, ud);
                return 0;
            }
            r->offset += r->record_mode ? r->raw_len - r->overlap : 1;
        }
        att_scan_fetch(L, r, ud);
    }
}

int att_results_next(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    return results_step(L, check_open(L, idx), idx);
}

int att_results_keeps(lua_State *L, int idx, const char *path)
{
    Results *r = check_open(L, idx);
    return !r->proj || att_proj_keeps(r->proj, path);
}

/* ---- methods --------------------------------------------------------------------------------- */

/* r:next() -> individual or nil; also __call, so that Results is its own iterator. */
static int results_next(lua_State *L)
{
    Results *r = check_open(L, 1);
    if (!results_step(L, r, 1)) lua_pushnil(L);
    return 1;
}

/* r:total() -> totalCount, fetching the first page if needed. */
static int results_total(lua_State *L)
{
    Results *r = check_open(L, 1);
    if (r->state == SCAN_FAILED) {
        lua_getiuservalue(L, 1, UV_ERR);
        return lua_error(L);
    }
    if (r->state == SCAN_NEW) att_scan_fetch(L, r, 1);
    lua_pushinteger(L, r->total);
    return 1;
}

/* r:collect([n]) -> array of up to n (default: all remaining) individuals. */
static int results_collect(lua_State *L)
{
    Results *r = check_open(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, -1), i = 0;
    luaL_argcheck(L, n >= -1, 2, "must be >= 0");
    lua_settop(L, 1);
    lua_newtable(L);
    r->eager = 1;
    r->want = n < 0 ? -1 : r->yielded + n; /* no page is requested ahead past the n-th */
    while ((n < 0 || i < n) && results_step(L, r, 1)) lua_rawseti(L, 2, ++i);
    r->want = -1;
    return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* The adaptive part of r:stats() (the table on top): the controller's window and rate, the
 * largest window, and the timeline since the scan's first request (the state at that moment
 * first). */
static void stats_adapt(lua_State *L, const Results *r, const AttAdapt *a)
{
    int first = 0, n = 0, wmax = a->limit;
    lua_Number t0 = r->t0;
    set_int(L, "window", a->limit);
    if (att_adapt_rate(a) > 0) {
        lua_pushnumber(L, att_adapt_rate(a));
        lua_setfield(L, -2, "rate");
    }
    while (first + 1 < a->ntl && a->tl[first + 1].t <= t0) first++;
    lua_createtable(L, a->ntl - first, 0);
    for (int i = first; i < a->ntl; i++) {
        const AttAdaptPoint *p = &a->tl[i];
        if (p->window > wmax) wmax = p->window;
        lua_createtable(L, 0, 3);
        lua_pushnumber(L, p->t > t0 && t0 > 0 ? p->t - t0 : 0);
        lua_setfield(L, -2, "t");
        set_int(L, "window", p->window);
        if (p->rate > 0) {
            lua_pushnumber(L, p->rate);
            lua_setfield(L, -2, "rate");
        }
        lua_rawseti(L, -2, ++n);
    }
    lua_setfield(L, -2, "timeline");
    set_int(L, "window_max", wmax);
}

/* r:stats() -> {requests=, retries=, pages=, bytes=, yielded=, dropped=, rereads=, changes=,
 * missed=, window=, window_max=, rate=, throttled=, adaptive=, timeline=, total=} */
static int results_stats(lua_State *L)
{
    Results *r = check_results(L, 1);
    lua_Integer requests = r->requests, retries = r->retries;
    /* Pages in flight count too: the server has seen their first attempt. */
    if (r->ninflight > 0 && lua_getiuservalue(L, 1, UV_INFLIGHT) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            AttExchange *ex = luaL_testudata(L, -1, ATT_EXCHANGE_MT);
            int a = ex && ex->x ? att_xfer_response(ex->x)->attempts : 0;
            requests += a > 0;
            retries += a > 1 ? a - 1 : 0;
            lua_pop(L, 1);
        }
    }
    lua_settop(L, 1);
    lua_createtable(L, 0, 11);
    set_int(L, "requests", requests);
    set_int(L, "retries", retries);
    set_int(L, "pages", r->pages);
    set_int(L, "bytes", r->bytes);
    set_int(L, "yielded", r->yielded);
    set_int(L, "dropped", r->dropped);
    set_int(L, "rereads", r->rereads);
    set_int(L, "changes", r->changes);
    set_int(L, "missed", r->missed);
    if (r->total >= 0) set_int(L, "total", r->total);
    /* The client's controller (the client the scan captured, else the current one). */
    AttClient *c = NULL;
    if (lua_getiuservalue(L, 1, UV_CLIENT) != LUA_TNIL) c = luaL_testudata(L, -1, ATT_CLIENT_MT);
    lua_pop(L, 1);
    const AttAdapt *a = c ? att_http_adapt(c->http) : NULL;
    AttHttpCounters hn;
    att_http_counters(c ? c->http : NULL, &hn);
    set_int(L, "throttled", r->t0 > 0 ? hn.throttled - r->throttled0 : 0);
    lua_pushboolean(L, r->adaptive);
    lua_setfield(L, -2, "adaptive");
    if (a && r->adaptive) {
        stats_adapt(L, r, a);
    } else {
        int w = r->window, hw = c ? att_http_window(c->http) : 0;
        if (hw > 0 && hw < w) w = hw;
        set_int(L, "window", w);
        set_int(L, "window_max", w);
        if (att_api_get(L)->cfg.rate > 0) {
            lua_pushnumber(L, att_api_get(L)->cfg.rate);
            lua_setfield(L, -2, "rate");
        }
        lua_createtable(L, 1, 0);
        lua_createtable(L, 0, 2);
        lua_pushnumber(L, 0);
        lua_setfield(L, -2, "t");
        set_int(L, "window", w);
        lua_rawseti(L, -2, 1);
        lua_setfield(L, -2, "timeline");
    }
    return 1;
}

/* ---- loops that release what they hold ------------------------------------------------------ */

#define ATT_GUARD_MT "att.ScanGuard"

/* The to-be-closed value of r:each() and the walkers: leaving the loop (break, return, an error)
 * cancels the pages in flight at once; the scan itself stays usable (a later loop or r:next()
 * requests them again). */
static int guard_close(lua_State *L)
{
    Results *r;
    luaL_checkudata(L, 1, ATT_GUARD_MT);
    lua_getiuservalue(L, 1, 1);
    r = luaL_testudata(L, -1, ATT_RESULTS_MT);
    if (r && live(r)) att_scan_cancel(L, r, lua_gettop(L));
    return 0;
}

int att_results_loop(lua_State *L, int idx)
{
    Results *r = check_open(L, idx);
    idx = lua_absindex(L, idx);
    r->eager = 1;
    lua_newuserdatauv(L, 0, 1);
    if (luaL_newmetatable(L, ATT_GUARD_MT)) {
        lua_pushcfunction(L, guard_close);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    lua_pushvalue(L, idx);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* for p in r:each() do ... end: the individuals, with the to-be-closed fourth value. */
static int each_iter(lua_State *L)
{
    Results *r = check_open(L, 1);
    lua_settop(L, 1);
    if (!results_step(L, r, 1)) lua_pushnil(L);
    return 1;
}

static int results_each(lua_State *L)
{
    check_open(L, 1);
    lua_settop(L, 1);
    lua_pushcfunction(L, each_iter);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    att_results_loop(L, 1);
    return 4;
}

/* r:close(), __close and __gc: release the page; closing twice is harmless. */
static int results_close(lua_State *L)
{
    Results *r = check_results(L, 1);
    if (r->state != SCAN_CLOSED) finish(L, r, 1, SCAN_CLOSED);
    return 0;
}

static int results_tostring(lua_State *L)
{
    static const char *const STATE[] = {"not started", "scanning", "finished", "failed", "closed"};
    Results *r = check_results(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "att.Results{");
    lua_getiuservalue(L, 1, UV_PARAMS);
    lua_getfield(L, -1, "serviceType");
    if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pushfstring(L, "serviceType=%s, ", lua_tostring(L, -1));
        lua_remove(L, -2);
    } else {
        lua_pop(L, 1);
        lua_pushliteral(L, "");
    }
    lua_remove(L, -2);
    luaL_addvalue(&b);
    lua_pushfstring(L, "pageSize=%I, paging=%s}: ", (LUAI_UACINT)r->page_size, r->record_mode ? "record" : "page");
    luaL_addvalue(&b);
    luaL_addstring(&b, STATE[r->state]);
    if (r->pages > 0) {
        lua_pushfstring(L, ", %I of %I yielded, %I requests", (LUAI_UACINT)r->yielded, (LUAI_UACINT)r->total,
                        (LUAI_UACINT)r->requests);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- att.search ------------------------------------------------------------------------------ */

#define MAX_POSITION 9007199254740992.0 /* 2^53: positions and offsets att can address */

static const char *const PAGING[] = {"page", "record", NULL};
static const char *const DRIFT[] = {"error", "warn", NULL};
static const AttOpt PARAMS[] = {
    {"pageSize", ATT_OPT_INT, 1, 2147483647.0, NULL, ATT_OPT_NONE, 0},
    {"pageOffset", ATT_OPT_INT, 1, MAX_POSITION, NULL, ATT_OPT_NONE, 0},
};
static const AttOpt OPTS[] = {
    {"limit", ATT_OPT_INT, 0, HUGE_VAL, NULL, ATT_OPT_NONE, 0},
    {"paging", ATT_OPT_CHOICE, 0, 0, PAGING, ATT_OPT_NONE, 0},
    {"window", ATT_OPT_INT, 1, 64, NULL, ATT_OPT_NONE, 0},
    {"fields", ATT_OPT_OWNER, 0, 0, NULL, ATT_OPT_NONE, 0}, /* att_proj_compile checks it */
    {"overlap", ATT_OPT_INT, 0, 2147483646.0, NULL, ATT_OPT_NONE, 0},
    {"drift", ATT_OPT_CHOICE, 0, 0, DRIFT, ATT_OPT_NONE, 0},
    {"fields_ok", ATT_OPT_OWNER, 0, 0, NULL, ATT_OPT_NONE, 0}, /* att_fields_check checks it */
    {"project", ATT_OPT_OWNER, 0, 0, NULL, ATT_OPT_NONE, 0},   /* a boolean, checked below */
    {NULL, ATT_OPT_INT, 0, 0, NULL, 0, 0},
};

/* Copies params (at 1) to a new table (so that later changes to the caller's table do not change
 * the scan), checks serviceType, pageSize and pageOffset and everything is encodable; pushes the
 * copy with pageSize and pageOffset set. [-0, +1, e] */
static void push_params(lua_State *L, lua_Integer *size, lua_Integer *offset)
{
    AttBuf b = {0};
    char err[160];
    int i, rc, t;
    att_copy_table(L, 1);
    t = lua_gettop(L);
    if (lua_getfield(L, t, "serviceType") != LUA_TNIL && (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0))
        luaL_error(L, "att.search: serviceType must be a non-empty string (got %s)",
                   lua_type(L, -1) == LUA_TSTRING ? lua_pushfstring(L, "\"%s\"", lua_tostring(L, -1))
                                                  : luaL_tolstring(L, -1, NULL));
    lua_pop(L, 1);
    for (i = 0; i < 2; i++) {
        lua_Integer v = i == 0 ? 50 : 1; /* the defaults: pageSize 50, pageOffset 1 */
        if (lua_getfield(L, t, PARAMS[i].name) != LUA_TNIL) {
            att_opt_check(L, -1, "att.search", "", &PARAMS[i]);
            v = lua_tointeger(L, -1);
        }
        lua_pop(L, 1);
        lua_pushinteger(L, v);
        lua_setfield(L, t, PARAMS[i].name);
        *(i == 0 ? size : offset) = v;
    }
    rc = att_json_encode(L, t, &b, err, sizeof err); /* everything else must be encodable */
    att_buf_free(&b);
    if (rc != 0) luaL_error(L, "att.search: params: %s", err);
}

/* opts.project (opts at 2) is false: whole records, whatever the pipeline declares. [-0, +1, e] */
static int opt_no_project(lua_State *L)
{
    if (lua_getfield(L, 2, "project") != LUA_TNIL && !lua_isboolean(L, -1))
        luaL_error(L, "att.search: opts.project must be a boolean (got %s)", luaL_typename(L, -1));
    return lua_isboolean(L, -1) && !lua_toboolean(L, -1);
}

int att_results_search(lua_State *L)
{
    const AttApiConfig *cfg = &att_api_get(L)->cfg;
    Results *r;
    lua_Integer size, offset, limit = -1, overlap = 0, pos;
    int record_mode = 0, drift_warn = 0, no_project = 0, window = cfg->window > 0 ? cfg->window : 1;
    int adaptive = cfg->adaptive;
    if (adaptive) window = ATT_ADAPT_MAX; /* requested ahead; the client's controller paces them */
    const AttProj *proj = NULL;

    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    push_params(L, &size, &offset); /* 3 */
    lua_pushnil(L);                 /* 4: the projection */
    if (lua_istable(L, 2)) {
        att_opts_check(L, 2, "att.search", "opts.", "option", OPTS);
        if (lua_getfield(L, 2, "limit") != LUA_TNIL) limit = lua_tointeger(L, -1);
        if (lua_getfield(L, 2, "window") != LUA_TNIL) {
            if (cfg->safe && lua_tointeger(L, -1) > window)
                luaL_error(L,
                           "att.search: opts.window %d is above the window of %d, which a --safe script cannot raise",
                           (int)lua_tointeger(L, -1), window);
            window = (int)lua_tointeger(L, -1);
            adaptive = 0;
        }
        if (lua_getfield(L, 2, "paging") != LUA_TNIL) record_mode = lua_tostring(L, -1)[0] == 'r';
        if (lua_getfield(L, 2, "overlap") != LUA_TNIL) overlap = lua_tointeger(L, -1);
        if (lua_getfield(L, 2, "drift") != LUA_TNIL) drift_warn = lua_tostring(L, -1)[0] == 'w';
        lua_pop(L, 5);
        if (overlap > 0 && !record_mode)
            luaL_error(L, "att.search: opts.overlap needs opts.paging = \"record\" (page numbers cannot overlap)");
        if (overlap >= size)
            luaL_error(L, "att.search: opts.overlap %I must be below pageSize %I", (LUAI_UACINT)overlap,
                       (LUAI_UACINT)size);
        no_project = opt_no_project(L);
        if (lua_getfield(L, 2, "fields") != LUA_TNIL) {
            proj = att_proj_compile(L, -1, "att.search");
            lua_replace(L, 4);
        }
        lua_settop(L, 4);
    }
    att_fields_check(L, 3, lua_istable(L, 2) ? 2 : 0);

    /* Every position of the scan must be addressable: (pageOffset - 1) * pageSize at most 2^53. */
    if (!record_mode && (__builtin_mul_overflow(offset - 1, size, &pos) || (double)pos > MAX_POSITION))
        luaL_error(L, "att.search: pageOffset %I with pageSize %I is past the last position att can address (2^53)",
                   (LUAI_UACINT)offset, (LUAI_UACINT)size);

    r = lua_newuserdatauv(L, sizeof *r, UV_COUNT);
    memset(r, 0, sizeof *r);
    r->overlap = overlap;
    r->drift_warn = drift_warn;
    r->start_offset = offset;
    r->state = SCAN_NEW;
    r->proj = proj;
    r->proj_decided = proj || no_project;
    lua_pushvalue(L, 4);
    lua_setiuservalue(L, -2, UV_PROJ);
    if (proj) { /* r:projection() gives opts.fields as the user wrote it */
        lua_getfield(L, 2, "fields");
        att_copy_table(L, -1);
        lua_setiuservalue(L, -3, UV_FIELDS);
        lua_pop(L, 1);
    }
    r->record_mode = record_mode;
    r->page_size = r->eff_size = size;
    r->offset = offset;
    r->total = -1;
    r->limit = limit;
    r->window = window;
    r->adaptive = adaptive;
    r->want = -1;
    luaL_setmetatable(L, ATT_RESULTS_MT);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, -2, UV_PARAMS);
    att_copy_table(L, 3); /* what att.last_search() returns (the scan's own copy changes) */
    lua_setfield(L, LUA_REGISTRYINDEX, ATT_LAST_SEARCH_KEY);
    return 1;
}

int att_results_feed(lua_State *L)
{
    /* Arguments: a Results (from att.search), then response bodies; each body is treated as the
     * next page received (decoded, checked, consumed), as fetch_page would. For the fuzzer. */
    Results *r = check_open(L, 1);
    int i, n = lua_gettop(L);
    for (i = 2; i <= n; i++) {
        size_t len;
        const char *body = luaL_checklstring(L, i, &len);
        AttExchange *ex = lua_newuserdatauv(L, sizeof *ex, 0);
        memset(ex, 0, sizeof *ex);
        luaL_setmetatable(L, ATT_EXCHANGE_MT);
        ex->resp.status = 200;
        snprintf(ex->url, sizeof ex->url, "fuzz:");
        if (!att_json_decode_proj(L, body, len, r->proj)) {
            att_error_push(L, "json", 200, ex->url, lua_tostring(L, -1), 0, body, len);
            return att_scan_fail(L, r, 1);
        }
        if (!att_scan_accept(L, r, 1, ex, lua_gettop(L))) {
            lua_pop(L, 2);
            continue; /* not placed: the next body stands for it */
        }
        lua_pop(L, 2);
        while (r->page_idx < r->page_len && results_step(L, r, 1)) lua_pop(L, 1);
        if (!more_pages(r)) break;
        r->offset += r->record_mode ? r->raw_len - r->overlap : 1;
    }
    lua_pushinteger(L, r->yielded);
    return 1;
}

void att_results_init(lua_State *L)
{
    static const luaL_Reg methods[] = {{"next", results_next},
                                       {"total", results_total},
                                       {"collect", results_collect},
                                       {"stats", results_stats},
                                       {"close", results_close},
                                       {"each", results_each},
                                       {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__call", results_next}, {"__close", results_close},
                                    {"__gc", results_close},  {"__tostring", results_tostring},
                                    {"__index", NULL},        {NULL, NULL}};
    if (luaL_newmetatable(L, ATT_RESULTS_MT)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        att_results_walkers(L);
        att_results_projection(L);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    att_exchange_init(L);
}
