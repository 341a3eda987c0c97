/*
 * chan_lockfree.c — a bounded ring with a turn number per slot. See chan_lockfree.h.
 *
 * The ring (after Dmitry Vyukov's bounded MPMC queue and the "turn" form of it
 * that works for every capacity, 1 included). Every send and every receive
 * gets a position: 0, 1, 2, ... Position p lives in slot p % cap and belongs to
 * round p / cap of that slot. Each slot carries a turn number that says whose
 * move it is:
 *
 *   turn == 2r      the slot is empty and waits for the sender of round r;
 *   turn == 2r + 1  the slot holds round r's item and waits for its receiver.
 *
 * A sender reads `tail` (the next send position), checks that the slot's turn
 * is 2r, and claims the position by moving tail on with a compare-and-swap:
 * only one sender can win position p. It writes the item, then sets the turn
 * to 2r + 1. A receiver does the same with `head` and turn 2r + 1, takes the
 * item and sets the turn to 2r + 2: the slot is free for the next round.
 * Nothing is ever locked: a thread that loses a race simply tries the next
 * position. A sender whose slot still holds the previous round's item (turn
 * 2r - 1) has found the ring full; a receiver whose slot is not yet filled
 * while tail == head has found it empty.
 *
 * Closing. The lowest bit of tail is the closed flag; the position is tail >> 1.
 * Close sets the bit with one atomic OR. A sender's compare-and-swap compares
 * the whole word, so once the bit is set no position can be claimed any more:
 * every send either claimed its position before the close (and its item will
 * be delivered) or fails with CHAN_CLOSED. A receiver reports CHAN_CLOSED only
 * when it sees the bit and no position left between head and tail, so a
 * closed channel drains first.
 *
 * The memory orders, one by one.
 *   - turn, stored with release after writing the item (sender) or after
 *     reading it (receiver); loaded with acquire before touching the item. This
 *     pair is what hands the item over: the sender's writes to the slot happen
 *     before the receiver's reads, and the receiver's read of the old item
 *     happens before the next sender overwrites it. It is the only
 *     synchronisation the data needs.
 *   - tail and head, loaded and compare-and-swapped relaxed. They only hand out
 *     positions; a compare-and-swap is atomic at any order, and a stale value
 *     just fails the turn check or the swap and is read again. The closed bit
 *     needs no more either: every claim and the OR that closes are read-modify-
 *     writes of the one word tail, so they are totally ordered, and a receiver
 *     that reads the bit reads a tail that already counts every claimed position.
 *   - The sleep/wake handshake uses seq_cst read-modify-writes (below).
 *
 * Blocking. A send that finds the ring full, or a receive that finds it
 * empty, first spins (a pause instruction, doubling each round: the other side
 * is often a few hundred nanoseconds away), then yields the CPU (if both
 * threads share one CPU, spinning only burns the time slice the other needs)
 * until the wait has lasted SPIN_BEFORE_SLEEP_NS (util.h: about what parking
 * would cost), then parks on a condition variable.
 *
 * Why wait by the clock, and that long. On a 2-core virtual machine `pipelab
 * chanbench --impls lockfree --shapes 1p1c` showed about 40 us per voluntary
 * switch (ns per message / voluntary switches per message, capacity 1):
 * waking a sleeping virtual CPU goes through the host. A first version parked
 * after a fixed count, about 5 us of spinning and yielding. Once one side
 * parked, the other filled (or drained) the small ring long before it woke,
 * found nothing to do and parked too, and the pair stayed in that convoy.
 * Medians of 3, 1p1c: with the count, capacity 1 took 18,776 to 23,991 ns per
 * message in three runs and capacity 4 1,092 to 6,201 (85 in a run the day
 * before); with the 50 us budget, 401 to 479 and 164 to 220, with no
 * voluntary switches. Against a 5 us budget in the same interleaved runs, the
 * pipeline shape at capacity 1 went from about 25,000 to 3,200-4,200 ns;
 * `process --workers 8` on 2 cores, or pinned to one CPU, took the same time
 * as with the count.
 *
 * A parked thread has announced itself in `senders_waiting` or
 * `receivers_waiting`; the other side, after
 * every successful move, wakes someone only if that count is non-zero. That
 * check is where a wake-up could be lost: the waiter writes the count then
 * reads the ring; the other side writes the ring then reads the count. If
 * each read could miss the other's write, both would conclude "nothing to do"
 * and the waiter would sleep forever. So both sides touch the count with a
 * seq_cst read-modify-write (the waiter adds 1, the other side adds 0). All
 * RMWs of one variable form a single order, and each reads the value the one
 * before it wrote: if the other side's RMW comes first, the waiter's RMW
 * synchronises with it and then sees the ring write; if the waiter's comes
 * first, the other side reads a count of at least 1 and signals. (A pair of
 * seq_cst fences would do the same; ThreadSanitizer cannot check fences.)
 * The signal is sent holding the mutex the waiter sleeps with, so it cannot
 * fall between the waiter's last check and its sleep.
 *
 * False sharing. CPUs pass memory between their caches in lines of 64 bytes,
 * so what matters is who writes each line. tail and the senders' statistics
 * share one line (senders write it), head and the receivers' statistics
 * another (receivers write it), each waiting count has its own, and the
 * fields set once at creation (slots, cap, ...) sit on a line nobody writes,
 * because everyone reads them on every item. Each slot fills a line of its
 * own too: with 24-byte slots a sender filling slot p + 1 would take away the
 * line a receiver is reading slot p from, and slot 2 of 4 would straddle two
 * lines. Both the struct and the slots are allocated on whole lines
 * (cache_lines_alloc), so no neighbour from malloc can share them either.
 * An earlier layout put the receivers' wait_total_ns on the line that holds
 * slots and cap: `pipelab chanbench --impls lockfree` went from 382 to 226 ns
 * per message at 1p1c capacity 4 and from 556 to 314 in the pipeline shape at
 * capacity 64 with this one (medians of 5 interleaved runs, 2-core Intel Xeon
 * VM, idle).
 */
