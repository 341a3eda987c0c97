/*
 * xthread.c — the pthread wrappers that end the program on failure. See
 * xthread.h for which calls are here and why.
 */
#include "xthread.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

_Noreturn void xthread_fail(const char *call, int err)
{
    warnx_msg("%s: %s", call, strerror(err));
    output_remove_all_temporaries();
    /* _exit, as die_oom: other threads still run, and exit's handlers would
     * race with them. */
    _exit(exit_code_for_errno(err, EX_SOFTWARE));
}

void xmutex_init(pthread_mutex_t *mu)
{
    int err = pthread_mutex_init(mu, NULL);
    if (err != 0)
        xthread_fail("pthread_mutex_init", err);
}

void xmutex_destroy(pthread_mutex_t *mu)
{
    int err = pthread_mutex_destroy(mu);
    if (err != 0)
        xthread_fail("pthread_mutex_destroy", err);
}

void xmutex_lock(pthread_mutex_t *mu)
{
    int err = pthread_mutex_lock(mu);
    if (err != 0)
        xthread_fail("pthread_mutex_lock", err);
}

bool xmutex_trylock(pthread_mutex_t *mu)
{
    int err = pthread_mutex_trylock(mu);
    if (err != 0 && err != EBUSY)
        xthread_fail("pthread_mutex_trylock", err);
    return err == 0;
}

void xmutex_unlock(pthread_mutex_t *mu)
{
    int err = pthread_mutex_unlock(mu);
    if (err != 0)
        xthread_fail("pthread_mutex_unlock", err);
}

void xcond_init(pthread_cond_t *cond)
{
    int err = pthread_cond_init(cond, NULL);
    if (err != 0)
        xthread_fail("pthread_cond_init", err);
}

void xcond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);
    if (err != 0)
        xthread_fail("pthread_condattr_init", err);
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (err != 0)
        xthread_fail("pthread_condattr_setclock", err);
    err = pthread_cond_init(cond, &attr);
    if (err != 0)
        xthread_fail("pthread_cond_init", err);
    err = pthread_condattr_destroy(&attr);
    if (err != 0)
        xthread_fail("pthread_condattr_destroy", err);
}

void xcond_destroy(pthread_cond_t *cond)
{
    int err = pthread_cond_destroy(cond);
    if (err != 0)
        xthread_fail("pthread_cond_destroy", err);
}

void xcond_wait(pthread_cond_t *cond, pthread_mutex_t *mu)
{
    int err = pthread_cond_wait(cond, mu);
    if (err != 0)
        xthread_fail("pthread_cond_wait", err);
}

void xcond_signal(pthread_cond_t *cond)
{
    int err = pthread_cond_signal(cond);
    if (err != 0)
        xthread_fail("pthread_cond_signal", err);
}

void xcond_broadcast(pthread_cond_t *cond)
{
    int err = pthread_cond_broadcast(cond);
    if (err != 0)
        xthread_fail("pthread_cond_broadcast", err);
}

bool xcond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mu, const struct timespec *deadline)
{
    int err = pthread_cond_timedwait(cond, mu, deadline);
    if (err != 0 && err != ETIMEDOUT)
        xthread_fail("pthread_cond_timedwait", err);
    return err == ETIMEDOUT;
}

void xthread_once(pthread_once_t *once, void (*fn)(void))
{
    int err = pthread_once(once, fn);
    if (err != 0)
        xthread_fail("pthread_once", err);
}

void xthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    int err = pthread_sigmask(how, set, old);
    if (err != 0)
        xthread_fail("pthread_sigmask", err);
}

void xthread_join(pthread_t thread)
{
    int err = pthread_join(thread, NULL);
    if (err != 0)
        xthread_fail("pthread_join", err);
}
