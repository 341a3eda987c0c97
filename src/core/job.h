/*
 * job.h — one run of `pipelab process`: its settings, its shared parts, and
 * how it fails.
 *
 * A backend receives a job and moves chunks through it with the three steps of
 * pipeline.h. Everything threads share lives here, each part with its own
 * synchronisation: the in-flight counters (atomics), the CPU tokens (an
 * atomic count, a lock only for sleepers), the reorder window (its own
 * lock), the metrics (a slot per worker, atomics for the rest). What is
 * written per chunk sits on cache lines of its own.
 *
 * Failing: job_fail records the first failure (exit code and one message) and
 * then calls every abort hook once. Hooks close channels, cancel token pools
 * and the reorder window, so that no thread stays blocked waiting for a
 * partner that has stopped: every blocking call in the kit returns when its
 * primitive is closed or cancelled. Threads check job_failed() between chunks.
 */
#ifndef PIPELAB_JOB_H
#define PIPELAB_JOB_H

#include "chunk.h"
#include "container.h"
#include "live_state.h"
#include "metrics.h"
#include "options.h"
#include "reader.h"
#include "reorder.h"
#include "stages.h"
#include "tokens.h"
#include "trace.h"
#include "writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define JOB_MAX_HOOKS 16

struct job;

/* What the job needs from the backend that runs it. The core knows no backend
 * (backends/backend.h builds on the core, not the other way round): whoever
 * starts a job hands it these, copied from the backend it chose
 * (backend_for_job). */
struct job_backend {
    const char *name;               /* for the metrics and the trace */
    bool reads_whole_input_first;   /* the legacy design: its reorder window is the file */
    int (*run)(struct job *job);    /* moves every chunk; backend.h says how */
};

struct job_hook {
    void (*fn)(void *arg);
    void *arg;
};

struct job {
    const struct options *opt;
    struct job_backend backend;

    struct stage_list stages;
    struct stage_keys keys;           /* key material: wiped at the end */
    bool encrypted;
    bool gzip;
    size_t chunk_cap;                 /* buffer bytes per chunk (output bound) */

    struct reader reader;
    struct writer writer;
    struct inflight inflight;
    struct tokens cpu_tokens;
    bool ordered;
    struct reorder reorder;           /* only when ordered */
    struct metrics *metrics;
    struct trace *trace;              /* NULL unless --trace */
    struct live_state *live;          /* what each thread does now (owned) */
    /* For the monitor: updated per chunk, by the reader and by the writer.
     * Each on a cache line of its own, so that those stores do not evict
     * the line of the pointers above, which every worker reads per chunk. */
    _Alignas(64) atomic_uint_fast64_t bytes_read;
    _Alignas(64) atomic_uint_fast64_t bytes_written;
    /* The reports, opened with the output before the run and committed with
     * it after (all or none); unopened ones stay all zero. */
    _Alignas(64) struct output metrics_out, trace_out, timeline_out;

    pthread_mutex_t fail_lock;        /* guards the first failure's message */
    pthread_mutex_t hook_lock;        /* guards hooks, held while they run */
    atomic_bool failed;
    int exit_code;
    char message[512];
    struct job_hook hooks[JOB_MAX_HOOKS];
    int hook_count;
};

/* Record the first failure and run the abort hooks. Later calls are ignored.
 * Returns -1 so that callers can write `return job_fail(...)`. */
int job_fail(struct job *job, int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool job_failed(struct job *job)
{
    return atomic_load_explicit(&job->failed, memory_order_acquire);
}

/* Once a backend's threads are gone, every chunk of the run has been written
 * or freed, but for those a failed run left parked in the reorder window
 * (job_run frees those). Each backend of the kit asserts this as it returns;
 * a lab's backend is held to it by the lab's checks, in the lab's words. */
static inline bool job_chunks_settled(struct job *job)
{
    int_fast64_t parked = job->ordered ? (int_fast64_t)job->reorder.parked : 0;
    return atomic_load(&job->inflight.chunks) == parked;
}

/* Register fn(arg) to be called once if the job fails (at once, if it has
 * failed already). Safe while other threads run. */
void job_on_abort(struct job *job, void (*fn)(void *), void *arg);

/* Unregister every hook whose argument is arg, waiting for one that is
 * running to finish. Call it before destroying what arg points to. */
void job_forget_abort(struct job *job, void *arg);

/* Hooks for the kit's primitives. */
void job_abort_close_chan(void *channel); /* a struct channel */

/* Check every file a run writes against those it reads and each other, and
 * OUT against --force (output_check_files). Returns 0 or an EX_ code after
 * printing why. job_open does it too; command_process calls it before it
 * reads standard input. */
int job_check_files(const struct options *opt);

/* Set up a job: parse stages, get the key, open the input, the output and
 * the report files, make the tokens, the reorder window and the metrics.
 * Returns 0 or an EX_ code after printing why; on failure nothing is left
 * open. */
int job_open(struct job *job, const struct options *opt, struct job_backend backend);

/* Run the backend, then fill in the metrics, write the reports and commit
 * the output with them (or remove them all on failure); print the metrics on
 * standard output if asked. Returns the exit code; a failure's message has
 * been printed. The metrics stay readable until job_close. */
int job_run(struct job *job);

/* Free everything the job holds (removing outputs not committed) and wipe
 * the key. */
void job_close(struct job *job);

#endif
