/*
 * check.c — lab 3's checks: does your pool fan out, fan in, and close its
 * output exactly once, after the last worker?
 *
 * Each trial runs your pool between two real channels (the kit's src/chan.c):
 * a feeder thread sends numbered items into `in` and closes it; a collector
 * thread receives from `out` until CHAN_CLOSED. The work function records
 * what it saw. Then the checks look at the record:
 *
 *   - every item processed once and delivered once (or dropped, if its work
 *     failed), whatever the number of workers;
 *   - `out` closed exactly once, and never while a worker is still working:
 *     the check binary is linked with -Wl,--wrap=chan_close, so every call to
 *     chan_close lands in __wrap_chan_close below first, which counts the
 *     closes of `out` and notes whether any work was in progress;
 *   - the workers really run at the same time. Proven by a rendezvous, not a
 *     stopwatch: the first two items each wait inside work() until the other
 *     one has arrived too. Two workers processing at once meet at once; a
 *     pool that processes one item at a time never meets (and the wait gives
 *     up after a while, which fails the check);
 *   - the real pipelab job, with your pool as its workers (glue.c).
 *
 * A pool that never closes `out` leaves the collector waiting: the checks
 * wait at most lab_patience_ms() for it and then fail with a sentence.
 */
#include "chancheck.h"
#include "labjob.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* ---- counting closes (link-time wrapper) ------------------------------- */

int __real_chan_close(struct chan *ch);
int __wrap_chan_close(struct chan *ch);

static struct chan *watched_out;    /* the `out` of the running trial */
static atomic_int closes_of_out;
static atomic_int busy;             /* workers inside work() right now */
static atomic_int closed_while_busy;

int __wrap_chan_close(struct chan *ch)
{
    if (ch == watched_out) {
        atomic_fetch_add(&closes_of_out, 1);
        if (atomic_load(&busy) > 0)
            atomic_store(&closed_while_busy, 1);
    }
    return __real_chan_close(ch);
}

/* ---- one trial: feeder -> in -> your pool -> out -> collector ---------- */

struct trial {
    unsigned workers, items;
    bool fail_odd;                  /* work fails for odd items */
    bool rendezvous;                /* items 1 and 2 must meet inside work() */
    bool hold_first;                /* item 1 waits inside work() until released */

    struct chan *in, *out;
    struct pool pool;
    int start_rc;
    pthread_t feeder, collector;
    atomic_int fed, collected_all;

    atomic_int *processed;          /* [items + 1]: times work() saw item i */
    atomic_int *dropped;            /* [items + 1]: times drop() got item i */
    uintptr_t *got;                 /* what the collector received */
    atomic_int got_count;

    pthread_mutex_t mu;             /* rendezvous and hold */
    pthread_cond_t cv;
    int inside;                     /* rendezvous items inside work() now */
    bool met;                       /* two of them were inside at once */
    bool released;
};

static struct trial *current;       /* drop() has no context argument */

static void trial_wait_for(struct trial *t, bool (*ready)(struct trial *), unsigned ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    while (!ready(t))
        if (pthread_cond_timedwait(&t->cv, &t->mu, &deadline) != 0)
            break;
}

static bool have_met(struct trial *t)
{
    return t->met;
}

static bool is_released(struct trial *t)
{
    return t->released;
}

static int trial_work(void *ctx, unsigned worker, void *item)
{
    struct trial *t = ctx;
    uintptr_t id = lab_unval(item);
    (void)worker;
    atomic_fetch_add(&busy, 1);
    if (id <= t->items)
        atomic_fetch_add(&t->processed[id], 1);
    if ((t->rendezvous && id <= 2) || (t->hold_first && id == 1)) {
        pthread_mutex_lock(&t->mu);
        if (t->rendezvous) {
            if (++t->inside == 2)
                t->met = true; /* two workers are in here right now */
            pthread_cond_broadcast(&t->cv);
            trial_wait_for(t, have_met, lab_patience_ms() / 4);
            t->inside--;
        } else {
            trial_wait_for(t, is_released, lab_patience_ms());
        }
        pthread_mutex_unlock(&t->mu);
    }
    atomic_fetch_sub(&busy, 1);
    return t->fail_odd && id % 2 == 1 ? -1 : 0;
}

static void trial_drop(void *item)
{
    uintptr_t id = lab_unval(item);
    if (current != NULL && id <= current->items)
        atomic_fetch_add(&current->dropped[id], 1);
}

static void *feeder(void *arg)
{
    struct trial *t = arg;
    for (uintptr_t i = 1; i <= t->items; i++)
        if (chan_send(t->in, lab_val(i)) != CHAN_OK)
            break;
    chan_close(t->in);
    atomic_store(&t->fed, 1);
    return NULL;
}

