/* results.c — att.search and its Results userdata.
 *
 * A Results is a small state machine: not started -> page in hand -> (page used up) -> next page
 * requested -> page in hand -> ... -> done or failed. Every consumer (__call, next, collect, total,
 * and the accounts/subscribers/products walkers) drives the same step function, results_step().
 * Lua values live in user values: the request parameters, the page in hand, the ids of the page in
 * hand (to detect a server that ignores pageOffset) and the error that ended the scan. */
#include "bind/results.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bind/error.h"
#include "bind/api.h"

enum { UV_PARAMS = 1, UV_PAGE, UV_IDS, UV_ERR, UV_INFLIGHT, UV_PROJ, UV_COUNT = UV_PROJ };

typedef struct Results {
    int closed, started, done, failed, record_mode;
    lua_Integer page_size;          /* requested pageSize */
    lua_Integer eff_size;           /* the server's pageInfo.pageSize when it gives one */
    lua_Integer offset;             /* pageOffset of the page in hand (of the first page before that) */
    lua_Integer total;              /* totalCount, -1 until known */
    lua_Integer base;               /* 0-based position of the page in hand within the whole result */
    lua_Integer yielded, limit;     /* limit -1: none */
    lua_Integer page_len, page_idx; /* individuals to yield from the page in hand, next index */
    lua_Integer raw_len;            /* individuals the server sent on that page */
    lua_Integer dropped;            /* duplicates dropped after totalCount changed */
    int total_changed;
    double t0; /* monotonic time of the first request, for progress */
    lua_Integer requests, pages, bytes, retries;
    int window;              /* pages in flight at most (1: one after the other) */
    int ninflight;           /* pages requested ahead, in UV_INFLIGHT by pageOffset */
    lua_Integer next_submit; /* the next pageOffset to request ahead */
    lua_Integer start_pos;   /* position of the first record of the scan */
    const AttProj *proj;     /* opts.fields (kept alive in UV_PROJ), or NULL */
} Results;

/* ---- Results ------------------------------------------------------------------------------ */

static Results *check_results(lua_State *L, int idx) { return luaL_checkudata(L, idx, ATT_RESULTS_MT); }

static Results *check_open(lua_State *L, int idx)
{
    Results *r = check_results(L, idx);
    if (r->closed) luaL_error(L, "attempt to use a closed att.Results");
    return r;
}

static void set_uv_nil(lua_State *L, int ud, int n)
{
    lua_pushnil(L);
    lua_setiuservalue(L, ud, n);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cancel_inflight(lua_State *L, Results *r, int ud);

static void finish(lua_State *L, Results *r, int ud)
{
    if (!r->done) att_api_progress(L, 0, 0, 0, 0, 1);
    cancel_inflight(L, r, ud);
    r->done = 1;
    r->page_len = r->page_idx = r->raw_len = 0;
    set_uv_nil(L, ud, UV_PAGE);
    set_uv_nil(L, ud, UV_IDS);
}

/* Error object on top: remember it, end the scan, raise it. */
static int fail(lua_State *L, Results *r, int ud)
{
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, ud, UV_ERR);
    finish(L, r, ud);
    r->failed = 1;
    return lua_error(L);
}

