/* gen.c — the generated data set: name pools, product catalogue, the PRNG, and the renderer that
 * writes one individual in exactly the shape (key order, JSON types) of the published example.
 *
 * An individual is drawn into a plain struct first and rendered afterwards, so that the draws and
 * the output order are independent: the account's lastModified, for one, depends on its subscribers. */
#include "gen.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/civil.h"
#include "common/mix.h"
#include "jsonw.h"

/* ---- PRNG: splitmix64, one stream per individual ---------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15u;
    return att_mix64(*s);
}

/* Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for the small n used here. */
static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

static int rng_percent(uint64_t *s, unsigned pct) { return rng_below(s, 100) < pct; }

/* Index drawn with integer weights that sum to 100. */
static unsigned rng_weighted(uint64_t *s, const unsigned char *w, unsigned n)
{
    unsigned r = (unsigned)rng_below(s, 100), acc = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        acc += w[i];
        if (r < acc) return i;
    }
    return n - 1;
}

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

/* ---- Pools ------------------------------------------------------------------------------------- */

typedef struct GivenName {
    const char *name;
    char sex;         /* 'M', 'F' or 'X' (title Mx) */
    const char *nick; /* usual short form, or NULL */
} GivenName;

static const GivenName given_plain[] = {
    {"JAMES", 'M', "JIM"},       {"MARY", 'F', NULL},         {"ROBERT", 'M', "BOB"},
    {"PATRICIA", 'F', "PATTY"},  {"JOHN", 'M', "JACK"},       {"JENNIFER", 'F', "JEN"},
    {"MICHAEL", 'M', "MIKE"},    {"LINDA", 'F', NULL},        {"DAVID", 'M', "DAVE"},
    {"ELIZABETH", 'F', "LIZ"},   {"WILLIAM", 'M', "BILL"},    {"BARBARA", 'F', "BARB"},
    {"RICHARD", 'M', "RICK"},    {"SUSAN", 'F', "SUE"},       {"JOSEPH", 'M', "JOE"},
    {"JESSICA", 'F', "JESS"},    {"THOMAS", 'M', "TOM"},      {"SARAH", 'F', NULL},
    {"CHARLES", 'M', "CHUCK"},   {"KAREN", 'F', NULL},        {"CHRISTOPHER", 'M', "CHRIS"},
    {"LISA", 'F', NULL},         {"DANIEL", 'M', "DAN"},      {"NANCY", 'F', NULL},
    {"MATTHEW", 'M', "MATT"},    {"BETTY", 'F', NULL},        {"ANTHONY", 'M', "TONY"},
    {"MARGARET", 'F', "PEGGY"},  {"MARK", 'M', NULL},         {"SANDRA", 'F', "SANDY"},
    {"DONALD", 'M', "DON"},      {"ASHLEY", 'F', NULL},       {"STEVEN", 'M', "STEVE"},
    {"KIMBERLY", 'F', "KIM"},    {"PAUL", 'M', NULL},         {"EMILY", 'F', NULL},
    {"ANDREW", 'M', "ANDY"},     {"DONNA", 'F', NULL},        {"JOSHUA", 'M', "JOSH"},
    {"MICHELLE", 'F', "SHELLY"}, {"KENNETH", 'M', "KEN"},     {"CAROL", 'F', NULL},
    {"KEVIN", 'M', NULL},        {"AMANDA", 'F', "MANDY"},    {"BRIAN", 'M', NULL},
    {"MELISSA", 'F', "MISSY"},   {"GEORGE", 'M', NULL},       {"DEBORAH", 'F', "DEBBIE"},
    {"TIMOTHY", 'M', "TIM"},     {"STEPHANIE", 'F', "STEPH"}, {"CARLOS", 'M', NULL},
    {"MARIA", 'F', NULL},        {"LUIS", 'M', NULL},         {"ANA", 'F', NULL},
    {"JUAN", 'M', NULL},         {"ROSA", 'F', NULL},         {"MIGUEL", 'M', NULL},
    {"SOFIA", 'F', NULL},        {"WEI", 'X', NULL},          {"PRIYA", 'F', NULL},
    {"RAJ", 'M', NULL},          {"AHMED", 'M', NULL},        {"FATIMA", 'F', NULL},
    {"KWAME", 'M', NULL},        {"AISHA", 'F', NULL},        {"DMITRI", 'M', NULL},
    {"OLGA", 'F', NULL},         {"HIROSHI", 'M', NULL},      {"YUKI", 'X', NULL},
    {"MINH", 'X', NULL},         {"JAMAL", 'M', NULL},        {"KEISHA", 'F', NULL},
    {"TAYLOR", 'X', NULL},       {"JORDAN", 'X', NULL},       {"MORGAN", 'X', NULL},
    {"GRACE", 'F', NULL},        {"SAMUEL", 'M', "SAM"},      {"HANNAH", 'F', NULL},
};

