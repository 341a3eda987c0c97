/*
 * test_reorder.c — the bounded reorder window (reorder.h).
 *
 * What must hold:
 *   - chunks put in any order come out of reorder_take in index order, and
 *     take returns NULL while the next chunk is missing;
 *   - reorder_admit(i) returns at once while i < next + window and blocks
 *     otherwise, until a take moves `next` on;
 *   - reorder_cancel wakes a blocked admit, which then returns -1;
 *   - reorder_destroy frees the chunks still parked (counted with
 *     struct inflight, which must return to zero).
 *
 * No test sleeps to order events. To show that admit blocks, a thread calls it
 * and raises an atomic flag when it returns. The main thread checks the flag
 * is still down, raises `released`, and only then calls the one thing that may
 * let the thread go (a take, or a cancel). The thread records what `released`
 * was when its call returned: an admit that did not wait would (with high
 * probability) see 0, and a correct one can never see 0.
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "chunk.h"
#include "reorder.h"

static struct chunk *new_chunk(struct inflight *acct, uint64_t index)
{
    struct chunk *c = chunk_new(acct, index, 16);
    c->len = 8;
    memcpy(c->data, &index, sizeof index);
    return c;
}

/* A deterministic shuffle (Fisher-Yates with splitmix64). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void shuffle(uint64_t *v, size_t n, uint64_t seed)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(&seed) % i);
        uint64_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Take every chunk that is ready; check each is the expected next one. */
static uint64_t take_ready(struct reorder *r, uint64_t expect)
{
    struct chunk *c;
    while ((c = reorder_take(r)) != NULL) {
        if (c->index != expect)
            fail_msg("reorder_take gave chunk %llu, expected %llu",
                     (unsigned long long)c->index, (unsigned long long)expect);
        uint64_t payload;
        memcpy(&payload, c->data, sizeof payload);
        assert_int_equal(payload, expect);
        chunk_free(c);
        expect++;
    }
    return expect;
}

/* ---- ordering ---------------------------------------------------------- */

static void test_empty_take(void **state)
{
    (void)state;
    test_watchdog(10);
    struct reorder r;
    assert_int_equal(reorder_init(&r, 4), 0);
    assert_null(reorder_take(&r));
    assert_int_equal(r.next, 0);
    reorder_destroy(&r);
}

static void test_reverse_order(void **state)
{
    (void)state;
    test_watchdog(10);
    enum { W = 8 };
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);
    for (uint64_t i = 0; i < W; i++)
        assert_int_equal(reorder_admit(&r, i), 0);
    /* W-1 .. 1 arrive first: nothing can be written yet. */
    for (uint64_t i = W - 1; i >= 1; i--) {
        reorder_put(&r, new_chunk(&acct, i));
        assert_null(reorder_take(&r));
    }
    assert_int_equal(r.parked, W - 1);
    assert_int_equal(r.next, 0);
    /* Chunk 0 releases the whole run, in order. */
    reorder_put(&r, new_chunk(&acct, 0));
    assert_int_equal(r.parked_max, W);
    assert_int_equal(take_ready(&r, 0), W);
    assert_int_equal(r.next, W);
    assert_int_equal(r.parked, 0);
    assert_null(reorder_take(&r));
    reorder_destroy(&r);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

/* Many chunks through a small window: each window's worth arrives shuffled. */
static void check_shuffled(uint64_t window, uint64_t total, uint64_t seed)
{
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, window), 0);
    uint64_t *order = malloc(window * sizeof *order);
    assert_non_null(order);
    uint64_t expect = 0;
    for (uint64_t base = 0; base < total; base += window) {
        uint64_t n = total - base < window ? total - base : window;
        for (uint64_t i = 0; i < n; i++) {
            /* The whole group fits in the window once the last group is out. */
            assert_int_equal(reorder_admit(&r, base + i), 0);
            order[i] = base + i;
        }
        shuffle(order, (size_t)n, seed + base);
        for (uint64_t i = 0; i < n; i++) {
            reorder_put(&r, new_chunk(&acct, order[i]));
            expect = take_ready(&r, expect);
            assert_true(r.parked <= window);
        }
        assert_int_equal(expect, base + n);
    }
    assert_int_equal(expect, total);
    assert_true(r.parked_max <= window);
    assert_true(atomic_load(&acct.peak_chunks) <= (int_fast64_t)window);
    reorder_destroy(&r);
    free(order);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

