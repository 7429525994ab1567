/* oauth.c — the client-credentials token endpoint and the issued-token table (see oauth.h). */
#include "oauth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/clock.h"
#include "common/secret.h"
#include "jsonw.h"

#define TOKEN_BYTES 32   /* 256 random bits */
#define TOKEN_CHARS 43   /* as base64url without padding */
#define MAX_PARAM   4096 /* longest form value we look at */

typedef struct Token {
    char text[TOKEN_CHARS + 1];
    int64_t expires_ms; /* monotonic; INT64_MIN once ended by a fault */
} Token;

struct SbxOAuth {
    pthread_mutex_t mu;
    char *id, *secret;
    unsigned ttl_s;
    Token tokens[ATT_SBX_OAUTH_MAX_TOKENS]; /* a ring: the next one issued goes to `next` */
    size_t next, used;
    uint64_t issued;
};

int att_sbx_oauth_check_client(const char *spec, char *err, size_t errlen)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        snprintf(err, errlen, "--oauth-client: expected ID:SECRET, both non-empty");
        return -1;
    }
    for (const char *p = spec; *p; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            snprintf(err, errlen,
                     "--oauth-client: the client id and secret must be printable ASCII "
                     "without spaces");
            return -1;
        }
    }
    return 0;
}

SbxOAuth *att_sbx_oauth_new(const char *client, unsigned ttl_s)
{
    SbxOAuth *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    const char *colon = strchr(client, ':');
    size_t idlen = colon ? (size_t)(colon - client) : strlen(client);
    o->id = strndup(client, idlen);
    o->secret = strdup(colon ? colon + 1 : "");
    o->ttl_s = ttl_s;
    if (!o->id || !o->secret || pthread_mutex_init(&o->mu, NULL) != 0) {
        free(o->id);
        free(o->secret);
        free(o);
        return NULL;
    }
    return o;
}

void att_sbx_oauth_free(SbxOAuth *o)
{
    if (!o) return;
    pthread_mutex_destroy(&o->mu);
    /* Secrets and tokens do not outlive their use in freed memory. */
    memset(o->secret, 0, strlen(o->secret));
    memset(o->tokens, 0, sizeof o->tokens);
    free(o->id);
    free(o->secret);
    free(o);
}

/* ---- Encodings ---------------------------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Standard base64, padding optional; out has room for n * 3 / 4 + 1 bytes. Returns the decoded
 * length (NUL-terminated), or -1. */
static long b64_decode(const char *s, size_t n, char *out)
{
    while (n && s[n - 1] == '=') n--;
    if (n % 4 == 1) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (char)(acc >> 16);
            out[o++] = (char)(acc >> 8);
            out[o++] = (char)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) {
        out[o++] = (char)(acc >> 4);
    } else if (n % 4 == 3) {
        out[o++] = (char)(acc >> 10);
        out[o++] = (char)(acc >> 2);
    }
    out[o] = '\0';
    return (long)o;
}

static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = abc[v >> 18];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
        out[o++] = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = abc[v >> 18];
        out[o++] = abc[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = abc[v >> 18];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = abc[v >> 6 & 63];
    }
    out[o] = '\0';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* application/x-www-form-urlencoded decoding of s[0..n) into a new string; NULL when malformed
 * (a bad %-escape, an encoded NUL) or out of memory. */
static char *form_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- The token request ---------------------------------------------------------------------------- */

typedef struct Form {
    char *grant_type, *scope, *client_id, *client_secret;
} Form;

static void form_free(Form *f)
{
    free(f->grant_type);
    free(f->scope);
    free(f->client_id);
    if (f->client_secret) memset(f->client_secret, 0, strlen(f->client_secret));
    free(f->client_secret);
    memset(f, 0, sizeof *f);
}

/* Parses the body into the parameters we know (others are ignored); 0, or -1 with *why set. */
static int form_parse(const char *body, size_t len, Form *f, const char **why)
{
    static const char *const names[] = {"grant_type", "scope", "client_id", "client_secret"};
    char **slots[] = {&f->grant_type, &f->scope, &f->client_id, &f->client_secret};
    memset(f, 0, sizeof *f);
    size_t i = 0;
    while (i < len) {
        const char *seg = body + i;
        const char *amp = memchr(seg, '&', len - i);
        size_t slen = amp ? (size_t)(amp - seg) : len - i;
        i += slen + 1;
        if (slen == 0) continue;
        const char *eq = memchr(seg, '=', slen);
        size_t nlen = eq ? (size_t)(eq - seg) : slen;
        char *name = form_decode(seg, nlen);
        if (!name) {
            *why = "the form body is not valid application/x-www-form-urlencoded";
            return -1;
        }
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            if (strcmp(name, names[k]) != 0) continue;
            size_t vlen = eq ? slen - nlen - 1 : 0;
            if (*slots[k]) {
                *why = "a parameter is given more than once";
            } else if (vlen > MAX_PARAM) {
                *why = "a parameter is too long";
            } else if (!(*slots[k] = form_decode(eq ? eq + 1 : "", vlen))) {
                *why = "the form body is not valid application/x-www-form-urlencoded";
            } else {
                continue;
            }
            free(name);
            return -1;
        }
        free(name);
    }
    return 0;
}

