/*
 * monitor.h — watching a run from the side: the timeline and the progress bar.
 *
 * One extra thread wakes every 10 ms, reads figures that other threads keep
 * with atomics (chunks and bytes in flight, bytes read and written) plus the
 * channels' current lengths and the process's resident memory, and
 *   - appends a row to the timeline CSV (--timeline FILE.csv: the job's
 *     output, opened before the run and committed with the others);
 *   - every 200 ms redraws the progress bar on stderr, when stderr is a
 *     terminal and --no-progress was not given.
 * It never touches a chunk, so it cannot slow the pipeline beyond its own
 * small share of a core.
 */
#ifndef PIPELAB_MONITOR_H
#define PIPELAB_MONITOR_H

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

struct job;

struct monitor {
    struct job *job;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool progress;               /* draw the progress bar */
    FILE *timeline;              /* timeline rows go here, or NULL */
    uint64_t start_ns;
    uint64_t total_bytes;        /* of the input, for the bar and ETA */
};

/* Start the monitor thread if the job wants a timeline or a progress bar;
 * the timeline's header row is written here. Returns 0 or an EX_ code. */
int monitor_start(struct monitor *mon, struct job *job);

/* Stop and join it, after one last timeline row. */
void monitor_stop(struct monitor *mon);

/* Resident set size of this process now, in KiB (from /proc/self/statm). */
long monitor_rss_now_kb(void);

#endif
