/*
 * labjob.h — run the real pipelab job from a check, with the learner's code
 * linked in, and look at what happened.
 *
 * A check that says "your channel really runs pipelab" or "the bounded
 * pipeline's peak stays under its bound" does exactly what `pipelab process`
 * does (job_open, job_run, job_close from src/core/job.h) on a generated input in
 * a temporary directory, then reports the figures the lab is about: the exit
 * code, the peak of chunks in flight, how many chunks were still alive after
 * the run, whether an output file was left behind, and whether the output
 * restores to the input.
 *
 * Fill in the settings (zero means "the default"), call lab_job_run, read the
 * results, then lab_job_cleanup.
 */
#ifndef LABJOB_H
#define LABJOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lab_job {
    /* settings */
    const char *backend;        /* "bounded" (default), "unbounded", "mutex", "serial", "lockfree" */
    unsigned workers;           /* default 2 */
    unsigned depth;             /* --channel-depth, default 2 */
    unsigned chunks;            /* input size in chunks (the last one is shorter); default 32 */
    unsigned chunk_kib;         /* default 16 */
    const char *stages;         /* default "compress" (level 1) */
    uint64_t writer_delay_us;
    uint64_t stage_cost_us;
    bool fail;                  /* inject a failure at chunk fail_at (--fail-at-chunk) */
    uint64_t fail_at;
    bool ordered;               /* --ordered */
    bool gzip;                  /* --format gzip (ordered too) */
    unsigned window;            /* --window, 0 = default */

    /* results */
    int exit_code;              /* what `pipelab process` would exit with */
    int64_t peak_chunks;        /* peak chunks in flight (struct inflight) */
    int64_t chunks_left;        /* chunks still alive after the run: should be 0 */
    uint64_t chunks_read;       /* chunks the reader made */
    uint64_t chunks_written;    /* records the writer wrote */
    uint64_t lock_waits;        /* mutex backend: lock waits recorded */
    uint64_t lock_holds;        /* mutex backend: lock holds recorded */
    uint64_t parked_max;        /* ordered: most chunks parked in the reorder window */
    bool output_exists;         /* the final output file exists */
    int other_files;            /* files in the directory besides input and output */
    char message[512];          /* the failure message, if any */

    char dir[256], in[320], out[320];
};

/* Make the input and run the job. Returns exit_code. */
int lab_job_run(struct lab_job *j);

/* Does the output restore (container) or decompress (gzip) to the input,
 * byte for byte? If not, says why in `why`. */
bool lab_job_output_ok(struct lab_job *j, char *why, size_t why_len);

/* Remove the temporary files. */
void lab_job_cleanup(struct lab_job *j);

/* Threads this process has right now (from /proc/self/task). */
int lab_thread_count(void);

#endif
