/*
 * backend.h — the execution pipeline: one interface, one file per design.
 *
 * A backend decides which threads exist and how chunks travel between them;
 * the work on each chunk is always the same three steps (src/core/pipeline.h). To
 * add a backend, write backends/NAME.c defining a `const struct backend` and
 * list it in backends/registry.c. Nothing else changes.
 *
 * The designs, in the registry's order:
 *   serial     one thread does everything: the baseline (serial.c);
 *   mutex      the legacy design: read all, a task per chunk, a semaphore,
 *              one writer behind a mutex (mutex.c);
 *   bounded    reader -> channel -> N workers -> channel -> writer, over
 *              bounded mutex channels: backpressure (bounded.c);
 *   unbounded  the same over unbounded channels: no backpressure (unbounded.c);
 *   lockfree   bounded's topology and bound over the lock-free ring: the same
 *              design with a cheaper handoff (lockfree.c).
 * The last three share channel_pipeline.c.
 *
 * The contract of run():
 *   - every chunk the reader produces is delivered exactly once, or the job
 *     fails;
 *   - when the job fails (job_failed), every thread stops promptly, every
 *     chunk is freed and every thread is joined before run returns;
 *   - run returns 0 on success and -1 on failure (the job holds the message).
 */
#ifndef PIPELAB_BACKEND_H
#define PIPELAB_BACKEND_H

#include "job.h"

#include <stdbool.h>

struct backend {
    const char *name;
    const char *summary;            /* one line, for `pipelab backends` */
    bool reads_whole_input_first;   /* the legacy design: memory = file size */
    int (*run)(struct job *job);
};

extern const struct backend backend_serial;
extern const struct backend backend_mutex;
extern const struct backend backend_bounded;
extern const struct backend backend_unbounded;
extern const struct backend backend_lockfree;

/* NULL-terminated list, in the order they are shown and compared. */
extern const struct backend *const backend_registry[];

const struct backend *backend_find(const char *name);

/* What a job needs of b (job.h): its name, its policy and its run. */
struct job_backend backend_for_job(const struct backend *b);

#endif
