/*
 * chan.c — channels: one mutex, two condition variables, and a queue.
 *
 * This file implements chan.h. Everything a channel does is guarded by its one
 * mutex, ch->mu. The two condition variables are places to sleep:
 *
 *   not_empty  receivers wait here for an item; every send signals it.
 *   not_full   senders wait here for room;      every recv signals it.
 *
 * Two queues sit behind the one API; the capacity chooses which.
 *
 *   bounded    A ring buffer of cap slots, allocated once in chan_new. `head` is
 *              the slot of the oldest item and `len` counts the items, so the
 *              next free slot is (head + len) % cap. Send writes there; recv
 *              takes ring[head] and moves head one slot on, wrapping to 0. No
 *              memory is allocated after chan_new.
 *
 *   unbounded  A singly linked list, oldest item first. Send mallocs a node and
 *              links it after `last`; recv unlinks `first` and frees it. The
 *              list is never full, so senders never wait on not_full.
 *
 * Why every wait sits in a while loop. pthread_cond_wait may return when the
 * condition is still false: POSIX allows spurious wakeups, and even a real
 * signal only says "the state changed", not "the state is still what you want".
 * Between the signal and the moment the woken thread gets the mutex back,
 * another thread can take the mutex first and take the item (or the free slot).
 * So a waiter re-checks its condition every time it wakes, and sleeps again if
 * it is still false. An `if` instead of `while` is the classic bug here.
 *
 * Why close broadcasts. A send or recv changes the state by one item, so it
 * wakes one waiter (signal). Close changes the answer for every waiter at once:
 * each blocked sender must now fail and each blocked receiver must drain or
 * fail. A signal would wake only one of them and the rest would sleep forever,
 * so close wakes everyone on both condition variables (broadcast).
 *
 * What a handoff costs, and three small changes that make it cheaper. A thread
 * that sleeps in pthread_cond_wait and is woken by a signal pays two system
 * calls and two context switches: microseconds, where moving a pointer costs
 * nanoseconds. Done naively, a producer and a consumer that run at the same
 * speed pay that on nearly every item: the consumer empties the ring and
 * sleeps, the next send wakes it, and so on. So:
 *
 *   1. Signal only when someone sleeps. The counts senders_waiting and
 *      receivers_waiting (guarded by mu like everything else) say whether
 *      anybody is on a condition variable; most of the time nobody is.
 *   2. Look again before sleeping. A thread about to sleep first lets go of
 *      the mutex, yields the CPU and takes the mutex back to look again, and
 *      goes on doing so until the wait has lasted SPIN_BEFORE_SLEEP_NS
 *      (util.h): about what the sleep would cost, so looking never costs more
 *      than one more sleep. On two cores the other side has usually moved
 *      within a yield or two. Yielding rather than spinning on the spot also
 *      works when both threads share one CPU: the yield is what lets the other
 *      one run. (A first version looked eight times, a few microseconds: on a
 *      virtual machine, where a wake-up costs about 40 us, one sleeper soon
 *      made the other side sleep too, and they went on taking turns.)
 *   3. Do not sleep on the mutex either. Every send and receive takes ch->mu,
 *      and when the other side holds it, pthread_mutex_lock puts the caller to
 *      sleep in the kernel (a futex) and the unlock must wake it: the same
 *      price again, for a critical section that lasts a few hundred
 *      nanoseconds. chan_lock tries the mutex CHAN_LOCK_TRIES times, with a
 *      pause between tries (cpu_pause, util.h), before it blocks on it.
 *      (glibc's non-portable PTHREAD_MUTEX_ADAPTIVE_NP does the same.)
 *
 * Measured by `make bench-chan` (lab 1's answer, which signals on every send
 * and receive and sleeps at once, against this file; one sender and one
 * receiver, 200,000 messages, medians of 5 interleaved rounds, on a 2-core
 * Intel Xeon VM, 2026-12-03, load average 1.2 before the runs), ns per message
 * and context switches per message (voluntary / involuntary):
 *
 *   capacity   naive                   these three tricks
 *          1   137712 ns  2.26 / 0.02  1190 ns  0.00 / 0.00
 *          4    25052 ns  0.50 / 0.00   656 ns  0.00 / 0.07
 *         64     1383 ns  0.03 / 0.00   342 ns  0.00 / 0.01
 *       1024      205 ns  0.00 / 0.00   540 ns  0.00 / 0.00
 *
 * At capacities 1 to 64 nobody sleeps any more: 116x, 38x and 4x fewer ns.
 * Each trick was needed. With tricks 1 and 2 alone, and trick 2 looking eight
 * times, the same machine gave 2,731 against 2,900 ns at capacity 4 one day:
 * the threads slept on the mutex instead (0.43 per message). With trick 3 too
 * but still eight looks, 945 against 16,360 in one run and 13,991 against
 * 24,808 in the next: once a wake-up was late, the two sides took turns to
 * sleep. At 1024 the naive channel rarely sleeps anyway and the tricks cost
 * time instead: a thread that finds the ring empty (or full) takes the mutex
 * again after every yield to look, and the other side then waits for the
 * mutex. The fix for that regime is the lock-free ring (chan_lockfree.c),
 * which looks without a lock. Measure on your machine: on a virtual machine
 * the naive channel's figures change by a factor of 3 or more from one run to
 * the next (README, "Measured").
 *
 * A trick that does not work here: waking a sleeping sender only once the
 * ring is half empty (a watermark) would let it send several items per wake-up,
 * but a receiver that takes one item and then waits for that same sender would
 * wait forever. A channel must wake a sender as soon as there is room.
 *
 * Close still broadcasts, whatever the counts: everyone must look again.
 *
 * Statistics cost almost nothing because the mutex is held anyway: every item
 * carries the time it was enqueued, and the counters in ch->st are updated in
 * the same critical section as the queue. Timestamps are read while holding the
 * mutex, so each one is >= the one before; differences never go negative.
 */
