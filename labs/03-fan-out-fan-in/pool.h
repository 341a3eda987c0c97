/*
 * pool.h — a pool of worker threads between two channels: fan-out, fan-in.
 *
 *              +-> worker 0 --+
 *   in  -------+-> worker 1 --+------->  out
 *   (fan-out)  +-> worker 2 --+   (fan-in)
 *
 * Every worker receives from `in` until it is closed and drained, runs
 * work(ctx, worker_id, item) on each item, and sends the item on to `out`.
 * Many workers share one input channel (fan-out: each item goes to exactly
 * one of them) and one output channel (fan-in: all of them send into it).
 *
 * Who closes `out`? Not the caller — it does not know when the workers are
 * done — and not the first worker to finish, whose fellow workers may still
 * be about to send. The LAST worker to finish closes it, exactly once. Then
 * whoever reads `out` sees every item and, after the last one, CHAN_CLOSED.
 *
 * This is the heart of backends/channel_pipeline.c. In this lab, glue.c puts
 * your pool between the kit's reader and writer, so build/labs/03/pipelab
 * --backend bounded (or unbounded) runs its workers on your pool.
 */
#ifndef LAB_POOL_H
#define LAB_POOL_H

#include "chan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Process one item. 0: send it on to `out`. -1: it failed; the pool hands
 * it to drop() instead (and goes on with the next one). */
typedef int (*pool_work_fn)(void *ctx, unsigned worker, void *item);

struct pool;

struct pool_worker {
    struct pool *pool;
    unsigned id;              /* 0 .. n-1, passed to work() */
    pthread_t thread;
    bool started;
};

struct pool {
    struct chan *in;          /* the workers receive from here */
    struct chan *out;         /* and send here; the last worker out closes it */
    pool_work_fn work;
    void (*drop)(void *item); /* frees an item that failed or cannot be sent */
    void *ctx;
    unsigned n;               /* worker threads */
    struct pool_worker *worker;
    atomic_uint running;      /* workers not finished yet */
};

/* Start n workers. Returns 0, or -1 if not even one thread could start
 * (then `out` has been closed and pool_join must still be called). */
int pool_start(struct pool *p, unsigned n, struct chan *in, struct chan *out,
               pool_work_fn work, void (*drop)(void *item), void *ctx);

/* Wait for every worker to finish and free the pool's memory. */
void pool_join(struct pool *p);

#endif
