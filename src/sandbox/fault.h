/* fault.h — deliberate misbehaviour for client tests, as a small table of rules.
 *
 * A rule is written KIND[=ARG][,MODIFIER=VALUE]...; kinds and modifiers are table-driven in fault.c
 * (one row each, with its help line). Rules are consulted, in command-line order, for each request
 * of their target: most kinds for search requests, numbered from 1 among those that pass the token
 * and appname checks; echo-basic for requests to the OAuth token endpoint, numbered from 1 on
 * their own.
 *
 * For each request every rule decides on its own whether it applies: not to the first `after`
 * requests, only to every `every`-th request after those, with probability `prob` (a draw that is a
 * pure function of the fault seed, the rule and the request number, so runs are reproducible), and
 * at most `count` times. Rules then combine by class: of the rules of one exclusive class (the
 * paging rule, the delay, the way the answer goes out) only the first that applies takes effect;
 * event rules (grow, shrink, expire-tokens) always do. A rule that applies but is shadowed by an
 * earlier rule of its class does not use up its count. */
#ifndef ATT_SBX_FAULT_H
#define ATT_SBX_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ATT_SBX_FAULT_MAX_RULES 32

typedef enum SbxFaultKind {
    ATT_SBX_FAULT_REPEAT_PAGES,  /* answer as if pageOffset were 1 */
    ATT_SBX_FAULT_STATUS,        /* HTTP code with an INJECTED JSON error body */
    ATT_SBX_FAULT_HTML,          /* HTTP code with a gateway-style HTML page */
    ATT_SBX_FAULT_BAD_JSON,      /* 200 with a truncated JSON body */
    ATT_SBX_FAULT_SLOW,          /* a normal answer after an extra delay */
    ATT_SBX_FAULT_STALL,         /* headers and half the body, a pause, then the rest */
    ATT_SBX_FAULT_TRUNCATE,      /* headers (full Content-Length) and half the body, then close */
    ATT_SBX_FAULT_RESET,         /* close the connection without an answer */
    ATT_SBX_FAULT_GROW,          /* insert individuals at the front of every result set */
    ATT_SBX_FAULT_SHRINK,        /* drop individuals from the front of every result set */
    ATT_SBX_FAULT_EXPIRE_TOKENS, /* invalidate every access token issued so far */
    ATT_SBX_FAULT_ECHO_JSON,     /* HTTP code, a JSON error echoing the Authorization header */
    ATT_SBX_FAULT_ECHO_HTML,     /* HTTP code, an HTML page echoing it */
    ATT_SBX_FAULT_ECHO_TEXT,     /* HTTP code, a text/plain line echoing it */
    ATT_SBX_FAULT_ANSI,          /* HTTP code, a text/plain body full of terminal escape sequences */
    ATT_SBX_FAULT_ECHO_PAGE,     /* a page with it as every preferredName, in two parts */
    ATT_SBX_FAULT_HANG,          /* read the request, never answer */
    ATT_SBX_FAULT_SILENCE,       /* headers, a pause, then the whole body */
    ATT_SBX_FAULT_BIG,           /* a page padded to a size */
    ATT_SBX_FAULT_ECHO_BASIC,    /* token endpoint: HTTP code, an OAuth error echoing the header */
    ATT_SBX_FAULT_INSERT,        /* insert new individuals at a position (at=) of the global order */
    ATT_SBX_FAULT_REMOVE,        /* remove individuals from a position of it */
    ATT_SBX_FAULT_TOTAL_DRIFT,   /* report totalCount + N x (times applied so far) */
    ATT_SBX_FAULT_OFFSET_AS,     /* answer as if pageOffset were K */
    ATT_SBX_FAULT_OFFSET_MOD,    /* answer as if pageOffset were ((pageOffset - 1) mod M) + 1 */
    ATT_SBX_FAULT_MALFORMED,     /* 200 with a page malformed in one way (SbxMalformed) */
    ATT_SBX_FAULT_EMPTY          /* HTTP code with an empty body */
} SbxFaultKind;

/* Where an insert or remove happens (at=, counted in the unfiltered order). */
typedef enum SbxPosKind {
    ATT_SBX_POS_FRONT,
    ATT_SBX_POS_END,
    ATT_SBX_POS_END_MINUS, /* K records before the end */
    ATT_SBX_POS_RAND,      /* drawn for each event */
    ATT_SBX_POS_INDEX      /* a 0-based index */
} SbxPosKind;

