/* data.c — builds the data set (generated or loaded from a file) and serves individuals' text.
 *
 * Text lives in one arena with an offset table, so a page is a handful of memcpy calls. Generated
 * individuals are pre-rendered up to ATT_SBX_PRERENDER_BUDGET bytes of text (about 300,000 of them);
 * any beyond that are rendered again on each request from their own PRNG stream, which keeps the
 * largest data sets (10 million) within memory at the price of a few microseconds per individual. */
#include "data.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen.h"

#ifndef ATT_SBX_PRERENDER_BUDGET
#define ATT_SBX_PRERENDER_BUDGET ((size_t)1 << 30)
#endif

typedef struct SvcIndex {
    char *name;
    uint32_t *ids;
    size_t len, cap;
} SvcIndex;

struct SbxData {
    size_t count;
    char *arena;  /* texts of individuals [0, prerendered), back to back */
    size_t *offs; /* prerendered + 1 offsets into arena */
    size_t prerendered;
    int generated;
    SbxGen gen;
    uint32_t *sub_base; /* generated only: subscriber base of individual prerendered + i */
    SvcIndex *svc;
    size_t nsvc;
    const char **svc_names; /* svc[i].name, for extra individuals */
    uint64_t nsubs;         /* generated only: subscribers of all individuals */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static SbxData *data_new(void) { return calloc(1, sizeof(SbxData)); }

void att_sbx_data_free(SbxData *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nsvc; i++) {
        free(d->svc[i].name);
        free(d->svc[i].ids);
    }
    free(d->svc);
    free(d->svc_names);
    free(d->arena);
    free(d->offs);
    free(d->sub_base);
    free(d);
}

/* Finds (or, when `create`, adds) the index of a serviceType; NULL when absent or out of memory. */
static SvcIndex *svc_find(SbxData *d, const char *name, int create)
{
    for (size_t i = 0; i < d->nsvc; i++)
        if (strcasecmp(d->svc[i].name, name) == 0) return &d->svc[i];
    if (!create) return NULL;
    SvcIndex *grown = realloc(d->svc, (d->nsvc + 1) * sizeof *grown);
    if (!grown) return NULL;
    d->svc = grown;
    SvcIndex *ix = &d->svc[d->nsvc];
    memset(ix, 0, sizeof *ix);
    ix->name = strdup(name);
    if (!ix->name) return NULL;
    d->nsvc++;
    return ix;
}

/* Adds individual `idx` to the index once, however many of its accounts have that serviceType. */
static int svc_add(SvcIndex *ix, size_t idx)
{
    if (ix->len && ix->ids[ix->len - 1] == (uint32_t)idx) return 0;
    if (ix->len == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 1024;
        uint32_t *p = realloc(ix->ids, cap * sizeof *p);
        if (!p) return -1;
        ix->ids = p;
        ix->cap = cap;
    }
    ix->ids[ix->len++] = (uint32_t)idx;
    return 0;
}

/* Gives back the unused tail of every index and of the arena; lists the serviceType names. */
static int data_finish(SbxData *d, size_t arena_len)
{
    if (d->nsvc && !(d->svc_names = malloc(d->nsvc * sizeof *d->svc_names))) return -1;
    for (size_t i = 0; i < d->nsvc; i++) d->svc_names[i] = d->svc[i].name;
    for (size_t i = 0; i < d->nsvc; i++) {
        SvcIndex *ix = &d->svc[i];
        if (ix->len && ix->len < ix->cap) {
            uint32_t *p = realloc(ix->ids, ix->len * sizeof *p);
            if (p) {
                ix->ids = p;
                ix->cap = ix->len;
            }
        }
    }
    if (d->arena) {
        char *p = realloc(d->arena, arena_len + 1);
        if (p) d->arena = p;
    }
    size_t *offs = realloc(d->offs, (d->prerendered + 1) * sizeof *offs);
    if (offs) d->offs = offs;
    return 0;
}

