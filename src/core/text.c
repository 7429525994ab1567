/* text.c — see text.h. */
#include "core/text.h"

#include "common/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "core/stop.h"

atomic_int att_stop;

const char *att_stop_text(int reason)
{
    switch (reason) {
    case 0: return "running";
    case ATT_STOP_TIME: return "--max-time exceeded";
    case 2: return "interrupted"; /* SIGINT */
    case 15: return "terminated"; /* SIGTERM */
    case 1: return "hung up";     /* SIGHUP */
    default: return "stopped by a signal";
    }
}

double att_now(void) { return att_clock_s(); }

char *att_strdup(const char *s)
{
    size_t n;
    char *p;
    if (!s) return NULL;
    n = strlen(s) + 1;
    p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void att_text_thousands(long long v, char *out, size_t outlen)
{
    char digits[32], grouped[48];
    int n, i, o = 0, neg = v < 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    n = snprintf(digits, sizeof digits, "%llu", u);
    if (neg) grouped[o++] = '-';
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) grouped[o++] = ',';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    if (outlen > 0) snprintf(out, outlen, "%s", grouped);
}

void att_one_line(const char *src, size_t n, char *dst, size_t dstlen)
{
    size_t i = 0, o = 0;
    if (dstlen == 0) return;
    while (i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n')) i++;
    while (i < n && o + 1 < dstlen) {
        const unsigned char *u = (const unsigned char *)src + i;
        unsigned cp = 0;
        size_t k;
        if (*u == '\n' || *u == '\r') break;
        k = att_utf8_seq(u, n - i, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            dst[o++] = k == 0 ? '?' : ' '; /* control characters and broken UTF-8 never reach a terminal */
            i += k ? k : 1;
            continue;
        }
        if (o + k >= dstlen) break; /* never cut a sequence */
        memcpy(dst + o, u, k);
        o += k;
        i += k;
    }
    while (o > 0 && dst[o - 1] == ' ') o--;
    dst[o] = '\0';
}

void att_text_escape(const char *s, size_t n, AttBuf *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    while (i < n) {
        const unsigned char *u = (const unsigned char *)s + i;
        unsigned cp = 0;
        size_t k = att_utf8_seq(u, n - i, &cp), j;
        char esc[4 * 4 + 1];
        if (k && cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F)) {
            run += k;
            i += k;
            continue;
        }
        att_buf_add(out, s + i - run, run);
        run = 0;
        if (k == 0) k = 1; /* one byte that is not UTF-8 */
        if (*u == '\n')
            att_buf_add(out, "\\n", 2);
        else if (*u == '\r')
            att_buf_add(out, "\\r", 2);
        else if (*u == '\t')
            att_buf_add(out, "\\t", 2);
        else if (*u == 0x1B)
            att_buf_add(out, "\\e", 2);
        else {
            for (j = 0; j < k; j++) {
                esc[4 * j] = '\\';
                esc[4 * j + 1] = 'x';
                esc[4 * j + 2] = hex[u[j] >> 4];
                esc[4 * j + 3] = hex[u[j] & 15];
            }
            att_buf_add(out, esc, 4 * k);
        }
        i += k;
    }
    att_buf_add(out, s + n - run, run);
}

int att_header_value_ok(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) return 0;
    return 1;
}

void att_url_strip_userinfo(const char *url, char *buf, size_t buflen)
{
    const char *scheme = strstr(url, "://");
    if (buflen == 0) return;
    if (scheme) {
        const char *host = scheme + 3;
        size_t hostlen = strcspn(host, "/?#");
        const char *at = NULL, *p;
        for (p = host; p < host + hostlen; p++)
            if (*p == '@') at = p; /* the last '@' ends the user info */
        if (at) {
            snprintf(buf, buflen, "%.*s%s", (int)(host - url), url, at + 1);
            return;
        }
    }
    snprintf(buf, buflen, "%s", url);
}

/* The authority of an http(s) URL: *auth and *n, and whether it is https. -1 for other URLs. */
static int authority(const char *url, const char **auth, size_t *n, int *https)
{
    if (strncasecmp(url, "http://", 7) == 0) {
        *https = 0;
        *auth = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        *https = 1;
        *auth = url + 8;
    } else
        return -1;
    *n = strcspn(*auth, "/?#");
    return 0;
}

