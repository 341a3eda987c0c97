/*
 * channel_pipeline.h — the channelized design shared by `bounded`,
 * `unbounded` and `lockfree`: the design note's three-stage pipeline.
 *
 *   reader thread --cpu_queue--> N worker threads --writer_queue--> writer thread
 *
 * The three backends differ only in the two channels: their capacity
 * (bounded against unbounded: the same code, with and without backpressure)
 * and the queue behind them (bounded against lockfree: the same topology,
 * a mutex and condition variables against a lock-free ring).
 */
#ifndef PIPELAB_CHANNEL_PIPELINE_H
#define PIPELAB_CHANNEL_PIPELINE_H

#include "channel.h"

#include <stddef.h>

struct job;

/* Run the job over two channels of the given implementation and capacity
 * (CHAN_UNBOUNDED for unbounded, CHANNEL_MUTEX only). Returns 0, or -1 when
 * the job failed. */
int channel_pipeline_run(struct job *job, enum channel_impl impl, size_t capacity);

#endif
