/*
 * live_view.c — one frame of the live view as text. See live_view.h.
 */
#include "live_view.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BAR_WIDTH 24

/* ANSI SGR colours, by what a state means for the pipeline. */
#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"   /* doing useful work */
#define C_CYAN "\033[36m"    /* doing I/O */
#define C_RED "\033[31m"     /* blocked by a full channel: backpressure */
#define C_YELLOW "\033[33m"  /* starved: nothing to do */
#define C_MAGENTA "\033[35m" /* waiting for a token, a permit, a lock, the window */
#define C_DIM "\033[2m"      /* finished or idle */

static void put(struct live_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct live_text *t, const char *fmt, ...)
{
    if (t->len >= sizeof t->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < sizeof t->buf - t->len ? (size_t)n : sizeof t->buf - t->len - 1;
}

/* Cut the row being written to cols - 1 columns on screen: escape
 * sequences take none, a UTF-8 character one. */
static void cut_row(struct live_text *t)
{
    unsigned width = 0;
    for (size_t i = t->row_start; i < t->len; i++) {
        unsigned char ch = (unsigned char)t->buf[i];
        if (ch == '\033') {
            while (i + 1 < t->len && !((t->buf[i + 1] >= 'A' && t->buf[i + 1] <= 'Z') ||
                                       (t->buf[i + 1] >= 'a' && t->buf[i + 1] <= 'z')))
                i++;
            i++;
            continue;
        }
        if ((ch & 0xC0) == 0x80)
            continue;
        if (++width == t->cols) {
            t->len = i;
            put(t, "%s", C_RESET);
            return;
        }
    }
}

/* End a row: in the redrawn forms, erase what an older, longer row left. */
static void end_row(struct live_text *t, enum live_form form)
{
    if (form != LIVE_PLAIN && t->cols > 1)
        cut_row(t);
    put(t, "%s\n", form == LIVE_PLAIN ? "" : "\033[K");
    t->lines++;
    t->row_start = t->len;
}

void live_view_describe(const struct live_frame *f, const struct live_thread *th,
                        bool into_full, bool from_empty, char *out, size_t len)
{
    unsigned long long k = (unsigned long long)th->chunk;
    switch (th->what) {
    case LIVE_IDLE:        snprintf(out, len, "idle"); break;
    case LIVE_READING:     snprintf(out, len, "reading chunk %llu", k); break;
    case LIVE_WAIT_WINDOW: snprintf(out, len, "waiting for the reorder window (chunk %llu)", k); break;
    case LIVE_SENDING:
        snprintf(out, len, "%s chunk %llu", into_full ? "blocked sending" : f->queues ? "sending"
                                                                               : "handing on", k);
        break;
    case LIVE_RECEIVING:   snprintf(out, len, "%s", from_empty ? "starved" : "receiving"); break;
    case LIVE_WAIT_TOKEN:  snprintf(out, len, "waiting for a CPU token (chunk %llu)", k); break;
    case LIVE_RUNNING:     snprintf(out, len, "running the stages on chunk %llu", k); break;
    case LIVE_WAIT_PERMIT: snprintf(out, len, "waiting for a permit (chunk %llu)", k); break;
    case LIVE_WAIT_LOCK:   snprintf(out, len, "waiting for the writer lock (chunk %llu)", k); break;
    case LIVE_WRITING:     snprintf(out, len, "writing chunk %llu", k); break;
    case LIVE_DONE:        snprintf(out, len, "done"); break;
    default:               snprintf(out, len, "?"); break;
    }
}

static const char *state_colour(const struct live_thread *th, bool into_full, bool from_empty)
{
    switch (th->what) {
    case LIVE_RUNNING:  return C_GREEN;
    case LIVE_READING:
    case LIVE_WRITING:  return C_CYAN;
    case LIVE_SENDING:  return into_full ? C_RED : C_GREEN;
    case LIVE_RECEIVING: return from_empty ? C_YELLOW : C_GREEN;
    case LIVE_WAIT_WINDOW:
    case LIVE_WAIT_TOKEN:
    case LIVE_WAIT_PERMIT:
    case LIVE_WAIT_LOCK: return C_MAGENTA;
    default:            return C_DIM;
    }
}

static bool full(const struct live_frame *f, size_t depth)
{
    return f->queues && f->capacity > 0 && depth >= f->capacity;
}

/* The queue a thread sends into and the one it receives from. */
static void thread_row(const struct live_frame *f, struct live_text *t, enum live_form form,
                       bool colour, const char *name, const struct live_thread *th,
                       size_t send_depth, size_t recv_depth)
{
    char what[96];
    bool into_full = full(f, send_depth);
    bool from_empty = f->queues && recv_depth == 0;
    live_view_describe(f, th, into_full, from_empty, what, sizeof what);
    put(t, "  %-12s %s%s%s", name, colour ? state_colour(th, into_full, from_empty) : "", what,
        colour ? C_RESET : "");
    end_row(t, form);
}

/* cpu_queue [########............]  3/4   1 blocked sender, 0 starved */
static void queue_row(const struct live_frame *f, struct live_text *t, enum live_form form,
                      bool colour, const char *name, size_t depth, unsigned senders,
                      unsigned starved)
{
    char bar[BAR_WIDTH + 1];
    size_t fill = f->capacity ? depth * BAR_WIDTH / f->capacity : depth;
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : (f->capacity ? '.' : ' ');
    bar[BAR_WIDTH] = '\0';
    const char *c = !colour ? "" : full(f, depth) ? C_RED : depth == 0 ? C_YELLOW : C_GREEN;
    if (f->capacity)
        put(t, "  %-12s %s[%s]%s %zu/%zu", name, c, bar, colour ? C_RESET : "", depth, f->capacity);
    else /* unbounded: no end to the bar, the depth is the figure */
        put(t, "  %-12s %s[%s%s%s depth %zu (%s)", name, c, bar, fill > BAR_WIDTH ? "+>" : "  ",
            colour ? C_RESET : "", depth, f->queue_depth_known ? "unbounded" : "recorded");
    if (f->queue_depth_known)
        put(t, "   %u blocked sending, %u starved", senders, starved);
    end_row(t, form);
}

static unsigned count_workers(const struct live_frame *f, enum live_what what)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->workers; i++)
        n += f->worker[i].what == what;
    return n;
}

