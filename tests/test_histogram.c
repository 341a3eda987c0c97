/*
 * test_histogram.c — the log-bucketed latency histogram (histogram.h).
 *
 * Three promises are checked:
 *   1. buckets tile the whole uint64 range: every value lies in [low, high] of
 *      its own bucket, neighbouring buckets touch, and above the exact range
 *      (32) a bucket is at most 1/16 of its lowest value wide;
 *   2. percentiles read back from known distributions land within 4% of the
 *      true value, and count, sum and max are exact;
 *   3. recording from several threads at once loses nothing;
 *   4. merging per-thread histograms gives exactly the histogram one shared
 *      histogram would have held (the metrics depend on it: metrics.h).
 */
#include "testutil.h"

#include <pthread.h>

#include "histogram.h"

/* A small deterministic PRNG (splitmix64): the same values on every run. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static struct histogram *hist_new(void)
{
    struct histogram *h = malloc(sizeof *h);
    assert_non_null(h);
    hist_init(h);
    return h;
}

/* v lies in its bucket, and the bucket is narrow enough. */
static void check_value(uint64_t v)
{
    int b = hist_bucket_of(v);
    if (b < 0 || b >= HIST_BUCKETS)
        fail_msg("value %llu -> bucket %d, outside 0..%d", (unsigned long long)v, b,
                 HIST_BUCKETS - 1);
    uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
    if (v < lo || v > hi)
        fail_msg("value %llu -> bucket %d = [%llu, %llu], which does not hold it",
                 (unsigned long long)v, b, (unsigned long long)lo, (unsigned long long)hi);
    if (v < HIST_LINEAR) {
        if (lo != v || hi != v)
            fail_msg("value %llu below %d is not exact", (unsigned long long)v, HIST_LINEAR);
        return;
    }
    /* (values in the bucket) / low <= 1/16; values <= 2^59, so no overflow */
    uint64_t values = hi - lo + 1;
    if (values * 16 > lo)
        fail_msg("bucket %d = [%llu, %llu] is wider than 1/16 of its low end", b,
                 (unsigned long long)lo, (unsigned long long)hi);
}

/* ---- 1. buckets -------------------------------------------------------- */

static void test_small_values_exact(void **state)
{
    (void)state;
    test_watchdog(10);
    for (uint64_t v = 0; v < HIST_LINEAR; v++) {
        assert_int_equal(hist_bucket_of(v), (int)v);
        assert_int_equal(hist_bucket_low((int)v), v);
        assert_int_equal(hist_bucket_high((int)v), v);
    }
}

static void test_every_value_in_its_bucket(void **state)
{
    (void)state;
    test_watchdog(30);
    /* Every value up to a million. */
    for (uint64_t v = 0; v <= 1000000; v++)
        check_value(v);
    /* Around every power of two, where the bucket arithmetic changes. */
    for (int k = 0; k < 64; k++) {
        uint64_t p = UINT64_C(1) << k;
        for (uint64_t d = 0; d <= 3; d++) {
            check_value(p + d);
            if (p > d)
                check_value(p - d);
        }
    }
    check_value(UINT64_MAX);
    check_value(UINT64_MAX - 1);
    /* A million random values of every magnitude. */
    uint64_t s = 42;
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = rng_next(&s);
        check_value(r >> (r & 63));
    }
}

static void test_buckets_tile_the_range(void **state)
{
    (void)state;
    test_watchdog(10);
    assert_int_equal(hist_bucket_low(0), 0);
    assert_int_equal(hist_bucket_of(0), 0);
    assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
    assert_true(hist_bucket_high(HIST_BUCKETS - 1) == UINT64_MAX);
    for (int b = 0; b < HIST_BUCKETS; b++) {
        uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
        if (lo > hi)
            fail_msg("bucket %d: low %llu > high %llu", b, (unsigned long long)lo,
                     (unsigned long long)hi);
        /* Both ends map back to the bucket itself. */
        assert_int_equal(hist_bucket_of(lo), b);
        assert_int_equal(hist_bucket_of(hi), b);
        /* No gap and no overlap with the next bucket. */
        if (b + 1 < HIST_BUCKETS && hist_bucket_low(b + 1) != hi + 1)
            fail_msg("bucket %d ends at %llu but bucket %d starts at %llu", b,
                     (unsigned long long)hi, b + 1,
                     (unsigned long long)hist_bucket_low(b + 1));
        /* Relative width at most 1/16 above the exact range. hi - lo + 1
         * cannot overflow: only a bucket [0, UINT64_MAX] would. */
        if (b >= HIST_LINEAR && (hi - lo + 1) * 16 > lo)
            fail_msg("bucket %d = [%llu, %llu] is wider than 1/16 of %llu", b,
                     (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)lo);
    }
}

