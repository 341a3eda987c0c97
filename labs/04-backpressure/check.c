/*
 * check.c — lab 4's checks: backpressure you can count.
 *
 * First your counters, on their own: exact counts through chunk_new,
 * chunk_set_data and chunk_free; exact counts when 8 threads allocate and
 * free at once (a lost update leaves the count wrong for good); a peak that
 * sees the moment when every thread's chunks are alive together (the threads
 * wait at a barrier holding them, so the true peak is known exactly); and a
 * peak that two threads raise at the same instant, many times over, where a
 * larger value must never be overwritten by a smaller one.
 *
 * Then the claim of the whole kit, on the real pipeline with your counters
 * linked in: the bounded pipeline's peak never exceeds YOUR bound
 * (bound.c), with a slow writer and with a slow stage, and with a slow
 * writer it reaches it — so your bound is the real one, not just a safe
 * guess. Unbounded channels, for contrast, go past it.
 */
#include "labcheck.h"
#include "labjob.h"

#include "bound.h"
#include "chunk.h"

#include <sched.h>
#include <stdlib.h>

/* ---- the counters on their own ----------------------------------------- */

static void expect_counts(struct inflight *a, int64_t chunks, int64_t bytes, const char *when)
{
    int64_t c = atomic_load(&a->chunks), b = atomic_load(&a->bytes);
    LAB_REQUIRE(c == chunks && b == bytes, "%s: expected %lld chunks and %lld bytes alive, the counters "
                "say %lld chunks and %lld bytes", when, (long long)chunks, (long long)bytes,
                (long long)c, (long long)b);
}

static void counts_follow_new_and_free(void **state)
{
    (void)state;
    struct inflight a;
    inflight_init(&a);
    struct chunk *c[5];
    for (int i = 0; i < 5; i++)
        c[i] = chunk_new(&a, (uint64_t)i, 100);
    expect_counts(&a, 5, 500, "after 5 chunk_new of 100 bytes");
    LAB_REQUIRE(atomic_load(&a.peak_chunks) == 5, "after 5 chunk_new, peak_chunks is %lld, not 5",
                (long long)atomic_load(&a.peak_chunks));
    chunk_free(c[0]);
    chunk_free(c[1]);
    expect_counts(&a, 3, 300, "after freeing 2 of them");
    LAB_REQUIRE(atomic_load(&a.peak_chunks) == 5, "a peak must never go down: after freeing, "
                "peak_chunks is %lld, not 5", (long long)atomic_load(&a.peak_chunks));
    chunk_set_data(c[2], malloc(1000), 0, 1000);
    expect_counts(&a, 3, 1200, "after chunk_set_data swapped a 100-byte buffer for a 1000-byte one");
    LAB_REQUIRE(atomic_load(&a.peak_bytes) == 1300, "for a moment chunk_set_data holds both buffers "
                "(300 + 1000 bytes): peak_bytes should be 1300, it is %lld",
                (long long)atomic_load(&a.peak_bytes));
    for (int i = 2; i < 5; i++)
        chunk_free(c[i]);
    expect_counts(&a, 0, 0, "after freeing everything");
}

#define THREADS 8
#define ROUNDS 20000

static void *churn(void *arg)
{
    struct inflight *a = arg;
    for (int i = 0; i < ROUNDS; i++)
        chunk_free(chunk_new(a, (uint64_t)i, 64));
    return NULL;
}

static void counts_exact_under_threads(void **state)
{
    (void)state;
    struct inflight *a = calloc(1, sizeof *a);
    inflight_init(a);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        t[i] = lab_thread(churn, a);
    for (int i = 0; i < THREADS; i++)
        lab_join(t[i]);
    expect_counts(a, 0, 0, "8 threads each made and freed 20000 chunks");
    int64_t peak = atomic_load(&a->peak_chunks);
    LAB_REQUIRE(peak >= 1 && peak <= THREADS, "each of the 8 threads held at most one chunk at a time, "
                "so the peak must be between 1 and 8; it is %lld", (long long)peak);
    free(a);
}

#define HOLD 500

struct holders {
    struct inflight a;
    pthread_barrier_t all_allocated, checked;
};

static void *hold_then_free(void *arg)
{
    struct holders *h = arg;
    struct chunk **c = malloc(HOLD * sizeof *c);
    for (int i = 0; i < HOLD; i++)
        c[i] = chunk_new(&h->a, (uint64_t)i, 32);
    pthread_barrier_wait(&h->all_allocated); /* every thread holds its chunks now */
    pthread_barrier_wait(&h->checked);
    for (int i = 0; i < HOLD; i++)
        chunk_free(c[i]);
    free(c);
    return NULL;
}