#include "chan.h"
#include "util.h"
#include "xthread.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

/* How many times chan_lock tries the mutex before it sleeps on it (3 above). */
#define CHAN_LOCK_TRIES 100

/* One slot of the bounded ring. */
struct chan_slot {
    void *item;
    uint64_t enq_ns; /* when it was sent */
};

/* One item of the unbounded list. */
struct chan_node {
    void *item;
    uint64_t enq_ns; /* when it was sent */
    struct chan_node *next;
};

struct chan {
    pthread_mutex_t mu;        /* guards every field below except cap and free_item */
    pthread_cond_t not_empty;  /* receivers wait here */
    pthread_cond_t not_full;   /* senders wait here (bounded only) */
    size_t cap;                /* CHAN_UNBOUNDED, or the ring's number of slots */
    size_t len;                /* items queued now */
    int closed;
    unsigned senders_waiting;  /* threads asleep on not_full */
    unsigned receivers_waiting;/* threads asleep on not_empty */

    struct chan_slot *ring;    /* bounded: cap slots */
    size_t head;               /* bounded: slot of the oldest item */
    struct chan_node *first;   /* unbounded: oldest item, or NULL */
    struct chan_node *last;    /* unbounded: newest item, or NULL */

    void (*free_item)(void *); /* for leftovers in chan_destroy; may be NULL */
    chan_wait_fn on_wait;      /* queue-wait observer; may be NULL */
    void *on_wait_arg;

    uint64_t created_ns;       /* for elapsed_ns */
    uint64_t depth_changed_ns; /* when len last changed, for depth_area_ns */
    struct chan_stats st;      /* the counters; elapsed_ns is filled by chan_stats */
};

static int chan_full(const struct chan *ch)
{
    return ch->cap != CHAN_UNBOUNDED && ch->len == ch->cap;
}

/* Add the area under the depth curve since the last change: the length has
 * been ch->len all that time. Call just before len changes, and in chan_stats. */
static void chan_account_depth(struct chan *ch, uint64_t now)
{
    ch->st.depth_area_ns += (uint64_t)ch->len * (now - ch->depth_changed_ns);
    ch->depth_changed_ns = now;
}

/* ---- the two queues (mutex held) --------------------------------------- */

static void chan_ring_put(struct chan *ch, void *item, uint64_t now)
{
    struct chan_slot *s = &ch->ring[(ch->head + ch->len) % ch->cap];
    s->item = item;
    s->enq_ns = now;
}

static void *chan_ring_take(struct chan *ch, uint64_t *enq_ns)
{
    struct chan_slot *s = &ch->ring[ch->head];
    ch->head = (ch->head + 1) % ch->cap;
    *enq_ns = s->enq_ns;
    return s->item;
}

/* malloc runs under the mutex. A faster channel would allocate before locking;
 * this one keeps send a straight line, and malloc's per-thread caches make the
 * call short. Out of memory ends the program, as everywhere in pipelab. */
static void chan_list_put(struct chan *ch, void *item, uint64_t now)
{
    struct chan_node *n = xmalloc(sizeof *n);
    n->item = item;
    n->enq_ns = now;
    n->next = NULL;
    if (ch->last != NULL)
        ch->last->next = n;
    else
        ch->first = n;
    ch->last = n;
}

