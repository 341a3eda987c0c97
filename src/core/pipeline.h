/*
 * pipeline.h — the three steps every backend is made of.
 *
 * This is the seam between the two pipelines the kit keeps apart: these
 * functions do the work on one chunk (read it, run the stages, write it), and a
 * backend (backends/) only decides which thread calls which step and how the
 * chunk gets from one to the next. So the four backends differ only in their
 * synchronisation, which is what a learner is meant to compare.
 *
 *   pipeline_read     next chunk of the input (waits for the reorder window
 *                     first when ordered; applies --reader-delay-us)
 *   pipeline_process  CPU token, stages, --stage-cost-us, --fail-at-chunk
 *   pipeline_deliver  to the writer, in index order when ordered
 *                     (--writer-delay-us); frees the chunk
 *
 * Each returns -1 once the job has failed (the failure is recorded in the job
 * and the abort hooks have run); the caller just stops.
 */
#ifndef PIPELAB_PIPELINE_H
#define PIPELAB_PIPELINE_H

#include "job.h"

struct worker {
    unsigned id;
    struct stage_runner *runner;     /* owned: one per thread */
    struct metrics_slot *metrics;    /* its own slot in job->metrics (NULL if
                                        the backend has fewer: not counted) */
};

/* Make a worker's private stage runner and open its metrics slot. Returns 0
 * or -1 (job failed). */
int pipeline_worker_init(struct job *job, struct worker *w, unsigned id);
/* Once its thread has been joined: fold the worker's histograms into the
 * job's metrics and free its runner. */
void pipeline_worker_done(struct job *job, struct worker *w);

/* 1 with *out set, 0 at the end of the input, -1 if the job failed. */
int pipeline_read(struct job *job, struct chunk **out);

/* 0, or -1 if the job failed (the chunk still belongs to the caller). */
int pipeline_process(struct job *job, struct worker *w, struct chunk *c);

/* Takes ownership of c. 0, or -1 if the job failed. */
int pipeline_deliver(struct job *job, struct chunk *c);

#endif
