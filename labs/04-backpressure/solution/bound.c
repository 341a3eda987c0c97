/*
 * bound.c — YOUR bound on the chunks alive in the bounded pipeline (lab 4).
 * See bound.h.
 *
 * Count the places a chunk can be, in backends/channel_pipeline.c, when the
 * writer is slow and everything before it has filled up:
 *
 *   the reader      1      it made a chunk and waits in chan_send
 *   cpu_queue       depth  full
 *   the workers     1 each processed a chunk, wait in chan_send
 *   writer_queue    depth  full
 *   the writer      1      the chunk it is writing (freed after the write)
 *
 * No other place exists: pipeline_read makes a chunk only when the reader
 * is about to send it, and pipeline_deliver frees it after writing. So the
 * bound holds whatever the file size — that is backpressure.
 */
#include "bound.h"

int64_t bounded_pipeline_bound(unsigned depth, unsigned workers)
{
    return 1 + (int64_t)depth + (int64_t)workers + (int64_t)depth + 1;
}
