/* results_impl.h — the Results userdata's state, shared by results.c (the state machine, the
 * methods, att.search) and results_page.c (what is done with each page); not for other files. */
#ifndef ATT_RESULTS_IMPL_H
#define ATT_RESULTS_IMPL_H

#include <lua.h>

#include "bind/exchange.h"
#include "bind/json.h"
#include "common/idset.h"

enum { UV_PARAMS = 1, UV_PAGE, UV_ERR, UV_INFLIGHT, UV_PROJ, UV_CLIENT, UV_FIELDS, UV_COUNT = UV_FIELDS };

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
    int eager;                      /* the whole window at once (r:each, the walkers, collect) */
    int drift_warn;                 /* opts.drift = "warn": an incomplete recovery warns, is counted */
    lua_Integer page_size;          /* requested pageSize */
    lua_Integer eff_size;           /* the server's pageInfo.pageSize when it gives one */
    lua_Integer overlap;            /* opts.overlap: records each page re-reads of the previous one */
    lua_Integer offset;             /* pageOffset of the page in hand (of the next page before that) */
    lua_Integer start_offset;       /* pageOffset of the scan's first page */
    lua_Integer total;              /* totalCount of the page in hand, -1 until known */
    lua_Integer base;               /* 0-based position of the page in hand within the whole result */
    lua_Integer yielded, limit;     /* limit -1: none */
    lua_Integer want;               /* r:collect(n): yielded when it is done, -1: no such bound */
    lua_Integer page_len, page_idx; /* individuals to yield from the page in hand, next index */
    lua_Integer raw_len;            /* individuals the server sent on that page */
    lua_Integer dropped;            /* records the server sent again, not yielded again */
    lua_Integer changes, rereads;   /* changes of the data seen; pages asked for again because of them */
    lua_Integer missed;             /* records that may be missing (opts.drift = "warn") */
    lua_Integer furthest;           /* the furthest pageOffset accepted */
    lua_Integer backs, drift;       /* pages stepped back, |totalCount changes|, since furthest grew */
    int changed;                    /* a change was seen during the scan */
    double t0;                      /* monotonic time of the first request, for progress */
    long throttled0;                /* the client's 429/503 count at t0 (r:stats().throttled) */
    lua_Integer requests, pages, bytes, retries;
    int window;              /* pages in flight at most (1: one after the other) */
    int adaptive;            /* the client's controller sizes the window (no window given) */
    int ninflight;           /* pages requested ahead, in UV_INFLIGHT by pageOffset */
    lua_Integer next_submit; /* the next pageOffset to request ahead */
    lua_Integer start_pos;   /* position of the first record of the scan */
    const AttProj *proj;     /* opts.fields or r:project's (kept alive in UV_PROJ), or NULL */
    int proj_decided;        /* opts.fields, opts.project = false or r:project decided what is built */
    uint32_t ordinal;        /* pages accepted: the rank of the records first seen on the page in hand */
    AttIdSet seen;           /* every id the scan has been sent, with the ordinal of its first page */
    int seen_ok;             /* seen is initialised (and freed when the scan ends) */
    lua_Integer jlast;       /* pageOffset of the last page answered from a resumed run's journal */
    int seam_done;           /* the first live page after those was checked against them */
} Results;

/* What a page says, once checked against the contract. */
typedef struct Page {
    lua_Integer total; /* totalCount */
    lua_Integer n;     /* individuals on it */
    lua_Integer size;  /* pageInfo.pageSize, or 0 when it gives none */
} Page;

/* results_page.c: checks the decoded response at resp against the contract and takes it as the
 * page in hand (returns 1), or ends the scan with a protocol or drift error. Returns 0 when the
 * page cannot be placed after what the scan has read (the data moved): nothing of it is taken,
 * and the caller reads the page before it again. [-0, +0, e] */
int att_scan_accept(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp);
/* results_page.c: the page in hand came from a resumed run's journal and the next one is live:
 * the response at resp is that page read again, live. When it holds a record the scan was never
 * sent, the data at the place the run stopped is not the data it read, and the scan ends with a
 * drift error (it would mix two data sets); records only moved are the scan's rules' to place.
 * [-0, +0, e] */
void att_scan_seam(lua_State *L, Results *r, int ud, const AttExchange *ex, int resp);
/* results_fetch.c: pageOffset -> 0-based position of its first record (saturating). */
lua_Integer att_scan_pos(const Results *r, lua_Integer off);
/* results_fetch.c: cancels the pages in flight, counting what the server saw of them. [-0, +0, -] */
void att_scan_cancel(lua_State *L, Results *r, int ud);
/* results_fetch.c: keeps the pages ahead of the page in hand requested. [-0, +0, e] */
void att_scan_fill(lua_State *L, Results *r, int ud);
/* results_fetch.c: makes the page at r->offset the page in hand (reading pages before it again
 * when the data moved), or ends the scan with the error. [-0, +0, e] */
void att_scan_fetch(lua_State *L, Results *r, int ud);

/* results.c: the error object on top ends the scan (failed) and is raised. [-1, +0, e] */
int att_scan_fail(lua_State *L, Results *r, int ud);
/* results.c: a protocol error with msg ends the scan and is raised. [-0, +0, e] */
int att_scan_protocol_error(lua_State *L, Results *r, int ud, const AttExchange *ex, const char *msg);

#endif