/* Names that exercise clients' UTF-8, quoting and CSV handling. */
static const GivenName given_special[] = {
    {"JOSÉ", 'M', "PEPE"},  {"ZOË", 'F', NULL},       {"ËLISE", 'F', NULL},    {"ØYVIND", 'M', NULL},
    {"RENÉE", 'F', NULL},   {"FRANÇOIS", 'M', NULL},  {"SØREN", 'M', NULL},    {"MARÍA JOSÉ", 'F', NULL},
    {"JÜRGEN", 'M', NULL},  {"ANDRÉ", 'M', NULL},     {"美咲", 'F', NULL},     {"伟", 'M', NULL},
    {"D'ANDRE", 'M', NULL}, {"MARY-KATE", 'F', NULL}, {"JEAN-LUC", 'M', NULL}, {"NGỌC", 'X', NULL},
};

static const char *const family_plain[] = {
    "SMITH",    "JOHNSON",   "WILLIAMS", "BROWN",    "JONES",    "GARCIA",   "MILLER", "DAVIS",   "RODRIGUEZ",
    "MARTINEZ", "HERNANDEZ", "LOPEZ",    "GONZALEZ", "WILSON",   "ANDERSON", "THOMAS", "TAYLOR",  "MOORE",
    "JACKSON",  "MARTIN",    "LEE",      "PEREZ",    "THOMPSON", "WHITE",    "HARRIS", "SANCHEZ", "CLARK",
    "RAMIREZ",  "LEWIS",     "ROBINSON", "WALKER",   "YOUNG",    "ALLEN",    "KING",   "WRIGHT",  "SCOTT",
    "TORRES",   "NGUYEN",    "HILL",     "FLORES",   "GREEN",    "ADAMS",    "NELSON", "BAKER",   "HALL",
    "RIVERA",   "CAMPBELL",  "MITCHELL", "CARTER",   "ROBERTS",  "PATEL",    "KIM",    "CHEN",    "WANG",
    "SINGH",    "OKAFOR",    "IVANOV",   "TANAKA",   "COHEN",    "MURPHY",   "REED",   "COOK",    "MORGAN",
    "BELL",     "BAILEY",    "COOPER",   "WARD",
};

static const char *const family_special[] = {
    "NGUYỄN",    "MÜLLER",   "O'BRIEN", "SMITH, JR.", "JOHNSON, III", "GARCÍA",     "PEÑA",          "D'ANGELO",
    "BJØRNSTAD", "SCHRÖDER", "王",      "佐藤",       "O'CONNOR",     "DE LA CRUZ", "WILLIAMS, SR.", "LÓPEZ-OBRADOR",
};

static const char *const preferred_special[] = {
    "\"CHIP\"", "J.R.", "DOC", "BUDDY \"BUD\"", "T-BONE", "LIL' MO",
};

static const char *const individual_status[] = {"ACTIVE", "INACTIVE", "SUSPENDED"};
static const unsigned char individual_status_w[] = {86, 9, 5};

static const char *const account_state[] = {"ACTIVE", "SUSPENDED", "CLOSED"};
static const char *const subscriber_state[] = {"ACTIVE", "SUSPENDED", "CANCELLED"};
static const char *const product_status[] = {"ACTIVE", "SUSPENDED", "CANCELLED", "PENDING"};

