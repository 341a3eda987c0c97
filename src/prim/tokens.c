/*
 * tokens.c — see tokens.h.
 */
#include "tokens.h"
#include "util.h"

int tokens_init(struct tokens *t, unsigned count, struct histogram *wait)
{
    t->available = t->total = count;
    t->cancelled = false;
    t->wait = wait;
    if (pthread_mutex_init(&t->lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&t->returned, NULL) != 0) {
        pthread_mutex_destroy(&t->lock);
        return -1;
    }
    return 0;
}

void tokens_destroy(struct tokens *t)
{
    pthread_cond_destroy(&t->returned);
    pthread_mutex_destroy(&t->lock);
}

int tokens_acquire(struct tokens *t)
{
    uint64_t start = now_ns();
    pthread_mutex_lock(&t->lock);
    while (t->available == 0 && !t->cancelled)
        pthread_cond_wait(&t->returned, &t->lock);
    int rc = t->cancelled ? -1 : 0;
    if (rc == 0)
        t->available--;
    pthread_mutex_unlock(&t->lock);
    if (t->wait != NULL)
        hist_record(t->wait, now_ns() - start);
    return rc;
}

void tokens_release(struct tokens *t)
{
    pthread_mutex_lock(&t->lock);
    t->available++;
    pthread_cond_signal(&t->returned); /* one token back: one waiter can use it */
    pthread_mutex_unlock(&t->lock);
}

void tokens_cancel(struct tokens *t)
{
    pthread_mutex_lock(&t->lock);
    t->cancelled = true;
    pthread_cond_broadcast(&t->returned);
    pthread_mutex_unlock(&t->lock);
}
