/* gen.c — the record builders of the generated data set: one individual drawn, from its own PRNG
 * stream (rng.h), out of the pools and the catalogue (pools.c) into a plain struct, then rendered
 * in exactly the shape (key order, JSON types) of the published example.
 *
 * Drawing first and rendering afterwards keeps the draws and the output order independent: the
 * account's lastModified, for one, depends on its subscribers. */
#include "gen.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/civil.h"
#include "common/mix.h"
#include "jsonw.h"
#include "pools.h"
#include "rng.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Calendar ---------------------------------------------------------------------------------- */

static int64_t epoch(int64_t y, unsigned m, unsigned d) { return att_days_from_civil(y, m, d) * 86400; }

/* Appends `t` (seconds since the epoch, >= 0) as "YYYY-MM-DDTHH:MM:SSZ" in quotes. */
static void put_time(AttBuf *b, int64_t t)
{
    AttCivilTime c;
    att_civil_from_time(t, &c);
    unsigned y = (unsigned)c.year, m = c.month, d = c.day, hh = c.hour, mm = c.min, ss = c.sec;
    char s[22] = "\"0000-00-00T00:00:00Z\"";
    s[1] = (char)('0' + y / 1000 % 10);
    s[2] = (char)('0' + y / 100 % 10);
    s[3] = (char)('0' + y / 10 % 10);
    s[4] = (char)('0' + y % 10);
    s[6] = (char)('0' + m / 10);
    s[7] = (char)('0' + m % 10);
    s[9] = (char)('0' + d / 10);
    s[10] = (char)('0' + d % 10);
    s[12] = (char)('0' + hh / 10);
    s[13] = (char)('0' + hh % 10);
    s[15] = (char)('0' + mm / 10);
    s[16] = (char)('0' + mm % 10);
    s[18] = (char)('0' + ss / 10);
    s[19] = (char)('0' + ss % 10);
    att_buf_add(b, s, sizeof s);
}

/* ---- The drawn individual ---------------------------------------------------------------------- */

enum { MAX_ACCOUNTS = 3, MAX_SUBS = 3, MAX_PRODUCTS = 2 };

typedef struct GenProduct {
    const SbxProduct *p;
    unsigned status; /* index into att_sbx_product_status */
    int64_t activation, creation, update;
} GenProduct;

typedef struct GenSub {
    unsigned phone4, state, nprod;
    int64_t created, updated;
    GenProduct prod[MAX_PRODUCTS];
} GenSub;

typedef struct GenAccount {
    const char *svc_name; /* serviceType as rendered; NULL: att_sbx_service_names[svc] */
    uint64_t number;
    unsigned svc, type, subtype, rating, market, submarket, state, place, nsub;
    int locked, digital, spanish;
    int64_t created, modified, open;
    GenSub sub[MAX_SUBS];
} GenAccount;

typedef struct GenIndividual {
    uint64_t uuid_hi, uuid_lo;
    const SbxGivenName *given;
    const char *family, *preferred, *title;
    char middle; /* '\0' renders as "" */
    unsigned status, nacct;
    int64_t created, updated;
    GenAccount acct[MAX_ACCOUNTS];
} GenIndividual;

/* Account numbers: a bijection of account slots onto 100000000..999999999, so they are unique yet
 * look random. The multiplier is coprime with 9e8 = 2^8 * 3^2 * 5^8. Individual idx owns slots
 * idx * MAX_ACCOUNTS + k; the extra individuals of att_sbx_gen_extra own the slots after those. */
#define ACCT_SPACE  900000000u
#define ACCT_MUL    854435761u
#define EXTRA_SLOTS ((uint64_t)ATT_SBX_GEN_MAX_INDIVIDUALS * MAX_ACCOUNTS)

/* Everything the generator produces lies before this instant (2026-02-28T00:00:00Z). */
static int64_t gen_now(void) { return epoch(2026, 2, 28); }

/* A time strictly after `t` and at most `now`. */
static int64_t later(uint64_t *s, int64_t t, int64_t now)
{
    if (now - t < 2) return t + 1;
    return t + 1 + (int64_t)att_sbx_rng_below(s, (uint64_t)(now - t - 1));
}

