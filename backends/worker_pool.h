/*
 * worker_pool.h — the one worker-thread layer of the concurrent backends.
 *
 * mutex and the channel pipeline (bounded, unbounded) both run N workers,
 * each with its own struct worker (pipeline.h: a private stage runner and
 * its counters). Starting them, failing the job when one cannot start, and
 * joining them is written once, here; a backend only says what each thread
 * does.
 */
#ifndef PIPELAB_WORKER_POOL_H
#define PIPELAB_WORKER_POOL_H

#include "pipeline.h"

#include <pthread.h>
#include <stdbool.h>

/* A pool of threads that each own a struct worker. fn runs in each thread
 * with its slot, whose `shared` points at the backend's own state. */
struct worker_slot {
    struct worker w;
    void *shared;
    void *(*fn)(void *slot);
    pthread_t thread;
    bool started;
};

struct worker_pool {
    struct job *job;
    struct worker_slot *slot;        /* [count], owned: freed by worker_pool_join */
    unsigned count;
    unsigned started;
};

/* Start up to n threads. If one cannot start, the job fails (its abort hooks
 * wake the threads already running) and the rest are not started. Returns the
 * number started. Each thread names its metrics slot (metrics_thread_slot)
 * before fn runs, so that what it records through callbacks, such as a
 * channel's wait observer, lands in its own slot. */
unsigned worker_pool_start(struct worker_pool *pool, struct job *job, unsigned n,
                           void *(*fn)(void *slot), void *shared);

/* Join every started thread and fold its counters into the metrics. */
void worker_pool_join(struct worker_pool *pool);

#endif
