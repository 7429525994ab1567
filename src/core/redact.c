/* redact.c — see redact.h.
 *
 * Finding a credential: each one has an anchor, its longest run of letters and digits (which every
 * encoding leaves as they are). memmem finds the anchor; around each hit a small matcher decodes
 * the text one unit at a time (a raw byte, %XX, \/ \" \\ \uXXXX, '+', an HTML character reference)
 * and compares with the credential. A credential with no run of four such characters is looked for
 * at every position that could start it. The matcher backtracks where a unit can be read two ways
 * (a '%' in the credential itself, say), within a fixed number of steps. */
#define _GNU_SOURCE
#include "core/redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct Secret {
    char *s;
    size_t n;
    size_t anchor, alen; /* the anchor s[anchor..anchor+alen); alen 0: none */
} Secret;

struct AttRedact {
    Secret *v;
    size_t count, cap;
};

#define MATCH_STEPS 4096
#define UNIT_MAX    10 /* the longest encoding of one byte: "&#x0002F;" and the like */

AttRedact *att_redact_new(void) { return calloc(1, sizeof(AttRedact)); }

void att_redact_free(AttRedact *r)
{
    size_t i;
    if (!r) return;
    for (i = 0; i < r->count; i++) {
        memset(r->v[i].s, 0, r->v[i].n);
        free(r->v[i].s);
    }
    free(r->v);
    free(r);
}

size_t att_redact_count(const AttRedact *r) { return r ? r->count : 0; }

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int att_redact_add(AttRedact *r, const char *s, size_t n)
{
    Secret *sec;
    size_t i, run = 0;
    if (!r || n == 0) return 0;
    for (i = 0; i < r->count; i++)
        if (r->v[i].n == n && memcmp(r->v[i].s, s, n) == 0) return 0;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        Secret *v = realloc(r->v, cap * sizeof *v);
        if (!v) return -1;
        r->v = v;
        r->cap = cap;
    }
    sec = &r->v[r->count];
    memset(sec, 0, sizeof *sec);
    sec->s = malloc(n);
    if (!sec->s) return -1;
    memcpy(sec->s, s, n);
    sec->n = n;
    for (i = 0; i <= n; i++) {
        if (i < n && is_alnum((unsigned char)s[i])) {
            run++;
            continue;
        }
        if (run > sec->alen) {
            sec->alen = run;
            sec->anchor = i - run;
        }
        run = 0;
    }
    if (sec->alen < 4) sec->alen = 0;
    r->count++;
    return 0;
}

static void base64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

