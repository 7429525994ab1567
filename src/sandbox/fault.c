/* fault.c — parsing and evaluation of --fault rules (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum ArgType { ARG_NONE, ARG_HTTP_CODE } ArgType;

typedef struct KindDef {
    const char *name;
    SbxFaultKind kind;
    ArgType arg;
} KindDef;

static const KindDef kinds[] = {
    {"repeat-pages", ATT_SBX_FAULT_REPEAT_PAGES, ARG_NONE},
    {"status", ATT_SBX_FAULT_STATUS, ARG_HTTP_CODE},
    {"html", ATT_SBX_FAULT_HTML, ARG_HTTP_CODE},
    {"bad-json", ATT_SBX_FAULT_BAD_JSON, ARG_NONE},
};

#define KINDS_HELP "repeat-pages, status=CODE, html=CODE, bad-json"

/* Digits only, no sign or spaces; 0 or -1. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

typedef int (*ModSetter)(SbxFaultRule *r, const char *v, size_t n);

static int set_after(SbxFaultRule *r, const char *v, size_t n)
{
    return parse_u64(v, n, &r->after);
}

typedef struct ModDef {
    const char *name;
    ModSetter set;
    const char *help;
} ModDef;

static const ModDef modifiers[] = {
    {"after", set_after, "after=K: spare the first K search requests"},
};

/* Splits "name[=value]" at its first '='. */
static void split(const char *tok, size_t len, size_t *name_len, const char **val, size_t *val_len)
{
    const char *eq = memchr(tok, '=', len);
    *name_len = eq ? (size_t)(eq - tok) : len;
    *val = eq ? eq + 1 : NULL;
    *val_len = eq ? len - *name_len - 1 : 0;
}

static int parse_rule(const char *spec, SbxFaultRule *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->spec = spec;
    const char *tok = spec;
    size_t len = strcspn(tok, ",");
    size_t nlen, vlen;
    const char *val;
    split(tok, len, &nlen, &val, &vlen);

    const KindDef *k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].name) == nlen && memcmp(kinds[i].name, tok, nlen) == 0)
            k = &kinds[i];
    if (!k) {
        snprintf(err, errlen, "--fault '%s': unknown fault kind (expected " KINDS_HELP ")", spec);
        return -1;
    }
    r->kind = k->kind;
    if (k->arg == ARG_NONE && val) {
        snprintf(err, errlen, "--fault '%s': %s takes no value", spec, k->name);
        return -1;
    }
    if (k->arg == ARG_HTTP_CODE) {
        uint64_t code;
        if (!val || parse_u64(val, vlen, &code) != 0 || code < 200 || code > 599) {
            snprintf(err, errlen, "--fault '%s': %s needs an HTTP status code 200..599, e.g. %s=503",
                     spec, k->name, k->name);
            return -1;
        }
        r->code = (unsigned)code;
    }

    while (tok[len] == ',') {
        tok += len + 1;
        len = strcspn(tok, ",");
        split(tok, len, &nlen, &val, &vlen);
        const ModDef *m = NULL;
        for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++)
            if (strlen(modifiers[i].name) == nlen && memcmp(modifiers[i].name, tok, nlen) == 0)
                m = &modifiers[i];
        if (!m) {
            snprintf(err, errlen, "--fault '%s': unknown modifier '%.*s' (expected after=K)", spec,
                     (int)(len > 40 ? 40 : len), tok);
            return -1;
        }
        if (!val || m->set(r, val, vlen) != 0) {
            snprintf(err, errlen, "--fault '%s': bad value for %s (%s)", spec, m->name, m->help);
            return -1;
        }
    }
    return 0;
}

int att_sbx_fault_add(SbxFaults *f, const char *spec, char *err, size_t errlen)
{
    SbxFaultRule r;
    if (parse_rule(spec, &r, err, errlen) != 0)
        return -1;
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

void att_sbx_fault_plan(const SbxFaults *f, uint64_t seq, SbxFaultPlan *plan)
{
    memset(plan, 0, sizeof *plan);
    for (size_t i = 0; i < f->count; i++) {
        const SbxFaultRule *r = &f->rules[i];
        if (seq <= r->after)
            continue;
        if (r->kind == ATT_SBX_FAULT_REPEAT_PAGES) {
            if (!plan->repeat)
                plan->repeat = r;
        } else if (!plan->replace) {
            plan->replace = r;
        }
    }
}