static const char *const service_names[ATT_SBX_SVC_COUNT] = {"FIBER", "WIRELESS", "DSL", "DTV", "VOIP"};
static const unsigned char service_w[ATT_SBX_SVC_COUNT] = {44, 26, 10, 11, 9};
/* System of record that holds each kind of account. */
static const char *const service_sor[ATT_SBX_SVC_COUNT] = {
    "LS-CRM-DB", "TLG-CRM", "LS-CRM-DB", "DTV-STMS", "LS-CRM-DB",
};

typedef struct AccountType {
    const char *name;
    const char *const *subtypes;
    unsigned nsubtypes;
} AccountType;

static const char *const consumer_sub[] = {
    "Consumer Residential",
    "Consumer Small Office",
    "Consumer Employee",
    "Consumer Senior",
};
static const char *const business_sub[] = {"Small Business", "Mid-Market Business", "Enterprise"};
static const char *const government_sub[] = {
    "Federal Government",
    "State Government",
    "Local Government",
    "Education",
};
static const AccountType account_types[] = {
    {"Consumer", consumer_sub, COUNT(consumer_sub)},
    {"Business", business_sub, COUNT(business_sub)},
    {"Government", government_sub, COUNT(government_sub)},
};
static const unsigned char account_type_w[] = {80, 15, 5};

static const char *const rating_types[] = {"STANDARD", "PREFERRED", "PREMIUM"};
static const unsigned char rating_w[] = {72, 18, 10};

typedef struct Market {
    const char *name;
    const char *subs[3];
    unsigned nsubs;
} Market;

static const Market markets[] = {
    {"DAL", {"DAL-NORTH", "DAL-SOUTH", "DAL-FTW"}, 3},
    {"HOU", {"HOU-WEST", "HOU-EAST", "HOU-NORTH"}, 3},
    {"ATL", {"ATL-METRO", "ATL-NORTH"}, 2},
    {"CHI", {"CHI-LOOP", "CHI-SOUTH", "CHI-NW"}, 3},
    {"LAX", {"LAX-WEST", "LAX-SFV"}, 2},
    {"NYC", {"NYC-MAN", "NYC-BKN", "NYC-QNS"}, 3},
    {"MIA", {"MIA-DADE", "MIA-BRW"}, 2},
    {"SEA", {"SEA-KING", "SEA-EAST"}, 2},
};

typedef struct Product {
    const char *group;          /* productOfferingTypeGroup */
    int bundle;                 /* isBundle */
    const char *classification; /* productOfferingClassification */
    const char *name;
    const char *description;
    const char *chars[2][2]; /* productCharacteristic name/value pairs; second may be NULL */
} Product;

