/* pools.c — the tables of pools.h: names, states, serviceTypes, account types, markets, and the
 * product catalogue. Data only. */
#include "pools.h"

#include <stddef.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const SbxGivenName att_sbx_given_plain[] = {
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
const SbxGivenName att_sbx_given_special[] = {
    {"JOSÉ", 'M', "PEPE"},  {"ZOË", 'F', NULL},       {"ËLISE", 'F', NULL},    {"ØYVIND", 'M', NULL},
    {"RENÉE", 'F', NULL},   {"FRANÇOIS", 'M', NULL},  {"SØREN", 'M', NULL},    {"MARÍA JOSÉ", 'F', NULL},
    {"JÜRGEN", 'M', NULL},  {"ANDRÉ", 'M', NULL},     {"美咲", 'F', NULL},     {"伟", 'M', NULL},
    {"D'ANDRE", 'M', NULL}, {"MARY-KATE", 'F', NULL}, {"JEAN-LUC", 'M', NULL}, {"NGỌC", 'X', NULL},
};

const char *const att_sbx_family_plain[] = {
    "SMITH",    "JOHNSON",   "WILLIAMS", "BROWN",    "JONES",    "GARCIA",   "MILLER", "DAVIS",   "RODRIGUEZ",
    "MARTINEZ", "HERNANDEZ", "LOPEZ",    "GONZALEZ", "WILSON",   "ANDERSON", "THOMAS", "TAYLOR",  "MOORE",
    "JACKSON",  "MARTIN",    "LEE",      "PEREZ",    "THOMPSON", "WHITE",    "HARRIS", "SANCHEZ", "CLARK",
    "RAMIREZ",  "LEWIS",     "ROBINSON", "WALKER",   "YOUNG",    "ALLEN",    "KING",   "WRIGHT",  "SCOTT",
    "TORRES",   "NGUYEN",    "HILL",     "FLORES",   "GREEN",    "ADAMS",    "NELSON", "BAKER",   "HALL",
    "RIVERA",   "CAMPBELL",  "MITCHELL", "CARTER",   "ROBERTS",  "PATEL",    "KIM",    "CHEN",    "WANG",
    "SINGH",    "OKAFOR",    "IVANOV",   "TANAKA",   "COHEN",    "MURPHY",   "REED",   "COOK",    "MORGAN",
    "BELL",     "BAILEY",    "COOPER",   "WARD",
};

const char *const att_sbx_family_special[] = {
    "NGUYỄN",    "MÜLLER",   "O'BRIEN", "SMITH, JR.", "JOHNSON, III", "GARCÍA",     "PEÑA",          "D'ANGELO",
    "BJØRNSTAD", "SCHRÖDER", "王",      "佐藤",       "O'CONNOR",     "DE LA CRUZ", "WILLIAMS, SR.", "LÓPEZ-OBRADOR",
};

const char *const att_sbx_preferred_special[] = {
    "\"CHIP\"", "J.R.", "DOC", "BUDDY \"BUD\"", "T-BONE", "LIL' MO",
};

const char *const att_sbx_individual_status[] = {"ACTIVE", "INACTIVE", "SUSPENDED"};
const unsigned char att_sbx_individual_status_w[] = {86, 9, 5};

const char *const att_sbx_account_state[] = {"ACTIVE", "SUSPENDED", "CLOSED"};
const char *const att_sbx_subscriber_state[] = {"ACTIVE", "SUSPENDED", "CANCELLED"};
const char *const att_sbx_product_status[] = {"ACTIVE", "SUSPENDED", "CANCELLED", "PENDING"};

const char *const att_sbx_service_names[ATT_SBX_SVC_COUNT] = {"FIBER", "WIRELESS", "DSL", "DTV", "VOIP"};
const unsigned char att_sbx_service_w[ATT_SBX_SVC_COUNT] = {44, 26, 10, 11, 9};
/* System of record that holds each kind of account. */
const char *const att_sbx_service_sor[ATT_SBX_SVC_COUNT] = {
    "LS-CRM-DB", "TLG-CRM", "LS-CRM-DB", "DTV-STMS", "LS-CRM-DB",
};

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
const SbxAccountType att_sbx_account_types[] = {
    {"Consumer", consumer_sub, COUNT(consumer_sub)},
    {"Business", business_sub, COUNT(business_sub)},
    {"Government", government_sub, COUNT(government_sub)},
};
const unsigned char att_sbx_account_type_w[] = {80, 15, 5};

const char *const att_sbx_rating_types[] = {"STANDARD", "PREFERRED", "PREMIUM"};
const unsigned char att_sbx_rating_w[] = {72, 18, 10};

