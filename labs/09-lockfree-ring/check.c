/*
 * check.c — lab 9's checks: is your ring a channel, without a lock on the
 * way, and does its blocking layer still let the other thread run?
 *
 *   1. The channel's promises, on chan_lockfree.h: the try forms and FIFO at
 *      every capacity from 1 to 64 (also after the ring has wrapped many
 *      times), a send waiting while full, a receive waiting while empty,
 *      close draining then reporting closed, close waking every blocked
 *      sender and receiver, and 4 senders x 4 receivers delivering every
 *      item exactly once, each sender's items in order.
 *   2. ThreadSanitizer: `make lab N=9 RACE=1` runs these same checks with
 *      it. A memory order that is too weak (a relaxed turn where the item
 *      needs release / acquire) is a data race on the slot's item, which
 *      TSan reports even when the run happened to give the right answer.
 *   3. No mutex and no condition variable on the fast path. The binary is
 *      linked with -Wl,--wrap for the pthread mutex and condition variable
 *      calls (see lab.mk), so every such call from your file lands in a
 *      __wrap_ function below first, which counts it. A run of try forms,
 *      and of blocking sends and receives that find room (or an item), must
 *      make none: that is what "lock-free" buys.
 *   4. A spin that backs off. The check pins itself (and so the threads it
 *      starts) to one CPU and passes many items through capacity 1. A ring
 *      that only spins waits for a partner who cannot run until the spinner's
 *      time slice is over: milliseconds per item. The verdict is that it
 *      completes under the runner's timeout; nothing here reads a clock.
 *   5. The real pipelab on your ring: the job of `pipelab process --backend
 *      lockfree` in this process, and the lab's own build/labs/09/pipelab
 *      (pipelab with your file linked in) round-tripping a file through
 *      `process --backend lockfree` and `restore`.
 *
 * How "it blocks" is proven without sleeping, as in lab 1: a thread makes
 * the call and raises a flag when it returns; the check makes sure the flag
 * is still down, then does the one thing that can release it and looks at
 * what the thread got.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET: this file only */

#include "labcheck.h"
#include "labjob.h"

#include "chan_lockfree.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *val(uintptr_t v)
{
    return (void *)v;
}

static uintptr_t unval(void *p)
{
    return (uintptr_t)p;
}

static const char *status_name(enum chan_status st)
{
    switch (st) {
    case CHAN_OK: return "CHAN_OK";
    case CHAN_CLOSED: return "CHAN_CLOSED";
    case CHAN_WOULD_BLOCK: return "CHAN_WOULD_BLOCK";
    }
    return "an unknown status";
}

static struct chan_lockfree *ring_new(size_t cap)
{
    struct chan_lockfree *ch = chan_lockfree_new(cap, NULL);
    LAB_REQUIRE(ch != NULL, "chan_lockfree_new(%zu) returned NULL", cap);
    return ch;
}

static void try_send_ok(struct chan_lockfree *ch, uintptr_t v)
{
    enum chan_status st = chan_lockfree_try_send(ch, val(v));
    LAB_REQUIRE(st == CHAN_OK, "capacity %zu: try_send of item %lu into a ring with room returned %s",
                chan_lockfree_capacity(ch), (unsigned long)v, status_name(st));
}

static void send_ok(struct chan_lockfree *ch, uintptr_t v)
{
    enum chan_status st = chan_lockfree_send(ch, val(v));
    LAB_REQUIRE(st == CHAN_OK, "capacity %zu: send of item %lu into a ring with room returned %s",
                chan_lockfree_capacity(ch), (unsigned long)v, status_name(st));
}

/* A receive (try form or blocking) that must give exactly `want`. */
static void recv_expect(struct chan_lockfree *ch, bool try_form, uintptr_t want, const char *when)
{
    void *p = val(12345);
    enum chan_status st = try_form ? chan_lockfree_try_recv(ch, &p) : chan_lockfree_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_OK, "capacity %zu, %s: %s returned %s although an item was queued",
                chan_lockfree_capacity(ch), when, try_form ? "try_recv" : "recv", status_name(st));
    LAB_REQUIRE(unval(p) == want, "capacity %zu, %s: received item %lu, expected %lu (first in, first out)",
                chan_lockfree_capacity(ch), when, (unsigned long)unval(p), (unsigned long)want);
}

