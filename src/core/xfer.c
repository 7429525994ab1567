/* xfer.c — the transfers in flight on the client's multi handle, and the one event loop that drives
 * them (see http.h). Every request of the run is a transfer: API requests and the OAuth token
 * request alike go through the same attempts, retries, pacing and logging. A transfer waits to
 * start while the --rate slot, a 429/503 hold of the window (and then its own jitter) or its own
 * backoff says so, while the window (core/window.h) has no slot for it, and while the auth
 * provider is still fetching the credential its Authorization header needs. Attempts that receive
 * nothing for --stall-timeout are abandoned here as well as in the progress callback. */
#include "core/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http_impl.h"
#include "core/stop.h"
#include "core/text.h"

struct AttXfer {
    AttHttp *h; /* NULL once the client is gone */
    Req rq;
    char *method, *url, *body, *user, *password; /* owned copies behind rq (password wiped) */
    AttResponse resp;
    Attempt at;
    CURL *easy; /* while an attempt runs */
    int done, renewed, renew, retries;
    int slot;          /* holds a slot of the window (from the first attempt until done) */
    unsigned hold_gen; /* the hold of the window hold_rnd was drawn for (0: none) */
    double hold_rnd;   /* this transfer's own jitter draw after that hold */
    int waiting_auth;  /* the auth provider is fetching the credential this transfer needs */
    int auth_gen;      /* generation of the credential of the last attempt (0: none, or not renewable) */
    double not_before; /* monotonic time before which no new attempt starts */
    double started;    /* monotonic time the last attempt started */
    AttXfer *prev, *next;
};

/* Marks out as abandoned because the run is stopping. */
static void stopped(AttResponse *out)
{
    int why = att_stopping();
    out->err = why == ATT_STOP_TIME ? ATT_HTTP_ELIMIT : ATT_HTTP_EINTR;
    snprintf(out->errmsg, sizeof out->errmsg, "%s", att_stop_text(why ? why : 2));
}

/* Gives x's slot of the window back (done, cancelled, or not started after all). */
static void release_slot(AttXfer *x)
{
    if (x->slot && x->h) att_window_release(&x->h->win);
    x->slot = 0;
}

static void mark_done(AttXfer *x)
{
    x->done = 1;
    release_slot(x);
}

static void xfer_finish(AttXfer *x, AttHttpErr err, const char *msg)
{
    mark_done(x);
    if (err != ATT_HTTP_OK) {
        x->resp.err = err;
        if (msg) snprintf(x->resp.errmsg, sizeof x->resp.errmsg, "%s", msg);
    }
}

/* A new transfer of rq's kind, queued at once; url is absolute. NULL when out of memory. */
static AttXfer *xfer_new(AttHttp *h, const char *method, const char *url, const char *body, size_t len, int json)
{
    AttXfer *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->method = att_strdup(method);
    x->url = att_strdup(url);
    x->body = body ? malloc(len + 1) : NULL;
    if (!x->method || !x->url || (body && !x->body)) {
        free(x->method);
        free(x->url);
        free(x->body);
        free(x);
        return NULL;
    }
    if (body) {
        memcpy(x->body, body, len);
        x->body[len] = '\0';
    }
    x->rq.method = x->method;
    x->rq.url = x->url;
    x->rq.body = x->body;
    x->rq.len = body ? len : 0;
    x->rq.json = json;
    x->resp.limit = h->cfg.max_response;
    x->resp.body.budget = h->cfg.budget;
    x->h = h;
    x->next = h->xfers;
    if (h->xfers) h->xfers->prev = x;
    h->xfers = x;
    if (!att_http_method_ok(method)) xfer_finish(x, ATT_HTTP_EUSAGE, "invalid HTTP method");
    return x;
}

