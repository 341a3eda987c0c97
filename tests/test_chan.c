/*
 * test_chan.c — black-box tests of chan.h, in the spirit of Go's channel tests.
 *
 * No test sleeps to put events in order. To show that a call *blocks*, a thread
 * makes the call and raises an atomic `done` flag when it returns; the main
 * thread checks `done == 0`, then does the one thing that may release it (a
 * send, a recv, a close), and finally checks that what the thread got could
 * only come from that action: a value sent only after the check, the item order,
 * or CHAN_CLOSED on a channel that nobody else closes. A thread that did not
 * block would fail these checks, whatever the scheduling.
 *
 * Items are small integers carried in the pointer itself (val/unval), except
 * where a test needs to see ownership; those use heap items.
 *
 * Every test runs over both implementations of channel.h (the mutex channel
 * of chan.c and the lock-free ring of chan_lockfree.c); the stress tests at the
 * end run 4 producers x 4 consumers x 1 million values and 1,000 closes under
 * load, checked as exact multisets.
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "channel.h"

/* The implementation under test: main runs the whole suite once per
 * implementation (see the end of the file). */
static enum channel_impl impl;

static struct channel *test_chan_new(size_t cap, void (*free_item)(void *))
{
    return channel_new(impl, cap, free_item);
}

/* The lock-free channel has no unbounded form: checks skip that capacity. */
static int impl_has(size_t cap)
{
    return cap != CHAN_UNBOUNDED || impl == CHANNEL_MUTEX;
}

static void *val(uintptr_t v)
{
    return (void *)v;
}

static uintptr_t unval(void *p)
{
    return (uintptr_t)p;
}

/* ---- 1. every capacity 1..64: try forms, len, capacity, FIFO ------------ */

struct fifo_recv {
    struct channel *ch;
    int n;
    uintptr_t got[100];
    enum chan_status st[100];
};

static void *fifo_receiver(void *arg)
{
    struct fifo_recv *r = arg;
    for (int i = 0; i < r->n; i++) {
        void *p;
        r->st[i] = channel_recv(r->ch, &p);
        r->got[i] = unval(p);
    }
    return NULL;
}

static void check_capacity(size_t cap)
{
    struct channel *ch = test_chan_new(cap, NULL);
    assert_non_null(ch);
    assert_int_equal(channel_capacity(ch), cap);
    assert_int_equal(channel_len(ch), 0);

    void *p;
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);

    for (size_t i = 0; i < cap; i++) {
        assert_int_equal(channel_try_send(ch, val(i)), CHAN_OK);
        assert_int_equal(channel_len(ch), i + 1);
    }
    assert_int_equal(channel_try_send(ch, val(999)), CHAN_WOULD_BLOCK);
    assert_int_equal(channel_len(ch), cap);
    assert_int_equal(channel_capacity(ch), cap);

    for (size_t i = 0; i < cap; i++) {
        assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
        assert_int_equal(unval(p), i);
    }
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);
    assert_int_equal(channel_len(ch), 0);

    /* 100 values through a concurrent receiver: the ring wraps many times. */
    struct fifo_recv r = { .ch = ch, .n = 100 };
    pthread_t t = test_start_thread(fifo_receiver, &r);
    for (uintptr_t i = 0; i < 100; i++)
        assert_int_equal(channel_send(ch, val(1000 + i)), CHAN_OK);
    test_join_thread(t);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(r.st[i], CHAN_OK);
        assert_int_equal(r.got[i], 1000 + (uintptr_t)i);
    }
    assert_int_equal(channel_len(ch), 0);
    channel_destroy(ch);
}

static void test_every_capacity(void **state)
{
    (void)state;
    test_watchdog(20);
    for (size_t cap = 1; cap <= 64; cap++)
        check_capacity(cap);
}

/* ---- 2. blocking recv and blocking send -------------------------------- */

struct one_call {
    struct channel *ch;
    void *item;           /* to send, or received */
    enum chan_status st;
    atomic_int started;
    atomic_int done;
};