static void *chan_list_take(struct chan *ch, uint64_t *enq_ns)
{
    struct chan_node *n = ch->first;
    void *item = n->item;
    *enq_ns = n->enq_ns;
    ch->first = n->next;
    if (ch->first == NULL)
        ch->last = NULL;
    free(n);
    return item;
}

/* Unlink the oldest item (there is one) from whichever queue this is. */
static void *chan_take(struct chan *ch, uint64_t *enq_ns)
{
    ch->len--;
    if (ch->cap == CHAN_UNBOUNDED)
        return chan_list_take(ch, enq_ns);
    return chan_ring_take(ch, enq_ns);
}

/* Queue an item (there is room), count it, and wake one receiver. */
static void chan_push(struct chan *ch, void *item, uint64_t now)
{
    chan_account_depth(ch, now);
    if (ch->cap == CHAN_UNBOUNDED)
        chan_list_put(ch, item, now);
    else
        chan_ring_put(ch, item, now);
    ch->len++;
    if (ch->len > ch->st.depth_max)
        ch->st.depth_max = ch->len;
    ch->st.sent++;
    if (ch->receivers_waiting > 0)
        xcond_signal(&ch->not_empty);
}

/* Take the oldest item (there is one), count it, and wake one sender.
 * Returns how long the item was queued. */
static uint64_t chan_pop(struct chan *ch, void **item, uint64_t now)
{
    uint64_t enq_ns;
    chan_account_depth(ch, now);
    *item = chan_take(ch, &enq_ns);
    ch->st.received++;
    ch->st.wait_total_ns += now - enq_ns;
    if (ch->senders_waiting > 0)
        xcond_signal(&ch->not_full);
    return now - enq_ns;
}

/* ---- waiting (mutex held) ---------------------------------------------- */

static int chan_room_or_closed(const struct chan *ch)
{
    return !chan_full(ch) || ch->closed;
}

static int chan_item_or_closed(const struct chan *ch)
{
    return ch->len > 0 || ch->closed;
}

/* Take ch->mu, trying a while before sleeping on it (3 above). */
static void chan_lock(struct chan *ch)
{
    for (int i = 0; i < CHAN_LOCK_TRIES; i++) {
        if (xmutex_trylock(&ch->mu))
            return;
        cpu_pause();
    }
    xmutex_lock(&ch->mu);
}

/* Before sleeping, give the other side a chance to move until the wait, begun
 * at start, has lasted what a sleep would cost: let go of the mutex, yield the
 * CPU, take the mutex back and look again (2 above). */
static void chan_spin(struct chan *ch, int (*ready)(const struct chan *), uint64_t start)
{
    while (!ready(ch) && now_ns() - start < SPIN_BEFORE_SLEEP_NS) {
        xmutex_unlock(&ch->mu);
        sched_yield();
        chan_lock(ch);
    }
}

/* lesson:chan-wait-room begin */
/* Sleep until there is room or the channel is closed. The time spent asleep is
 * backpressure: add it to send_blocked_ns. Returns the time now. */
static uint64_t chan_wait_room(struct chan *ch)
{
    uint64_t start = now_ns();
    if (!chan_full(ch) || ch->closed)
        return start;
    chan_spin(ch, chan_room_or_closed, start);
    ch->senders_waiting++;
    while (chan_full(ch) && !ch->closed)
        xcond_wait(&ch->not_full, &ch->mu);
    ch->senders_waiting--;
    uint64_t now = now_ns();
    ch->st.send_blocked_ns += now - start;
    return now;
}
/* lesson:chan-wait-room end */

/* Sleep until there is an item or the channel is closed. The time spent asleep
 * is starvation: add it to recv_starved_ns. Returns the time now. */
static uint64_t chan_wait_item(struct chan *ch)
{
    uint64_t start = now_ns();
    if (ch->len > 0 || ch->closed)
        return start;
    chan_spin(ch, chan_item_or_closed, start);
    ch->receivers_waiting++;
    while (ch->len == 0 && !ch->closed)
        xcond_wait(&ch->not_empty, &ch->mu);
    ch->receivers_waiting--;
    uint64_t now = now_ns();
    ch->st.recv_starved_ns += now - start;
    return now;
}

/* The end of a successful recv: release the mutex, then tell the observer.
 * The observer runs unlocked so that a slow observer never stalls the channel. */
static void chan_unlock_report(struct chan *ch, uint64_t wait_ns)
{
    chan_wait_fn fn = ch->on_wait;
    void *arg = ch->on_wait_arg;
    xmutex_unlock(&ch->mu);
    if (fn != NULL)
        fn(arg, wait_ns);
}

