/*
 * worker_pool.c — starting and joining the workers of a concurrent backend.
 * See worker_pool.h.
 */
#include "worker_pool.h"
#include "util.h"
#include "xthread.h"

#include <stdlib.h>

/* Every pool thread starts here: name the slot, run the backend's fn. */
static void *worker_pool_thread(void *arg)
{
    struct worker_slot *s = arg;
    metrics_thread_slot(s->w.metrics);
    void *result = s->fn(s);
    metrics_thread_slot(NULL);
    return result;
}

unsigned worker_pool_start(struct worker_pool *pool, struct job *job, unsigned n,
                           void *(*fn)(void *slot), void *shared)
{
    pool->job = job;
    pool->slot = xcalloc(n ? n : 1, sizeof *pool->slot);
    pool->count = n;
    pool->started = 0;
    for (unsigned i = 0; i < n; i++) {
        struct worker_slot *s = &pool->slot[i];
        s->shared = shared;
        s->fn = fn;
        if (pipeline_worker_init(job, &s->w, i) != 0)
            break;
        if (pthread_create(&s->thread, NULL, worker_pool_thread, s) != 0) {
            pipeline_worker_done(job, &s->w);
            job_fail(job, EX_OSERR, "cannot start worker thread %u", i);
            break;
        }
        s->started = true;
        pool->started++;
    }
    return pool->started;
}

void worker_pool_join(struct worker_pool *pool)
{
    for (unsigned i = 0; i < pool->count; i++) {
        struct worker_slot *s = &pool->slot[i];
        if (!s->started)
            continue;
        xthread_join(s->thread);
        pipeline_worker_done(pool->job, &s->w);
    }
    free(pool->slot);
    pool->slot = NULL;
}