static const Product fiber_plans[] = {
    {"BBOffer",
     0,
     "FIBER_PLAN",
     "AT&T Internet 300",
     "300 Mbps speed + unlimited internet data",
     {{"downloadSpeed", "300 Mbps"}, {"usageAllowance", "Unlimited"}}},
    {"BBOffer",
     0,
     "FIBER_PLAN",
     "AT&T Internet 500",
     "500 Mbps speed + unlimited internet data",
     {{"downloadSpeed", "500 Mbps"}, {"usageAllowance", "Unlimited"}}},
    {"BBOffer",
     0,
     "FIBER_PLAN",
     "AT&T Internet 1000",
     "1 GIG speed + unlimited internet data",
     {{"downloadSpeed", "1000 Mbps"}, {"usageAllowance", "Unlimited"}}},
    {"BBOffer",
     0,
     "FIBER_PLAN",
     "AT&T Internet 2000",
     "2 GIG speed + unlimited internet data",
     {{"downloadSpeed", "2000 Mbps"}, {"usageAllowance", "Unlimited"}}},
    {"BBOffer",
     0,
     "FIBER_PLAN",
     "AT&T Internet 5000",
     "5 GIG speed + unlimited internet data",
     {{"downloadSpeed", "5000 Mbps"}, {"usageAllowance", "Unlimited"}}},
};
static const Product fiber_extras[] = {
    {"BBOffer",
     0,
     "FIBER_EQUIPMENT",
     "AT&T Wi-Fi Gateway",
     "Wi-Fi 6 gateway included with AT&T Fiber",
     {{"model", "BGW320-505"}, {"ownership", "Leased"}}},
    {"BBOffer",
     0,
     "FIBER_ADDON",
     "AT&T Smart Wi-Fi Extender",
     "Whole-home Wi-Fi coverage extender",
     {{"extenderCount", "1"}, {NULL, NULL}}},
    {"BundleOffer",
     1,
     "FIBER_BUNDLE",
     "AT&T Fiber + DIRECTV STREAM",
     "Fiber internet bundled with DIRECTV STREAM Entertainment",
     {{"bundleDiscount", "$10/mo"}, {"channelCount", "90+"}}},
    {"BundleOffer",
     1,
     "FIBER_BUNDLE",
     "AT&T Fiber + Unlimited Wireless",
     "Combined discount for AT&T Fiber and AT&T Unlimited",
     {{"bundleDiscount", "$20/mo"}, {NULL, NULL}}},
};
static const Product wireless_plans[] = {
    {"WirelessOffer",
     0,
     "WIRELESS_PLAN",
     "AT&T Unlimited Premium",
     "Unlimited talk, text and premium data with 60GB hotspot",
     {{"dataAllowance", "Unlimited"}, {"hotspotData", "60GB"}}},
    {"WirelessOffer",
     0,
     "WIRELESS_PLAN",
     "AT&T Unlimited Extra",
     "Unlimited talk, text and data with 30GB hotspot",
     {{"dataAllowance", "Unlimited"}, {"hotspotData", "30GB"}}},
    {"WirelessOffer",
     0,
     "WIRELESS_PLAN",
     "AT&T Unlimited Starter",
     "Unlimited talk, text and data with 5GB hotspot",
     {{"dataAllowance", "Unlimited"}, {"hotspotData", "5GB"}}},
    {"WirelessOffer",
     0,
     "WIRELESS_PLAN",
     "AT&T Value Plus",
     "Unlimited talk and text with 16GB data",
     {{"dataAllowance", "16GB"}, {"network", "5G"}}},
};
static const Product wireless_extras[] = {
    {"WirelessOffer",
     0,
     "WIRELESS_DEVICE",
     "Apple iPhone 15 128GB",
     "Device installment plan, 36 months",
     {{"deviceMake", "Apple"}, {"installmentMonths", "36"}}},
    {"WirelessOffer",
     0,
     "WIRELESS_DEVICE",
     "Samsung Galaxy S24 256GB",
     "Device installment plan, 36 months",
     {{"deviceMake", "Samsung"}, {"installmentMonths", "36"}}},
    {"WirelessOffer",
     0,
     "WIRELESS_ADDON",
     "AT&T Protect Advantage",
     "Device protection for loss, theft and damage",
     {{"coverage", "Loss/Theft/Damage"}, {NULL, NULL}}},
    {"WirelessOffer",
     0,
     "WIRELESS_ADDON",
     "International Day Pass",
     "Use your plan in 210+ destinations for a daily fee",
     {{"dailyFee", "$12"}, {NULL, NULL}}},
};
static const Product dsl_plans[] = {
    {"BBOffer",
     0,
     "DSL_PLAN",
     "AT&T Internet Basic 5",
     "Up to 5 Mbps DSL internet with 1 TB data",
     {{"downloadSpeed", "5 Mbps"}, {"usageAllowance", "1 TB"}}},
    {"BBOffer",
     0,
     "DSL_PLAN",
     "AT&T Internet 18",
     "Up to 18 Mbps internet with 1 TB data",
     {{"downloadSpeed", "18 Mbps"}, {"usageAllowance", "1 TB"}}},
    {"BBOffer",
     0,
     "DSL_PLAN",
     "AT&T Internet 25",
     "Up to 25 Mbps internet with 1 TB data",
     {{"downloadSpeed", "25 Mbps"}, {"usageAllowance", "1 TB"}}},
    {"BBOffer",
     0,
     "DSL_PLAN",
     "AT&T Internet 50",
     "Up to 50 Mbps internet with 1.5 TB data",
     {{"downloadSpeed", "50 Mbps"}, {"usageAllowance", "1.5 TB"}}},
};
static const Product dsl_extras[] = {
    {"BBOffer",
     0,
     "DSL_EQUIPMENT",
     "AT&T Wi-Fi Gateway",
     "DSL gateway with built-in Wi-Fi",
     {{"model", "NVG599"}, {"ownership", "Leased"}}},
    {"BBOffer",
     0,
     "DSL_ADDON",
     "Unlimited Internet Data",
     "Removes the monthly data allowance",
     {{"usageAllowance", "Unlimited"}, {NULL, NULL}}},
};
static const Product dtv_plans[] = {
    {"VideoOffer",
     0,
     "DTV_PLAN",
     "DIRECTV ENTERTAINMENT",
     "75+ live TV channels",
     {{"channelCount", "75+"}, {"receivers", "1"}}},
    {"VideoOffer",
     0,
     "DTV_PLAN",
     "DIRECTV CHOICE",
     "105+ live TV channels incl. regional sports",
     {{"channelCount", "105+"}, {"receivers", "2"}}},
    {"VideoOffer",
     0,
     "DTV_PLAN",
     "DIRECTV ULTIMATE",
     "140+ live TV channels",
     {{"channelCount", "140+"}, {"receivers", "2"}}},
    {"VideoOffer",
     0,
     "DTV_PLAN",
     "DIRECTV PREMIER",
     "150+ live TV channels with premium networks",
     {{"channelCount", "150+"}, {"receivers", "3"}}},
};
static const Product dtv_extras[] = {
    {"VideoOffer", 0, "DTV_ADDON", "HBO Max", "Premium channel add-on", {{"premiumChannel", "HBO Max"}, {NULL, NULL}}},
    {"VideoOffer",
     0,
     "DTV_ADDON",
     "Genie HD DVR",
     "Record up to 5 shows at once",
     {{"dvrCapacity", "200 hours"}, {NULL, NULL}}},
    {"VideoOffer",
     0,
     "DTV_ADDON",
     "NFL SUNDAY TICKET",
     "Every out-of-market Sunday game",
     {{"season", "2025"}, {NULL, NULL}}},
};
static const Product voip_plans[] = {
    {"VoiceOffer",
     0,
     "VOIP_PLAN",
     "AT&T Phone Unlimited North America",
     "Unlimited calling to the US, Canada and Mexico",
     {{"callingArea", "North America"}, {"voicemail", "Included"}}},
    {"VoiceOffer",
     0,
     "VOIP_PLAN",
     "AT&T Phone Unlimited US",
     "Unlimited nationwide calling",
     {{"callingArea", "US"}, {"voicemail", "Included"}}},
    {"VoiceOffer",
     0,
     "VOIP_PLAN",
     "AT&T Phone Basic",
     "Local calling with pay-per-use long distance",
     {{"callingArea", "Local"}, {"voicemail", "Not included"}}},
};
static const Product voip_extras[] = {
    {"VoiceOffer",
     0,
     "VOIP_ADDON",
     "International Calling Plan",
     "Discounted rates to 225+ countries",
     {{"ratePlan", "World Connect"}, {NULL, NULL}}},
    {"VoiceOffer",
     0,
     "VOIP_ADDON",
     "Caller ID with Name",
     "Shows caller name and number",
     {{"feature", "CNAM"}, {NULL, NULL}}},
};