static void *recv_once(void *arg)
{
    struct one_call *c = arg;
    atomic_store(&c->started, 1);
    c->st = channel_recv(c->ch, &c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static void *send_once(void *arg)
{
    struct one_call *c = arg;
    atomic_store(&c->started, 1);
    c->st = channel_send(c->ch, c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static void check_blocking_recv(size_t cap)
{
    if (!impl_has(cap))
        return;
    struct channel *ch = test_chan_new(cap, NULL);
    assert_non_null(ch);
    struct one_call c = { .ch = ch };
    pthread_t t = test_start_thread(recv_once, &c);
    test_wait_flag(&c.started, 1);

    /* The channel is empty, so the receiver cannot have returned an item. 42 is
     * sent only now; getting 42 proves recv waited for this send. */
    assert_int_equal(atomic_load(&c.done), 0);
    assert_int_equal(channel_send(ch, val(42)), CHAN_OK);
    test_join_thread(t);
    assert_int_equal(atomic_load(&c.done), 1);
    assert_int_equal(c.st, CHAN_OK);
    assert_int_equal(unval(c.item), 42);
    assert_int_equal(channel_len(ch), 0);

    /* Whether the receiver got to wait before 42 arrived is up to the scheduler
     * (it may have been preempted between raising `started` and calling recv),
     * so only the side that can never wait is checked: this send found room. */
    struct chan_stats s;
    channel_stats(ch, &s);
    assert_int_equal(s.send_blocked_ns, 0);
    channel_destroy(ch);
}

static void check_blocking_send(size_t cap)
{
    struct channel *ch = test_chan_new(cap, NULL);
    assert_non_null(ch);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(channel_send(ch, val(i)), CHAN_OK);

    struct one_call c = { .ch = ch, .item = val(77) };
    pthread_t t = test_start_thread(send_once, &c);
    test_wait_flag(&c.started, 1);

    /* Full: the sender cannot have queued 77. The first recv must still see the
     * oldest item (0), not 77 and not a lost slot; only that recv makes room. */
    assert_int_equal(atomic_load(&c.done), 0);
    assert_int_equal(channel_len(ch), cap);
    void *p;
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 0);
    test_join_thread(t);
    assert_int_equal(c.st, CHAN_OK);
    assert_int_equal(channel_len(ch), cap);

    /* The rest come out in order, with 77 last. */
    for (size_t i = 1; i < cap; i++) {
        assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
        assert_int_equal(unval(p), i);
    }
    assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 77);
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);

    /* As above: the sender may or may not have waited (scheduling); the
     * receiver never did, since the channel was full when it asked. */
    struct chan_stats s;
    channel_stats(ch, &s);
    assert_int_equal(s.recv_starved_ns, 0);
    channel_destroy(ch);
}

static void test_blocking_recv_gets_later_send(void **state)
{
    (void)state;
    test_watchdog(20);
    check_blocking_recv(1);
    check_blocking_recv(8);
    check_blocking_recv(CHAN_UNBOUNDED);
}

static void test_blocking_send_waits_for_room(void **state)
{
    (void)state;
    test_watchdog(20);
    check_blocking_send(1);
    check_blocking_send(2);
    check_blocking_send(5);
}

/* ---- 3. unbounded ------------------------------------------------------- */

static void test_unbounded(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { N = 100000 };
    struct channel *ch = test_chan_new(CHAN_UNBOUNDED, NULL);
    assert_non_null(ch);
    assert_int_equal(channel_capacity(ch), CHAN_UNBOUNDED);

    void *p;
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);

    /* No receiver exists: a send that blocked would hang here (watchdog). The
     * try form must never report WOULD_BLOCK either. */
    for (uintptr_t i = 0; i < N / 2; i++)
        assert_int_equal(channel_send(ch, val(i)), CHAN_OK);
    for (uintptr_t i = N / 2; i < N; i++)
        assert_int_equal(channel_try_send(ch, val(i)), CHAN_OK);
    assert_int_equal(channel_len(ch), N);

    for (uintptr_t i = 0; i < N; i++) {
        assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
        assert_int_equal(unval(p), i);
    }
    assert_int_equal(channel_len(ch), 0);
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);

    /* The list must work again after being emptied. */
    assert_int_equal(channel_send(ch, val(7)), CHAN_OK);
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 7);
    channel_destroy(ch);
}

/* ---- 4. many producers, many consumers ---------------------------------- */

enum { NPROD = 4, NCONS = 4, PER_PROD = 10000 };

struct mpmc {
    struct channel *ch;
    atomic_int seen[NPROD * PER_PROD]; /* how often each value arrived */
    atomic_int out_of_order;           /* a consumer saw one producer go backwards */
    atomic_int send_failed;            /* a producer's send did not return CHAN_OK */
    atomic_int closing;                /* raised by main just before chan_close */
    atomic_int early_close;            /* a consumer saw CHAN_CLOSED before that */
};

struct producer {
    struct mpmc *m;
    int id;
};

static void *mpmc_producer(void *arg)
{
    struct producer *p = arg;
    for (int i = 0; i < PER_PROD; i++) {
        uintptr_t v = (uintptr_t)p->id * PER_PROD + (uintptr_t)i;
        if (channel_send(p->m->ch, val(v)) != CHAN_OK)
            atomic_fetch_add(&p->m->send_failed, 1);
    }
    return NULL;
}

