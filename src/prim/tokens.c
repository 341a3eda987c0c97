/*
 * tokens.c — see tokens.h.
 */
#include "tokens.h"
#include "util.h"
#include "xthread.h"

int tokens_init(struct tokens *t, unsigned count, struct histogram *wait)
{
    t->available = t->total = count;
    t->cancelled = false;
    t->wait = wait;
    xmutex_init(&t->lock); /* ends the program if it fails (xthread.h) */
    xcond_init(&t->returned);
    return 0;
}

void tokens_destroy(struct tokens *t)
{
    xcond_destroy(&t->returned);
    xmutex_destroy(&t->lock);
}

int tokens_acquire(struct tokens *t)
{
    uint64_t start = now_ns();
    xmutex_lock(&t->lock);
    while (t->available == 0 && !t->cancelled)
        xcond_wait(&t->returned, &t->lock);
    int rc = t->cancelled ? -1 : 0;
    if (rc == 0)
        t->available--;
    xmutex_unlock(&t->lock);
    if (t->wait != NULL)
        hist_record(t->wait, now_ns() - start);
    return rc;
}

void tokens_release(struct tokens *t)
{
    xmutex_lock(&t->lock);
    t->available++;
    xcond_signal(&t->returned); /* one token back: one waiter can use it */
    xmutex_unlock(&t->lock);
}

void tokens_cancel(struct tokens *t)
{
    xmutex_lock(&t->lock);
    t->cancelled = true;
    xcond_broadcast(&t->returned);
    xmutex_unlock(&t->lock);
}
