/* test_common.c — unit tests for the small pure helpers of src/common/ that the host and the
 * sandbox share: the growable buffer (what the sandbox added to it: decimal and fill appends,
 * exact reservations, reset, take), civil-date arithmetic, the splitmix64 finaliser, the secret
 * comparison, the monotonic clock, the id set of scans (SipHash-2-4 against the reference vectors). */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "common/buf.h"
#include "common/civil.h"
#include "common/clock.h"
#include "common/idset.h"
#include "common/mix.h"
#include "common/secret.h"
#include "unit.h"

void test_common(void);

/* Every day from `from` to `to`: the date and back, and against gmtime_r. */
static int civil_round_trips(int64_t from, int64_t to)
{
    for (int64_t days = from; days <= to; days++) {
        int64_t y;
        unsigned m, d;
        att_civil_from_days(days, &y, &m, &d);
        if (att_days_from_civil(y, m, d) != days) return 0;
        time_t t = (time_t)(days * 86400 + 45296); /* 12:34:56 */
        struct tm tm;
        AttCivilTime c;
        att_civil_from_time((int64_t)t, &c);
        if (!gmtime_r(&t, &tm)) return 0;
        if (c.year != tm.tm_year + 1900 || c.month != (unsigned)tm.tm_mon + 1 || c.day != (unsigned)tm.tm_mday ||
            c.wday != (unsigned)tm.tm_wday || c.hour != 12 || c.min != 34 || c.sec != 56)
            return 0;
    }
    return 1;
}