/* The ways of malformed=WHAT, in the order of their names in fault.c. */
typedef enum SbxMalformed {
    ATT_SBX_BAD_INDIVIDUALS_OBJECT,
    ATT_SBX_BAD_INDIVIDUALS_NULL,
    ATT_SBX_BAD_INDIVIDUALS_MISSING,
    ATT_SBX_BAD_INDIVIDUALS_STRING,
    ATT_SBX_BAD_ITEM_NULL,
    ATT_SBX_BAD_ITEM_NUMBER,
    ATT_SBX_BAD_ITEM_STRING,
    ATT_SBX_BAD_ITEM_ARRAY,
    ATT_SBX_BAD_NO_ID,
    ATT_SBX_BAD_ID_NULL,
    ATT_SBX_BAD_ID_OBJECT,
    ATT_SBX_BAD_ID_BOOL,
    ATT_SBX_BAD_ID_EMPTY,
    ATT_SBX_BAD_DUP_ID,
    ATT_SBX_BAD_TOTAL_MISSING,
    ATT_SBX_BAD_TOTAL_FLOAT,
    ATT_SBX_BAD_TOTAL_NEGATIVE,
    ATT_SBX_BAD_TOTAL_STRING,
    ATT_SBX_BAD_TOTAL_HUGE,
    ATT_SBX_BAD_TOTAL_MAX,
    ATT_SBX_BAD_TOTAL_OVER,
    ATT_SBX_BAD_PAGE_SIZE_HUGE,
    ATT_SBX_BAD_PAGE_SIZE_ZERO,
    ATT_SBX_BAD_PAGE_SIZE_FLOAT,
    ATT_SBX_BAD_PAGE_SIZE_STRING,
    ATT_SBX_BAD_NOT_OBJECT
} SbxMalformed;

/* Which requests a rule is consulted for (and numbered among). */
typedef enum SbxFaultTarget { ATT_SBX_FAULT_ON_SEARCH, ATT_SBX_FAULT_ON_TOKEN } SbxFaultTarget;

typedef enum SbxFaultClass {
    ATT_SBX_FAULT_CLASS_PAGING, /* repeat-pages, offset-as, offset-mod */
    ATT_SBX_FAULT_CLASS_DELAY,  /* slow */
    ATT_SBX_FAULT_CLASS_ANSWER, /* status, html, bad-json, stall, truncate, reset, echo-*, hang,
                                 * silence, big, malformed, empty */
    ATT_SBX_FAULT_CLASS_EVENT   /* grow, shrink, insert, remove, expire-tokens, total-drift: never
                                 * exclusive */
} SbxFaultClass;

typedef enum SbxRetryAfter {
    ATT_SBX_RETRY_AFTER_NONE,
    ATT_SBX_RETRY_AFTER_SECONDS, /* Retry-After: delay-seconds */
    ATT_SBX_RETRY_AFTER_DATE     /* Retry-After: IMF-fixdate, that many seconds from now */
} SbxRetryAfter;

typedef struct SbxFaultRule {
    SbxFaultKind kind;
    SbxFaultClass cls;
    SbxFaultTarget target;
    uint64_t arg;   /* HTTP status (status, html, echo-json/html/text/basic, empty); milliseconds
                     * (slow, stall, silence); individuals (grow, shrink, insert, remove,
                     * total-drift); bytes (big); a pageOffset (offset-as, offset-mod); an
                     * SbxMalformed (malformed) */
    SbxPosKind at;  /* insert, remove: at= (grow and shrink: the front) */
    uint64_t at_n;  /* its K or index; malformed: the item index */
    uint64_t after; /* the first `after` requests of its target are spared */
    uint64_t count; /* applies at most this many times (UINT64_MAX: no limit) */
    uint64_t every; /* only to requests after+every, after+2*every, ... */
    double prob;    /* probability of applying, in [0, 1] */
    SbxRetryAfter retry_after;
    uint64_t retry_after_s;
    unsigned given;   /* one bit per modifier written, to refuse repeats */
    const char *spec; /* as written on the command line (borrowed), for logs */
    uint64_t applied; /* run time: how many times it took effect (the caller's lock) */
} SbxFaultRule;

typedef struct SbxFaults {
    SbxFaultRule *rules;
    size_t count;
    uint64_t seed; /* --fault-seed */
} SbxFaults;

/* What to do with one request (search or token). */
typedef struct SbxFaultPlan {
    const SbxFaultRule *repeat;                           /* the paging rule that applies, or NULL */
    const SbxFaultRule *delay;                            /* the SLOW rule that applies, or NULL */
    const SbxFaultRule *answer;                           /* the rule of the answer class, or NULL */
    const SbxFaultRule *applied[ATT_SBX_FAULT_MAX_RULES]; /* all that took effect, in order */
    size_t napplied;
    uint64_t drift; /* added to totalCount by the total-drift rules (att_sbx_inject_plan) */
} SbxFaultPlan;

/* Parses one --fault SPEC (kept by pointer) and appends it; 0, or -1 with a message in err. */
int att_sbx_fault_add(SbxFaults *f, const char *spec, char *err, size_t errlen);
void att_sbx_fault_free(SbxFaults *f);
/* 1 when some rule is of that kind. */
int att_sbx_fault_has(const SbxFaults *f, SbxFaultKind kind);
/* Decides for request number `seq` (1-based) of the target, consulting only the rules of that
 * target, and counts the rules that take effect. Not thread-safe: the caller serialises calls (and
 * numbers the requests under the same lock). */
void att_sbx_fault_plan(SbxFaults *f, SbxFaultTarget target, uint64_t seq, SbxFaultPlan *plan);
/* 1 when r is a rule (not NULL) of that kind. */
static inline int att_sbx_fault_is(const SbxFaultRule *r, SbxFaultKind kind) { return r && r->kind == kind; }
/* The pageOffset a paging rule answers a request for pageOffset `off` as. */
uint64_t att_sbx_fault_page_offset(const SbxFaultRule *paging, uint64_t off);
/* Writes the "Fault rules:" block of --help. */
void att_sbx_fault_help(FILE *fp);

#endif