static void test_random_order(void **state)
{
    (void)state;
    test_watchdog(20);
    check_shuffled(64, 64, 1);
    check_shuffled(1, 100, 2);
    check_shuffled(2, 1001, 3);
    check_shuffled(7, 1000, 4);
    check_shuffled(100, 10000, 5);
}

/* Chunks put in a random order across more than one window at a time: the
 * producer admits as far as the window allows and puts a random admitted
 * chunk, the writer takes whatever is ready. */
static void test_random_order_sliding(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { W = 16, TOTAL = 5000 };
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);
    uint64_t pending[W], npending = 0, admitted = 0, expect = 0, s = 77;
    while (expect < TOTAL) {
        /* Admit everything the window allows (these never block). */
        while (admitted < TOTAL && admitted < r.next + W) {
            assert_int_equal(reorder_admit(&r, admitted), 0);
            pending[npending++] = admitted++;
        }
        assert_true(npending > 0);
        size_t pick = (size_t)(rng_next(&s) % npending);
        reorder_put(&r, new_chunk(&acct, pending[pick]));
        pending[pick] = pending[--npending];
        expect = take_ready(&r, expect);
    }
    assert_int_equal(npending, 0);
    assert_true(r.parked_max <= W);
    reorder_destroy(&r);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

/* ---- admit blocks at the window ----------------------------------------- */

struct admit_call {
    struct reorder *r;
    uint64_t index;
    atomic_int *released;    /* raised by the main thread just before acting */
    atomic_int started;
    atomic_int done;
    int rc;
    int released_seen;
};

static void *admit_once(void *arg)
{
    struct admit_call *a = arg;
    atomic_store(&a->started, 1);
    a->rc = reorder_admit(a->r, a->index);
    a->released_seen = atomic_load(a->released);
    atomic_store(&a->done, 1);
    return NULL;
}

static void test_admit_within_window_does_not_block(void **state)
{
    (void)state;
    test_watchdog(10);
    struct reorder r;
    assert_int_equal(reorder_init(&r, 5), 0);
    /* Any order, any repeat: all below next + window. A blocking admit here
     * would hang and be caught by the watchdog. */
    for (uint64_t i = 5; i-- > 0;)
        assert_int_equal(reorder_admit(&r, i), 0);
    assert_int_equal(reorder_admit(&r, 0), 0);
    reorder_destroy(&r);
}

static void test_admit_blocks_until_take(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { W = 4 };
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);
    for (uint64_t i = 0; i < W; i++)
        assert_int_equal(reorder_admit(&r, i), 0);

    atomic_int released = 0;
    struct admit_call a = { .r = &r, .index = W, .released = &released };
    pthread_t t = test_start_thread(admit_once, &a);
    test_wait_flag(&a.started, 1);
    /* Index W = next + window: it may not enter while chunk 0 is unwritten. */
    assert_int_equal(atomic_load(&a.done), 0);

    /* Chunks 1..3 arriving and a take that finds nothing change nothing. */
    for (uint64_t i = 1; i < W; i++)
        reorder_put(&r, new_chunk(&acct, i));
    assert_null(reorder_take(&r));
    for (int i = 0; i < 1000; i++)
        sched_yield();
    assert_int_equal(atomic_load(&a.done), 0);

    /* Chunk 0 arrives: still nothing until it is taken. */
    reorder_put(&r, new_chunk(&acct, 0));
    for (int i = 0; i < 1000; i++)
        sched_yield();
    assert_int_equal(atomic_load(&a.done), 0);

    /* The take of chunk 0 moves next to 1: now W < 1 + W. */
    atomic_store(&released, 1);
    struct chunk *c = reorder_take(&r);
    assert_non_null(c);
    assert_int_equal(c->index, 0);
    chunk_free(c);
    test_join_thread(t);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.released_seen, 1);

    assert_int_equal(take_ready(&r, 1), W);
    reorder_destroy(&r);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

