/* fault.h — deliberate misbehaviour for client tests, as a small table of rules.
 *
 * A rule is written KIND[=ARG][,MODIFIER=VALUE]...; kinds and modifiers are table-driven in fault.c
 * so that new ones (a probability, a count limit...) are one row and one field each. Rules are
 * consulted, in command-line order, for each search request, numbered from 1. */
#ifndef ATT_SBX_FAULT_H
#define ATT_SBX_FAULT_H

#include <stddef.h>
#include <stdint.h>

typedef enum SbxFaultKind {
    ATT_SBX_FAULT_REPEAT_PAGES, /* answer as if pageOffset were 1 */
    ATT_SBX_FAULT_STATUS,       /* HTTP code with an INJECTED JSON error body */
    ATT_SBX_FAULT_HTML,         /* HTTP code with a gateway-style HTML page */
    ATT_SBX_FAULT_BAD_JSON      /* 200 with a truncated JSON body */
} SbxFaultKind;

typedef struct SbxFaultRule {
    SbxFaultKind kind;
    unsigned code;          /* HTTP status, for STATUS and HTML */
    uint64_t after;         /* the first `after` search requests are spared */
    const char *spec;       /* as written on the command line (borrowed), for logs */
} SbxFaultRule;

typedef struct SbxFaults {
    SbxFaultRule *rules;
    size_t count;
} SbxFaults;

/* What to do with one search request. */
typedef struct SbxFaultPlan {
    const SbxFaultRule *repeat;     /* the first REPEAT_PAGES rule that applies, or NULL */
    const SbxFaultRule *replace;    /* the first STATUS/HTML/BAD_JSON rule that applies, or NULL */
} SbxFaultPlan;

/* Parses one --fault SPEC (kept by pointer) and appends it; 0, or -1 with a message in err. */
int att_sbx_fault_add(SbxFaults *f, const char *spec, char *err, size_t errlen);
void att_sbx_fault_free(SbxFaults *f);
/* Decides for the search request number `seq` (1-based). */
void att_sbx_fault_plan(const SbxFaults *f, uint64_t seq, SbxFaultPlan *plan);

#endif
