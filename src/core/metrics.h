/*
 * metrics.h — what a run measures about itself.
 *
 * Everything is counted where it happens, cheaply, and nothing every worker
 * touches is a single shared place:
 *   - each worker records into a slot of its own (struct metrics_slot): its
 *     counters and a private copy of each histogram it records. Slots are
 *     cache-line aligned, so two workers never write the same line;
 *     pipeline_worker_done adds a worker's histograms into the run's totals
 *     once it has been joined (hist_merge is exact);
 *   - a thread with no slot (the reader, the writer, a lab's own threads)
 *     records into the totals directly: histograms are atomics, so that is
 *     correct from any thread, just not free from many at once;
 *   - channel figures come from the channels' own statistics.
 * metrics_report prints them as a table, CSV or JSON at the end of the run.
 *
 * Why per-worker slots: a shared histogram is lock-free but not contention
 * free. Every sample adds to its count, sum and one bucket, so with one
 * histogram per figure every chunk of every worker wrote the same cache lines
 * (cpu_token_wait on token pickup, cpu_queue wait on each receive), and
 * neighbouring workers' counters shared lines too. On many cores that line
 * ping-pongs between cores at every chunk; per-worker slots keep each line
 * in one core's cache.
 *
 * What it measures here: nothing beyond the noise, as expected of a machine
 * where at most two threads run at once. On the kit's 2-core test machine
 * (AMD EPYC, 2 cores, Linux 6.18.44, gcc 12.2.0), 2026-12-02, busy with
 * other work (load average 5 to 25 during the runs), 64 MiB through
 *   pipelab process IN OUT --backend bounded --workers 64 --cpu-tokens 64
 *       --chunk-size 4K --stages checksum --metrics none | csv
 * 15 interleaved runs each, median user CPU (min-max):
 *   shared histograms   0.233 s (0.165-0.340) off, 0.245 s (0.156-0.332) on
 *   per-worker slots    0.248 s (0.182-0.354) off, 0.237 s (0.180-0.347) on
 * The slots are there for the machine
 * with 64 cores, where one line written by every worker is the textbook hot
 * spot; here the figures show only that they cost nothing.
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

/* The histograms a worker keeps in its slot. */
enum metrics_hist {
    METRICS_CPU_TOKEN_WAIT,
    METRICS_SEMAPHORE_WAIT,
    METRICS_LOCK_WAIT,
    METRICS_LOCK_HOLD,
    METRICS_CPU_QUEUE_WAIT,  /* as a receiver of cpu_queue */
    METRICS_SLOT_HISTS
};

/* One worker's figures, written by that worker alone. Aligned to a cache
 * line (and so a whole number of lines long): a slot never shares a line
 * with its neighbours. The histograms are set up only when the metrics are
 * on (metrics_slot_open): with --metrics none a slot costs one line. */
struct metrics_slot {
    _Alignas(64) uint64_t chunks;
    uint64_t busy_ns;                 /* time spent processing (holding a CPU token) */
    const struct metrics *owner;      /* the run it belongs to */
    struct histogram hist[METRICS_SLOT_HISTS];
};

struct metrics;

struct metrics_queue {
    bool used;               /* does this backend have the channel at all? */
    size_t capacity;         /* CHAN_UNBOUNDED for unbounded */
    struct channel *live;    /* the channel while the run lasts, for sampling */
    struct chan_stats stats; /* snapshot taken when the run ends */
    size_t depth_at_end;
    struct histogram wait;   /* enqueue -> dequeue, per chunk: the total */
    struct metrics *metrics; /* the run it belongs to */
    int slot_hist;           /* where a worker receiving from it records
                                (METRICS_CPU_QUEUE_WAIT), or -1: only one
                                thread receives, straight into `wait` */
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

    /* The totals: the workers' slots are added in as they are joined;
     * threads without a slot record here directly. */
    struct histogram cpu_token_wait;  /* waiting for a CPU token */
    struct histogram semaphore_wait;  /* mutex backend: the legacy semaphore */
    struct histogram lock_wait;       /* mutex backend: waiting for the writer lock */
    struct histogram lock_hold;       /* mutex backend: holding it */

    struct metrics_queue cpu_queue;
    struct metrics_queue writer_queue;

    unsigned workers;
    struct metrics_slot *slot;        /* [workers], owned: aligned_alloc, freed
                                         by metrics_free */
};

struct metrics *metrics_new(const char *backend, unsigned workers);
void metrics_free(struct metrics *m);

/* A backend whose thread count is not --workers (mutex) says how many,
 * before any worker is set up: the slots are made anew. */
void metrics_set_workers(struct metrics *m, unsigned workers);

/* ---- recording ---------------------------------------------------------- */

/* Worker id's slot, made ready for its worker (pipeline_worker_init, before
 * the thread starts), or NULL if the backend has fewer slots than that. */
struct metrics_slot *metrics_slot_open(struct metrics *m, unsigned id);

/* Add the slot's histograms into the totals, once, after its worker has been
 * joined (pipeline_worker_done). slot may be NULL. */
void metrics_slot_fold(struct metrics *m, struct metrics_slot *slot);

/* Where a sample of h goes: the slot's copy when the recording thread has a
 * slot (its own), else the total. NULL when the metrics are off. */
struct histogram *metrics_hist(struct metrics *m, struct metrics_slot *slot,
                               enum metrics_hist h);

/* Record one sample there (nothing when the metrics are off). */
void metrics_record(struct metrics *m, struct metrics_slot *slot, enum metrics_hist h,
                    uint64_t value);

/* The channel's wait observer runs in the receiving thread but is told only
 * the queue. A worker thread names its slot here as it starts, and clears it
 * (NULL) as it ends (worker_pool.c), so that its receives are counted in its
 * own slot; a thread that names none records into the total. */
void metrics_thread_slot(struct metrics_slot *slot);

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
