/* adapt.c — the adaptive window and pacing of a client (see adapt.h). */
#include "core/adapt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/window.h"

#define MIN_RATE 0.2 /* requests/s: the slowest pace it learns */

static void record(AttAdapt *a, double now)
{
    if (a->ntl == ATT_ADAPT_TIMELINE) {
        /* Full: merge the older half pairwise (keep every other sample), the first one kept. */
        int half = ATT_ADAPT_TIMELINE / 2, j = 1;
        for (int i = 2; i < half; i += 2) a->tl[j++] = a->tl[i];
        for (int i = half; i < a->ntl; i++) a->tl[j++] = a->tl[i];
        a->ntl = j;
    }
    a->tl[a->ntl].t = now;
    a->tl[a->ntl].window = a->limit;
    a->tl[a->ntl].rate = att_adapt_rate(a);
    a->ntl++;
    if (a->limit > a->window_max) a->window_max = a->limit;
    a->last_change = now;
}

void att_adapt_init(AttAdapt *a, int max, double ceiling, double now)
{
    memset(a, 0, sizeof *a);
    if (max <= 0) max = ATT_ADAPT_MAX;
    if (max > ATT_WINDOW_MAX) max = ATT_WINDOW_MAX;
    a->max = max;
    a->limit = ATT_ADAPT_START < max ? ATT_ADAPT_START : max;
    a->ceiling = ceiling > 0 ? ceiling : 0;
    a->last_throttle = -1;
    record(a, now);
}

double att_adapt_rate(const AttAdapt *a)
{
    if (a->rate > 0 && a->ceiling > 0) return a->rate < a->ceiling ? a->rate : a->ceiling;
    return a->rate > 0 ? a->rate : a->ceiling;
}

double att_adapt_observed(const AttAdapt *a, double now, double span)
{
    int n = 0;
    double oldest = now;
    for (int i = 0; i < a->nok; i++) {
        double t = a->ok[(a->okhead - 1 - i + ATT_ADAPT_SAMPLES) % ATT_ADAPT_SAMPLES];
        if (t < now - span) break;
        oldest = t;
        n++;
    }
    if (n < 2 || now - oldest <= 0) return 0;
    /* n - 1 intervals between the oldest success of the span and now. */
    return (double)(n - 1) / (now - oldest);
}

/* The window the paced rate needs at the observed latency. */
static int paced_window(const AttAdapt *a)
{
    double lat = a->lat > 0 ? a->lat : 0.05;
    double w = ceil(att_adapt_rate(a) * lat * 1.5) + 1;
    if (w > a->max) w = a->max;
    return w < 1 ? 1 : (int)w;
}

static int set_window(AttAdapt *a, int w, double now, const char *why)
{
    if (w == a->limit) return 0;
    snprintf(a->msg, sizeof a->msg, "window %d -> %d%s", a->limit, w, why);
    a->limit = w;
    a->round = 0;
    record(a, now);
    return 1;
}

int att_adapt_success(AttAdapt *a, double started, double now)
{
    double l = now - started;
    if (l < 0) l = 0;
    a->ok[a->okhead] = now;
    a->okhead = (a->okhead + 1) % ATT_ADAPT_SAMPLES;
    if (a->nok < ATT_ADAPT_SAMPLES) a->nok++;
    if (a->min_lat <= 0 || l < a->min_lat) a->min_lat = l > 0 ? l : 1e-6;
    a->lat = a->lat > 0 ? a->lat * 0.875 + l * 0.125 : l;
    a->round++;
    if (att_adapt_rate(a) <= 0) {
        /* Slow start: double per round trip while the latency stays near its minimum. */
        if (a->lat > 3 * a->min_lat + 0.02 && a->limit > 1 && a->round >= a->limit)
            return set_window(a, a->limit - (a->limit + 3) / 4, now, " (latency rising: the server queues)");
        if (a->round >= a->limit && a->limit < a->max && a->lat <= 1.5 * a->min_lat + 0.005)
            return set_window(a, a->limit * 2 < a->max ? a->limit * 2 : a->max, now, "");
        return 0;
    }
    /* Paced: probe upward gently, now and then, while the rate is what holds the client back. */
    if (a->rate > 0 && now >= a->probe_at && (a->ceiling <= 0 || a->rate < a->ceiling)) {
        double seen = att_adapt_observed(a, now, ATT_ADAPT_PROBE);
        a->probe_at = now + ATT_ADAPT_PROBE;
        if (seen >= 0.85 * a->rate) {
            a->rate *= 1.05;
            if (a->ceiling > 0 && a->rate > a->ceiling) a->rate = a->ceiling;
            a->limit = paced_window(a);
            snprintf(a->msg, sizeof a->msg, "pacing at %.1f requests/s (probing upward), window %d", att_adapt_rate(a),
                     a->limit);
            record(a, now);
            return 1;
        }
    }
    /* Keep the window what the rate needs as the latency moves (at most one change a second). */
    if (now - a->last_change >= 1.0 && paced_window(a) != a->limit)
        return set_window(a, paced_window(a), now, " (for the paced rate at the latency seen)");
    return 0;
}

int att_adapt_throttle(AttAdapt *a, double started, double now, long status, double retry_after_s)
{
    a->throttled++;
    /* Begun before the last throttle: the same episode, already accounted for. */
    if (a->last_throttle >= 0 && started <= a->last_throttle) return 0;
    double seen = att_adapt_observed(a, now, ATT_ADAPT_SPAN);
    double cur = att_adapt_rate(a);
    double r;
    if (seen <= 0 && cur <= 0) {
        /* Too few successes to tell a rate: the window halves, as for a failure. */
        a->last_throttle = now;
        return att_adapt_failure(a, now);
    }
    if (seen > 0)
        r = 0.9 * (cur > 0 && cur < seen ? cur : seen);
    else
        r = cur > 0 ? cur * 0.5 : 1.0;
    if (r < MIN_RATE) r = MIN_RATE;
    a->rate = r;
    a->last_throttle = now;
    a->probe_at = now + (retry_after_s > 0 ? retry_after_s : 0) + ATT_ADAPT_QUIET;
    a->limit = paced_window(a);
    a->round = 0;
    char ra[48] = "";
    if (retry_after_s >= 0) snprintf(ra, sizeof ra, " (Retry-After %g s)", retry_after_s);
    snprintf(a->msg, sizeof a->msg, "pacing at %.1f requests/s after HTTP %ld%s, window %d", att_adapt_rate(a), status,
             ra, a->limit);
    record(a, now);
    return 1;
}

int att_adapt_failure(AttAdapt *a, double now)
{
    int w = a->limit / 2;
    return set_window(a, w < 1 ? 1 : w, now, " (a failed attempt)");
}
