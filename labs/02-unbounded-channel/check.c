/*
 * check.c — lab 2's checks: your unbounded channel, and what it costs.
 *
 * First the channel itself: FIFO order, a send that never waits (however
 * many items pile up), a receive that waits and a close that drains, many
 * senders and receivers, leftovers handed back by chan_destroy. Then the
 * cost, measured on the real pipelab job running on your channel, with a
 * slow writer (--writer-delay-us): the peak of chunks alive at once (struct
 * inflight, src/chunk.h) for two input sizes.
 *
 *   unbounded  the reader never waits, so the chunks pile up in the queues:
 *              the peak grows with the file (about one chunk per chunk read);
 *   bounded    the reader waits whenever the queues are full: the peak stays
 *              at most 2 x depth + workers + 2, whatever the file size.
 *
 * These checks compare counts, never times: a slow writer only makes the
 * difference large enough to see on any machine.
 */
#include "chancheck.h"
#include "labjob.h"

#include <stdlib.h>

#define MANY 200000

/* ---- the channel ------------------------------------------------------- */

static void unbounded_keeps_fifo_order(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(CHAN_UNBOUNDED);
    LAB_REQUIRE(chan_capacity(ch) == CHAN_UNBOUNDED, "chan_capacity of an unbounded channel must be "
                "CHAN_UNBOUNDED (0), not %zu", chan_capacity(ch));
    for (uintptr_t i = 1; i <= 1000; i++)
        lab_send_ok(ch, i);
    LAB_REQUIRE(chan_len(ch) == 1000, "after 1000 sends chan_len says %zu", chan_len(ch));
    for (uintptr_t i = 1; i <= 1000; i++) {
        void *p = NULL;
        enum chan_status st = chan_try_recv(ch, &p);
        LAB_REQUIRE(st == CHAN_OK && lab_unval(p) == i,
                    "1000 items sent, but receive number %lu gave %s and item %lu, expected item %lu",
                    (unsigned long)i, lab_status_name(st), (unsigned long)lab_unval(p), (unsigned long)i);
    }
    void *p;
    LAB_REQUIRE(chan_try_recv(ch, &p) == CHAN_WOULD_BLOCK, "the channel should be empty again");
    /* Empty, then used again: first and last must have been reset properly. */
    lab_send_ok(ch, 7);
    lab_send_ok(ch, 8);
    lab_recv_expect(ch, 7, "after the list was emptied once");
    lab_recv_expect(ch, 8, "after the list was emptied once");
    chan_destroy(ch);
}

static atomic_long freed_items;
static atomic_long freed_null;

static void count_free(void *item)
{
    if (item == NULL)
        atomic_fetch_add(&freed_null, 1);
    else
        atomic_fetch_add(&freed_items, 1);
}

static void unbounded_send_never_waits(void **state)
{
    (void)state;
    struct chan *ch = chan_new(CHAN_UNBOUNDED, count_free);
    LAB_REQUIRE(ch != NULL, "chan_new(CHAN_UNBOUNDED) returned NULL");
    /* Nobody receives: on a bounded channel this thread would wait forever. */
    for (uintptr_t i = 1; i <= MANY; i++) {
        enum chan_status st = chan_send(ch, lab_val(i));
        LAB_REQUIRE(st == CHAN_OK, "send number %lu on an unbounded channel returned %s",
                    (unsigned long)i, lab_status_name(st));
    }
    LAB_REQUIRE(chan_len(ch) == MANY, "after %d sends chan_len says %zu", MANY, chan_len(ch));
    lab_recv_expect(ch, 1, "the oldest of many");
    chan_destroy(ch);
    LAB_REQUIRE(atomic_load(&freed_items) == MANY - 1,
                "chan_destroy should hand each of the %d items left inside to the free function; "
                "it handed over %ld real items (and %ld NULLs)", MANY - 1,
                atomic_load(&freed_items), atomic_load(&freed_null));
}

static void unbounded_recv_waits_and_close_drains(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(CHAN_UNBOUNDED);
    pthread_t t;
    struct lab_call *c = lab_start_recv(ch, &t);
    LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS),
                "chan_recv on an empty unbounded channel returned at once (%s)", lab_status_name(c->st));
    lab_send_ok(ch, 31);
    LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                "an item was sent, but the waiting receiver never woke up");
    lab_join(t);
    LAB_REQUIRE(c->st == CHAN_OK && lab_unval(c->item) == 31,
                "the waiting receiver got %s and item %lu, expected item 31",
                lab_status_name(c->st), (unsigned long)lab_unval(c->item));
    free(c);

    for (uintptr_t i = 1; i <= 3; i++)
        lab_send_ok(ch, i);
    LAB_REQUIRE(chan_close(ch) == 0, "the first chan_close returned -1");
    LAB_REQUIRE(chan_send(ch, lab_val(9)) == CHAN_CLOSED, "a send after close must fail with CHAN_CLOSED");
    for (uintptr_t i = 1; i <= 3; i++)
        lab_recv_expect(ch, i, "draining a closed unbounded channel");
    void *p = lab_val(1);
    LAB_REQUIRE(chan_recv(ch, &p) == CHAN_CLOSED && p == NULL,
                "a closed, empty channel must report CHAN_CLOSED with *item = NULL");

    /* Receivers waiting on an empty unbounded channel wake up on close. */
    struct chan *ch2 = lab_chan_new(CHAN_UNBOUNDED);
    c = lab_start_recv(ch2, &t);
    LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS), "chan_recv on an empty channel returned at once");
    chan_close(ch2);
    LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                "a receiver waiting on an empty unbounded channel was not woken by close");
    lab_join(t);
    free(c);
    chan_destroy(ch2);
    chan_destroy(ch);
}

