/*
 * check_variant.c — lab 8's checks for one channel variant.
 *
 * The lab builds this file six times, once with each of chan_a.c ... chan_f.c
 * (-DVARIANT="a" ...), always with -DLAB_YIELD_POINTS and ThreadSanitizer.
 * Each check names its variant: "b/receiver_rechecks_after_wakeup".
 *
 * Most checks force one interleaving with the yield points of yield.h,
 * so that a race that needs a rare order shows up on every run:
 *
 *   "x_wait"   the line just before pthread_cond_wait (mutex held). Once a
 *              thread has passed it, taking the channel's mutex ourselves
 *              (vchan_len does) proves the thread is inside pthread_cond_wait:
 *              it holds the mutex from that line until the wait releases it.
 *   "x_woken"  just after pthread_cond_wait returns. A thread stopped there
 *              lets go of the mutex, as if it had simply woken up late.
 *   "recv_done"  after recv has unlocked, before it returns.
 *
 * A correct channel passes every forced order (the scheduler may always
 * choose it); a broken one fails the one made for its bug, every time.
 * Where a broken variant leaves a thread asleep for good, the check waits at
 * most lab_patience_ms() and fails with a sentence; the stuck thread is left
 * behind (each check runs in its own process).
 */
#include "labcheck.h"

#include "vchan.h"
#include "yield.h"

#include <stdlib.h>

#ifndef VARIANT
#error "build with -DVARIANT=\"a\" (the runner does)"
#endif

static void *val(uintptr_t v)
{
    return (void *)v;
}

/* Take the channel's mutex once: every thread that has passed a "_wait"
 * point is now inside pthread_cond_wait. */
static void settle(struct vchan *ch)
{
    (void)vchan_len(ch);
}

/* ---- a call made by another thread ------------------------------------- */

struct vcall {
    struct vchan *ch;
    void *item;
    enum vchan_status st;
    atomic_int done;
};

