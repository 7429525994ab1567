/* buf.c — see buf.h. */
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

/* 1 when n more bytes and the NUL fit already, 0 when the buffer must grow, -1 (and oom) when it
 * cannot. */
static int room(AttBuf *b, size_t n)
{
    if (b->oom) return -1;
    if (n < b->cap - b->len) return 1;
    if (n > ((size_t)-1 >> 2) - b->len) {
        b->oom = 1;
        return -1;
    }
    return 0;
}

/* Moves the bytes to `cap` bytes of memory, charged to the budget; 0, -1 when out of memory or
 * -2 when the budget refuses (oom set either way). */
static int grow_to(AttBuf *b, size_t cap)
{
    char *p;
    if (att_budget_take(b->budget, cap - b->cap) != 0) {
        b->oom = 1;
        return -2;
    }
    p = realloc(b->data, cap);
    if (!p) {
        att_budget_give(b->budget, cap - b->cap);
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int att_buf_reserve(AttBuf *b, size_t n) { return att_buf_reserve_upto(b, n, (size_t)-1) ? -1 : 0; }

int att_buf_reserve_upto(AttBuf *b, size_t n, size_t most)
{
    size_t cap;
    int r = room(b, n);
    if (r != 0) return r > 0 ? 0 : -1;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    if (cap > most && most >= b->len + n + 1) cap = most;
    return grow_to(b, cap);
}

int att_buf_reserve_exact(AttBuf *b, size_t n)
{
    int r = room(b, n);
    if (r != 0) return r > 0 ? 0 : -1;
    return grow_to(b, b->len + n + 1) ? -1 : 0;
}

void att_buf_add(AttBuf *b, const char *s, size_t n)
{
    if (att_buf_reserve(b, n) != 0) return;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void att_buf_addc(AttBuf *b, char c) { att_buf_add(b, &c, 1); }
void att_buf_adds(AttBuf *b, const char *s) { att_buf_add(b, s, strlen(s)); }

void att_buf_add_u64(AttBuf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    att_buf_add(b, tmp + i, sizeof tmp - i);
}

void att_buf_fill(AttBuf *b, char c, size_t n)
{
    if (att_buf_reserve(b, n) != 0) return;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void att_buf_reset(AttBuf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data) b->data[0] = '\0';
}

char *att_buf_take(AttBuf *b, size_t *len)
{
    char *p = b->data;
    if (len) *len = b->len;
    att_budget_give(b->budget, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return p;
}

void att_buf_free(AttBuf *b)
{
    free(b->data);
    att_budget_give(b->budget, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void att_buf_wipe_free(AttBuf *b)
{
    if (b->data) memset(b->data, 0, b->cap);
    att_buf_free(b);
}
