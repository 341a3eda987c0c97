/*
 * test_tokens.c — the cancellable token pool (tokens.h).
 *
 * What must hold:
 *   - a pool of n gives n tokens without waiting;
 *   - the next acquire waits until a token is released, and a release lets
 *     exactly one waiter through per token;
 *   - tokens_cancel wakes every waiter, each returning -1, and every later
 *     acquire fails at once;
 *   - the wait histogram gets one sample per acquire: the pool's, or the one
 *     tokens_acquire_timed names instead;
 *   - under contention no more than n holders exist at once, and no release
 *     is lost between the lock-free count and the sleepers (a lost wake-up
 *     would leave a thread asleep with a token free: the watchdog fails it).
 *
 * As in test_chan.c, no sleep decides anything: a thread that should block
 * raises `done` when its call returns and records the value of `released`,
 * which the main thread raises just before the one action that may free it.
 * A correct pool can never let the thread see released == 0.
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "histogram.h"
#include "tokens.h"

static struct histogram *hist_new(void)
{
    struct histogram *h = malloc(sizeof *h);
    assert_non_null(h);
    hist_init(h);
    return h;
}

struct acquire_call {
    struct tokens *t;
    atomic_int *released;
    atomic_int *done_count;   /* shared by a group of waiters; may be NULL */
    atomic_int started;
    atomic_int done;
    int rc;
    int released_seen;
};

static void *acquire_once(void *arg)
{
    struct acquire_call *a = arg;
    atomic_store(&a->started, 1);
    a->rc = tokens_acquire(a->t);
    a->released_seen = atomic_load(a->released);
    atomic_store(&a->done, 1);
    if (a->done_count != NULL)
        atomic_fetch_add(a->done_count, 1);
    return NULL;
}

/* ---- without blocking --------------------------------------------------- */

static void test_acquire_up_to_count(void **state)
{
    (void)state;
    test_watchdog(10);
    for (unsigned n = 1; n <= 16; n++) {
        struct histogram *h = hist_new();
        struct tokens t;
        assert_int_equal(tokens_init(&t, n, h), 0);
        /* A blocking acquire here would hang: the watchdog makes it a failure. */
        for (unsigned i = 0; i < n; i++)
            assert_int_equal(tokens_acquire(&t), 0);
        assert_int_equal(t.available, 0);
        assert_int_equal(t.total, n);
        for (unsigned i = 0; i < n; i++)
            tokens_release(&t);
        assert_int_equal(t.available, n);
        /* Released tokens are there to take again, as many times as wanted. */
        for (int round = 0; round < 3; round++) {
            for (unsigned i = 0; i < n; i++)
                assert_int_equal(tokens_acquire(&t), 0);
            for (unsigned i = 0; i < n; i++)
                tokens_release(&t);
        }
        assert_int_equal(hist_count(h), 4 * n);
        tokens_destroy(&t);
        free(h);
    }
}

static void test_no_histogram(void **state)
{
    (void)state;
    test_watchdog(10);
    struct tokens t;
    assert_int_equal(tokens_init(&t, 2, NULL), 0);
    assert_int_equal(tokens_acquire(&t), 0);
    assert_int_equal(tokens_acquire(&t), 0);
    tokens_release(&t);
    tokens_release(&t);
    tokens_cancel(&t);
    assert_int_equal(tokens_acquire(&t), -1);
    tokens_destroy(&t);
}

/* The caller's histogram gets the sample, the pool's none; NULL: no sample. */
static void test_acquire_timed_records_where_told(void **state)
{
    (void)state;
    test_watchdog(10);
    struct histogram *pool = hist_new(), *mine = hist_new();
    struct tokens t;
    assert_int_equal(tokens_init(&t, 2, pool), 0);
    assert_int_equal(tokens_acquire_timed(&t, mine), 0);
    assert_int_equal(tokens_acquire_timed(&t, NULL), 0);
    assert_int_equal(hist_count(mine), 1);
    assert_int_equal(hist_count(pool), 0);
    assert_int_equal(t.available, 0);
    tokens_release(&t);
    tokens_release(&t);
    tokens_cancel(&t);
    assert_int_equal(tokens_acquire_timed(&t, mine), -1);
    assert_int_equal(hist_count(mine), 2);
    assert_int_equal(t.available, 2); /* a failed acquire takes nothing */
    tokens_destroy(&t);
    free(pool);
    free(mine);
}