/* The workers, one row each, or counted by state on one row. */
static void worker_rows(const struct live_frame *f, struct live_text *t, enum live_form form,
                        bool colour)
{
    const char *label = f->lock_view ? "task" : "worker";
    if (form == LIVE_FULL) {
        for (unsigned i = 0; i < f->workers; i++) {
            char name[24];
            snprintf(name, sizeof name, "%s %u", label, i);
            thread_row(f, t, form, colour, name, &f->worker[i], f->writer_depth, f->cpu_depth);
        }
        return;
    }
    put(t, "  %-12s", f->lock_view ? "tasks" : "workers");
    for (int w = LIVE_IDLE; w < LIVE_WHAT_COUNT; w++) {
        unsigned n = count_workers(f, (enum live_what)w);
        if (n == 0)
            continue;
        char what[96];
        struct live_thread th = { (enum live_what)w, 0 };
        live_view_describe(f, &th, full(f, f->writer_depth), f->queues && f->cpu_depth == 0,
                           what, sizeof what);
        char *paren = strstr(what, " (chunk"); /* counted: no chunk number */
        char *chunk = strstr(what, " chunk");
        if (paren != NULL)
            *paren = '\0';
        else if (chunk != NULL)
            *chunk = '\0';
        put(t, " %u %s;", n, what);
    }
    end_row(t, form);
}

static void lock_rows(const struct live_frame *f, struct live_text *t, enum live_form form)
{
    int holder = -1;
    for (unsigned i = 0; i < f->workers; i++)
        if (f->worker[i].what == LIVE_WRITING)
            holder = (int)i;
    put(t, "  %-12s %u tasks waiting for a permit", "semaphore", count_workers(f, LIVE_WAIT_PERMIT));
    end_row(t, form);
    if (holder >= 0)
        put(t, "  %-12s held by task %d, %u waiting for it", "writer lock", holder,
            count_workers(f, LIVE_WAIT_LOCK));
    else
        put(t, "  %-12s free, %u waiting for it", "writer lock", count_workers(f, LIVE_WAIT_LOCK));
    end_row(t, form);
}

static void sparkline(const struct live_frame *f, struct live_text *t)
{
    static const char *const level[] = { "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                         "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                         "\xe2\x96\x87", "\xe2\x96\x88" };
    double top = 0;
    for (unsigned i = 0; i < f->spark_count; i++)
        top = f->spark[i] > top ? f->spark[i] : top;
    for (unsigned i = 0; i < f->spark_count; i++)
        put(t, "%s", level[top > 0 ? (int)(f->spark[i] / top * 7.0 + 0.5) : 0]);
}

