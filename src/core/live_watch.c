/*
 * live_watch.c — the `--live` view thread. See live_watch.h.
 */
#include "live_watch.h"
#include "job.h"
#include "monitor.h"
#include "util.h"
#include "xthread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define LIVE_TICK_NS 100000000ull        /* a frame every 100 ms */
#define LIVE_PLAIN_TICKS 5               /* a plain line every 500 ms */
#define LIVE_CURSOR_HIDE "\033[?25l"
#define LIVE_CURSOR_SHOW "\033[?25h\033[0m"

enum live_form live_watch_form(int fd, bool force_plain, unsigned rows)
{
    const char *term = getenv("TERM");
    if (force_plain || !isatty(fd) || term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0)
        return LIVE_PLAIN;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_row < rows + 1)
        return LIVE_SMALL;
    return LIVE_FULL;
}

unsigned live_watch_cols(int fd)
{
    struct winsize ws;
    return ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

int live_watch_write(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        text += n;
        len -= (size_t)n;
    }
    return 0;
}

void live_watch_home(char *buf, size_t len, unsigned drawn)
{
    if (drawn > 0)
        snprintf(buf, len, "\r\033[%uA", drawn);
    else
        snprintf(buf, len, "%s", "");
}

/* Chunks parked in the reorder window now. Read here, under the window's own
 * lock, rather than in reorder.c: lab 5 has learners write reorder.c, and the
 * view must not depend on more of it than reorder.h promises. */
static uint64_t live_parked(struct reorder *r)
{
    xmutex_lock(&r->lock);
    uint64_t n = r->parked;
    xmutex_unlock(&r->lock);
    return n;
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
    bool live_cpu = metrics_queue_now(m, &m->cpu_queue, &f->cpu_depth, &cap);
    bool live_writer = metrics_queue_now(m, &m->writer_queue, &f->writer_depth, &cap);
    if (live_cpu || live_writer) {
        f->queues = true;
        f->capacity = cap; /* kept after the channels are gone */
    }
    f->inflight_bound = live_bound(job, f);
    if (job->ordered) {
        f->parked = live_parked(&job->reorder);
        f->window = job->reorder.window;
    }
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

static void live_draw(struct live_watch *lw)
{
    if (lw->broken)
        return;
    enum live_form form = lw->form;
    lw->frame.lock_view = strcmp(lw->job->backend.name, "mutex") == 0;
    if (form == LIVE_FULL && live_watch_form(STDERR_FILENO, false, live_view_rows(&lw->frame)) ==
                                 LIVE_SMALL)
        form = LIVE_SMALL; /* the frame grew (the workers started) or the window shrank */
    char home[32];
    live_watch_home(home, sizeof home, form == LIVE_PLAIN ? 0 : lw->drawn);
    lw->text.cols = live_watch_cols(STDERR_FILENO);
    live_view_draw(&lw->frame, form, lw->colour, &lw->text);
    /* One write per frame: the cursor moves and the rows land together. */
    size_t hl = strlen(home);
    if (hl + lw->text.len + 8 < sizeof lw->text.buf) {
        memmove(lw->text.buf + hl, lw->text.buf, lw->text.len);
        memcpy(lw->text.buf, home, hl);
        lw->text.len += hl;
        if (form != LIVE_PLAIN) { /* rows left over from a taller frame */
            memcpy(lw->text.buf + lw->text.len, "\033[J", 3);
            lw->text.len += 3;
        }
    }
    if (live_watch_write(STDERR_FILENO, lw->text.buf, lw->text.len) != 0)
        lw->broken = true;
    lw->drawn = form == LIVE_PLAIN ? 0 : lw->text.lines;
}

static void *live_thread(void *arg)
{
    struct live_watch *lw = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    unsigned every = lw->form == LIVE_PLAIN ? LIVE_PLAIN_TICKS : 1;
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
        if (tick % every == 0)
            live_draw(lw);
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
    f->ordered = job->ordered;
    f->unit = "MiB";
    f->total = (double)job->reader.size / 1048576.0;
    f->rss_kb = -1;
    lw->form = live_watch_form(STDERR_FILENO, job->opt->live == LIVE_MODE_PLAIN, 12);
    lw->colour = lw->form != LIVE_PLAIN;
    lw->start_ns = lw->last_ns = now_ns();
    if (lw->form != LIVE_PLAIN && live_watch_write(STDERR_FILENO, LIVE_CURSOR_HIDE,
                                                   strlen(LIVE_CURSOR_HIDE)) != 0)
        lw->broken = true;
    live_init_sync(lw);
    if (pthread_create(&lw->thread, NULL, live_thread, lw) != 0) {
        xcond_destroy(&lw->wake);
        xmutex_destroy(&lw->lock);
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
    live_draw(lw);
    if (lw->form != LIVE_PLAIN && !lw->broken)
        (void)live_watch_write(STDERR_FILENO, LIVE_CURSOR_SHOW, strlen(LIVE_CURSOR_SHOW));
}