AttXfer *att_xfer_new(AttHttp *h, const char *method, const char *path, const char *body, size_t len)
{
    size_t ul = strlen(h->cfg.base_url) + strlen(path) + 1;
    char *url = malloc(ul);
    AttXfer *x;
    if (!url) return NULL;
    snprintf(url, ul, "%s%s", h->cfg.base_url, path);
    x = xfer_new(h, method, url, body, len, 1);
    free(url);
    return x;
}

AttXfer *att_xfer_form(AttHttp *h, const char *url, const char *user, const char *password, const char *form)
{
    AttXfer *x = xfer_new(h, "POST", url, form, strlen(form), 0);
    if (!x) return NULL;
    x->user = att_strdup(user ? user : "");
    x->password = att_strdup(password ? password : "");
    if (!x->user || !x->password) {
        att_xfer_free(x);
        return NULL;
    }
    x->rq.user = x->user;
    x->rq.password = x->password;
    return x;
}

int att_xfer_done(const AttXfer *x) { return x->done; }

AttResponse *att_xfer_response(AttXfer *x) { return &x->resp; }

/* Ends the attempt in progress, if any, and returns its handle to the pool (or frees it). */
static void drop_easy(AttHttp *h, AttXfer *x, int keep)
{
    if (!x->easy) return;
    curl_multi_remove_handle(h->multi, x->easy);
    if (keep && h->npool < ATT_POOL)
        h->pool[h->npool++] = x->easy;
    else
        att_easy_free(h, x->easy);
    x->easy = NULL;
    h->active--;
    att_attempt_clear(&x->at);
}

static void detach(AttXfer *x)
{
    AttHttp *h = x->h;
    if (!h) return;
    if (x->easy && !x->done) {
        /* Abandoned in the middle of an attempt: if not one byte of the request has left, the
         * server never saw it, and it is not counted. */
        long sent = 0;
        if (curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent == 0 && x->resp.attempts > 0) {
            if (--x->resp.attempts == 0) h->n.requests--;
            h->n.attempts--;
        }
    }
    drop_easy(h, x, 0);
    release_slot(x);
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next) x->next->prev = x->prev;
    x->prev = x->next = NULL;
    x->h = NULL;
}

void att_xfer_orphan_all(AttHttp *h)
{
    while (h->xfers) {
        AttXfer *x = h->xfers;
        detach(x);
        if (!x->done) xfer_finish(x, ATT_HTTP_EUSAGE, "the HTTP client was closed (att.configure)");
    }
}

static void wipe_free(char *s)
{
    if (s) memset(s, 0, strlen(s));
    free(s);
}

void att_xfer_free(AttXfer *x)
{
    if (!x) return;
    detach(x);
    att_attempt_clear(&x->at);
    att_response_free(&x->resp);
    free(x->method);
    free(x->url);
    if (x->body) memset(x->body, 0, x->rq.len);
    free(x->body);
    free(x->user);
    wipe_free(x->password);
    free(x);
}

/* Starts an attempt of x now: 0 started, 1 waiting for the credential (x stays queued), -1 failed
 * (x is then done). */
static int xfer_start(AttHttp *h, AttXfer *x)
{
    char *auth = NULL;
    long status = 0;
    CURL *e;
    int rc = 0;
    x->auth_gen = x->renew ? x->auth_gen : 0;
    if (x->rq.json && h->cfg.auth) {
        rc =
            h->cfg.auth(h->cfg.auth_ud, h->origin, &x->auth_gen, &auth, x->resp.errmsg, sizeof x->resp.errmsg, &status);
        x->waiting_auth = rc == 1;
        if (rc == 1) return 1;
        if (rc != 0) {
            x->resp.status = status;
            xfer_finish(x, ATT_HTTP_EAUTH, NULL);
            return -1;
        }
    }
    x->renew = 0;
    e = h->npool ? h->pool[--h->npool] : att_easy_new(h);
    if (!e) {
        int limit = h->cfg.budget && h->cfg.budget->refused;
        if (auth) wipe_free(auth);
        xfer_finish(x, limit ? ATT_HTTP_ELIMIT : ATT_HTTP_ENOMEM,
                    limit ? "no room for another connection in --max-memory" : "out of memory");
        return -1;
    }
    att_response_reset(&x->resp);
    rc = att_attempt_setup(h, e, &x->rq, auth, &x->resp, &x->at);
    if (auth) wipe_free(auth);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
    if (rc != 0 || curl_multi_add_handle(h->multi, e) != CURLM_OK) {
        att_easy_free(h, e);
        att_attempt_clear(&x->at);
        xfer_finish(x, ATT_HTTP_ENOMEM, "cannot start the transfer");
        return -1;
    }
    x->easy = e;
    x->started = att_now();
    h->active++;
    /* Counted as they start: a transfer cancelled while it waited counts nothing. */
    if (x->resp.attempts++ == 0) h->n.requests++;
    h->n.attempts++;
    return 0;
}

