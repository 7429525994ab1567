/* buf.c — growable byte buffer and JSON string escaping (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

int att_sbx_buf_reserve(SbxBuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void att_sbx_buf_put(SbxBuf *b, const char *s, size_t n)
{
    if (att_sbx_buf_reserve(b, n) != 0)
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void att_sbx_buf_puts(SbxBuf *b, const char *s)
{
    att_sbx_buf_put(b, s, strlen(s));
}

void att_sbx_buf_putc(SbxBuf *b, char c)
{
    att_sbx_buf_put(b, &c, 1);
}

void att_sbx_buf_u64(SbxBuf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    att_sbx_buf_put(b, tmp + i, sizeof tmp - i);
}

void att_sbx_buf_json_str(SbxBuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    att_sbx_buf_putc(b, '"');
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        att_sbx_buf_put(b, run, (size_t)((const char *)p - run));
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (*p) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            n = 6;
            break;
        }
        att_sbx_buf_put(b, esc, n);
        run = (const char *)p + 1;
    }
    att_sbx_buf_puts(b, run);
    att_sbx_buf_putc(b, '"');
}

char *att_sbx_buf_take(SbxBuf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return p;
}

void att_sbx_buf_reset(SbxBuf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

void att_sbx_buf_free(SbxBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