int att_sbx_data_generate(SbxData **out, uint64_t count, uint64_t seed, char *err, size_t errlen)
{
    *out = NULL;
    if (count > ATT_SBX_GEN_MAX_INDIVIDUALS) {
        set_err(err, errlen, "at most %u individuals can be generated", ATT_SBX_GEN_MAX_INDIVIDUALS);
        return -1;
    }
    SbxData *d = data_new();
    AttBuf arena = {0};
    SvcIndex *ix[ATT_SBX_SVC_COUNT];
    if (!d) goto oom;
    d->generated = 1;
    d->count = (size_t)count;
    att_sbx_gen_init(&d->gen, seed);
    for (unsigned s = 0; s < ATT_SBX_SVC_COUNT; s++)
        if (!svc_find(d, att_sbx_gen_service_name(s), 1)) goto oom;
    for (unsigned s = 0; s < ATT_SBX_SVC_COUNT; s++)
        ix[s] = &d->svc[s]; /* only now: adding an index may move the others */
    d->offs = malloc((d->count + 1) * sizeof *d->offs);
    if (!d->offs) goto oom;
    d->offs[0] = 0;

    uint64_t sub_no = 0;
    for (size_t i = 0; i < d->count; i++) {
        SbxGenInfo info;
        if (!d->sub_base && arena.len < ATT_SBX_PRERENDER_BUDGET) {
            att_sbx_gen_individual(&d->gen, i, sub_no, &arena, &info);
            if (arena.oom) goto oom;
            d->offs[i + 1] = arena.len;
            d->prerendered = i + 1;
        } else {
            if (!d->sub_base && !(d->sub_base = malloc((d->count - i) * sizeof *d->sub_base))) goto oom;
            d->sub_base[i - d->prerendered] = (uint32_t)sub_no;
            att_sbx_gen_individual(&d->gen, i, sub_no, NULL, &info);
        }
        sub_no += info.nsubs;
        for (unsigned s = 0; s < ATT_SBX_SVC_COUNT; s++)
            if ((info.svc_mask & (1u << s)) && svc_add(ix[s], i) != 0) goto oom;
    }
    size_t len;
    d->nsubs = sub_no;
    d->arena = att_buf_take(&arena, &len);
    if (data_finish(d, len) != 0) goto oom;
    *out = d;
    return 0;

oom:
    att_buf_free(&arena);
    att_sbx_data_free(d);
    set_err(err, errlen, "out of memory while generating %llu individuals", (unsigned long long)count);
    return -1;
}

/* Reads a whole file (or pipe) into b; 0, or -1 with errno set. */
static int read_file(const char *path, AttBuf *b)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    for (;;) {
        if (att_buf_reserve(b, 65536) != 0) {
            fclose(fp);
            errno = ENOMEM;
            return -1;
        }
        size_t n = fread(b->data + b->len, 1, 65536, fp);
        b->len += n;
        b->data[b->len] = '\0';
        if (n < 65536) break;
    }
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad) {
        if (!errno) errno = EIO;
        return -1;
    }
    return 0;
}

/* "line L, column C" of a byte offset, for parse errors people can find in their editor. */
static void locate(const char *text, size_t off, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Indexes the serviceType of each account of individual `idx`; tolerant of any other shape. */
static int index_loaded(SbxData *d, const cJSON *ind, size_t idx)
{
    const cJSON *accounts = cJSON_GetObjectItemCaseSensitive(ind, "accounts");
    const cJSON *acct;
    cJSON_ArrayForEach(acct, accounts)
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(acct, "serviceType");
        if (!cJSON_IsString(st) || !st->valuestring[0]) continue;
        SvcIndex *ix = svc_find(d, st->valuestring, 1);
        if (!ix || svc_add(ix, idx) != 0) return -1;
    }
    return 0;
}