/* After an attempt: 0 done (the response holds the outcome), 1 repeat at once with a renewed
 * credential, 2 retry after *delay ms (and whether the window holds back in *hold). The policy is
 * att_retry_classify's and att_retry_delay's; this applies it. */
static int decide(AttHttp *h, AttXfer *x, AttFailure f, long *delay, int *hold)
{
    AttResponse *out = &x->resp;
    long ra = -1;
    AttVerdict v;
    if (out->err == ATT_HTTP_EINTR || out->err == ATT_HTTP_ELIMIT) return 0;
    /* Only a credential that can be renewed (an OAuth access token, generation >= 1) is worth a
     * second try after a 401: a static token would be refused again. */
    if (out->err == ATT_HTTP_OK && out->status == 401 && x->rq.json && x->auth_gen != 0 && !x->renewed) {
        x->renewed = 1;
        if (h->cfg.verbose) fprintf(stderr, "att: HTTP 401: renewing the access token and repeating the request\n");
        return 1;
    }
    v = att_retry_classify(out->err == ATT_HTTP_OK ? out->status : 0, f);
    out->retryable = v.retryable;
    if (!v.retryable) return 0;
    if (out->err == ATT_HTTP_OK && out->retry_after[0]) ra = att_retry_after_ms(out->retry_after, time(NULL));
    *delay = att_retry_delay(&h->cfg.retry, x->retries + 1, out->waited_ms, ra, att_http_uniform(h));
    if (*delay < 0) return 0;
    *hold = v.hold;
    x->retries++;
    h->n.retries++;
    if (h->cfg.verbose) {
        char why[340], line[460];
        if (out->err == ATT_HTTP_OK)
            snprintf(why, sizeof why, "HTTP %ld", out->status);
        else
            snprintf(why, sizeof why, "%s", out->errmsg);
        snprintf(line, sizeof line, "retrying in %.2f s after %s%s (retry %d of %d)", (double)*delay / 1000.0, why,
                 ra >= 0 ? " (Retry-After)" : "", x->retries, h->cfg.retry.retries);
        att_http_log(h, "", line, strlen(line));
    }
    return 2;
}

/* Tells the window how an attempt of an API transfer went: a retryable failure halves it, any
 * other answer from the server grows it. A stop, a limit of the run and a fatal failure (DNS, a
 * certificate, a size cap) say nothing about congestion. */