/* ---- 1. try forms and FIFO at every capacity ---------------------------- */

static void fifo_at_capacity(size_t cap)
{
    struct chan_lockfree *ch = ring_new(cap);
    for (size_t i = 0; i < cap; i++)
        try_send_ok(ch, 100 + i);
    enum chan_status st = chan_lockfree_try_send(ch, val(1));
    LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "capacity %zu: try_send into the full ring returned %s, "
                "not CHAN_WOULD_BLOCK", cap, status_name(st));
    LAB_REQUIRE(chan_lockfree_len(ch) == cap, "capacity %zu: after %zu sends len says %zu",
                cap, cap, chan_lockfree_len(ch));
    for (size_t i = 0; i < cap; i++)
        recv_expect(ch, true, 100 + i, "emptying a full ring");
    void *p = val(7);
    st = chan_lockfree_try_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_WOULD_BLOCK && p == NULL, "capacity %zu: try_recv on the empty ring "
                "returned %s and item %p, expected CHAN_WOULD_BLOCK and NULL", cap, status_name(st), p);

    /* Half full, then items cycled through with both forms, so that head
     * and tail go round the ring many times (every slot, many rounds). */
    size_t half = cap / 2, next_in = 1000, next_out = 1000;
    for (size_t i = 0; i < half; i++)
        try_send_ok(ch, next_in++);
    for (size_t round = 0; round < 5 * cap + 5; round++) {
        if (round % 2 == 0)
            try_send_ok(ch, next_in++);
        else
            send_ok(ch, next_in++);
        recv_expect(ch, round % 3 == 0, next_out++, "going round the ring");
    }
    while (next_out < next_in)
        recv_expect(ch, false, next_out++, "going round the ring");
    LAB_REQUIRE(chan_lockfree_len(ch) == 0, "capacity %zu: emptied, but len says %zu", cap,
                chan_lockfree_len(ch));
    chan_lockfree_destroy(ch);
}

static void try_forms_and_fifo_every_capacity(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 64; cap++)
        fifo_at_capacity(cap);
}

/* ---- one call in another thread ----------------------------------------- */

struct call {
    struct chan_lockfree *ch;
    void *item;              /* to send, or received */
    enum chan_status st;
    atomic_int done;
};

static void *send_call(void *arg)
{
    struct call *c = arg;
    c->st = chan_lockfree_send(c->ch, c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static void *recv_call(void *arg)
{
    struct call *c = arg;
    c->st = chan_lockfree_recv(c->ch, &c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

/* Heap-allocated, never freed when a check fails: a thread still stuck must
 * not point at a dead stack frame (each check is its own process). */
static struct call *start_call(void *(*fn)(void *), struct chan_lockfree *ch, void *item, pthread_t *t)
{
    struct call *c = calloc(1, sizeof *c);
    LAB_REQUIRE(c != NULL, "out of memory");
    c->ch = ch;
    c->item = item;
    atomic_init(&c->done, 0);
    *t = lab_thread(fn, c);
    return c;
}

#define LOOK_MS 10   /* how long a call that must block is given to return anyway */

/* ---- 1. blocking sends and receives ------------------------------------- */

static void send_waits_while_full(void **state)
{
    (void)state;
    size_t caps[] = { 1, 2, 5, 64 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t cap = caps[k];
        struct chan_lockfree *ch = ring_new(cap);
        for (size_t i = 0; i < cap; i++)
            try_send_ok(ch, i);
        pthread_t t;
        struct call *c = start_call(send_call, ch, val(999), &t);
        LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LOOK_MS), "capacity %zu: a send into the full ring "
                    "returned at once (%s); it must wait until a receiver makes room", cap,
                    status_name(c->st));
        recv_expect(ch, true, 0, "receiving while a sender waits");
        LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                    "capacity %zu: a receive made room, but the waiting sender never got in", cap);
        lab_join(t);
        LAB_REQUIRE(c->st == CHAN_OK, "capacity %zu: the waiting send ended with %s, not CHAN_OK",
                    cap, status_name(c->st));
        for (size_t i = 1; i < cap; i++)
            recv_expect(ch, true, i, "after the waiting send");
        recv_expect(ch, true, 999, "the item of the send that waited comes last");
        free(c);
        chan_lockfree_destroy(ch);
    }
}

static void recv_waits_while_empty(void **state)
{
    (void)state;
    size_t caps[] = { 1, 2, 5, 64 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        struct chan_lockfree *ch = ring_new(caps[k]);
        pthread_t t;
        struct call *c = start_call(recv_call, ch, val(5), &t);
        LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LOOK_MS), "capacity %zu: recv on an empty ring "
                    "returned at once (%s); it must wait for an item", caps[k], status_name(c->st));
        try_send_ok(ch, 4242);
        LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                    "capacity %zu: an item was sent, but the waiting receiver never got it", caps[k]);
        lab_join(t);
        LAB_REQUIRE(c->st == CHAN_OK && unval(c->item) == 4242, "capacity %zu: the waiting receiver "
                    "got %s and item %lu, expected the item 4242 sent after it started waiting",
                    caps[k], status_name(c->st), (unsigned long)unval(c->item));
        free(c);
        chan_lockfree_destroy(ch);
    }
}