static void test_civil(void)
{
    int64_t y;
    unsigned m, d;
    AttCivilTime c;

    CHECK(att_days_from_civil(1970, 1, 1) == 0);
    CHECK(att_days_from_civil(1970, 1, 2) == 1);
    CHECK(att_days_from_civil(1969, 12, 31) == -1);
    CHECK(att_days_from_civil(1900, 1, 1) == -25567);
    CHECK(att_days_from_civil(1601, 1, 1) == -134774);
    CHECK(att_days_from_civil(0, 3, 1) == -719468);
    CHECK(att_days_from_civil(-1, 12, 31) == -719529); /* 2 BC */
    CHECK(att_days_from_civil(2000, 3, 1) == 11017);
    CHECK(att_days_from_civil(2026, 2, 28) == 20512);
    /* Leap years: 2000 and 1600 are (by 400), 1900 and 2100 are not (by 100), 2024 is (by 4). */
    CHECK(att_days_from_civil(2000, 3, 1) - att_days_from_civil(2000, 2, 28) == 2);
    CHECK(att_days_from_civil(1600, 3, 1) - att_days_from_civil(1600, 2, 28) == 2);
    CHECK(att_days_from_civil(1900, 3, 1) - att_days_from_civil(1900, 2, 28) == 1);
    CHECK(att_days_from_civil(2100, 3, 1) - att_days_from_civil(2100, 2, 28) == 1);
    CHECK(att_days_from_civil(2024, 3, 1) - att_days_from_civil(2024, 2, 28) == 2);
    CHECK(att_days_from_civil(2025, 1, 1) - att_days_from_civil(2024, 1, 1) == 366);
    CHECK(att_days_from_civil(1901, 1, 1) - att_days_from_civil(1900, 1, 1) == 365);

    att_civil_from_days(-1, &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
    att_civil_from_days(11016, &y, &m, &d);
    CHECK(y == 2000 && m == 2 && d == 29);
    att_civil_from_days(-25508, &y, &m, &d); /* the day after 1900-02-28 */
    CHECK(y == 1900 && m == 3 && d == 1);
    att_civil_from_days(-719469, &y, &m, &d);
    CHECK(y == 0 && m == 2 && d == 29); /* 1 BC was a leap year */

    att_civil_from_time(0, &c);
    CHECK(c.year == 1970 && c.month == 1 && c.day == 1 && c.hour == 0 && c.min == 0 && c.sec == 0 && c.wday == 4);
    att_civil_from_time(-1, &c);
    CHECK(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.min == 59 && c.sec == 59 && c.wday == 3);
    att_civil_from_time(784111777, &c); /* RFC 9110's example: Sun, 06 Nov 1994 08:49:37 GMT */
    CHECK(c.year == 1994 && c.month == 11 && c.day == 6 && c.hour == 8 && c.min == 49 && c.sec == 37 && c.wday == 0);
    att_civil_from_time(-86400 * 7, &c);
    CHECK(c.year == 1969 && c.month == 12 && c.day == 25 && c.wday == 4);
    att_civil_from_time(4102444800, &c); /* beyond a 32-bit time_t */
    CHECK(c.year == 2100 && c.month == 1 && c.day == 1 && c.wday == 5);

    /* 1900-03-01 .. 2100-02-28 day by day, and four centuries around year 0 (gmtime_r's proleptic
     * calendar reaches them too on glibc). */
    CHECK(civil_round_trips(-25508, 47540));
    CHECK(civil_round_trips(-719468 - 146097 * 2, -719468 + 146097 * 2));
}

static void test_buf(void)
{
    AttBuf b = {0};
    size_t len = 99;
    char *p;

    /* take of a buffer that never held anything */
    p = att_buf_take(&b, &len);
    CHECK(p == NULL && len == 0 && b.data == NULL && b.cap == 0);

    att_buf_add_u64(&b, 0);
    att_buf_addc(&b, ' ');
    att_buf_add_u64(&b, 1234567890);
    att_buf_addc(&b, ' ');
    att_buf_add_u64(&b, UINT64_MAX);
    CHECK_STR(b.data, "0 1234567890 18446744073709551615");
    att_buf_reset(&b);
    CHECK(b.len == 0 && b.data && b.data[0] == '\0' && b.cap == 256);
    att_buf_fill(&b, 'x', 3);
    att_buf_fill(&b, 'y', 0);
    att_buf_adds(&b, "!");
    CHECK_STR(b.data, "xxx!");
    CHECK(b.len == 4);

    /* reserve doubles; reserve_exact takes what it is asked, and nothing when it fits already */
    CHECK(att_buf_reserve(&b, 1000) == 0 && b.cap == 1024);
    CHECK(att_buf_reserve_exact(&b, 1019) == 0 && b.cap == 1024);
    CHECK(att_buf_reserve_exact(&b, 5000) == 0 && b.cap == 4 + 5000 + 1);
    CHECK_STR(b.data, "xxx!");

    p = att_buf_take(&b, &len);
    CHECK(p && strcmp(p, "xxx!") == 0 && len == 4);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && !b.oom);
    free(p);

    /* a failed growth is sticky until reset or take, and leaves the bytes as they were */
    att_buf_adds(&b, "kept");
    CHECK(att_buf_reserve_exact(&b, (size_t)-1 / 2) == -1 && b.oom);
    att_buf_adds(&b, "lost");
    att_buf_add_u64(&b, 7);
    att_buf_fill(&b, 'z', 2);
    CHECK_STR(b.data, "kept");
    att_buf_reset(&b);
    CHECK(!b.oom && b.len == 0);
    att_buf_adds(&b, "again");
    CHECK_STR(b.data, "again");
    att_buf_free(&b);

    /* with a budget: every growth is charged, reset keeps the charge, take gives it back */
    AttBudget budget = {.limit = 4096};
    AttBuf c = {.budget = &budget};
    att_buf_fill(&c, 'a', 300);
    CHECK(budget.used == 512 && c.cap == 512);
    att_buf_reset(&c);
    CHECK(budget.used == 512);
    CHECK(att_buf_reserve_exact(&c, 5000) == -1 && c.oom && budget.refused && budget.used == 512);
    att_buf_reset(&c);
    CHECK(att_buf_reserve_exact(&c, 1000) == 0 && c.cap == 1001 && budget.used == 1001);
    p = att_buf_take(&c, &len);
    CHECK(budget.used == 0 && c.cap == 0 && len == 0);
    free(p);
    att_buf_free(&c);
}

static void test_mix(void)
{
    /* splitmix64 seeded with 0: its first outputs, as published with the reference code. */
    uint64_t s = 0;
    s += 0x9E3779B97F4A7C15u;
    CHECK(att_mix64(s) == 0xE220A8397B1DCDAFu);
    s += 0x9E3779B97F4A7C15u;
    CHECK(att_mix64(s) == 0x6E789E6AA1B965F4u);
    CHECK(att_mix64(0) == 0);
    CHECK(att_mix64(1) != att_mix64(2));
}

static void test_secret(void)
{
    CHECK(att_same_secret("s3cret", 6, "s3cret", 6) == 1);
    CHECK(att_same_secret("s3cret", 5, "s3cret", 6) == 0);  /* a prefix */
    CHECK(att_same_secret("s3crets", 7, "s3cret", 6) == 0); /* longer */
    CHECK(att_same_secret("s3creT", 6, "s3cret", 6) == 0);
    CHECK(att_same_secret("S3cret", 6, "s3cret", 6) == 0);
    CHECK(att_same_secret("a\0b", 3, "a\0c", 3) == 0); /* bytes, not C strings */
    CHECK(att_same_secret("a\0b", 3, "a\0b", 3) == 1);
    CHECK(att_same_secret("", 0, "", 0) == 0); /* an empty secret matches nothing */
    CHECK(att_same_secret("x", 1, "", 0) == 0);
    CHECK(att_same_secret("", 0, "x", 1) == 0);
}

