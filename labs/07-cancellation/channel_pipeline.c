/*
 * channel_pipeline.c — YOUR channel pipeline (lab 7), made to stop cleanly
 * when anything fails.
 *
 *   reader thread --cpu_queue--> N worker threads --writer_queue--> writer thread
 *
 * How it fits. This file stands in for the kit's backends/channel_pipeline.c
 * (it defines channel_pipeline_run and is linked in front of
 * build/libpipelab.a), so in build/labs/07/pipelab --backend bounded,
 * unbounded and lockfree run it. Try `--fail-at-chunk 5` on it.
 *
 * How a run fails. Anyone — a worker whose stage fails, the writer on a full
 * disk, the reader on a read error, the signal watcher on Ctrl-C — calls
 * job_fail (src/job.h). job_fail records the first message and runs the
 * job's abort hooks, once. After that:
 *
 *   1. Nobody may wait for a partner that has stopped. Every thread here
 *      waits only inside channel_send and channel_recv, and a closed channel makes
 *      both return at once. So the abort hooks close BOTH channels: the
 *      reader blocked in send, the workers blocked in recv or send, the
 *      writer blocked in recv all wake up. (The hooks are registered with
 *      job_on_abort before any thread starts, and removed with
 *      job_forget_abort before the channels are freed.)
 *   2. Every chunk has exactly one owner at every moment, and whoever holds a
 *      chunk when it gives up frees it: the reader if its send fails, a
 *      worker if its stage or its send fails. Chunks still inside a channel
 *      belong to the channel: channel_destroy hands them to chunk_free_void.
 *   3. Every thread is joined before channel_pipeline_run returns; then
 *      job_run removes the half-written output (writer_abort).
 *
 * The pipeline functions help: once the job has failed, pipeline_read and
 * pipeline_process return -1 at once and pipeline_deliver frees the chunk it
 * is given, so draining after a failure costs almost nothing.
 *
 * As shipped, this pipeline works — until something fails. Its threads stop
 * when they see an error, but nobody tells the others, and what they held is
 * lost. What is yours: the places marked TODO(lab 7). The checks make a
 * worker, the writer and the reader fail in turn, under AddressSanitizer and
 * LeakSanitizer, and ask that every thread stops, every buffer is freed and
 * no output is left behind.
 */
#include "channel_pipeline.h"
#include "pipeline.h"
#include "util.h"
#include "worker_pool.h"

#include <stdatomic.h>

struct channel_pipeline {
    struct job *job;
    struct channel *cpu_queue;      /* reader -> workers */
    struct channel *writer_queue;   /* workers -> writer */
    atomic_uint workers_running;
};

static void *reader_thread(void *arg)
{
    struct channel_pipeline *p = arg;
    struct chunk *c;
    while (pipeline_read(p->job, &c) == 1) {
        /* Blocks while cpu_queue is full. Fails once it is closed, which
         * happens early only when the job has failed. */
        if (channel_send(p->cpu_queue, c) != CHAN_OK) {
            /* TODO(lab 7): the send failed, so the channel did not take the
             * chunk. Who owns it now? */
            break;
        }
    }
    channel_close(p->cpu_queue); /* a no-op (-1) if an abort hook closed it first */
    return NULL;
}

static void *worker_thread(void *arg)
{
    struct worker_slot *slot = arg;
    struct channel_pipeline *p = slot->shared;
    void *item;
    while (channel_recv(p->cpu_queue, &item) == CHAN_OK) {
        struct chunk *c = item;
        /* TODO(lab 7): stopping at the first error looks tidy, but this
         * worker still holds c, and when every worker has stopped, who keeps
         * receiving from cpu_queue? And the send's result is ignored: if it
         * fails, c was not taken. */
        if (pipeline_process(p->job, &slot->w, c) != 0)
            break;
        channel_send(p->writer_queue, c);
    }
    /* The last worker out closes the writer's channel (fan-in). */
    if (atomic_fetch_sub(&p->workers_running, 1) == 1)
        channel_close(p->writer_queue);
    return NULL;
}

static void *writer_thread(void *arg)
{
    struct channel_pipeline *p = arg;
    void *item;
    while (channel_recv(p->writer_queue, &item) == CHAN_OK) {
        /* TODO(lab 7): the writer stops at the first failure (pipeline_deliver
         * returns -1 once the job has failed, after freeing the chunk). But
         * the workers may be blocked in channel_send, waiting for room that only
         * this loop makes: what wakes them? Either keep draining, or make
         * sure a failure wakes them (or both). */
        if (pipeline_deliver(p->job, item) != 0)
            break;
    }
    return NULL;
}

int channel_pipeline_run(struct job *job, enum channel_impl impl, size_t capacity)
{
    unsigned n = job->opt->workers;
    struct channel_pipeline p = { .job = job };
    p.cpu_queue = channel_new(impl, capacity, chunk_free_void);
    p.writer_queue = channel_new(impl, capacity, chunk_free_void);
    if (p.cpu_queue == NULL || p.writer_queue == NULL) {
        channel_destroy(p.cpu_queue);
        channel_destroy(p.writer_queue);
        return job_fail(job, EX_OSERR, "cannot create channels");
    }
    atomic_init(&p.workers_running, n);
    /* The queue figures of --metrics (depth, waits) come from the channels. */
    metrics_queue_attach(job->metrics, &job->metrics->cpu_queue, p.cpu_queue);
    metrics_queue_attach(job->metrics, &job->metrics->writer_queue, p.writer_queue);
    /* TODO(lab 7): if the job fails, a thread may be blocked in channel_send or
     * channel_recv waiting for a partner that has stopped. Make job_fail wake
     * them all: register abort hooks (job_on_abort, job_abort_close_chan,
     * src/job.h) before any thread starts. */

    struct worker_pool workers;
    pthread_t reader, writer;
    bool reader_started = pthread_create(&reader, NULL, reader_thread, &p) == 0;
    if (!reader_started)
        job_fail(job, EX_OSERR, "cannot start the reader thread");
    unsigned started = worker_pool_start(&workers, job, n, worker_thread, &p);
    /* Workers that never started never count themselves out: do it for them. */
    if (started < n && atomic_fetch_sub(&p.workers_running, n - started) == n - started)
        channel_close(p.writer_queue);
    bool writer_started = pthread_create(&writer, NULL, writer_thread, &p) == 0;
    if (!writer_started)
        job_fail(job, EX_OSERR, "cannot start the writer thread");

    if (reader_started)
        pthread_join(reader, NULL);
    worker_pool_join(&workers);
    if (writer_started)
        pthread_join(writer, NULL);

    metrics_queue_snapshot(job->metrics, &job->metrics->cpu_queue, p.cpu_queue);
    metrics_queue_snapshot(job->metrics, &job->metrics->writer_queue, p.writer_queue);

    /* TODO(lab 7): a signal may still fail the job after this point: if
     * hooks point at the channels, remove them (job_forget_abort) before the
     * channels are freed. channel_destroy frees the chunks still inside. */
    channel_destroy(p.cpu_queue);
    channel_destroy(p.writer_queue);
    return job_failed(job) ? -1 : 0;
}
