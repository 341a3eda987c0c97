/*
 * chan_lockfree.h — a bounded channel whose fast path takes no lock.
 *
 * The same contract as chan.h, for bounded capacities (>= 1) only: a FIFO of
 * pointers for any number of senders and receivers, blocking and try forms,
 * close wakes every waiter, a closed channel still delivers what it holds and
 * only then reports CHAN_CLOSED, send on a closed channel fails, and the same
 * statistics (struct chan_stats). The status codes are chan.h's.
 *
 * What differs is the cost of a handoff. chan.c takes a mutex for every send
 * and every receive and, when the other side is asleep, pays a futex wake and a
 * context switch per item. Here a send or a receive that finds room (or an
 * item) is a few atomic operations on memory the two sides share, and nobody
 * sleeps or is woken. Only a thread that finds the ring full (or empty) for a
 * while parks, on a condition variable, and only then does the other side pay
 * for a wake-up. chan_lockfree.c explains the ring and every memory order.
 *
 * FIFO holds per sender: items one thread sends are received in the order it
 * sent them (positions are claimed in order, and read in position order).
 *
 * Ownership is chan.h's: on a successful send the channel holds the item until
 * a receiver takes it; chan_lockfree_destroy hands leftovers to free_item.
 */
#ifndef PIPELAB_CHAN_LOCKFREE_H
#define PIPELAB_CHAN_LOCKFREE_H

#include "chan.h"

#include <stddef.h>

struct chan_lockfree;

/* A new channel with room for capacity items (>= 1). Returns NULL when
 * capacity is 0 (this channel has no unbounded form) or memory runs out. */
struct chan_lockfree *chan_lockfree_new(size_t capacity, void (*free_item)(void *));
void chan_lockfree_destroy(struct chan_lockfree *ch);

void chan_lockfree_set_wait_observer(struct chan_lockfree *ch, chan_wait_fn fn, void *arg);

enum chan_status chan_lockfree_send(struct chan_lockfree *ch, void *item);
enum chan_status chan_lockfree_recv(struct chan_lockfree *ch, void **item);
enum chan_status chan_lockfree_try_send(struct chan_lockfree *ch, void *item);
enum chan_status chan_lockfree_try_recv(struct chan_lockfree *ch, void **item);

/* Returns 0, or -1 if the channel was already closed. */
int chan_lockfree_close(struct chan_lockfree *ch);

/* Items queued now. Exact when no send or receive runs; a snapshot otherwise. */
size_t chan_lockfree_len(struct chan_lockfree *ch);
size_t chan_lockfree_capacity(const struct chan_lockfree *ch);

/* The counters of struct chan_stats, read without a lock. sent, received,
 * wait_total_ns, send_blocked_ns and recv_starved_ns are exact once the
 * channel is idle. depth_max is the highest depth seen at a snapshot or by a
 * sender that found the ring full (measuring it on every send would cost a
 * shared cache line per item); depth_area_ns is the queue waits of the items
 * that left plus the age of those still queued. */
void chan_lockfree_stats(struct chan_lockfree *ch, struct chan_stats *out);

#endif
