/* retry.c — retry decisions and Retry-After parsing (see retry.h). */
#include "core/retry.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/civil.h"

static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static int month_of(const char *s)
{
    int i;
    for (i = 0; i < 12; i++)
        if (strncmp(s, MONTHS[i], 3) == 0) return i;
    return -1;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int lit(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n) != 0) return -1;
    *p += n;
    return 0;
}

static int hms(const char **p, int *h, int *mi, int *s)
{
    if (digits(p, 2, h) || lit(p, ":") || digits(p, 2, mi) || lit(p, ":") || digits(p, 2, s)) return -1;
    return (*h > 23 || *mi > 59 || *s > 60) ? -1 : 0;
}

/* The three date forms RFC 9110 requires a recipient to accept. Returns 0 and *t on success. */
static int parse_http_date(const char *s, time_t *t)
{
    const char *p = s;
    int d = 0, mo, y = 0, h, mi, sec, i, wd = -1;
    long days;

    for (i = 0; i < 7; i++)
        if (strncmp(p, DAYS[i], 3) == 0) {
            wd = i;
            break;
        }
    if (wd < 0) return -1;
    p += 3;
    if (*p == ',') { /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
        p++;
        if (lit(&p, " ") || digits(&p, 2, &d) || lit(&p, " ") || (mo = month_of(p)) < 0) return -1;
        p += 3;
        if (lit(&p, " ") || digits(&p, 4, &y) || lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " GMT")) return -1;
    } else if (*p == ' ') { /* asctime: Sun Nov  6 08:49:37 1994 */
        p++;
        if ((mo = month_of(p)) < 0) return -1;
        p += 3;
        if (lit(&p, " ")) return -1;
        if (*p == ' ') {
            p++;
            if (digits(&p, 1, &d)) return -1;
        } else if (digits(&p, 2, &d))
            return -1;
        if (lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " ") || digits(&p, 4, &y)) return -1;
    } else { /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
        while (isalpha((unsigned char)*p)) p++;
        if (lit(&p, ", ") || digits(&p, 2, &d) || lit(&p, "-") || (mo = month_of(p)) < 0) return -1;
        p += 3;
        if (lit(&p, "-") || digits(&p, 2, &y) || lit(&p, " ") || hms(&p, &h, &mi, &sec) || lit(&p, " GMT")) return -1;
        y += y < 70 ? 2000 : 1900;
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p || d < 1 || d > 31) return -1;
    days = (long)att_days_from_civil(y, (unsigned)(mo + 1), (unsigned)d);
    *t = (time_t)(days * 86400L + h * 3600L + mi * 60L + sec);
    return 0;
}

long att_retry_after_ms(const char *value, time_t now)
{
    const char *p = value;
    if (!p) return -1;
    while (*p == ' ' || *p == '\t') p++;
    if (isdigit((unsigned char)*p)) {
        long v = 0;
        for (; isdigit((unsigned char)*p); p++) {
            v = v * 10 + (*p - '0');
            if (v > 100000000L) return -1; /* more than three years: not believable */
        }
        while (*p == ' ' || *p == '\t') p++;
        return *p ? -1 : v * 1000L;
    } else {
        time_t t;
        if (parse_http_date(p, &t) != 0) return -1;
        if (t <= now) return 0;
        if ((double)(t - now) > 100000000.0) return -1;
        return (long)(t - now) * 1000L;
    }
}

long att_retry_delay(const AttRetryPolicy *p, int attempts, long waited_ms, long retry_after_ms, double rnd)
{
    long left = p->max_wait_ms - waited_ms, delay;
    if (attempts > p->retries || left <= 0) return -1;
    if (retry_after_ms >= 0) {
        delay = retry_after_ms;
    } else {
        /* Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))). */
        if (rnd < 0) rnd = 0;
        if (rnd >= 1) rnd = 0.999999;
        delay = (long)(rnd * (double)att_retry_ceiling(p, attempts));
    }
    return delay > left ? left : delay;
}

long att_retry_ceiling(const AttRetryPolicy *p, int attempts)
{
    double ceiling = (double)p->base_ms;
    int i;
    for (i = 1; i < attempts && ceiling < (double)p->cap_ms; i++) ceiling *= 2;
    if (ceiling > (double)p->cap_ms) ceiling = (double)p->cap_ms;
    return ceiling < 1 ? 1 : (long)ceiling;
}

double att_retry_release(double not_before, double hold_until, long spread_ms, double rnd)
{
    if (not_before >= hold_until) return not_before;
    if (rnd < 0) rnd = 0;
    if (rnd >= 1) rnd = 0.999999;
    if (spread_ms < 0) spread_ms = 0;
    return hold_until + rnd * (double)spread_ms / 1000.0;
}

AttVerdict att_retry_classify(long status, AttFailure failure)
{
    AttVerdict v = {0, 0};
    switch (failure) {
    case ATT_FAIL_NONE:
        v.retryable =
            status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
        v.hold = status == 429 || status == 503;
        break;
    case ATT_FAIL_CONNECT:
    case ATT_FAIL_TIMEOUT:
    case ATT_FAIL_IO:
    case ATT_FAIL_HANDSHAKE:
    case ATT_FAIL_STREAM: v.retryable = 1; break;
    case ATT_FAIL_FATAL: break;
    }
    return v;
}

double att_pace_when(const AttPacer *p, double now)
{
    if (p->rate <= 0 || p->next <= now) return now;
    return p->next;
}

void att_pace_take(AttPacer *p, double now)
{
    if (p->rate <= 0) return;
    p->next = (p->next > now ? p->next : now) + 1.0 / p->rate;
}
