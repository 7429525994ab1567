/* test_window.c — the AIMD window controller (core/window.h) and the schedule of transfers
 * released by a 429/503 hold (att_retry_release with each transfer's own jitter). */
#include <stdlib.h>
#include <string.h>

#include "core/adapt.h"
#include "core/http.h"
#include "core/retry.h"
#include "core/window.h"
#include "unit.h"

void test_window(void);

static void test_controller(void)
{
    AttWindow w;
    int i, got;

    att_window_init(&w, 0);
    CHECK(w.max == ATT_WINDOW_DEFAULT && w.limit == ATT_WINDOW_DEFAULT && w.held == 0);
    att_window_init(&w, 1000);
    CHECK(w.max == ATT_WINDOW_MAX && w.limit == ATT_WINDOW_MAX);

    /* The limit starts at the configured window; slots beyond it are refused. */
    att_window_init(&w, 8);
    CHECK(w.limit == 8);
    for (got = 0, i = 0; i < 10; i++) got += att_window_acquire(&w);
    CHECK(got == 8 && w.held == 8);
    att_window_release(&w);
    CHECK(w.held == 7);
    CHECK(att_window_acquire(&w) == 1);
    CHECK(att_window_acquire(&w) == 0);

    /* Multiplicative decrease: 8 -> 4 -> 2 -> 1 -> 1; the slots held are not taken away. */
    att_window_failure(&w);
    CHECK(w.limit == 4 && w.held == 8);
    att_window_failure(&w);
    att_window_failure(&w);
    CHECK(w.limit == 1);
    att_window_failure(&w);
    CHECK(w.limit == 1);
    for (i = 0; i < 7; i++) att_window_release(&w);
    CHECK(w.held == 1 && att_window_acquire(&w) == 0); /* 1 held, limit 1 */
    att_window_release(&w);
    CHECK(w.held == 0 && att_window_acquire(&w) == 1);

    /* Additive increase: +1 per success, up to the configured window. */
    for (i = 0; i < 3; i++) att_window_success(&w);
    CHECK(w.limit == 4);
    CHECK(att_window_acquire(&w) + att_window_acquire(&w) + att_window_acquire(&w) + att_window_acquire(&w) == 3);
    for (i = 0; i < 100; i++) att_window_success(&w);
    CHECK(w.limit == 8);

    /* Releasing more than was taken (a cancelled transfer twice) never goes below 0. */
    att_window_init(&w, 1);
    att_window_release(&w);
    CHECK(w.held == 0 && w.limit == 1);
    CHECK(att_window_acquire(&w) == 1 && att_window_acquire(&w) == 0);
    att_window_failure(&w);
    CHECK(w.limit == 1);
    att_window_success(&w);
    CHECK(w.limit == 1);
}