static void draw_sub(uint64_t *s, const GenAccount *a, GenSub *u, int plain, int64_t now)
{
    static const unsigned char sub_state_w[] = {94, 3, 3};
    static const unsigned char nprod_w[] = {65, 35};
    u->created = (a->open / 86400 + (int64_t)att_sbx_rng_below(s, 31)) * 86400;
    u->updated = later(s, u->created, now);
    if (plain || a->state == 0)
        u->state = plain ? 0 : att_sbx_rng_weighted(s, sub_state_w, COUNT(sub_state_w));
    else
        u->state = a->state; /* SUSPENDED -> SUSPENDED, CLOSED -> CANCELLED */
    u->phone4 = (unsigned)att_sbx_rng_below(s, 10000);
    u->nprod = plain ? 1 : 1 + att_sbx_rng_weighted(s, nprod_w, COUNT(nprod_w));
    const SbxCatalogue *c = &att_sbx_catalogue[a->svc];
    for (unsigned i = 0; i < u->nprod; i++) {
        GenProduct *p = &u->prod[i];
        if (i == 0) {
            p->p = &c->plans[att_sbx_rng_below(s, c->nplans)];
            p->activation = u->created;
            p->creation = a->created;
        } else {
            p->p = &c->extras[att_sbx_rng_below(s, c->nextras)];
            p->activation = u->created + (int64_t)att_sbx_rng_below(s, (uint64_t)(u->updated - u->created));
            p->creation = p->activation;
        }
        p->update = u->updated;
        if (u->state != 0)
            p->status = u->state; /* SUSPENDED / CANCELLED follow the line */
        else
            p->status = i > 0 && att_sbx_rng_percent(s, 8) ? 3 : 0;
    }
}

/* Draws the account in `slot`; its serviceType is drawn too when svc < 0. */
static void draw_account(uint64_t *s, const SbxGen *g, uint64_t slot, int svc, const GenIndividual *ind, GenAccount *a,
                         int plain, int64_t now)
{
    static const unsigned char state_active_w[] = {94, 4, 2};
    static const unsigned char state_inactive_w[] = {0, 10, 90};
    static const unsigned char state_suspended_w[] = {0, 80, 20};
    static const unsigned char nsub_wireless_w[] = {45, 35, 20};
    static const unsigned char nsub_other_w[] = {80, 15, 5};

    a->svc_name = NULL;
    a->number = 100000000u + (slot % ACCT_SPACE * ACCT_MUL + g->acct_add) % ACCT_SPACE;
    if (svc >= 0)
        a->svc = (unsigned)svc;
    else
        a->svc = plain ? ATT_SBX_SVC_FIBER : att_sbx_rng_weighted(s, att_sbx_service_w, ATT_SBX_SVC_COUNT);
    a->type = plain ? 0 : att_sbx_rng_weighted(s, att_sbx_account_type_w, ATT_SBX_N_ACCOUNT_TYPES);
    a->subtype = plain ? 0 : (unsigned)att_sbx_rng_below(s, att_sbx_account_types[a->type].nsubtypes);
    a->rating = att_sbx_rng_weighted(s, att_sbx_rating_w, ATT_SBX_N_RATING_TYPES);
    a->market = (unsigned)att_sbx_rng_below(s, ATT_SBX_N_MARKETS);
    a->submarket = (unsigned)att_sbx_rng_below(s, att_sbx_markets[a->market].nsubs);
    if (plain)
        a->state = 0;
    else if (ind->status == 1)
        a->state = att_sbx_rng_weighted(s, state_inactive_w, 3);
    else if (ind->status == 2)
        a->state = att_sbx_rng_weighted(s, state_suspended_w, 3);
    else
        a->state = att_sbx_rng_weighted(s, state_active_w, 3);
    a->locked = !plain && att_sbx_rng_percent(s, a->state == 1 ? 50 : 10);
    a->digital = plain || att_sbx_rng_percent(s, 68);
    a->spanish = !plain && att_sbx_rng_percent(s, 14);
    a->created = epoch(2010, 1, 1) + (int64_t)att_sbx_rng_below(s, (uint64_t)(epoch(2025, 11, 1) - epoch(2010, 1, 1)));
    a->open = (a->created / 86400 + 1) * 86400;
    a->place = 1 + (unsigned)att_sbx_rng_below(s, 9999999);
    if (plain)
        a->nsub = 1;
    else if (a->svc == ATT_SBX_SVC_WIRELESS)
        a->nsub = 1 + att_sbx_rng_weighted(s, nsub_wireless_w, 3);
    else
        a->nsub = 1 + att_sbx_rng_weighted(s, nsub_other_w, 3);
    int64_t last = a->open;
    for (unsigned i = 0; i < a->nsub; i++) {
        draw_sub(s, a, &a->sub[i], plain, now);
        if (a->sub[i].updated > last) last = a->sub[i].updated;
    }
    a->modified = last + (int64_t)att_sbx_rng_below(s, 5 * 86400);
    if (a->modified > now) a->modified = now;
}