/* ---- the API ----------------------------------------------------------- */

struct chan *chan_new(size_t capacity, void (*free_item)(void *))
{
    struct chan *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    if (capacity != CHAN_UNBOUNDED) {
        ch->ring = calloc(capacity, sizeof *ch->ring);
        if (ch->ring == NULL) {
            free(ch);
            return NULL;
        }
    }
    /* These fail only for lack of resources, which ends the program as
     * running out of memory does (xthread.h). */
    xmutex_init(&ch->mu);
    xcond_init(&ch->not_empty);
    xcond_init(&ch->not_full);

    ch->cap = capacity;
    ch->free_item = free_item;
    ch->created_ns = now_ns();
    ch->depth_changed_ns = ch->created_ns;
    return ch;
}

/* Destroying a channel that another thread is still using is a bug in the
 * caller; by then every sender and receiver must be finished. Items may be
 * left inside (a failed run stops early): they are freed here. */
void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    assert(ch->senders_waiting == 0 && ch->receivers_waiting == 0);
    while (ch->len > 0) {
        uint64_t enq_ns;
        void *item = chan_take(ch, &enq_ns);
        if (ch->free_item != NULL)
            ch->free_item(item);
    }
    xcond_destroy(&ch->not_full);
    xcond_destroy(&ch->not_empty);
    xmutex_destroy(&ch->mu);
    free(ch->ring);
    free(ch);
}

void chan_set_wait_observer(struct chan *ch, chan_wait_fn fn, void *arg)
{
    xmutex_lock(&ch->mu);
    ch->on_wait = fn;
    ch->on_wait_arg = arg;
    xmutex_unlock(&ch->mu);
}

enum chan_status chan_send(struct chan *ch, void *item)
{
    chan_lock(ch);
    uint64_t now = chan_wait_room(ch);
    if (ch->closed) {
        xmutex_unlock(&ch->mu);
        return CHAN_CLOSED; /* the item is still the caller's */
    }
    chan_push(ch, item, now);
    xmutex_unlock(&ch->mu);
    return CHAN_OK;
}

enum chan_status chan_try_send(struct chan *ch, void *item)
{
    chan_lock(ch);
    enum chan_status st = CHAN_OK;
    if (ch->closed)
        st = CHAN_CLOSED;
    else if (chan_full(ch))
        st = CHAN_WOULD_BLOCK;
    else
        chan_push(ch, item, now_ns());
    xmutex_unlock(&ch->mu);
    return st;
}

/* On CHAN_CLOSED (and CHAN_WOULD_BLOCK below) *item is set to NULL. */
enum chan_status chan_recv(struct chan *ch, void **item)
{
    chan_lock(ch);
    uint64_t now = chan_wait_item(ch);
    if (ch->len == 0) {
        /* Woken with nothing queued: the channel is closed and drained. */
        xmutex_unlock(&ch->mu);
        *item = NULL;
        return CHAN_CLOSED;
    }
    uint64_t wait_ns = chan_pop(ch, item, now);
    chan_unlock_report(ch, wait_ns);
    return CHAN_OK;
}

enum chan_status chan_try_recv(struct chan *ch, void **item)
{
    chan_lock(ch);
    if (ch->len == 0) {
        enum chan_status st = ch->closed ? CHAN_CLOSED : CHAN_WOULD_BLOCK;
        xmutex_unlock(&ch->mu);
        *item = NULL;
        return st;
    }
    uint64_t wait_ns = chan_pop(ch, item, now_ns());
    chan_unlock_report(ch, wait_ns);
    return CHAN_OK;
}

int chan_close(struct chan *ch)
{
    xmutex_lock(&ch->mu);
    if (ch->closed) {
        xmutex_unlock(&ch->mu);
        return -1;
    }
    ch->closed = 1;
    xcond_broadcast(&ch->not_empty);
    xcond_broadcast(&ch->not_full);
    xmutex_unlock(&ch->mu);
    return 0;
}

size_t chan_len(struct chan *ch)
{
    xmutex_lock(&ch->mu);
    size_t n = ch->len;
    xmutex_unlock(&ch->mu);
    return n;
}

/* No lock: the capacity never changes after chan_new. */
size_t chan_capacity(const struct chan *ch)
{
    return ch->cap;
}

void chan_stats(struct chan *ch, struct chan_stats *out)
{
    xmutex_lock(&ch->mu);
    uint64_t now = now_ns();
    chan_account_depth(ch, now); /* bring the depth integral up to now */
    *out = ch->st;
    out->elapsed_ns = now - ch->created_ns;
    xmutex_unlock(&ch->mu);
}
