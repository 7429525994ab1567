/* fault.c — parsing and evaluation of --fault rules (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mix.h"

typedef enum ArgType {
    ARG_NONE,
    ARG_HTTP_CODE, /* 200..599 */
    ARG_ANY_CODE,  /* 100..599 */
    ARG_MS,
    ARG_COUNT,
    ARG_BYTES,
    ARG_OFFSET,   /* 1..2^53-1 */
    ARG_MALFORMED /* a name of `malformed_names` */
} ArgType;

typedef struct KindDef {
    const char *name;
    SbxFaultKind kind;
    SbxFaultClass cls;
    SbxFaultTarget target;
    ArgType arg;
    uint64_t count;    /* default count: events happen once unless count= says otherwise */
    const char *usage; /* as shown in --help */
    const char *help;
} KindDef;

#define ONCE            1
#define ALWAYS          UINT64_MAX
#define MAX_MS          600000u
#define MAX_INDIVIDUALS 1000000u
#define MAX_BYTES       ((uint64_t)1 << 30)
#define MAX_OFFSET      9007199254740991ull
#define SEARCH          ATT_SBX_FAULT_ON_SEARCH
#define TOKEN           ATT_SBX_FAULT_ON_TOKEN

static const KindDef kinds[] = {
    {"repeat-pages", ATT_SBX_FAULT_REPEAT_PAGES, ATT_SBX_FAULT_CLASS_PAGING, SEARCH, ARG_NONE, ALWAYS, "repeat-pages",
     "answer as if pageOffset were 1 (a server that ignores paging)"},
    {"status", ATT_SBX_FAULT_STATUS, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "status=CODE",
     "answer HTTP CODE (200..599) with {\"code\":\"INJECTED\",...}"},
    {"html", ATT_SBX_FAULT_HTML, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "html=CODE",
     "answer HTTP CODE with a gateway's text/html error page"},
    {"bad-json", ATT_SBX_FAULT_BAD_JSON, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_NONE, ALWAYS, "bad-json",
     "answer 200 with the page's JSON cut in half (a complete, invalid body)"},
    {"slow", ATT_SBX_FAULT_SLOW, ATT_SBX_FAULT_CLASS_DELAY, SEARCH, ARG_MS, ALWAYS, "slow=MS",
     "answer normally, but only after MS more milliseconds (before the headers)"},
    {"stall", ATT_SBX_FAULT_STALL, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_MS, ALWAYS, "stall=MS",
     "send headers and half the body, nothing for MS milliseconds, then the rest"},
    {"truncate", ATT_SBX_FAULT_TRUNCATE, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_NONE, ALWAYS, "truncate",
     "send 200 with the full Content-Length but half the body, then close"},
    {"reset", ATT_SBX_FAULT_RESET, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_NONE, ALWAYS, "reset",
     "close the connection without any answer"},
    {"grow", ATT_SBX_FAULT_GROW, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_COUNT, ONCE, "grow=N",
     "add N new individuals (of every serviceType) at the front of every result set"},
    {"shrink", ATT_SBX_FAULT_SHRINK, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_COUNT, ONCE, "shrink=N",
     "drop the first N individuals of every result set"},
    {"expire-tokens", ATT_SBX_FAULT_EXPIRE_TOKENS, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_NONE, ONCE, "expire-tokens",
     "expire every OAuth access token issued so far (this request still passes)"},
    {"echo-json", ATT_SBX_FAULT_ECHO_JSON, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "echo-json=CODE",
     "answer CODE with {\"code\":\"ECHO\",\"message\":\"received Authorization: VALUE\"}"},
    {"echo-html", ATT_SBX_FAULT_ECHO_HTML, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "echo-html=CODE",
     "answer CODE with a gateway's text/html page titled 'CODE Echo: VALUE'"},
    {"echo-text", ATT_SBX_FAULT_ECHO_TEXT, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "echo-text=CODE",
     "answer CODE with text/plain 'unauthorized request with Authorization: VALUE'"},
    {"ansi", ATT_SBX_FAULT_ANSI, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_HTTP_CODE, ALWAYS, "ansi=CODE",
     "answer CODE with text/plain full of terminal escapes (ESC, OSC, BEL, a C1 CSI)"},
    {"echo-page", ATT_SBX_FAULT_ECHO_PAGE, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_NONE, ALWAYS, "echo-page",
     "answer 200, VALUE as every preferredName, in two parts 300 ms apart"},
    {"hang", ATT_SBX_FAULT_HANG, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_NONE, ALWAYS, "hang",
     "read the request, then never answer (until the client or the sandbox goes)"},
    {"silence", ATT_SBX_FAULT_SILENCE, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_MS, ALWAYS, "silence=MS",
     "send 200 and the headers, nothing for MS milliseconds, then the whole body"},
    {"big", ATT_SBX_FAULT_BIG, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_BYTES, ALWAYS, "big=BYTES",
     "answer 200, the page padded to BYTES by \"padding\":\"xx...\" (1..1G; K, M, G)"},
    {"echo-basic", ATT_SBX_FAULT_ECHO_BASIC, ATT_SBX_FAULT_CLASS_ANSWER, TOKEN, ARG_HTTP_CODE, ALWAYS,
     "echo-basic=CODE", "token requests: answer CODE, invalid_client, echoing VALUE (see below)"},
    {"insert", ATT_SBX_FAULT_INSERT, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_COUNT, ONCE, "insert=N",
     "insert N new individuals (of every serviceType) at at=POS (default front)"},
    {"remove", ATT_SBX_FAULT_REMOVE, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_COUNT, ONCE, "remove=N",
     "remove N individuals for good, from at=POS on (default front)"},
    {"total-drift", ATT_SBX_FAULT_TOTAL_DRIFT, ATT_SBX_FAULT_CLASS_EVENT, SEARCH, ARG_COUNT, ALWAYS, "total-drift=N",
     "report totalCount + N*k, the k-th time it applies (the data is unchanged)"},
    {"offset-as", ATT_SBX_FAULT_OFFSET_AS, ATT_SBX_FAULT_CLASS_PAGING, SEARCH, ARG_OFFSET, ALWAYS, "offset-as=K",
     "answer every request as if pageOffset were K"},
    {"offset-mod", ATT_SBX_FAULT_OFFSET_MOD, ATT_SBX_FAULT_CLASS_PAGING, SEARCH, ARG_OFFSET, ALWAYS, "offset-mod=M",
     "answer as if pageOffset were ((pageOffset-1) mod M)+1: pages 1..M, 1..M, ..."},
    {"malformed", ATT_SBX_FAULT_MALFORMED, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_MALFORMED, ALWAYS, "malformed=WHAT",
     "answer 200 with the page malformed as WHAT says (see below); item at=I (default 0)"},
    {"empty", ATT_SBX_FAULT_EMPTY, ATT_SBX_FAULT_CLASS_ANSWER, SEARCH, ARG_ANY_CODE, ALWAYS, "empty=CODE",
     "answer HTTP CODE (100..599) with an empty body (Content-Length 0, no Location)"},
};

