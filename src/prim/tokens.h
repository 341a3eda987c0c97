/*
 * tokens.h — a pool of tokens: a counting semaphore you can cancel.
 *
 * Two uses in the kit:
 *   - the CPU-token resource manager (--cpu-tokens, default: the number of
 *     cores): every worker holds a token while it processes a chunk, so that
 *     no more chunks are processed at once than there are cores, however many
 *     worker threads exist (the design note's RESOURCE_MANAGER.acquire_cpu);
 *   - the legacy backend's semaphore (--workers permits), the design note's
 *     tokio::sync::Semaphore.
 *
 * Built from a mutex and a condition variable rather than POSIX sem_t for two
 * reasons a student will meet again: tokens_cancel must wake every waiter when
 * a run fails (sem_t has no broadcast), and the time spent waiting is measured.
 */
#ifndef PIPELAB_TOKENS_H
#define PIPELAB_TOKENS_H

#include "histogram.h"

#include <pthread.h>
#include <stdbool.h>

struct tokens {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    unsigned available;
    unsigned total;
    bool cancelled;
    struct histogram *wait;      /* time to get a token; may be NULL */
};

/* Returns 0: a lock that cannot be made ends the program (xthread.h). The
 * int stays for the callers, the labs' among them, that check it. */
int tokens_init(struct tokens *t, unsigned count, struct histogram *wait);
void tokens_destroy(struct tokens *t);

/* Take a token, waiting if none is free. Returns 0, or -1 if cancelled. */
int tokens_acquire(struct tokens *t);
void tokens_release(struct tokens *t);

/* Wake every waiter; from now on acquire fails. */
void tokens_cancel(struct tokens *t);

#endif
