/*
 * channel_pipeline.c — reader, worker pool and writer joined by channels.
 *
 * Who owns a chunk: the reader from pipeline_read until channel_send succeeds;
 * then the channel; then the worker that received it; then the writer_queue;
 * then the writer, whose pipeline_deliver frees it. Whoever holds a chunk when
 * a send fails (the job has failed and the channel is closed) frees it.
 *
 * Who closes what (the question behind most channel bugs):
 *   - cpu_queue is closed by the reader when the input ends: workers then
 *     drain it and see CHAN_CLOSED;
 *   - writer_queue is closed by the LAST worker to finish (an atomic count
 *     of workers still running), never by the first: closing early would
 *     make the others' sends fail;
 *   - on failure, the job's abort hooks close both at once, so a reader
 *     blocked in send, workers blocked in recv or send, and the writer
 *     blocked in recv all wake; each frees what it holds and returns.
 * No thread ever waits on anything but a channel, a token or the reorder
 * window, and the abort hooks close or cancel all three.
 */
#include "channel_pipeline.h"
#include "pipeline.h"
#include "util.h"
#include "worker_pool.h"
#include "xthread.h"

#include <assert.h>
#include <stdatomic.h>

struct channel_pipeline {
    struct job *job;
    struct channel *cpu_queue;      /* reader -> workers */
    struct channel *writer_queue;   /* workers -> writer */
    atomic_uint workers_running;
};

/* Close a channel we own. Closed already is fine only if the job failed
 * (an abort hook got there first); otherwise it is a bug worth reporting. */
static void channel_pipeline_close(struct channel_pipeline *p, struct channel *ch)
{
    if (channel_close(ch) != 0 && !job_failed(p->job))
        job_fail(p->job, EX_SOFTWARE, "internal error: a channel was closed twice");
}

static void *reader_thread(void *arg)
{
    struct channel_pipeline *p = arg;
    struct chunk *c;
    while (pipeline_read(p->job, &c) == 1) {
        /* Blocks while cpu_queue is full: this wait is the backpressure. */
        live_set(p->job->live, LIVE_SLOT_READER, LIVE_SENDING, c->index);
        if (channel_send(p->cpu_queue, c) != CHAN_OK) {
            chunk_free(c);
            break;
        }
    }
    live_set(p->job->live, LIVE_SLOT_READER, LIVE_DONE, 0);
    channel_pipeline_close(p, p->cpu_queue);
    return NULL;
}

/* lesson:fan-in begin */
static void *worker_thread(void *arg)
{
    struct worker_slot *slot = arg;
    struct channel_pipeline *p = slot->shared;
    void *item;
    live_worker(p->job->live, slot->w.id, LIVE_RECEIVING, 0);
    while (channel_recv(p->cpu_queue, &item) == CHAN_OK) {
        struct chunk *c = item;
        if (pipeline_process(p->job, &slot->w, c) != 0 || /* leaves it LIVE_SENDING */
            channel_send(p->writer_queue, c) != CHAN_OK)
            chunk_free(c); /* the job failed: drop it and drain the rest */
        live_worker(p->job->live, slot->w.id, LIVE_RECEIVING, 0);
    }
    live_worker(p->job->live, slot->w.id, LIVE_DONE, 0);
    /* The last worker out closes the writer's channel (fan-in). */
    if (atomic_fetch_sub(&p->workers_running, 1) == 1)
        channel_pipeline_close(p, p->writer_queue);
    return NULL;
}
/* lesson:fan-in end */

static void *writer_thread(void *arg)
{
    struct channel_pipeline *p = arg;
    void *item;
    live_set(p->job->live, LIVE_SLOT_WRITER, LIVE_RECEIVING, 0);
    while (channel_recv(p->writer_queue, &item) == CHAN_OK) {
        pipeline_deliver(p->job, item); /* frees it, even after a failure */
        live_set(p->job->live, LIVE_SLOT_WRITER, LIVE_RECEIVING, 0);
    }
    live_set(p->job->live, LIVE_SLOT_WRITER, LIVE_DONE, 0);
    return NULL;
}

/* Workers that never started never count themselves out: do it for them,
 * so that writer_queue is still closed exactly once. */
static void count_out_unstarted(struct channel_pipeline *p, unsigned missing)
{
    if (missing > 0 && atomic_fetch_sub(&p->workers_running, missing) == missing)
        channel_pipeline_close(p, p->writer_queue);
}

int channel_pipeline_run(struct job *job, enum channel_impl impl, size_t capacity)
{
    struct metrics *m = job->metrics;
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
    metrics_queue_attach(m, &m->cpu_queue, p.cpu_queue);
    metrics_queue_attach(m, &m->writer_queue, p.writer_queue);
    job_on_abort(job, job_abort_close_chan, p.cpu_queue);
    job_on_abort(job, job_abort_close_chan, p.writer_queue);

    struct worker_pool workers;
    pthread_t reader, writer;
    bool reader_started = pthread_create(&reader, NULL, reader_thread, &p) == 0;
    if (!reader_started)
        job_fail(job, EX_OSERR, "cannot start the reader thread");
    count_out_unstarted(&p, n - worker_pool_start(&workers, job, n, worker_thread, &p));
    bool writer_started = pthread_create(&writer, NULL, writer_thread, &p) == 0;
    if (!writer_started)
        job_fail(job, EX_OSERR, "cannot start the writer thread");

    if (reader_started)
        xthread_join(reader);
    worker_pool_join(&workers);
    if (writer_started)
        xthread_join(writer);

    metrics_queue_snapshot(m, &m->cpu_queue, p.cpu_queue);
    metrics_queue_snapshot(m, &m->writer_queue, p.writer_queue);
    /* A signal may still fail the job: unhook the channels before freeing. */
    job_forget_abort(job, p.cpu_queue);
    job_forget_abort(job, p.writer_queue);
    channel_destroy(p.cpu_queue);
    channel_destroy(p.writer_queue);
    assert(job_chunks_settled(job));
    return job_failed(job) ? -1 : 0;
}