int att_url_origin(const char *url, char *out, size_t outlen)
{
    const char *a, *host, *end, *p, *port = NULL;
    size_t n, hn, i;
    int https;
    unsigned long pn;
    char lower[256];

    if (authority(url, &a, &n, &https) != 0) return -1;
    end = a + n;
    host = a;
    /* No backslash, space or control character anywhere in the authority: parsers disagree on
     * what "evil\@good" names. */
    for (p = a; p < end; p++) {
        if ((unsigned char)*p <= 0x20 || *p == '\\' || *p == 0x7F) return -1;
        if (*p == '@') host = p + 1;
    }
    if (host < end && *host == '[') {
        const char *rb = memchr(host, ']', (size_t)(end - host));
        if (!rb) return -1;
        hn = (size_t)(rb + 1 - host);
        if (rb + 1 < end) {
            if (rb[1] != ':') return -1;
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        hn = (size_t)((colon ? colon : end) - host);
        if (colon) port = colon + 1;
    }
    if (hn == 0 || hn >= sizeof lower) return -1;
    for (i = 0; i < hn; i++) lower[i] = (char)((host[i] >= 'A' && host[i] <= 'Z') ? host[i] + 32 : host[i]);
    lower[hn] = '\0';
    pn = https ? 443 : 80;
    if (port && port < end) {
        pn = 0;
        for (p = port; p < end; p++) {
            if (*p < '0' || *p > '9') return -1;
            pn = pn * 10 + (unsigned long)(*p - '0');
            if (pn > 65535) return -1;
        }
        if (pn == 0) return -1;
    }
    snprintf(out, outlen, "%s://%s:%lu", https ? "https" : "http", lower, pn);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (always terminated). */
static void pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t i, o = 0;
    for (i = 0; i < n && o + 1 < outlen; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

int att_url_userinfo(const char *url, char *user, size_t userlen, char *pass, size_t passlen)
{
    const char *a, *at = NULL, *colon, *p;
    size_t n;
    int https;
    if (passlen == 0 || authority(url, &a, &n, &https) != 0) return -1;
    for (p = a; p < a + n; p++)
        if (*p == '@') at = p;
    if (!at) return -1;
    colon = memchr(a, ':', (size_t)(at - a));
    if (!colon || colon + 1 == at) return -1;
    if (user && userlen) pct_decode(a, (size_t)(colon - a), user, userlen);
    pct_decode(colon + 1, (size_t)(at - colon - 1), pass, passlen);
    return 0;
}

int att_path_check(const char *path, char *err, size_t errlen)
{
    const char *seg, *end;
    if (path[0] != '/' || path[1] == '/') {
        snprintf(err, errlen, "must be a path starting with a single '/', relative to the base URL");
        return -1;
    }
    end = path + strcspn(path, "?");
    for (seg = path + 1; seg <= end;) {
        const char *stop = memchr(seg, '/', (size_t)(end - seg));
        char dec[8] = {0};
        size_t dn = 0, i, len;
        if (!stop) stop = end;
        len = (size_t)(stop - seg);
        for (i = 0; i < len; i++) {
            unsigned char c = (unsigned char)seg[i];
            char d = (char)c;
            if (c <= 0x20 || c == 0x7F || c == '\\' || c == '#') {
                snprintf(err, errlen, "must not contain spaces, control characters, '\\' or '#'");
                return -1;
            }
            if (c == '%') {
                int hi = i + 2 < len ? hexval(seg[i + 1]) : -1, lo = hi >= 0 ? hexval(seg[i + 2]) : -1;
                if (hi < 0 || lo < 0) {
                    snprintf(err, errlen, "has a malformed percent-escape");
                    return -1;
                }
                d = (char)(hi * 16 + lo);
                if (d == '/' || d == '\\' || d == '%' || d == '.') {
                    /* an encoded separator, an encoded dot or a double encoding: refused, since
                     * servers and proxies decode them in different places */
                    snprintf(err, errlen, "must not percent-encode '/', '\\', '.' or '%%'");
                    return -1;
                }
                i += 2;
            }
            if (dn < sizeof dec) dec[dn] = d;
            dn++;
        }
        if ((dn == 1 && dec[0] == '.') || (dn == 2 && dec[0] == '.' && dec[1] == '.')) {
            snprintf(err, errlen, "must not contain '.' or '..' segments (it would leave the base path)");
            return -1;
        }
        seg = stop + 1;
    }
    for (; *end; end++)
        if ((unsigned char)*end <= 0x20 || *end == 0x7F || *end == '#') {
            snprintf(err, errlen, "must not contain spaces, control characters or '#'");
            return -1;
        }
    return 0;
}
