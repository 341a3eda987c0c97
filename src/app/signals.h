/*
 * signals.h — turning a fatal signal into an orderly failure.
 *
 * A fatal signal is one that ends the process by default and can be caught:
 * SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2 and
 * SIGXFSZ. signals.c holds that one list; every command handles all of them,
 * except those that were ignored when pipelab started (`nohup` ignores SIGHUP,
 * and a program that ignores one means it).
 *
 * Two cases.
 *
 * Every command is single-threaded at first. For it signals_remove_on_exit
 * (called by main, before anything is opened) installs a handler that stops
 * and reaps the child a sweep is running, removes the temporary output files
 * (kill, waitpid and unlink are async-signal-safe) and then dies of the same
 * signal, so the shell still sees what killed it.
 *
 * `process` runs threads. A handler may do almost nothing safely, and it
 * cannot wake a thread blocked on a condition variable. So command_process
 * blocks the fatal signals first (signals_block, before any thread exists:
 * new threads inherit the mask) and starts one watcher thread that waits for
 * them with sigwait, all before any file is opened (the files are opened
 * without blocking, so that a signal then is seen at once). A signal during
 * job_open is kept until signals_watch_attach hands the watcher the open job;
 * after that the watcher calls job_fail like any other failure: channels
 * close, waiters wake, the partial output is removed, and the exit code is
 * 128 + the signal number, as a shell expects. After the threads are gone,
 * signals_unblock hands any signal still pending back to the handler: a
 * signal that comes after the run's last check still fails the run, never
 * with exit 0.
 */
#ifndef PIPELAB_SIGNALS_H
#define PIPELAB_SIGNALS_H

#include <signal.h>

struct job;

void signals_remove_on_exit(void);

/* The fatal signals this process handles (the list less those ignored). */
void signals_fatal_set(sigset_t *set);

/* "SIGINT" for SIGINT, and so on for each fatal signal. */
const char *signals_name(int sig);

/* While a child runs (compare, bench): pass a fatal signal on to it and wait
 * for it to clean up before cleaning up ourselves. 0 when none runs. */
void signals_forward_to(int pid);

/* Block the fatal signals in the calling thread (and the threads it starts),
 * and unblock them again once those threads are gone. */
void signals_block(void);
void signals_unblock(void);

/* The watcher thread of `process`. signals_watch_attach gives it the job to
 * fail; it returns 0, or the signal that came before (the job is then not
 * attached). signals_watch_stop returns the signal caught, or 0 if none. */
int signals_watch_start(void);
int signals_watch_attach(struct job *job);
int signals_watch_stop(void);

#endif