static void window_feedback(AttHttp *h, const AttXfer *x, AttFailure f)
{
    const AttResponse *out = &x->resp;
    AttVerdict v;
    int throttle, changed = 0;
    double now = att_now();
    if (!x->rq.json || out->err == ATT_HTTP_EINTR || out->err == ATT_HTTP_ELIMIT) return;
    v = att_retry_classify(out->err == ATT_HTTP_OK ? out->status : 0, f);
    throttle = out->err == ATT_HTTP_OK && (out->status == 429 || out->status == 503);
    h->n.throttled += throttle;
    if (!h->cfg.adaptive) {
        if (v.retryable)
            att_window_failure(&h->win);
        else if (out->err == ATT_HTTP_OK)
            att_window_success(&h->win);
        return;
    }
    if (throttle) {
        long ra = out->retry_after[0] ? att_retry_after_ms(out->retry_after, time(NULL)) : -1;
        changed = att_adapt_throttle(&h->adapt, x->started, now, out->status, ra >= 0 ? (double)ra / 1000.0 : -1);
    } else if (v.retryable) {
        changed = att_adapt_failure(&h->adapt, now);
    } else if (out->err == ATT_HTTP_OK) {
        changed = att_adapt_success(&h->adapt, x->started, now);
    }
    h->win.limit = h->adapt.limit;
    h->pacer.rate = att_adapt_rate(&h->adapt);
    if (changed && h->cfg.verbose) fprintf(stderr, "att: %s\n", h->adapt.msg);
}

/* An attempt of x ended with rc: conclude it and decide what comes next. */
static void xfer_ended(AttHttp *h, AttXfer *x, CURLcode rc)
{
    long delay = 0;
    int d, hold = 0;
    AttFailure f = att_attempt_conclude(h, x->easy, rc, &x->resp, &x->at);
    drop_easy(h, x, 1);
    att_http_log_attempt(h, &x->rq, &x->resp);
    h->kick = 1;
    d = decide(h, x, f, &delay, &hold);
    if (d != 1) window_feedback(h, x, f); /* a 401 that renews the credential is no failure */
    if (d == 0) {
        mark_done(x);
    } else if (d == 1) {
        x->renew = 1;
        x->not_before = 0;
    } else {
        x->not_before = att_now() + (double)delay / 1000.0;
        x->resp.waited_ms += delay;
        /* A server that says "too many requests" or "unavailable" is told so by every transfer of
         * the window: hold back every new attempt, not just this one. */
        if (hold && x->not_before > h->paused_until) {
            h->paused_until = x->not_before;
            h->hold_gen++;
        }
    }
}

/* When x may start its next attempt (monotonic seconds): its own backoff and, while a 429/503
 * hold of the window is on, the end of the hold plus x's own jitter, drawn once per hold and
 * within the ceiling of x's own backoff (att_retry_release). */
static double start_time(AttHttp *h, AttXfer *x, double now)
{
    long spread;
    if (h->hold_gen == 0) return x->not_before;
    if (h->paused_until > now && x->hold_gen != h->hold_gen) {
        x->hold_gen = h->hold_gen;
        x->hold_rnd = att_http_uniform(h);
    }
    if (x->hold_gen != h->hold_gen) return x->not_before; /* came after the hold */
    spread = att_retry_ceiling(&h->cfg.retry, x->retries > 0 ? x->retries : 1);
    return att_retry_release(x->not_before, h->paused_until, spread, x->hold_rnd);
}

/* Abandons the attempts that have received nothing for --stall-timeout (libcurl calls the
 * progress callback of a silent transfer too seldom for a short limit); lowers *wake to the time
 * the next one would stall. */
static void check_stalls(AttHttp *h, double now, double *wake)
{
    AttXfer *x;
    for (x = h->xfers; x; x = x->next) {
        double due;
        if (!x->easy || x->at.prog.stall_s <= 0) continue;
        due = x->at.prog.last_change + x->at.prog.stall_s;
        if (now >= due) {
            x->at.prog.stalled = 1;
            xfer_ended(h, x, CURLE_ABORTED_BY_CALLBACK);
        } else if (due < *wake) {
            *wake = due;
        }
    }
}

/* The credential could not be had: every transfer that was waiting for it fails with the same
 * error (rather than each asking the token endpoint again). */
static void fail_waiting(AttHttp *h, const AttXfer *failed)
{
    AttXfer *x;
    for (x = h->xfers; x; x = x->next) {
        if (x == failed || x->done || !x->waiting_auth) continue;
        x->resp.status = failed->resp.status;
        xfer_finish(x, ATT_HTTP_EAUTH, failed->resp.errmsg);
    }
}

