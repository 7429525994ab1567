/* watch.c — see watch.h. */
#define _GNU_SOURCE
#include "host/watch.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/out.h"
#include "core/stop.h"
#include "core/text.h"

#define TIME_GRACE   0.5 /* after the deadline, before the watchdog ends the run */
#define SIGNAL_GRACE 1.0 /* after a signal */

static sem_t sem;
static pthread_t thread;
static int started;
static atomic_int signals; /* signals received */
static atomic_int busy = 1;
static atomic_int cleared; /* att_watch_clear calls */
static atomic_int ended;
static double deadline, max_time;

int att_watch_status(int reason) { return reason == ATT_STOP_TIME ? 7 : 128 + reason; }

static void on_signal(int sig)
{
    int none = 0;
    atomic_compare_exchange_strong(&att_stop, &none, sig);
    atomic_fetch_add(&signals, 1);
    sem_post(&sem); /* async-signal-safe */
}

/* The run did not end in time: write what can be written and end it here. */
static void end_now(int reason)
{
    char line[200];
    ssize_t w;
    if (atomic_load(&ended)) return;
    att_out_emergency();
    if (reason == ATT_STOP_TIME)
        snprintf(line, sizeof line,
                 "att: script stopped: --max-time of %g seconds exceeded (ended by the watchdog: "
                 "the script was where it could not be interrupted)\n",
                 max_time);
    else
        snprintf(line, sizeof line, "att: %s (ended by the watchdog)\n", att_stop_text(reason));
    w = write(STDERR_FILENO, line, strlen(line));
    (void)w;
    _exit(att_watch_status(reason));
}

static void *watch_main(void *arg)
{
    double backstop = 0;
    int time_fired = 0, seen = 0, gen = 0;
    (void)arg;
    for (;;) {
        double wake = 0, now;
        int n, g;
        if (deadline > 0 && !time_fired) wake = deadline;
        if (backstop > 0 && (wake == 0 || backstop < wake)) wake = backstop;
        if (wake > 0) {
            struct timespec ts;
            ts.tv_sec = (time_t)wake;
            ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
            if (sem_clockwait(&sem, CLOCK_MONOTONIC, &ts) != 0 && errno != ETIMEDOUT && errno != EINTR) return NULL;
        } else if (sem_wait(&sem) != 0 && errno != EINTR) {
            return NULL;
        }
        if (atomic_load(&ended)) return NULL;
        now = att_now();
        g = atomic_load(&cleared);
        if (g != gen) { /* the prompt took the interrupt */
            gen = g;
            backstop = 0;
        }
        if (deadline > 0 && !time_fired && now >= deadline) {
            int none = 0;
            atomic_compare_exchange_strong(&att_stop, &none, ATT_STOP_TIME);
            time_fired = 1;
            backstop = now + TIME_GRACE;
        }
        n = atomic_load(&signals);
        if (n > seen) {
            if (!atomic_load(&busy)) {
                seen = n; /* at the prompt: nothing runs */
            } else if (n - seen >= 2 || (seen > 0 && backstop > 0)) {
                end_now(att_stopping()); /* a second signal: no more waiting */
            } else {
                seen = n;
                if (backstop == 0 || now + SIGNAL_GRACE < backstop) backstop = now + SIGNAL_GRACE;
            }
        }
        if (backstop > 0 && now >= backstop && att_stopping()) end_now(att_stopping());
    }
}

int att_watch_start(double limit)
{
    struct sigaction sa;
    pthread_attr_t attr;
    int rc;
    if (sem_init(&sem, 0, 0) != 0) return -1;
    max_time = limit;
    deadline = limit > 0 ? att_now() + limit : 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    rc = pthread_create(&thread, &attr, watch_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) return -1;
    started = 1;
    return 0;
}

double att_watch_deadline(void) { return deadline; }

void att_watch_busy(int b) { atomic_store(&busy, b); }

void att_watch_clear(void)
{
    atomic_store(&att_stop, 0);
    atomic_fetch_add(&cleared, 1);
    if (started) sem_post(&sem);
}

void att_watch_end(void)
{
    if (!started) return;
    atomic_store(&ended, 1);
    sem_post(&sem);
    pthread_join(thread, NULL);
    started = 0;
}
