/*
 * xthread.h — the pthread calls that cannot fail in a correct program.
 *
 * POSIX lets pthread_mutex_lock, pthread_cond_wait and their kin return an
 * error, but look at which errors: EINVAL (an object never initialised, or
 * already destroyed), EDEADLK (locking a mutex this thread holds), EPERM
 * (unlocking one it does not hold), EBUSY (destroying a mutex still locked or
 * a condition variable still waited on), ESRCH (joining a thread that does
 * not exist). Each one is a bug in pipelab, not something that happens to a
 * correct program; there is nothing sensible for the caller to do but stop.
 * Initialising (pthread_mutex_init, pthread_cond_init) can also fail for lack
 * of resources (ENOMEM, EAGAIN), which pipelab treats as it treats running out
 * of memory (util.h): it does not try to recover.
 *
 * So, as pigz does in yarn.c and as xmalloc does for memory, these calls go
 * through the wrappers below. Each one ends the program when the call fails,
 * with one line naming the call and the error ("pipelab: pthread_mutex_lock:
 * Invalid argument"), after removing any half-written output; the exit code
 * is EX_OSERR for lack of resources and EX_SOFTWARE for everything else. The
 * caller is left with one straight line where an unchecked call, or an unwind
 * ladder that never runs, used to be.
 *
 * pthread_cond_timedwait is here too, with its one real answer kept: the
 * deadline passed (ETIMEDOUT); and pthread_mutex_trylock, with its one: the
 * mutex is taken (EBUSY). Not here, because it can fail for real:
 * pthread_create (EAGAIN, too many threads); its callers check it and fail
 * the run with a message.
 */
#ifndef PIPELAB_XTHREAD_H
#define PIPELAB_XTHREAD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

void xmutex_init(pthread_mutex_t *mu);
void xmutex_destroy(pthread_mutex_t *mu);
void xmutex_lock(pthread_mutex_t *mu);
void xmutex_unlock(pthread_mutex_t *mu);
bool xmutex_trylock(pthread_mutex_t *mu); /* false: another thread holds it */

void xcond_init(pthread_cond_t *cond);
/* A condition variable whose xcond_timedwait deadlines are on CLOCK_MONOTONIC:
 * a change of the wall clock cannot stall a periodic thread. */
void xcond_init_monotonic(pthread_cond_t *cond);
void xcond_destroy(pthread_cond_t *cond);
void xcond_wait(pthread_cond_t *cond, pthread_mutex_t *mu);
void xcond_signal(pthread_cond_t *cond);
void xcond_broadcast(pthread_cond_t *cond);
/* Returns true when the deadline (on the clock cond was made with) passed,
 * false when woken before it: re-check the condition either way. */
bool xcond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mu, const struct timespec *deadline);

void xthread_once(pthread_once_t *once, void (*fn)(void));

/* pthread_sigmask: fails only for a bad `how`. old may be NULL. */
void xthread_sigmask(int how, const sigset_t *set, sigset_t *old);

/* Join a thread this program created and has not joined yet. */
void xthread_join(pthread_t thread);

/* End the program: call failed with err (the wrappers' common end; also for
 * a caller with a pthread call of its own that cannot fail either). */
_Noreturn void xthread_fail(const char *call, int err);

#endif