static void *send_call(void *arg)
{
    struct vcall *c = arg;
    c->st = vchan_send(c->ch, c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static void *recv_call(void *arg)
{
    struct vcall *c = arg;
    c->st = vchan_recv(c->ch, &c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static struct vcall *start(void *(*fn)(void *), struct vchan *ch, void *item, pthread_t *t)
{
    struct vcall *c = calloc(1, sizeof *c);
    c->ch = ch;
    c->item = item;
    *t = lab_thread(fn, c);
    return c;
}

static const char *status_name(enum vchan_status st)
{
    return st == VCHAN_OK ? "VCHAN_OK" : st == VCHAN_CLOSED ? "VCHAN_CLOSED" : "VCHAN_WOULD_BLOCK";
}

/* Wait until `point` has been passed n times, or the call is done. */
static void wait_arrival_or_done(const char *point, int n, struct vcall *c)
{
    uint64_t deadline = lab_now_ms() + lab_patience_ms();
    while (yield_arrivals(point) < n && !atomic_load(&c->done) && lab_now_ms() < deadline)
        lab_pause_us(200);
}

static void expect_waiting(const char *point, int n, const char *who)
{
    LAB_REQUIRE(yield_wait_arrivals(point, n, lab_patience_ms()),
                "variant " VARIANT ": %s never started waiting", who);
}

/* ---- 1. plain semantics ------------------------------------------------ */

static void fifo_and_close_drain(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(3);
    for (uintptr_t round = 0; round < 5; round++) {
        for (uintptr_t i = 1; i <= 3; i++)
            LAB_REQUIRE(vchan_send(ch, val(round * 10 + i)) == VCHAN_OK, "a send with room failed");
        for (uintptr_t i = 1; i <= 3; i++) {
            void *p;
            LAB_REQUIRE(vchan_recv(ch, &p) == VCHAN_OK && p == val(round * 10 + i),
                        "items did not come out in the order they went in");
        }
    }
    vchan_send(ch, val(7));
    LAB_REQUIRE(vchan_close(ch) == 0, "the first close failed");
    LAB_REQUIRE(vchan_send(ch, val(8)) == VCHAN_CLOSED, "a send after close must fail");
    void *p;
    LAB_REQUIRE(vchan_recv(ch, &p) == VCHAN_OK && p == val(7), "a closed channel must still hand out its items");
    LAB_REQUIRE(vchan_recv(ch, &p) == VCHAN_CLOSED && p == NULL, "a closed, drained channel must report VCHAN_CLOSED");
    vchan_destroy(ch);
}

#define SENDERS 4
#define RECEIVERS 4
#define PER_SENDER 2000

struct crowd {
    struct vchan *ch;
    atomic_int senders_done, receivers_done;
    atomic_int seen[SENDERS * PER_SENDER];
    atomic_int bogus;
};

static void *crowd_send(void *arg)
{
    struct crowd *cr = arg;
    static atomic_int next_id;
    int id = atomic_fetch_add(&next_id, 1) % SENDERS;
    for (uintptr_t i = 0; i < PER_SENDER; i++)
        vchan_send(cr->ch, val((uintptr_t)id * PER_SENDER + i + 1));
    atomic_fetch_add(&cr->senders_done, 1);
    return NULL;
}

static void *crowd_recv(void *arg)
{
    struct crowd *cr = arg;
    void *p;
    while (vchan_recv(cr->ch, &p) == VCHAN_OK) {
        uintptr_t v = (uintptr_t)p;
        if (v >= 1 && v <= SENDERS * PER_SENDER)
            atomic_fetch_add(&cr->seen[v - 1], 1);
        else
            atomic_fetch_add(&cr->bogus, 1);
    }
    atomic_fetch_add(&cr->receivers_done, 1);
    return NULL;
}

static void many_senders_and_receivers(void **state)
{
    (void)state;
    struct crowd *cr = calloc(1, sizeof *cr);
    cr->ch = vchan_new(2);
    pthread_t t[SENDERS + RECEIVERS];
    for (int i = 0; i < RECEIVERS; i++)
        t[i] = lab_thread(crowd_recv, cr);
    for (int i = 0; i < SENDERS; i++)
        t[RECEIVERS + i] = lab_thread(crowd_send, cr);
    LAB_REQUIRE(lab_wait_flag(&cr->senders_done, SENDERS, lab_patience_ms()),
                "variant " VARIANT ": 4 senders and 4 receivers got stuck (%d senders finished): "
                "some thread waits for a wake-up that never comes", atomic_load(&cr->senders_done));
    vchan_close(cr->ch);
    LAB_REQUIRE(lab_wait_flag(&cr->receivers_done, RECEIVERS, lab_patience_ms()),
                "variant " VARIANT ": after close, %d of 4 receivers were still asleep",
                RECEIVERS - atomic_load(&cr->receivers_done));
    for (int i = 0; i < SENDERS + RECEIVERS; i++)
        lab_join(t[i]);
    LAB_REQUIRE(atomic_load(&cr->bogus) == 0, "variant " VARIANT ": receivers got %d items that were "
                "never sent", atomic_load(&cr->bogus));
    for (int k = 0; k < SENDERS * PER_SENDER; k++)
        LAB_REQUIRE(atomic_load(&cr->seen[k]) == 1, "variant " VARIANT ": an item was received %d times",
                    atomic_load(&cr->seen[k]));
    vchan_destroy(cr->ch);
    free(cr);
}

/* ---- 2. forced interleavings ------------------------------------------- */

/* A receiver waits; a send wakes it; before it runs again, another receiver
 * takes the item. The woken receiver must go back to waiting. */
static void receiver_rechecks_after_wakeup(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(2);
    pthread_t t;
    struct vcall *r = start(recv_call, ch, NULL, &t);
    expect_waiting("recv_wait", 1, "a receiver on an empty channel");
    settle(ch);
    yield_park("recv_woken", 1);
    LAB_REQUIRE(vchan_send(ch, val(11)) == VCHAN_OK, "a send into an empty channel failed");
    LAB_REQUIRE(yield_wait_parked("recv_woken", 1, lab_patience_ms()),
                "variant " VARIANT ": a send did not wake the waiting receiver");
    /* The receiver is awake but has not run yet: another receiver takes the item. */
    void *p;
    LAB_REQUIRE(vchan_try_recv(ch, &p) == VCHAN_OK && p == val(11), "the item was not in the channel");
    yield_release("recv_woken");
    wait_arrival_or_done("recv_wait", 2, r);
    LAB_REQUIRE(!atomic_load(&r->done),
                "variant " VARIANT ": a receiver was woken by a send, but before it ran again another "
                "receiver took the item; it then returned %s (item %p) from an open, empty channel "
                "instead of waiting again", status_name(r->st), r->item);
    settle(ch);
    LAB_REQUIRE(vchan_send(ch, val(22)) == VCHAN_OK, "a send failed");
    LAB_REQUIRE(lab_wait_flag(&r->done, 1, lab_patience_ms()), "variant " VARIANT ": the receiver "
                "never got the second item");
    lab_join(t);
    LAB_REQUIRE(r->st == VCHAN_OK && r->item == val(22), "variant " VARIANT ": the receiver got %s and "
                "%p, expected the second item", status_name(r->st), r->item);
    free(r);
    vchan_destroy(ch);
}

/* A receiver has taken the only item and unlocked, but not returned yet.
 * The channel is empty now, and must say so. */
static void count_stays_true_after_unlock(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(4);
    LAB_REQUIRE(vchan_send(ch, val(33)) == VCHAN_OK, "a send into an empty channel failed");
    yield_park("recv_done", 1);
    pthread_t t;
    struct vcall *r = start(recv_call, ch, NULL, &t);
    LAB_REQUIRE(yield_wait_parked("recv_done", 1, lab_patience_ms()),
                "variant " VARIANT ": the receive never finished its critical section");
    void *p = NULL;
    enum vchan_status st = vchan_try_recv(ch, &p);
    size_t len = vchan_len(ch);
    yield_release("recv_done");
    LAB_REQUIRE(lab_wait_flag(&r->done, 1, lab_patience_ms()), "the receiver never returned");
    lab_join(t);
    LAB_REQUIRE(st == VCHAN_WOULD_BLOCK, "variant " VARIANT ": a receiver had taken the only item and "
                "unlocked, yet another receive found the channel not empty (it returned %s, item %p)",
                status_name(st), p);
    LAB_REQUIRE(len == 0, "variant " VARIANT ": a receiver had taken the only item and unlocked, yet "
                "vchan_len said %zu", len);
    LAB_REQUIRE(r->st == VCHAN_OK && r->item == val(33), "the receiver did not get the item");
    free(r);
    vchan_destroy(ch);
}

/* Two receivers wait on an empty channel; close must wake both. */
static void close_wakes_every_receiver(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(2);
    pthread_t t[2];
    struct vcall *r[2];
    for (int i = 0; i < 2; i++)
        r[i] = start(recv_call, ch, NULL, &t[i]);
    expect_waiting("recv_wait", 2, "two receivers on an empty channel");
    settle(ch); /* both are inside pthread_cond_wait now */
    LAB_REQUIRE(vchan_close(ch) == 0, "close failed");
    for (int i = 0; i < 2; i++)
        LAB_REQUIRE(lab_wait_flag(&r[i]->done, 1, lab_patience_ms()),
                    "variant " VARIANT ": two receivers were waiting when the channel was closed; "
                    "%d of them never woke up", 2 - i);
    for (int i = 0; i < 2; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(r[i]->st == VCHAN_CLOSED, "a receiver woken by close got %s", status_name(r[i]->st));
        free(r[i]);
    }
    vchan_destroy(ch);
}

/* Two senders wait on a full channel; close must wake both. */
static void close_wakes_every_sender(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(1);
    LAB_REQUIRE(vchan_send(ch, val(44)) == VCHAN_OK, "a send into an empty channel failed");
    pthread_t t[2];
    struct vcall *s[2];
    for (int i = 0; i < 2; i++)
        s[i] = start(send_call, ch, val(50 + (uintptr_t)i), &t[i]);
    expect_waiting("send_wait", 2, "two senders on a full channel");
    settle(ch);
    LAB_REQUIRE(vchan_close(ch) == 0, "close failed");
    for (int i = 0; i < 2; i++)
        LAB_REQUIRE(lab_wait_flag(&s[i]->done, 1, lab_patience_ms()),
                    "variant " VARIANT ": two senders were waiting when the channel was closed; "
                    "%d of them never woke up", 2 - i);
    for (int i = 0; i < 2; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(s[i]->st == VCHAN_CLOSED, "a sender woken by close got %s", status_name(s[i]->st));
        free(s[i]);
    }
    void *p;
    LAB_REQUIRE(vchan_recv(ch, &p) == VCHAN_OK && p == val(44), "the item sent before close was lost");
    vchan_destroy(ch);
}

/*
 * Capacity 1. Two receivers wait; a send wakes one of them, which we stop
 * before it takes the item. A sender now finds the channel full and waits
 * too. We let the woken receiver go: it takes the item, making room, and
 * wakes someone — it must be the waiting sender, or someone who passes the
 * wake-up on. Then both items reach the two receivers.
 */
static void wakeup_reaches_a_waiting_sender(void **state)
{
    (void)state;
    struct vchan *ch = vchan_new(1);
    pthread_t tr[2], ts;
    struct vcall *r[2];
    r[0] = start(recv_call, ch, NULL, &tr[0]);
    expect_waiting("recv_wait", 1, "a receiver on an empty channel");
    settle(ch);
    r[1] = start(recv_call, ch, NULL, &tr[1]);
    expect_waiting("recv_wait", 2, "a second receiver");
    settle(ch);

    yield_park("recv_woken", 1);
    LAB_REQUIRE(vchan_send(ch, val(1)) == VCHAN_OK, "a send into an empty channel failed");
    LAB_REQUIRE(yield_wait_parked("recv_woken", 1, lab_patience_ms()),
                "variant " VARIANT ": a send woke neither of the two waiting receivers");
    struct vcall *s = start(send_call, ch, val(2), &ts);
    wait_arrival_or_done("send_wait", 1, s); /* the channel is full (or a receiver took it) */
    settle(ch);
    yield_release("recv_woken");

    LAB_REQUIRE(lab_wait_flag(&s->done, 1, lab_patience_ms()),
                "variant " VARIANT ": a sender waited for room in a full channel; a receiver then took "
                "the item and woke someone up, but the sender never woke: the wake-up went to a thread "
                "that was waiting for something else");
    lab_join(ts);
    LAB_REQUIRE(s->st == VCHAN_OK, "the second send failed");
    for (int i = 0; i < 2; i++)
        LAB_REQUIRE(lab_wait_flag(&r[i]->done, 1, lab_patience_ms()),
                    "variant " VARIANT ": two items were sent to two waiting receivers, but one of them "
                    "never got its item");
    uintptr_t sum = 0;
    for (int i = 0; i < 2; i++) {
        lab_join(tr[i]);
        LAB_REQUIRE(r[i]->st == VCHAN_OK, "a receiver got %s", status_name(r[i]->st));
        sum += (uintptr_t)r[i]->item;
        free(r[i]);
    }
    LAB_REQUIRE(sum == 3, "the two receivers did not get the two items");
    free(s);
    vchan_destroy(ch);
}

#define CHECK(fn) { .name = VARIANT "/" #fn, .test_func = fn }

static const struct CMUnitTest tests[] = {
    CHECK(fifo_and_close_drain),
    CHECK(many_senders_and_receivers),
    CHECK(receiver_rechecks_after_wakeup),
    CHECK(count_stays_true_after_unlock),
    CHECK(close_wakes_every_receiver),
    CHECK(close_wakes_every_sender),
    CHECK(wakeup_reaches_a_waiting_sender),
};

LAB_MAIN("lab 8: variant " VARIANT, tests)
