/*
 * metrics.c — collecting and printing a run's figures. See metrics.h.
 */
#include "metrics.h"
#include "util.h"
#include "xthread.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Slots for the worker threads, counters zeroed; their histograms wait for
 * metrics_slot_open. aligned_alloc keeps the cache-line alignment the struct
 * asks for (malloc gives only 16) and wants a size that is a multiple of it,
 * which sizeof a 64-aligned struct is. Owned by m. */
static void metrics_make_slots(struct metrics *m, unsigned workers)
{
    unsigned n = workers ? workers : 1;
    m->workers = workers;
    m->slot = aligned_alloc(_Alignof(struct metrics_slot), n * sizeof *m->slot);
    if (m->slot == NULL)
        die_oom();
    for (unsigned i = 0; i < n; i++) {
        m->slot[i].chunks = 0;
        m->slot[i].busy_ns = 0;
        m->slot[i].owner = m;
    }
}

static void metrics_queue_init(struct metrics *m, struct metrics_queue *q, int slot_hist)
{
    hist_init(&q->wait);
    q->metrics = m;
    q->slot_hist = slot_hist;
}

struct metrics *metrics_new(const char *backend, unsigned workers)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    m->backend = backend;
    xmutex_init(&m->live_lock);
    hist_init(&m->cpu_token_wait);
    hist_init(&m->semaphore_wait);
    hist_init(&m->lock_wait);
    hist_init(&m->lock_hold);
    /* Every worker receives from cpu_queue; only the writer from writer_queue. */
    metrics_queue_init(m, &m->cpu_queue, METRICS_CPU_QUEUE_WAIT);
    metrics_queue_init(m, &m->writer_queue, -1);
    metrics_make_slots(m, workers);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    xmutex_destroy(&m->live_lock);
    free(m->slot);
    free(m);
}

void metrics_set_workers(struct metrics *m, unsigned workers)
{
    free(m->slot);
    metrics_make_slots(m, workers);
}

/* ---- recording ---------------------------------------------------------- */

struct metrics_slot *metrics_slot_open(struct metrics *m, unsigned id)
{
    if (id >= m->workers)
        return NULL;
    struct metrics_slot *s = &m->slot[id];
    /* Only when on: 5 histograms are some 40 KB a worker, which --metrics
     * none would pay in memory (and peak RSS) for nothing. */
    if (m->enabled)
        for (int h = 0; h < METRICS_SLOT_HISTS; h++)
            hist_init(&s->hist[h]);
    return s;
}

static struct histogram *metrics_total(struct metrics *m, enum metrics_hist h)
{
    switch (h) {
    case METRICS_CPU_TOKEN_WAIT: return &m->cpu_token_wait;
    case METRICS_SEMAPHORE_WAIT: return &m->semaphore_wait;
    case METRICS_LOCK_WAIT:      return &m->lock_wait;
    case METRICS_LOCK_HOLD:      return &m->lock_hold;
    case METRICS_CPU_QUEUE_WAIT: return &m->cpu_queue.wait;
    case METRICS_SLOT_HISTS:     break;
    }
    return NULL;
}

void metrics_slot_fold(struct metrics *m, struct metrics_slot *slot)
{
    if (slot == NULL || !m->enabled)
        return;
    for (int h = 0; h < METRICS_SLOT_HISTS; h++)
        hist_merge(metrics_total(m, (enum metrics_hist)h), &slot->hist[h]);
}

struct histogram *metrics_hist(struct metrics *m, struct metrics_slot *slot,
                               enum metrics_hist h)
{
    if (!m->enabled)
        return NULL;
    return slot != NULL ? &slot->hist[h] : metrics_total(m, h);
}

void metrics_record(struct metrics *m, struct metrics_slot *slot, enum metrics_hist h,
                    uint64_t value)
{
    struct histogram *into = metrics_hist(m, slot, h);
    if (into != NULL)
        hist_record(into, value);
}

/* The calling thread's slot, if it named one: each thread has its own copy
 * of this variable (C11 _Thread_local), so it needs no synchronisation. */
static _Thread_local struct metrics_slot *metrics_this_thread;

void metrics_thread_slot(struct metrics_slot *slot)
{
    metrics_this_thread = slot;
}

void metrics_queue_wait(void *queue, uint64_t wait_ns)
{
    struct metrics_queue *q = queue;
    struct metrics_slot *s = metrics_this_thread;
    /* A slot of another run (a thread that forgot to clear it) never counts here. */
    if (q->slot_hist >= 0 && s != NULL && s->owner == q->metrics)
        hist_record(&s->hist[q->slot_hist], wait_ns);
    else
        hist_record(&q->wait, wait_ns);
}

/* ---- channels ----------------------------------------------------------- */

