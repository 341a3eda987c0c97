/*
 * metrics.h — what a run measures about itself.
 *
 * Everything is counted where it happens, cheaply: histograms and counters are
 * atomics (no lock on the hot path), per-worker figures are written only by
 * their own worker and read after it has been joined, channel figures come
 * from the channels' own statistics. metrics_report prints them as a table,
 * CSV or JSON at the end of the run.
 *
 * Names follow the design note: cpu_queue is the channel from the reader to the
 * workers, writer_queue the one from the workers to the writer.
 */
#ifndef PIPELAB_METRICS_H
#define PIPELAB_METRICS_H

#include "channel.h"
#include "histogram.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct metrics_worker {
    uint64_t chunks;
    uint64_t busy_ns;        /* time spent processing (holding a CPU token) */
};

struct metrics_queue {
    bool used;               /* does this backend have the channel at all? */
    size_t capacity;         /* CHAN_UNBOUNDED for unbounded */
    struct channel *live;    /* the channel while the run lasts, for sampling */
    struct chan_stats stats; /* snapshot taken when the run ends */
    size_t depth_at_end;
    struct histogram wait;   /* enqueue -> dequeue, per chunk */
};

struct metrics {
    const char *backend;
    bool enabled;                     /* histograms on: --metrics other than none,
                                         or --timeline or --trace */
    pthread_mutex_t live_lock;        /* guards the queues' `live` pointers */
    uint64_t start_ns, end_ns;
    uint64_t bytes_in, bytes_out;
    uint64_t chunks;
    int64_t peak_chunks, peak_bytes;  /* chunks in flight (chunk.h) */
    long peak_rss_kb;

    struct histogram cpu_token_wait;  /* waiting for a CPU token */
    struct histogram semaphore_wait;  /* mutex backend: the legacy semaphore */
    struct histogram lock_wait;       /* mutex backend: waiting for the writer lock */
    struct histogram lock_hold;       /* mutex backend: holding it */

    struct metrics_queue cpu_queue;
    struct metrics_queue writer_queue;

    unsigned workers;
    struct metrics_worker *worker;    /* [workers] */
};

struct metrics *metrics_new(const char *backend, unsigned workers);
void metrics_free(struct metrics *m);

/* A backend whose thread count is not --workers (mutex) says how many. */
void metrics_set_workers(struct metrics *m, unsigned workers);

/* The chan_wait_fn that feeds a queue's histogram. */
void metrics_queue_wait(void *queue, uint64_t wait_ns);

/* Watch a channel: its waits go to q's histogram. */
void metrics_queue_attach(struct metrics *m, struct metrics_queue *q, struct channel *ch);
/* Take the channel's final statistics and stop sampling it (call before
 * destroying it). */
void metrics_queue_snapshot(struct metrics *m, struct metrics_queue *q, struct channel *ch);

/* Current length of a queue's channel, or 0 when there is none (sampler). */
size_t metrics_queue_depth_now(struct metrics *m, struct metrics_queue *q);

/* For the live view: the queue's current depth and capacity, under the lock
 * that guards `live`. Returns false (both left alone) when it has no channel
 * now. */
bool metrics_queue_now(struct metrics *m, struct metrics_queue *q, size_t *depth,
                       size_t *capacity);

/* Peak resident set size of this process so far, in KiB. */
long metrics_peak_rss_kb(void);

/* Print in "table", "csv" or "json". Returns 0, or -1 for an unknown format.
 * Every backend prints the same fields (0 where a figure does not apply), so
 * CSV rows of different runs line up. */
int metrics_report(const struct metrics *m, const char *format, FILE *out);

/* Is format one metrics_report knows (or "none")? */
int metrics_format_valid(const char *format);

/* The CSV header line metrics_report("csv") prints (for compare and bench). */
void metrics_csv_header(FILE *out);

#endif
