/*
 * bounded.c — the channelized design with backpressure (the design note's target).
 *
 * One reader thread, --workers worker threads and one writer thread, joined
 * by two channels of --channel-depth slots each (channel_pipeline.c). When the
 * writer is slow, writer_queue fills, workers block in send, cpu_queue fills,
 * and the reader blocks in send: it stops reading. Memory in flight is then
 * bounded by the design, whatever the file size:
 *
 *     2 x depth (both queues full) + workers (one each) + 2 (reader, writer)
 *
 * (plus the reorder window with --ordered). No lock protects the writer: only
 * the writer thread ever touches it.
 */
#include "backend.h"
#include "channel_pipeline.h"
#include "job.h"

static int bounded_run(struct job *job)
{
    return channel_pipeline_run(job, CHANNEL_MUTEX, options_depth(job->opt));
}

const struct backend backend_bounded = {
    .name = "bounded",
    .summary = "reader -> bounded channel -> N workers -> bounded channel -> writer",
    .reads_whole_input_first = false,
    .run = bounded_run,
};
