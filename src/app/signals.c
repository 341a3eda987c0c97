/*
 * signals.c — the signal-watcher thread. See signals.h.
 */
#include "signals.h"
#include "job.h"
#include "output.h"

#include <signal.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <string.h>

static pthread_t watcher;
static bool watching;
static atomic_bool stopping;

/* SIGUSR1 is how signals_watch_stop wakes the watcher. */
static void signals_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR1);
}

static volatile sig_atomic_t forward_pid;

void signals_forward_to(int pid)
{
    forward_pid = pid;
}

static void signals_remove_and_die(int sig)
{
    if (forward_pid > 0) { /* kill and waitpid are async-signal-safe */
        kill(forward_pid, sig);
        waitpid(forward_pid, NULL, 0);
    }
    output_remove_all_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

void signals_remove_on_exit(void)
{
    static const int fatal[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = signals_remove_and_die;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);
}

void signals_block(void)
{
    sigset_t set;
    signals_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *signals_watch(void *arg)
{
    struct job *job = arg;
    sigset_t set;
    signals_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGUSR1 && atomic_load(&stopping))
            return NULL;
        if (sig != SIGUSR1) {
            job_fail(job, 128 + sig, "interrupted by %s",
                     sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
            return NULL;
        }
    }
}

int signals_watch_start(struct job *job)
{
    atomic_store(&stopping, false);
    if (pthread_create(&watcher, NULL, signals_watch, job) != 0)
        return -1;
    watching = true;
    return 0;
}

void signals_watch_stop(void)
{
    if (!watching)
        return;
    atomic_store(&stopping, true);
    /* If the watcher already returned (it handled a signal), the kill is a
     * no-op on a thread that is not yet joined. */
    pthread_kill(watcher, SIGUSR1);
    pthread_join(watcher, NULL);
    watching = false;
}
