/* pools.h — what generated individuals are made of, as constant tables (defined in pools.c, drawn
 * from by gen.c): the name pools, the states of individuals, accounts, subscribers and products, the
 * serviceTypes with their systems of record, the account and rating types, the billing markets, and
 * the product catalogue of each serviceType. Weights (the _w tables) are integer percentages that
 * sum to 100, one per entry of the table they go with.
 *
 * The lengths are constants (ATT_SBX_N_...), so that gen.c draws with bounds known at compile time;
 * pools.c asserts that each table has the length it is declared with, and does not compile when one
 * does not. Changing any table, its order included, changes the data every seed generates. */
#ifndef ATT_SBX_POOLS_H
#define ATT_SBX_POOLS_H

enum { ATT_SBX_SVC_FIBER, ATT_SBX_SVC_WIRELESS, ATT_SBX_SVC_DSL, ATT_SBX_SVC_DTV, ATT_SBX_SVC_VOIP, ATT_SBX_SVC_COUNT };

/* A given name, with what the title and the preferred name are drawn from. */
typedef struct SbxGivenName {
    const char *name;
    char sex;         /* 'M', 'F' or 'X' (title Mx) */
    const char *nick; /* usual short form, or NULL */
} SbxGivenName;

typedef struct SbxAccountType {
    const char *name;
    const char *const *subtypes;
    unsigned nsubtypes;
} SbxAccountType;

typedef struct SbxMarket {
    const char *name;
    const char *subs[3];
    unsigned nsubs;
} SbxMarket;

/* One product offering, as every subscriber that has it shows it. */
typedef struct SbxProduct {
    const char *group;          /* productOfferingTypeGroup */
    int bundle;                 /* isBundle */
    const char *classification; /* productOfferingClassification */
    const char *name;
    const char *description;
    const char *chars[2][2]; /* productCharacteristic name/value pairs; second may be NULL */
} SbxProduct;

/* What one serviceType sells: its plans (every subscriber has one) and its extras. */
typedef struct SbxCatalogue {
    const SbxProduct *plans, *extras;
    unsigned nplans, nextras;
} SbxCatalogue;

/* The lengths of the tables below (a _w table has the length of the table it weighs). */
enum {
    ATT_SBX_N_GIVEN_PLAIN = 78,
    ATT_SBX_N_GIVEN_SPECIAL = 16,
    ATT_SBX_N_FAMILY_PLAIN = 67,
    ATT_SBX_N_FAMILY_SPECIAL = 16,
    ATT_SBX_N_PREFERRED_SPECIAL = 6,
    ATT_SBX_N_INDIVIDUAL_STATUS = 3,
    ATT_SBX_N_ACCOUNT_STATE = 3,
    ATT_SBX_N_SUBSCRIBER_STATE = 3,
    ATT_SBX_N_PRODUCT_STATUS = 4,
    ATT_SBX_N_ACCOUNT_TYPES = 3,
    ATT_SBX_N_RATING_TYPES = 3,
    ATT_SBX_N_MARKETS = 8
};

extern const SbxGivenName att_sbx_given_plain[];
extern const SbxGivenName att_sbx_given_special[]; /* names that exercise UTF-8, quoting, CSV */
extern const char *const att_sbx_family_plain[];
extern const char *const att_sbx_family_special[];
extern const char *const att_sbx_preferred_special[];

extern const char *const att_sbx_individual_status[];
extern const unsigned char att_sbx_individual_status_w[];
extern const char *const att_sbx_account_state[];
extern const char *const att_sbx_subscriber_state[];
extern const char *const att_sbx_product_status[];

extern const char *const att_sbx_service_names[ATT_SBX_SVC_COUNT];
extern const unsigned char att_sbx_service_w[ATT_SBX_SVC_COUNT];
extern const char *const att_sbx_service_sor[ATT_SBX_SVC_COUNT]; /* targetSOR */
extern const SbxAccountType att_sbx_account_types[];
extern const unsigned char att_sbx_account_type_w[];
extern const char *const att_sbx_rating_types[];
extern const unsigned char att_sbx_rating_w[];
extern const SbxMarket att_sbx_markets[];
extern const SbxCatalogue att_sbx_catalogue[ATT_SBX_SVC_COUNT];

#endif
