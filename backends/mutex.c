/*
 * mutex.c — the legacy design, kept faithfully so it can be measured.
 *
 * This is the "Before" of the design note, translated from tokio to threads:
 *
 *   design note (Rust, tokio)                   here (C, pthreads)
 *   ------------------------------------------  ---------------------------------
 *   input_chunks = read everything              every chunk read into memory
 *                                               before any work starts
 *   for chunk in input_chunks { tokio::spawn }  one task per chunk, all created
 *                                               at once (a queue of all chunks)
 *   tokio runtime threads run the tasks         a fixed pool of task threads
 *                                               takes tasks one after another
 *   semaphore.acquire() (worker_count permits)  tokens_acquire(&semaphore),
 *                                               --workers permits, held to the
 *                                               end of the task like `_permit`
 *   writer_shared.lock().await; write_chunk     xmutex_lock(&writer_lock);
 *                                               pipeline_deliver; unlock
 *
 * The three problems the note lists are all visible in the metrics:
 *   1. writer contention: lock_wait grows with --workers, since every task
 *      funnels through one mutex to write;
 *   2. no backpressure: peak chunks in flight equals the number of chunks in
 *      the file, so memory equals the file size;
 *   3. two primitives fighting: a task holds its semaphore permit while it
 *      waits for the writer lock, so permits are spent waiting, not working
 *      (semaphore_wait and lock_wait both grow).
 */
#include "backend.h"
#include "pipeline.h"
#include "util.h"
#include "worker_pool.h"
#include "xthread.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Threads that run tasks, at most; tokio's runtime also multiplexes many
 * tasks onto a few threads. Enough to keep every permit busy up to
 * --workers 64 (beyond that, permits outnumber the task threads). */
#define LEGACY_TASK_THREADS 64

struct legacy {
    struct job *job;
    struct chunk **task;           /* task[i] = chunk i, NULL once taken */
    uint64_t task_count;
    atomic_uint_fast64_t next_task;
    struct tokens semaphore;       /* the design note's Semaphore::new(worker_count) */
    pthread_mutex_t writer_lock;   /* the design note's Arc<Mutex<BinaryWriter>> */
};

/* Problem 2: load the whole input before anything else happens. */
static int legacy_read_everything(struct legacy *l)
{
    uint64_t cap = reader_chunk_count(&l->job->reader);
    l->task = xcalloc(cap, sizeof *l->task);
    struct chunk *c;
    int got;
    while ((got = pipeline_read(l->job, &c)) == 1)
        l->task[l->task_count++] = c;
    return got;
}

/* One task: permit, process, lock the shared writer, write, unlock. */
static void legacy_task(struct legacy *l, struct worker *w, struct chunk *c)
{
    struct metrics *m = l->job->metrics;
    struct live_state *live = l->job->live;
    live_worker(live, w->id, LIVE_WAIT_PERMIT, c->index);
    /* Every wait and hold goes to the task thread's own slot (metrics.h). */
    struct histogram *permit_wait = metrics_hist(m, w->metrics, METRICS_SEMAPHORE_WAIT);
    if (tokens_acquire_timed(&l->semaphore, permit_wait) != 0) {
        chunk_free(c);
        return;
    }
    if (pipeline_process(l->job, w, c) != 0) {
        chunk_free(c);
        tokens_release(&l->semaphore);
        return;
    }
    uint64_t asked = now_ns();
    live_worker(live, w->id, LIVE_WAIT_LOCK, c->index);
    xmutex_lock(&l->writer_lock);          /* <- contention point */
    live_worker(live, w->id, LIVE_WRITING, c->index);
    uint64_t got = now_ns();
    pipeline_deliver(l->job, c);
    uint64_t done = now_ns();
    xmutex_unlock(&l->writer_lock);
    live_worker(live, w->id, LIVE_IDLE, 0); /* c is freed: no index */
    metrics_record(m, w->metrics, METRICS_LOCK_WAIT, got - asked);
    metrics_record(m, w->metrics, METRICS_LOCK_HOLD, done - got);
    tokens_release(&l->semaphore);                /* `_permit` dropped here */
}

static void *task_thread(void *arg)
{
    struct worker_slot *slot = arg;
    struct legacy *l = slot->shared;
    for (;;) {
        uint64_t i = atomic_fetch_add(&l->next_task, 1);
        if (i >= l->task_count)
            break;
        struct chunk *c = l->task[i];
        l->task[i] = NULL;
        if (job_failed(l->job))
            chunk_free(c);
        else
            legacy_task(l, &slot->w, c);
    }
    return NULL;
}

static void legacy_abort_semaphore(void *semaphore)
{
    tokens_cancel(semaphore);
}

static void legacy_run_tasks(struct legacy *l)
{
    unsigned n = l->task_count < LEGACY_TASK_THREADS ? (unsigned)l->task_count
                                                     : LEGACY_TASK_THREADS;
    struct worker_pool pool;
    metrics_set_workers(l->job->metrics, n);
    worker_pool_start(&pool, l->job, n, task_thread, l);
    worker_pool_join(&pool);
    /* The writer was whichever task held the lock: none will any more. */
    live_set(l->job->live, LIVE_SLOT_WRITER, LIVE_DONE, 0);
}

static int mutex_run(struct job *job)
{
    struct legacy l = { .job = job };
    atomic_init(&l.next_task, 0);
    if (tokens_init(&l.semaphore, job->opt->workers, NULL) != 0)
        return job_fail(job, EX_OSERR, "cannot create the semaphore");
    xmutex_init(&l.writer_lock);
    job_on_abort(job, legacy_abort_semaphore, &l.semaphore);

    if (legacy_read_everything(&l) == 0)
        legacy_run_tasks(&l);
    /* Tasks never taken (the job failed) still own their chunks. */
    for (uint64_t i = 0; i < l.task_count; i++)
        chunk_free(l.task[i]);
    free(l.task);
    job_forget_abort(job, &l.semaphore);
    xmutex_destroy(&l.writer_lock);
    tokens_destroy(&l.semaphore);
    assert(job_chunks_settled(job));
    return job_failed(job) ? -1 : 0;
}

const struct backend backend_mutex = {
    .name = "mutex",
    .summary = "the legacy design: read all, a task per chunk, semaphore, shared writer mutex",
    .reads_whole_input_first = true,
    .run = mutex_run,
};
