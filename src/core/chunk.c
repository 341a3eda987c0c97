/*
 * chunk.c — allocation and in-flight accounting of chunk messages.
 */
#include "chunk.h"
#include "chunk_spares.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void inflight_init(struct inflight *acct)
{
    atomic_init(&acct->chunks, 0);
    atomic_init(&acct->bytes, 0);
    atomic_init(&acct->peak_chunks, 0);
    atomic_init(&acct->peak_bytes, 0);
    acct->spares = NULL;
}

/* Raise *peak to value if value is larger. A compare-and-swap loop, because
 * several threads may try at once and the larger value must win. */
static void inflight_raise_peak(atomic_int_fast64_t *peak, int_fast64_t value)
{
    int_fast64_t seen = atomic_load_explicit(peak, memory_order_relaxed);
    while (value > seen &&
           !atomic_compare_exchange_weak_explicit(peak, &seen, value,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

static void inflight_add(struct inflight *acct, int_fast64_t chunks, int_fast64_t bytes)
{
    if (acct == NULL)
        return;
    int_fast64_t c = atomic_fetch_add_explicit(&acct->chunks, chunks, memory_order_relaxed) + chunks;
    int_fast64_t b = atomic_fetch_add_explicit(&acct->bytes, bytes, memory_order_relaxed) + bytes;
    inflight_raise_peak(&acct->peak_chunks, c);
    inflight_raise_peak(&acct->peak_bytes, b);
}

struct chunk *chunk_new(struct inflight *acct, uint64_t index, size_t cap)
{
    struct chunk *c = chunk_spares_take(acct != NULL ? acct->spares : NULL, cap);
    if (c != NULL) {
        /* A spare: keep its buffer (owned by the chunk), clear the rest. */
        *c = (struct chunk){ .data = c->data, .cap = c->cap };
    } else {
        c = xcalloc(1, sizeof *c);  /* both owned by the chunk: chunk_free */
        c->data = xmalloc(cap);
        c->cap = cap;
    }
    c->index = index;
    c->t.worker = -1;
    c->acct = acct;
    inflight_add(acct, 1, (int_fast64_t)c->cap);
    return c;
}

void chunk_set_data(struct chunk *c, uint8_t *data, size_t len, size_t cap)
{
    /* Count the new buffer before forgetting the old one, so the peak sees the
     * moment both exist. */
    inflight_add(c->acct, 0, (int_fast64_t)cap);
    inflight_add(c->acct, 0, -(int_fast64_t)c->cap);
    free(c->data);
    c->data = data;
    c->len = len;
    c->cap = cap;
}

void chunk_free(struct chunk *c)
{
    if (c == NULL)
        return;
    inflight_add(c->acct, -1, -(int_fast64_t)c->cap);
    if (c->acct != NULL && chunk_spares_give(c->acct->spares, c))
        return; /* kept for chunk_new: no longer counted, not freed */
    free(c->data);
    free(c);
}

void chunk_free_void(void *c)
{
    chunk_free(c);
}