/* ---- blocking ----------------------------------------------------------- */

static void test_acquire_blocks_until_release(void **state)
{
    (void)state;
    test_watchdog(20);
    struct histogram *h = hist_new();
    struct tokens t;
    assert_int_equal(tokens_init(&t, 2, h), 0);
    assert_int_equal(tokens_acquire(&t), 0);
    assert_int_equal(tokens_acquire(&t), 0);

    atomic_int released = 0;
    struct acquire_call a = { .t = &t, .released = &released };
    pthread_t th = test_start_thread(acquire_once, &a);
    test_wait_flag(&a.started, 1);
    /* Both tokens are held: the third acquire cannot have returned. */
    assert_int_equal(atomic_load(&a.done), 0);

    atomic_store(&released, 1);
    tokens_release(&t);
    test_join_thread(th);
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.released_seen, 1);
    /* The waiter holds the returned token: none is free. */
    assert_int_equal(t.available, 0);
    /* One sample per acquire, the blocked one included. */
    assert_int_equal(hist_count(h), 3);
    tokens_release(&t);
    tokens_release(&t);
    assert_int_equal(t.available, 2);
    tokens_destroy(&t);
    free(h);
}

/* Four waiters on an empty pool of one; each release lets exactly one go. */
static void test_each_release_frees_one_waiter(void **state)
{
    (void)state;
    test_watchdog(30);
    enum { WAITERS = 4 };
    struct histogram *h = hist_new();
    struct tokens t;
    assert_int_equal(tokens_init(&t, 1, h), 0);
    assert_int_equal(tokens_acquire(&t), 0);

    atomic_int released = 0, done_count = 0;
    struct acquire_call a[WAITERS];
    pthread_t th[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        a[i] = (struct acquire_call){ .t = &t, .released = &released, .done_count = &done_count };
        th[i] = test_start_thread(acquire_once, &a[i]);
    }
    for (int i = 0; i < WAITERS; i++)
        test_wait_flag(&a[i].started, 1);
    assert_int_equal(atomic_load(&done_count), 0);

    for (int k = 1; k <= WAITERS; k++) {
        atomic_store(&released, k);
        tokens_release(&t);
        /* Exactly k waiters can hold a token now; wait for the k-th to return. */
        while (atomic_load(&done_count) < k)
            sched_yield();
        for (int i = 0; i < 1000; i++)
            sched_yield();
        /* A release that woke two waiters for one token would show here. */
        assert_int_equal(atomic_load(&done_count), k);
        assert_int_equal(t.available, 0);
    }
    for (int i = 0; i < WAITERS; i++) {
        test_join_thread(th[i]);
        assert_int_equal(a[i].rc, 0);
        assert_true(a[i].released_seen >= 1);
    }
    assert_int_equal(hist_count(h), 1 + WAITERS);
    tokens_release(&t);
    tokens_destroy(&t);
    free(h);
}

/* ---- cancel ------------------------------------------------------------- */

static void test_cancel_wakes_all(void **state)
{
    (void)state;
    test_watchdog(30);
    enum { WAITERS = 6 };
    struct histogram *h = hist_new();
    struct tokens t;
    assert_int_equal(tokens_init(&t, 1, h), 0);
    assert_int_equal(tokens_acquire(&t), 0);

    atomic_int released = 0;
    struct acquire_call a[WAITERS];
    pthread_t th[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        a[i] = (struct acquire_call){ .t = &t, .released = &released };
        th[i] = test_start_thread(acquire_once, &a[i]);
    }
    for (int i = 0; i < WAITERS; i++)
        test_wait_flag(&a[i].started, 1);
    for (int i = 0; i < WAITERS; i++)
        assert_int_equal(atomic_load(&a[i].done), 0);

    /* No token is ever released: only the cancel can wake them. */
    atomic_store(&released, 1);
    tokens_cancel(&t);
    for (int i = 0; i < WAITERS; i++) {
        test_join_thread(th[i]);
        assert_int_equal(a[i].rc, -1);
        assert_int_equal(a[i].released_seen, 1);
    }
    /* For good: a later acquire fails at once, even with a token free. */
    tokens_release(&t);
    assert_int_equal(tokens_acquire(&t), -1);
    assert_int_equal(tokens_acquire(&t), -1);
    /* Every acquire called is one sample: 1 + WAITERS + 2. */
    assert_int_equal(hist_count(h), 1 + WAITERS + 2);
    tokens_destroy(&t);
    free(h);
}