/* In the order of SbxMalformed. */
static const char *const malformed_names[] = {"individuals-object",
                                              "individuals-null",
                                              "individuals-missing",
                                              "individuals-string",
                                              "item-null",
                                              "item-number",
                                              "item-string",
                                              "item-array",
                                              "no-id",
                                              "id-null",
                                              "id-object",
                                              "id-bool",
                                              "id-empty",
                                              "dup-id",
                                              "total-missing",
                                              "total-float",
                                              "total-negative",
                                              "total-string",
                                              "total-huge",
                                              "total-max",
                                              "total-over",
                                              "page-size-huge",
                                              "page-size-zero",
                                              "page-size-float",
                                              "page-size-string",
                                              "not-object"};

#define NMALFORMED (sizeof malformed_names / sizeof malformed_names[0])

#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Digits only, no sign or spaces; 0 or -1. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Digits with an optional binary suffix K, M or G (either case); 0 or -1 (also on overflow). */
static int parse_bytes(const char *s, size_t n, uint64_t *out)
{
    unsigned shift = 0;
    if (n > 1) {
        switch (s[n - 1]) {
        case 'K':
        case 'k': shift = 10; break;
        case 'M':
        case 'm': shift = 20; break;
        case 'G':
        case 'g': shift = 30; break;
        default: break;
        }
    }
    uint64_t v;
    if (parse_u64(s, shift ? n - 1 : n, &v) != 0 || v > (UINT64_MAX >> shift)) return -1;
    *out = v << shift;
    return 0;
}

