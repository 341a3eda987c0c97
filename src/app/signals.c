/*
 * signals.c — the fatal signals: one list, one handler, one watcher thread.
 * See signals.h.
 */
#include "signals.h"
#include "job.h"
#include "output.h"
#include "xthread.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>

/* Every signal whose default action ends the process and that can be caught
 * (SIGKILL and SIGSTOP cannot; SIGSEGV and friends mean a bug, and a core
 * dump is worth more than tidiness then). */
static const struct {
    int sig;
    const char *name;
} signals_fatal[] = {
    { SIGHUP, "SIGHUP" },   { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" },
    { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
    { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGXFSZ, "SIGXFSZ" },
};
#define SIGNALS_FATAL_COUNT (sizeof signals_fatal / sizeof signals_fatal[0])

/* Those that were ignored at start stay ignored. */
static sigset_t signals_ignored;

/* How signals_watch_stop wakes the watcher: a signal of our own, outside the
 * fatal list, sent to that thread only. */
#define SIGNALS_WAKE SIGRTMIN

static pthread_t watcher;
static bool watching;
static atomic_bool stopping;

/* The job to fail, once it is open, and the signal caught: both under
 * watch_lock, so that a signal during job_open is never lost. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *watch_job;
static int caught;

static volatile sig_atomic_t forward_pid;

void signals_fatal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < SIGNALS_FATAL_COUNT; i++)
        if (sigismember(&signals_ignored, signals_fatal[i].sig) != 1)
            sigaddset(set, signals_fatal[i].sig);
}

const char *signals_name(int sig)
{
    for (size_t i = 0; i < SIGNALS_FATAL_COUNT; i++)
        if (signals_fatal[i].sig == sig)
            return signals_fatal[i].name;
    return "a signal";
}

void signals_forward_to(int pid)
{
    forward_pid = pid;
}

static void signals_remove_and_die(int sig)
{
    pid_t child = forward_pid;
    if (child > 0) { /* kill and waitpid are async-signal-safe */
        kill(child, sig);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    output_remove_all_temporaries();
    signal(sig, SIG_DFL);
    raise(sig); /* delivered, with the default action, when the handler returns */
}

void signals_remove_on_exit(void)
{
    sigemptyset(&signals_ignored);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = signals_remove_and_die;
    for (size_t i = 0; i < SIGNALS_FATAL_COUNT; i++)
        if (sigaction(signals_fatal[i].sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            sigaddset(&signals_ignored, signals_fatal[i].sig);
    /* While the handler cleans up, a second fatal signal waits for it. */
    signals_fatal_set(&sa.sa_mask);
    for (size_t i = 0; i < SIGNALS_FATAL_COUNT; i++)
        if (sigismember(&signals_ignored, signals_fatal[i].sig) != 1)
            sigaction(signals_fatal[i].sig, &sa, NULL);
}

/* The fatal signals and the watcher's wake-up. */
static void signals_watch_set(sigset_t *set)
{
    signals_fatal_set(set);
    sigaddset(set, SIGNALS_WAKE);
}

void signals_block(void)
{
    sigset_t set;
    signals_watch_set(&set);
    xthread_sigmask(SIG_BLOCK, &set, NULL);
}

void signals_unblock(void)
{
    sigset_t set;
    signals_watch_set(&set);
    xthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void *signals_watch(void *arg)
{
    (void)arg;
    sigset_t set;
    signals_watch_set(&set);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGNALS_WAKE) {
            if (atomic_load(&stopping))
                return NULL;
            continue;
        }
        xmutex_lock(&watch_lock);
        caught = sig;
        if (watch_job != NULL)
            job_fail(watch_job, 128 + sig, "interrupted by %s", signals_name(sig));
        xmutex_unlock(&watch_lock);
        return NULL;
    }
}

int signals_watch_start(void)
{
    atomic_store(&stopping, false);
    xmutex_lock(&watch_lock);
    watch_job = NULL;
    caught = 0;
    xmutex_unlock(&watch_lock);
    if (pthread_create(&watcher, NULL, signals_watch, NULL) != 0)
        return -1;
    watching = true;
    return 0;
}

int signals_watch_attach(struct job *job)
{
    xmutex_lock(&watch_lock);
    int sig = caught;
    if (sig == 0)
        watch_job = job;
    xmutex_unlock(&watch_lock);
    return sig;
}

int signals_watch_stop(void)
{
    if (!watching)
        return 0;
    atomic_store(&stopping, true);
    /* If the watcher already returned (it handled a signal), this is sent to
     * a thread that is not yet joined, which is allowed and does nothing. */
    int err = pthread_kill(watcher, SIGNALS_WAKE);
    if (err != 0)
        xthread_fail("pthread_kill", err);
    xthread_join(watcher);
    watching = false;
    xmutex_lock(&watch_lock);
    watch_job = NULL;
    int sig = caught;
    xmutex_unlock(&watch_lock);
    return sig;
}