/* Receive until closed. FIFO means each producer's values reach any one
 * consumer in increasing order, so check that too. CHAN_CLOSED must come only
 * after main raised `closing`: a receiver woken with nothing to take (another
 * one got there first) must wait again, not report the channel closed. */
static void *mpmc_consumer(void *arg)
{
    struct mpmc *m = arg;
    long last[NPROD];
    for (int i = 0; i < NPROD; i++)
        last[i] = -1;
    void *p;
    while (channel_recv(m->ch, &p) == CHAN_OK) {
        uintptr_t v = unval(p);
        if (v >= NPROD * PER_PROD) {
            atomic_fetch_add(&m->out_of_order, 1);
            continue;
        }
        atomic_fetch_add(&m->seen[v], 1);
        long idx = (long)(v % PER_PROD);
        int prod = (int)(v / PER_PROD);
        if (idx <= last[prod])
            atomic_fetch_add(&m->out_of_order, 1);
        last[prod] = idx;
    }
    if (atomic_load(&m->closing) == 0)
        atomic_fetch_add(&m->early_close, 1);
    return NULL;
}

static void check_mpmc(size_t cap)
{
    if (!impl_has(cap))
        return;
    static struct mpmc m; /* 160 KB: too big for a thread-sized stack frame */
    m.ch = test_chan_new(cap, NULL);
    assert_non_null(m.ch);
    for (int i = 0; i < NPROD * PER_PROD; i++)
        atomic_init(&m.seen[i], 0);
    atomic_init(&m.out_of_order, 0);
    atomic_init(&m.send_failed, 0);
    atomic_init(&m.closing, 0);
    atomic_init(&m.early_close, 0);

    pthread_t cons[NCONS], prod[NPROD];
    struct producer pa[NPROD];
    for (int i = 0; i < NCONS; i++)
        cons[i] = test_start_thread(mpmc_consumer, &m);
    for (int i = 0; i < NPROD; i++) {
        pa[i] = (struct producer){ .m = &m, .id = i };
        prod[i] = test_start_thread(mpmc_producer, &pa[i]);
    }
    for (int i = 0; i < NPROD; i++)
        test_join_thread(prod[i]);
    atomic_store(&m.closing, 1);
    assert_int_equal(channel_close(m.ch), 0);
    for (int i = 0; i < NCONS; i++)
        test_join_thread(cons[i]);

    assert_int_equal(atomic_load(&m.out_of_order), 0);
    assert_int_equal(atomic_load(&m.early_close), 0);
    assert_int_equal(atomic_load(&m.send_failed), 0);
    for (int i = 0; i < NPROD * PER_PROD; i++)
        if (atomic_load(&m.seen[i]) != 1)
            fail_msg("cap %zu: value %d arrived %d times", cap, i, atomic_load(&m.seen[i]));
    assert_int_equal(channel_len(m.ch), 0);

    struct chan_stats s;
    channel_stats(m.ch, &s);
    assert_int_equal(s.sent, NPROD * PER_PROD);
    assert_int_equal(s.received, NPROD * PER_PROD);
    if (cap != CHAN_UNBOUNDED)
        assert_true(s.depth_max <= cap);
    channel_destroy(m.ch);
}

static void test_mpmc_cap1(void **state)
{
    (void)state;
    test_watchdog(20);
    check_mpmc(1);
}

static void test_mpmc_cap4(void **state)
{
    (void)state;
    test_watchdog(20);
    check_mpmc(4);
}

static void test_mpmc_cap64(void **state)
{
    (void)state;
    test_watchdog(20);
    check_mpmc(64);
}

static void test_mpmc_unbounded(void **state)
{
    (void)state;
    test_watchdog(20);
    check_mpmc(CHAN_UNBOUNDED);
}

/* ---- 5. close wakes blocked receivers and blocked senders --------------- */

enum { NBLOCKED = 4 };

struct blocked {
    struct channel *ch;
    atomic_int *started;
    atomic_int *done;
    atomic_int *closing; /* raised by main just before chan_close */
    int *item;           /* sender: the heap item it tries to send */
    enum chan_status st;
    int saw_closing;     /* closing was already raised when the call returned */
};

static void *blocked_recv(void *arg)
{
    struct blocked *b = arg;
    void *p;
    atomic_fetch_add(b->started, 1);
    b->st = channel_recv(b->ch, &p);
    b->saw_closing = atomic_load(b->closing);
    atomic_fetch_add(b->done, 1);
    return NULL;
}