/* A plain decimal in [0, 1]: "0", "1", "0.25", ".5", "1.000". 0 or -1. */
static int parse_prob(const char *s, size_t n, double *out)
{
    size_t i = 0;
    double v = 0, scale = 1;
    int digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) v = v * 10 + (s[i] - '0');
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
    }
    if (i != n || digits == 0 || n > 20 || v > 1) return -1;
    *out = v;
    return 0;
}

typedef int (*ModSetter)(SbxFaultRule *r, const char *v, size_t n);

static int set_after(SbxFaultRule *r, const char *v, size_t n) { return parse_u64(v, n, &r->after); }

static int set_count(SbxFaultRule *r, const char *v, size_t n)
{
    return parse_u64(v, n, &r->count) == 0 && r->count >= 1 ? 0 : -1;
}

static int set_every(SbxFaultRule *r, const char *v, size_t n)
{
    return parse_u64(v, n, &r->every) == 0 && r->every >= 1 ? 0 : -1;
}

static int set_prob(SbxFaultRule *r, const char *v, size_t n) { return parse_prob(v, n, &r->prob); }

static int set_retry_after(SbxFaultRule *r, const char *v, size_t n)
{
    r->retry_after = ATT_SBX_RETRY_AFTER_SECONDS;
    if (n > 5 && memcmp(v, "date:", 5) == 0) {
        r->retry_after = ATT_SBX_RETRY_AFTER_DATE;
        v += 5;
        n -= 5;
    }
    /* Up to about 31 years: an HTTP-date that far ahead still fits a 32-bit time_t. */
    return parse_u64(v, n, &r->retry_after_s) == 0 && r->retry_after_s <= 999999999u ? 0 : -1;
}

/* at=: insert/remove take front, end, end-K, rand or an index; malformed an item index. */
static int set_at(SbxFaultRule *r, const char *v, size_t n)
{
    if (r->kind == ATT_SBX_FAULT_MALFORMED || (n && v[0] >= '0' && v[0] <= '9')) {
        r->at = ATT_SBX_POS_INDEX;
        return parse_u64(v, n, &r->at_n);
    }
    if (n == 5 && memcmp(v, "front", 5) == 0)
        r->at = ATT_SBX_POS_FRONT;
    else if (n == 3 && memcmp(v, "end", 3) == 0)
        r->at = ATT_SBX_POS_END;
    else if (n == 4 && memcmp(v, "rand", 4) == 0)
        r->at = ATT_SBX_POS_RAND;
    else if (n > 4 && memcmp(v, "end-", 4) == 0) {
        r->at = ATT_SBX_POS_END_MINUS;
        return parse_u64(v + 4, n - 4, &r->at_n);
    } else
        return -1;
    return 0;
}

typedef struct ModDef {
    const char *name;
    ModSetter set;
    unsigned kinds; /* bit per SbxFaultKind it may modify; 0: all */
    const char *usage;
    const char *help;
} ModDef;

#define KIND_BIT(k) (1u << (k))

static const ModDef modifiers[] = {
    {"after", set_after, 0, "after=K", "spare the first K requests (searches; token requests for echo-basic)"},
    {"count", set_count, 0, "count=N", "apply at most N times (N >= 1), then never again"},
    {"every", set_every, 0, "every=N", "apply only to every Nth request after those spared (N, 2N, ...)"},
    {"prob", set_prob, 0, "prob=P", "apply with probability P (0..1), drawn from --fault-seed"},
    {"retry-after", set_retry_after, KIND_BIT(ATT_SBX_FAULT_STATUS) | KIND_BIT(ATT_SBX_FAULT_HTML),
     "retry-after=S|date:S", "status/html only: add 'Retry-After: S', or an HTTP-date S s ahead"},
    {"at", set_at, KIND_BIT(ATT_SBX_FAULT_INSERT) | KIND_BIT(ATT_SBX_FAULT_REMOVE) | KIND_BIT(ATT_SBX_FAULT_MALFORMED),
     "at=POS|I", "insert/remove: front, end, end-K, rand or a 0-based index; malformed: item I"},
};

#define NMODS (sizeof modifiers / sizeof modifiers[0])

/* Splits "name[=value]" at its first '='. */
static void split(const char *tok, size_t len, size_t *name_len, const char **val, size_t *val_len)
{
    const char *eq = memchr(tok, '=', len);
    *name_len = eq ? (size_t)(eq - tok) : len;
    *val = eq ? eq + 1 : NULL;
    *val_len = eq ? len - *name_len - 1 : 0;
}

