/* jsonw.c — JSON string escaping (cJSON's and PHP's) and object reopening (see jsonw.h). */
#include "jsonw.h"

#include <string.h>

void att_sbx_json_str(AttBuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    att_buf_addc(b, '"');
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        att_buf_add(b, run, (size_t)((const char *)p - run));
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
        att_buf_add(b, esc, n);
        run = (const char *)p + 1;
    }
    att_buf_adds(b, run);
    att_buf_addc(b, '"');
}

/* The code point of the UTF-8 sequence at p (at most n bytes) and its length in *len; -1 for a byte
 * that does not start a well-formed sequence (overlong forms, surrogates and values above U+10FFFF
 * included), with *len 1. */
static long utf8_decode(const unsigned char *p, size_t n, size_t *len)
{
    static const long min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t k = p[0] >= 0xF0 && p[0] < 0xF5 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] < 0xE0 ? 2 : 0;
    *len = 1;
    if (k == 0 || k > n || (k == 3 && p[0] >= 0xF0)) return -1;
    long cp = p[0] & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80) return -1;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *len = k;
    return cp;
}

static void put_u_escape(AttBuf *b, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15]};
    att_buf_add(b, esc, sizeof esc);
}

void att_sbx_json_php(AttBuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        size_t run = 0;
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\' && p[run] != '/') run++;
        att_buf_add(b, (const char *)p, run);
        p += run;
        n -= run;
        if (!n) break;
        size_t len = 1;
        if (*p == '"' || *p == '\\' || *p == '/') {
            char esc[2] = {'\\', (char)*p};
            att_buf_add(b, esc, 2);
        } else if (*p < 0x20) {
            put_u_escape(b, *p);
        } else {
            long cp = utf8_decode(p, n, &len);
            if (cp < 0) {
                put_u_escape(b, 0xFFFD);
            } else if (cp > 0xFFFF) {
                put_u_escape(b, 0xD800 + (unsigned)((cp - 0x10000) >> 10));
                put_u_escape(b, 0xDC00 + (unsigned)((cp - 0x10000) & 0x3FF));
            } else {
                put_u_escape(b, (unsigned)cp);
            }
        }
        p += len;
        n -= len;
    }
}

int att_sbx_json_reopen(AttBuf *b)
{
    if (b->oom || b->len == 0 || b->data[b->len - 1] != '}') return -1;
    b->len--;
    if (b->len && b->data[b->len - 1] != '{')
        att_buf_addc(b, ',');
    else
        b->data[b->len] = '\0';
    return 0;
}
