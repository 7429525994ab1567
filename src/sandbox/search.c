/* search.c — request validation and page assembly for POST /v1/customers/search. */
#include "search.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static int fail(SbxSearchError *e, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(SbxSearchError *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    e->status = 400;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* An absent field leaves *v alone; a present one must be a number with an integral value in
 * [lo, hi]. Returns 0 or -1. */
static int get_integer(const cJSON *obj, const char *name, uint64_t lo, uint64_t hi, uint64_t *v)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it) return 0;
    if (!cJSON_IsNumber(it)) return -1;
    double x = it->valuedouble;
    if (!(x >= (double)lo && x <= (double)hi)) return -1;
    uint64_t u = (uint64_t)x;
    if ((double)u != x) return -1;
    *v = u;
    return 0;
}

/* Under --strict: the first member of the request that the contract does not define, or NULL. */
static const char *unknown_field(const cJSON *root)
{
    static const char *const KNOWN[] = {"serviceType", "pageSize", "pageOffset"};
    for (const cJSON *it = root->child; it; it = it->next) {
        size_t i;
        for (i = 0; i < sizeof KNOWN / sizeof KNOWN[0] && strcmp(it->string, KNOWN[i]) != 0; i++) continue;
        if (i == sizeof KNOWN / sizeof KNOWN[0]) return it->string;
    }
    return NULL;
}

int att_sbx_search_parse(const char *body, size_t len, uint64_t max_page_size, int strict, SbxSearch *q,
                         SbxSearchError *e)
{
    memset(q, 0, sizeof *q);
    q->page_size = max_page_size < ATT_SBX_DEFAULT_PAGE_SIZE ? max_page_size : ATT_SBX_DEFAULT_PAGE_SIZE;
    q->page_offset = 1;
    if (!body) body = "";

    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (root) {
        /* cJSON stops after the first value; anything but whitespace after it is an error. */
        while (end < body + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
        if (end != body + len) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    if (!root) return fail(e, "INVALID_JSON", "request body is not valid JSON");

    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = fail(e, "INVALID_REQUEST", "request body must be a JSON object");
        goto done;
    }
    const char *unknown = strict ? unknown_field(root) : NULL;
    if (unknown) {
        rc = fail(e, "UNKNOWN_FIELD", "unknown request field '%.80s'", unknown);
        goto done;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "serviceType");
    if (st && (!cJSON_IsString(st) || !st->valuestring[0])) {
        rc = fail(e, "INVALID_SERVICE_TYPE", "serviceType must be a non-empty string");
        goto done;
    }
    if (get_integer(root, "pageSize", 1, max_page_size, &q->page_size) != 0) {
        rc = fail(e, "INVALID_PAGE_SIZE", "pageSize must be an integer between 1 and %llu",
                  (unsigned long long)max_page_size);
        goto done;
    }
    if (get_integer(root, "pageOffset", 1, ATT_SBX_MAX_PAGE_OFFSET, &q->page_offset) != 0) {
        rc = fail(e, "INVALID_PAGE_OFFSET", "pageOffset must be an integer greater than or equal to 1");
        goto done;
    }
    if (st && !(q->service_type = strdup(st->valuestring))) {
        e->status = 500;
        e->code = "INTERNAL_ERROR";
        snprintf(e->message, sizeof e->message, "out of memory");
        rc = -1;
    }
done:
    cJSON_Delete(root);
    return rc;
}

void att_sbx_search_clear(SbxSearch *q)
{
    free(q->service_type);
    q->service_type = NULL;
}

void att_sbx_search_render(const SbxData *d, SbxShift *shift, const SbxSearch *q, SbxPaging paging, uint64_t drift,
                           AttBuf *out, SbxPageStats *st)
{
    SbxSelection sel;
    att_sbx_data_select(d, q->service_type, &sel);
    att_sbx_shift_rdlock(shift); /* one snapshot for the whole page */
    uint64_t total = att_sbx_shift_total(shift, &sel);

    /* First record (0-based) of the page; the division keeps huge offsets from overflowing. */
    uint64_t first = UINT64_MAX;
    if (paging == ATT_SBX_PAGING_RECORD)
        first = q->page_offset - 1;
    else if (q->page_offset - 1 <= total / q->page_size)
        first = (q->page_offset - 1) * q->page_size;
    uint64_t n = 0;
    if (first < total) n = total - first < q->page_size ? total - first : q->page_size;

    st->total = total;
    st->returned = (size_t)n;
    /* Typical individuals are 2-5 KiB; the buffer grows by doubling past this first guess. */
    att_buf_reserve(out, 96 + (size_t)(n < 64 ? n : 64) * 4096);
    att_buf_adds(out, "{\"totalCount\":");
    att_buf_add_u64(out, total + drift < total ? UINT64_MAX : total + drift);
    att_buf_adds(out, ",\"pageInfo\":{\"pageSize\":");
    att_buf_add_u64(out, q->page_size);
    att_buf_adds(out, ",\"pageOffset\":");
    att_buf_add_u64(out, q->page_offset);
    att_buf_adds(out, "},\"individuals\":[");
    att_sbx_shift_render(shift, &sel, first, n, 0, out);
    att_sbx_shift_unlock(shift);
    att_buf_adds(out, "]}");
}

/* The index just past the JSON string literal whose opening quote is at in[q] (len when unclosed). */
static size_t string_end(const char *in, size_t len, size_t q)
{
    for (size_t i = q + 1; i < len; i++) {
        if (in[i] == '\\')
            i++;
        else if (in[i] == '"')
            return i + 1;
    }
    return len;
}

size_t att_sbx_search_set_names(const char *in, size_t len, const char *value, size_t vlen, AttBuf *out)
{
    /* Pages are compact JSON (generated, or re-rendered by cJSON): no spaces around the ':'. An
     * individual's own members are at depth 3: the page object, its array, the individual. */
    static const char key[] = "\"preferredName\":\"";
    const size_t klen = sizeof key - 1;
    size_t first = SIZE_MAX, copied = 0, i = 0;
    int depth = 0;
    att_buf_reserve(out, len);
    while (i < len) {
        char c = in[i];
        if (c == '"') {
            size_t end = string_end(in, len, i);
            if (depth == 3 && len - i >= klen && memcmp(in + i, key, klen) == 0) {
                end = string_end(in, len, i + klen - 1);
                att_buf_add(out, in + copied, i + klen - copied);
                if (first == SIZE_MAX) first = out->len;
                att_buf_add(out, value, vlen);
                att_buf_addc(out, '"');
                copied = end;
            }
            i = end;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        i++;
    }
    att_buf_add(out, in + copied, len - copied);
    return first;
}

void att_sbx_error_json(AttBuf *out, const char *code, const char *message)
{
    att_buf_adds(out, "{\"code\":");
    att_sbx_json_str(out, code);
    att_buf_adds(out, ",\"message\":");
    att_sbx_json_str(out, message);
    att_buf_addc(out, '}');
}
