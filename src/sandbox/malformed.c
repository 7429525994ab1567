/* malformed.c — pages with one thing wrong, for --fault malformed=WHAT (see malformed.h).
 *
 * The page is taken apart as text (the members of the envelope, the items of the array), never
 * through doubles, so that its numbers keep their digits, and put together again with the change. */
#include "malformed.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

typedef struct Span {
    size_t a, b; /* [a, b) of the page text */
} Span;

typedef struct Page {
    const char *text;
    Span total, page_size, page_offset;
    Span *items; /* owned */
    size_t n, cap;
} Page;

static void put(AttBuf *out, const Page *p, Span s) { att_buf_add(out, p->text + s.a, s.b - s.a); }

/* Finds the envelope's members and the items; 0, or -1 when the page is not as rendered or memory
 * runs out. */
static int take_apart(Page *p, const char *text, size_t len)
{
    size_t m[4];
    p->text = text;
    p->n = 0;
    if (att_sbx_json_member(text, len, "totalCount", m) != 0) return -1;
    p->total = (Span){m[2], m[3]};
    if (att_sbx_json_member(text, len, "pageInfo", m) != 0) return -1;
    size_t base = m[2], plen = m[3] - m[2];
    if (att_sbx_json_member(text + base, plen, "pageSize", m) != 0) return -1;
    p->page_size = (Span){base + m[2], base + m[3]};
    if (att_sbx_json_member(text + base, plen, "pageOffset", m) != 0) return -1;
    p->page_offset = (Span){base + m[2], base + m[3]};
    if (att_sbx_json_member(text, len, "individuals", m) != 0 || text[m[2]] != '[') return -1;
    size_t i = m[2] + 1, end = m[3] - 1; /* inside the brackets; rendered pages are compact */
    while (i < end) {
        size_t e = att_sbx_json_skip(text, end, i);
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 64;
            Span *g = realloc(p->items, cap * sizeof *g);
            if (!g) return -1;
            p->items = g;
            p->cap = cap;
        }
        p->items[p->n++] = (Span){i, e};
        i = e + 1; /* past the ',' */
    }
    return 0;
}

/* Item `k` with its "id" value replaced by `id` (NULL: the member removed); unchanged without one. */
static void put_item_id(AttBuf *out, const Page *p, size_t k, const char *id, Span orig)
{
    Span it = p->items[k];
    size_t m[4];
    if (att_sbx_json_member(p->text + it.a, it.b - it.a, "id", m) != 0) {
        put(out, p, it);
        return;
    }
    size_t ma = it.a + m[0], mb = it.a + m[1], va = it.a + m[2];
    if (!id) {
        /* The member and one comma next to it. */
        if (p->text[mb] == ',')
            mb++;
        else if (p->text[ma - 1] == ',')
            ma--;
        att_buf_add(out, p->text + it.a, ma - it.a);
        att_buf_add(out, p->text + mb, it.b - mb);
        return;
    }
    att_buf_add(out, p->text + it.a, va - it.a);
    if (strcmp(id, "@orig") == 0) {
        put(out, p, orig);
    } else if (strcmp(id, "@wrap") == 0) {
        att_buf_adds(out, "{\"value\":");
        put(out, p, orig);
        att_buf_addc(out, '}');
    } else {
        att_buf_adds(out, id);
    }
    att_buf_add(out, p->text + mb, it.b - mb);
}

/* The value span of item k's id (empty when it has none). */
static Span id_of(const Page *p, size_t k)
{
    size_t m[4];
    Span it = p->items[k];
    if (att_sbx_json_member(p->text + it.a, it.b - it.a, "id", m) != 0) return (Span){0, 0};
    return (Span){it.a + m[2], it.a + m[3]};
}

/* Item k as `what` says (k is the item the fault is about). */
static void put_bad_item(AttBuf *out, const Page *p, size_t k, SbxMalformed what)
{
    Span id = id_of(p, k);
    switch (what) {
    case ATT_SBX_BAD_ITEM_NULL: att_buf_adds(out, "null"); break;
    case ATT_SBX_BAD_ITEM_NUMBER: att_buf_adds(out, "42"); break;
    case ATT_SBX_BAD_ITEM_STRING: att_buf_adds(out, "\"individual\""); break;
    case ATT_SBX_BAD_ITEM_ARRAY:
        att_buf_addc(out, '[');
        put(out, p, p->items[k]);
        att_buf_addc(out, ']');
        break;
    case ATT_SBX_BAD_NO_ID: put_item_id(out, p, k, NULL, id); break;
    case ATT_SBX_BAD_ID_NULL: put_item_id(out, p, k, "null", id); break;
    case ATT_SBX_BAD_ID_OBJECT: put_item_id(out, p, k, "@wrap", id); break;
    case ATT_SBX_BAD_ID_BOOL: put_item_id(out, p, k, "true", id); break;
    case ATT_SBX_BAD_ID_EMPTY: put_item_id(out, p, k, "\"\"", id); break;
    case ATT_SBX_BAD_DUP_ID: put_item_id(out, p, k, "@orig", id_of(p, k - 1)); break;
    default: put(out, p, p->items[k]); break;
    }
}

