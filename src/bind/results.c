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
#include <stdio.h>
#include <string.h>

#include "bind/api.h"
#include "bind/error.h"
#include "bind/exchange.h"
#include "bind/options.h"
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

/* Cancels every page requested ahead (the scan ended or failed). [-0, +0, -] */
static void cancel_inflight(lua_State *L, Results *r, int ud)
{
    if (r->ninflight > 0 && lua_getiuservalue(L, ud, UV_INFLIGHT) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            AttExchange *ex = luaL_testudata(L, -1, ATT_EXCHANGE_MT);
            if (ex) att_exchange_cancel(ex);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (r->ninflight > 0) {
        lua_pop(L, 1);
    }
    r->ninflight = 0;
    set_uv_nil(L, ud, UV_INFLIGHT);
}

/* Ends the scan in state `to` (done, failed or closed): nothing more is requested or yielded. */
static void finish(lua_State *L, Results *r, int ud, ScanState to)
{
    if (live(r)) att_api_progress(L, 0, 0, 0, 0, 1);
    cancel_inflight(L, r, ud);
    r->state = to;
    r->page_len = r->page_idx = r->raw_len = 0;
    set_uv_nil(L, ud, UV_PAGE);
    set_uv_nil(L, ud, UV_IDS);
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

/* Position (0-based) in the whole result of the first record of the page at pageOffset off. */
static lua_Integer page_pos(const Results *r, lua_Integer off)
{
    return r->record_mode ? off - 1 : (off - 1) * r->eff_size;
}

/* Keeps up to window-1 pages requested ahead of the page at r->offset, within what the scan can
 * still need (totalCount, opts.limit). Needs totalCount, so only after the first page; called once
 * the second individual is asked for, then each time a page is taken. */
static void fill_window(lua_State *L, Results *r, int ud)
{
    lua_Integer step = r->record_mode ? r->eff_size : 1, end;
    int top = lua_gettop(L);
    if (r->window <= 1 || r->state != SCAN_PAGE || att_api_get(L)->cfg.replay_dir) return;
    end = r->total;
    if (r->limit >= 0 && r->start_pos + r->limit < end) end = r->start_pos + r->limit;
    if (r->next_submit <= r->offset) r->next_submit = r->offset + step;
    if (lua_getiuservalue(L, ud, UV_INFLIGHT) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, ud, UV_INFLIGHT);
    }
    while (r->ninflight < r->window - 1 && page_pos(r, r->next_submit) < end) {
        lua_getiuservalue(L, ud, UV_PARAMS);
        lua_pushinteger(L, r->next_submit);
        lua_setfield(L, -2, "pageOffset");
        att_exchange_start(L, "POST", ATT_SEARCH_PATH, lua_gettop(L));
        lua_rawseti(L, top + 1, r->next_submit);
        lua_pop(L, 1);
        r->ninflight++;
        r->next_submit += step;
    }
    lua_settop(L, top);
    att_http_poll(att_api_http(L)); /* send them now, while the script works */
}

/* Requests the page at r->offset (or takes the one requested ahead) and makes it the page in
 * hand. [-0, +0, e] */
static void fetch_page(lua_State *L, Results *r, int ud)
{
    AttExchange *ex = NULL;
    int top = lua_gettop(L), ok;

    if (r->t0 == 0) r->t0 = att_now();
    if (r->ninflight > 0 && lua_getiuservalue(L, ud, UV_INFLIGHT) == LUA_TTABLE) {
        if (lua_rawgeti(L, -1, r->offset) == LUA_TUSERDATA) {
            ex = luaL_checkudata(L, -1, ATT_EXCHANGE_MT);
            lua_pushnil(L);
            lua_rawseti(L, -3, r->offset);
            r->ninflight--;
        } else {
            lua_pop(L, 1);
        }
    }
    if (!ex) {
        lua_settop(L, top);
        lua_getiuservalue(L, ud, UV_PARAMS);
        lua_pushinteger(L, r->offset);
        lua_setfield(L, -2, "pageOffset");
        ex = att_exchange_start(L, "POST", ATT_SEARCH_PATH, top + 1);
    }
    fill_window(L, r, ud);
    ex->proj = r->proj;
    ok = att_exchange_finish(L, ex, 1);
    r->requests++;
    r->bytes += (lua_Integer)ex->resp.body.len;
    if (ex->resp.attempts > 1) r->retries += ex->resp.attempts - 1;
    if (!ok) att_scan_fail(L, r, ud);
    att_scan_accept(L, r, ud, ex, lua_gettop(L));
    lua_settop(L, top);
    if (r->pages == 1) r->start_pos = r->base;
    att_api_progress(L, (long long)(r->base + r->raw_len), (long long)r->total, (long long)r->pages, r->t0, 0);
}

/* The page in hand is used up: is there more to ask for? */
static int more_pages(const Results *r)
{
    if (r->raw_len == 0 || r->raw_len < r->eff_size) return 0; /* empty or short page */
    if (r->total >= 0 && r->base + r->raw_len >= r->total) return 0;
    return 1;
}

/* The last page was taken: the scan is done. A short or empty last page before totalCount is not
 * an error (totalCount may be an estimate), but never silent. */
static void end_of_pages(lua_State *L, Results *r, int ud)
{
    if (r->total >= 0 && r->base + r->raw_len < r->total && r->limit < 0 && !r->total_changed)
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
                if (++r->yielded == 2) fill_window(L, r, ud);
                return 1;
            }
            if (!more_pages(r)) {
                end_of_pages(L, r, ud);
                return 0;
            }
            r->offset += r->record_mode ? r->raw_len : 1;
        }
        fetch_page(L, r, ud);
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
    if (r->state == SCAN_NEW) fetch_page(L, r, 1);
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
    while ((n < 0 || i < n) && results_step(L, r, 1)) lua_rawseti(L, 2, ++i);
    return 1;
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* r:stats() -> {requests=, pages=, bytes=, retries=, yielded=, dropped=, window=, total=} */
static int results_stats(lua_State *L)
{
    Results *r = check_results(L, 1);
    lua_createtable(L, 0, 8);
    set_int(L, "requests", r->requests);
    set_int(L, "retries", r->retries);
    set_int(L, "pages", r->pages);
    set_int(L, "bytes", r->bytes);
    set_int(L, "yielded", r->yielded);
    set_int(L, "dropped", r->dropped);
    set_int(L, "window", r->window);
    if (r->total >= 0) set_int(L, "total", r->total);
    return 1;
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

static const char *const PAGING[] = {"page", "record", NULL};
static const AttOpt PARAMS[] = {
    {"pageSize", ATT_OPT_INT, 1, HUGE_VAL, NULL, ATT_OPT_NONE, 0},
    {"pageOffset", ATT_OPT_INT, 1, HUGE_VAL, NULL, ATT_OPT_NONE, 0},
};
static const AttOpt OPTS[] = {
    {"limit", ATT_OPT_INT, 0, HUGE_VAL, NULL, ATT_OPT_NONE, 0},
    {"paging", ATT_OPT_CHOICE, 0, 0, PAGING, ATT_OPT_NONE, 0},
    {"window", ATT_OPT_INT, 1, 64, NULL, ATT_OPT_NONE, 0},
    {"fields", ATT_OPT_OWNER, 0, 0, NULL, ATT_OPT_NONE, 0}, /* att_proj_compile checks it */
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
    lua_newtable(L);
    t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, t);
    }
    if (lua_getfield(L, t, "serviceType") != LUA_TNIL && (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0))
        luaL_error(L, "att.search: serviceType must be a non-empty string (got %s)", luaL_tolstring(L, -1, NULL));
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