static void peak_sees_every_thread(void **state)
{
    (void)state;
    for (int round = 0; round < 10; round++) {
        struct holders *h = calloc(1, sizeof *h);
        inflight_init(&h->a);
        pthread_barrier_init(&h->all_allocated, NULL, THREADS + 1);
        pthread_barrier_init(&h->checked, NULL, THREADS + 1);
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++)
            t[i] = lab_thread(hold_then_free, h);
        pthread_barrier_wait(&h->all_allocated);
        int64_t now = atomic_load(&h->a.chunks), peak = atomic_load(&h->a.peak_chunks);
        pthread_barrier_wait(&h->checked);
        for (int i = 0; i < THREADS; i++)
            lab_join(t[i]);
        LAB_REQUIRE(now == THREADS * HOLD, "8 threads each hold %d chunks: %d are alive, but the counter "
                    "says %lld (an update was lost?)", HOLD, THREADS * HOLD, (long long)now);
        LAB_REQUIRE(peak == THREADS * HOLD, "8 threads each hold %d chunks, so the peak is %d, but "
                    "peak_chunks says %lld: a thread's peak was lost or overwritten by a smaller one",
                    HOLD, THREADS * HOLD, (long long)peak);
        expect_counts(&h->a, 0, 0, "after every thread freed its chunks");
        pthread_barrier_destroy(&h->all_allocated);
        pthread_barrier_destroy(&h->checked);
        free(h);
    }
}

/* Two threads, released together, each make ONE chunk: the count goes 1, 2
 * within nanoseconds, and the peak must end at 2. A peak raised by "load,
 * compare, store" is lost now and then: the thread that saw 1 stores 1 over
 * the 2 the other stored a moment before. The window is a few nanoseconds,
 * so the threads meet at a spinning barrier (a sleeping one wakes them too
 * far apart) and do it 200000 times. A correct peak never fails this. */
/* Rounds of the duel: enough that an overwrite of the peak shows up in practice.
 * ThreadSanitizer makes every atomic step many times slower, so it runs fewer
 * (and reports a plain data race by itself anyway). */
#if defined(__SANITIZE_THREAD__)
#define DUEL_ROUNDS 50000
#else
#define DUEL_ROUNDS 200000
#endif

struct spin_barrier {
    atomic_int arrived;
    atomic_int generation;
};

static void spin_barrier_wait(struct spin_barrier *b, int parties)
{
    int gen = atomic_load(&b->generation);
    if (atomic_fetch_add(&b->arrived, 1) == parties - 1) {
        atomic_store(&b->arrived, 0);
        atomic_fetch_add(&b->generation, 1);
        return;
    }
    for (int spins = 0; atomic_load(&b->generation) == gen; spins++)
        if (spins > 200)
            sched_yield(); /* the other thread may not be running: let it */
}

struct duel {
    struct inflight *round;           /* [DUEL_ROUNDS]: fresh counters per round */
    struct spin_barrier go, done;
};

static void *duel_thread(void *arg)
{
    struct duel *d = arg;
    for (int r = 0; r < DUEL_ROUNDS; r++) {
        spin_barrier_wait(&d->go, 2);
        struct chunk *c = chunk_new(&d->round[r], (uint64_t)r, 8);
        spin_barrier_wait(&d->done, 2);
        chunk_free(c);
    }
    return NULL;
}

static void peak_never_lost_in_a_race(void **state)
{
    (void)state;
    struct duel *d = calloc(1, sizeof *d);
    d->round = calloc(DUEL_ROUNDS, sizeof *d->round);
    for (int r = 0; r < DUEL_ROUNDS; r++)
        inflight_init(&d->round[r]);
    pthread_t a = lab_thread(duel_thread, d), b = lab_thread(duel_thread, d);
    lab_join(a);
    lab_join(b);
    int lost = 0, first = -1;
    for (int r = 0; r < DUEL_ROUNDS; r++)
        if (atomic_load(&d->round[r].peak_chunks) != 2 && lost++ == 0)
            first = r;
    LAB_REQUIRE(lost == 0, "two threads made one chunk each at the same moment, %d times: in %d of "
                "those rounds the peak ended below 2 (the first: round %d). A larger peak was "
                "overwritten by a smaller one: raise it with a compare-and-swap loop",
                DUEL_ROUNDS, lost, first);
    free(d->round);
    free(d);
}

