/*
 * channel.c — each call of channel.h goes to the implementation the channel
 * was made with. Nothing else happens here.
 */
#include "channel.h"

#include <stdlib.h>
#include <string.h>

static const char *const channel_impl_names[CHANNEL_IMPL_COUNT] = {
    [CHANNEL_MUTEX] = "mutex",
    [CHANNEL_LOCKFREE] = "lockfree",
};

const char *channel_impl_name(enum channel_impl impl)
{
    return channel_impl_names[impl];
}

int channel_impl_parse(const char *name, enum channel_impl *impl)
{
    for (int i = 0; i < CHANNEL_IMPL_COUNT; i++) {
        if (strcmp(name, channel_impl_names[i]) == 0) {
            *impl = (enum channel_impl)i;
            return 0;
        }
    }
    return -1;
}

struct channel *channel_new(enum channel_impl impl, size_t capacity, void (*free_item)(void *))
{
    struct channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->impl = impl;
    if (impl == CHANNEL_LOCKFREE)
        ch->lockfree = chan_lockfree_new(capacity, free_item);
    else
        ch->mutex = chan_new(capacity, free_item);
    if (ch->mutex == NULL && ch->lockfree == NULL) {
        free(ch);
        return NULL;
    }
    return ch;
}

void channel_destroy(struct channel *ch)
{
    if (ch == NULL)
        return;
    if (ch->impl == CHANNEL_LOCKFREE)
        chan_lockfree_destroy(ch->lockfree);
    else
        chan_destroy(ch->mutex);
    free(ch);
}

void channel_set_wait_observer(struct channel *ch, chan_wait_fn fn, void *arg)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        chan_lockfree_set_wait_observer(ch->lockfree, fn, arg);
    else
        chan_set_wait_observer(ch->mutex, fn, arg);
}

enum chan_status channel_send(struct channel *ch, void *item)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_send(ch->lockfree, item);
    return chan_send(ch->mutex, item);
}

enum chan_status channel_recv(struct channel *ch, void **item)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_recv(ch->lockfree, item);
    return chan_recv(ch->mutex, item);
}

enum chan_status channel_try_send(struct channel *ch, void *item)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_try_send(ch->lockfree, item);
    return chan_try_send(ch->mutex, item);
}

enum chan_status channel_try_recv(struct channel *ch, void **item)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_try_recv(ch->lockfree, item);
    return chan_try_recv(ch->mutex, item);
}

int channel_close(struct channel *ch)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_close(ch->lockfree);
    return chan_close(ch->mutex);
}

size_t channel_len(struct channel *ch)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_len(ch->lockfree);
    return chan_len(ch->mutex);
}

size_t channel_capacity(const struct channel *ch)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        return chan_lockfree_capacity(ch->lockfree);
    return chan_capacity(ch->mutex);
}

void channel_stats(struct channel *ch, struct chan_stats *out)
{
    if (ch->impl == CHANNEL_LOCKFREE)
        chan_lockfree_stats(ch->lockfree, out);
    else
        chan_stats(ch->mutex, out);
}
