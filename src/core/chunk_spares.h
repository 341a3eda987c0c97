/*
 * chunk_spares.h — freed chunks kept for the reader to use again.
 *
 * In a pipeline the reader allocates every chunk and the writer frees it: two
 * threads, one malloc and one free per chunk each. With 4 KiB chunks that is
 * some 30,000 of each per 128 MiB, and glibc's allocator serves a buffer that
 * big from the arena of the thread that allocated it, under that arena's lock:
 * each free by the writer takes the lock the reader's next malloc needs, and
 * when they collide one of them sleeps on it. So a run of small chunks pays
 * for the allocator's lock as well as for the channels'.
 *
 * The spares are a free list between the two. chunk_free gives the chunk
 * (struct and buffer) to the spares instead of to free(), and chunk_new takes
 * one from them before it calls malloc. The list is a lock-free ring
 * (chan_lockfree.h) of fixed size that never blocks: a chunk_free that finds
 * it full frees the chunk after all, a chunk_new that finds it empty
 * allocates a new one. Effective Go calls this pattern a "leaky buffer"
 * (https://go.dev/doc/effective_go#leaky_buffer); pigz keeps such pools of
 * buffers for the same reason (its get_space and drop_space).
 *
 * Measured on a 2-core Intel Xeon VM (2026-12-03): 128 MiB through
 *   pipelab process IN - --backend B --workers 2 --chunk-size 4K --stages checksum
 * to /dev/null, median wall time of 15 interleaved runs (rounds in which the
 * host stole CPU time left out): lockfree 207 ms without spares, 169 ms with;
 * bounded 208 and 171; serial 259 and 261 (one thread: its frees and mallocs
 * never meet).
 *
 * It costs no memory beyond the peak: a chunk is allocated only when the
 * spares are empty, so the chunks that exist (in flight plus spare) never
 * outnumber the most that were ever in flight at once. A spare is not in
 * flight: chunk_free has already taken it off the count of struct inflight.
 *
 * Only chunks whose buffer has exactly the size the spares were made for are
 * kept (a compress stage may have swapped in one of another size). The
 * spares belong to one run (struct job), which destroys them after its last
 * chunk has been freed.
 */
#ifndef PIPELAB_CHUNK_SPARES_H
#define PIPELAB_CHUNK_SPARES_H

#include "chunk.h"

#include <stdbool.h>
#include <stddef.h>

struct chunk_spares;

/* Room for count spare chunks whose buffers have cap bytes; NULL if memory
 * runs out (a run can do without: every chunk is then a malloc). */
struct chunk_spares *chunk_spares_new(size_t count, size_t cap);

/* Frees the spares left over, then the list. NULL is fine. */
void chunk_spares_destroy(struct chunk_spares *s);

/* A spare whose buffer holds at least cap bytes, or NULL if there is none.
 * Its fields are as chunk_free left them: chunk_new sets them all again. */
struct chunk *chunk_spares_take(struct chunk_spares *s, size_t cap);

/* Keep c for later. False when c's buffer is not of the spares' size or the
 * list is full: then c is still the caller's, to free. */
bool chunk_spares_give(struct chunk_spares *s, struct chunk *c);

#endif