int att_results_search(lua_State *L)
{
    const AttApiConfig *cfg = &att_api_get(L)->cfg;
    Results *r;
    lua_Integer size, offset, limit = -1;
    int record_mode = 0, window = cfg->window > 0 ? cfg->window : 1;
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
        }
        if (lua_getfield(L, 2, "paging") != LUA_TNIL) record_mode = lua_tostring(L, -1)[0] == 'r';
        lua_pop(L, 3);
        if (lua_getfield(L, 2, "fields") != LUA_TNIL) {
            proj = att_proj_compile(L, -1, "att.search");
            lua_replace(L, 4);
        }
        lua_settop(L, 4);
    }

    r = lua_newuserdatauv(L, sizeof *r, UV_COUNT);
    memset(r, 0, sizeof *r);
    r->state = SCAN_NEW;
    r->proj = proj;
    lua_pushvalue(L, 4);
    lua_setiuservalue(L, -2, UV_PROJ);
    r->record_mode = record_mode;
    r->page_size = r->eff_size = size;
    r->offset = offset;
    r->total = -1;
    r->limit = limit;
    r->window = window;
    luaL_setmetatable(L, ATT_RESULTS_MT);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, -2, UV_PARAMS);
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
        att_scan_accept(L, r, 1, ex, lua_gettop(L));
        lua_pop(L, 2);
        while (r->page_idx < r->page_len && results_step(L, r, 1)) lua_pop(L, 1);
        if (!more_pages(r)) break;
        r->offset += r->record_mode ? r->raw_len : 1;
    }
    lua_pushinteger(L, r->yielded);
    return 1;
}

void att_results_init(lua_State *L)
{
    static const luaL_Reg methods[] = {{"next", results_next},   {"total", results_total}, {"collect", results_collect},
                                       {"stats", results_stats}, {"close", results_close}, {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__call", results_next}, {"__close", results_close},
                                    {"__gc", results_close},  {"__tostring", results_tostring},
                                    {"__index", NULL},        {NULL, NULL}};
    if (luaL_newmetatable(L, ATT_RESULTS_MT)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        att_results_walkers(L);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    att_exchange_init(L);
}
