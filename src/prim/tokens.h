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
 * Two paths. While a token is free, taking and giving one back is a single
 * atomic operation on the count of free tokens: no lock. Only a thread that
 * finds none free takes the mutex and sleeps on the condition variable, and
 * only a release that sees a sleeper takes the mutex to wake one.
 *
 * Why not one mutex around the count, as a textbook semaphore? Every worker
 * takes a token and gives it back for every chunk, so that mutex would be
 * the one lock all workers share: with 64 workers on 64 cores and cheap
 * stages, each chunk would queue twice for it, and a holder preempted inside
 * it stalls them all. The atomic count is still one cache line all workers
 * write (a global limit needs a global count), but an uncontended atomic never
 * sleeps and is never held. Measured on a 2-core machine (AMD EPYC, Linux
 * 6.18, gcc 12.2; 2026-12-02, busy with other work): see tokens.c.
 *
 * Why not POSIX sem_t, which has such a fast path too? tokens_cancel must wake
 * every waiter when a run fails (sem_t has no broadcast), and the time spent
 * waiting is measured.
 *
 * Fairness: none. A release that finds the count above zero lets whoever
 * comes first take the token, a woken sleeper or a thread that just arrived
 * on the fast path (which usually wins; the sleeper then sleeps again). That is
 * what makes the fast path fast, and what gives the token wait its long tail
 * (lesson 7).
 */
#ifndef PIPELAB_TOKENS_H
#define PIPELAB_TOKENS_H

#include "histogram.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct tokens {
    /* The fast path, on a cache line of its own: every acquire and release
     * writes it, so nothing else may share it (false sharing). */
    _Alignas(64) atomic_uint available;  /* tokens free now */
    atomic_uint sleepers;                /* threads in the slow path */
    atomic_bool cancelled;
    unsigned total;
    struct histogram *wait;              /* time to get a token; may be NULL */
    /* The slow path: only threads that found no token free sleep here. */
    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t returned;
};

/* Returns 0: a lock that cannot be made ends the program (xthread.h). The
 * int stays for the callers, the labs' among them, that check it. */
int tokens_init(struct tokens *t, unsigned count, struct histogram *wait);
void tokens_destroy(struct tokens *t);

/* Take a token, waiting if none is free. Returns 0, or -1 if cancelled. The
 * wait goes to the pool's histogram. */
int tokens_acquire(struct tokens *t);
/* The same, the wait going to `wait` instead (NULL: not measured): for a
 * caller that keeps a histogram per thread rather than one all threads
 * write (metrics.h says why). */
int tokens_acquire_timed(struct tokens *t, struct histogram *wait);
void tokens_release(struct tokens *t);

/* Wake every waiter; from now on acquire fails. */
void tokens_cancel(struct tokens *t);

#endif