static void test_clock(void)
{
    double s0 = att_clock_s();
    int64_t m0 = att_clock_ms();
    struct timespec pause = {0, 20 * 1000000L};
    nanosleep(&pause, NULL);
    double s1 = att_clock_s();
    int64_t m1 = att_clock_ms();
    CHECK(s1 - s0 >= 0.019 && s1 - s0 < 5.0);
    CHECK(m1 - m0 >= 19 && m1 - m0 < 5000);
    CHECK(m0 / 1000 - (int64_t)s0 <= 1 && (int64_t)s0 - m0 / 1000 <= 1); /* one clock, two units */
}

static void test_idset(void)
{
    /* The reference vectors of SipHash-2-4: key 00..0f, messages 00 01 02 ... of length 0, 1, 7, 8, 15. */
    static const uint64_t want[] = {0x726fdb47dd0e0e31u, 0x74f839c593dc67fdu, 0xab0200f58b01d137u, 0x93f5f5799a932462u,
                                    0xa129ca6149be45e5u};
    static const size_t lens[] = {0, 1, 7, 8, 15};
    const uint64_t k0 = 0x0706050403020100u, k1 = 0x0f0e0d0c0b0a0908u;
    unsigned char msg[64];
    uint64_t keys[4] = {1, 2, 3, 4};
    AttBudget budget = {0, 0, 0, 0};
    AttIdSet s;
    uint32_t rank = 0;
    char id[32];
    int i, all = 1;
    for (i = 0; i < 64; i++) msg[i] = (unsigned char)i;
    for (i = 0; i < 5; i++) CHECK(att_siphash24(k0, k1, msg, lens[i]) == want[i]);

    /* 100000 ids in, each found with its rank; ids not put are not found; the budget follows. */
    att_idset_init_keys(&s, &budget, keys);
    CHECK(!att_idset_get(&s, att_idset_fp(&s, "x", 1), &rank));
    for (i = 0; i < 100000 && all; i++) {
        int n = snprintf(id, sizeof id, "IND-%07d", i);
        all = att_idset_put(&s, att_idset_fp(&s, id, (size_t)n), (uint32_t)i * 3) == 0;
    }
    CHECK(all);
    CHECK(s.len == 100000);
    for (i = 0; i < 100000 && all; i++) {
        int n = snprintf(id, sizeof id, "IND-%07d", i);
        all = att_idset_get(&s, att_idset_fp(&s, id, (size_t)n), &rank) && rank == (uint32_t)i * 3;
    }
    CHECK(all);
    for (i = 100000; i < 200000 && all; i++) {
        int n = snprintf(id, sizeof id, "IND-%07d", i);
        all = !att_idset_get(&s, att_idset_fp(&s, id, (size_t)n), &rank);
    }
    CHECK(all);
    CHECK(att_idset_put(&s, att_idset_fp(&s, "IND-0000007", 11), 99) == 0 && s.len == 100000);
    CHECK(att_idset_get(&s, att_idset_fp(&s, "IND-0000007", 11), &rank) && rank == 99);
    CHECK(budget.used == att_idset_bytes(&s) && s.cap == 131072 && budget.used == 131072 * 16);
    att_idset_free(&s);
    CHECK(budget.used == 0);

    /* A budget that cannot hold the next table refuses it and keeps the set as it was. */
    budget.limit = 1024 * 16 + 100;
    att_idset_init_keys(&s, &budget, keys);
    for (i = 0, all = 1; i < 819 && all; i++) {
        int n = snprintf(id, sizeof id, "%d", i);
        all = att_idset_put(&s, att_idset_fp(&s, id, (size_t)n), 1) == 0;
    }
    CHECK(all && s.len == 819);
    CHECK(att_idset_put(&s, att_idset_fp(&s, "819", 3), 1) == -1 && s.len == 819 && budget.refused);
    CHECK(att_idset_get(&s, att_idset_fp(&s, "818", 3), &rank));
    att_idset_free(&s);

    /* Random keys: two sets give the same id different fingerprints. */
    {
        AttIdSet a, b;
        CHECK(att_idset_init(&a, NULL) == 0 && att_idset_init(&b, NULL) == 0);
        CHECK(att_idset_fp(&a, "IND-1", 5).check != att_idset_fp(&b, "IND-1", 5).check);
        att_idset_free(&a);
        att_idset_free(&b);
    }
}

void test_common(void)
{
    test_idset();
    test_buf();
    test_civil();
    test_mix();
    test_secret();
    test_clock();
}
