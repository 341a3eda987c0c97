/*
 * pool.c — YOUR worker pool (lab 3): fan-out and fan-in between two channels.
 * See pool.h for what it promises.
 *
 * How it fits. glue.c (given) builds the kit's channel pipeline around this
 * pool: a reader thread feeds `in`, your workers run the stages, a writer
 * thread drains `out`. It replaces backends/channel_pipeline.c in
 * build/labs/03/pipelab, so --backend bounded and unbounded run on your pool.
 *
 * The invariants to keep:
 *   - every item received from `in` ends in exactly one place: sent to
 *     `out`, or handed to drop() (when work fails, or `out` refuses it);
 *   - `running` counts the workers that have not finished yet. It is set to
 *     n BEFORE the first worker starts: a worker that finished at once must
 *     never see a count that its fellow workers have not joined yet;
 *   - `out` is closed exactly once, by whoever brings `running` to 0.
 */
#include "pool.h"

#include <stdlib.h>

/* A worker has finished, or will never start: count it out. The last one
 * closes `out`, so the reader of `out` learns that no more items will come. */
static void worker_done(struct pool *p)
{
    /* atomic_fetch_sub returns the value BEFORE the subtraction: 1 means we
     * were the last. Two workers can never both see 1. */
    if (atomic_fetch_sub(&p->running, 1) == 1)
        chan_close(p->out);
}

static void *worker_main(void *arg)
{
    struct pool_worker *w = arg;
    struct pool *p = w->pool;
    void *item;
    /* Fan-out: every worker pulls from the same channel; each item goes to
     * whichever worker asks first. CHAN_CLOSED means closed AND drained. */
    while (chan_recv(p->in, &item) == CHAN_OK) {
        if (p->work(p->ctx, w->id, item) != 0 || chan_send(p->out, item) != CHAN_OK)
            p->drop(item);
    }
    worker_done(p);
    return NULL;
}

int pool_start(struct pool *p, unsigned n, struct chan *in, struct chan *out,
               pool_work_fn work, void (*drop)(void *item), void *ctx)
{
    p->in = in;
    p->out = out;
    p->work = work;
    p->drop = drop;
    p->ctx = ctx;
    p->n = n;
    p->worker = calloc(n ? n : 1, sizeof *p->worker);
    if (p->worker == NULL) {
        p->n = 0;
        chan_close(out);
        return -1;
    }
    atomic_init(&p->running, n); /* all of them, before any starts */

    unsigned started = 0;
    for (unsigned i = 0; i < n; i++) {
        struct pool_worker *w = &p->worker[i];
        w->pool = p;
        w->id = i;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            worker_done(p); /* it will never count itself out */
            continue;
        }
        w->started = true;
        started++;
    }
    return started > 0 ? 0 : -1;
}

void pool_join(struct pool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->worker[i].started)
            pthread_join(p->worker[i].thread, NULL);
    free(p->worker);
    p->worker = NULL;
}