void metrics_queue_attach(struct metrics *m, struct metrics_queue *q, struct channel *ch)
{
    q->used = true;
    q->capacity = channel_capacity(ch);
    if (m->enabled)
        channel_set_wait_observer(ch, metrics_queue_wait, q);
    xmutex_lock(&m->live_lock);
    q->live = ch;
    xmutex_unlock(&m->live_lock);
}

void metrics_queue_snapshot(struct metrics *m, struct metrics_queue *q, struct channel *ch)
{
    xmutex_lock(&m->live_lock);
    q->live = NULL;
    xmutex_unlock(&m->live_lock);
    channel_stats(ch, &q->stats);
    q->depth_at_end = channel_len(ch);
}

size_t metrics_queue_depth_now(struct metrics *m, struct metrics_queue *q)
{
    xmutex_lock(&m->live_lock);
    size_t depth = q->live != NULL ? channel_len(q->live) : 0;
    xmutex_unlock(&m->live_lock);
    return depth;
}

bool metrics_queue_now(struct metrics *m, struct metrics_queue *q, size_t *depth,
                       size_t *capacity)
{
    xmutex_lock(&m->live_lock);
    bool live = q->live != NULL;
    if (live) {
        *depth = channel_len(q->live);
        *capacity = channel_capacity(q->live);
    }
    xmutex_unlock(&m->live_lock);
    return live;
}

long metrics_peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss; /* KiB on Linux */
}

/* ---- derived figures ------------------------------------------------- */

static double metrics_seconds(const struct metrics *m)
{
    return (double)(m->end_ns - m->start_ns) / 1e9;
}

