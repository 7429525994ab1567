/* buf.c — see buf.h. */
#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

int att_buf_reserve(AttBuf *b, size_t n) { return att_buf_reserve_upto(b, n, (size_t)-1) ? -1 : 0; }

int att_buf_reserve_upto(AttBuf *b, size_t n, size_t most)
{
    size_t cap;
    char *p;
    if (b->oom) return -1;
    if (n < b->cap - b->len) return 0; /* room for n bytes and the NUL */
    if (n > ((size_t)-1 >> 2) - b->len) {
        b->oom = 1;
        return -1;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    if (cap > most && most >= b->len + n + 1) cap = most;
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

void att_buf_add(AttBuf *b, const char *s, size_t n)
{
    if (att_buf_reserve(b, n) != 0) return;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void att_buf_addc(AttBuf *b, char c) { att_buf_add(b, &c, 1); }
void att_buf_adds(AttBuf *b, const char *s) { att_buf_add(b, s, strlen(s)); }

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