/* ---- 1. close ------------------------------------------------------------- */

static void close_drains_then_reports_closed(void **state)
{
    (void)state;
    struct chan_lockfree *ch = ring_new(4);
    for (uintptr_t i = 1; i <= 3; i++)
        try_send_ok(ch, i);
    LAB_REQUIRE(chan_lockfree_close(ch) == 0, "the first close returned -1; it should return 0");
    enum chan_status st = chan_lockfree_send(ch, val(9));
    LAB_REQUIRE(st == CHAN_CLOSED, "send on a closed ring returned %s, not CHAN_CLOSED", status_name(st));
    st = chan_lockfree_try_send(ch, val(9));
    LAB_REQUIRE(st == CHAN_CLOSED, "try_send on a closed ring returned %s, not CHAN_CLOSED",
                status_name(st));
    recv_expect(ch, true, 1, "draining a closed ring (items sent before the close still count)");
    recv_expect(ch, false, 2, "draining a closed ring (items sent before the close still count)");
    recv_expect(ch, true, 3, "draining a closed ring (items sent before the close still count)");
    void *p = val(77);
    st = chan_lockfree_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_CLOSED && p == NULL, "recv on a closed, drained ring returned %s and item "
                "%p, expected CHAN_CLOSED and NULL", status_name(st), p);
    p = val(77);
    st = chan_lockfree_try_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_CLOSED && p == NULL, "try_recv on a closed, drained ring returned %s and "
                "item %p, expected CHAN_CLOSED and NULL", status_name(st), p);
    LAB_REQUIRE(chan_lockfree_close(ch) == -1, "closing a ring twice must return -1 the second time");
    chan_lockfree_destroy(ch);
}

#define WAITERS 3

/* How many of the calls are still asleep: the first gets the whole patience,
 * the others are looked at once it is spent. */
static int still_asleep(struct call **c, int n)
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
    struct chan_lockfree *ch = ring_new(2);
    pthread_t t[WAITERS];
    struct call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = start_call(recv_call, ch, val(5), &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LOOK_MS),
                    "recv on an empty, open ring returned at once (%s)", status_name(c[i]->st));
    LAB_REQUIRE(chan_lockfree_close(ch) == 0, "close returned -1 on an open ring");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d receivers waited on an empty ring; after close, %d of them were "
                "still asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED && c[i]->item == NULL, "a receiver woken by close got "
                    "%s (item %p), expected CHAN_CLOSED and NULL", status_name(c[i]->st), c[i]->item);
        free(c[i]);
    }
    chan_lockfree_destroy(ch);
}

