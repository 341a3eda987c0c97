/*
 * lockfree.c — the bounded design over the lock-free ring.
 *
 * The same threads, channels and capacity as `bounded` (channel_pipeline.c:
 * reader -> --channel-depth slots -> N workers -> --channel-depth slots ->
 * writer), but each channel is a chan_lockfree ring instead of chan.c's mutex
 * and condition variables. It exists to be run beside `bounded`: the code is
 * the same, so any difference in speed or CPU time is the cost of a handoff
 * itself. It shows most with small chunks (--chunk-size 4K), where a chunk
 * costs little to process and chan.c pays a sleep and a wake-up nearly every
 * item; with 1 MiB chunks deflate dominates and the two look alike.
 *
 * Backpressure and the memory bound are bounded's, unchanged:
 *
 *     2 x depth (both queues full) + workers (one each) + 2 (reader, writer)
 */
#include "backend.h"
#include "channel_pipeline.h"
#include "job.h"

static int lockfree_run(struct job *job)
{
    return channel_pipeline_run(job, CHANNEL_LOCKFREE, options_depth(job->opt));
}

const struct backend backend_lockfree = {
    .name = "lockfree",
    .summary = "the bounded pipeline over lock-free ring channels",
    .reads_whole_input_first = false,
    .run = lockfree_run,
};
