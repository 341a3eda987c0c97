/*
 * test_metrics.c — the figures a run reports must agree with each other.
 *
 * Two independent paths measure the same queue: the channel integrates its
 * length over time (depth_area_ns), and every dequeued item reports its own
 * wait to a histogram. Little's law ties them: mean depth = arrival rate x
 * mean wait. If the two disagree, one of them is wrong. Counts must also be
 * conserved from stage to stage, and bytes must add up.
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
static void run_bounded(struct options *o, struct job *job)
{
    options_defaults(o);
    o->in = input;
    o->out = output;
    o->backend = "bounded";
    o->stages = "compress";
    o->level = 1;
    o->chunk_size = 16 << 10;
    o->workers = 2;
    o->channel_depth = 8;
    o->stage_cost_us = 500;
    o->metrics = "json";
    o->metrics_out = metrics_path;  /* a file: outputs never replace a device */
    o->force = true;                /* each test replaces the previous one's files */
    assert_int_equal(job_open(job, o, backend_for_job(backend_find("bounded"))), 0);
    assert_int_equal(job_run(job), 0);
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
        processed += m->worker[i].chunks;
    assert_int_equal(processed, chunks);
    assert_int_equal(m->bytes_in, (4u << 20) + 123);
    assert_int_equal(atomic_load(&job.bytes_read), m->bytes_in);
    assert_int_equal(atomic_load(&job.bytes_written), m->bytes_in);
    assert_int_equal(hist_count(&m->cpu_token_wait), chunks);
    assert_int_equal(atomic_load(&job.inflight.chunks), 0);
    assert_true(m->peak_chunks >= 1);
    job_close(&job);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_littles_law),
        cmocka_unit_test(test_counts_and_bytes_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
