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

static void send_waits_at_capacity(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    for (size_t i = 0; i < cap; i++)
        lab_send_ok(ch, i);
    pthread_t t;
    struct lab_call *c = lab_start_send(ch, lab_val(999), &t);
    LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS),
                "capacity %zu: a send into the full channel returned at once (%s); "
                "it must wait until a receiver makes room", cap, lab_status_name(c->st));
    lab_recv_expect(ch, 0, "receiving while a sender waits");
    LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                "capacity %zu: a receive made room, but the waiting sender never woke up", cap);
    lab_join(t);
    LAB_REQUIRE(c->st == CHAN_OK, "capacity %zu: the waiting send ended with %s, not CHAN_OK",
                cap, lab_status_name(c->st));
    for (size_t i = 1; i < cap; i++)
        lab_recv_expect(ch, i, "after the waiting send");
    lab_recv_expect(ch, 999, "the item of the send that waited comes last");
    LAB_REQUIRE(chan_len(ch) == 0, "capacity %zu: items left over that were never sent", cap);
    free(c);
    chan_destroy(ch);
}

static void send_waits_while_full(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 32; cap++)
        send_waits_at_capacity(cap);
}

static void recv_waits_while_empty(void **state)
{
    (void)state;
    size_t caps[] = { 1, 2, 5, 32 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        struct chan *ch = lab_chan_new(caps[k]);
        pthread_t t;
        struct lab_call *c = lab_start_recv(ch, &t);
        LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS),
                    "capacity %zu: chan_recv on an empty channel returned at once (%s); "
                    "it must wait for an item", caps[k], lab_status_name(c->st));
        lab_send_ok(ch, 4242);
        LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                    "capacity %zu: an item was sent, but the waiting receiver never woke up", caps[k]);
        lab_join(t);
        LAB_REQUIRE(c->st == CHAN_OK && lab_unval(c->item) == 4242,
                    "capacity %zu: the waiting receiver got %s and item %lu, expected the item 4242 "
                    "sent after it started waiting", caps[k], lab_status_name(c->st),
                    (unsigned long)lab_unval(c->item));
        free(c);
        chan_destroy(ch);
    }
}

/* ---- 3. close ---------------------------------------------------------- */

static void close_drains_then_reports_closed(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(4);
    for (uintptr_t i = 1; i <= 3; i++)
        lab_send_ok(ch, i);
    LAB_REQUIRE(chan_close(ch) == 0, "the first chan_close returned -1; it should return 0");
    enum chan_status st = chan_send(ch, lab_val(9));
    LAB_REQUIRE(st == CHAN_CLOSED, "chan_send on a closed channel returned %s, not CHAN_CLOSED",
                lab_status_name(st));
    for (uintptr_t i = 1; i <= 3; i++)
        lab_recv_expect(ch, i, "draining a closed channel (items sent before the close still count)");
    void *p = lab_val(77);
    st = chan_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_CLOSED, "chan_recv on a closed, empty channel returned %s, not CHAN_CLOSED",
                lab_status_name(st));
    LAB_REQUIRE(p == NULL, "chan_recv returned CHAN_CLOSED but did not set *item to NULL");
    LAB_REQUIRE(chan_close(ch) == -1, "closing a channel twice must return -1 the second time");
    chan_destroy(ch);
}

#define WAITERS 3

/* How many of the n calls are still asleep: the first one gets the whole
 * patience to return, the others are looked at once it is spent, so the
 * count is of the threads that never woke, not a guess from their order. */
static int still_asleep(struct lab_call **c, int n)
{
    int asleep = 0;
    for (int i = 0; i < n; i++)
        if (!lab_wait_flag(&c[i]->done, 1, asleep > 0 ? 0 : lab_patience_ms()))
            asleep++;
    return asleep;
}

static void close_wakes_blocked_receivers(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(2);
    pthread_t t[WAITERS];
    struct lab_call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = lab_start_recv(ch, &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LAB_LOOK_MS),
                    "chan_recv on an empty, open channel returned at once (%s)", lab_status_name(c[i]->st));
    LAB_REQUIRE(chan_close(ch) == 0, "chan_close returned -1 on an open channel");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d receivers were waiting on an empty channel; after chan_close, %d of them "
                    "were still asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED && c[i]->item == NULL,
                    "a receiver woken by close got %s (item %p), expected CHAN_CLOSED and NULL",
                    lab_status_name(c[i]->st), c[i]->item);
        free(c[i]);
    }
    chan_destroy(ch);
}

static void close_wakes_blocked_senders(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(2);
    lab_send_ok(ch, 1);
    lab_send_ok(ch, 2);
    pthread_t t[WAITERS];
    struct lab_call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = lab_start_send(ch, lab_val(50 + (uintptr_t)i), &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LAB_LOOK_MS),
                    "chan_send into a full channel returned at once (%s)", lab_status_name(c[i]->st));
    LAB_REQUIRE(chan_close(ch) == 0, "chan_close returned -1 on an open channel");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d senders were waiting on a full channel; after chan_close, %d of them were "
                    "still asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED,
                    "a sender woken by close got %s, expected CHAN_CLOSED (its item must not be queued)",
                    lab_status_name(c[i]->st));
        free(c[i]);
    }
    lab_recv_expect(ch, 1, "draining after close");
    lab_recv_expect(ch, 2, "draining after close");
    void *p;
    LAB_REQUIRE(chan_recv(ch, &p) == CHAN_CLOSED,
                "the senders woken by close must not have queued their items, but one was received");
    chan_destroy(ch);
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