/* One round of the event loop without blocking: abandon everything when the run stops, start what
 * may start (oldest first), let libcurl move data, conclude finished attempts. *wake is lowered to
 * the time the next waiting attempt may start; returns how many transfers wait to start. */
static int step(AttHttp *h, double *wake)
{
    AttXfer *x, *nx;
    double now = att_now();
    int running = 0, pending = 0, msgs;
    CURLMsg *m;

    if (att_stopping()) {
        for (x = h->xfers; x; x = nx) {
            nx = x->next;
            if (x->done) continue;
            drop_easy(h, x, 0);
            stopped(&x->resp);
            mark_done(x);
        }
        return 0;
    }
    for (x = h->xfers; x && x->next; x = x->next) {} /* the list is newest first */
    for (; x; x = x->prev) {
        double when = att_pace_when(&h->pacer, now), t;
        int r;
        if (x->done || x->easy) continue;
        pending++;
        t = start_time(h, x, now);
        if (t > now) {
            if (t < *wake) *wake = t;
            continue;
        }
        if (when > now) {
            if (when < *wake) *wake = when;
            continue;
        }
        /* The token request takes no slot: transfers holding every slot may be waiting for it. */
        if (!x->slot && x->rq.json) {
            if (!att_window_acquire(&h->win)) continue; /* a slot given back kicks the loop */
            x->slot = 1;
        }
        r = xfer_start(h, x); /* a token request it needs may be queued now, and started below */
        if (r == 0) {
            att_pace_take(&h->pacer, now);
            pending--;
        } else if (r == 1) {
            if (x->resp.attempts == 0) release_slot(x); /* not started: the slot is not its yet */
        } else if (r < 0) {
            pending--;
            if (x->resp.err == ATT_HTTP_EAUTH) fail_waiting(h, x);
        }
    }
    curl_multi_perform(h->multi, &running);
    while ((m = curl_multi_info_read(h->multi, &msgs)) != NULL) {
        void *priv = NULL;
        if (m->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
        xfer_ended(h, (AttXfer *)priv, m->data.result);
    }
    check_stalls(h, att_now(), wake);
    return pending;
}

void att_http_poll(AttHttp *h)
{
    double wake = att_now() + 1.0;
    if (h->xfers) step(h, &wake);
}

AttHttpErr att_http_wait(AttHttp *h, AttXfer *until)
{
    for (;;) {
        double wake = att_now() + 0.1;
        int pending;
        if (until && until->done) return until->resp.err;
        h->kick = 0;
        pending = step(h, &wake);
        if (until && until->done) return until->resp.err;
        if (att_stopping()) return until ? until->resp.err : ATT_HTTP_EINTR;
        if (!until) {
            AttXfer *x;
            int open = 0;
            for (x = h->xfers; x; x = x->next) open += !x->done;
            if (!open) return ATT_HTTP_OK;
        }
        if (h->kick) continue; /* an attempt ended: what waited for it may start now */
        if (h->active > 0 || pending > 0) {
            int ms = (int)((wake - att_now()) * 1000.0);
            if (ms < 0) ms = 0;
            if (ms > 100) ms = 100;
            curl_multi_poll(h->multi, NULL, 0, ms, NULL);
        }
    }
}

AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path, const char *body, size_t body_len,
                            AttResponse *out)
{
    AttXfer *x = att_xfer_new(h, method, path, body, body_len);
    memset(out, 0, sizeof *out);
    if (!x) {
        out->err = ATT_HTTP_ENOMEM;
        snprintf(out->errmsg, sizeof out->errmsg, "out of memory");
        return out->err;
    }
    att_http_wait(h, x);
    *out = x->resp; /* the body moves to the caller */
    memset(&x->resp, 0, sizeof x->resp);
    att_xfer_free(x);
    return out->err;
}