/* ---- the real pipeline ------------------------------------------------- */

static int64_t run_peak(const char *backend, unsigned depth, unsigned workers,
                        uint64_t writer_delay_us, uint64_t stage_cost_us)
{
    struct lab_job j = { .backend = backend, .depth = depth, .workers = workers, .chunks = 40,
                         .writer_delay_us = writer_delay_us, .stage_cost_us = stage_cost_us };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == 0, "pipelab --backend %s exited with %d (%s)", backend, rc, j.message);
    LAB_REQUIRE(j.peak_chunks > 0, "pipelab ran %u chunks through your counters, but peak_chunks is "
                "%lld: chunk_new never counted them?", j.chunks, (long long)j.peak_chunks);
    LAB_REQUIRE(j.chunks_left == 0, "after the run, your counter says %lld chunks are still alive; "
                "pipelab freed them all (does chunk_free subtract?)", (long long)j.chunks_left);
    lab_job_cleanup(&j);
    return j.peak_chunks;
}

static int64_t your_bound(unsigned depth, unsigned workers)
{
    int64_t b = bounded_pipeline_bound(depth, workers);
    LAB_REQUIRE(b > 0, "bounded_pipeline_bound(%u, %u) returned %lld: not a bound yet (bound.c)",
                depth, workers, (long long)b);
    return b;
}

struct shape {
    unsigned depth, workers;
};
static const struct shape shapes[] = { { 1, 1 }, { 2, 3 }, { 4, 2 } };

static void bound_reached_never_exceeded_slow_writer(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        unsigned d = shapes[k].depth, w = shapes[k].workers;
        int64_t peak = run_peak("bounded", d, w, 4000, 0);
        int64_t b = your_bound(d, w);
        lab_note("depth %u, %u workers, slow writer: peak %lld chunks, your bound %lld",
                 d, w, (long long)peak, (long long)b);
        LAB_REQUIRE(peak <= b, "depth %u, %u workers, slow writer: %lld chunks were alive at once, "
                    "more than your bound of %lld. Where else can a chunk wait?",
                    d, w, (long long)peak, (long long)b);
        LAB_REQUIRE(peak == b, "depth %u, %u workers, slow writer: the peak was %lld chunks, below "
                    "your bound of %lld. With a slow writer every place fills up, so the real bound "
                    "is reached: yours counts a place that cannot hold a chunk.",
                    d, w, (long long)peak, (long long)b);
    }
}

static void bound_holds_with_a_slow_stage(void **state)
{
    (void)state;
    unsigned d = 2, w = 2;
    int64_t peak = run_peak("bounded", d, w, 0, 3000);
    int64_t b = your_bound(d, w);
    lab_note("depth %u, %u workers, slow stage: peak %lld chunks, your bound %lld",
             d, w, (long long)peak, (long long)b);
    LAB_REQUIRE(peak <= b, "slow stage: %lld chunks were alive at once, more than your bound of %lld",
                (long long)peak, (long long)b);
    LAB_REQUIRE(peak >= d + w + 1, "slow stage: the reader fills cpu_queue and waits holding one "
                "more while every worker holds one, so at least %u chunks are alive; your counters "
                "saw only %lld", d + w + 1, (long long)peak);
}

static void unbounded_goes_past_the_bound(void **state)
{
    (void)state;
    int64_t peak = run_peak("unbounded", 2, 2, 4000, 0);
    int64_t b = your_bound(2, 2);
    lab_note("unbounded, slow writer: peak %lld chunks of 40 (the bounded pipeline's bound: %lld)",
             (long long)peak, (long long)b);
    LAB_REQUIRE(peak > b, "with unbounded channels and a slow writer the reader never waits, so the "
                "peak (%lld) should go past the bounded pipeline's bound (%lld)",
                (long long)peak, (long long)b);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(counts_follow_new_and_free),
    cmocka_unit_test(counts_exact_under_threads),
    cmocka_unit_test(peak_sees_every_thread),
    cmocka_unit_test(peak_never_lost_in_a_race),
    cmocka_unit_test(bound_reached_never_exceeded_slow_writer),
    cmocka_unit_test(bound_holds_with_a_slow_stage),
    cmocka_unit_test(unbounded_goes_past_the_bound),
};

LAB_MAIN("lab 4: backpressure you can count", tests)