typedef struct Catalogue {
    const Product *plans, *extras;
    unsigned nplans, nextras;
} Catalogue;

static const Catalogue catalogue[ATT_SBX_SVC_COUNT] = {
    {fiber_plans, fiber_extras, COUNT(fiber_plans), COUNT(fiber_extras)},
    {wireless_plans, wireless_extras, COUNT(wireless_plans), COUNT(wireless_extras)},
    {dsl_plans, dsl_extras, COUNT(dsl_plans), COUNT(dsl_extras)},
    {dtv_plans, dtv_extras, COUNT(dtv_plans), COUNT(dtv_extras)},
    {voip_plans, voip_extras, COUNT(voip_plans), COUNT(voip_extras)},
};

/* ---- The drawn individual ---------------------------------------------------------------------- */

enum { MAX_ACCOUNTS = 3, MAX_SUBS = 3, MAX_PRODUCTS = 2 };

typedef struct GenProduct {
    const Product *p;
    unsigned status; /* index into product_status */
    int64_t activation, creation, update;
} GenProduct;

typedef struct GenSub {
    unsigned phone4, state, nprod;
    int64_t created, updated;
    GenProduct prod[MAX_PRODUCTS];
} GenSub;

typedef struct GenAccount {
    const char *svc_name; /* serviceType as rendered; NULL: service_names[svc] */
    uint64_t number;
    unsigned svc, type, subtype, rating, market, submarket, state, place, nsub;
    int locked, digital, spanish;
    int64_t created, modified, open;
    GenSub sub[MAX_SUBS];
} GenAccount;