static void unbounded_many_senders_and_receivers(void **state)
{
    (void)state;
    lab_chan_crowd(CHAN_UNBOUNDED);
}

static void bounded_still_works(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(3);
    for (uintptr_t round = 0; round < 10; round++) {
        lab_send_ok(ch, round);
        lab_send_ok(ch, round + 100);
        lab_recv_expect(ch, round, "a bounded channel, going round the ring");
        lab_recv_expect(ch, round + 100, "a bounded channel, going round the ring");
    }
    chan_destroy(ch);
    lab_chan_crowd(2);
}

/* ---- what it costs ----------------------------------------------------- */

#define SMALL 16
#define LARGE 64
#define DEPTH 2
#define WORKERS 2
#define BOUND (2 * DEPTH + WORKERS + 2)

/* Before running pipelab on the channel, a quick look, so that a broken
 * channel fails here with a clear message rather than inside pipelab. */
static void quick_look(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    lab_send_ok(ch, 1);
    lab_send_ok(ch, 2);
    lab_recv_expect(ch, 1, "a quick look before running pipelab");
    lab_recv_expect(ch, 2, "a quick look before running pipelab");
    chan_destroy(ch);
}

/* Peak chunks in flight for one run with a slow writer. */
static int64_t peak_for(const char *backend, unsigned chunks)
{
    struct lab_job j = { .backend = backend, .workers = WORKERS, .depth = DEPTH,
                         .chunks = chunks, .writer_delay_us = 3000 };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == 0, "pipelab --backend %s on your channel exited with %d (%s)",
                backend, rc, j.message);
    char why[256];
    LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab --backend %s on your channel: %s",
                backend, why);
    LAB_REQUIRE(j.chunks_left == 0, "%lld chunks were never freed", (long long)j.chunks_left);
    lab_job_cleanup(&j);
    return j.peak_chunks;
}

static void memory_grows_with_file_size(void **state)
{
    (void)state;
    quick_look(CHAN_UNBOUNDED);
    int64_t small = peak_for("unbounded", SMALL);
    int64_t large = peak_for("unbounded", LARGE);
    lab_note("unbounded, slow writer: peak %lld chunks in flight for a %d-chunk file, %lld for %d chunks",
             (long long)small, SMALL, (long long)large, LARGE);
    LAB_REQUIRE(large - small >= (LARGE - SMALL) / 2,
                "with unbounded channels and a slow writer, the reader never waits, so 4x the file "
                "should mean about 4x the chunks in flight; the peak only went from %lld to %lld",
                (long long)small, (long long)large);
    LAB_REQUIRE(large > BOUND, "the unbounded peak (%lld) should exceed what bounded channels allow (%d)",
                (long long)large, BOUND);
}

static void bounded_memory_stays_flat(void **state)
{
    (void)state;
    quick_look(DEPTH);
    int64_t small = peak_for("bounded", SMALL);
    int64_t large = peak_for("bounded", LARGE);
    lab_note("bounded (depth %d, %d workers), slow writer: peak %lld chunks for %d chunks, %lld for %d "
             "(the bound is %d)", DEPTH, WORKERS, (long long)small, SMALL, (long long)large, LARGE, BOUND);
    LAB_REQUIRE(small <= BOUND && large <= BOUND,
                "bounded channels keep at most 2 x depth + workers + 2 = %d chunks alive, but the peaks "
                "were %lld and %lld", BOUND, (long long)small, (long long)large);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(unbounded_keeps_fifo_order),
    cmocka_unit_test(unbounded_send_never_waits),
    cmocka_unit_test(unbounded_recv_waits_and_close_drains),
    cmocka_unit_test(unbounded_many_senders_and_receivers),
    cmocka_unit_test(bounded_still_works),
    cmocka_unit_test(memory_grows_with_file_size),
    cmocka_unit_test(bounded_memory_stays_flat),
};

LAB_MAIN("lab 2: an unbounded channel", tests)
