/*
 * chunk_spares.c — a leaky free list of chunks. See chunk_spares.h.
 *
 * The list is a chan_lockfree used only through its try forms, so nobody
 * ever waits on it: the writer gives (a send), the reader takes (a receive).
 * The ring's turn numbers order the writer's last use of a chunk before the
 * reader's first (chan_lockfree.c, "The memory orders"), which is all the
 * handover needs.
 */
#include "chunk_spares.h"
#include "chan_lockfree.h"

#include <stdlib.h>

struct chunk_spares {
    struct chan_lockfree *ring; /* owns the spares it holds */
    size_t cap;                 /* the buffer size of every spare */
};

/* For the ring's leftovers: a spare is counted nowhere, so plain free. */
static void spare_free(void *item)
{
    struct chunk *c = item;
    free(c->data);
    free(c);
}

struct chunk_spares *chunk_spares_new(size_t count, size_t cap)
{
    struct chunk_spares *s = malloc(sizeof *s); /* owned by the caller */
    if (s == NULL)
        return NULL;
    s->ring = chan_lockfree_new(count, spare_free);
    if (s->ring == NULL) {
        free(s);
        return NULL;
    }
    s->cap = cap;
    return s;
}

void chunk_spares_destroy(struct chunk_spares *s)
{
    if (s == NULL)
        return;
    chan_lockfree_destroy(s->ring); /* frees what it holds with spare_free */
    free(s);
}

struct chunk *chunk_spares_take(struct chunk_spares *s, size_t cap)
{
    void *item;
    if (s == NULL || cap > s->cap || chan_lockfree_try_recv(s->ring, &item) != CHAN_OK)
        return NULL;
    return item;
}

bool chunk_spares_give(struct chunk_spares *s, struct chunk *c)
{
    return s != NULL && c->cap == s->cap && chan_lockfree_try_send(s->ring, c) == CHAN_OK;
}