/* "status=CODE, html=CODE, ..." from the table, for error messages. */
static void kind_list(char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NKINDS && n < outlen; i++)
        n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? ", " : "", kinds[i].usage);
}

static void mod_list(char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NMODS && n < outlen; i++)
        n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? ", " : "", modifiers[i].usage);
}

static int parse_arg(const KindDef *k, const char *spec, const char *val, size_t vlen, SbxFaultRule *r, char *err,
                     size_t errlen)
{
    uint64_t v = 0;
    switch (k->arg) {
    case ARG_NONE:
        if (val) {
            snprintf(err, errlen, "--fault '%s': %s takes no value", spec, k->name);
            return -1;
        }
        return 0;
    case ARG_HTTP_CODE:
        if (!val || parse_u64(val, vlen, &v) != 0 || v < 200 || v > 599) {
            snprintf(err, errlen, "--fault '%s': %s needs an HTTP status code 200..599, e.g. %s=503", spec, k->name,
                     k->name);
            return -1;
        }
        break;
    case ARG_ANY_CODE:
        if (!val || parse_u64(val, vlen, &v) != 0 || v < 100 || v > 599) {
            snprintf(err, errlen, "--fault '%s': %s needs an HTTP status code 100..599, e.g. %s=503", spec, k->name,
                     k->name);
            return -1;
        }
        break;
    case ARG_OFFSET:
        if (!val || parse_u64(val, vlen, &v) != 0 || v < 1 || v > MAX_OFFSET) {
            snprintf(err, errlen, "--fault '%s': %s needs a number 1..%llu, e.g. %s=2", spec, k->name,
                     (unsigned long long)MAX_OFFSET, k->name);
            return -1;
        }
        break;
    case ARG_MALFORMED:
        for (v = 0; val && v < NMALFORMED; v++)
            if (strlen(malformed_names[v]) == vlen && memcmp(malformed_names[v], val, vlen) == 0) break;
        if (!val || v == NMALFORMED) {
            snprintf(err, errlen, "--fault '%s': %s needs one of the names in --help, e.g. %s=item-null", spec, k->name,
                     k->name);
            return -1;
        }
        break;
    case ARG_MS:
        if (!val || parse_u64(val, vlen, &v) != 0 || v > MAX_MS) {
            snprintf(err, errlen, "--fault '%s': %s needs milliseconds 0..%u, e.g. %s=2000", spec, k->name, MAX_MS,
                     k->name);
            return -1;
        }
        break;
    case ARG_COUNT:
        if (!val || parse_u64(val, vlen, &v) != 0 || v < 1 || v > MAX_INDIVIDUALS) {
            snprintf(err, errlen, "--fault '%s': %s needs a number of individuals 1..%u, e.g. %s=5", spec, k->name,
                     MAX_INDIVIDUALS, k->name);
            return -1;
        }
        break;
    case ARG_BYTES:
        if (!val || parse_bytes(val, vlen, &v) != 0 || v < 1 || v > MAX_BYTES) {
            snprintf(err, errlen,
                     "--fault '%s': %s needs a size in bytes 1..1G (suffix K, M or G: "
                     "KiB, MiB, GiB), e.g. %s=60M",
                     spec, k->name, k->name);
            return -1;
        }
        break;
    }
    r->arg = v;
    return 0;
}

