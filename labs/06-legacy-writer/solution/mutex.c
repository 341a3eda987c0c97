/*
 * mutex.c — YOUR copy of the legacy design (lab 6): one writer shared behind
 * a mutex, and a critical section that should hold as little as possible.
 *
 * How it fits. This file stands in for the kit's backends/mutex.c: it
 * defines `backend_mutex`, and the lab links it in front of
 * build/libpipelab.a, so `build/labs/06/pipelab process --backend mutex`
 * (and `compare`) run your version. It is the "Before" of the design note,
 * translated from tokio to threads:
 *
 *   design note (Rust, tokio)                   here (C, pthreads)
 *   ------------------------------------------  ---------------------------------
 *   input_chunks = read everything              every chunk read into memory
 *                                               before any work starts
 *   for chunk in input_chunks { tokio::spawn }  one task per chunk, all created
 *                                               at once (a list of all chunks)
 *   tokio runtime threads run the tasks         a fixed pool of task threads
 *                                               takes tasks one after another
 *   semaphore.acquire() (worker_count permits)  tokens_acquire(&semaphore)
 *   writer_shared.lock().await; write_chunk     pthread_mutex_lock(&writer_lock);
 *                                               pipeline_deliver; unlock
 *
 * The critical section. The writer is shared, so writing a chunk must happen
 * under writer_lock: two threads writing at once would interleave their
 * records. But ONLY the writing. Compressing and encrypting a chunk touch
 * nothing shared (each task thread has its own stage runner), so doing them
 * under the lock makes every other task wait for work it does not depend on:
 * N workers become one. The measure of it is in the metrics:
 *
 *   lock_wait   from asking for writer_lock to getting it, per chunk
 *   lock_hold   from getting it to releasing it, per chunk
 *
 * Invariants: every chunk is processed outside the lock, then written under
 * it, exactly once; every chunk is freed exactly once (pipeline_deliver frees
 * it; so does every path that gives up on it); every permit taken is given
 * back.
 */
#include "backend.h"
#include "pipeline.h"
#include "util.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Threads that run tasks, at most; tokio's runtime also multiplexes many
 * tasks onto a few threads. Enough to keep every permit busy. */
#define LEGACY_TASK_THREADS 64

struct legacy {
    struct job *job;
    struct chunk **task;           /* task[i] = chunk i, NULL once taken */
    uint64_t task_count;
    atomic_uint_fast64_t next_task;
    struct tokens semaphore;       /* the design note's Semaphore::new(worker_count) */
    pthread_mutex_t writer_lock;   /* the design note's Arc<Mutex<BinaryWriter>> */
};

struct task_thread {
    struct legacy *l;
    struct worker w;
    pthread_t thread;
    bool started;
};

/* No backpressure: load the whole input before anything else happens. */
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

/* Write one processed chunk through the shared writer, and measure the lock. */
static void legacy_write(struct legacy *l, struct chunk *c)
{
    struct metrics *m = l->job->metrics;
    uint64_t asked = now_ns();
    pthread_mutex_lock(&l->writer_lock);          /* <- contention point */
    uint64_t got = now_ns();
    hist_record(&m->lock_wait, got - asked);
    pipeline_deliver(l->job, c);                  /* writes it and frees it */
    hist_record(&m->lock_hold, now_ns() - got);
    pthread_mutex_unlock(&l->writer_lock);
}

/* One task: permit, process (outside the lock), write (inside it), permit back. */
static void legacy_task(struct legacy *l, struct worker *w, struct chunk *c)
{
    if (tokens_acquire(&l->semaphore) != 0) {
        chunk_free(c);
        return;
    }
    if (pipeline_process(l->job, w, c) == 0)
        legacy_write(l, c);
    else
        chunk_free(c);
    tokens_release(&l->semaphore);                /* `_permit` dropped here */
}

static void *task_thread(void *arg)
{
    struct task_thread *t = arg;
    struct legacy *l = t->l;
    for (;;) {
        uint64_t i = atomic_fetch_add(&l->next_task, 1);
        if (i >= l->task_count)
            break;
        struct chunk *c = l->task[i];
        l->task[i] = NULL;
        if (job_failed(l->job))
            chunk_free(c);
        else
            legacy_task(l, &t->w, c);
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
    struct task_thread *t = xcalloc(n ? n : 1, sizeof *t);
    metrics_set_workers(l->job->metrics, n);
    for (unsigned i = 0; i < n; i++) {
        t[i].l = l;
        if (pipeline_worker_init(l->job, &t[i].w, i) != 0)
            break;
        if (pthread_create(&t[i].thread, NULL, task_thread, &t[i]) != 0) {
            pipeline_worker_done(l->job, &t[i].w);
            job_fail(l->job, EX_OSERR, "cannot start task thread %u", i);
            break;
        }
        t[i].started = true;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!t[i].started)
            continue;
        pthread_join(t[i].thread, NULL);
        pipeline_worker_done(l->job, &t[i].w);
    }
    free(t);
}

static int mutex_run(struct job *job)
{
    struct legacy l = { .job = job };
    atomic_init(&l.next_task, 0);
    if (tokens_init(&l.semaphore, job->opt->workers, &job->metrics->semaphore_wait) != 0)
        return job_fail(job, EX_OSERR, "cannot create the semaphore");
    if (pthread_mutex_init(&l.writer_lock, NULL) != 0) {
        tokens_destroy(&l.semaphore);
        return job_fail(job, EX_OSERR, "cannot create the writer mutex");
    }
    job_on_abort(job, legacy_abort_semaphore, &l.semaphore);

    if (legacy_read_everything(&l) == 0)
        legacy_run_tasks(&l);
    /* Tasks never taken (the job failed) still own their chunks. */
    for (uint64_t i = 0; i < l.task_count; i++)
        chunk_free(l.task[i]);
    free(l.task);
    pthread_mutex_destroy(&l.writer_lock);
    tokens_destroy(&l.semaphore);
    return job_failed(job) ? -1 : 0;
}

const struct backend backend_mutex = {
    .name = "mutex",
    .summary = "the legacy design: read all, a task per chunk, semaphore, shared writer mutex",
    .reads_whole_input_first = true,
    .run = mutex_run,
};