const SbxMarket att_sbx_markets[] = {
    {"DAL", {"DAL-NORTH", "DAL-SOUTH", "DAL-FTW"}, 3},
    {"HOU", {"HOU-WEST", "HOU-EAST", "HOU-NORTH"}, 3},
    {"ATL", {"ATL-METRO", "ATL-NORTH"}, 2},
    {"CHI", {"CHI-LOOP", "CHI-SOUTH", "CHI-NW"}, 3},
    {"LAX", {"LAX-WEST", "LAX-SFV"}, 2},
    {"NYC", {"NYC-MAN", "NYC-BKN", "NYC-QNS"}, 3},
    {"MIA", {"MIA-DADE", "MIA-BRW"}, 2},
    {"SEA", {"SEA-KING", "SEA-EAST"}, 2},
};

static const SbxProduct fiber_plans[] = {
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
static const SbxProduct fiber_extras[] = {
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
static const SbxProduct wireless_plans[] = {
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
static const SbxProduct wireless_extras[] = {
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
static const SbxProduct dsl_plans[] = {
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
static const SbxProduct dsl_extras[] = {
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
static const SbxProduct dtv_plans[] = {
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
static const SbxProduct dtv_extras[] = {
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
static const SbxProduct voip_plans[] = {
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
static const SbxProduct voip_extras[] = {
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

const SbxCatalogue att_sbx_catalogue[ATT_SBX_SVC_COUNT] = {
    {fiber_plans, fiber_extras, COUNT(fiber_plans), COUNT(fiber_extras)},
    {wireless_plans, wireless_extras, COUNT(wireless_plans), COUNT(wireless_extras)},
    {dsl_plans, dsl_extras, COUNT(dsl_plans), COUNT(dsl_extras)},
    {dtv_plans, dtv_extras, COUNT(dtv_plans), COUNT(dtv_extras)},
    {voip_plans, voip_extras, COUNT(voip_plans), COUNT(voip_extras)},
};

/* Each table has the length pools.h gives it. */
_Static_assert(COUNT(att_sbx_given_plain) == ATT_SBX_N_GIVEN_PLAIN, "att_sbx_given_plain: not the length pools.h says");
_Static_assert(COUNT(att_sbx_given_special) == ATT_SBX_N_GIVEN_SPECIAL,
               "att_sbx_given_special: not the length pools.h says");
_Static_assert(COUNT(att_sbx_family_plain) == ATT_SBX_N_FAMILY_PLAIN,
               "att_sbx_family_plain: not the length pools.h says");
_Static_assert(COUNT(att_sbx_family_special) == ATT_SBX_N_FAMILY_SPECIAL,
               "att_sbx_family_special: not the length pools.h says");
_Static_assert(COUNT(att_sbx_preferred_special) == ATT_SBX_N_PREFERRED_SPECIAL,
               "att_sbx_preferred_special: not the length pools.h says");
_Static_assert(COUNT(att_sbx_individual_status) == ATT_SBX_N_INDIVIDUAL_STATUS,
               "att_sbx_individual_status: not the length pools.h says");
_Static_assert(COUNT(att_sbx_individual_status_w) == ATT_SBX_N_INDIVIDUAL_STATUS,
               "att_sbx_individual_status_w: not the length pools.h says");
_Static_assert(COUNT(att_sbx_account_state) == ATT_SBX_N_ACCOUNT_STATE,
               "att_sbx_account_state: not the length pools.h says");
_Static_assert(COUNT(att_sbx_subscriber_state) == ATT_SBX_N_SUBSCRIBER_STATE,
               "att_sbx_subscriber_state: not the length pools.h says");
_Static_assert(COUNT(att_sbx_product_status) == ATT_SBX_N_PRODUCT_STATUS,
               "att_sbx_product_status: not the length pools.h says");
_Static_assert(COUNT(att_sbx_account_types) == ATT_SBX_N_ACCOUNT_TYPES,
               "att_sbx_account_types: not the length pools.h says");
_Static_assert(COUNT(att_sbx_account_type_w) == ATT_SBX_N_ACCOUNT_TYPES,
               "att_sbx_account_type_w: not the length pools.h says");
_Static_assert(COUNT(att_sbx_rating_types) == ATT_SBX_N_RATING_TYPES,
               "att_sbx_rating_types: not the length pools.h says");
_Static_assert(COUNT(att_sbx_rating_w) == ATT_SBX_N_RATING_TYPES, "att_sbx_rating_w: not the length pools.h says");
_Static_assert(COUNT(att_sbx_markets) == ATT_SBX_N_MARKETS, "att_sbx_markets: not the length pools.h says");