static int parse_rule(const char *spec, SbxFaultRule *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->spec = spec;
    r->every = 1;
    r->prob = 1.0;
    const char *tok = spec;
    size_t len = strcspn(tok, ",");
    size_t nlen, vlen;
    const char *val;
    split(tok, len, &nlen, &val, &vlen);

    const KindDef *k = NULL;
    for (size_t i = 0; i < NKINDS; i++)
        if (strlen(kinds[i].name) == nlen && memcmp(kinds[i].name, tok, nlen) == 0) k = &kinds[i];
    if (!k) {
        char list[600];
        kind_list(list, sizeof list);
        snprintf(err, errlen, "--fault '%s': unknown fault kind (expected %s)", spec, list);
        return -1;
    }
    r->kind = k->kind;
    r->cls = k->cls;
    r->target = k->target;
    r->count = k->count;
    if (parse_arg(k, spec, val, vlen, r, err, errlen) != 0) return -1;

    while (tok[len] == ',') {
        tok += len + 1;
        len = strcspn(tok, ",");
        split(tok, len, &nlen, &val, &vlen);
        size_t m = NMODS;
        for (size_t i = 0; i < NMODS; i++)
            if (strlen(modifiers[i].name) == nlen && memcmp(modifiers[i].name, tok, nlen) == 0) m = i;
        if (m == NMODS) {
            char list[200];
            mod_list(list, sizeof list);
            snprintf(err, errlen, "--fault '%s': unknown modifier '%.*s' (expected %s)", spec,
                     (int)(len > 40 ? 40 : len), tok, list);
            return -1;
        }
        const ModDef *d = &modifiers[m];
        if (d->kinds && !(d->kinds & KIND_BIT(k->kind))) {
            snprintf(err, errlen, "--fault '%s': %s does not apply to %s", spec, d->name, k->name);
            return -1;
        }
        if (r->given & (1u << m)) {
            snprintf(err, errlen, "--fault '%s': %s is given twice", spec, d->name);
            return -1;
        }
        r->given |= 1u << m;
        if (!val || d->set(r, val, vlen) != 0) {
            snprintf(err, errlen, "--fault '%s': bad value for %s (%s: %s)", spec, d->name, d->usage, d->help);
            return -1;
        }
    }
    return 0;
}

int att_sbx_fault_add(SbxFaults *f, const char *spec, char *err, size_t errlen)
{
    SbxFaultRule r;
    if (f->count >= ATT_SBX_FAULT_MAX_RULES) {
        snprintf(err, errlen, "--fault: at most %d rules", ATT_SBX_FAULT_MAX_RULES);
        return -1;
    }
    if (parse_rule(spec, &r, err, errlen) != 0) return -1;
    SbxFaultRule *p = realloc(f->rules, (f->count + 1) * sizeof *p);
    if (!p) {
        snprintf(err, errlen, "--fault '%s': %s", spec, strerror(ENOMEM));
        return -1;
    }
    f->rules = p;
    f->rules[f->count++] = r;
    return 0;
}

void att_sbx_fault_free(SbxFaults *f)
{
    free(f->rules);
    f->rules = NULL;
    f->count = 0;
}

int att_sbx_fault_has(const SbxFaults *f, SbxFaultKind kind)
{
    for (size_t i = 0; f && i < f->count; i++)
        if (f->rules[i].kind == kind) return 1;
    return 0;
}

/* Uniform in [0, 1), a pure function of (seed, rule, request): the same seed gives the same
 * decisions in every run, whatever the other rules do or how requests interleave. */