typedef struct GenIndividual {
    uint64_t uuid_hi, uuid_lo;
    const GivenName *given;
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
    return t + 1 + (int64_t)rng_below(s, (uint64_t)(now - t - 1));
}

static void draw_sub(uint64_t *s, const GenAccount *a, GenSub *u, int plain, int64_t now)
{
    static const unsigned char sub_state_w[] = {94, 3, 3};
    static const unsigned char nprod_w[] = {65, 35};
    u->created = (a->open / 86400 + (int64_t)rng_below(s, 31)) * 86400;
    u->updated = later(s, u->created, now);
    if (plain || a->state == 0)
        u->state = plain ? 0 : rng_weighted(s, sub_state_w, COUNT(sub_state_w));
    else
        u->state = a->state; /* SUSPENDED -> SUSPENDED, CLOSED -> CANCELLED */
    u->phone4 = (unsigned)rng_below(s, 10000);
    u->nprod = plain ? 1 : 1 + rng_weighted(s, nprod_w, COUNT(nprod_w));
    const Catalogue *c = &catalogue[a->svc];
    for (unsigned i = 0; i < u->nprod; i++) {
        GenProduct *p = &u->prod[i];
        if (i == 0) {
            p->p = &c->plans[rng_below(s, c->nplans)];
            p->activation = u->created;
            p->creation = a->created;
        } else {
            p->p = &c->extras[rng_below(s, c->nextras)];
            p->activation = u->created + (int64_t)rng_below(s, (uint64_t)(u->updated - u->created));
            p->creation = p->activation;
        }
        p->update = u->updated;
        if (u->state != 0)
            p->status = u->state; /* SUSPENDED / CANCELLED follow the line */
        else
            p->status = i > 0 && rng_percent(s, 8) ? 3 : 0;
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
        a->svc = plain ? ATT_SBX_SVC_FIBER : rng_weighted(s, service_w, ATT_SBX_SVC_COUNT);
    a->type = plain ? 0 : rng_weighted(s, account_type_w, COUNT(account_type_w));
    a->subtype = plain ? 0 : (unsigned)rng_below(s, account_types[a->type].nsubtypes);
    a->rating = rng_weighted(s, rating_w, COUNT(rating_w));
    a->market = (unsigned)rng_below(s, COUNT(markets));
    a->submarket = (unsigned)rng_below(s, markets[a->market].nsubs);
    if (plain)
        a->state = 0;
    else if (ind->status == 1)
        a->state = rng_weighted(s, state_inactive_w, 3);
    else if (ind->status == 2)
        a->state = rng_weighted(s, state_suspended_w, 3);
    else
        a->state = rng_weighted(s, state_active_w, 3);
    a->locked = !plain && rng_percent(s, a->state == 1 ? 50 : 10);
    a->digital = plain || rng_percent(s, 68);
    a->spanish = !plain && rng_percent(s, 14);
    a->created = epoch(2010, 1, 1) + (int64_t)rng_below(s, (uint64_t)(epoch(2025, 11, 1) - epoch(2010, 1, 1)));
    a->open = (a->created / 86400 + 1) * 86400;
    a->place = 1 + (unsigned)rng_below(s, 9999999);
    if (plain)
        a->nsub = 1;
    else if (a->svc == ATT_SBX_SVC_WIRELESS)
        a->nsub = 1 + rng_weighted(s, nsub_wireless_w, 3);
    else
        a->nsub = 1 + rng_weighted(s, nsub_other_w, 3);
    int64_t last = a->open;
    for (unsigned i = 0; i < a->nsub; i++) {
        draw_sub(s, a, &a->sub[i], plain, now);
        if (a->sub[i].updated > last) last = a->sub[i].updated;
    }
    a->modified = last + (int64_t)rng_below(s, 5 * 86400);
    if (a->modified > now) a->modified = now;
}

/* Everything about the person, before the accounts. */
static void draw_person(uint64_t *s, GenIndividual *ind, int plain, int64_t now)
{
    ind->uuid_hi = rng_next(s);
    ind->uuid_lo = rng_next(s);
    if (!plain && rng_percent(s, 6))
        ind->given = &given_special[rng_below(s, COUNT(given_special))];
    else
        ind->given = &given_plain[rng_below(s, COUNT(given_plain))];
    if (!plain && rng_percent(s, 7))
        ind->family = family_special[rng_below(s, COUNT(family_special))];
    else
        ind->family = family_plain[rng_below(s, COUNT(family_plain))];
    unsigned r = (unsigned)rng_below(s, 100);
    if (!plain && r < 4)
        ind->preferred = preferred_special[rng_below(s, COUNT(preferred_special))];
    else if (!plain && r < 9)
        ind->preferred = "";
    else if (r < 45 && ind->given->nick)
        ind->preferred = ind->given->nick;
    else
        ind->preferred = ind->given->name;
    ind->middle = plain || rng_percent(s, 88) ? (char)('A' + rng_below(s, 26)) : '\0';
    unsigned t = (unsigned)rng_below(s, 100);
    if (ind->given->sex == 'M')
        ind->title = t < 92 ? "Mr" : "Dr";
    else if (ind->given->sex == 'F')
        ind->title = t < 58 ? "Ms" : t < 92 ? "Mrs" : "Dr";
    else
        ind->title = "Mx";
    ind->status = plain ? 0 : rng_weighted(s, individual_status_w, COUNT(individual_status_w));
    ind->created = epoch(2016, 1, 1) + (int64_t)rng_below(s, (uint64_t)(epoch(2025, 12, 31) - epoch(2016, 1, 1)));
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
    ind->nacct = plain ? 1 : 1 + rng_weighted(&s, nacct_w, COUNT(nacct_w));
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
    put_str(b, ",\"status\":{\"status\":", product_status[p->status]);
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
    const Market *mk = &markets[a->market];
    const char *submarket = mk->subs[a->submarket];
    char middle[2] = {ind->middle, '\0'};

    att_buf_adds(b, "{\"id\":\"");
    att_buf_add_u64(b, a->number);
    put_str(b, "\",\"givenName\":", ind->given->name);
    put_str(b, ",\"familyName\":", ind->family);
    put_str(b, ",\"title\":", ind->title);
    put_str(b, ",\"middleInitial\":", middle);
    put_str(b, ",\"accountType\":", account_types[a->type].name);
    put_str(b, ",\"accountSubType\":", account_types[a->type].subtypes[a->subtype]);
    put_str(b, ",\"ratingType\":", rating_types[a->rating]);
    put_str(b, ",\"serviceType\":", a->svc_name ? a->svc_name : service_names[a->svc]);
    put_str(b, ",\"targetSOR\":", service_sor[a->svc]);
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
    put_str(b, ",\"state\":{\"state\":", account_state[a->state]);
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
        put_str(b, ",\"status\":{\"state\":", subscriber_state[u->state]);
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
    put_str(b, "},\"status\":", individual_status[ind->status]);
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
            if (strcasecmp(svc[j], service_names[k]) == 0) known = (int)k;
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

const char *att_sbx_gen_service_name(unsigned svc) { return svc < ATT_SBX_SVC_COUNT ? service_names[svc] : NULL; }
