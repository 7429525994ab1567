/* jsonw.c — JSON string escaping (cJSON's and PHP's) and object reopening (see jsonw.h). */
#include "jsonw.h"

#include "common/utf8.h"

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
            unsigned cp = 0;
            len = att_utf8_seq(p, n, &cp);
            if (len == 0) {
                len = 1;
                put_u_escape(b, 0xFFFD);
            } else if (cp > 0xFFFF) {
                put_u_escape(b, 0xD800 + ((cp - 0x10000) >> 10));
                put_u_escape(b, 0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                put_u_escape(b, cp);
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

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

size_t att_sbx_json_skip(const char *s, size_t len, size_t i)
{
    int depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\') i++;
            i++;
        } else if (c == '{' || c == '[') {
            depth++;
            i++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;
            depth--;
            i++;
        } else if (depth == 0 && (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            return i;
        } else {
            i++;
        }
        if (depth == 0 && (c == '"' || c == '}' || c == ']')) return i < len ? i : len;
    }
    return len;
}

int att_sbx_json_member(const char *s, size_t len, const char *key, size_t span[4])
{
    size_t klen = strlen(key);
    size_t i = skip_space(s, len, 0);
    if (i >= len || s[i] != '{') return -1;
    i = skip_space(s, len, i + 1);
    while (i < len && s[i] == '"') {
        size_t kend = att_sbx_json_skip(s, len, i);
        size_t m = i;
        i = skip_space(s, len, kend);
        if (i >= len || s[i] != ':') return -1;
        i = skip_space(s, len, i + 1);
        size_t vend = att_sbx_json_skip(s, len, i);
        if (kend - m == klen + 2 && memcmp(s + m + 1, key, klen) == 0) {
            span[0] = m;
            span[1] = vend;
            span[2] = i;
            span[3] = vend;
            return 0;
        }
        i = skip_space(s, len, vend);
        if (i >= len || s[i] != ',') return -1;
        i = skip_space(s, len, i + 1);
    }
    return -1;
}