static void *collector(void *arg)
{
    struct trial *t = arg;
    void *item;
    while (chan_recv(t->out, &item) == CHAN_OK) {
        int k = atomic_fetch_add(&t->got_count, 1);
        if ((unsigned)k < t->items)
            t->got[k] = lab_unval(item);
    }
    atomic_store(&t->collected_all, 1);
    return NULL;
}

static struct trial *trial_start(struct trial *cfg)
{
    struct trial *t = calloc(1, sizeof *t);
    *t = *cfg;
    t->processed = calloc(t->items + 1, sizeof *t->processed);
    t->dropped = calloc(t->items + 1, sizeof *t->dropped);
    t->got = calloc(t->items + 1, sizeof *t->got);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->in = lab_chan_new(4);
    t->out = lab_chan_new(4);
    current = t;
    watched_out = t->out;
    atomic_store(&closes_of_out, 0);
    atomic_store(&closed_while_busy, 0);
    t->start_rc = pool_start(&t->pool, t->workers, t->in, t->out, trial_work, trial_drop, t);
    t->collector = lab_thread(collector, t);
    t->feeder = lab_thread(feeder, t);
    return t;
}

/* Wait for the collector to see `out` closed. */
static void trial_expect_closed(struct trial *t, const char *what)
{
    LAB_REQUIRE(lab_wait_flag(&t->collected_all, 1, lab_patience_ms()),
                "%s, %u workers: `out` was never closed (%d of %u items came out; chan_close was "
                "called %d times on it)", what, t->workers, atomic_load(&t->got_count), t->items,
                atomic_load(&closes_of_out));
}

static void trial_finish(struct trial *t)
{
    lab_join(t->feeder);
    lab_join(t->collector);
    pool_join(&t->pool);
    current = NULL;
    watched_out = NULL;
    chan_destroy(t->in);
    chan_destroy(t->out);
    free(t->processed);
    free(t->dropped);
    free(t->got);
    free(t);
}

/* Every item processed once; delivered once unless its work failed, then
 * dropped once instead. */
static void trial_expect_each_once(struct trial *t, const char *what)
{
    unsigned char *delivered = calloc(t->items + 1, 1);
    int n = atomic_load(&t->got_count);
    for (int k = 0; k < n && (unsigned)k < t->items; k++) {
        uintptr_t id = t->got[k];
        LAB_REQUIRE(id >= 1 && id <= t->items, "%s: item %lu came out, but it was never sent",
                    what, (unsigned long)id);
        LAB_REQUIRE(!delivered[id], "%s: item %lu came out of `out` twice", what, (unsigned long)id);
        delivered[id] = 1;
    }
    for (uintptr_t id = 1; id <= t->items; id++) {
        int p = atomic_load(&t->processed[id]), d = atomic_load(&t->dropped[id]);
        bool should_fail = t->fail_odd && id % 2 == 1;
        LAB_REQUIRE(p == 1, "%s, %u workers: item %lu was processed %d times, not once",
                    what, t->workers, (unsigned long)id, p);
        if (should_fail) {
            LAB_REQUIRE(d == 1 && !delivered[id], "%s: item %lu failed its work, so it must go to "
                        "drop() once (it went %d times) and never to `out`", what, (unsigned long)id, d);
        } else {
            LAB_REQUIRE(delivered[id], "%s, %u workers: item %lu went in but never came out%s", what,
                        t->workers, (unsigned long)id, d ? " (it was dropped)" : "");
            LAB_REQUIRE(d == 0, "%s: item %lu was delivered AND dropped", what, (unsigned long)id);
        }
    }
    LAB_REQUIRE(atomic_load(&closes_of_out) == 1, "%s, %u workers: `out` was closed %d times; "
                "it must be closed exactly once", what, t->workers, atomic_load(&closes_of_out));
    free(delivered);
}

static void run_trial(struct trial cfg, const char *what)
{
    struct trial *t = trial_start(&cfg);
    LAB_REQUIRE(t->start_rc == 0, "%s: pool_start returned %d", what, t->start_rc);
    trial_expect_closed(t, what);
    trial_expect_each_once(t, what);
    trial_finish(t);
}

/* ---- the checks -------------------------------------------------------- */

static void every_item_processed_exactly_once(void **state)
{
    (void)state;
    run_trial((struct trial){ .workers = 4, .items = 2000 }, "2000 items");
}

static void workers_really_overlap(void **state)
{
    (void)state;
    struct trial *t = trial_start(&(struct trial){ .workers = 4, .items = 8, .rendezvous = true });
    trial_expect_closed(t, "the rendezvous");
    LAB_REQUIRE(t->met, "no two workers were ever inside work() at the same time: item 1 waited %u ms "
                "for item 2 to be processed alongside it. Are all the workers started, and does "
                "each one receive and process on its own, without a lock held around work()?",
                lab_patience_ms() / 4);
    trial_expect_each_once(t, "the rendezvous");
    trial_finish(t);
}