static void *blocked_send(void *arg)
{
    struct blocked *b = arg;
    atomic_fetch_add(b->started, 1);
    b->st = channel_send(b->ch, b->item);
    b->saw_closing = atomic_load(b->closing);
    if (b->st == CHAN_CLOSED) {
        /* Still ours: free it. Had the channel kept it too, ASan would report
         * the double free or the use after free when main drains it. */
        free(b->item);
        b->item = NULL;
    }
    atomic_fetch_add(b->done, 1);
    return NULL;
}

/* Start NBLOCKED threads running fn, wait until all have started, check none
 * has returned, raise `closing`, close, join. Nothing else ever releases them,
 * so each one must return CHAN_CLOSED, after `closing` was raised. */
static void close_releases(struct channel *ch, void *(*fn)(void *), struct blocked *b)
{
    atomic_int started = 0, done = 0, closing = 0;
    pthread_t t[NBLOCKED];
    for (int i = 0; i < NBLOCKED; i++) {
        b[i].ch = ch;
        b[i].started = &started;
        b[i].done = &done;
        b[i].closing = &closing;
        t[i] = test_start_thread(fn, &b[i]);
    }
    test_wait_flag(&started, NBLOCKED);
    assert_int_equal(atomic_load(&done), 0);
    atomic_store(&closing, 1);
    assert_int_equal(channel_close(ch), 0);
    for (int i = 0; i < NBLOCKED; i++)
        test_join_thread(t[i]);
    assert_int_equal(atomic_load(&done), NBLOCKED);
    for (int i = 0; i < NBLOCKED; i++) {
        assert_int_equal(b[i].st, CHAN_CLOSED);
        assert_int_equal(b[i].saw_closing, 1);
    }
}

static void test_close_wakes_receivers(void **state)
{
    (void)state;
    test_watchdog(20);
    size_t caps[] = { 1, 16, CHAN_UNBOUNDED };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        if (!impl_has(caps[k]))
            continue;
        struct channel *ch = test_chan_new(caps[k], NULL);
        assert_non_null(ch);
        struct blocked b[NBLOCKED] = { 0 };
        close_releases(ch, blocked_recv, b);
        channel_destroy(ch);
    }
}

static void test_close_wakes_senders(void **state)
{
    (void)state;
    test_watchdog(20);
    struct channel *ch = test_chan_new(2, free);
    assert_non_null(ch);
    int *first = malloc(sizeof *first), *second = malloc(sizeof *second);
    assert_non_null(first);
    assert_non_null(second);
    *first = 1;
    *second = 2;
    assert_int_equal(channel_send(ch, first), CHAN_OK);
    assert_int_equal(channel_send(ch, second), CHAN_OK);

    struct blocked b[NBLOCKED] = { 0 };
    for (int i = 0; i < NBLOCKED; i++) {
        b[i].item = malloc(sizeof *b[i].item);
        assert_non_null(b[i].item);
        *b[i].item = 100 + i;
    }
    close_releases(ch, blocked_send, b);
    for (int i = 0; i < NBLOCKED; i++)
        assert_null(b[i].item); /* each sender got its item back and freed it */

    /* Only the two items sent before close are inside. */
    void *p;
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_ptr_equal(p, first);
    free(p);
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_ptr_equal(p, second);
    free(p);
    assert_int_equal(channel_recv(ch, &p), CHAN_CLOSED);
    channel_destroy(ch);
}

/* ---- 6. drain, then closed ---------------------------------------------- */

static void check_drain_then_closed(size_t cap)
{
    if (!impl_has(cap))
        return;
    struct channel *ch = test_chan_new(cap, NULL);
    assert_non_null(ch);
    for (uintptr_t i = 1; i <= 3; i++)
        assert_int_equal(channel_send(ch, val(i)), CHAN_OK);
    assert_int_equal(channel_close(ch), 0);

    assert_int_equal(channel_send(ch, val(4)), CHAN_CLOSED);
    assert_int_equal(channel_try_send(ch, val(5)), CHAN_CLOSED);
    assert_int_equal(channel_len(ch), 3);

    void *p;
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 1);
    assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 2);
    assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    assert_int_equal(unval(p), 3);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(channel_recv(ch, &p), CHAN_CLOSED);
        assert_int_equal(channel_try_recv(ch, &p), CHAN_CLOSED);
    }
    assert_int_equal(channel_send(ch, val(6)), CHAN_CLOSED);
    assert_int_equal(channel_close(ch), -1);
    assert_int_equal(channel_close(ch), -1);
    assert_int_equal(channel_len(ch), 0);

    struct chan_stats s;
    channel_stats(ch, &s);
    assert_int_equal(s.sent, 3); /* refused sends are not counted */
    assert_int_equal(s.received, 3);
    channel_destroy(ch);
}

