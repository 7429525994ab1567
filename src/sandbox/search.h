/* search.h — the Customer Search operation without HTTP: request body in, either parameters or a
 * 400-class error out; parameters and a data set in, the 200 response body out. */
#ifndef ATT_SBX_SEARCH_H
#define ATT_SBX_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "data.h"
#include "shift.h"

#define ATT_SBX_DEFAULT_PAGE_SIZE 50u
/* pageOffset must stay exactly representable in a JSON number (a double). */
#define ATT_SBX_MAX_PAGE_OFFSET 9007199254740991ull

typedef enum SbxPaging {
    ATT_SBX_PAGING_PAGE,  /* pageOffset is the 1-based page number */
    ATT_SBX_PAGING_RECORD /* pageOffset is the 1-based index of the first record */
} SbxPaging;

typedef struct SbxSearch {
    char *service_type; /* owned; NULL when the request has none */
    uint64_t page_size;
    uint64_t page_offset;
} SbxSearch;

typedef struct SbxSearchError {
    unsigned status;  /* HTTP status */
    const char *code; /* e.g. "INVALID_PAGE_SIZE" */
    char message[128];
} SbxSearchError;

typedef struct SbxPageStats {
    uint64_t total;  /* the true totalCount (before a total-drift) */
    size_t returned; /* individuals in this page */
} SbxPageStats;

/* 0 with *q filled (free with att_sbx_search_clear), or -1 with *e filled. strict: a member the
 * contract does not define (anything but serviceType, pageSize, pageOffset) is 400 UNKNOWN_FIELD;
 * otherwise such members are ignored, as the real API does. */
int att_sbx_search_parse(const char *body, size_t len, uint64_t max_page_size, int strict, SbxSearch *q,
                         SbxSearchError *e);
void att_sbx_search_clear(SbxSearch *q);
/* Appends the 200 body for q, over the data set as changed by `shift`, with `drift` added to the
 * totalCount it reports; check out->oom afterwards. */
void att_sbx_search_render(const SbxData *d, SbxShift *shift, const SbxSearch *q, SbxPaging paging, uint64_t drift,
                           AttBuf *out, SbxPageStats *st);
/* Copies the page `in` (as att_sbx_search_render makes it) to out with the value of every
 * individual's preferredName string replaced by value[0..vlen), which is the inside of a JSON string
 * literal (escaped already). Returns the offset in out of the first value so written, or SIZE_MAX
 * when no individual has a preferredName string. */
size_t att_sbx_search_set_names(const char *in, size_t len, const char *value, size_t vlen, AttBuf *out);
/* Appends {"code":CODE,"message":MESSAGE}. */
void att_sbx_error_json(AttBuf *out, const char *code, const char *message);

#endif
