/*
 * reorder.c — the bounded reorder window. See reorder.h.
 */
#include "reorder.h"
#include "util.h"
#include "xthread.h"

#include <assert.h>
#include <stdlib.h>

int reorder_init(struct reorder *r, uint64_t window)
{
    r->slot = xcalloc(window, sizeof *r->slot);
    r->window = window;
    r->next = 0;
    r->parked = r->parked_max = 0;
    r->cancelled = false;
    xmutex_init(&r->lock); /* ends the program if it fails (xthread.h) */
    xcond_init(&r->advanced);
    return 0;
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
    xcond_destroy(&r->advanced);
    xmutex_destroy(&r->lock);
}

int reorder_admit(struct reorder *r, uint64_t index)
{
    xmutex_lock(&r->lock);
    while (index >= r->next + r->window && !r->cancelled)
        xcond_wait(&r->advanced, &r->lock);
    int rc = r->cancelled ? -1 : 0;
    xmutex_unlock(&r->lock);
    return rc;
}

void reorder_put(struct reorder *r, struct chunk *c)
{
    xmutex_lock(&r->lock);
    /* Admitted indices are all in [next, next + window): no two share a slot,
     * so the slot is empty. A chunk here would be lost, or sent twice. */
    assert(r->slot[c->index % r->window] == NULL);
    r->slot[c->index % r->window] = c;
    if (++r->parked > r->parked_max)
        r->parked_max = r->parked;
    xmutex_unlock(&r->lock);
}

struct chunk *reorder_take(struct reorder *r)
{
    xmutex_lock(&r->lock);
    struct chunk **s = &r->slot[r->next % r->window];
    struct chunk *c = *s;
    if (c != NULL) {
        *s = NULL;
        r->next++;
        r->parked--;
        /* The window moved: a reader waiting to admit may go on. */
        xcond_broadcast(&r->advanced);
    }
    xmutex_unlock(&r->lock);
    return c;
}

void reorder_cancel(struct reorder *r)
{
    xmutex_lock(&r->lock);
    r->cancelled = true;
    xcond_broadcast(&r->advanced);
    xmutex_unlock(&r->lock);
}
