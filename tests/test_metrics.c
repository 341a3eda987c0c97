/*
 * test_metrics.c — the figures a run reports must agree with each other.
 *
 * Two independent paths measure the same queue: the channel integrates its
 * length over time (depth_area_ns), and every dequeued item reports its own
 * wait to a histogram. Little's law ties them: mean depth = arrival rate x
 * mean wait. If the two disagree, one of them is wrong. Counts must also be
 * conserved from stage to stage, and bytes must add up.
 *
 * Each worker records into its own slot (metrics.h): every sample a worker
 * takes must be in its slot, one per chunk it processed, and the totals the
 * report prints must be exactly the slots added up.
 */
#include "testutil.h"

#include "backend.h"
#include "gen.h"
#include "job.h"
#include "keys.h"

#include <sodium.h>

static char input[300], output[300], metrics_path[300];

static void make_input(const char *dir, size_t size)
{
    snprintf(input, sizeof input, "%s/in", dir);
    snprintf(output, sizeof output, "%s/out", dir);
    snprintf(metrics_path, sizeof metrics_path, "%s/metrics.json", dir);
    struct gen *g = gen_new(GEN_TEXT, 7);
    uint8_t *buf = malloc(size);
    assert_non_null(g);
    assert_non_null(buf);
    gen_fill(g, buf, size);
    FILE *f = fopen(input, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
    free(buf);
    gen_free(g);
}

/* A steady run: a slow stage keeps the queue busy for the whole run. */
static void run_backend(struct options *o, struct job *job, const char *backend)
{
    options_defaults(o);
    o->in = input;
    o->out = output;
    o->backend = backend;
    o->stages = "compress";
    o->level = 1;
    o->chunk_size = 16 << 10;
    o->workers = 2;
    o->channel_depth = 8;
    o->stage_cost_us = 500;
    o->metrics = "json";
    o->metrics_out = metrics_path;  /* a file: outputs never replace a device */
    o->force = true;                /* each test replaces the previous one's files */
    assert_int_equal(job_open(job, o, backend_for_job(backend_find(backend))), 0);
    assert_int_equal(job_run(job), 0);
}

static void run_bounded(struct options *o, struct job *job)
{
    run_backend(o, job, "bounded");
}

static void assert_close(double a, double b, double tolerance)
{
    double diff = a > b ? a - b : b - a;
    double scale = a > b ? a : b;
    if (diff > tolerance * scale)
        fail_msg("%.6g and %.6g differ by more than %.0f%%", a, b, tolerance * 100);
}

static void test_littles_law(void **state)
{
    (void)state;
    test_watchdog(60);
    make_input(test_tmpdir(), 4 << 20);
    struct options o;
    struct job job;
    run_bounded(&o, &job);
    const struct metrics_queue *q = &job.metrics->cpu_queue;
    double elapsed = (double)q->stats.elapsed_ns;
    double mean_depth = (double)q->stats.depth_area_ns / elapsed;
    double arrival_rate = (double)q->stats.received / elapsed;       /* items per ns */
    double mean_wait = hist_mean(&q->wait);                           /* ns, from the observer */
    assert_true(mean_depth > 0.5);  /* the queue really was in use */
    assert_close(mean_depth, arrival_rate * mean_wait, 0.15);
    job_close(&job);
}

static void test_counts_and_bytes_add_up(void **state)
{
    (void)state;
    test_watchdog(60);
    make_input(test_tmpdir(), (4 << 20) + 123);
    struct options o;
    struct job job;
    run_bounded(&o, &job);
    struct metrics *m = job.metrics;
    uint64_t chunks = ((4u << 20) + 123 + o.chunk_size - 1) / o.chunk_size;
    assert_int_equal(m->chunks, chunks);
    assert_int_equal(m->cpu_queue.stats.sent, chunks);
    assert_int_equal(m->cpu_queue.stats.received, chunks);
    assert_int_equal(m->writer_queue.stats.sent, chunks);
    assert_int_equal(m->writer_queue.stats.received, chunks);
    uint64_t processed = 0;
    for (unsigned i = 0; i < m->workers; i++)
        processed += m->slot[i].chunks;
    assert_int_equal(processed, chunks);
    assert_int_equal(m->bytes_in, (4u << 20) + 123);
    assert_int_equal(atomic_load(&job.bytes_read), m->bytes_in);
    assert_int_equal(atomic_load(&job.bytes_written), m->bytes_in);
    assert_int_equal(hist_count(&m->cpu_token_wait), chunks);
    assert_int_equal(atomic_load(&job.inflight.chunks), 0);
    assert_true(m->peak_chunks >= 1);
    job_close(&job);
}

/* Samples of histogram h in every slot, added up. */
static uint64_t slots_count(const struct metrics *m, enum metrics_hist h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->workers; i++)
        n += hist_count(&m->slot[i].hist[h]);
    return n;
}

static uint64_t slots_sum(const struct metrics *m, enum metrics_hist h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->workers; i++)
        n += hist_sum(&m->slot[i].hist[h]);
    return n;
}

/* Every slot holds one sample per chunk its worker processed of each
 * histogram in want[], and each total is the sum of the slots. */
static void assert_slots_add_up(const struct metrics *m, const enum metrics_hist *want,
                                int nwant, const struct histogram *const *total)
{
    for (unsigned i = 0; i < m->workers; i++)
        for (int k = 0; k < nwant; k++)
            if (hist_count(&m->slot[i].hist[want[k]]) != m->slot[i].chunks)
                fail_msg("worker %u processed %llu chunks but its slot holds %llu samples "
                         "of histogram %d", i, (unsigned long long)m->slot[i].chunks,
                         (unsigned long long)hist_count(&m->slot[i].hist[want[k]]), want[k]);
    for (int k = 0; k < nwant; k++) {
        assert_int_equal(hist_count(total[k]), slots_count(m, want[k]));
        assert_int_equal(hist_sum(total[k]), slots_sum(m, want[k]));
    }
}

static void test_workers_record_in_their_slots(void **state)
{
    (void)state;
    test_watchdog(60);
    make_input(test_tmpdir(), 1 << 20);
    static const char *const channel_backends[] = { "bounded", "lockfree" };
    for (size_t b = 0; b < 2; b++) {
        struct options o;
        struct job job;
        run_backend(&o, &job, channel_backends[b]);
        struct metrics *m = job.metrics;
        /* Token wait on pickup, and queue wait as cpu_queue's receiver (the
         * channel's observer, through the thread's named slot). */
        const enum metrics_hist want[] = { METRICS_CPU_TOKEN_WAIT, METRICS_CPU_QUEUE_WAIT };
        const struct histogram *const total[] = { &m->cpu_token_wait, &m->cpu_queue.wait };
        assert_slots_add_up(m, want, 2, total);
        assert_int_equal(hist_count(&m->cpu_queue.wait), m->chunks);
        job_close(&job);
    }
    struct options o;
    struct job job;
    run_backend(&o, &job, "mutex");
    struct metrics *m = job.metrics;
    const enum metrics_hist want[] = { METRICS_CPU_TOKEN_WAIT, METRICS_SEMAPHORE_WAIT,
                                       METRICS_LOCK_WAIT, METRICS_LOCK_HOLD };
    const struct histogram *const total[] = { &m->cpu_token_wait, &m->semaphore_wait,
                                              &m->lock_wait, &m->lock_hold };
    assert_slots_add_up(m, want, 4, total);
    assert_int_equal(hist_count(&m->lock_hold), m->chunks);
    job_close(&job);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_littles_law),
        cmocka_unit_test(test_counts_and_bytes_add_up),
        cmocka_unit_test(test_workers_record_in_their_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
