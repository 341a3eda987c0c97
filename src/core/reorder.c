/*
 * reorder.c — the bounded reorder window. See reorder.h.
 */
#include "reorder.h"
#include "util.h"

#include <stdlib.h>

int reorder_init(struct reorder *r, uint64_t window)
{
    r->slot = xcalloc(window, sizeof *r->slot);
    r->window = window;
    r->next = 0;
    r->parked = r->parked_max = 0;
    r->cancelled = false;
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        goto fail_mutex;
    if (pthread_cond_init(&r->advanced, NULL) != 0)
        goto fail_cond;
    return 0;
fail_cond:
    pthread_mutex_destroy(&r->lock);
fail_mutex:
    free(r->slot);
    return -1;
}

void reorder_drop_parked(struct reorder *r)
{
    for (uint64_t i = 0; i < r->window; i++) {
        chunk_free(r->slot[i]);
        r->slot[i] = NULL;
    }
    r->parked = 0;
}

void reorder_destroy(struct reorder *r)
{
    reorder_drop_parked(r);
    free(r->slot);
    pthread_cond_destroy(&r->advanced);
    pthread_mutex_destroy(&r->lock);
}

int reorder_admit(struct reorder *r, uint64_t index)
{
    pthread_mutex_lock(&r->lock);
    while (index >= r->next + r->window && !r->cancelled)
        pthread_cond_wait(&r->advanced, &r->lock);
    int rc = r->cancelled ? -1 : 0;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

void reorder_put(struct reorder *r, struct chunk *c)
{
    pthread_mutex_lock(&r->lock);
    r->slot[c->index % r->window] = c;
    if (++r->parked > r->parked_max)
        r->parked_max = r->parked;
    pthread_mutex_unlock(&r->lock);
}

struct chunk *reorder_take(struct reorder *r)
{
    pthread_mutex_lock(&r->lock);
    struct chunk **s = &r->slot[r->next % r->window];
    struct chunk *c = *s;
    if (c != NULL) {
        *s = NULL;
        r->next++;
        r->parked--;
        /* The window moved: a reader waiting to admit may go on. */
        pthread_cond_broadcast(&r->advanced);
    }
    pthread_mutex_unlock(&r->lock);
    return c;
}

void reorder_cancel(struct reorder *r)
{
    pthread_mutex_lock(&r->lock);
    r->cancelled = true;
    pthread_cond_broadcast(&r->advanced);
    pthread_mutex_unlock(&r->lock);
}