static void close_wakes_blocked_senders(void **state)
{
    (void)state;
    struct chan_lockfree *ch = ring_new(2);
    try_send_ok(ch, 1);
    try_send_ok(ch, 2);
    pthread_t t[WAITERS];
    struct call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = start_call(send_call, ch, val(50 + (uintptr_t)i), &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LOOK_MS),
                    "send into a full ring returned at once (%s)", status_name(c[i]->st));
    LAB_REQUIRE(chan_lockfree_close(ch) == 0, "close returned -1 on an open ring");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d senders waited on a full ring; after close, %d of them were still "
                "asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED, "a sender woken by close got %s, expected CHAN_CLOSED "
                    "(its item must not be queued)", status_name(c[i]->st));
        free(c[i]);
    }
    recv_expect(ch, false, 1, "draining after close");
    recv_expect(ch, false, 2, "draining after close");
    void *p;
    LAB_REQUIRE(chan_lockfree_recv(ch, &p) == CHAN_CLOSED,
                "the senders woken by close must not have queued their items, but one was received");
    chan_lockfree_destroy(ch);
}

/* ---- 1. four senders, four receivers: the exact multiset ---------------- */

#define SENDERS 4
#define RECEIVERS 4
#define PER_SENDER 20000

struct crowd {
    struct chan_lockfree *ch;
    atomic_int senders_done, receivers_done;
    enum chan_status send_status[SENDERS];
    uintptr_t *got[RECEIVERS];          /* what each receiver got, in order */
    size_t count[RECEIVERS];
};

struct crowd_arg {
    struct crowd *cr;
    int id;
};

/* Items are (sender << 20 | index) + 1: never 0, so never NULL. */
static void *crowd_sender(void *arg)
{
    struct crowd_arg *a = arg;
    a->cr->send_status[a->id] = CHAN_OK;
    for (uintptr_t i = 0; i < PER_SENDER; i++) {
        enum chan_status st = chan_lockfree_send(a->cr->ch, val((((uintptr_t)a->id << 20) | i) + 1));
        if (st != CHAN_OK) {
            a->cr->send_status[a->id] = st;
            break;
        }
    }
    atomic_fetch_add(&a->cr->senders_done, 1);
    return NULL;
}

static void *crowd_receiver(void *arg)
{
    struct crowd_arg *a = arg;
    struct crowd *cr = a->cr;
    void *p;
    while (chan_lockfree_recv(cr->ch, &p) == CHAN_OK && cr->count[a->id] < SENDERS * PER_SENDER)
        cr->got[a->id][cr->count[a->id]++] = unval(p);
    atomic_fetch_add(&cr->receivers_done, 1);
    return NULL;
}

static void crowd_check(struct crowd *cr, size_t cap)
{
    unsigned char *seen = calloc(SENDERS * PER_SENDER, 1);
    LAB_REQUIRE(seen != NULL, "out of memory");
    for (int r = 0; r < RECEIVERS; r++) {
        uintptr_t last[SENDERS];
        for (int s = 0; s < SENDERS; s++)
            last[s] = (uintptr_t)-1;
        for (size_t k = 0; k < cr->count[r]; k++) {
            uintptr_t v = cr->got[r][k] - 1, s = v >> 20, i = v & 0xfffff;
            LAB_REQUIRE(cr->got[r][k] != 0 && s < SENDERS && i < PER_SENDER, "capacity %zu: a "
                        "receiver got item %#lx, which nobody sent", cap, (unsigned long)cr->got[r][k]);
            LAB_REQUIRE(!seen[s * PER_SENDER + i], "capacity %zu: item %lu of sender %lu was "
                        "received twice", cap, (unsigned long)i, (unsigned long)s);
            LAB_REQUIRE(last[s] == (uintptr_t)-1 || i > last[s], "capacity %zu: a receiver got "
                        "sender %lu's item %lu after its item %lu (not first in, first out)", cap,
                        (unsigned long)s, (unsigned long)i, (unsigned long)last[s]);
            last[s] = i;
            seen[s * PER_SENDER + i] = 1;
        }
    }
    for (size_t k = 0; k < SENDERS * PER_SENDER; k++)
        LAB_REQUIRE(seen[k], "capacity %zu: item %lu of sender %lu was lost", cap,
                    (unsigned long)(k % PER_SENDER), (unsigned long)(k / PER_SENDER));
    free(seen);
}

