/*
 * as_chan.c — chan.h, carried by your ring: lets lab 9 run the channel checks
 * that labs 1 and 2 share (labs/lib/chancheck.c, written against chan.h) on
 * chan_lockfree.h.
 *
 * Linked into the check only (never into the lab's pipelab), in front of the
 * kit's library, so it stands in for the kit's chan.o: every chan_* call of
 * the shared checks lands in your chan_lockfree.c. A struct chan here is just
 * the ring it carries. Capacity 0 (unbounded) has no lock-free form:
 * chan_new returns NULL for it, as chan_lockfree_new does.
 */
#include "chan.h"
#include "chan_lockfree.h"

#include <stdlib.h>

struct chan {
    struct chan_lockfree *ring; /* owned: freed in chan_destroy */
};

struct chan *chan_new(size_t capacity, void (*free_item)(void *))
{
    struct chan *ch = malloc(sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->ring = chan_lockfree_new(capacity, free_item);
    if (ch->ring == NULL) {
        free(ch);
        return NULL;
    }
    return ch;
}

void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    chan_lockfree_destroy(ch->ring);
    free(ch);
}

void chan_set_wait_observer(struct chan *ch, chan_wait_fn fn, void *arg)
{
    chan_lockfree_set_wait_observer(ch->ring, fn, arg);
}

enum chan_status chan_send(struct chan *ch, void *item)
{
    return chan_lockfree_send(ch->ring, item);
}

enum chan_status chan_recv(struct chan *ch, void **item)
{
    return chan_lockfree_recv(ch->ring, item);
}

enum chan_status chan_try_send(struct chan *ch, void *item)
{
    return chan_lockfree_try_send(ch->ring, item);
}

enum chan_status chan_try_recv(struct chan *ch, void **item)
{
    return chan_lockfree_try_recv(ch->ring, item);
}

int chan_close(struct chan *ch)
{
    return chan_lockfree_close(ch->ring);
}

size_t chan_len(struct chan *ch)
{
    return chan_lockfree_len(ch->ring);
}

size_t chan_capacity(const struct chan *ch)
{
    return chan_lockfree_capacity(ch->ring);
}

void chan_stats(struct chan *ch, struct chan_stats *out)
{
    chan_lockfree_stats(ch->ring, out);
}
