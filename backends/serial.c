/*
 * serial.c — the baseline: one thread reads, processes and writes, in turn.
 *
 * No channel, no lock, no waiting: every speedup in the kit is measured
 * against this. It is also the simplest correct use of the three pipeline
 * steps, so read it first.
 */
#include "backend.h"
#include "pipeline.h"

#include <assert.h>

static int serial_run(struct job *job)
{
    struct worker w;
    if (pipeline_worker_init(job, &w, 0) != 0)
        return -1;
    struct chunk *c;
    int got;
    while ((got = pipeline_read(job, &c)) == 1) {
        if (pipeline_process(job, &w, c) != 0) {
            chunk_free(c);
            break;
        }
        if (pipeline_deliver(job, c) != 0)
            break;
    }
    pipeline_worker_done(job, &w);
    live_set(job->live, LIVE_SLOT_WRITER, LIVE_DONE, 0); /* the one thread was the writer too */
    assert(job_chunks_settled(job));
    return job_failed(job) ? -1 : 0;
}

const struct backend backend_serial = {
    .name = "serial",
    .summary = "one thread reads, processes and writes: the baseline",
    .reads_whole_input_first = false,
    .run = serial_run,
};
