/*
 * check.c — lab 1's checks: does your chan.c behave like a bounded channel?
 *
 * A matrix of channel semantics, every one a behaviour you can observe from
 * outside: FIFO order at every capacity from 1 to 32, send waiting while the
 * channel is full, recv waiting while it is empty, 4 senders x 4 receivers
 * delivering every item exactly once, close draining before it reports
 * closed, close waking every blocked sender and receiver, woken receivers
 * that find their item stolen going back to sleep; and finally the real
 * pipelab job running on your channel.
 *
 * How "it blocks" is proven without sleeping to order events: a thread makes
 * the call and raises an atomic flag when it returns. The check makes sure
 * the flag is still down, then does the one thing that may release the call
 * (a receive, a send, a close), and looks at what the thread got: a value
 * that only that later action could have produced. A call that did not
 * block would have returned something else. (The short look at the flag
 * before acting only gives a broken channel the chance to show itself
 * sooner; no verdict on a correct channel depends on timing.)
 *
 * The helpers (lab_send_ok, lab_recv_expect, lab_start_send, ...) are in
 * labs/lib/chancheck.c, shared with lab 2.
 */
#include "chancheck.h"
#include "labjob.h"

#include <stdlib.h>

/* ---- 1. FIFO at every capacity ----------------------------------------- */

static void fifo_at_capacity(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    for (size_t i = 0; i < cap; i++)
        lab_send_ok(ch, 100 + i);
    LAB_REQUIRE(chan_len(ch) == cap, "capacity %zu: after %zu sends chan_len says %zu",
                cap, cap, chan_len(ch));
    for (size_t i = 0; i < cap; i++)
        lab_recv_expect(ch, 100 + i, "emptying a full channel");
    LAB_REQUIRE(chan_len(ch) == 0, "capacity %zu: emptied, but chan_len says %zu", cap, chan_len(ch));

    /* Keep the channel about half full and cycle items through it, so that
     * head and the free slot go round the ring several times. */
    size_t half = cap / 2, next_in = 1000, next_out = 1000; /* half < cap: room for one more */
    for (size_t i = 0; i < half; i++)
        lab_send_ok(ch, next_in++);
    for (size_t round = 0; round < 3 * cap + 3; round++) {
        lab_send_ok(ch, next_in++);
        lab_recv_expect(ch, next_out++, "going round the ring");
    }
    while (next_out < next_in)
        lab_recv_expect(ch, next_out++, "going round the ring");
    chan_destroy(ch);
}

static void fifo_every_capacity(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 32; cap++)
        fifo_at_capacity(cap);
}

/* ---- 2. send waits while full; recv waits while empty ------------------ */

static void send_waits_while_full(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 32; cap++)
        lab_chan_send_waits(cap);
}

static void recv_waits_while_empty(void **state)
{
    (void)state;
    size_t caps[] = { 1, 2, 5, 32 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++)
        lab_chan_recv_waits(caps[k]);
}

/* ---- 3. close ---------------------------------------------------------- */

static void close_drains_then_reports_closed(void **state)
{
    (void)state;
    lab_chan_close_drains();
}

static void close_wakes_blocked_receivers(void **state)
{
    (void)state;
    lab_chan_close_wakes_receivers();
}

static void close_wakes_blocked_senders(void **state)
{
    (void)state;
    lab_chan_close_wakes_senders();
}

/* ---- 4. many senders and receivers ------------------------------------- */

static void many_senders_and_receivers(void **state)
{
    (void)state;
    lab_chan_crowd(1);
    lab_chan_crowd(3);
    lab_chan_crowd(32);
}

static void woken_receivers_check_again(void **state)
{
    (void)state;
    lab_chan_stealer(1);
    lab_chan_stealer(4);
}

/* ---- 5. the real pipeline ---------------------------------------------- */

static void real_pipeline_runs_on_your_channel(void **state)
{
    (void)state;
    /* First a quick look, so a broken channel fails here and not inside pipelab. */
    struct chan *ch = lab_chan_new(2);
    lab_send_ok(ch, 1);
    lab_recv_expect(ch, 1, "a quick look before running pipelab");
    chan_destroy(ch);

    struct lab_job j = { .backend = "bounded", .workers = 3, .depth = 2, .chunks = 48 };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == 0, "pipelab process --backend bounded on your channel exited with %d (%s)",
                rc, j.message);
    char why[256];
    LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab on your channel: %s", why);
    LAB_REQUIRE(j.peak_chunks <= 2 * 2 + 3 + 2,
                "with depth 2 and 3 workers, at most 9 chunks can be alive at once, but %lld were",
                (long long)j.peak_chunks);
    lab_note("pipelab on your channel: %u chunks through 3 workers, at most %lld in flight",
             j.chunks, (long long)j.peak_chunks);
    lab_job_cleanup(&j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(fifo_every_capacity),
    cmocka_unit_test(send_waits_while_full),
    cmocka_unit_test(recv_waits_while_empty),
    cmocka_unit_test(close_drains_then_reports_closed),
    cmocka_unit_test(close_wakes_blocked_receivers),
    cmocka_unit_test(close_wakes_blocked_senders),
    cmocka_unit_test(many_senders_and_receivers),
    cmocka_unit_test(woken_receivers_check_again),
    cmocka_unit_test(real_pipeline_runs_on_your_channel),
};

LAB_MAIN("lab 1: a bounded channel", tests)