int att_sbx_data_load(SbxData **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    AttBuf text = {0}, arena = {0};
    cJSON *root = NULL;
    SbxData *d = NULL;

    errno = 0;
    if (read_file(path, &text) != 0) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(text.data ? text.data : "", text.len, &end, 0);
    if (!root) {
        size_t off = end && text.data ? (size_t)(end - text.data) : 0;
        unsigned long line, col;
        locate(text.data ? text.data : "", off > text.len ? text.len : off, &line, &col);
        set_err(err, errlen, "%s: not valid JSON (at line %lu, column %lu)", path, line, col);
        goto fail;
    }
    const cJSON *list = root;
    if (cJSON_IsObject(root)) list = cJSON_GetObjectItemCaseSensitive(root, "individuals");
    if (!cJSON_IsArray(list)) {
        set_err(err, errlen,
                "%s: expected an array of individuals or an object with an "
                "\"individuals\" array",
                path);
        goto fail;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > UINT32_MAX) {
        set_err(err, errlen, "%s: too many individuals", path);
        goto fail;
    }
    if (!(d = data_new()) || !(d->offs = malloc((n + 1) * sizeof *d->offs))) goto oom;
    d->offs[0] = 0;
    size_t i = 0;
    const cJSON *ind;
    cJSON_ArrayForEach(ind, list)
    {
        if (!cJSON_IsObject(ind)) {
            set_err(err, errlen, "%s: individual #%zu is not a JSON object", path, i + 1);
            goto fail;
        }
        char *s = cJSON_PrintUnformatted(ind);
        if (!s) goto oom;
        att_buf_adds(&arena, s);
        cJSON_free(s);
        if (arena.oom || index_loaded(d, ind, i) != 0) goto oom;
        d->offs[++i] = arena.len;
    }
    d->count = d->prerendered = i;
    att_sbx_gen_init(&d->gen, 1);
    size_t len;
    d->arena = att_buf_take(&arena, &len);
    if (data_finish(d, len) != 0) goto oom;
    cJSON_Delete(root);
    att_buf_free(&text);
    *out = d;
    return 0;

oom:
    set_err(err, errlen, "%s: out of memory", path);
fail:
    cJSON_Delete(root);
    att_buf_free(&text);
    att_buf_free(&arena);
    att_sbx_data_free(d);
    return -1;
}

size_t att_sbx_data_count(const SbxData *d) { return d->count; }

void att_sbx_data_select(const SbxData *d, const char *service_type, SbxSelection *sel)
{
    sel->ids = NULL;
    sel->count = d->count;
    sel->known = 1;
    sel->which = 0;
    if (!service_type) return;
    sel->count = 0;
    sel->known = 0;
    for (size_t i = 0; i < d->nsvc; i++) {
        if (strcasecmp(d->svc[i].name, service_type) == 0) {
            att_sbx_data_select_nth(d, i + 1, sel);
            return;
        }
    }
}

size_t att_sbx_data_nsel(const SbxData *d) { return 1 + d->nsvc; }

void att_sbx_data_select_nth(const SbxData *d, size_t which, SbxSelection *sel)
{
    sel->which = which;
    sel->known = 1;
    sel->ids = which ? d->svc[which - 1].ids : NULL;
    sel->count = which ? d->svc[which - 1].len : d->count;
}

size_t att_sbx_data_rank(const SbxSelection *sel, uint64_t idx)
{
    if (!sel->ids) return idx < sel->count ? (size_t)idx : sel->count;
    size_t lo = 0, hi = sel->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sel->ids[mid] < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void att_sbx_data_append(const SbxData *d, size_t idx, AttBuf *out)
{
    if (idx < d->prerendered) {
        att_buf_add(out, d->arena + d->offs[idx], d->offs[idx + 1] - d->offs[idx]);
    } else {
        SbxGenInfo info;
        att_sbx_gen_individual(&d->gen, idx, d->sub_base[idx - d->prerendered], out, &info);
    }
}

unsigned att_sbx_data_extra(const SbxData *d, uint64_t n, uint64_t sub_base, AttBuf *out)
{
    SbxGenInfo info;
    att_sbx_gen_extra(&d->gen, n, d->svc_names, d->nsvc, sub_base, out, &info);
    return info.nsubs;
}

uint64_t att_sbx_data_extra_sub_base(const SbxData *d)
{
    /* Generated: right after the last subscriber (SUB-10001 is number 0). Loaded: the file's ids
     * are unknown, so from SUB-900000001 on, far from the generator's. */
    return d->generated ? d->nsubs : 900000001u - 10001u;
}

int att_sbx_data_dump(const SbxData *d, FILE *fp)
{
    AttBuf b = {0};
    int rc = 0;
    fputs("[\n", fp);
    for (size_t i = 0; i < d->count && rc == 0; i++) {
        att_buf_reset(&b);
        if (i) att_buf_adds(&b, ",\n");
        att_sbx_data_append(d, i, &b);
        if (b.oom) {
            errno = ENOMEM;
            rc = -1;
        } else if (fwrite(b.data, 1, b.len, fp) != b.len) {
            rc = -1;
        }
    }
    att_buf_free(&b);
    if (rc == 0) fputs(d->count ? "\n]\n" : "]\n", fp);
    if (fflush(fp) != 0 || ferror(fp)) rc = -1;
    return rc;
}