static double metrics_mb_per_s(const struct metrics *m)
{
    double s = metrics_seconds(m);
    return s > 0 ? (double)m->bytes_in / 1e6 / s : 0.0;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static double queue_mean_depth(const struct metrics_queue *q)
{
    return q->stats.elapsed_ns ? (double)q->stats.depth_area_ns / (double)q->stats.elapsed_ns : 0.0;
}

/* One named figure, printed by each format in its own way. A name is made
 * where its value is added ("cpu_queue" + "wait_p99"), so the two cannot
 * drift apart. */
struct figure {
    char name[48];
    const char *unit;
    double value;
};

#define FIGURES_MAX 128

/* Add the figure group_name (or just name, with group ""). */
static int figure_add_in(struct figure *f, int n, const char *group, const char *name,
                         const char *unit, double v)
{
    if (n >= FIGURES_MAX)
        return n;
    snprintf(f[n].name, sizeof f[n].name, "%s%s%s", group, group[0] ? "_" : "", name);
    f[n].unit = unit;
    f[n].value = v;
    return n + 1;
}

static int figure_add(struct figure *f, int n, const char *name, const char *unit, double v)
{
    return figure_add_in(f, n, "", name, unit, v);
}

/* group_p50, group_p90, group_p99, group_max, group_total. */
static int figures_hist(struct figure *f, int n, const char *group, const struct histogram *h)
{
    n = figure_add_in(f, n, group, "p50", "ms", ms(hist_percentile(h, 0.50)));
    n = figure_add_in(f, n, group, "p90", "ms", ms(hist_percentile(h, 0.90)));
    n = figure_add_in(f, n, group, "p99", "ms", ms(hist_percentile(h, 0.99)));
    n = figure_add_in(f, n, group, "max", "ms", ms(hist_max(h)));
    n = figure_add_in(f, n, group, "total", "ms", ms(hist_sum(h)));
    return n;
}

static int figures_queue(struct figure *f, int n, const char *group,
                         const struct metrics_queue *q)
{
    char wait[32];
    n = figure_add_in(f, n, group, "capacity", "items", (double)q->capacity);
    n = figure_add_in(f, n, group, "depth", "items", (double)q->depth_at_end);
    n = figure_add_in(f, n, group, "depth_max", "items", (double)q->stats.depth_max);
    n = figure_add_in(f, n, group, "depth_mean", "items", queue_mean_depth(q));
    n = figure_add_in(f, n, group, "send_blocked", "ms", ms(q->stats.send_blocked_ns));
    n = figure_add_in(f, n, group, "recv_starved", "ms", ms(q->stats.recv_starved_ns));
    n = figure_add_in(f, n, group, "wait_mean", "ms", hist_mean(&q->wait) / 1e6);
    snprintf(wait, sizeof wait, "%s_wait", group);
    return figures_hist(f, n, wait, &q->wait);
}

static double metrics_busy_ms(const struct metrics *m)
{
    uint64_t busy = 0;
    for (unsigned i = 0; i < m->workers; i++)
        busy += m->slot[i].busy_ns;
    return ms(busy);
}

static int metrics_figures(const struct metrics *m, struct figure *f)
{
    int n = 0;
    n = figure_add(f, n, "wall_time", "s", metrics_seconds(m));
    n = figure_add(f, n, "bytes_in", "B", (double)m->bytes_in);
    n = figure_add(f, n, "bytes_out", "B", (double)m->bytes_out);
    n = figure_add(f, n, "ratio", "x", m->bytes_out ? (double)m->bytes_in / (double)m->bytes_out : 0);
    n = figure_add(f, n, "throughput", "MB/s", metrics_mb_per_s(m));
    n = figure_add(f, n, "chunks", "", (double)m->chunks);
    n = figure_add(f, n, "peak_rss", "KiB", (double)m->peak_rss_kb);
    n = figure_add(f, n, "peak_chunks_in_flight", "chunks", (double)m->peak_chunks);
    n = figure_add(f, n, "peak_bytes_in_flight", "B", (double)m->peak_bytes);
    n = figures_queue(f, n, "cpu_queue", &m->cpu_queue);
    n = figures_queue(f, n, "writer_queue", &m->writer_queue);
    n = figures_hist(f, n, "cpu_token_wait", &m->cpu_token_wait);
    n = figures_hist(f, n, "semaphore_wait", &m->semaphore_wait);
    n = figures_hist(f, n, "lock_wait", &m->lock_wait);
    n = figures_hist(f, n, "lock_hold", &m->lock_hold);
    n = figure_add(f, n, "workers", "", (double)m->workers);
    n = figure_add(f, n, "worker_busy_total", "ms", metrics_busy_ms(m));
    return n;
}

/* ---- output formats -------------------------------------------------- */

static void metrics_print_workers_table(const struct metrics *m, FILE *out)
{
    for (unsigned i = 0; i < m->workers; i++)
        fprintf(out, "  worker %-3u  %8llu chunks  %10.1f ms busy\n", i,
                (unsigned long long)m->slot[i].chunks, ms(m->slot[i].busy_ns));
}

int metrics_report(const struct metrics *m, const char *format, FILE *out)
{
    struct figure f[FIGURES_MAX];
    int n = metrics_figures(m, f);
    if (strcmp(format, "table") == 0) {
        fprintf(out, "backend %s\n", m->backend);
        for (int i = 0; i < n; i++) /* counts as integers, times with decimals */
            fprintf(out, "  %-28s %14.*f %s\n", f[i].name,
                    floor(f[i].value) == f[i].value && fabs(f[i].value) < 1e15 ? 0 : 3,
                    f[i].value, f[i].unit);
        metrics_print_workers_table(m, out);
    } else if (strcmp(format, "csv") == 0) {
        metrics_csv_header(out);
        fprintf(out, "%s", m->backend);
        for (int i = 0; i < n; i++)
            fprintf(out, ",%.9g", f[i].value);
        fprintf(out, "\n");
    } else if (strcmp(format, "json") == 0) {
        fprintf(out, "{\n  \"backend\": \"%s\",\n", m->backend);
        for (int i = 0; i < n; i++)
            fprintf(out, "  \"%s\": {\"value\": %.9g, \"unit\": \"%s\"},\n", f[i].name, f[i].value, f[i].unit);
        fprintf(out, "  \"per_worker\": [");
        for (unsigned i = 0; i < m->workers; i++)
            fprintf(out, "%s{\"chunks\": %llu, \"busy_ms\": %.3f}", i ? ", " : "",
                    (unsigned long long)m->slot[i].chunks, ms(m->slot[i].busy_ns));
        fprintf(out, "]\n}\n");
    } else {
        return -1;
    }
    return 0;
}

/* CSV column names carry their unit: throughput_mb_s, peak_rss_kib, ... */
static void metrics_csv_name(const struct figure *f, FILE *out)
{
    fprintf(out, ",%s", f->name);
    if (f->unit[0] == '\0')
        return;
    fputc('_', out);
    for (const char *u = f->unit; *u; u++)
        fputc(*u == '/' ? '_' : (*u >= 'A' && *u <= 'Z' ? *u - 'A' + 'a' : *u), out);
}

void metrics_csv_header(FILE *out)
{
    struct metrics *empty = metrics_new("", 0);
    struct figure f[FIGURES_MAX];
    int n = metrics_figures(empty, f);
    fprintf(out, "backend");
    for (int i = 0; i < n; i++)
        metrics_csv_name(&f[i], out);
    fprintf(out, "\n");
    metrics_free(empty);
}

int metrics_format_valid(const char *format)
{
    return strcmp(format, "none") == 0 || strcmp(format, "table") == 0 ||
           strcmp(format, "csv") == 0 || strcmp(format, "json") == 0;
}