static void put_items(AttBuf *out, const Page *p, SbxMalformed what, uint64_t at, int keyed)
{
    size_t bad = SIZE_MAX;
    if (p->n && what >= ATT_SBX_BAD_ITEM_NULL && what <= ATT_SBX_BAD_DUP_ID) bad = at < p->n ? (size_t)at : p->n - 1;
    if (what == ATT_SBX_BAD_DUP_ID && bad == 0) bad = p->n > 1 ? 1 : SIZE_MAX;
    att_buf_addc(out, keyed ? '{' : '[');
    for (size_t k = 0; k < p->n; k++) {
        if (k) att_buf_addc(out, ',');
        if (keyed) {
            att_buf_addc(out, '"');
            att_buf_add_u64(out, k);
            att_buf_adds(out, "\":");
        }
        if (k == bad)
            put_bad_item(out, p, k, what);
        else
            put(out, p, p->items[k]);
    }
    att_buf_addc(out, keyed ? '}' : ']');
}

static void put_total(AttBuf *out, const Page *p, SbxMalformed what)
{
    Span t = p->total;
    switch (what) {
    case ATT_SBX_BAD_TOTAL_FLOAT:
        put(out, p, t);
        att_buf_adds(out, ".5");
        break;
    case ATT_SBX_BAD_TOTAL_NEGATIVE:
        if (t.b - t.a == 1 && p->text[t.a] == '0') {
            att_buf_adds(out, "-1");
        } else {
            att_buf_addc(out, '-');
            put(out, p, t);
        }
        break;
    case ATT_SBX_BAD_TOTAL_STRING:
        att_buf_addc(out, '"');
        put(out, p, t);
        att_buf_addc(out, '"');
        break;
    case ATT_SBX_BAD_TOTAL_HUGE: att_buf_adds(out, "9000000000000000000"); break;
    case ATT_SBX_BAD_TOTAL_MAX: att_buf_adds(out, "9223372036854775807"); break;
    case ATT_SBX_BAD_TOTAL_OVER: att_buf_adds(out, "18446744073709551616"); break;
    default: put(out, p, t); break;
    }
}

static void put_page_size(AttBuf *out, const Page *p, SbxMalformed what)
{
    switch (what) {
    case ATT_SBX_BAD_PAGE_SIZE_HUGE: att_buf_adds(out, "4000000000000000000"); break;
    case ATT_SBX_BAD_PAGE_SIZE_ZERO: att_buf_adds(out, "0"); break;
    case ATT_SBX_BAD_PAGE_SIZE_FLOAT: att_buf_adds(out, "4e18"); break;
    case ATT_SBX_BAD_PAGE_SIZE_STRING:
        att_buf_addc(out, '"');
        put(out, p, p->page_size);
        att_buf_addc(out, '"');
        break;
    default: put(out, p, p->page_size); break;
    }
}

static void rebuild(AttBuf *out, const Page *p, SbxMalformed what, uint64_t at)
{
    if (what == ATT_SBX_BAD_NOT_OBJECT) {
        put_items(out, p, what, at, 0);
        return;
    }
    att_buf_addc(out, '{');
    if (what != ATT_SBX_BAD_TOTAL_MISSING) {
        att_buf_adds(out, "\"totalCount\":");
        put_total(out, p, what);
        att_buf_addc(out, ',');
    }
    att_buf_adds(out, "\"pageInfo\":{\"pageSize\":");
    put_page_size(out, p, what);
    att_buf_adds(out, ",\"pageOffset\":");
    put(out, p, p->page_offset);
    att_buf_addc(out, '}');
    switch (what) {
    case ATT_SBX_BAD_INDIVIDUALS_MISSING: break;
    case ATT_SBX_BAD_INDIVIDUALS_NULL: att_buf_adds(out, ",\"individuals\":null"); break;
    case ATT_SBX_BAD_INDIVIDUALS_STRING: att_buf_adds(out, ",\"individuals\":\"not an array\""); break;
    default:
        att_buf_adds(out, ",\"individuals\":");
        put_items(out, p, what, at, what == ATT_SBX_BAD_INDIVIDUALS_OBJECT);
        break;
    }
    att_buf_addc(out, '}');
}

void att_sbx_malformed(AttBuf *body, SbxMalformed what, uint64_t at)
{
    Page page = {0};
    if (body->oom || !body->data) return;
    if (take_apart(&page, body->data, body->len) != 0) {
        body->oom = 1; /* a page we rendered ourselves: only memory can fail */
        free(page.items);
        return;
    }
    AttBuf out = {0};
    att_buf_reserve(&out, body->len + 64);
    rebuild(&out, &page, what, at);
    free(page.items);
    att_buf_free(body);
    *body = out;
}
