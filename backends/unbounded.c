/*
 * unbounded.c — the channelized design without backpressure.
 *
 * The same threads and channels as `bounded` (channel_pipeline.c), but the
 * channels have no capacity limit: the reader never waits. Whenever the
 * workers or the writer are slower than the reader, chunks pile up in the
 * queues, and memory grows with the file size instead of staying bounded. Run
 * it side by side with `bounded` and a slow writer (--writer-delay-us) to see
 * why the design note insists on bounded channels.
 */
#include "backend.h"
#include "channel_pipeline.h"
#include "job.h"

static int unbounded_run(struct job *job)
{
    return channel_pipeline_run(job, CHANNEL_MUTEX, CHAN_UNBOUNDED);
}

const struct backend backend_unbounded = {
    .name = "unbounded",
    .summary = "the same pipeline over unbounded channels: the reader never waits",
    .reads_whole_input_first = false,
    .run = unbounded_run,
};