static void test_drain_then_closed(void **state)
{
    (void)state;
    test_watchdog(20);
    check_drain_then_closed(3);
    check_drain_then_closed(8);
    check_drain_then_closed(CHAN_UNBOUNDED);
}

/* ---- 7. chan_destroy frees leftovers ------------------------------------ */

static atomic_int freed;

static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

static void *new_item(int v)
{
    int *p = malloc(sizeof *p);
    assert_non_null(p);
    *p = v;
    return p;
}

/* Send `in`, receive `out` (freeing them), send `again`, then destroy: the free
 * function must run exactly for what is left. */
static void check_destroy(size_t cap, int in, int out, int again)
{
    if (!impl_has(cap))
        return;
    atomic_store(&freed, 0);
    struct channel *ch = test_chan_new(cap, count_free);
    assert_non_null(ch);
    for (int i = 0; i < in; i++)
        assert_int_equal(channel_send(ch, new_item(i)), CHAN_OK);
    for (int i = 0; i < out; i++) {
        void *p;
        assert_int_equal(channel_recv(ch, &p), CHAN_OK);
        assert_int_equal(*(int *)p, i);
        free(p);
    }
    for (int i = 0; i < again; i++)
        assert_int_equal(channel_send(ch, new_item(in + i)), CHAN_OK);
    assert_int_equal(atomic_load(&freed), 0); /* nothing freed behind our back */
    channel_destroy(ch);
    assert_int_equal(atomic_load(&freed), in - out + again);
}

static void test_destroy_frees_leftovers(void **state)
{
    (void)state;
    test_watchdog(20);
    check_destroy(8, 7, 2, 0);
    check_destroy(4, 4, 3, 3); /* the leftovers wrap around the ring's end */
    check_destroy(4, 0, 0, 0);
    check_destroy(CHAN_UNBOUNDED, 1000, 10, 5);
    check_destroy(CHAN_UNBOUNDED, 0, 0, 0);

    /* Without a free function the leftovers are simply dropped (and any list
     * nodes still freed: ASan would report a leak). */
    struct channel *ch = test_chan_new(impl_has(CHAN_UNBOUNDED) ? CHAN_UNBOUNDED : 4, NULL);
    assert_non_null(ch);
    assert_int_equal(channel_send(ch, val(1)), CHAN_OK);
    assert_int_equal(channel_send(ch, val(2)), CHAN_OK);
    channel_destroy(ch);
}

/* ---- 8. statistics and the wait observer --------------------------------- */

struct observed {
    int calls;
    uint64_t total_ns;
};

static void observe(void *arg, uint64_t wait_ns)
{
    struct observed *o = arg;
    o->calls++;
    o->total_ns += wait_ns;
}

