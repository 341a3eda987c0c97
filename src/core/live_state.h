/*
 * live_state.h — what every thread of a run is doing right now, for the live
 * view (live.h) to read.
 *
 * Each thread owns one slot and publishes every transition with a single
 * relaxed atomic store of one 64-bit word: the state in the top 8 bits, the
 * chunk it concerns in the low 56. No lock, no allocation, no read-modify-
 * write: a store to a cache line only this thread writes costs a few cycles,
 * which is why the stores are made whether or not anyone watches (with
 * --live off, they are the whole cost). Slots are a cache line apart so that
 * two threads never write the same line (no false sharing).
 *
 *   slot 0            the reader
 *   slot 1            the writer (for mutex: whichever task holds the lock)
 *   slot 2 + id       worker `id` (mutex: task thread `id`)
 *
 * The viewer reads each word with one relaxed load: it may see a state a few
 * nanoseconds old, never a torn one, and a view needs no more.
 */
#ifndef PIPELAB_LIVE_STATE_H
#define PIPELAB_LIVE_STATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum live_what {
    LIVE_IDLE = 0,       /* not started, or between two steps */
    LIVE_READING,        /* reader: reading chunk k */
    LIVE_WAIT_WINDOW,    /* reader: chunk k waits for the reorder window */
    LIVE_SENDING,        /* handing chunk k to the next channel (blocked if full) */
    LIVE_RECEIVING,      /* waiting for a chunk from a channel (starved if empty) */
    LIVE_WAIT_TOKEN,     /* worker: chunk k waits for a CPU token */
    LIVE_RUNNING,        /* worker: running the stages on chunk k */
    LIVE_WAIT_PERMIT,    /* mutex task: chunk k waits for a semaphore permit */
    LIVE_WAIT_LOCK,      /* mutex task: chunk k waits for the writer lock */
    LIVE_WRITING,        /* writing chunk k (mutex task: holding the writer lock) */
    LIVE_DONE,           /* the thread has finished */
    LIVE_WHAT_COUNT
};

enum { LIVE_SLOT_READER = 0, LIVE_SLOT_WRITER = 1, LIVE_SLOT_WORKER0 = 2 };

#define LIVE_INDEX_MASK ((UINT64_C(1) << 56) - 1)

struct live_slot {
    _Alignas(64) atomic_uint_fast64_t word;
};

struct live_state {
    unsigned slots;                  /* 2 + the most workers a backend may start */
    atomic_uint workers;             /* worker threads this backend started */
    struct live_slot *slot;          /* [slots], owned: live_state_free */
};

/* Slots for up to max_workers workers (out of memory ends the process, as
 * xmalloc does). */
struct live_state *live_state_new(unsigned max_workers);
void live_state_free(struct live_state *ls);

/* The one store of a transition. ls may be NULL (a job made without one). */
static inline void live_set(struct live_state *ls, unsigned slot, enum live_what what,
                            uint64_t index)
{
    if (ls != NULL && slot < ls->slots)
        atomic_store_explicit(&ls->slot[slot].word,
                              (uint64_t)what << 56 | (index & LIVE_INDEX_MASK),
                              memory_order_relaxed);
}

static inline void live_worker(struct live_state *ls, unsigned id, enum live_what what,
                               uint64_t index)
{
    live_set(ls, LIVE_SLOT_WORKER0 + id, what, index);
}

static inline void live_set_workers(struct live_state *ls, unsigned n)
{
    if (ls != NULL)
        atomic_store_explicit(&ls->workers, n, memory_order_relaxed);
}

/* What slot is doing: its state, and the chunk in *index. */
static inline enum live_what live_get(struct live_state *ls, unsigned slot, uint64_t *index)
{
    uint64_t w = atomic_load_explicit(&ls->slot[slot].word, memory_order_relaxed);
    *index = w & LIVE_INDEX_MASK;
    return (enum live_what)(w >> 56);
}

#endif
