/* inject.h — the faults of --fault as the server carries them out, for the endpoints (endpoint.c):
 * which rules apply to a request is fault.c's decision, what they do to its answer is here. */
#ifndef ATT_SBX_INJECT_H
#define ATT_SBX_INJECT_H

#include "fault.h"
#include "reply.h"

/* Numbers the request among those of its target, decides its faults and carries out the lasting
 * ones (grow, shrink, insert, remove, expire-tokens; the total-drift of this request in
 * plan->drift) — all under the server's lock, so that later requests see them in request order. */
void att_sbx_inject_plan(SbxServer *s, SbxFaultTarget target, SbxFaultPlan *plan);
/* When the plan's answer rule replaces the page (status, html, echo-html, echo-text, ansi, empty,
 * echo-json but 200; reset and hang, which answer nothing): carries it out, sets *rc for
 * libmicrohttpd and returns 1. Else 0, and the search goes on. */
int att_sbx_inject_instead(const SbxCall *c, const SbxFaultPlan *plan, enum MHD_Result *rc);
/* Applies the answer rule that changes a rendered page (bad-json, stall, silence, truncate,
 * echo-json=200, echo-page, big, malformed; any other, or NULL, changes nothing) to its body and outcome. */
void att_sbx_inject_into_page(const SbxCall *c, const SbxFaultRule *answer, AttBuf *body, SbxOutcome *o);

#endif