static void check_stats(size_t cap)
{
    if (!impl_has(cap))
        return;
    struct channel *ch = test_chan_new(cap, NULL);
    assert_non_null(ch);
    struct observed o = { 0 };
    channel_set_wait_observer(ch, observe, &o);

    struct chan_stats s;
    channel_stats(ch, &s);
    assert_int_equal(s.sent, 0);
    assert_int_equal(s.received, 0);
    assert_int_equal(s.depth_max, 0);
    assert_int_equal(s.depth_area_ns, 0);

    /* send 3, recv 2, send 3 (depth 4), recv 1: sent 6, received 3,
     * depth_max 4. At capacity 4 a try_send at depth 4 is refused and must not
     * count as sent. */
    void *p;
    for (uintptr_t i = 0; i < 3; i++)
        assert_int_equal(channel_send(ch, val(i)), CHAN_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(channel_recv(ch, &p), CHAN_OK);
    for (uintptr_t i = 3; i < 6; i++)
        assert_int_equal(channel_try_send(ch, val(i)), CHAN_OK);
    if (cap == 4)
        assert_int_equal(channel_try_send(ch, val(99)), CHAN_WOULD_BLOCK);
    assert_int_equal(channel_try_recv(ch, &p), CHAN_OK);
    assert_int_equal(o.calls, 3);

    channel_stats(ch, &s);
    assert_int_equal(s.sent, 6);
    assert_int_equal(s.received, 3);
    /* The mutex channel sees every depth; the lock-free one only the depths a
     * snapshot or a full ring shows (chan_lockfree.h): here 3 or 4. */
    if (impl == CHANNEL_MUTEX)
        assert_int_equal(s.depth_max, 4);
    else
        assert_true(s.depth_max >= 3 && s.depth_max <= 4);
    assert_int_equal(s.wait_total_ns, o.total_ns);
    assert_int_equal(s.send_blocked_ns, 0); /* no sender ever waited */
    assert_int_equal(s.recv_starved_ns, 0); /* no receiver ever waited */
    assert_true(s.elapsed_ns > 0);
    assert_true(s.depth_area_ns <= (uint64_t)4 * s.elapsed_ns); /* never deeper than 4 */

    /* Draining: one observer call per item, and the totals only grow. */
    struct chan_stats before = s;
    while (channel_try_recv(ch, &p) == CHAN_OK)
        ;
    assert_int_equal(o.calls, 6);
    channel_stats(ch, &s);
    assert_int_equal(s.received, 6);
    assert_int_equal(s.wait_total_ns, o.total_ns);
    assert_true(s.elapsed_ns >= before.elapsed_ns);
    assert_true(s.depth_area_ns >= before.depth_area_ns);
    assert_true(s.wait_total_ns >= before.wait_total_ns);

    /* Failed receives do not call the observer. */
    assert_int_equal(channel_try_recv(ch, &p), CHAN_WOULD_BLOCK);
    assert_int_equal(channel_close(ch), 0);
    assert_int_equal(channel_recv(ch, &p), CHAN_CLOSED);
    assert_int_equal(o.calls, 6);
    channel_destroy(ch);
}

static void test_stats(void **state)
{
    (void)state;
    test_watchdog(20);
    check_stats(4);
    check_stats(5);
    check_stats(CHAN_UNBOUNDED);
}

/* The observer from several receivers at once: called exactly once per item,
 * and with the channel's mutex released. It calls chan_len on the same channel;
 * were the mutex still held, that would deadlock and the watchdog would fire. */
struct reentrant {
    struct channel *ch;
    atomic_int calls;
    atomic_ullong total_ns;
};

static void observe_reentrant(void *arg, uint64_t wait_ns)
{
    struct reentrant *r = arg;
    (void)channel_len(r->ch);
    atomic_fetch_add(&r->calls, 1);
    atomic_fetch_add(&r->total_ns, wait_ns);
}

static void *drain_until_closed(void *arg)
{
    struct channel *ch = arg;
    void *p;
    while (channel_recv(ch, &p) == CHAN_OK)
        ;
    return NULL;
}

static void test_observer_concurrent_unlocked(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { N = 20000, NRECV = 3 };
    struct reentrant r = { .ch = test_chan_new(8, NULL) };
    assert_non_null(r.ch);
    atomic_init(&r.calls, 0);
    atomic_init(&r.total_ns, 0);
    channel_set_wait_observer(r.ch, observe_reentrant, &r);

    pthread_t t[NRECV];
    for (int i = 0; i < NRECV; i++)
        t[i] = test_start_thread(drain_until_closed, r.ch);
    for (uintptr_t i = 0; i < N; i++)
        assert_int_equal(channel_send(r.ch, val(i)), CHAN_OK);
    assert_int_equal(channel_close(r.ch), 0);
    for (int i = 0; i < NRECV; i++)
        test_join_thread(t[i]);

    struct chan_stats s;
    channel_stats(r.ch, &s);
    assert_int_equal(atomic_load(&r.calls), N);
    assert_int_equal(s.received, N);
    assert_int_equal(s.wait_total_ns, atomic_load(&r.total_ns));
    assert_true(s.depth_max <= 8);
    channel_destroy(r.ch);
}

/* ---- extra: ping-pong and the try forms under contention ------------------ */

struct pingpong {
    struct channel *ping, *pong;
    int rounds;
};

static void *ponger(void *arg)
{
    struct pingpong *pp = arg;
    void *p;
    while (channel_recv(pp->ping, &p) == CHAN_OK)
        if (channel_send(pp->pong, val(unval(p) + 1)) != CHAN_OK)
            break;
    return NULL;
}

/* Every round trip forces both threads through the blocking paths. */
static void test_ping_pong(void **state)
{
    (void)state;
    test_watchdog(20);
    struct pingpong pp = { test_chan_new(1, NULL), test_chan_new(1, NULL), 5000 };
    assert_non_null(pp.ping);
    assert_non_null(pp.pong);
    pthread_t t = test_start_thread(ponger, &pp);
    uintptr_t v = 0;
    for (int i = 0; i < pp.rounds; i++) {
        void *p;
        assert_int_equal(channel_send(pp.ping, val(v)), CHAN_OK);
        assert_int_equal(channel_recv(pp.pong, &p), CHAN_OK);
        assert_int_equal(unval(p), v + 1);
        v = unval(p) + 1;
    }
    assert_int_equal(channel_close(pp.ping), 0);
    test_join_thread(t);
    channel_destroy(pp.ping);
    channel_destroy(pp.pong);
}

struct spinner {
    struct channel *ch;
    int n;
    int bad;
};

static void *try_sender(void *arg)
{
    struct spinner *s = arg;
    for (int i = 0; i < s->n; i++) {
        enum chan_status st;
        while ((st = channel_try_send(s->ch, val((uintptr_t)i))) == CHAN_WOULD_BLOCK)
            sched_yield();
        if (st != CHAN_OK)
            s->bad++;
    }
    return NULL;
}

/* A sender and a receiver that only ever use the try forms still move every
 * value, in order. */
static void test_try_forms_concurrent(void **state)
{
    (void)state;
    test_watchdog(20);
    struct spinner s = { test_chan_new(3, NULL), 5000, 0 };
    assert_non_null(s.ch);
    pthread_t t = test_start_thread(try_sender, &s);
    for (int i = 0; i < s.n; i++) {
        void *p;
        enum chan_status st;
        while ((st = channel_try_recv(s.ch, &p)) == CHAN_WOULD_BLOCK)
            sched_yield();
        assert_int_equal(st, CHAN_OK);
        assert_int_equal(unval(p), i);
    }
    test_join_thread(t);
    assert_int_equal(s.bad, 0);
    channel_destroy(s.ch);
}

/* ---- 9. stress: exact multisets under load ------------------------------ */

enum { STRESS_PROD = 4, STRESS_CONS = 4, STRESS_VALUES = 1000000 };

struct stress {
    struct channel *ch;
    atomic_uchar *seen;       /* STRESS_VALUES counters, one per value */
    atomic_int bad;           /* a send failed, or a value out of range */
};

struct stress_producer {
    struct stress *st;
    uintptr_t first, count;
};

static void *stress_produce(void *arg)
{
    struct stress_producer *p = arg;
    for (uintptr_t v = p->first; v < p->first + p->count; v++)
        if (channel_send(p->st->ch, val(v + 1)) != CHAN_OK) /* + 1: never NULL */
            atomic_fetch_add(&p->st->bad, 1);
    return NULL;
}

static void *stress_consume(void *arg)
{
    struct stress *st = arg;
    void *p;
    while (channel_recv(st->ch, &p) == CHAN_OK) {
        uintptr_t v = unval(p) - 1;
        if (v >= STRESS_VALUES)
            atomic_fetch_add(&st->bad, 1);
        else
            atomic_fetch_add(&st->seen[v], 1);
    }
    return NULL;
}

/* 4 producers send 1 million distinct values through a channel of capacity 4;
 * 4 consumers take them. Every value must arrive exactly once. */
static void test_stress_million(void **state)
{
    (void)state;
    test_watchdog(300);
    struct stress st = { .ch = test_chan_new(4, NULL) };
    assert_non_null(st.ch);
    st.seen = calloc(STRESS_VALUES, sizeof *st.seen); /* owned here, freed below */
    assert_non_null(st.seen);
    atomic_init(&st.bad, 0);

    pthread_t prod[STRESS_PROD], cons[STRESS_CONS];
    struct stress_producer pa[STRESS_PROD];
    for (int i = 0; i < STRESS_CONS; i++)
        cons[i] = test_start_thread(stress_consume, &st);
    for (int i = 0; i < STRESS_PROD; i++) {
        uintptr_t share = STRESS_VALUES / STRESS_PROD;
        pa[i] = (struct stress_producer){ &st, (uintptr_t)i * share, share };
        prod[i] = test_start_thread(stress_produce, &pa[i]);
    }
    for (int i = 0; i < STRESS_PROD; i++)
        test_join_thread(prod[i]);
    assert_int_equal(channel_close(st.ch), 0);
    for (int i = 0; i < STRESS_CONS; i++)
        test_join_thread(cons[i]);

    assert_int_equal(atomic_load(&st.bad), 0);
    for (int v = 0; v < STRESS_VALUES; v++)
        if (atomic_load(&st.seen[v]) != 1)
            fail_msg("value %d arrived %d times", v, atomic_load(&st.seen[v]));
    free(st.seen);
    channel_destroy(st.ch);
}

/* Close under load. Two producers send until the channel refuses; two
 * consumers receive until it reports closed; main closes once a few items
 * have gone through. Every send that succeeded must be received exactly once
 * (a closed channel drains first), and nothing else. */
enum { CLOSE_ROUNDS = 1000, CLOSE_PROD = 2, CLOSE_CONS = 2, CLOSE_MAX = 1 << 20 };

struct close_round {
    struct channel *ch;
    atomic_int received;
    atomic_uint seen[CLOSE_PROD]; /* per producer: sum of (index + 1) received */
    atomic_int count[CLOSE_PROD]; /* per producer: items received */
};

struct close_producer {
    struct close_round *r;
    int id;
    int sent;                     /* sends that returned CHAN_OK */
};

static void *close_produce(void *arg)
{
    struct close_producer *p = arg;
    for (uintptr_t i = 0; i < CLOSE_MAX; i++) {
        if (channel_send(p->r->ch, val((uintptr_t)p->id * CLOSE_MAX + i + 1)) != CHAN_OK)
            break;
        p->sent++;
    }
    return NULL;
}

static void *close_consume(void *arg)
{
    struct close_round *r = arg;
    void *p;
    while (channel_recv(r->ch, &p) == CHAN_OK) {
        uintptr_t v = unval(p) - 1;
        int id = (int)(v / CLOSE_MAX);
        atomic_fetch_add(&r->seen[id], (unsigned)(v % CLOSE_MAX) + 1);
        atomic_fetch_add(&r->count[id], 1);
        atomic_fetch_add(&r->received, 1);
    }
    return NULL;
}

static void close_under_load(size_t cap)
{
    static struct close_round r;
    r.ch = test_chan_new(cap, NULL);
    assert_non_null(r.ch);
    atomic_init(&r.received, 0);
    for (int i = 0; i < CLOSE_PROD; i++) {
        atomic_init(&r.seen[i], 0);
        atomic_init(&r.count[i], 0);
    }
    pthread_t prod[CLOSE_PROD], cons[CLOSE_CONS];
    struct close_producer pa[CLOSE_PROD];
    for (int i = 0; i < CLOSE_CONS; i++)
        cons[i] = test_start_thread(close_consume, &r);
    for (int i = 0; i < CLOSE_PROD; i++) {
        pa[i] = (struct close_producer){ &r, i, 0 };
        prod[i] = test_start_thread(close_produce, &pa[i]);
    }
    while (atomic_load(&r.received) < 16)
        sched_yield();
    assert_int_equal(channel_close(r.ch), 0);
    for (int i = 0; i < CLOSE_PROD; i++)
        test_join_thread(prod[i]);
    for (int i = 0; i < CLOSE_CONS; i++)
        test_join_thread(cons[i]);

    /* Producer i's accepted values are exactly its indexes 0..sent-1: their
     * count and their sum must both match what the consumers saw. */
    for (int i = 0; i < CLOSE_PROD; i++) {
        unsigned n = (unsigned)pa[i].sent;
        assert_int_equal(atomic_load(&r.count[i]), pa[i].sent);
        assert_int_equal(atomic_load(&r.seen[i]), n * (n + 1) / 2);
    }
    assert_int_equal(channel_len(r.ch), 0);
    channel_destroy(r.ch);
}

static void test_close_under_load(void **state)
{
    (void)state;
    test_watchdog(300);
    for (int round = 0; round < CLOSE_ROUNDS; round++)
        close_under_load((size_t)(round % 8) + 1);
}

/* The tests that need an unbounded channel run for the mutex channel only. */
static int run_suite(enum channel_impl which)
{
    impl = which;
    const struct CMUnitTest every[] = {
        cmocka_unit_test(test_every_capacity),
        cmocka_unit_test(test_blocking_recv_gets_later_send),
        cmocka_unit_test(test_blocking_send_waits_for_room),
        cmocka_unit_test(test_mpmc_cap1),
        cmocka_unit_test(test_mpmc_cap4),
        cmocka_unit_test(test_mpmc_cap64),
        cmocka_unit_test(test_close_wakes_receivers),
        cmocka_unit_test(test_close_wakes_senders),
        cmocka_unit_test(test_drain_then_closed),
        cmocka_unit_test(test_destroy_frees_leftovers),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_observer_concurrent_unlocked),
        cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_try_forms_concurrent),
        cmocka_unit_test(test_stress_million),
        cmocka_unit_test(test_close_under_load),
    };
    const struct CMUnitTest unbounded[] = {
        cmocka_unit_test(test_unbounded),
        cmocka_unit_test(test_mpmc_unbounded),
    };
    int failed = cmocka_run_group_tests_name(channel_impl_name(which), every, NULL, NULL);
    if (impl_has(CHAN_UNBOUNDED))
        failed += cmocka_run_group_tests_name("unbounded", unbounded, NULL, NULL);
    return failed;
}

int main(void)
{
    int failed = 0;
    for (int i = 0; i < CHANNEL_IMPL_COUNT; i++)
        failed += run_suite((enum channel_impl)i);
    return failed != 0;
}