int att_redact_add_basic(AttRedact *r, const char *user, const char *password)
{
    size_t un = strlen(user), pn = strlen(password), n = un + 1 + pn;
    char *pair = malloc(n + 1), *b64 = malloc((n + 2) / 3 * 4 + 1);
    int rc = -1;
    if (pair && b64) {
        memcpy(pair, user, un);
        pair[un] = ':';
        memcpy(pair + un + 1, password, pn);
        pair[n] = '\0';
        base64((const unsigned char *)pair, n, b64);
        rc = att_redact_add(r, pair, n) | att_redact_add(r, b64, strlen(b64));
        memset(pair, 0, n);
        memset(b64, 0, strlen(b64));
    }
    free(pair);
    free(b64);
    return rc ? -1 : 0;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* An HTML character reference at t[0..n) ("&#47;", "&#x2f;", "&quot;" ...): its byte and length. */
static size_t html_ref(const unsigned char *t, size_t n, unsigned *v)
{
    static const struct {
        const char *name;
        unsigned char c;
    } named[] = {
        {"&quot;", '"'},  {"&amp;", '&'}, {"&lt;", '<'},   {"&gt;", '>'},
        {"&apos;", '\''}, {"&sol;", '/'}, {"&plus;", '+'}, {"&equals;", '='},
    };
    size_t i, k;
    if (n >= 4 && t[1] == '#') {
        unsigned x = 0;
        int hexa = t[2] == 'x' || t[2] == 'X';
        for (i = hexa ? 3 : 2; i < n && i < UNIT_MAX; i++) {
            int d = hexa ? hexval(t[i]) : (t[i] >= '0' && t[i] <= '9' ? t[i] - '0' : -1);
            if (d < 0) break;
            x = x * (hexa ? 16u : 10u) + (unsigned)d;
        }
        if (i < n && t[i] == ';' && i > (size_t)(hexa ? 3 : 2) && x < 0x80) {
            *v = x;
            return i + 1;
        }
        return 0;
    }
    for (k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t len = strlen(named[k].name);
        if (len <= n && memcmp(t, named[k].name, len) == 0) {
            *v = named[k].c;
            return len;
        }
    }
    return 0;
}

/* The ways the text at t[0..n) can be read as one byte: up to four (byte, length) pairs. */
static int units(const unsigned char *t, size_t n, unsigned char *c, size_t *len)
{
    int k = 0;
    unsigned v;
    c[k] = t[0];
    len[k++] = 1;
    if (t[0] == '%' && n >= 3 && hexval(t[1]) >= 0 && hexval(t[2]) >= 0) {
        c[k] = (unsigned char)(hexval(t[1]) * 16 + hexval(t[2]));
        len[k++] = 3;
    } else if (t[0] == '\\' && n >= 2) {
        if (t[1] == '/' || t[1] == '\\' || t[1] == '"') {
            c[k] = t[1];
            len[k++] = 2;
        } else if (t[1] == 'u' && n >= 6 && hexval(t[2]) == 0 && hexval(t[3]) == 0 && hexval(t[4]) >= 0 &&
                   hexval(t[5]) >= 0 && hexval(t[4]) < 8) {
            c[k] = (unsigned char)(hexval(t[4]) * 16 + hexval(t[5]));
            len[k++] = 6;
        }
    } else if (t[0] == '+') {
        c[k] = ' ';
        len[k++] = 1;
    } else if (t[0] == '&') {
        size_t l = html_ref(t, n, &v);
        if (l) {
            c[k] = (unsigned char)v;
            len[k++] = l;
        }
    }
    return k;
}

/* Matches sec from byte j at t[p..n): the end of the match, or 0. *steps bounds the work. */
static size_t match_from(const Secret *sec, size_t j, const unsigned char *t, size_t n, size_t p, int *steps)
{
    while (j < sec->n) {
        unsigned char c[4];
        size_t len[4];
        int k, nu, hits = 0, last = -1;
        if (p >= n) return 0;
        nu = units(t + p, n - p, c, len);
        for (k = 0; k < nu; k++)
            if (c[k] == (unsigned char)sec->s[j]) {
                hits++;
                last = k;
            }
        if (hits == 0) return 0;
        if (hits > 1) { /* read two ways: try each, within the budget */
            if (--*steps <= 0) return 0;
            for (k = 0; k < nu; k++) {
                size_t e;
                if (c[k] != (unsigned char)sec->s[j]) continue;
                e = match_from(sec, j + 1, t, n, p + len[k], steps);
                if (e) return e;
            }
            return 0;
        }
        p += len[last];
        j++;
    }
    return p;
}

static size_t match_at(const Secret *sec, const unsigned char *t, size_t n, size_t p)
{
    int steps = MATCH_STEPS;
    return match_from(sec, 0, t, n, p, &steps);
}

/* Could a match of sec start at t[p]? A cheap test before the matcher. */
static int may_start(const Secret *sec, unsigned char c)
{
    return c == (unsigned char)sec->s[0] || c == '%' || c == '\\' || c == '&' || (c == '+' && sec->s[0] == ' ');
}

static int find_one(const Secret *sec, const unsigned char *t, size_t n, size_t from, size_t *at, size_t *len)
{
    size_t p, e;
    if (from >= n) return 0;
    if (sec->alen == 0) {
        for (p = from; p < n; p++)
            if (may_start(sec, t[p]) && (e = match_at(sec, t, n, p)) != 0) {
                *at = p;
                *len = e - p;
                return 1;
            }
        return 0;
    }
    /* The credential's bytes before the anchor take 1..UNIT_MAX bytes each in the text. */
    p = from + sec->anchor < n ? from + sec->anchor : n;
    while (p < n) {
        const unsigned char *h = memmem(t + p, n - p, sec->s + sec->anchor, sec->alen);
        size_t hit, q, lo;
        if (!h) return 0;
        hit = (size_t)(h - t);
        lo = hit >= sec->anchor * UNIT_MAX ? hit - sec->anchor * UNIT_MAX : 0;
        if (lo < from) lo = from;
        for (q = lo; q <= hit; q++)
            if (may_start(sec, t[q]) && (e = match_at(sec, t, n, q)) != 0) {
                *at = q;
                *len = e - q;
                return 1;
            }
        p = hit + 1;
    }
    return 0;
}

int att_redact_find(const AttRedact *r, const char *s, size_t n, size_t from, size_t *at, size_t *len)
{
    size_t i, best = n, blen = 0;
    if (!r) return 0;
    for (i = 0; i < r->count; i++) {
        size_t a, l;
        if (find_one(&r->v[i], (const unsigned char *)s, n, from, &a, &l) && (a < best || (a == best && l > blen))) {
            best = a;
            blen = l;
        }
    }
    if (blen == 0) return 0;
    *at = best;
    *len = blen;
    return 1;
}

size_t att_redact_apply(const AttRedact *r, const char *s, size_t n, AttBuf *out)
{
    size_t pos = 0, count = 0, at, len;
    if (!r || r->count == 0) return 0;
    while (att_redact_find(r, s, n, pos, &at, &len)) {
        att_buf_add(out, s + pos, at - pos);
        att_buf_add(out, ATT_REDACTED, sizeof ATT_REDACTED - 1);
        pos = at + len;
        count++;
    }
    if (count) att_buf_add(out, s + pos, n - pos);
    return count;
}

/* ---- log lines ---------------------------------------------------------------------------------- */

static const char *const SECRET_HEADERS[] = {"authorization", "proxy-authorization", "cookie", "set-cookie", NULL};
static const char *const SECRET_FIELDS[] = {
    "access_token", "refresh_token", "id_token", "client_secret", "password", "passcode", "passCode",
    "otp",          "token",         "secret",   "apikey",        "api_key",  "pin",      NULL};

/* If a secret field name starts at in[i] (as "name" in JSON or name= in a form), returns the
 * length of the name with its quotes/separator up to the start of the value; else 0. */
static size_t field_at(const char *in, size_t n, size_t i)
{
    int k;
    int quoted = in[i] == '"';
    size_t start = i + (quoted ? 1 : 0);
    if (!quoted && i > 0 && in[i - 1] != '&' && in[i - 1] != '?' && in[i - 1] != ' ') return 0;
    for (k = 0; SECRET_FIELDS[k]; k++) {
        size_t len = strlen(SECRET_FIELDS[k]), j;
        if (start + len > n || strncasecmp(in + start, SECRET_FIELDS[k], len) != 0) continue;
        j = start + len;
        if (quoted) {
            if (j >= n || in[j] != '"') continue;
            j++;
            while (j < n && (in[j] == ' ' || in[j] == '\t')) j++;
            if (j >= n || in[j] != ':') continue;
            j++;
            while (j < n && (in[j] == ' ' || in[j] == '\t')) j++;
        } else {
            if (j >= n || in[j] != '=') continue;
            j++;
        }
        return j - i;
    }
    return 0;
}

void att_redact_line(const AttRedact *r, const char *s, size_t n, AttBuf *out)
{
    AttBuf clean = {0};
    size_t i = 0;
    int k;
    clean.budget = NULL;
    if (att_redact_apply(r, s, n, &clean) > 0) {
        s = clean.data ? clean.data : "";
        n = clean.len;
    }
    for (k = 0; SECRET_HEADERS[k]; k++) {
        size_t len = strlen(SECRET_HEADERS[k]);
        if (n > len && strncasecmp(s, SECRET_HEADERS[k], len) == 0 && s[len] == ':') {
            att_buf_add(out, s, len + 1);
            att_buf_adds(out, " " ATT_REDACTED);
            att_buf_wipe_free(&clean);
            return;
        }
    }
    while (i < n) {
        size_t f = (s[i] == '"' || isalpha((unsigned char)s[i])) ? field_at(s, n, i) : 0;
        if (f) {
            size_t j = i + f;
            att_buf_add(out, s + i, f);
            if (j < n && s[j] == '"') { /* a JSON string: up to the closing quote */
                j++;
                while (j < n && s[j] != '"') j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
                att_buf_adds(out, "\"" ATT_REDACTED "\"");
                i = j < n ? j + 1 : n;
            } else { /* a form value or a bare JSON value */
                while (j < n && s[j] != '&' && s[j] != ',' && s[j] != '}' && s[j] != ' ' && s[j] != '\r' &&
                       s[j] != '\n')
                    j++;
                att_buf_adds(out, ATT_REDACTED);
                i = j;
            }
        } else {
            size_t j = i + 1;
            while (j < n && s[j] != '"' && !isalpha((unsigned char)s[j])) j++;
            att_buf_add(out, s + i, j - i);
            i = j;
        }
    }
    att_buf_wipe_free(&clean);
}