static int protocol_error(lua_State *L, Results *r, int ud, const AttExchange *ex, const char *msg)
{
    att_error_push(L, "protocol", ex->resp.status, ex->url, msg, 0, ex->resp.body, ex->resp.len);
    return fail(L, r, ud);
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

/* Checks a decoded response (at resp) against the contract and makes it the page in hand; raises
 * a protocol error (and ends the scan) when it is not a page. [-0, +0, e] */
static void accept_page(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp)
{
    int top = lua_gettop(L), individuals, ids;
    lua_Integer total, n, i;
    char msg[200];

    if (lua_type(L, resp) != LUA_TTABLE) protocol_error(L, r, ud, ex, "response is not a JSON object");
    lua_getfield(L, resp, "totalCount");
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
        protocol_error(L, r, ud, ex, "response has no totalCount (a non-negative integer)");
    total = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, resp, "individuals");
    if (lua_type(L, -1) != LUA_TTABLE) protocol_error(L, r, ud, ex, "response has no individuals array");
    individuals = lua_gettop(L);
    n = (lua_Integer)lua_rawlen(L, individuals);

    lua_getfield(L, resp, "pageInfo");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "pageSize");
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) r->eff_size = lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    if (r->started && total != r->total) {
        /* Records were added or removed while we paged: offsets shifted. Not fatal, never silent. */
        att_api_warn(
            L,
            "totalCount changed from %lld to %lld during the scan (at pageOffset %lld); "
            "records may shift between pages: duplicates are dropped by id, and some individuals may be missed",
            (long long)r->total, (long long)total, (long long)r->offset);
        r->total_changed = 1;
    }

    /* A page sharing an individual with the previous page means the server does not page the way
     * we asked (stop rather than loop or yield duplicates), unless totalCount changed: then the
     * records shifted, and the ones already yielded are dropped. */
    lua_createtable(L, 0, (int)(n < 1 << 20 ? n : 1 << 20));
    ids = lua_gettop(L);
    lua_getiuservalue(L, ud, UV_IDS);
    if (r->total_changed)
        lua_newtable(L); /* ids + 2: the individuals to yield */
    else
        lua_pushvalue(L, individuals); /* (all of them) */
    for (i = 1; i <= n; i++) {
        push_id(L, individuals, i);
        if (!lua_isnil(L, -1) && lua_type(L, ids + 1) == LUA_TTABLE) {
            lua_pushvalue(L, -1);
            if (lua_rawget(L, ids + 1) != LUA_TNIL) {
                if (r->total_changed) {
                    lua_pop(L, 2);
                    r->dropped++;
                    continue;
                }
                if (i == 1 && lua_tointeger(L, -1) == 1)
                    snprintf(msg, sizeof msg,
                             "the page at pageOffset %lld repeats the previous page "
                             "(the server ignores pageOffset)",
                             (long long)r->offset);
                else
                    snprintf(msg, sizeof msg,
                             "the page at pageOffset %lld overlaps the previous page "
                             "(the server pages differently; try paging = \"%s\")",
                             (long long)r->offset, r->record_mode ? "page" : "record");
                protocol_error(L, r, ud, ex, msg);
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
    r->started = 1;
    r->pages++;
    r->total = total;
    r->raw_len = n;
    r->page_len = (lua_Integer)lua_rawlen(L, individuals);
    r->page_idx = 0;
    r->base = r->record_mode ? r->offset - 1 : (r->offset - 1) * r->eff_size;
    lua_settop(L, top);
}

/* Position (0-based) in the whole result of the first record of the page at pageOffset off. */
static lua_Integer page_pos(const Results *r, lua_Integer off)
{
    return r->record_mode ? off - 1 : (off - 1) * r->eff_size;
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
    lua_pushnil(L);
    lua_setiuservalue(L, ud, UV_INFLIGHT);
}

/* Keeps up to window-1 pages requested ahead of the page at r->offset, within what the scan can
 * still need (totalCount, opts.limit). Needs totalCount, so only after the first page; called once
 * the second individual is asked for, then each time a page is taken. */
static void fill_window(lua_State *L, Results *r, int ud)
{
    lua_Integer step = r->record_mode ? r->eff_size : 1, end;
    int top = lua_gettop(L);
    if (r->window <= 1 || !r->started || r->done || att_api_get(L)->cfg.replay_dir) return;
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

    if (r->t0 == 0) r->t0 = now_seconds();
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
    r->bytes += (lua_Integer)ex->resp.len;
    if (ex->resp.attempts > 1) r->retries += ex->resp.attempts - 1;
    if (!ok) {
        att_api_progress(L, 0, 0, 0, 0, 1);
        fail(L, r, ud);
    }
    accept_page(L, r, ud, ex, lua_gettop(L));
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

/* Pushes the next individual and returns 1, or returns 0 at the end. [-0, +(0|1), e] */
static int results_step(lua_State *L, Results *r, int ud)
{
    for (;;) {
        if (r->failed) {
            lua_getiuservalue(L, ud, UV_ERR);
            lua_error(L);
        }
        if (r->done) return 0;
        if (r->limit >= 0 && r->yielded >= r->limit) {
            finish(L, r, ud);
            return 0;
        }
        if (r->started && r->page_idx < r->page_len) {
            lua_getiuservalue(L, ud, UV_PAGE);
            lua_rawgeti(L, -1, ++r->page_idx);
            lua_remove(L, -2);
            /* The window opens when the script asks for a second individual: a peek at the first
             * one (or at r:total()) costs one request, a scan overlaps from then on. */
            if (++r->yielded == 2) fill_window(L, r, ud);
            return 1;
        }
        if (r->started) {
            if (!more_pages(r)) {
                att_api_progress(L, 0, 0, 0, 0, 1);
                if (r->total >= 0 && r->base + r->raw_len < r->total && r->limit < 0 && !r->total_changed)
                    /* Not an error (totalCount may be an estimate), but never silent. */
                    att_api_warn(L,
                                 "the scan ended at a %s page (pageOffset %lld) after %lld "
                                 "of totalCount %lld; the server may page differently (see opts.paging)",
                                 r->raw_len ? "short" : "empty", (long long)r->offset,
                                 (long long)(r->base + r->raw_len), (long long)r->total);
                finish(L, r, ud);
                return 0;
            }
            r->offset += r->record_mode ? r->raw_len : 1;
        }
        fetch_page(L, r, ud);
    }
}

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
    if (r->failed) {
        lua_getiuservalue(L, 1, UV_ERR);
        return lua_error(L);
    }
    if (!r->started) fetch_page(L, r, 1);
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

/* r:stats() -> {requests=, pages=, bytes=, retries=, yielded=, total=} */
static int results_stats(lua_State *L)
{
    Results *r = check_results(L, 1);
    lua_createtable(L, 0, 6);
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
    if (!r->closed) {
        r->closed = 1;
        finish(L, r, 1);
    }
    return 0;
}

static int results_tostring(lua_State *L)
{
    Results *r = check_results(L, 1);
    luaL_Buffer b;
    const char *st;
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
    st = r->closed ? "closed" : r->failed ? "failed" : r->done ? "finished" : r->started ? "scanning" : "not started";
    luaL_addstring(&b, st);
    if (r->started) {
        lua_pushfstring(L, ", %I of %I yielded, %I requests", (LUAI_UACINT)r->yielded, (LUAI_UACINT)r->total,
                        (LUAI_UACINT)r->requests);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- accounts / subscribers / products walkers -------------------------------------------- */

static const char *const LEVEL_FIELD[] = {"accounts", "subscribers", "products"};
#define W_IDX 10 /* the walker state table keeps items at 0..3 and indices at 11..13 */

/* Iterator for depth D (1 accounts, 2 subscribers, 3 products): yields the item at depth D and its
 * parents up to the individual. Upvalues: the Results, the state table, D. */
static int walk_iter(lua_State *L)
{
    int st = lua_upvalueindex(2);
    int depth = (int)lua_tointeger(L, lua_upvalueindex(3));
    int k = depth, top = lua_gettop(L);
    Results *r = check_open(L, lua_upvalueindex(1));

    for (;;) {
        lua_Integer i;
        int t;
        lua_settop(L, top);
        if (k == 0) {
            lua_pushvalue(L, lua_upvalueindex(1));
            if (!results_step(L, r, top + 1)) return 0;
            lua_rawseti(L, st, 0);
            lua_pushinteger(L, 0);
            lua_rawseti(L, st, W_IDX + 1);
            k = 1;
            continue;
        }
        if (lua_rawgeti(L, st, k - 1) != LUA_TTABLE) { /* no parent yet */
            k--;
            continue;
        }
        lua_getfield(L, -1, LEVEL_FIELD[k - 1]); /* the parent's array */
        lua_rawgeti(L, st, W_IDX + k);
        i = lua_tointeger(L, -1) + 1;
        lua_pop(L, 1);
        t = lua_type(L, -1) == LUA_TTABLE ? lua_rawgeti(L, -1, i) : LUA_TNIL;
        if (t == LUA_TNIL) { /* level k used up: advance its parent */
            lua_pushnil(L);
            lua_rawseti(L, st, k - 1);
            k--;
            continue;
        }
        lua_pushinteger(L, i);
        lua_rawseti(L, st, W_IDX + k);
        if (t != LUA_TTABLE) continue; /* a null item: skip it */
        lua_rawseti(L, st, k);
        if (k == depth) break;
        lua_pushinteger(L, 0);
        lua_rawseti(L, st, W_IDX + k + 1);
        k++;
    }
    lua_settop(L, top);
    for (k = depth; k >= 0; k--) lua_rawgeti(L, st, k);
    return depth + 1;
}

static int make_walker(lua_State *L, int depth)
{
    static const char *const PATH[] = {"accounts", "accounts.subscribers", "accounts.subscribers.products"};
    Results *r = check_open(L, 1);
    if (r->proj && !att_proj_keeps(r->proj, PATH[depth - 1]))
        return luaL_error(L, "att.Results:%s(): opts.fields keeps nothing under %s (add a path such as \"%s.id\")",
                          LEVEL_FIELD[depth - 1], PATH[depth - 1], PATH[depth - 1]);
    lua_settop(L, 1);
    lua_newtable(L);
    lua_pushinteger(L, depth);
    lua_pushcclosure(L, walk_iter, 3);
    return 1;
}
static int results_accounts(lua_State *L) { return make_walker(L, 1); }
static int results_subscribers(lua_State *L) { return make_walker(L, 2); }
static int results_products(lua_State *L) { return make_walker(L, 3); }

/* ---- att.search ---------------------------------------------------------------------------- */

/* Reads params[field] as an integer >= 1 (an integral float is accepted), default dflt. */
static lua_Integer positive_field(lua_State *L, int params, const char *field, lua_Integer dflt)
{
    lua_Integer v = dflt;
    int t = lua_getfield(L, params, field);
    if (t != LUA_TNIL) {
        int isint = 0;
        if (t == LUA_TNUMBER) v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < 1)
            luaL_error(L, "att.search: %s must be an integer >= 1 (got %s)", field, luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
    return v;
}

static const char *const OPTS[] = {"limit", "paging", "window", "fields", NULL};

int att_results_search(lua_State *L)
{
    Results *r;
    lua_Integer size, offset, limit = -1;
    int record_mode = 0, window = att_api_get(L)->cfg.window > 0 ? att_api_get(L)->cfg.window : 1;
    AttBuf b = {0};
    char err[160];
    int rc;
    const AttProj *proj = NULL;

    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);

    /* A copy of params, so that later changes to the caller's table do not change the scan. */
    lua_newtable(L); /* 3: params copy */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 3);
    }
    switch (lua_getfield(L, 3, "serviceType")) {
    case LUA_TNIL: break;
    case LUA_TSTRING:
        if (lua_rawlen(L, -1) > 0) break;
        /* fall through */
    default:
        return luaL_error(L, "att.search: serviceType must be a non-empty string (got %s)",
                          luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
    size = positive_field(L, 3, "pageSize", 50);
    offset = positive_field(L, 3, "pageOffset", 1);
    lua_pushinteger(L, size);
    lua_setfield(L, 3, "pageSize");
    lua_pushinteger(L, offset);
    lua_setfield(L, 3, "pageOffset");
    rc = att_json_encode(L, 3, &b, err, sizeof err); /* everything else must be encodable */
    att_buf_free(&b);
    if (rc != 0) return luaL_error(L, "att.search: params: %s", err);

    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            int i = 0;
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING)
                for (; OPTS[i] && strcmp(OPTS[i], lua_tostring(L, -1)) != 0; i++) {}
            if (lua_type(L, -1) != LUA_TSTRING || !OPTS[i])
                return luaL_error(L, "att.search: unknown option %s (known: limit, paging, window, fields)",
                                  luaL_tolstring(L, -1, NULL));
        }
        if (lua_getfield(L, 2, "limit") != LUA_TNIL) {
            int isint = 0;
            limit = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : -1;
            if (!isint || limit < 0)
                return luaL_error(L, "att.search: opts.limit must be an integer >= 0 (got %s)",
                                  luaL_tolstring(L, -1, NULL));
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "window") != LUA_TNIL) {
            int isint = 0;
            lua_Integer w = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
            if (!isint || w < 1 || w > 64)
                return luaL_error(L, "att.search: opts.window must be an integer from 1 to 64 (got %s)",
                                  luaL_tolstring(L, -1, NULL));
            if (att_api_get(L)->cfg.safe && w > window)
                return luaL_error(L,
                                  "att.search: opts.window %d is above the window of %d, which a --safe script "
                                  "cannot raise",
                                  (int)w, window);
            window = (int)w;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "paging") != LUA_TNIL) {
            const char *p = lua_tostring(L, -1);
            if (lua_type(L, -1) != LUA_TSTRING || (strcmp(p, "page") != 0 && strcmp(p, "record") != 0))
                return luaL_error(L, "att.search: opts.paging must be \"page\" or \"record\" (got %s)",
                                  luaL_tolstring(L, -1, NULL));
            record_mode = p[0] == 'r';
        }
        lua_pop(L, 1);
    }

    if (lua_istable(L, 2) && lua_getfield(L, 2, "fields") != LUA_TNIL) {
        proj = att_proj_compile(L, -1, "att.search");
        lua_replace(L, 4);
    }
    lua_settop(L, 4);

    r = lua_newuserdatauv(L, sizeof *r, UV_COUNT);
    memset(r, 0, sizeof *r);
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
            return fail(L, r, 1);
        }
        accept_page(L, r, 1, ex, lua_gettop(L));
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
    static const luaL_Reg methods[] = {{"next", results_next},
                                       {"total", results_total},
                                       {"collect", results_collect},
                                       {"accounts", results_accounts},
                                       {"subscribers", results_subscribers},
                                       {"products", results_products},
                                       {"stats", results_stats},
                                       {"close", results_close},
                                       {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__call", results_next}, {"__close", results_close},
                                    {"__gc", results_close},  {"__tostring", results_tostring},
                                    {"__index", NULL},        {NULL, NULL}};
    if (luaL_newmetatable(L, ATT_RESULTS_MT)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    att_exchange_init(L);
}