static void totals_rows(const struct live_frame *f, struct live_text *t, enum live_form form)
{
    put(t, "  %-12s %lld chunks", "in flight", (long long)f->inflight_chunks);
    if (f->inflight_bytes >= 0)
        put(t, ", %.1f MiB", (double)f->inflight_bytes / 1048576.0);
    if (f->inflight_bound >= 0)
        put(t, " (bound %lld chunks)", (long long)f->inflight_bound);
    else if (f->inflight_bound == -1)
        put(t, " (no bound)");
    if (f->rss_kb >= 0)
        put(t, "   RSS %.1f MiB", (double)f->rss_kb / 1024.0);
    end_row(t, form);
    if (f->ordered) {
        put(t, "  %-12s %llu/%llu chunks in the window, %llu parked out of order", "reorder",
            (unsigned long long)f->in_window, (unsigned long long)f->window,
            (unsigned long long)f->parked);
        end_row(t, form);
    }
    double eta = f->rate > 0 ? (f->total - f->done) / f->rate : 0;
    put(t, "  %-12s %.1f %s/s ", "rate", f->rate, f->unit);
    sparkline(f, t);
    end_row(t, form);
    put(t, "  %-12s %.1f s   written %.1f / %.1f %s   ETA %.0f s", "elapsed", f->elapsed_s,
        f->done, f->total, f->unit, eta);
    end_row(t, form);
}

static void plain_line(const struct live_frame *f, struct live_text *t)
{
    char r[96], w[96];
    live_view_describe(f, &f->reader, full(f, f->cpu_depth), false, r, sizeof r);
    live_view_describe(f, &f->writer, false, f->queues && f->writer_depth == 0, w, sizeof w);
    put(t, "%s %.1fs backend=%s reader=\"%s\"", f->title, f->elapsed_s, f->backend, r);
    if (f->queues && f->capacity)
        put(t, " cpu_queue=%zu/%zu writer_queue=%zu/%zu", f->cpu_depth, f->capacity, f->writer_depth,
            f->capacity);
    else if (f->queues)
        put(t, " cpu_queue=%zu writer_queue=%zu", f->cpu_depth, f->writer_depth);
    put(t, " running=%u blocked_sending=%u", count_workers(f, LIVE_RUNNING),
        full(f, f->writer_depth) ? count_workers(f, LIVE_SENDING) : 0);
    if (f->lock_view)
        put(t, " permit_waiters=%u lock_waiters=%u", count_workers(f, LIVE_WAIT_PERMIT),
            count_workers(f, LIVE_WAIT_LOCK));
    if (f->ordered)
        put(t, " window=%llu/%llu parked=%llu", (unsigned long long)f->in_window,
            (unsigned long long)f->window, (unsigned long long)f->parked);
    put(t, " writer=\"%s\" in_flight=%lld rate=%.1f%s/s written=%.1f/%.1f%s", w,
        (long long)f->inflight_chunks, f->rate, f->unit, f->done, f->total, f->unit);
    if (f->rss_kb >= 0)
        put(t, " rss_kib=%ld", f->rss_kb);
    t->lines++;
    put(t, "\n");
}

/* The rows live_view_draw writes: title, reader, the queues, the workers
 * (one row each, or one counted row), writer, the lock, totals, footer. */
unsigned live_view_rows(const struct live_frame *f, enum live_form form)
{
    if (form == LIVE_PLAIN)
        return 1;
    unsigned workers = form == LIVE_FULL ? f->workers : 1;
    return 1 + 1 + (f->queues ? 2 : 0) + workers + 1 + (f->lock_view ? 2 : 0) + 3 +
           (f->ordered ? 1 : 0) + (f->footer ? 1 : 0);
}

void live_view_draw(const struct live_frame *f, enum live_form form, bool colour,
                    struct live_text *t)
{
    t->lines = 0;
    t->row_start = t->len;
    if (form == LIVE_PLAIN) {
        plain_line(f, t);
        return;
    }
    put(t, "pipelab %s: backend %s", f->title, f->backend);
    end_row(t, form);
    thread_row(f, t, form, colour, "reader", &f->reader, f->cpu_depth, 1);
    if (f->queues)
        queue_row(f, t, form, colour, "cpu_queue", f->cpu_depth,
                  full(f, f->cpu_depth) && f->reader.what == LIVE_SENDING,
                  f->cpu_depth == 0 ? count_workers(f, LIVE_RECEIVING) : 0);
    worker_rows(f, t, form, colour);
    if (f->queues)
        queue_row(f, t, form, colour, "writer_queue", f->writer_depth,
                  full(f, f->writer_depth) ? count_workers(f, LIVE_SENDING) : 0,
                  f->writer_depth == 0 && f->writer.what == LIVE_RECEIVING);
    thread_row(f, t, form, colour, "writer", &f->writer, 0, f->writer_depth);
    if (f->lock_view)
        lock_rows(f, t, form);
    totals_rows(f, t, form);
    if (f->footer != NULL) {
        put(t, "  %s", f->footer);
        end_row(t, form);
    }
}

void live_view_push_rate(struct live_frame *f, double rate)
{
    if (f->spark_count == LIVE_SPARK) {
        memmove(f->spark, f->spark + 1, (LIVE_SPARK - 1) * sizeof f->spark[0]);
        f->spark_count--;
    }
    f->spark[f->spark_count++] = rate;
}