static void output_closed_after_the_last_worker(void **state)
{
    (void)state;
    struct trial *t = trial_start(&(struct trial){ .workers = 4, .items = 20, .hold_first = true });
    /* Everything but item 1 comes out; the worker holding item 1 is still busy. */
    uint64_t deadline = lab_now_ms() + lab_patience_ms();
    while (atomic_load(&t->got_count) < 19 && !atomic_load(&t->collected_all) && lab_now_ms() < deadline)
        lab_pause_us(500);
    LAB_REQUIRE(atomic_load(&t->got_count) >= 19 || atomic_load(&t->collected_all),
                "only %d of the 19 free items came out of the pool", atomic_load(&t->got_count));
    /* The other three workers now find `in` drained and finish. Give a pool
     * that closes too early the time to do it. */
    uint64_t grace = lab_now_ms() + 200;
    while (atomic_load(&closes_of_out) == 0 && lab_now_ms() < grace)
        lab_pause_us(500);
    LAB_REQUIRE(!atomic_load(&closed_while_busy),
                "`out` was closed while a worker was still processing an item: the first worker "
                "to finish must not close it, only the last one");
    pthread_mutex_lock(&t->mu);
    t->released = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    trial_expect_closed(t, "holding one item back");
    trial_expect_each_once(t, "holding one item back");
    trial_finish(t);
}

static void closed_once_with_one_or_many_workers(void **state)
{
    (void)state;
    unsigned counts[] = { 1, 2, 8, 32 };
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        run_trial((struct trial){ .workers = counts[k], .items = 300 }, "300 items");
}

static void empty_input_closes_output(void **state)
{
    (void)state;
    run_trial((struct trial){ .workers = 4, .items = 0 }, "no items at all");
    run_trial((struct trial){ .workers = 1, .items = 0 }, "no items at all");
}

static void failed_items_are_dropped(void **state)
{
    (void)state;
    run_trial((struct trial){ .workers = 3, .items = 500, .fail_odd = true }, "odd items failing");
}

static void real_pipeline_with_your_pool(void **state)
{
    (void)state;
    /* A quick trial first, so that a pool that never closes `out` fails here
     * with a sentence, instead of hanging inside pipelab. */
    run_trial((struct trial){ .workers = 2, .items = 3 }, "a quick trial before running pipelab");
    const char *backends[] = { "bounded", "unbounded" };
    for (int b = 0; b < 2; b++) {
        struct lab_job j = { .backend = backends[b], .workers = 4, .depth = 2, .chunks = 64 };
        int rc = lab_job_run(&j);
        LAB_REQUIRE(rc == 0, "pipelab --backend %s with your pool exited with %d (%s)",
                    backends[b], rc, j.message);
        char why[256];
        LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab --backend %s with your pool: %s",
                    backends[b], why);
        LAB_REQUIRE(j.chunks_written == j.chunks, "pipelab wrote %llu records for %u chunks",
                    (unsigned long long)j.chunks_written, j.chunks);
        LAB_REQUIRE(j.chunks_left == 0, "%lld chunks were never freed", (long long)j.chunks_left);
        if (b == 0)
            LAB_REQUIRE(j.peak_chunks <= 2 * 2 + 4 + 2, "bounded, depth 2, 4 workers: at most 10 chunks "
                        "can be alive at once, but %lld were", (long long)j.peak_chunks);
        lab_note("pipelab --backend %s with your pool: %u chunks, 4 workers, peak %lld in flight",
                 backends[b], j.chunks, (long long)j.peak_chunks);
        lab_job_cleanup(&j);
    }
    /* glue.c hands your pool the teaching channel only: lockfree is refused. */
    struct lab_job j = { .backend = "lockfree", .workers = 2, .depth = 2, .chunks = 4 };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == EX_USAGE && strstr(j.message, "mutex channel") != NULL,
                "pipelab --backend lockfree in this lab: exit %d (%s), expected %d and a "
                "message that this lab runs over the mutex channel", rc, j.message, EX_USAGE);
    lab_job_cleanup(&j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(every_item_processed_exactly_once),
    cmocka_unit_test(workers_really_overlap),
    cmocka_unit_test(output_closed_after_the_last_worker),
    cmocka_unit_test(closed_once_with_one_or_many_workers),
    cmocka_unit_test(empty_input_closes_output),
    cmocka_unit_test(failed_items_are_dropped),
    cmocka_unit_test(real_pipeline_with_your_pool),
};

LAB_MAIN("lab 3: fan-out, fan-in", tests)
