/*
 * channel_pipeline.h — the channelized design shared by `bounded` and
 * `unbounded`: the design note's three-stage pipeline.
 *
 *   reader thread --cpu_queue--> N worker threads --writer_queue--> writer thread
 *
 * The two backends differ only in the capacity of the two channels, which is
 * exactly the point a learner should see: the same code, with and without
 * backpressure.
 */
#ifndef PIPELAB_CHANNEL_PIPELINE_H
#define PIPELAB_CHANNEL_PIPELINE_H

#include <stddef.h>

struct job;

/* Run the job over two channels of the given capacity (CHAN_UNBOUNDED for
 * unbounded). Returns 0, or -1 when the job failed. */
int channel_pipeline_run(struct job *job, size_t capacity);

#endif