#include "chan_lockfree.h"
#include "util.h"
#include "xthread.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
#define TAIL_CLOSED ((uint64_t)1)   /* lowest bit of tail */
#define SPIN_ROUNDS 6               /* 1 + 2 + ... + 32 pauses */

/* One slot, padded to a cache line (see "False sharing" above). */
struct chan_lockfree_slot {
    alignas(CACHE_LINE) _Atomic uint64_t turn; /* 2r: empty for round r; 2r + 1: full */
    void *item;                /* written and read only by the turn's owner */
    _Atomic uint64_t enq_ns;   /* when it was sent; atomic so stats may peek */
};

struct chan_lockfree {
    /* Written by senders on every item (and read by receivers only to see
     * whether the ring is empty or closed), with the senders' statistics. */
    alignas(CACHE_LINE) _Atomic uint64_t tail;  /* (next send position << 1) | closed */
    _Atomic uint64_t send_blocked_ns;
    _Atomic size_t depth_max;

    /* Written by receivers on every item, with the receivers' statistics. */
    alignas(CACHE_LINE) _Atomic uint64_t head;  /* next receive position */
    _Atomic uint64_t wait_total_ns;
    _Atomic uint64_t recv_starved_ns;

    alignas(CACHE_LINE) _Atomic unsigned senders_waiting;   /* read-modify-written by receivers */
    alignas(CACHE_LINE) _Atomic unsigned receivers_waiting; /* read-modify-written by senders */

    /* Set in chan_lockfree_new and never changed: read by everyone on every
     * item, so no written field may share its line. */
    alignas(CACHE_LINE) struct chan_lockfree_slot *slots;
    size_t cap;
    void (*free_item)(void *);
    chan_wait_fn on_wait;
    void *on_wait_arg;
    uint64_t created_ns;

    /* The slow path: parked threads sleep here. */
    alignas(CACHE_LINE) pthread_mutex_t mu;
    pthread_cond_t not_full;
    pthread_cond_t not_empty;
};

/* Spin a little longer each round, then yield; false once the wait, begun at
 * start, has lasted as long as parking would cost. */
static bool backoff(unsigned *round, uint64_t start)
{
    if (*round < SPIN_ROUNDS) {
        for (unsigned i = 0; i < 1u << *round; i++)
            cpu_pause();
        (*round)++;
        return true;
    }
    if (now_ns() - start >= SPIN_BEFORE_SLEEP_NS)
        return false;
    sched_yield();
    return true;
}