/* ---- 2. statistics ----------------------------------------------------- */

static void assert_within(uint64_t got, double want, double rel, const char *what)
{
    double err = ((double)got - want) / want;
    if (err < -rel || err > rel)
        fail_msg("%s: got %llu, want %.0f (error %.2f%%, allowed %.1f%%)", what,
                 (unsigned long long)got, want, 100 * err, 100 * rel);
}

static void test_empty(void **state)
{
    (void)state;
    test_watchdog(10);
    struct histogram *h = hist_new();
    assert_int_equal(hist_count(h), 0);
    assert_int_equal(hist_sum(h), 0);
    assert_int_equal(hist_max(h), 0);
    assert_true(hist_mean(h) == 0.0);
    assert_int_equal(hist_percentile(h, 0.5), 0);
    assert_int_equal(hist_percentile(h, 0.99), 0);
    assert_int_equal(hist_percentile(h, 1.0), 0);
    free(h);
}

static void test_uniform_1_to_100000(void **state)
{
    (void)state;
    test_watchdog(10);
    struct histogram *h = hist_new();
    /* Record in a scrambled order: the result must not depend on it. */
    for (uint64_t i = 0; i < 100000; i++)
        hist_record(h, (i * 7919) % 100000 + 1);
    assert_int_equal(hist_count(h), 100000);
    assert_int_equal(hist_sum(h), UINT64_C(5000050000));
    assert_int_equal(hist_max(h), 100000);
    assert_true(hist_mean(h) > 50000.49 && hist_mean(h) < 50000.51);
    static const double ps[] = { 0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999 };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "p%g", 100 * ps[i]);
        assert_within(hist_percentile(h, ps[i]), ps[i] * 100000, 0.04, what);
    }
    assert_int_equal(hist_percentile(h, 1.0), 100000);
    /* The lowest percentile is the smallest value, 1 (exact below 32). */
    assert_int_equal(hist_percentile(h, 0.0), 1);
    free(h);
}

static void test_constant(void **state)
{
    (void)state;
    test_watchdog(10);
    static const uint64_t values[] = { 0, 1, 31, 32, 33, 1000, 123456789, UINT64_C(1) << 40 };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct histogram *h = hist_new();
        for (int n = 0; n < 1000; n++)
            hist_record(h, values[i]);
        assert_int_equal(hist_count(h), 1000);
        assert_int_equal(hist_max(h), values[i]);
        assert_true(hist_sum(h) == 1000 * values[i]);
        /* Every percentile is that value, within the bucket's 4%; and a
         * percentile is never above the max actually recorded. */
        for (int p = 0; p <= 100; p += 10) {
            uint64_t got = hist_percentile(h, p / 100.0);
            assert_true(got <= values[i]);
            if (values[i] == 0)
                assert_int_equal(got, 0);
            else
                assert_within(got, (double)values[i], 0.04, "constant");
        }
        free(h);
    }
}

/* 90% fast (about 100 ns), 10% slow (about 1 ms): the tail must show. */
static void test_two_modes(void **state)
{
    (void)state;
    test_watchdog(10);
    struct histogram *h = hist_new();
    uint64_t s = 7, sum = 0, max = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = i % 10 == 9 ? 1000000 + rng_next(&s) % 1000 : 100 + rng_next(&s) % 4;
        hist_record(h, v);
        sum += v;
        max = v > max ? v : max;
    }
    assert_int_equal(hist_count(h), 100000);
    assert_int_equal(hist_sum(h), sum);
    assert_int_equal(hist_max(h), max);
    assert_within(hist_percentile(h, 0.50), 101.5, 0.04, "p50");
    assert_within(hist_percentile(h, 0.89), 101.5, 0.04, "p89");
    assert_within(hist_percentile(h, 0.91), 1000500, 0.04, "p91");
    assert_within(hist_percentile(h, 0.99), 1000500, 0.04, "p99");
    assert_int_equal(hist_percentile(h, 1.0), max);
    free(h);
}

