/*
 * chunk.c — YOUR chunk allocator with in-flight accounting (lab 4).
 *
 * How it fits. This file stands in for the kit's src/chunk.c: it defines
 * every function of src/chunk.h and is linked in front of build/libpipelab.a,
 * so every chunk pipelab makes (in the reader) and frees (in the writer, or
 * wherever a failure drops it) is counted by your code. The peak you keep is
 * the "peak_chunks_in_flight" figure of `pipelab process --metrics table` in
 * build/labs/04/pipelab, and what the checks compare with your bound.
 *
 * The counters (struct inflight, src/chunk.h) are shared by every thread of
 * a run and updated with atomics, never a lock: they sit on the hot path of
 * every chunk, and a lock there would serialise the very threads we measure.
 *
 *   chunks, bytes   how many are alive now: +1 / +cap in chunk_new,
 *                   -1 / -cap in chunk_free (bytes also move in chunk_set_data)
 *   peak_chunks,    the largest value the counters ever had
 *   peak_bytes
 *
 * The invariants:
 *   - chunks and bytes are exact at every moment: each change is one atomic
 *     read-modify-write (fetch_add), so no update is ever lost;
 *   - a peak never goes down, and ends as the largest value any thread saw
 *     right after its own fetch_add. "Read the peak, compare, write it" is not
 *     enough: between your read and your write another thread may raise the
 *     peak higher, and your write would lower it again. A compare-and-swap
 *     loop writes only if the peak is still what you read.
 *
 * Relaxed memory order is enough: these are statistics, nothing else is
 * published through them.
 */
#include "chunk.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void inflight_init(struct inflight *acct)
{
    atomic_init(&acct->chunks, 0);
    atomic_init(&acct->bytes, 0);
    atomic_init(&acct->peak_chunks, 0);
    atomic_init(&acct->peak_bytes, 0);
}

/* Raise *peak to value if value is larger, even when other threads try to
 * at the same moment: the largest value must win. */
static void inflight_raise_peak(atomic_int_fast64_t *peak, int_fast64_t value)
{
    int_fast64_t seen = atomic_load_explicit(peak, memory_order_relaxed);
    /* On failure, compare_exchange puts the peak's current value in `seen`,
     * and we try again while ours is still larger. */
    while (value > seen &&
           !atomic_compare_exchange_weak_explicit(peak, &seen, value,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* Add to the counters (negative amounts subtract) and keep the peaks. */
static void inflight_add(struct inflight *acct, int_fast64_t chunks, int_fast64_t bytes)
{
    if (acct == NULL)
        return;
    /* fetch_add returns the value before the addition: add ours to know the
     * value right after our own change, whatever other threads do next. */
    int_fast64_t c = atomic_fetch_add_explicit(&acct->chunks, chunks, memory_order_relaxed) + chunks;
    int_fast64_t b = atomic_fetch_add_explicit(&acct->bytes, bytes, memory_order_relaxed) + bytes;
    inflight_raise_peak(&acct->peak_chunks, c);
    inflight_raise_peak(&acct->peak_bytes, b);
}

/* ---- chunks (given) ---------------------------------------------------- */

struct chunk *chunk_new(struct inflight *acct, uint64_t index, size_t cap)
{
    struct chunk *c = xcalloc(1, sizeof *c);
    c->index = index;
    c->data = xmalloc(cap);
    c->cap = cap;
    c->t.worker = -1;
    c->acct = acct;
    inflight_add(acct, 1, (int_fast64_t)cap);
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
    free(c->data);
    free(c);
}

void chunk_free_void(void *c)
{
    chunk_free(c);
}
