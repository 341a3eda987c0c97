/*
 * chan.h — channels: the message-passing primitive every concurrent backend uses.
 *
 * A channel is a FIFO queue of pointers shared by any number of senders and
 * receivers. It is built from one mutex and two condition variables, nothing
 * more, so a student can read all of it in chan.c.
 *
 *   bounded   (capacity >= 1): a ring buffer. chan_send blocks while it is full;
 *             that blocking is the backpressure that keeps memory bounded.
 *   unbounded (capacity == CHAN_UNBOUNDED, i.e. 0): a linked list. chan_send
 *             never blocks, so memory grows whenever the receivers are slower.
 *             (Unlike Go, capacity 0 is not an unbuffered rendezvous channel.)
 *
 * Closing: chan_close wakes every waiter. After close, chan_send fails with
 * CHAN_CLOSED; chan_recv still delivers everything the channel holds, in FIFO
 * order, and only then reports CHAN_CLOSED. This is how a producer says "no
 * more items" (in the Rust design note the kit follows: dropping the sender).
 * A failed receive sets *item to NULL; try_send on a channel that is both
 * closed and full reports CHAN_CLOSED.
 *
 * Ownership: a successful send hands the item to the channel, which holds it
 * until a receiver takes it; the receiver then owns it. A failed send leaves it
 * with the sender. The channel never looks inside an item: chan_destroy hands
 * any item still inside to the free function given at chan_new.
 *
 * Measurement: each channel keeps cheap statistics (see struct chan_stats) that
 * the metrics module reads: depth, queue wait per item, time senders spent
 * blocked and receivers spent starved.
 */
#ifndef PIPELAB_CHAN_H
#define PIPELAB_CHAN_H

#include <stddef.h>
#include <stdint.h>

#define CHAN_UNBOUNDED 0

enum chan_status {
    CHAN_OK = 0,
    CHAN_CLOSED = 1,      /* send: channel closed; recv: closed and empty */
    CHAN_WOULD_BLOCK = 2, /* try forms only: full (send) or empty (recv) */
};

/* Counters a channel keeps about itself. All times are in nanoseconds. */
struct chan_stats {
    uint64_t sent;            /* items accepted by send */
    uint64_t received;        /* items taken by recv */
    size_t depth_max;         /* highest length ever seen */
    uint64_t depth_area_ns;   /* integral of length over time (items x ns): mean depth = area / elapsed */
    uint64_t elapsed_ns;      /* time since chan_new, at the moment of the snapshot */
    uint64_t wait_total_ns;   /* sum over items of (dequeue time - enqueue time) */
    uint64_t send_blocked_ns; /* time senders spent waiting for room (backpressure) */
    uint64_t recv_starved_ns; /* time receivers spent waiting for an item */
};

/* Called once for each item that has entered the channel and is taken out,
 * with the time it spent queued. Used by metrics for the queue-wait histogram.
 * It runs under no lock of the channel's. */
typedef void (*chan_wait_fn)(void *arg, uint64_t wait_ns);

struct chan;

/* A new channel of the given capacity (CHAN_UNBOUNDED for unbounded).
 * free_item may be NULL; it is used by chan_destroy for leftover items. */
struct chan *chan_new(size_t capacity, void (*free_item)(void *));
void chan_destroy(struct chan *ch);

/* Optional: report every item's queue wait to fn(arg, ns). Set before use. */
void chan_set_wait_observer(struct chan *ch, chan_wait_fn fn, void *arg);

enum chan_status chan_send(struct chan *ch, void *item);
enum chan_status chan_recv(struct chan *ch, void **item);
enum chan_status chan_try_send(struct chan *ch, void *item);
enum chan_status chan_try_recv(struct chan *ch, void **item);

/* Close the channel. Returns 0, or -1 if it was already closed (an error:
 * exactly one party should own the decision to close). */
int chan_close(struct chan *ch);

size_t chan_len(struct chan *ch);
size_t chan_capacity(const struct chan *ch); /* CHAN_UNBOUNDED for unbounded */
void chan_stats(struct chan *ch, struct chan_stats *out);

#endif