static void crowd(size_t cap)
{
    struct crowd *cr = calloc(1, sizeof *cr);
    struct crowd_arg *args = calloc(SENDERS + RECEIVERS, sizeof *args);
    LAB_REQUIRE(cr != NULL && args != NULL, "out of memory");
    for (int r = 0; r < RECEIVERS; r++) {
        cr->got[r] = calloc(SENDERS * PER_SENDER, sizeof *cr->got[r]);
        LAB_REQUIRE(cr->got[r] != NULL, "out of memory");
    }
    cr->ch = ring_new(cap);
    pthread_t t[SENDERS + RECEIVERS];
    for (int i = 0; i < RECEIVERS; i++) {
        args[i] = (struct crowd_arg){ cr, i };
        t[i] = lab_thread(crowd_receiver, &args[i]);
    }
    for (int i = 0; i < SENDERS; i++) {
        args[RECEIVERS + i] = (struct crowd_arg){ cr, i };
        t[RECEIVERS + i] = lab_thread(crowd_sender, &args[RECEIVERS + i]);
    }
    LAB_REQUIRE(lab_wait_flag(&cr->senders_done, SENDERS, 4 * lab_patience_ms()),
                "capacity %zu: %d senders x %d items never all got through", cap, SENDERS, PER_SENDER);
    for (int i = 0; i < SENDERS; i++)
        LAB_REQUIRE(cr->send_status[i] == CHAN_OK, "capacity %zu: a send on an open ring failed "
                    "with %s", cap, status_name(cr->send_status[i]));
    LAB_REQUIRE(chan_lockfree_close(cr->ch) == 0, "capacity %zu: the first close returned -1", cap);
    LAB_REQUIRE(lab_wait_flag(&cr->receivers_done, RECEIVERS, lab_patience_ms()),
                "capacity %zu: after the close, receivers were still waiting", cap);
    for (int i = 0; i < SENDERS + RECEIVERS; i++)
        lab_join(t[i]);
    crowd_check(cr, cap);
    chan_lockfree_destroy(cr->ch);
    for (int r = 0; r < RECEIVERS; r++)
        free(cr->got[r]);
    free(args);
    free(cr);
}

static void many_senders_and_receivers(void **state)
{
    (void)state;
    crowd(1);
    crowd(4);
    crowd(64);
}

/* ---- 3. no mutex or condition variable on the fast path ----------------- */

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);
int __real_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __real_pthread_cond_signal(pthread_cond_t *c);
int __real_pthread_cond_broadcast(pthread_cond_t *c);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_trylock(pthread_mutex_t *m);
int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __wrap_pthread_cond_signal(pthread_cond_t *c);
int __wrap_pthread_cond_broadcast(pthread_cond_t *c);

/* Calls made by this thread while `counting` is on (each thread its own:
 * only the check's own thread ever counts). */
static _Thread_local bool counting;
static _Thread_local unsigned locks, waits, signals;

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    if (counting)
        locks++;
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (counting)
        locks++;
    return __real_pthread_mutex_trylock(m);
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (counting)
        waits++;
    return __real_pthread_cond_wait(c, m);
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    if (counting)
        signals++;
    return __real_pthread_cond_signal(c);
}

int __wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
    if (counting)
        signals++;
    return __real_pthread_cond_broadcast(c);
}

static void no_lock_on_the_fast_path(void **state)
{
    (void)state;
    struct chan_lockfree *ch = ring_new(4);
    void *p;
    locks = waits = signals = 0;
    counting = true;
    /* Uncontended: nobody waits, so nothing needs a lock or a wake-up. */
    for (uintptr_t round = 0; round < 100; round++) {
        for (uintptr_t i = 1; i <= 4; i++)
            try_send_ok(ch, i);
        enum chan_status st = chan_lockfree_try_send(ch, val(5));
        LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "try_send into the full ring returned %s", status_name(st));
        for (uintptr_t i = 1; i <= 4; i++)
            recv_expect(ch, true, i, "emptying the ring with try_recv");
        st = chan_lockfree_try_recv(ch, &p);
        LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "try_recv on the empty ring returned %s", status_name(st));
        for (uintptr_t i = 1; i <= 4; i++)
            send_ok(ch, i);
        for (uintptr_t i = 1; i <= 4; i++)
            recv_expect(ch, false, i, "emptying the ring with recv");
    }
    unsigned fast_locks = locks, fast_waits = waits, fast_signals = signals;
    /* close does take the mutex (to wake sleepers): proof the counting works. */
    LAB_REQUIRE(chan_lockfree_close(ch) == 0, "close returned -1 on an open ring");
    counting = false;
    LAB_REQUIRE(locks > fast_locks, "the check's instrumentation saw no pthread_mutex_lock even in "
                "close: was the check built without its --wrap flags (lab.mk)?");
    LAB_REQUIRE(fast_locks == 0 && fast_waits == 0 && fast_signals == 0,
                "1,400 sends and receives that never had to wait made %u mutex locks, %u condition "
                "waits and %u signals or broadcasts; the ring must use atomics only, and the "
                "blocking layer lock only when a thread has parked", fast_locks, fast_waits,
                fast_signals);
    lab_note("1,400 uncontended sends and receives: 0 locks, 0 waits, 0 wake-ups");
    chan_lockfree_destroy(ch);
}