/* xorshift64*, as the client draws its jitter. */
static double draw(unsigned long long *s)
{
    unsigned long long x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Seven transfers answered 503 at t = 0: each draws its own backoff, the longest sets the hold,
 * and each is released after the hold with its own jitter. */
static void test_release_schedule(void)
{
    AttRetryPolicy p = {4, 60000, 250, 20000};
    double own[7], at[7], hold = 0;
    unsigned long long s = 0x9e3779b97f4a7c15ULL;
    long spread = att_retry_ceiling(&p, 1);
    int i, distinct = 1, bounded = 1, keeps = 0;

    CHECK(spread == 250);
    CHECK(att_retry_ceiling(&p, 2) == 500 && att_retry_ceiling(&p, 4) == 2000);
    CHECK(att_retry_ceiling(&p, 20) == 20000);
    for (i = 0; i < 7; i++) {
        own[i] = (double)att_retry_delay(&p, 1, 0, -1, draw(&s)) / 1000.0;
        if (own[i] > hold) hold = own[i];
    }
    for (i = 0; i < 7; i++) {
        at[i] = att_retry_release(own[i], hold, spread, draw(&s));
        if (own[i] >= hold) {
            keeps += at[i] == own[i];
        } else if (at[i] < hold || at[i] >= hold + (double)spread / 1000.0) {
            bounded = 0;
        }
    }
    CHECK(keeps == 1);   /* the one that set the hold keeps its own time */
    CHECK(bounded == 1); /* the others in [hold, hold + spread) */
    qsort(at, 7, sizeof at[0], cmp_double);
    for (i = 1; i < 7; i++)
        if (at[i] - at[i - 1] < 1e-6) distinct = 0;
    CHECK(distinct == 1);
    CHECK(at[6] - at[0] > 0.05); /* spread over more than 50 ms, not within 2 ms */

    /* The bounds, exactly. */
    CHECK(att_retry_release(0, 10.0, 250, 0.0) == 10.0);
    CHECK(att_retry_release(0, 10.0, 250, 0.5) == 10.125);
    CHECK(att_retry_release(0, 10.0, 250, 1.5) < 10.25); /* a draw of 1 or more stays inside */
    CHECK(att_retry_release(0, 10.0, 250, -1) == 10.0);
    CHECK(att_retry_release(12.0, 10.0, 250, 0.5) == 12.0); /* its own backoff is longer */
    CHECK(att_retry_release(10.0, 10.0, 250, 0.5) == 10.0); /* it set the hold */
    CHECK(att_retry_release(5.0, 10.0, 0, 0.5) == 10.0);
}

/* The client's window, and requests counted when they start: against a port where nothing
 * listens (refused at once), with a window of 1 and no retries. */
static void test_client_window(void)
{
    AttHttpConfig cfg;
    AttHttp *h;
    AttXfer *x[3];
    AttHttpCounters n;
    char err[200];
    int i;

    memset(&cfg, 0, sizeof cfg);
    cfg.base_url = "http://127.0.0.1:1/omni-svcs";
    cfg.timeout_ms = 5000;
    cfg.connect_timeout_ms = 5000;
    cfg.max_response = 1 << 20;
    cfg.window = 1;
    h = att_http_new(&cfg, err, sizeof err);
    CHECK(h != NULL);
    if (!h) return;
    for (i = 0; i < 3; i++) x[i] = att_xfer_new(h, "POST", "/v1/customers/search", "{}", 2);
    CHECK(x[0] && x[1] && x[2]);
    att_http_counters(h, &n);
    CHECK(n.requests == 0 && n.attempts == 0); /* queued, not started */
    att_http_wait(h, x[0]);
    att_http_counters(h, &n);
    CHECK(att_xfer_done(x[0]) && att_xfer_response(x[0])->err == ATT_HTTP_ENETWORK);
    CHECK(att_xfer_response(x[0])->attempts == 1);
    CHECK(n.requests == 1 && n.attempts == 1); /* the others waited for the one slot */
    CHECK(!att_xfer_done(x[1]) && att_xfer_response(x[1])->attempts == 0);
    att_xfer_free(x[2]); /* cancelled while queued: never counted */
    att_http_wait(h, NULL);
    att_http_counters(h, &n);
    CHECK(att_xfer_done(x[1]) && att_xfer_response(x[1])->attempts == 1);
    CHECK(n.requests == 2 && n.attempts == 2);
    att_xfer_free(x[0]);
    att_xfer_free(x[1]);
    att_http_free(h);
}

/* ---- the adaptive controller against simulated servers (core/adapt.h) --------------------------- */

/* A simulated server: a token bucket (rate > 0), a concurrency limit (conc > 0, else 503), and a
 * fixed latency. Time advances in 1 ms steps; nothing here reads a clock. */
typedef struct Sim {
    double rate, burst, tokens, latency;
    double queue; /* more latency per attempt in flight (a server that queues) */
    int conc;
    double end[64], began[64]; /* attempts in flight: when they are answered, when they began */
    int status[64], n;
    long ok, refused, sent;
    double hold_until, pace_next, max_rate;
} Sim;

/* Runs the controller until `want` successes; returns the simulated time it took. */
static double simulate(Sim *s, AttAdapt *a, long want, double ceiling)
{
    double now = 0;
    att_adapt_init(a, 0, ceiling, now);
    s->tokens = s->burst;
    while (s->ok < want && now < 600) {
        now += 0.001;
        if (s->rate > 0) {
            s->tokens += 0.001 * s->rate;
            if (s->tokens > s->burst) s->tokens = s->burst;
        }
        for (int i = 0; i < s->n;) {
            if (s->end[i] > now) {
                i++;
                continue;
            }
            if (s->status[i] == 200) {
                s->ok++;
                att_adapt_success(a, s->began[i], now);
            } else {
                double ra = s->status[i] == 429 ? 1 : -1;
                s->refused++;
                att_adapt_throttle(a, s->began[i], now, s->status[i], ra);
                double until = now + (ra > 0 ? ra : 0.5);
                if (until > s->hold_until) s->hold_until = until; /* xfer.c holds the window */
            }
            s->n--;
            s->end[i] = s->end[s->n], s->began[i] = s->began[s->n], s->status[i] = s->status[s->n];
        }
        double r = att_adapt_rate(a);
        if (r > s->max_rate) s->max_rate = r;
        while (s->n < a->limit && s->n < 64 && now >= s->hold_until && (r <= 0 || now >= s->pace_next)) {
            int st = 200;
            if (s->rate > 0 && s->tokens < 1)
                st = 429;
            else if (s->conc > 0 && s->n >= s->conc)
                st = 503;
            if (st == 200 && s->rate > 0) s->tokens -= 1;
            s->began[s->n] = now;
            s->end[s->n] = now + (st == 429 ? 0.001 : s->latency + s->queue * s->n);
            s->status[s->n++] = st;
            s->sent++;
            if (r > 0) s->pace_next = (s->pace_next > now ? s->pace_next : now) + 1.0 / r;
        }
    }
    return now;
}

static void test_adapt(void)
{
    AttAdapt *a = calloc(1, sizeof *a);
    Sim s;
    double t;
    if (!a) abort();

    /* Pure latency (50 ms, no limit): the window doubles per round trip to 32, nothing paced. */
    memset(&s, 0, sizeof s);
    s.latency = 0.05;
    t = simulate(&s, a, 1000, 0);
    CHECK(a->limit == ATT_ADAPT_MAX && a->window_max == ATT_ADAPT_MAX && att_adapt_rate(a) <= 0);
    CHECK(a->tl[0].window == ATT_ADAPT_START && a->ntl == 3); /* 8, 16, 32 */
    CHECK(a->tl[2].t < 0.2);                                  /* open within 3 round trips */
    CHECK(s.refused == 0 && t < 1.2 * (1000.0 / 32 * 0.05) + 0.2);

    /* A token bucket of 40/s (burst 40) answering 429 with Retry-After: 1: the rate converges
     * near 40, few 429s, and the run is close to the best it can be ((1000 - 40) / 40 s). */
    memset(&s, 0, sizeof s);
    s.latency = 0.05, s.rate = 40, s.burst = 40;
    t = simulate(&s, a, 1000, 0);
    CHECK(att_adapt_rate(a) > 30 && att_adapt_rate(a) < 46);
    CHECK(s.refused * 50 < s.sent); /* under 2% */
    CHECK(t < 1.2 * (1000.0 - 40) / 40);
    CHECK(a->limit <= 6); /* just large enough for 40/s at 50 ms */
    CHECK(a->throttled == s.refused);

    /* The same with --rate 20: a hard ceiling, never exceeded, and no 429 at all. */
    memset(&s, 0, sizeof s);
    s.latency = 0.05, s.rate = 40, s.burst = 40;
    simulate(&s, a, 300, 20);
    CHECK(s.max_rate <= 20 && s.refused == 0);

    /* A server that serves 4 at once and answers 503 above: few 503s, the run completes (at no
     * less than a quarter of the server's capacity of 80/s: pacing from 503s is conservative). */
    memset(&s, 0, sizeof s);
    s.latency = 0.05, s.conc = 4;
    t = simulate(&s, a, 1000, 0);
    CHECK(s.ok == 1000 && s.refused * 20 < s.sent);
    CHECK(t < 4 * 1000.0 / 4 * 0.05 + 20); /* weak: it settles near a quarter of the capacity */

    /* A server that queues (each attempt in flight adds 5 ms to the latency): the latency rising
     * above its minimum stops the window growing; it never reaches the maximum, and the run
     * completes without a refusal. */
    memset(&s, 0, sizeof s);
    s.latency = 0.02, s.queue = 0.005;
    simulate(&s, a, 1000, 0);
    CHECK(s.ok == 1000 && s.refused == 0);
    CHECK(a->window_max < ATT_ADAPT_MAX && a->limit <= ATT_ADAPT_START);

    /* Failures halve the window; the timeline stays bounded and keeps its first sample. */
    att_adapt_init(a, 0, 0, 0);
    for (int i = 0; i < 2000; i++) {
        att_adapt_failure(a, i * 0.01);
        att_adapt_success(a, i * 0.01, i * 0.01 + 0.001);
        if (a->limit == 1) att_adapt_init(a, 0, 0, 0), a->ntl = ATT_ADAPT_TIMELINE; /* keep it full */
    }
    CHECK(a->ntl <= ATT_ADAPT_TIMELINE && a->tl[0].window == ATT_ADAPT_START);
    att_adapt_init(a, 0, 0, 0);
    CHECK(att_adapt_failure(a, 1) == 1 && a->limit == 4);
    CHECK(att_adapt_failure(a, 2) == 1 && a->limit == 2);
    free(a);
}

void test_window(void)
{
    test_controller();
    test_release_schedule();
    test_client_window();
    test_adapt();
}