/* Everything about the person, before the accounts. */
static void draw_person(uint64_t *s, GenIndividual *ind, int plain, int64_t now)
{
    ind->uuid_hi = att_sbx_rng_next(s);
    ind->uuid_lo = att_sbx_rng_next(s);
    if (!plain && att_sbx_rng_percent(s, 6))
        ind->given = &att_sbx_given_special[att_sbx_rng_below(s, ATT_SBX_N_GIVEN_SPECIAL)];
    else
        ind->given = &att_sbx_given_plain[att_sbx_rng_below(s, ATT_SBX_N_GIVEN_PLAIN)];
    if (!plain && att_sbx_rng_percent(s, 7))
        ind->family = att_sbx_family_special[att_sbx_rng_below(s, ATT_SBX_N_FAMILY_SPECIAL)];
    else
        ind->family = att_sbx_family_plain[att_sbx_rng_below(s, ATT_SBX_N_FAMILY_PLAIN)];
    unsigned r = (unsigned)att_sbx_rng_below(s, 100);
    if (!plain && r < 4)
        ind->preferred = att_sbx_preferred_special[att_sbx_rng_below(s, ATT_SBX_N_PREFERRED_SPECIAL)];
    else if (!plain && r < 9)
        ind->preferred = "";
    else if (r < 45 && ind->given->nick)
        ind->preferred = ind->given->nick;
    else
        ind->preferred = ind->given->name;
    ind->middle = plain || att_sbx_rng_percent(s, 88) ? (char)('A' + att_sbx_rng_below(s, 26)) : '\0';
    unsigned t = (unsigned)att_sbx_rng_below(s, 100);
    if (ind->given->sex == 'M')
        ind->title = t < 92 ? "Mr" : "Dr";
    else if (ind->given->sex == 'F')
        ind->title = t < 58 ? "Ms" : t < 92 ? "Mrs" : "Dr";
    else
        ind->title = "Mx";
    ind->status = plain ? 0 : att_sbx_rng_weighted(s, att_sbx_individual_status_w, ATT_SBX_N_INDIVIDUAL_STATUS);
    ind->created =
        epoch(2016, 1, 1) + (int64_t)att_sbx_rng_below(s, (uint64_t)(epoch(2025, 12, 31) - epoch(2016, 1, 1)));
    ind->updated = later(s, ind->created, now);
    ind->nacct = 0;
}

static void draw_individual(const SbxGen *g, uint64_t idx, GenIndividual *ind)
{
    static const unsigned char nacct_w[] = {65, 25, 10};
    uint64_t s = att_mix64(g->base + (idx + 1) * 0xD1B54A32D192ED03u);
    int64_t now = gen_now();
    int plain = idx == 0; /* the first individual is an ordinary FIBER customer, whatever the seed */

    draw_person(&s, ind, plain, now);
    ind->nacct = plain ? 1 : 1 + att_sbx_rng_weighted(&s, nacct_w, COUNT(nacct_w));
    for (unsigned k = 0; k < ind->nacct; k++)
        draw_account(&s, g, idx * MAX_ACCOUNTS + k, -1, ind, &ind->acct[k], plain, now);
}

/* ---- Rendering --------------------------------------------------------------------------------- */

/* `prefix` is the literal text before the value, e.g. ",\"givenName\":". */
static void put_str(AttBuf *b, const char *prefix, const char *value)
{
    att_buf_adds(b, prefix);
    att_sbx_json_str(b, value);
}

static void put_uuid(AttBuf *b, uint64_t hi, uint64_t lo)
{
    static const char hex[] = "0123456789abcdef";
    /* A version-4, variant-1 UUID, as real systems issue them. */
    hi = (hi & ~(uint64_t)0xF000) | 0x4000;
    lo = (lo & ~((uint64_t)3 << 62)) | ((uint64_t)2 << 62);
    char s[38];
    size_t n = 0;
    s[n++] = '"';
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) s[n++] = '-';
        uint64_t w = i < 16 ? hi : lo;
        s[n++] = hex[(w >> (60 - 4 * (i % 16))) & 15];
    }
    s[n++] = '"';
    att_buf_add(b, s, n);
}