/* ---- 4. a spin that backs off, on one CPU ------------------------------- */

/* Enough items that a ring whose waiting only spins (about one time slice,
 * a few milliseconds, per item when both threads share a CPU) would need
 * minutes; one that yields and parks needs a fraction of a second. */
#define ONE_CPU_ITEMS 20000

struct pinned {
    struct chan_lockfree *ch;
    enum chan_status send_st;
    uintptr_t got, out_of_order;
};

static void *pinned_producer(void *arg)
{
    struct pinned *pp = arg;
    pp->send_st = CHAN_OK;
    for (uintptr_t i = 1; i <= ONE_CPU_ITEMS && pp->send_st == CHAN_OK; i++)
        pp->send_st = chan_lockfree_send(pp->ch, val(i));
    chan_lockfree_close(pp->ch);
    return NULL;
}

static void *pinned_consumer(void *arg)
{
    struct pinned *pp = arg;
    void *p;
    while (chan_lockfree_recv(pp->ch, &p) == CHAN_OK) {
        pp->got++;
        if (unval(p) != pp->got)
            pp->out_of_order++;
    }
    return NULL;
}

/* Pin the calling thread (and so every thread it starts) to the first CPU
 * it may run on. */
static int pin_to_one_cpu(void)
{
    cpu_set_t allowed, one;
    LAB_REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0, "sched_getaffinity failed");
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
        cpu++;
    LAB_REQUIRE(cpu < CPU_SETSIZE, "this process may run on no CPU at all?");
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    LAB_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0, "sched_setaffinity to CPU %d failed", cpu);
    return cpu;
}

static void backs_off_on_one_cpu(void **state)
{
    (void)state;
    int cpu = pin_to_one_cpu();
    struct pinned *pp = calloc(1, sizeof *pp);
    LAB_REQUIRE(pp != NULL, "out of memory");
    pp->ch = ring_new(1);
    pthread_t consumer = lab_thread(pinned_consumer, pp);
    pthread_t producer = lab_thread(pinned_producer, pp);
    lab_join(producer);
    lab_join(consumer);
    LAB_REQUIRE(pp->send_st == CHAN_OK, "a send on an open ring failed with %s", status_name(pp->send_st));
    LAB_REQUIRE(pp->got == ONE_CPU_ITEMS && pp->out_of_order == 0, "the consumer got %lu of %d items, "
                "%lu of them out of order", (unsigned long)pp->got, ONE_CPU_ITEMS,
                (unsigned long)pp->out_of_order);
    lab_note("%d items through capacity 1, both threads on CPU %d", ONE_CPU_ITEMS, cpu);
    chan_lockfree_destroy(pp->ch);
    free(pp);
}

/* ---- 5. the real pipelab on your ring ---------------------------------- */

static void lockfree_backend_runs_on_your_ring(void **state)
{
    (void)state;
    /* A quick look first, so a broken ring fails here and not inside pipelab. */
    struct chan_lockfree *ch = ring_new(2);
    try_send_ok(ch, 1);
    recv_expect(ch, true, 1, "a quick look before running pipelab");
    chan_lockfree_destroy(ch);

    bool ordered[] = { false, true };
    for (size_t k = 0; k < 2; k++) {
        struct lab_job j = { .backend = "lockfree", .workers = 3, .depth = 1, .chunks = 48,
                             .ordered = ordered[k] };
        int rc = lab_job_run(&j);
        LAB_REQUIRE(rc == 0, "the job of pipelab process --backend lockfree%s on your ring exited "
                    "with %d (%s)", ordered[k] ? " --ordered" : "", rc, j.message);
        char why[256];
        LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab --backend lockfree%s on your "
                    "ring: %s", ordered[k] ? " --ordered" : "", why);
        lab_job_cleanup(&j);
    }
    lab_note("pipelab --backend lockfree: 48 chunks through 3 workers, arrival order and --ordered");
}

