/*
 * reorder.c — YOUR reorder window (lab 5): chunks back in index order, with
 * memory bounded by the window. See src/reorder.h for the API and the idea.
 *
 * How it fits. This file stands in for the kit's src/reorder.c (it defines
 * every function of src/reorder.h and is linked in front of
 * build/libpipelab.a). With --ordered (or --format gzip), pipelab calls it:
 *   the reader   reorder_admit(r, i) before it reads chunk i;
 *   the writer   reorder_put(r, c) for each finished chunk, then
 *                reorder_take(r) until NULL, writing what comes out.
 *
 * The state, guarded by r->lock:
 *   next     the first index not yet taken: everything before it is written
 *   slot[]   a ring of `window` places; chunk i lives in slot[i % window]
 *   parked   how many slots hold a chunk (parked_max: the most ever)
 *
 * The invariants:
 *   - only indices in [next, next + window) are ever admitted, so they all
 *     have different slots: no parked chunk is ever overwritten, and at most
 *     `window` chunks exist between the writer and the reader;
 *   - slot[next % window] is either empty or holds exactly chunk `next`;
 *   - whenever next moves on, every admit that waits is woken (broadcast):
 *     the reader may now go on, or the run was cancelled.
 *
 * Why it cannot deadlock: the chunk the writer needs (next) was admitted
 * before every chunk it is waiting behind, so it is already on its way
 * through the workers, and nothing on that way waits for the window.
 */
#include "reorder.h"
#include "util.h"

#include <stdlib.h>

/* ---- given ------------------------------------------------------------- */

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

/* Free every parked chunk: a failed run will never write them. Called once
 * no thread uses the window any more. */
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

void reorder_cancel(struct reorder *r)
{
    pthread_mutex_lock(&r->lock);
    r->cancelled = true;
    pthread_cond_broadcast(&r->advanced);
    pthread_mutex_unlock(&r->lock);
}

/* ---- the window -------------------------------------------------------- */

/* Wait until index fits in the window: index < next + window. 0, or -1 if
 * the run was cancelled (then the reader stops). */
int reorder_admit(struct reorder *r, uint64_t index)
{
    pthread_mutex_lock(&r->lock);
    while (index >= r->next + r->window && !r->cancelled)
        pthread_cond_wait(&r->advanced, &r->lock);
    int rc = r->cancelled ? -1 : 0;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* Park a finished chunk in its slot. Its index was admitted, so it is in
 * [next, next + window) and its slot is free. */
void reorder_put(struct reorder *r, struct chunk *c)
{
    pthread_mutex_lock(&r->lock);
    r->slot[c->index % r->window] = c;
    if (++r->parked > r->parked_max)
        r->parked_max = r->parked;
    pthread_mutex_unlock(&r->lock);
}

/* The chunk at `next` if it has arrived (and next moves on), else NULL. */
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
