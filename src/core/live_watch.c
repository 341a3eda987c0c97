/*
 * live_watch.c — the `--live` view thread. See live_watch.h.
 */
#include "live_watch.h"
#include "job.h"
#include "monitor.h"
#include "util.h"
#include "xthread.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIVE_TICK_NS 100000000ull        /* a frame every 100 ms */
#define LIVE_PLAIN_TICKS 5               /* a plain line every 500 ms */

/* The chunks the reader has let into the reorder window, from what its
 * slot says: chunk k waiting to enter means 0..k-1 are in; reading or
 * handing on chunk k (or idle after it) means 0..k are; done means all.
 * (Idle before the first read reads as chunk 0 in, for that instant.) */
static uint64_t live_admitted(const struct job *job, const struct live_thread *reader)
{
    switch (reader->what) {
    case LIVE_WAIT_WINDOW: return reader->chunk;
    case LIVE_DONE:        return reader_chunk_count(&job->reader);
    default:               return reader->chunk + 1;
    }
}

/* The reorder window's occupancy: the chunks between the writer's position
 * and the reader's (reorder.h), and those of them parked out of order. Read
 * here, under the window's own lock, rather than in reorder.c: lab 5 has
 * learners write reorder.c, and the view must not depend on more of it
 * than reorder.h promises. The reader's slot and the window are read at two
 * instants, so the difference is kept within 0..window. */
static void live_window(struct job *job, struct live_frame *f)
{
    struct reorder *r = &job->reorder;
    xmutex_lock(&r->lock);
    uint64_t next = r->next;
    f->parked = r->parked;
    f->window = r->window;
    xmutex_unlock(&r->lock);
    uint64_t admitted = live_admitted(job, &f->reader);
    f->in_window = admitted > next ? admitted - next : 0;
    f->in_window = f->in_window < f->window ? f->in_window : f->window;
}

/* The bound on chunks in flight the backend promises, or -1: one for the
 * one thread of serial; lesson 3's formula for bounded channels. */
static int64_t live_bound(const struct job *job, const struct live_frame *f)
{
    if (strcmp(job->backend.name, "serial") == 0)
        return 1;
    if (f->queues && f->capacity > 0)
        return 2 * (int64_t)f->capacity + job->opt->workers + 2;
    return -1;
}

/* Everything the frame shows, read from the running job. */
static void live_sample(struct live_watch *lw, uint64_t now)
{
    struct job *job = lw->job;
    struct live_frame *f = &lw->frame;
    struct metrics *m = job->metrics;
    struct live_state *ls = job->live;
    f->reader.what = live_get(ls, LIVE_SLOT_READER, &f->reader.chunk);
    f->writer.what = live_get(ls, LIVE_SLOT_WRITER, &f->writer.chunk);
    unsigned n = atomic_load_explicit(&ls->workers, memory_order_relaxed);
    f->workers = n < LIVE_VIEW_MAX_WORKERS ? n : LIVE_VIEW_MAX_WORKERS;
    for (unsigned i = 0; i < f->workers; i++)
        f->worker[i].what = live_get(ls, LIVE_SLOT_WORKER0 + i, &f->worker[i].chunk);
    size_t cap = 0;
    f->cpu_depth = f->writer_depth = 0; /* a channel not made yet, or gone, holds nothing */
    bool live_cpu = metrics_queue_now(m, &m->cpu_queue, &f->cpu_depth, &cap);
    bool live_writer = metrics_queue_now(m, &m->writer_queue, &f->writer_depth, &cap);
    if (live_cpu || live_writer) {
        f->queues = true;
        f->capacity = cap; /* kept after the channels are gone */
    }
    f->inflight_bound = live_bound(job, f);
    if (job->ordered)
        live_window(job, f);
    f->inflight_chunks = atomic_load(&job->inflight.chunks);
    f->inflight_bytes = atomic_load(&job->inflight.bytes);
    f->rss_kb = monitor_rss_now_kb();
    uint64_t written = atomic_load(&job->bytes_written);
    f->done = (double)written / 1048576.0;
    double dt = (double)(now - lw->last_ns) / 1e9;
    if (dt > 0.05) { /* a rate over less would only be noise */
        f->rate = (double)(written - lw->last_bytes) / 1048576.0 / dt;
        live_view_push_rate(f, f->rate);
        lw->last_ns = now;
        lw->last_bytes = written;
    }
    f->elapsed_s = (double)(now - lw->start_ns) / 1e9;
}

static void *live_thread(void *arg)
{
    struct live_watch *lw = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    xmutex_lock(&lw->lock);
    for (unsigned tick = 1; !lw->stop; tick++) {
        deadline.tv_nsec += (long)LIVE_TICK_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        while (!lw->stop && !xcond_timedwait(&lw->wake, &lw->lock, &deadline))
            ;
        if (lw->stop)
            break;
        xmutex_unlock(&lw->lock);
        live_sample(lw, now_ns());
        live_screen_draw(&lw->screen, &lw->frame, tick % LIVE_PLAIN_TICKS == 0);
        xmutex_lock(&lw->lock);
    }
    xmutex_unlock(&lw->lock);
    return NULL;
}

/* As the monitor's: the calls cannot fail in a correct program (xthread.h). */
static void live_init_sync(struct live_watch *lw)
{
    xcond_init_monotonic(&lw->wake);
    xmutex_init(&lw->lock);
}

int live_watch_start(struct live_watch *lw, struct job *job)
{
    memset(lw, 0, sizeof *lw);
    lw->job = job;
    if (job->opt->live == LIVE_MODE_OFF || job->live == NULL)
        return 0;
    struct live_frame *f = &lw->frame;
    f->backend = job->backend.name;
    f->title = "live";
    f->queue_depth_known = true;
    f->lock_view = strcmp(job->backend.name, "mutex") == 0;
    f->ordered = job->ordered;
    f->unit = "MiB";
    f->total = (double)job->reader.size / 1048576.0;
    f->rss_kb = -1;
    lw->start_ns = lw->last_ns = now_ns();
    live_screen_open(&lw->screen, STDERR_FILENO, job->opt->live == LIVE_MODE_PLAIN);
    live_init_sync(lw);
    if (pthread_create(&lw->thread, NULL, live_thread, lw) != 0) {
        xcond_destroy(&lw->wake);
        xmutex_destroy(&lw->lock);
        live_screen_close(&lw->screen);
        warnx_msg("cannot start the live view thread");
        return EX_OSERR;
    }
    lw->running = true;
    return 0;
}

void live_watch_stop(struct live_watch *lw)
{
    if (!lw->running)
        return;
    xmutex_lock(&lw->lock);
    lw->stop = true;
    xcond_signal(&lw->wake);
    xmutex_unlock(&lw->lock);
    xthread_join(lw->thread);
    xcond_destroy(&lw->wake);
    xmutex_destroy(&lw->lock);
    lw->running = false;
    /* The state at the very end stays on the screen. */
    lw->frame.title = job_failed(lw->job) ? "live (failed)" : "live (done)";
    live_sample(lw, now_ns());
    live_screen_draw(&lw->screen, &lw->frame, true);
    live_screen_close(&lw->screen);
}
