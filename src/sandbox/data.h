/* data.h — the data set a sandbox serves: individuals as ready compact JSON text, in a fixed order,
 * plus one index per serviceType so that a filtered page costs O(page), not O(data set). */
#ifndef ATT_SBX_DATA_H
#define ATT_SBX_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"

typedef struct SbxData SbxData;

/* The individuals a search matches, in data-set order: ids[0..count) or, when ids is NULL, all of
 * 0..count-1. Borrowed from the data set; valid as long as it is. */
typedef struct SbxSelection {
    const uint32_t *ids;
    size_t count;
    int known;    /* no filter, or a serviceType the data set has: extra individuals match it */
    size_t which; /* 0: no filter; 1 + i: the data set's serviceType i (when known) */
} SbxSelection;

/* Both constructors return 0, or -1 with a one-line message in err (the file name first, for load). */
int att_sbx_data_generate(SbxData **out, uint64_t count, uint64_t seed, char *err, size_t errlen);
int att_sbx_data_load(SbxData **out, const char *path, char *err, size_t errlen);
void att_sbx_data_free(SbxData *d);

size_t att_sbx_data_count(const SbxData *d);
/* service_type NULL selects everything; otherwise individuals with at least one account of that
 * serviceType, compared case-insensitively (ASCII). */
void att_sbx_data_select(const SbxData *d, const char *service_type, SbxSelection *sel);
/* Selections with an index of their own: no filter (which 0) and one per serviceType. */
size_t att_sbx_data_nsel(const SbxData *d);
void att_sbx_data_select_nth(const SbxData *d, size_t which, SbxSelection *sel);
/* How many members of the selection have a data-set index below idx (a binary search). */
size_t att_sbx_data_rank(const SbxSelection *sel, uint64_t idx);
/* Appends individual `idx` (< count) as compact JSON. Thread-safe: the data set is read-only. */
void att_sbx_data_append(const SbxData *d, size_t idx, AttBuf *out);
/* Extra individuals (see att_sbx_gen_extra), for the grow fault: number n has one account of each
 * serviceType of the data set, so it matches every known filter. Appends its text when `out` is not
 * NULL; returns how many subscribers it has. Its subscriber ids start after sub_base, and the first
 * extra individual's sub_base is att_sbx_data_extra_sub_base(). Thread-safe. */
unsigned att_sbx_data_extra(const SbxData *d, uint64_t n, uint64_t sub_base, AttBuf *out);
uint64_t att_sbx_data_extra_sub_base(const SbxData *d);
/* Writes the whole data set as a JSON array, one individual per line; 0 or -1 (errno set). */
int att_sbx_data_dump(const SbxData *d, FILE *fp);

#endif
