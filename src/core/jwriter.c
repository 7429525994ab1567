/* jwriter.c — the journal's writer thread (see jwriter.h). */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "core/jwriter.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Item {
    struct Item *next;
    char type;
    size_t mlen, blen, charged;
    char data[]; /* meta, then body */
} Item;

struct AttJWriter {
    AttJFile *f;
    AttBudget *budget;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    Item *head, *tail; /* queued, oldest first */
    Item *done;        /* written: freed (and given back to the budget) by the run's thread */
    size_t queued, max_queued;
    uint64_t accepted; /* bytes the file will hold once the queue is written */
    uint64_t cap;      /* the file's cap, checked here as records are queued (0: none) */
    int stopping, failed, err;
    int may_drop;
};

static void *writer_main(void *arg)
{
    AttJWriter *w = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the run's thread's and the watchdog's */
    {
        struct sched_param idle = {0};
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle); /* when nothing else runs */
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        Item *batch[ATT_JFILE_BATCH];
        AttJPiece pieces[ATT_JFILE_BATCH];
        int n = 0, i, rc;
        while (!w->head && !w->stopping) pthread_cond_wait(&w->more, &w->mu);
        if (!w->head || w->stopping > 1) break;
        while (w->head && n < ATT_JFILE_BATCH) { /* what is queued, written together */
            Item *it = w->head;
            w->head = it->next;
            pieces[n].type = it->type;
            pieces[n].meta = it->data;
            pieces[n].mlen = it->mlen;
            pieces[n].body = it->data + it->mlen;
            pieces[n].blen = it->blen;
            batch[n++] = it;
        }
        if (!w->head) w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        rc = w->failed ? -1 : att_jfile_append_many(w->f, pieces, n);
        pthread_mutex_lock(&w->mu);
        if (rc != 0 && !w->failed) {
            w->failed = 1;
            w->err = w->f->err;
        }
        for (i = 0; i < n; i++) {
            w->queued -= batch[i]->mlen + batch[i]->blen;
            batch[i]->next = w->done;
            w->done = batch[i];
        }
        pthread_cond_signal(&w->room);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

AttJWriter *att_jwriter_start(AttJFile *f, size_t max_queued, AttBudget *budget, int may_drop)
{
    AttJWriter *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->may_drop = may_drop;
    w->f = f;
    w->budget = budget;
    w->max_queued = max_queued;
    w->accepted = f->size;
    w->cap = f->cap;
    f->cap = 0; /* checked by att_jwriter_put, where the record is refused whole */
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return NULL;
    }
    pthread_cond_init(&w->more, NULL);
    pthread_cond_init(&w->room, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_cond_destroy(&w->more);
        pthread_cond_destroy(&w->room);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* Frees the records written so far (the lock held). */
static void reap(AttJWriter *w)
{
    while (w->done) {
        Item *it = w->done;
        w->done = it->next;
        att_budget_give(w->budget, it->charged);
        free(it);
    }
}

int att_jwriter_put(AttJWriter *w, char type, const char *meta, size_t mlen, const char *body, size_t blen, int *err)
{
    size_t size = mlen + blen;
    uint64_t total = att_jfile_size(type, mlen, blen);
    Item *it;
    int rc = 0;
    *err = 0;
    pthread_mutex_lock(&w->mu);
    reap(w);
    if (w->failed) {
        *err = w->err;
        rc = -1;
    } else if (w->cap && w->accepted + total > w->cap) {
        rc = 1;
    } else if (w->may_drop && type == 'x' && w->queued > 0 && w->queued + size > w->max_queued) {
        rc = 2; /* the disk (or the processor) is behind the scan: not this one */
    }
    pthread_mutex_unlock(&w->mu);
    if (rc) return rc;
    if (att_budget_take(w->budget, sizeof *it + size) != 0) { /* room once the queue is written? */
        pthread_mutex_lock(&w->mu);
        while (w->queued > 0 && !w->failed) pthread_cond_wait(&w->room, &w->mu);
        reap(w);
        pthread_mutex_unlock(&w->mu);
        if (att_budget_take(w->budget, sizeof *it + size) != 0) return -1;
    }
    if (!(it = malloc(sizeof *it + size))) {
        att_budget_give(w->budget, sizeof *it + size);
        return -1;
    }
    it->next = NULL;
    it->type = type;
    it->mlen = mlen;
    it->blen = blen;
    it->charged = sizeof *it + size;
    memcpy(it->data, meta, mlen);
    if (blen) memcpy(it->data + mlen, body, blen);
    pthread_mutex_lock(&w->mu);
    while (w->queued > 0 && w->queued + size > w->max_queued && !w->failed) pthread_cond_wait(&w->room, &w->mu);
    reap(w);
    if (w->tail)
        w->tail->next = it;
    else
        w->head = it;
    w->tail = it;
    w->queued += size;
    w->accepted += total;
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void att_jwriter_stop(AttJWriter *w, int discard)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stopping = discard ? 2 : 1;
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    while (w->head) { /* dropped */
        Item *it = w->head;
        w->head = it->next;
        it->next = w->done;
        w->done = it;
    }
    reap(w);
    pthread_cond_destroy(&w->more);
    pthread_cond_destroy(&w->room);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