/* "application/x-www-form-urlencoded", any case, optionally followed by parameters. */
static int is_form(const char *ctype)
{
    static const char want[] = "application/x-www-form-urlencoded";
    if (!ctype) return 0;
    while (*ctype == ' ' || *ctype == '\t') ctype++;
    if (strncasecmp(ctype, want, sizeof want - 1) != 0) return 0;
    char c = ctype[sizeof want - 1];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

/* scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
static int scope_ok(const char *s)
{
    if (!*s || *s == ' ') return 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ') {
            if (p[1] == ' ' || p[1] == '\0') return 0;
        } else if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) {
            return 0;
        }
    }
    return 1;
}

static void name_client(SbxTokenReply *r, const char *id)
{
    size_t n = 0;
    for (; id && id[n] && n < 64; n++)
        r->client[n] = (unsigned char)id[n] > 0x20 && (unsigned char)id[n] < 0x7f ? id[n] : '?';
    if (n == 0) r->client[n++] = '-';
    r->client[n] = '\0';
}

static void reply_error(SbxTokenReply *r, unsigned status, const char *error, const char *desc)
{
    r->status = status;
    r->error = error;
    r->www_authenticate = status == 401 ? "Basic" : NULL;
    att_buf_reset(&r->body);
    att_buf_adds(&r->body, "{\"error\":");
    att_sbx_json_str(&r->body, error);
    att_buf_adds(&r->body, ",\"error_description\":");
    att_sbx_json_str(&r->body, desc);
    att_buf_addc(&r->body, '}');
}

/* Whether (id, secret) is our client; either raw (as curl sends Basic credentials) or, as RFC 6749
 * section 2.3.1 asks of Basic credentials, form-encoded. */
static int client_ok(const SbxOAuth *o, const char *id, const char *secret, int basic)
{
    int ok = strcmp(id, o->id) == 0 && att_same_secret(secret, strlen(secret), o->secret, strlen(o->secret));
    if (!ok && basic) {
        char *did = form_decode(id, strlen(id));
        char *dsecret = form_decode(secret, strlen(secret));
        ok = did && dsecret && strcmp(did, o->id) == 0 &&
             att_same_secret(dsecret, strlen(dsecret), o->secret, strlen(o->secret));
        free(did);
        if (dsecret) memset(dsecret, 0, strlen(dsecret));
        free(dsecret);
    }
    return ok;
}

/* Issues a token into r->body; 0 or -1 (no randomness). */
static int issue(SbxOAuth *o, const char *scope, SbxTokenReply *r)
{
    unsigned char raw[TOKEN_BYTES];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return -1;
    Token t;
    b64url_encode(raw, sizeof raw, t.text);
    memset(raw, 0, sizeof raw);
    t.expires_ms = att_clock_ms() + (int64_t)o->ttl_s * 1000;

    pthread_mutex_lock(&o->mu);
    o->tokens[o->next] = t;
    o->next = (o->next + 1) % ATT_SBX_OAUTH_MAX_TOKENS;
    if (o->used < ATT_SBX_OAUTH_MAX_TOKENS) o->used++;
    r->issued = ++o->issued;
    pthread_mutex_unlock(&o->mu);

    r->status = 200;
    att_buf_adds(&r->body, "{\"access_token\":");
    att_sbx_json_str(&r->body, t.text);
    att_buf_adds(&r->body, ",\"token_type\":\"Bearer\",\"expires_in\":");
    att_buf_add_u64(&r->body, o->ttl_s);
    att_buf_adds(&r->body, ",\"scope\":");
    att_sbx_json_str(&r->body, scope);
    att_buf_addc(&r->body, '}');
    memset(&t, 0, sizeof t);
    return 0;
}

/* The client credentials of an "Authorization: Basic ..." header, decoded into a new buffer
 * (*basic, of *size bytes, that the caller wipes and frees even on failure): 1 with *id and
 * *secret pointing into it; 0, all untouched, when there is no header or it is of another scheme;
 * -1 when it is Basic but malformed. */
static int basic_credentials(const char *authorization, char **basic, size_t *size, const char **id,
                             const char **secret)
{
    if (!authorization) return 0;
    while (*authorization == ' ') authorization++;
    if (strncasecmp(authorization, "Basic ", 6) != 0) return 0;
    const char *b = authorization + 6;
    while (*b == ' ') b++;
    size_t blen = strlen(b);
    while (blen && (b[blen - 1] == ' ' || b[blen - 1] == '\t')) blen--;
    char *colon = NULL;
    *size = blen / 4 * 3 + 4;
    *basic = malloc(*size);
    long dlen = *basic ? b64_decode(b, blen, *basic) : -1;
    if (dlen > 0 && strlen(*basic) == (size_t)dlen) colon = strchr(*basic, ':');
    if (!colon) return -1;
    *colon = '\0';
    *id = *basic;
    *secret = colon + 1;
    return 1;
}

/* Once the client has named itself: authenticates it, checks the grant, and issues the token
 * (unless !may_issue). */
static void grant(SbxOAuth *o, const Form *f, const char *id, const char *secret, int basic, int may_issue,
                  SbxTokenReply *r)
{
    if (!id || !secret) {
        reply_error(r, 401, "invalid_client",
                    "client authentication is required (HTTP Basic, or "
                    "client_id and client_secret in the body)");
    } else if (!client_ok(o, id, secret, basic)) {
        reply_error(r, 401, "invalid_client", "client authentication failed");
    } else if (!f->grant_type) {
        reply_error(r, 400, "invalid_request", "grant_type is required");
    } else if (strcmp(f->grant_type, "client_credentials") != 0) {
        reply_error(r, 400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
    } else if (f->scope && !scope_ok(f->scope)) {
        reply_error(r, 400, "invalid_scope", "scope must be space-separated scope tokens");
    } else if (may_issue && issue(o, f->scope ? f->scope : ATT_SBX_OAUTH_DEFAULT_SCOPE, r) != 0) {
        reply_error(r, 500, "server_error", "no random numbers for a token");
    }
}

/* The usual answer; without a token (and with status 0) where one would be issued unless may_issue. */
static void answer(SbxOAuth *o, const char *content_type, const char *authorization, const char *body, size_t len,
                   int may_issue, SbxTokenReply *r)
{
    memset(r, 0, sizeof *r);
    name_client(r, NULL);
    pthread_mutex_lock(&o->mu);
    r->issued = o->issued;
    pthread_mutex_unlock(&o->mu);

    if (!is_form(content_type)) {
        reply_error(r, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        return;
    }
    Form f;
    const char *why = NULL;
    if (form_parse(body ? body : "", body ? len : 0, &f, &why) != 0) {
        form_free(&f);
        reply_error(r, 400, "invalid_request", why);
        return;
    }

    /* Client authentication: HTTP Basic, or client_id and client_secret in the body. */
    char *basic = NULL;
    size_t basic_size = 0;
    const char *id = f.client_id, *secret = f.client_secret;
    int how = basic_credentials(authorization, &basic, &basic_size, &id, &secret);
    if (how >= 0) name_client(r, id);
    if (how < 0)
        reply_error(r, 401, "invalid_client", "malformed HTTP Basic credentials");
    else if (how > 0 && f.client_secret)
        reply_error(r, 400, "invalid_request", "use one client authentication method: HTTP Basic or client_secret");
    else
        grant(o, &f, id, secret, how > 0, may_issue, r);
    if (basic) {
        memset(basic, 0, basic_size);
        free(basic);
    }
    form_free(&f);
}

void att_sbx_oauth_token(SbxOAuth *o, const char *content_type, const char *authorization, const char *body, size_t len,
                         unsigned echo, SbxTokenReply *r)
{
    /* The request is looked at even when a fault answers it, so that the log names its client. */
    answer(o, content_type, authorization, body, len, echo == 0 || echo == 200, r);
    if (!echo) return;
    const char *value = authorization ? authorization : "(none)";
    if (echo == 200) {
        if (att_sbx_json_reopen(&r->body) == 0) {
            att_buf_adds(&r->body, "\"echo\":\"");
            att_sbx_json_php(&r->body, value);
            att_buf_adds(&r->body, "\"}");
        }
        return;
    }
    r->status = echo;
    r->error = "invalid_client";
    r->www_authenticate = echo == 401 ? "Basic" : NULL;
    att_buf_reset(&r->body);
    att_buf_adds(&r->body, "{\"error\":\"invalid_client\",\"error_description\":"
                           "\"bad client credentials: ");
    att_sbx_json_php(&r->body, value);
    att_buf_adds(&r->body, "\"}");
}

SbxTokenState att_sbx_oauth_check(SbxOAuth *o, const char *token, size_t len)
{
    SbxTokenState st = ATT_SBX_TOKEN_UNKNOWN;
    int64_t now = att_clock_ms();
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->used; i++) {
        const Token *t = &o->tokens[i];
        if (att_same_secret(token, len, t->text, TOKEN_CHARS))
            st = now < t->expires_ms ? ATT_SBX_TOKEN_VALID : ATT_SBX_TOKEN_EXPIRED;
    }
    pthread_mutex_unlock(&o->mu);
    return st;
}

void att_sbx_oauth_expire_all(SbxOAuth *o)
{
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->used; i++) o->tokens[i].expires_ms = INT64_MIN;
    pthread_mutex_unlock(&o->mu);
}