static void render_product(AttBuf *b, const GenProduct *p, unsigned place)
{
    put_str(b, "{\"productOfferingTypeGroup\":", p->p->group);
    att_buf_adds(b, p->p->bundle ? ",\"isBundle\":true" : ",\"isBundle\":false");
    put_str(b, ",\"productOfferingClassification\":", p->p->classification);
    put_str(b, ",\"name\":", p->p->name);
    put_str(b, ",\"description\":", p->p->description);
    put_str(b, ",\"status\":{\"status\":", att_sbx_product_status[p->status]);
    att_buf_adds(b, "},\"activationDate\":");
    put_time(b, p->activation);
    att_buf_adds(b, ",\"creationDate\":");
    put_time(b, p->creation);
    att_buf_adds(b, ",\"lastUpdate\":");
    put_time(b, p->update);
    /* All products of an account are installed at the account's one service address. */
    char addr[] = "ADDR-0000000";
    for (int i = 11; i >= 5; i--, place /= 10) addr[i] = (char)('0' + place % 10);
    put_str(b, ",\"place\":[{\"id\":", addr);
    att_buf_adds(b, "}],\"productCharacteristic\":[");
    for (int i = 0; i < 2 && p->p->chars[i][0]; i++) {
        put_str(b, i ? ",{\"name\":" : "{\"name\":", p->p->chars[i][0]);
        put_str(b, ",\"value\":", p->p->chars[i][1]);
        att_buf_addc(b, '}');
    }
    att_buf_adds(b, "]}");
}

static void render_account(AttBuf *b, const GenIndividual *ind, const GenAccount *a, uint64_t *sub_no)
{
    const SbxMarket *mk = &att_sbx_markets[a->market];
    const char *submarket = mk->subs[a->submarket];
    char middle[2] = {ind->middle, '\0'};

    att_buf_adds(b, "{\"id\":\"");
    att_buf_add_u64(b, a->number);
    put_str(b, "\",\"givenName\":", ind->given->name);
    put_str(b, ",\"familyName\":", ind->family);
    put_str(b, ",\"title\":", ind->title);
    put_str(b, ",\"middleInitial\":", middle);
    put_str(b, ",\"accountType\":", att_sbx_account_types[a->type].name);
    put_str(b, ",\"accountSubType\":", att_sbx_account_types[a->type].subtypes[a->subtype]);
    put_str(b, ",\"ratingType\":", att_sbx_rating_types[a->rating]);
    put_str(b, ",\"serviceType\":", a->svc_name ? a->svc_name : att_sbx_service_names[a->svc]);
    put_str(b, ",\"targetSOR\":", att_sbx_service_sor[a->svc]);
    att_buf_adds(b, ",\"subscribersCount\":\"");
    att_buf_add_u64(b, a->nsub);
    att_buf_adds(b, "\",\"createdOn\":");
    put_time(b, a->created);
    att_buf_adds(b, ",\"lastModified\":");
    put_time(b, a->modified);
    att_buf_adds(b, ",\"openDate\":");
    put_time(b, a->open);
    put_str(b, ",\"billingMarket\":", mk->name);
    put_str(b, ",\"billingSubMarket\":", submarket);
    att_buf_adds(b, a->locked ? ",\"accountLocked\":\"Y\"" : ",\"accountLocked\":\"N\"");
    put_str(b, ",\"state\":{\"state\":", att_sbx_account_state[a->state]);
    att_buf_adds(b, a->digital ? "},\"isDigitalAccount\":true" : "},\"isDigitalAccount\":false");
    att_buf_adds(b, a->spanish ? ",\"languagePreference\":\"es\"" : ",\"languagePreference\":\"en\"");
    put_str(b, ",\"smbContactInfo\":{\"nameInfo\":{\"firstName\":", ind->given->name);
    put_str(b, ",\"lastName\":", ind->family);
    att_buf_adds(b, "}},\"subscribers\":[");
    for (unsigned i = 0; i < a->nsub; i++) {
        const GenSub *u = &a->sub[i];
        char phone[] = "\"******0000\"";
        phone[7] = (char)('0' + u->phone4 / 1000);
        phone[8] = (char)('0' + u->phone4 / 100 % 10);
        phone[9] = (char)('0' + u->phone4 / 10 % 10);
        phone[10] = (char)('0' + u->phone4 % 10);
        att_buf_adds(b, i ? ",{\"id\":\"SUB-" : "{\"id\":\"SUB-");
        att_buf_add_u64(b, 10001 + (*sub_no)++);
        att_buf_adds(b, "\",\"phoneNumber\":");
        att_buf_adds(b, phone);
        att_buf_adds(b, ",\"createdOn\":");
        put_time(b, u->created);
        att_buf_adds(b, ",\"updatedOn\":");
        put_time(b, u->updated);
        att_buf_adds(b, ",\"activationDate\":");
        put_time(b, u->created);
        att_buf_adds(b, ",\"effectiveDate\":");
        put_time(b, u->updated);
        put_str(b, ",\"subMarket\":", submarket);
        put_str(b, ",\"status\":{\"state\":", att_sbx_subscriber_state[u->state]);
        att_buf_adds(b, "},\"products\":[");
        for (unsigned j = 0; j < u->nprod; j++) {
            if (j) att_buf_addc(b, ',');
            render_product(b, &u->prod[j], a->place);
        }
        att_buf_adds(b, "]}");
    }
    att_buf_adds(b, "]}");
}

