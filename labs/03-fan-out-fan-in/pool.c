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
 *
 * What is yours: the three places marked TODO(lab 3) — the worker loop, the
 * last-one-out close, and the starting value of `running`. Starting threads
 * and joining them are given.
 */
#include "pool.h"

#include <stdlib.h>

/* A worker has finished, or will never start: count it out. The last one
 * closes `out`, so the reader of `out` learns that no more items will come. */
static void worker_done(struct pool *p)
{
    /* TODO(lab 3): take this worker off `running`, and if it was the last
     * one, close p->out. Two workers finishing at the same moment must not
     * both think they were last (nor both think they were not): one atomic
     * operation must do the counting AND tell you what the count was. */
    (void)p;
}

static void *worker_main(void *arg)
{
    struct pool_worker *w = arg;
    struct pool *p = w->pool;
    /* TODO(lab 3): receive items from p->in until it reports CHAN_CLOSED
     * (closed AND drained). For each: p->work(p->ctx, w->id, item); if that
     * returns 0, send the item to p->out. An item that failed, or that
     * p->out refused (it was closed because the run is failing), goes to
     * p->drop(item): every item ends in exactly one place. */
    (void)w;
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
    /* TODO(lab 3): how many workers are running before the first one starts?
     * (A worker that finds `in` already closed finishes at once.) */
    atomic_init(&p->running, 0);

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
