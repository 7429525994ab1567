/* results_impl.h — the Results userdata's state, shared by results.c (the state machine, the
 * methods, att.search) and results_page.c (what is done with each page); not for other files. */
#ifndef ATT_RESULTS_IMPL_H
#define ATT_RESULTS_IMPL_H

#include <lua.h>

#include "bind/exchange.h"
#include "bind/json.h"

enum { UV_PARAMS = 1, UV_PAGE, UV_IDS, UV_ERR, UV_INFLIGHT, UV_PROJ, UV_COUNT = UV_PROJ };

typedef enum ScanState {
    SCAN_NEW,    /* nothing requested yet */
    SCAN_PAGE,   /* a page in hand; pages ahead of it may be in flight */
    SCAN_DONE,   /* every individual yielded, or opts.limit reached */
    SCAN_FAILED, /* an error ended the scan (UV_ERR): raised again on every use */
    SCAN_CLOSED  /* closed by the script (close, __close, __gc) */
} ScanState;

typedef struct Results {
    ScanState state;
    int record_mode;
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

/* What a page says, once checked against the contract. */
typedef struct Page {
    lua_Integer total; /* totalCount */
    lua_Integer n;     /* individuals on it */
    lua_Integer size;  /* pageInfo.pageSize, or 0 when it gives none */
} Page;

/* results_page.c: checks the decoded response at resp against the contract and takes it as the
 * page in hand, or ends the scan with a protocol error. [-0, +0, e] */
void att_scan_accept(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp);

/* results.c: the error object on top ends the scan (failed) and is raised. [-1, +0, e] */
int att_scan_fail(lua_State *L, Results *r, int ud);
/* results.c: a protocol error with msg ends the scan and is raised. [-0, +0, e] */
int att_scan_protocol_error(lua_State *L, Results *r, int ud, const AttExchange *ex, const char *msg);

#endif