/* ---- contention --------------------------------------------------------- */

enum { WORKERS = 8, ROUNDS = 2000, POOL = 3, CHURN_ROUNDS = 5000 };

struct worker {
    struct tokens *t;
    atomic_int *holders;
    atomic_int *max_holders;
    int failures;
};

static void *worker_loop(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (tokens_acquire(w->t) != 0) {
            w->failures++;
            continue;
        }
        int now = atomic_fetch_add(w->holders, 1) + 1;
        int seen = atomic_load(w->max_holders);
        while (now > seen && !atomic_compare_exchange_weak(w->max_holders, &seen, now))
            ;
        if (i % 16 == 0)
            sched_yield();
        atomic_fetch_sub(w->holders, 1);
        tokens_release(w->t);
    }
    return NULL;
}

static void test_never_more_holders_than_tokens(void **state)
{
    (void)state;
    test_watchdog(60);
    struct histogram *h = hist_new();
    struct tokens t;
    assert_int_equal(tokens_init(&t, POOL, h), 0);
    atomic_int holders = 0, max_holders = 0;
    struct worker w[WORKERS];
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (struct worker){ &t, &holders, &max_holders, 0 };
        th[i] = test_start_thread(worker_loop, &w[i]);
    }
    for (int i = 0; i < WORKERS; i++) {
        test_join_thread(th[i]);
        assert_int_equal(w[i].failures, 0);
    }
    assert_true(atomic_load(&max_holders) <= POOL);
    assert_true(atomic_load(&max_holders) >= 1);
    assert_int_equal(t.available, POOL);
    assert_int_equal(hist_count(h), WORKERS * ROUNDS);
    tokens_destroy(&t);
    free(h);
}

/* One token, many threads, no pause: nearly every acquire finds the count
 * at zero and goes to sleep, so the hand-off between the lock-free release
 * and the sleepers (tokens.c) is exercised thousands of times. */
static void *churn_loop(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < CHURN_ROUNDS; i++) {
        if (tokens_acquire(w->t) != 0) {
            w->failures++;
            continue;
        }
        if (atomic_fetch_add(w->holders, 1) != 0)
            atomic_store(w->max_holders, 2); /* two holders of one token */
        atomic_fetch_sub(w->holders, 1);
        tokens_release(w->t);
    }
    return NULL;
}

static void test_one_token_churn(void **state)
{
    (void)state;
    test_watchdog(120);
    struct tokens t;
    assert_int_equal(tokens_init(&t, 1, NULL), 0);
    atomic_int holders = 0, max_holders = 0;
    struct worker w[WORKERS];
    pthread_t th[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (struct worker){ &t, &holders, &max_holders, 0 };
        th[i] = test_start_thread(churn_loop, &w[i]);
    }
    for (int i = 0; i < WORKERS; i++) {
        test_join_thread(th[i]);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(atomic_load(&max_holders), 0);
    assert_int_equal(t.available, 1);
    assert_int_equal(t.sleepers, 0);
    tokens_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_up_to_count),
        cmocka_unit_test(test_no_histogram),
        cmocka_unit_test(test_acquire_timed_records_where_told),
        cmocka_unit_test(test_acquire_blocks_until_release),
        cmocka_unit_test(test_each_release_frees_one_waiter),
        cmocka_unit_test(test_cancel_wakes_all),
        cmocka_unit_test(test_never_more_holders_than_tokens),
        cmocka_unit_test(test_one_token_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
