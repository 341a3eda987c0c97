/*
 * pipeline.c — read, process, deliver: the work on one chunk. See pipeline.h.
 */
#include "pipeline.h"
#include "util.h"

#include <errno.h>
#include <string.h>

int pipeline_worker_init(struct job *job, struct worker *w, unsigned id)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->metrics = metrics_slot_open(job->metrics, id);
    w->runner = stage_runner_new(&job->stages, job->encrypted ? &job->keys : NULL, job->gzip);
    if (w->runner == NULL)
        return job_fail(job, EX_OSERR, "cannot set up the stages (zlib init failed)");
    /* Workers are set up in order, by one thread: the view shows 0..id. */
    live_set_workers(job->live, id + 1);
    return 0;
}

void pipeline_worker_done(struct job *job, struct worker *w)
{
    metrics_slot_fold(job->metrics, w->metrics);
    live_worker(job->live, w->id, LIVE_DONE, 0);
    stage_runner_free(w->runner);
    w->runner = NULL;
}

int pipeline_read(struct job *job, struct chunk **out)
{
    if (job_failed(job))
        return -1;
    if (job->reader.done) {
        live_set(job->live, LIVE_SLOT_READER, LIVE_DONE, 0);
        return 0;
    }
    uint64_t k = job->reader.next_index;
    /* Ordered runs: chunk i may enter only once the writer is close enough. */
    if (job->ordered) {
        live_set(job->live, LIVE_SLOT_READER, LIVE_WAIT_WINDOW, k);
        if (reorder_admit(&job->reorder, k) != 0)
            return -1;
    }
    live_set(job->live, LIVE_SLOT_READER, LIVE_READING, k);
    if (job->opt->reader_delay_us)
        sleep_us(job->opt->reader_delay_us);
    uint64_t start = now_ns();
    int got = reader_next(&job->reader, out);
    if (got < 0)
        return job_fail(job, EX_IOERR, "cannot read %s: %s", job->reader.path, strerror(errno));
    live_set(job->live, LIVE_SLOT_READER, got == 1 ? LIVE_IDLE : LIVE_DONE, k);
    if (got == 1) {
        (*out)->t.read_start = start;
        (*out)->t.read_end = now_ns();
        atomic_fetch_add_explicit(&job->bytes_read, (*out)->len, memory_order_relaxed);
    }
    return got;
}

int pipeline_process(struct job *job, struct worker *w, struct chunk *c)
{
    char why[256];
    if (job_failed(job))
        return -1;
    live_worker(job->live, w->id, LIVE_WAIT_TOKEN, c->index);
    /* The wait goes to this worker's own histogram (metrics.h says why). */
    if (tokens_acquire_timed(&job->cpu_tokens,
                             metrics_hist(job->metrics, w->metrics, METRICS_CPU_TOKEN_WAIT)) != 0)
        return -1;
    live_worker(job->live, w->id, LIVE_RUNNING, c->index);
    c->t.process_start = now_ns();
    c->t.worker = (int)w->id;
    int rc = 0;
    if (job->opt->fail_at_chunk >= 0 && c->index == (uint64_t)job->opt->fail_at_chunk)
        rc = job_fail(job, EX_SOFTWARE, "injected failure at chunk %llu (--fail-at-chunk)",
                      (unsigned long long)c->index);
    else if (stage_forward(w->runner, c, why, sizeof why) != 0)
        rc = job_fail(job, EX_SOFTWARE, "%s", why);
    else if (job->opt->stage_cost_us)
        sleep_us(job->opt->stage_cost_us); /* a slow stage, holding its token */
    c->t.process_end = now_ns();
    tokens_release(&job->cpu_tokens);
    /* Next the chunk goes on: a channel send, the writer lock, the writer. */
    live_worker(job->live, w->id, LIVE_SENDING, c->index);
    if (w->metrics != NULL) {
        w->metrics->chunks++;
        w->metrics->busy_ns += c->t.process_end - c->t.process_start;
    }
    return rc;
}

/* Write one chunk and free it. */
static int pipeline_write(struct job *job, struct chunk *c)
{
    live_set(job->live, LIVE_SLOT_WRITER, LIVE_WRITING, c->index);
    c->t.write_start = now_ns(); /* the delay is part of the write: a slow disk */
    if (job->opt->writer_delay_us)
        sleep_us(job->opt->writer_delay_us);
    int rc = writer_put(&job->writer, c);
    c->t.write_end = now_ns();
    atomic_fetch_add_explicit(&job->bytes_written, c->raw_len, memory_order_relaxed);
    if (job->trace != NULL)
        trace_record(job->trace, c);
    live_set(job->live, LIVE_SLOT_WRITER, LIVE_IDLE, c->index);
    chunk_free(c);
    if (rc != 0)
        return job_fail(job, EX_IOERR, "cannot write %s: %s", job->opt->out, strerror(errno));
    return 0;
}

int pipeline_deliver(struct job *job, struct chunk *c)
{
    if (job_failed(job)) {
        chunk_free(c);
        return -1;
    }
    if (!job->ordered)
        return pipeline_write(job, c);
    reorder_put(&job->reorder, c);
    while ((c = reorder_take(&job->reorder)) != NULL)
        if (pipeline_write(job, c) != 0)
            return -1;
    return 0;
}
