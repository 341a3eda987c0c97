/*
 * signals.h — turning SIGINT and SIGTERM into an orderly failure.
 *
 * Two cases.
 *
 * `process` runs threads. A signal handler may do almost nothing safely, and it
 * cannot wake a thread blocked on a condition variable. So command_process
 * blocks SIGINT, SIGTERM and SIGHUP (signals_block, before any thread exists:
 * new threads inherit the mask) and one watcher thread waits for them with
 * sigwait. When one arrives the watcher calls job_fail like any other failure:
 * channels close, waiters wake, the partial output is removed, and the exit
 * code is 128 + the signal number, as a shell expects.
 *
 * Every other command is single-threaded. For them signals_remove_on_exit
 * installs a handler that removes the temporary output files (unlink is
 * async-signal-safe) and then dies of the same signal, so the shell still sees
 * what killed it.
 */
#ifndef PIPELAB_SIGNALS_H
#define PIPELAB_SIGNALS_H

struct job;

void signals_remove_on_exit(void);
/* While a child runs (compare, bench): pass a fatal signal on to it and wait
 * for it to clean up before cleaning up ourselves. 0 when none runs. */
void signals_forward_to(int pid);
void signals_block(void);
int signals_watch_start(struct job *job);
void signals_watch_stop(void);

#endif