/* An index far beyond the window waits for as many takes as it needs, and not
 * one fewer. */
static void test_admit_far_ahead_needs_every_take(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { W = 3, AHEAD = 10 };     /* admit(10) needs next >= 8 */
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);

    atomic_int released = 0;
    struct admit_call a = { .r = &r, .index = AHEAD, .released = &released };
    pthread_t t = test_start_thread(admit_once, &a);
    test_wait_flag(&a.started, 1);
    /* Taking chunk i moves next to i + 1; admit(10) may go on once
     * 10 < next + 3, that is after the take of chunk 7 = AHEAD - W. */
    for (uint64_t i = 0; i <= AHEAD - W; i++) {
        assert_int_equal(atomic_load(&a.done), 0);
        assert_int_equal(reorder_admit(&r, i), 0);
        if (i == AHEAD - W)
            atomic_store(&released, 1);  /* the next take is the one that frees it */
        reorder_put(&r, new_chunk(&acct, i));
        struct chunk *c = reorder_take(&r);
        assert_non_null(c);
        assert_int_equal(c->index, i);
        chunk_free(c);
    }
    test_join_thread(t);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.released_seen, 1);
    assert_int_equal(r.next, AHEAD - W + 1);
    reorder_destroy(&r);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

/* ---- cancel ------------------------------------------------------------- */

static void test_cancel_wakes_admit(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { W = 2, WAITERS = 3 };
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);
    atomic_int released = 0;
    struct admit_call a[WAITERS];
    pthread_t t[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        a[i] = (struct admit_call){ .r = &r, .index = W + (uint64_t)i, .released = &released };
        t[i] = test_start_thread(admit_once, &a[i]);
    }
    for (int i = 0; i < WAITERS; i++)
        test_wait_flag(&a[i].started, 1);
    for (int i = 0; i < WAITERS; i++)
        assert_int_equal(atomic_load(&a[i].done), 0);

    /* Nothing is ever taken: only the cancel can release them. */
    atomic_store(&released, 1);
    reorder_cancel(&r);
    for (int i = 0; i < WAITERS; i++) {
        test_join_thread(t[i]);
        assert_int_equal(a[i].rc, -1);
        assert_int_equal(a[i].released_seen, 1);
    }
    assert_int_equal(r.next, 0);
    /* Cancelled for good: later admits fail at once, even inside the window. */
    assert_int_equal(reorder_admit(&r, W + 5), -1);
    assert_int_equal(reorder_admit(&r, 0), -1);
    reorder_destroy(&r);
}

/* ---- destroy ------------------------------------------------------------ */

static void test_destroy_frees_parked(void **state)
{
    (void)state;
    test_watchdog(10);
    enum { W = 8 };
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, W), 0);
    for (uint64_t i = 0; i < W; i++)
        assert_int_equal(reorder_admit(&r, i), 0);
    /* 0 and 1 are taken; 3, 5, 6, 7 stay parked behind the missing 2. */
    static const uint64_t put[] = { 1, 0, 3, 5, 6, 7 };
    for (size_t i = 0; i < sizeof put / sizeof put[0]; i++)
        reorder_put(&r, new_chunk(&acct, put[i]));
    assert_int_equal(take_ready(&r, 0), 2);
    assert_int_equal(atomic_load(&acct.chunks), 4);
    assert_int_equal(r.parked, 4);
    reorder_destroy(&r);   /* must free the four */
    assert_int_equal(atomic_load(&acct.chunks), 0);
    assert_int_equal(atomic_load(&acct.bytes), 0);
    assert_int_equal(atomic_load(&acct.peak_chunks), 6);
}

static void test_destroy_after_cancel(void **state)
{
    (void)state;
    test_watchdog(10);
    struct inflight acct;
    inflight_init(&acct);
    struct reorder r;
    assert_int_equal(reorder_init(&r, 3), 0);
    assert_int_equal(reorder_admit(&r, 2), 0);
    reorder_put(&r, new_chunk(&acct, 2));
    reorder_cancel(&r);
    reorder_destroy(&r);
    assert_int_equal(atomic_load(&acct.chunks), 0);
}