/* Values spread over nine decades, log-uniform: each percentile against the
 * exact one from the sorted values. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_log_uniform_against_sorted(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    assert_non_null(v);
    struct histogram *h = hist_new();
    uint64_t s = 99;
    for (int i = 0; i < N; i++) {
        uint64_t r = rng_next(&s);
        v[i] = 1000 + (r % (UINT64_C(1) << (10 + r % 30)));
        hist_record(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    static const double ps[] = { 0.05, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        uint64_t exact = v[(size_t)(ps[i] * N)];
        char what[32];
        snprintf(what, sizeof what, "p%g", 100 * ps[i]);
        assert_within(hist_percentile(h, ps[i]), (double)exact, 0.04, what);
    }
    assert_int_equal(hist_max(h), v[N - 1]);
    assert_int_equal(hist_percentile(h, 1.0), v[N - 1]);
    free(v);
    free(h);
}

/* ---- 3. threads -------------------------------------------------------- */

enum { THREADS = 4, PER_THREAD = 250000 };

struct recorder {
    struct histogram *h;
    uint64_t first;    /* this thread records first, first + 1, ... */
};

static void *record_many(void *arg)
{
    struct recorder *r = arg;
    for (uint64_t i = 0; i < PER_THREAD; i++)
        hist_record(r->h, r->first + i);
    return NULL;
}

static void test_concurrent_record(void **state)
{
    (void)state;
    test_watchdog(60);
    struct histogram *h = hist_new();
    pthread_t t[THREADS];
    struct recorder r[THREADS];
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct recorder){ h, (uint64_t)i * PER_THREAD };
        assert_int_equal(pthread_create(&t[i], NULL, record_many, &r[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    /* Together they recorded 0 .. THREADS * PER_THREAD - 1 exactly once. */
    uint64_t n = (uint64_t)THREADS * PER_THREAD;
    assert_int_equal(hist_count(h), n);
    assert_int_equal(hist_sum(h), n * (n - 1) / 2);
    assert_int_equal(hist_max(h), n - 1);
    uint64_t in_buckets = 0;
    for (int b = 0; b < HIST_BUCKETS; b++)
        in_buckets += atomic_load(&h->bucket[b]);
    assert_int_equal(in_buckets, n);
    assert_within(hist_percentile(h, 0.5), n / 2.0, 0.04, "p50");
    free(h);
}

/* ---- 4. merge ---------------------------------------------------------- */

static void assert_same_histogram(const struct histogram *a, const struct histogram *b)
{
    assert_int_equal(hist_count(a), hist_count(b));
    assert_int_equal(hist_sum(a), hist_sum(b));
    assert_int_equal(hist_max(a), hist_max(b));
    for (int i = 0; i < HIST_BUCKETS; i++)
        if (atomic_load(&a->bucket[i]) != atomic_load(&b->bucket[i]))
            fail_msg("bucket %d: %llu against %llu", i,
                     (unsigned long long)atomic_load(&a->bucket[i]),
                     (unsigned long long)atomic_load(&b->bucket[i]));
}

/* The same samples, dealt out to four "threads" or all recorded into one. */
static void test_merge_equals_shared(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { PARTS = 4, N = 100000 };
    struct histogram *shared = hist_new(), *merged = hist_new(), *part[PARTS];
    for (int i = 0; i < PARTS; i++)
        part[i] = hist_new();
    uint64_t s = 5;
    for (int i = 0; i < N; i++) {
        uint64_t r = rng_next(&s);
        uint64_t v = r % (UINT64_C(1) << (r % 40));
        hist_record(shared, v);
        /* Part 0 gets every large value: the merged max must come from it. */
        hist_record(part[v > 1000000 ? 0 : 1 + (int)(r % (PARTS - 1))], v);
    }
    for (int i = 0; i < PARTS; i++)
        hist_merge(merged, part[i]);
    assert_same_histogram(merged, shared);
    /* Merging an empty histogram changes nothing; from is left as it was. */
    struct histogram *empty = hist_new();
    hist_merge(merged, empty);
    assert_same_histogram(merged, shared);
    assert_int_equal(hist_count(empty), 0);
    static const double ps[] = { 0.5, 0.9, 0.99, 1.0 };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_int_equal(hist_percentile(merged, ps[i]), hist_percentile(shared, ps[i]));
    for (int i = 0; i < PARTS; i++)
        free(part[i]);
    free(empty);
    free(shared);
    free(merged);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_values_exact),
        cmocka_unit_test(test_every_value_in_its_bucket),
        cmocka_unit_test(test_buckets_tile_the_range),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_uniform_1_to_100000),
        cmocka_unit_test(test_constant),
        cmocka_unit_test(test_two_modes),
        cmocka_unit_test(test_log_uniform_against_sorted),
        cmocka_unit_test(test_concurrent_record),
        cmocka_unit_test(test_merge_equals_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
