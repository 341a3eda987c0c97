/*
 * channel.h — one channel interface over two implementations.
 *
 * The pipeline, the metrics and the benchmarks talk to a struct channel and
 * never need to know which queue is behind it:
 *
 *   CHANNEL_MUTEX     chan.h: one mutex and two condition variables; bounded
 *                     or unbounded. The channel a learner builds first (lab 1).
 *   CHANNEL_LOCKFREE  chan_lockfree.h: a ring of turn-numbered slots that a
 *                     send or receive crosses without a lock; bounded only.
 *
 * Both keep exactly the contract written in chan.h (FIFO per sender, blocking
 * and try forms, close wakes every waiter, a closed channel drains before it
 * reports CHAN_CLOSED, send on a closed channel fails, the same statistics),
 * and the channel tests run every one of them over both.
 *
 * The choice is a tag and a switch in channel.c rather than a table of
 * function pointers: two implementations read more plainly as two branches.
 */
#ifndef PIPELAB_CHANNEL_H
#define PIPELAB_CHANNEL_H

#include "chan.h"
#include "chan_lockfree.h"

#include <stddef.h>

enum channel_impl {
    CHANNEL_MUTEX,
    CHANNEL_LOCKFREE,
};
#define CHANNEL_IMPL_COUNT 2

struct channel {
    enum channel_impl impl;
    struct chan *mutex;             /* when impl == CHANNEL_MUTEX */
    struct chan_lockfree *lockfree; /* when impl == CHANNEL_LOCKFREE */
};

/* "mutex" or "lockfree". */
const char *channel_impl_name(enum channel_impl impl);
/* Returns 0 and sets *impl, or -1 for an unknown name. */
int channel_impl_parse(const char *name, enum channel_impl *impl);

/* A new channel; NULL when out of memory, or for CHANNEL_LOCKFREE with
 * capacity CHAN_UNBOUNDED. Owned by the caller: free with channel_destroy. */
struct channel *channel_new(enum channel_impl impl, size_t capacity, void (*free_item)(void *));
void channel_destroy(struct channel *ch);

void channel_set_wait_observer(struct channel *ch, chan_wait_fn fn, void *arg);
enum chan_status channel_send(struct channel *ch, void *item);
enum chan_status channel_recv(struct channel *ch, void **item);
enum chan_status channel_try_send(struct channel *ch, void *item);
enum chan_status channel_try_recv(struct channel *ch, void **item);
int channel_close(struct channel *ch);
size_t channel_len(struct channel *ch);
size_t channel_capacity(const struct channel *ch);
void channel_stats(struct channel *ch, struct chan_stats *out);

#endif
