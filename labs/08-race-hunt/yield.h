/*
 * yield.h — named yield points: forcing one interleaving out of a million.
 *
 * A race shows up only when threads run in one particular order, which may
 * happen once in a million runs. A yield point is a place in the code where
 * the real scheduler COULD pause a thread for as long as it likes. In the
 * check build (-DLAB_YIELD_POINTS) the checks can make it pause exactly there,
 * let chosen other threads run, and then let it go on: the rare order happens
 * every time, and a bug that depends on it shows up every time.
 *
 *   YIELD_POINT("recv_woken", &ch->mu)   inside a critical section: a thread
 *                                        told to stop here releases the
 *                                        mutex while it waits, and takes it
 *                                        back before going on (as if
 *                                        pthread_cond_wait had simply
 *                                        returned later);
 *   YIELD_POINT("recv_done", NULL)       where no lock is held.
 *
 * Every passage through a point is also counted, so a check can wait until,
 * say, two receivers have reached "recv_wait" (the line before their
 * pthread_cond_wait). Outside the check build, YIELD_POINT does nothing.
 *
 * Placing one never changes what a correct program may do: pausing a thread
 * at a yield point is something the scheduler is always allowed to do.
 */
#ifndef LAB_YIELD_H
#define LAB_YIELD_H

#include <pthread.h>
#include <stdbool.h>

#ifdef LAB_YIELD_POINTS
void yield_point(const char *name, pthread_mutex_t *held);
#define YIELD_POINT(name, held) yield_point((name), (held))
#else
#define YIELD_POINT(name, held) ((void)(held))
#endif

/* ---- the check's side -------------------------------------------------- */

/* Forget every count and order. */
void yield_reset(void);

/* The next n threads to reach `name` stop there until yield_release(name). */
void yield_park(const char *name, int n);

/* Let every thread stopped at `name` go on. */
void yield_release(const char *name);

/* Wait (at most ms) until `name` has been passed n times in all, or until
 * n threads are stopped at it. true if it happened. */
bool yield_wait_arrivals(const char *name, int n, unsigned ms);
bool yield_wait_parked(const char *name, int n, unsigned ms);

int yield_arrivals(const char *name);

#endif