static void atomic_max(_Atomic size_t *max, size_t v)
{
    size_t cur = atomic_load_explicit(max, memory_order_relaxed);
    while (v > cur &&
           !atomic_compare_exchange_weak_explicit(max, &cur, v, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* ---- the ring: one attempt, never blocks ------------------------------- */

static enum chan_status ring_try_send(struct chan_lockfree *ch, void *item)
{
    uint64_t t = atomic_load_explicit(&ch->tail, memory_order_relaxed);
    for (;;) {
        if (t & TAIL_CLOSED)
            return CHAN_CLOSED;
        uint64_t pos = t >> 1;
        struct chan_lockfree_slot *s = &ch->slots[pos % ch->cap];
        uint64_t want = 2 * (pos / ch->cap);
        uint64_t turn = atomic_load_explicit(&s->turn, memory_order_acquire);
        if (turn == want) {
            /* Empty for our round: claim the position (fails if tail moved). */
            if (atomic_compare_exchange_weak_explicit(&ch->tail, &t, t + 2,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
                s->item = item;
                atomic_store_explicit(&s->enq_ns, now_ns(), memory_order_relaxed);
                atomic_store_explicit(&s->turn, want + 1, memory_order_release);
                return CHAN_OK;
            }
            continue; /* t now holds the current tail */
        }
        uint64_t again = atomic_load_explicit(&ch->tail, memory_order_relaxed);
        if (turn < want && again == t) {
            atomic_max(&ch->depth_max, ch->cap);
            return CHAN_WOULD_BLOCK; /* last round's item is still there: full */
        }
        t = again; /* another sender moved on: try the new tail */
    }
}

static enum chan_status ring_try_recv(struct chan_lockfree *ch, void **item, uint64_t *wait_ns)
{
    uint64_t h = atomic_load_explicit(&ch->head, memory_order_relaxed);
    for (;;) {
        struct chan_lockfree_slot *s = &ch->slots[h % ch->cap];
        uint64_t want = 2 * (h / ch->cap) + 1;
        uint64_t turn = atomic_load_explicit(&s->turn, memory_order_acquire);
        if (turn == want) {
            if (atomic_compare_exchange_weak_explicit(&ch->head, &h, h + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
                *item = s->item;
                uint64_t enq = atomic_load_explicit(&s->enq_ns, memory_order_relaxed);
                atomic_store_explicit(&s->turn, want + 1, memory_order_release);
                uint64_t now = now_ns();
                *wait_ns = now > enq ? now - enq : 0;
                return CHAN_OK;
            }
            continue; /* h now holds the current head */
        }
        if (turn < want) {
            /* Not filled yet: empty, or a sender claimed it and is writing. */
            uint64_t t = atomic_load_explicit(&ch->tail, memory_order_relaxed);
            *item = NULL;
            if ((t >> 1) == h && (t & TAIL_CLOSED))
                return CHAN_CLOSED;
            return CHAN_WOULD_BLOCK;
        }
        h = atomic_load_explicit(&ch->head, memory_order_relaxed); /* taken: next */
    }
}

/* ---- waking and parking ------------------------------------------------ */

/* After a move that may let a parked thread go on: wake one, if one waits.
 * The count is read with a read-modify-write (adding 0), not a plain load: an
 * RMW always reads the newest value, and it orders our ring write before it
 * (see "Blocking" above).
 *
 * Once the channel is closed, a send that completes wakes every receiver, not
 * one: receivers that close woke while this send was still writing its slot
 * went back to sleep to wait for it, and after this item each of them must
 * look again to find the channel drained (a single signal would leave all
 * but one of them asleep for good). */
static void wake_waiters(struct chan_lockfree *ch, _Atomic unsigned *waiting, pthread_cond_t *cond)
{
    if (atomic_fetch_add_explicit(waiting, 0, memory_order_seq_cst) == 0)
        return;
    xmutex_lock(&ch->mu);
    if (atomic_load_explicit(&ch->tail, memory_order_relaxed) & TAIL_CLOSED)
        xcond_broadcast(cond);
    else
        xcond_signal(cond);
    xmutex_unlock(&ch->mu);
}

static enum chan_status park_send(struct chan_lockfree *ch, void *item)
{
    enum chan_status st;
    xmutex_lock(&ch->mu);
    atomic_fetch_add_explicit(&ch->senders_waiting, 1, memory_order_seq_cst);
    while ((st = ring_try_send(ch, item)) == CHAN_WOULD_BLOCK)
        xcond_wait(&ch->not_full, &ch->mu);
    atomic_fetch_sub_explicit(&ch->senders_waiting, 1, memory_order_relaxed);
    xmutex_unlock(&ch->mu);
    return st;
}

static enum chan_status park_recv(struct chan_lockfree *ch, void **item, uint64_t *wait_ns)
{
    enum chan_status st;
    xmutex_lock(&ch->mu);
    atomic_fetch_add_explicit(&ch->receivers_waiting, 1, memory_order_seq_cst);
    while ((st = ring_try_recv(ch, item, wait_ns)) == CHAN_WOULD_BLOCK)
        xcond_wait(&ch->not_empty, &ch->mu);
    atomic_fetch_sub_explicit(&ch->receivers_waiting, 1, memory_order_relaxed);
    xmutex_unlock(&ch->mu);
    return st;
}

/* A receive happened: count its wait, wake a sender, tell the observer. */
static void after_recv(struct chan_lockfree *ch, uint64_t wait_ns)
{
    atomic_fetch_add_explicit(&ch->wait_total_ns, wait_ns, memory_order_relaxed);
    wake_waiters(ch, &ch->senders_waiting, &ch->not_full);
    if (ch->on_wait != NULL)
        ch->on_wait(ch->on_wait_arg, wait_ns);
}

/* ---- the API ----------------------------------------------------------- */

/* Zeroed memory that starts on a cache line and fills whole lines, so that
 * nothing else the program allocates can share a line with it (malloc would
 * put its neighbours' data, written by other threads, right next to it). */
static void *cache_lines_alloc(size_t size)
{
    size_t rounded = (size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    void *p = aligned_alloc(CACHE_LINE, rounded);
    if (p != NULL)
        memset(p, 0, rounded);
    return p;
}

struct chan_lockfree *chan_lockfree_new(size_t capacity, void (*free_item)(void *))
{
    if (capacity == 0 ||
        capacity > (SIZE_MAX - CACHE_LINE) / sizeof(struct chan_lockfree_slot)) {
        errno = EINVAL;
        return NULL;
    }
    /* Both owned by the channel; freed in chan_lockfree_destroy. */
    struct chan_lockfree *ch = cache_lines_alloc(sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->slots = cache_lines_alloc(capacity * sizeof *ch->slots);
    if (ch->slots == NULL) {
        free(ch);
        return NULL;
    }
    for (size_t i = 0; i < capacity; i++)
        atomic_init(&ch->slots[i].turn, 0); /* round 0, empty */
    atomic_init(&ch->tail, 0);
    atomic_init(&ch->head, 0);
    xmutex_init(&ch->mu); /* these end the program if they fail (xthread.h) */
    xcond_init(&ch->not_full);
    xcond_init(&ch->not_empty);
    ch->cap = capacity;
    ch->free_item = free_item;
    ch->created_ns = now_ns();
    return ch;
}

/* As in chan.c: by now every sender and receiver must be finished, and
 * leftover items are freed here. */
void chan_lockfree_destroy(struct chan_lockfree *ch)
{
    if (ch == NULL)
        return;
    assert(atomic_load_explicit(&ch->senders_waiting, memory_order_relaxed) == 0 &&
           atomic_load_explicit(&ch->receivers_waiting, memory_order_relaxed) == 0);
    void *item;
    uint64_t wait_ns;
    while (ring_try_recv(ch, &item, &wait_ns) == CHAN_OK)
        if (ch->free_item != NULL)
            ch->free_item(item);
    xcond_destroy(&ch->not_empty);
    xcond_destroy(&ch->not_full);
    xmutex_destroy(&ch->mu);
    free(ch->slots);
    free(ch);
}

/* Set before the channel is shared, like chan_set_wait_observer. */
void chan_lockfree_set_wait_observer(struct chan_lockfree *ch, chan_wait_fn fn, void *arg)
{
    ch->on_wait = fn;
    ch->on_wait_arg = arg;
}

enum chan_status chan_lockfree_try_send(struct chan_lockfree *ch, void *item)
{
    enum chan_status st = ring_try_send(ch, item);
    if (st == CHAN_OK)
        wake_waiters(ch, &ch->receivers_waiting, &ch->not_empty);
    return st;
}

enum chan_status chan_lockfree_send(struct chan_lockfree *ch, void *item)
{
    enum chan_status st = ring_try_send(ch, item);
    if (st == CHAN_WOULD_BLOCK) {
        uint64_t start = now_ns();
        unsigned round = 0;
        while ((st = ring_try_send(ch, item)) == CHAN_WOULD_BLOCK && backoff(&round, start))
            ;
        if (st == CHAN_WOULD_BLOCK)
            st = park_send(ch, item);
        atomic_fetch_add_explicit(&ch->send_blocked_ns, now_ns() - start,
                                  memory_order_relaxed);
    }
    if (st == CHAN_OK)
        wake_waiters(ch, &ch->receivers_waiting, &ch->not_empty);
    return st;
}

enum chan_status chan_lockfree_try_recv(struct chan_lockfree *ch, void **item)
{
    uint64_t wait_ns;
    enum chan_status st = ring_try_recv(ch, item, &wait_ns);
    if (st == CHAN_OK)
        after_recv(ch, wait_ns);
    return st;
}

enum chan_status chan_lockfree_recv(struct chan_lockfree *ch, void **item)
{
    uint64_t wait_ns;
    enum chan_status st = ring_try_recv(ch, item, &wait_ns);
    if (st == CHAN_WOULD_BLOCK) {
        uint64_t start = now_ns();
        unsigned round = 0;
        while ((st = ring_try_recv(ch, item, &wait_ns)) == CHAN_WOULD_BLOCK &&
               backoff(&round, start))
            ;
        if (st == CHAN_WOULD_BLOCK)
            st = park_recv(ch, item, &wait_ns);
        atomic_fetch_add_explicit(&ch->recv_starved_ns, now_ns() - start,
                                  memory_order_relaxed);
    }
    if (st == CHAN_OK)
        after_recv(ch, wait_ns);
    return st;
}

int chan_lockfree_close(struct chan_lockfree *ch)
{
    uint64_t old = atomic_fetch_or_explicit(&ch->tail, TAIL_CLOSED, memory_order_relaxed);
    if (old & TAIL_CLOSED)
        return -1;
    /* Everyone parked must look again: senders fail, receivers drain or end.
     * Always broadcast: a waiter checks the ring holding mu, so it either sees
     * the closed bit or is already asleep when the broadcast comes. */
    xmutex_lock(&ch->mu);
    xcond_broadcast(&ch->not_full);
    xcond_broadcast(&ch->not_empty);
    xmutex_unlock(&ch->mu);
    return 0;
}

/* head is read first: tail only grows, so a later tail is never behind it
 * by more than a race; a negative difference is clamped to 0. */
size_t chan_lockfree_len(struct chan_lockfree *ch)
{
    uint64_t h = atomic_load_explicit(&ch->head, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&ch->tail, memory_order_relaxed) >> 1;
    return t > h ? (size_t)(t - h) : 0;
}

size_t chan_lockfree_capacity(const struct chan_lockfree *ch)
{
    return ch->cap;
}

/* Queued items' ages: their enq_ns are read racily on purpose (relaxed atomics,
 * so it is not a data race); a slot refilled meanwhile gives a newer time. */
static uint64_t queued_age_ns(struct chan_lockfree *ch, uint64_t h, uint64_t t, uint64_t now)
{
    uint64_t sum = 0;
    for (uint64_t p = h; p < t && p - h < ch->cap; p++) {
        uint64_t enq = atomic_load_explicit(&ch->slots[p % ch->cap].enq_ns,
                                            memory_order_relaxed);
        sum += now > enq ? now - enq : 0;
    }
    return sum;
}

void chan_lockfree_stats(struct chan_lockfree *ch, struct chan_stats *out)
{
    uint64_t h = atomic_load_explicit(&ch->head, memory_order_relaxed);
    uint64_t t = atomic_load_explicit(&ch->tail, memory_order_relaxed) >> 1;
    uint64_t now = now_ns();
    if (t < h)
        t = h;
    atomic_max(&ch->depth_max, (size_t)(t - h));
    memset(out, 0, sizeof *out);
    out->sent = t;
    out->received = h;
    out->depth_max = atomic_load_explicit(&ch->depth_max, memory_order_relaxed);
    out->wait_total_ns = atomic_load_explicit(&ch->wait_total_ns, memory_order_relaxed);
    out->depth_area_ns = out->wait_total_ns + queued_age_ns(ch, h, t, now);
    out->elapsed_ns = now - ch->created_ns;
    out->send_blocked_ns = atomic_load_explicit(&ch->send_blocked_ns, memory_order_relaxed);
    out->recv_starved_ns = atomic_load_explicit(&ch->recv_starved_ns, memory_order_relaxed);
}