/* The individual up to and including `"accounts":[`. */
static void render_person(AttBuf *b, const GenIndividual *ind)
{
    char middle[2] = {ind->middle, '\0'};

    att_buf_adds(b, "{\"id\":");
    put_uuid(b, ind->uuid_hi, ind->uuid_lo);
    put_str(b, ",\"givenName\":", ind->given->name);
    put_str(b, ",\"familyName\":", ind->family);
    put_str(b, ",\"preferredName\":", ind->preferred);
    put_str(b, ",\"profile\":{\"firstName\":", ind->given->name);
    put_str(b, ",\"lastName\":", ind->family);
    put_str(b, ",\"middleInitial\":", middle);
    put_str(b, "},\"status\":", att_sbx_individual_status[ind->status]);
    att_buf_adds(b, ",\"createdOn\":");
    put_time(b, ind->created);
    att_buf_adds(b, ",\"updatedOn\":");
    put_time(b, ind->updated);
    att_buf_adds(b, ",\"accounts\":[");
}

static void render_individual(AttBuf *b, const GenIndividual *ind, uint64_t sub_base)
{
    uint64_t sub_no = sub_base;
    render_person(b, ind);
    for (unsigned k = 0; k < ind->nacct; k++) {
        if (k) att_buf_addc(b, ',');
        render_account(b, ind, &ind->acct[k], &sub_no);
    }
    att_buf_adds(b, "]}");
}

/* ---- API --------------------------------------------------------------------------------------- */

void att_sbx_gen_init(SbxGen *g, uint64_t seed)
{
    g->base = att_mix64(seed ^ 0x6A09E667F3BCC908u);
    g->acct_add = att_mix64(g->base ^ 0xBB67AE8584CAA73Bu) % ACCT_SPACE;
}

void att_sbx_gen_individual(const SbxGen *g, uint64_t idx, uint64_t sub_base, AttBuf *out, SbxGenInfo *info)
{
    GenIndividual ind;
    draw_individual(g, idx, &ind);
    info->svc_mask = 0;
    info->nsubs = 0;
    for (unsigned k = 0; k < ind.nacct; k++) {
        info->svc_mask |= 1u << ind.acct[k].svc;
        info->nsubs += ind.acct[k].nsub;
    }
    if (out) render_individual(out, &ind, sub_base);
}

void att_sbx_gen_extra(const SbxGen *g, uint64_t n, const char *const *svc, size_t nsvc, uint64_t sub_base, AttBuf *out,
                       SbxGenInfo *info)
{
    /* A stream of its own, apart from the individuals' (idx + 1) * constant streams. */
    uint64_t s = att_mix64(g->base ^ 0x3C6EF372FE94F82Bu) + (n + 1) * 0xA54FF53A5F1D36F1u;
    s = att_mix64(s);
    int64_t now = gen_now();
    uint64_t sub_no = sub_base;
    GenIndividual ind;
    draw_person(&s, &ind, 0, now);
    info->svc_mask = 0;
    info->nsubs = 0;
    if (out) render_person(out, &ind);
    for (size_t j = 0; j < nsvc; j++) {
        int known = ATT_SBX_SVC_FIBER; /* products of an unknown serviceType: FIBER's catalogue */
        for (unsigned k = 0; k < ATT_SBX_SVC_COUNT; k++)
            if (strcasecmp(svc[j], att_sbx_service_names[k]) == 0) known = (int)k;
        GenAccount acct;
        draw_account(&s, g, EXTRA_SLOTS + n * nsvc + j, known, &ind, &acct, 0, now);
        acct.svc_name = svc[j];
        info->svc_mask |= 1u << acct.svc;
        info->nsubs += acct.nsub;
        if (out) {
            if (j) att_buf_addc(out, ',');
            render_account(out, &ind, &acct, &sub_no);
        }
    }
    if (out) att_buf_adds(out, "]}");
}

const char *att_sbx_gen_service_name(unsigned svc)
{
    return svc < ATT_SBX_SVC_COUNT ? att_sbx_service_names[svc] : NULL;
}
