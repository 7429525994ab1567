/* civil.h — proleptic Gregorian calendar arithmetic in UTC, for both programs: no timegm(), no
 * gmtime(), no TZ environment, no locale. Plain C, no Lua.
 *
 * Days are counted from 1970-01-01 (day 0) in either direction, with H. Hinnant's algorithms
 * ("chrono-Compatible Low-Level Date Algorithms"), exact for every year an int64_t of days can
 * reach in practice. Users: the host's Retry-After parser (core/retry.c); the sandbox's generated
 * timestamps (gen.c) and its Retry-After HTTP-dates. */
#ifndef ATT_CIVIL_H
#define ATT_CIVIL_H

#include <stdint.h>

/* A moment of UTC, broken down. */
typedef struct AttCivilTime {
    int64_t year;            /* e.g. 2026; 0 is 1 BC */
    unsigned month, day;     /* 1..12, 1..31 */
    unsigned hour, min, sec; /* 0..23, 0..59, 0..59 */
    unsigned wday;           /* 0 Sunday .. 6 Saturday */
} AttCivilTime;

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31; not checked against the month's length), negative
 * before 1970. */
int64_t att_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The date of day `days` (0: 1970-01-01). */
void att_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Breaks down t, seconds since 1970-01-01T00:00:00Z (negative before), as gmtime_r does. */
void att_civil_from_time(int64_t t, AttCivilTime *out);

#endif
