/*
 * reorder.h — putting chunks back in index order, with bounded memory.
 *
 * Workers finish chunks in any order. With --ordered the writer must emit
 * chunk 0, 1, 2, ... so it parks early arrivals in a buffer until the gap
 * before them is filled. Unchecked, that buffer can grow without limit (one
 * slow chunk, and everything behind it piles up). The window bounds it: the
 * producer of chunk i (the reader) must first call reorder_admit(i), which
 * waits until i < next + window, where next is the first chunk not yet
 * written. So at most `window` chunks exist between the writer's position and
 * the reader's, and the parked ones fit in a ring of `window` slots.
 *
 * It cannot deadlock: the chunk the writer waits for (next) was admitted
 * before every parked chunk, and nothing it needs ever waits on the window.
 *
 *   reader:  reorder_admit(r, i)            before reading chunk i
 *   writer:  reorder_put(r, c)              park a finished chunk
 *            while ((c = reorder_take(r)))  emit the chunks now in order
 */
#ifndef PIPELAB_REORDER_H
#define PIPELAB_REORDER_H

#include "chunk.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct reorder {
    pthread_mutex_t lock;
    pthread_cond_t advanced;     /* next moved on, or cancelled */
    struct chunk **slot;         /* ring: chunk i lives in slot[i % window] */
    uint64_t window;
    uint64_t next;               /* first index not yet taken */
    uint64_t parked;             /* chunks currently in the ring */
    uint64_t parked_max;
    bool cancelled;
};

int reorder_init(struct reorder *r, uint64_t window);
/* Frees parked chunks too. */
void reorder_destroy(struct reorder *r);

/* Wait until index may enter the pipeline. Returns 0, or -1 if cancelled. */
int reorder_admit(struct reorder *r, uint64_t index);

/* Park a finished chunk (its index must have been admitted). */
void reorder_put(struct reorder *r, struct chunk *c);

/* The chunk at `next`, if it has arrived (and advance next); else NULL. */
struct chunk *reorder_take(struct reorder *r);

/* Wake every waiter for good: used when the run fails. */
void reorder_cancel(struct reorder *r);

/* Free every parked chunk (a failed run will never write them). Call it
 * once no thread uses the window any more. */
void reorder_drop_parked(struct reorder *r);

#endif