/* ---- threads: a reader, two workers, a writer --------------------------- */

/* The reader admits and hands chunks to two workers through a tiny lock-free
 * mailbox per worker; workers put them in whatever order they finish; the
 * writer thread takes. The reorder window must keep the writer's output in
 * order and the chunks alive at most `window` (+ the one being created). */
enum { PIPE_W = 4, PIPE_TOTAL = 20000 };

struct pipe {
    struct reorder r;
    struct inflight acct;
    _Atomic(struct chunk *) box[2];   /* reader -> worker i */
    atomic_int reader_done;
    uint64_t written;
    uint64_t wrong_index;             /* first out-of-order index + 1, or 0 */
};

static void *pipe_reader(void *arg)
{
    struct pipe *p = arg;
    for (uint64_t i = 0; i < PIPE_TOTAL; i++) {
        if (reorder_admit(&p->r, i) != 0)
            break;
        struct chunk *c = new_chunk(&p->acct, i);
        int w = (int)(i % 2);
        struct chunk *expected = NULL;
        while (!atomic_compare_exchange_weak(&p->box[w], &expected, c)) {
            expected = NULL;
            sched_yield();
        }
    }
    atomic_store(&p->reader_done, 1);
    return NULL;
}

struct worker_arg {
    struct pipe *p;
    int id;
};

static void *pipe_worker(void *arg)
{
    struct worker_arg *w = arg;
    struct pipe *p = w->p;
    uint64_t mine = PIPE_TOTAL / 2 + (w->id == 0 ? PIPE_TOTAL % 2 : 0);
    for (uint64_t n = 0; n < mine;) {
        struct chunk *c = atomic_exchange(&p->box[w->id], NULL);
        if (c == NULL) {
            sched_yield();
            continue;
        }
        reorder_put(&p->r, c);
        n++;
    }
    return NULL;
}

static void *pipe_writer(void *arg)
{
    struct pipe *p = arg;
    while (p->written < PIPE_TOTAL) {
        struct chunk *c = reorder_take(&p->r);
        if (c == NULL) {
            sched_yield();
            continue;
        }
        /* cmocka's asserts must run on the main thread: note it, go on. */
        if (c->index != p->written && p->wrong_index == 0)
            p->wrong_index = c->index + 1;
        chunk_free(c);
        p->written++;
    }
    return NULL;
}

static void test_threads_in_order(void **state)
{
    (void)state;
    test_watchdog(60);
    struct pipe *p = calloc(1, sizeof *p);
    assert_non_null(p);
    inflight_init(&p->acct);
    assert_int_equal(reorder_init(&p->r, PIPE_W), 0);
    struct worker_arg wa[2] = { { p, 0 }, { p, 1 } };
    pthread_t reader = test_start_thread(pipe_reader, p);
    pthread_t w0 = test_start_thread(pipe_worker, &wa[0]);
    pthread_t w1 = test_start_thread(pipe_worker, &wa[1]);
    pthread_t writer = test_start_thread(pipe_writer, p);
    test_join_thread(reader);
    test_join_thread(w0);
    test_join_thread(w1);
    test_join_thread(writer);
    assert_int_equal(p->written, PIPE_TOTAL);
    assert_int_equal(p->wrong_index, 0);
    assert_int_equal(atomic_load(&p->reader_done), 1);
    assert_true(p->r.parked_max <= PIPE_W);
    assert_true(atomic_load(&p->acct.peak_chunks) <= PIPE_W + 1);
    reorder_destroy(&p->r);
    assert_int_equal(atomic_load(&p->acct.chunks), 0);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_take),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_random_order_sliding),
        cmocka_unit_test(test_admit_within_window_does_not_block),
        cmocka_unit_test(test_admit_blocks_until_take),
        cmocka_unit_test(test_admit_far_ahead_needs_every_take),
        cmocka_unit_test(test_cancel_wakes_admit),
        cmocka_unit_test(test_destroy_frees_parked),
        cmocka_unit_test(test_destroy_after_cancel),
        cmocka_unit_test(test_threads_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
