/*
 * glue.c — the kit's channel pipeline, built around YOUR pool (given).
 *
 *   reader thread --cpu_queue--> your pool of workers --writer_queue--> writer thread
 *
 * This file defines channel_pipeline_run (backends/channel_pipeline.h), so
 * the lab links it in place of backends/channel_pipeline.c: in
 * build/labs/03/pipelab, --backend bounded and --backend unbounded run their
 * workers on your pool.c. Compare it with backends/channel_pipeline.c: the
 * reader and the writer are the same; the worker loop and the "last worker
 * closes writer_queue" logic are what you wrote in pool.c.
 *
 * Your pool speaks the teaching channel (struct chan, chan.h), so the
 * channels here are always CHANNEL_MUTEX and the pool is handed the struct
 * chan inside each (ch->mutex). --backend lockfree asks for the lock-free
 * ring, which your pool cannot drive: it is refused with a clear message.
 *
 * Failures follow the kit's rule: the job's abort hooks close both channels,
 * so nobody stays blocked; whoever holds a chunk when a send fails frees it.
 */
#include "channel_pipeline.h"
#include "pipeline.h"
#include "pool.h"
#include "util.h"

#include <stdlib.h>

struct glue {
    struct job *job;
    struct channel *cpu_queue;      /* reader -> workers */
    struct channel *writer_queue;   /* workers -> writer */
    struct worker *workers;      /* one stage runner per pool worker */
};

static void *reader_thread(void *arg)
{
    struct glue *g = arg;
    struct chunk *c;
    while (pipeline_read(g->job, &c) == 1) {
        if (channel_send(g->cpu_queue, c) != CHAN_OK) {
            chunk_free(c);
            break;
        }
    }
    channel_close(g->cpu_queue); /* the input has ended: the workers drain and stop */
    return NULL;
}

static void *writer_thread(void *arg)
{
    struct glue *g = arg;
    void *item;
    while (channel_recv(g->writer_queue, &item) == CHAN_OK)
        pipeline_deliver(g->job, item); /* frees it, even after a failure */
    return NULL;
}

/* The pool's work: run the stages on one chunk. */
static int glue_work(void *ctx, unsigned worker, void *item)
{
    struct glue *g = ctx;
    return pipeline_process(g->job, &g->workers[worker], item);
}

int channel_pipeline_run(struct job *job, enum channel_impl impl, size_t capacity)
{
    if (impl != CHANNEL_MUTEX)
        return job_fail(job, EX_USAGE, "--backend %s: this lab's pipeline runs over the mutex "
                        "channel (use bounded or unbounded)", job->backend.name);
    unsigned n = job->opt->workers;
    struct glue g = { .job = job };
    g.cpu_queue = channel_new(CHANNEL_MUTEX, capacity, chunk_free_void);
    g.writer_queue = channel_new(CHANNEL_MUTEX, capacity, chunk_free_void);
    if (g.cpu_queue == NULL || g.writer_queue == NULL) {
        channel_destroy(g.cpu_queue);
        channel_destroy(g.writer_queue);
        return job_fail(job, EX_OSERR, "cannot create channels");
    }
    job_on_abort(job, job_abort_close_chan, g.cpu_queue);
    job_on_abort(job, job_abort_close_chan, g.writer_queue);
    /* The queue figures of --metrics (depth, waits) come from the channels. */
    metrics_queue_attach(job->metrics, &job->metrics->cpu_queue, g.cpu_queue);
    metrics_queue_attach(job->metrics, &job->metrics->writer_queue, g.writer_queue);

    g.workers = xcalloc(n, sizeof *g.workers);
    for (unsigned i = 0; i < n; i++)
        if (pipeline_worker_init(job, &g.workers[i], i) != 0)
            break; /* the job has failed: the channels are closed, all will end */

    pthread_t reader, writer;
    struct pool pool;
    bool reader_ok = pthread_create(&reader, NULL, reader_thread, &g) == 0;
    if (pool_start(&pool, n, g.cpu_queue->mutex, g.writer_queue->mutex, glue_work,
                   chunk_free_void, &g) != 0)
        job_fail(job, EX_OSERR, "cannot start the worker threads");
    bool writer_ok = pthread_create(&writer, NULL, writer_thread, &g) == 0;
    if (!reader_ok || !writer_ok)
        job_fail(job, EX_OSERR, "cannot start the reader or writer thread");

    if (reader_ok)
        pthread_join(reader, NULL);
    pool_join(&pool);
    if (writer_ok)
        pthread_join(writer, NULL);

    for (unsigned i = 0; i < n; i++)
        if (g.workers[i].runner != NULL)
            pipeline_worker_done(job, &g.workers[i]);
    metrics_queue_snapshot(job->metrics, &job->metrics->cpu_queue, g.cpu_queue);
    metrics_queue_snapshot(job->metrics, &job->metrics->writer_queue, g.writer_queue);
    /* A signal may still fail the job: unhook the channels before freeing. */
    job_forget_abort(job, g.cpu_queue);
    job_forget_abort(job, g.writer_queue);
    channel_destroy(g.cpu_queue);
    channel_destroy(g.writer_queue);
    free(g.workers);
    return job_failed(job) ? -1 : 0;
}
