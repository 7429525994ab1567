/* malformed.h — the pages of --fault malformed=WHAT: a rendered page rewritten with one thing wrong
 * (the shape of individuals, one item, its id, totalCount, pageInfo.pageSize, or the whole body). */
#ifndef ATT_SBX_MALFORMED_H
#define ATT_SBX_MALFORMED_H

#include <stdint.h>

#include "common/buf.h"
#include "fault.h"

/* Rewrites the page in body (as att_sbx_search_render makes it) as `what` says; `at` is the item
 * index of the item kinds (the last item when the page is shorter; an empty page keeps its items).
 * Exact integers are written as digits. On failure (out of memory) body->oom is set. */
void att_sbx_malformed(AttBuf *body, SbxMalformed what, uint64_t at);

#endif