static double draw(uint64_t seed, size_t rule, uint64_t seq)
{
    uint64_t z = att_mix64(seed ^ 0x243F6A8885A308D3u);
    z = att_mix64(z + (uint64_t)(rule + 1) * 0x9E3779B97F4A7C15u);
    z = att_mix64(z + seq * 0xD1B54A32D192ED03u);
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static int decides(const SbxFaults *f, size_t i, uint64_t seq)
{
    const SbxFaultRule *r = &f->rules[i];
    if (seq <= r->after || r->applied >= r->count) return 0;
    if ((seq - r->after) % r->every != 0) return 0;
    return r->prob >= 1.0 || draw(f->seed, i, seq) < r->prob;
}

void att_sbx_fault_plan(SbxFaults *f, SbxFaultTarget target, uint64_t seq, SbxFaultPlan *plan)
{
    memset(plan, 0, sizeof *plan);
    for (size_t i = 0; i < f->count; i++) {
        SbxFaultRule *r = &f->rules[i];
        const SbxFaultRule **slot = NULL;
        if (r->target != target) continue;
        if (r->cls == ATT_SBX_FAULT_CLASS_PAGING)
            slot = &plan->repeat;
        else if (r->cls == ATT_SBX_FAULT_CLASS_DELAY)
            slot = &plan->delay;
        else if (r->cls == ATT_SBX_FAULT_CLASS_ANSWER)
            slot = &plan->answer;
        if ((slot && *slot) || !decides(f, i, seq)) continue;
        if (slot) *slot = r;
        r->applied++;
        plan->applied[plan->napplied++] = r;
    }
}

uint64_t att_sbx_fault_page_offset(const SbxFaultRule *paging, uint64_t off)
{
    if (att_sbx_fault_is(paging, ATT_SBX_FAULT_OFFSET_AS)) return paging->arg;
    if (att_sbx_fault_is(paging, ATT_SBX_FAULT_OFFSET_MOD)) return (off - 1) % paging->arg + 1;
    return paging ? 1 : off; /* repeat-pages */
}

void att_sbx_fault_help(FILE *fp)
{
    fputs("\nFault rules: --fault KIND[=ARG][,MOD=VAL]... (repeatable). Search requests are numbered\n"
          "from 1 among those that pass the token and appname checks (token requests, which only\n"
          "echo-basic sees, on their own); rules are consulted in order.\n",
          fp);
    for (size_t i = 0; i < NKINDS; i++) fprintf(fp, "  %-22s %s\n", kinds[i].usage, kinds[i].help);
    fputs("Modifiers, for every kind unless said otherwise:\n", fp);
    for (size_t i = 0; i < NMODS; i++) fprintf(fp, "  %-22s %s\n", modifiers[i].usage, modifiers[i].help);
    fputs("malformed=WHAT, WHAT one of (item I: at=I, the last item on a shorter page):\n ", fp);
    for (size_t i = 0, col = 1; i < NMALFORMED; i++) {
        size_t w = strlen(malformed_names[i]) + 1;
        if (col + w > 100) {
            fputs("\n ", fp);
            col = 1;
        }
        fprintf(fp, " %s", malformed_names[i]);
        col += w;
    }
    fputs("\n", fp);
    fputs("A rule takes effect with the request it applies to (after an insert or remove, that request\n"
          "already sees the changed result set). grow, shrink, insert, remove and expire-tokens happen\n"
          "once unless count=N allows more (N individuals up to 1000000; at most 1000000 added in all);\n"
          "the other kinds apply to every request unless limited. Of repeat-pages, offset-as and\n"
          "offset-mod, of slow, and of the answer kinds (status ... reset, echo-json ... echo-basic,\n"
          "malformed, empty) only the first rule that applies to a request takes effect; a rule so\n"
          "shadowed keeps its count.\n"
          "The data set has one order of individuals; every result set (no filter, a serviceType) is\n"
          "the part of it that matches, in that order. insert and remove count positions in the\n"
          "unfiltered order: at=front (grow=N is insert=N, shrink=N is remove=N, both at the front),\n"
          "end, end-K (K before the end: an insert leaves K after it, a remove the K last), rand (a\n"
          "position drawn from --fault-seed at each event) or a 0-based index (past the end: the end).\n"
          "Removed individuals never come back; inserted ones are new, with ids never used before, and\n"
          "have an account of every serviceType. total-drift=N reports N*k more than the truth the k-th\n"
          "time it applies. malformed keeps the page's data but breaks one thing: individuals is an\n"
          "object keyed \"0\",\"1\"..., null, missing or a string; item I is null, 42, a string, an\n"
          "array holding it, lacks \"id\", has an id null, {\"value\":ID}, true or \"\" (dup-id: item I\n"
          "gets item I-1's id, item 1 item 0's for I=0); totalCount is missing, T.5, -T, \"T\",\n"
          "9000000000000000000, 9223372036854775807 or 18446744073709551616; pageInfo.pageSize\n"
          "4000000000000000000, 0, 4e18 or \"S\"; or the body is the bare array of individuals.\n"
          "E.g. --fault status=503,after=1,every=3,count=4\n"
          "VALUE, in the echo kinds, is the request's Authorization header as received, or (none).\n"
          "In JSON it is escaped as PHP does it (\\\" \\\\ \\/, \\u00XX for control characters, \\uXXXX\n"
          "beyond ASCII); in HTML < > & \" become entities; text/plain has it raw. echo-json=200 is\n"
          "the page plus \"echo\":VALUE. echo-page cuts the body in the middle of the credentials\n"
          "(what follows the scheme and its space) of the first preferredName. big's K, M, G are\n"
          "1024, 1024^2, 1024^3; a page already that big gets an empty padding.\n"
          "echo-basic applies to the token endpoint (--oauth-client) instead of searches; token\n"
          "requests are numbered from 1 on their own, and its after/every/count/prob count those.\n"
          "It answers CODE with {\"error\":\"invalid_client\",\"error_description\":\"bad client\n"
          "credentials: VALUE\"}; echo-basic=200 is the usual answer plus \"echo\":VALUE.\n",
          fp);
}
