/* civil.c — see civil.h. */
#include "common/civil.h"

/* a / b rounded down (b > 0), for days and seconds before 1970. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

int64_t att_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    unsigned yoe = (unsigned)(y - era * 400);                       /* [0, 399] */
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

void att_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468; /* days from 0000-03-01 */
    int64_t era = floor_div(z, 146097);
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153; /* March is 0 */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void att_civil_from_time(int64_t t, AttCivilTime *out)
{
    int64_t days = floor_div(t, 86400);
    unsigned secs = (unsigned)(t - days * 86400);
    att_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = secs / 3600;
    out->min = secs / 60 % 60;
    out->sec = secs % 60;
    out->wday = (unsigned)(days + 4 - floor_div(days + 4, 7) * 7); /* 1970-01-01 was a Thursday */
}