/* The lab's pipelab (built with your file, see lab.mk): $LAB_PIPELAB, else
 * next to this check, else one folder up (RACE=1 checks live in a subfolder). */
static void find_pipelab(char *path, size_t size)
{
    const char *env = getenv("LAB_PIPELAB");
    if (env != NULL && env[0] != '\0') {
        snprintf(path, size, "%s", env);
        return;
    }
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    LAB_REQUIRE(n > 0, "cannot find this check's own path (/proc/self/exe)");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(path, size, "%s/pipelab", self);
    if (access(path, X_OK) == 0)
        return;
    slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(path, size, "%s/pipelab", self);
    LAB_REQUIRE(access(path, X_OK) == 0, "the lab's pipelab was not built (no %s): run the checks "
                "with `make lab N=9`", path);
}

/* Run a shell command under `timeout`, so that a pipelab that hangs on a
 * broken ring is stopped (and does not outlive the check). Returns its exit
 * status, or -1 when it did not exit normally. */
static int run_command(const char *cmd)
{
    char line[2048];
    unsigned secs = lab_patience_ms() / 1000 + 1;
    snprintf(line, sizeof line, "timeout -k 1 %u %s", secs, cmd);
    int st = system(line);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void pipelab_round_trips_on_your_ring(void **state)
{
    (void)state;
    char pipelab[600], cmd[2048];
    find_pipelab(pipelab, sizeof pipelab);
    const char *dir = lab_tmpdir();

    snprintf(cmd, sizeof cmd, "%s backends >%s/backends.txt 2>&1", pipelab, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab backends` failed");
    snprintf(cmd, sizeof cmd, "grep -qw lockfree %s/backends.txt", dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab backends` does not list lockfree");

    snprintf(cmd, sizeof cmd, "%s gen %s/in.txt --size 2M >/dev/null 2>%s/err.txt", pipelab, dir, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab gen` failed");
    snprintf(cmd, sizeof cmd, "%s process --stages compress --backend lockfree --workers 3 "
             "--channel-depth 1 --chunk-size 16K %s/in.txt %s/out.plab >/dev/null 2>%s/err.txt",
             pipelab, dir, dir, dir);
    int rc = run_command(cmd);
    LAB_REQUIRE(rc == 0, "`pipelab process --backend lockfree` on your ring %s",
                rc == 124 || rc == 137 ? "never finished" : "failed");
    snprintf(cmd, sizeof cmd, "%s restore %s/out.plab %s/back.txt >/dev/null 2>%s/err.txt && "
             "cmp -s %s/in.txt %s/back.txt", pipelab, dir, dir, dir, dir, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "the file that `pipelab process --backend lockfree` wrote "
                "did not restore to its input");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    LAB_REQUIRE(system(cmd) == 0, "could not remove %s", dir);
    lab_note("build/labs/09/pipelab: process --backend lockfree, then restore, gave the input back");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(try_forms_and_fifo_every_capacity),
    cmocka_unit_test(send_waits_while_full),
    cmocka_unit_test(recv_waits_while_empty),
    cmocka_unit_test(close_drains_then_reports_closed),
    cmocka_unit_test(close_wakes_blocked_receivers),
    cmocka_unit_test(close_wakes_blocked_senders),
    cmocka_unit_test(many_senders_and_receivers),
    cmocka_unit_test(no_lock_on_the_fast_path),
    cmocka_unit_test(backs_off_on_one_cpu),
    cmocka_unit_test(lockfree_backend_runs_on_your_ring),
    cmocka_unit_test(pipelab_round_trips_on_your_ring),
};

LAB_MAIN("lab 9: a lock-free ring", tests)
