/*
 * signals.h — turning SIGINT and SIGTERM into an orderly failure.
 *
 * A signal handler may do almost nothing safely, and it cannot wake a thread
 * blocked on a condition variable. So pipelab blocks SIGINT and SIGTERM in
 * every thread (signals_block, first thing in main, before any thread exists:
 * new threads inherit the mask) and one watcher thread waits for them with
 * sigwait. When one arrives the watcher calls job_fail like any other failure:
 * channels close, waiters wake, the partial output is removed, and the exit
 * code is 128 + the signal number, as a shell expects.
 */
#ifndef PIPELAB_SIGNALS_H
#define PIPELAB_SIGNALS_H

struct job;

void signals_block(void);
int signals_watch_start(struct job *job);
void signals_watch_stop(void);

#endif
