/*
 * chan.c — YOUR channel (lab 1): a bounded FIFO of pointers, built from one
 * mutex and two condition variables.
 *
 * How it fits. This file stands in for the kit's src/chan.c: it defines every
 * function of src/chan.h, and the lab links it in front of build/libpipelab.a,
 * so two programs use your channel instead of the kit's:
 *   build/labs/01/check     the checks `make lab` runs;
 *   build/labs/01/pipelab   the real pipelab (try --backend bounded).
 * Only bounded channels exist here; chan_new(CHAN_UNBOUNDED) returns NULL
 * (unbounded ones are lab 2).
 *
 * The state, and the invariants that hold whenever the mutex is free:
 *
 *   mu         guards every field below except cap and free_item
 *   ring[cap]  the slots; the items, oldest first, are
 *              ring[head], ring[(head + 1) % cap], ... (len of them)
 *   0 <= len <= cap
 *   closed     0, then 1 for good
 *
 *   not_empty  receivers sleep here while len == 0 (and not closed)
 *   not_full   senders sleep here while len == cap (and not closed)
 *
 * The rules of waiting (they are the whole lab):
 *   - wait in a `while` loop, never an `if`: pthread_cond_wait may return
 *     when the condition is still false (spurious wakeups), and between the
 *     signal and the moment a woken thread has the mutex again, another
 *     thread may have taken the item or the free slot;
 *   - a send or a receive changes the state by one item, so it wakes one
 *     waiter (signal); close changes the answer for every waiter at once,
 *     so it wakes all of them (broadcast), on both condition variables;
 *   - after close, send fails, and recv still delivers what is queued and
 *     reports CHAN_CLOSED only once the channel is empty (drain first).
 *
 * Statistics: only sent, received and depth_max are kept (in queue_put and
 * queue_take); the kit's src/chan.c also times every item.
 */
#include "chan.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct chan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;     /* receivers wait here */
    pthread_cond_t not_full;      /* senders wait here */
    size_t cap;                   /* number of slots in ring */
    size_t len;                   /* items queued now */
    size_t head;                  /* slot of the oldest item */
    void **ring;
    int closed;

    void (*free_item)(void *);    /* for leftovers in chan_destroy; may be NULL */
    chan_wait_fn on_wait;         /* kept for chan.h; this channel never calls it */
    void *on_wait_arg;
    uint64_t created_ns;
    struct chan_stats st;         /* sent, received, depth_max */
};

static uint64_t chan_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool chan_full(const struct chan *ch)
{
    return ch->len == ch->cap;
}

/* ---- the ring (mutex held) --------------------------------------------- */

/* Store item in the first free slot, just after the newest item. Called with
 * room for it (len < cap); queue_put counts it afterwards. */
static void ring_put(struct chan *ch, void *item)
{
    ch->ring[(ch->head + ch->len) % ch->cap] = item;
}

/* Take the oldest item and move head on to the next slot, wrapping at cap.
 * Called only when there is an item (len > 0); queue_take uncounts it. */
static void *ring_take(struct chan *ch)
{
    void *item = ch->ring[ch->head];
    ch->ring[ch->head] = NULL;
    ch->head = (ch->head + 1) % ch->cap;
    return item;
}

/* Queue an item and count it. Only call it when there is room. */
static void queue_put(struct chan *ch, void *item)
{
    ring_put(ch, item);
    ch->len++;
    ch->st.sent++;
    if (ch->len > ch->st.depth_max)
        ch->st.depth_max = ch->len;
}

/* Take the oldest item and uncount it. Only call it when len > 0. */
static void *queue_take(struct chan *ch)
{
    void *item = ring_take(ch);
    ch->len--;
    ch->st.received++;
    return item;
}

/* ---- making and destroying (given) ------------------------------------- */

struct chan *chan_new(size_t capacity, void (*free_item)(void *))
{
    if (capacity == CHAN_UNBOUNDED)
        return NULL; /* lab 2 */
    struct chan *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    ch->ring = calloc(capacity, sizeof *ch->ring);
    if (ch->ring == NULL) {
        free(ch);
        return NULL;
    }
    pthread_mutex_init(&ch->mu, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    ch->cap = capacity;
    ch->free_item = free_item;
    ch->created_ns = chan_clock_ns();
    return ch;
}

/* Every sender and receiver must be finished by now. */
void chan_destroy(struct chan *ch)
{
    if (ch == NULL)
        return;
    while (ch->len > 0) {
        void *item = queue_take(ch);
        if (ch->free_item != NULL)
            ch->free_item(item);
    }
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
    pthread_mutex_destroy(&ch->mu);
    free(ch->ring);
    free(ch);
}

/* ---- send, receive, close ---------------------------------------------- */

/* Put item in the channel, waiting while it is full. CHAN_OK, or CHAN_CLOSED
 * if the channel is (or becomes, while we wait) closed: then the item was not
 * queued and still belongs to the caller. */
enum chan_status chan_send(struct chan *ch, void *item)
{
    pthread_mutex_lock(&ch->mu);
    while (chan_full(ch) && !ch->closed)
        pthread_cond_wait(&ch->not_full, &ch->mu);
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return CHAN_CLOSED; /* the item is still the caller's */
    }
    queue_put(ch, item);
    pthread_cond_signal(&ch->not_empty); /* one more item: one receiver may go */
    pthread_mutex_unlock(&ch->mu);
    return CHAN_OK;
}

/* Take the oldest item into *item, waiting while the channel is empty.
 * CHAN_OK, or CHAN_CLOSED (with *item = NULL) once the channel is closed AND
 * empty: items sent before the close are still delivered first. */
enum chan_status chan_recv(struct chan *ch, void **item)
{
    pthread_mutex_lock(&ch->mu);
    while (ch->len == 0 && !ch->closed)
        pthread_cond_wait(&ch->not_empty, &ch->mu);
    if (ch->len == 0) {
        /* Awake with nothing queued: closed and drained. */
        pthread_mutex_unlock(&ch->mu);
        *item = NULL;
        return CHAN_CLOSED;
    }
    *item = queue_take(ch);
    pthread_cond_signal(&ch->not_full); /* one more free slot: one sender may go */
    pthread_mutex_unlock(&ch->mu);
    return CHAN_OK;
}

/* Mark the channel closed and wake every waiter. 0, or -1 if it was closed
 * already (exactly one party should own the decision to close). */
int chan_close(struct chan *ch)
{
    pthread_mutex_lock(&ch->mu);
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return -1;
    }
    ch->closed = 1;
    /* Every waiter's answer has changed: wake them all. */
    pthread_cond_broadcast(&ch->not_empty);
    pthread_cond_broadcast(&ch->not_full);
    pthread_mutex_unlock(&ch->mu);
    return 0;
}

/* ---- the rest of chan.h (given) ---------------------------------------- */

enum chan_status chan_try_send(struct chan *ch, void *item)
{
    pthread_mutex_lock(&ch->mu);
    enum chan_status st = CHAN_OK;
    if (ch->closed)
        st = CHAN_CLOSED;
    else if (chan_full(ch))
        st = CHAN_WOULD_BLOCK;
    else {
        queue_put(ch, item);
        pthread_cond_signal(&ch->not_empty);
    }
    pthread_mutex_unlock(&ch->mu);
    return st;
}

enum chan_status chan_try_recv(struct chan *ch, void **item)
{
    pthread_mutex_lock(&ch->mu);
    enum chan_status st = CHAN_OK;
    *item = NULL;
    if (ch->len > 0) {
        *item = queue_take(ch);
        pthread_cond_signal(&ch->not_full);
    } else {
        st = ch->closed ? CHAN_CLOSED : CHAN_WOULD_BLOCK;
    }
    pthread_mutex_unlock(&ch->mu);
    return st;
}

void chan_set_wait_observer(struct chan *ch, chan_wait_fn fn, void *arg)
{
    pthread_mutex_lock(&ch->mu);
    ch->on_wait = fn;
    ch->on_wait_arg = arg;
    pthread_mutex_unlock(&ch->mu);
}

size_t chan_len(struct chan *ch)
{
    pthread_mutex_lock(&ch->mu);
    size_t n = ch->len;
    pthread_mutex_unlock(&ch->mu);
    return n;
}

size_t chan_capacity(const struct chan *ch)
{
    return ch->cap; /* never changes: no lock needed */
}

void chan_stats(struct chan *ch, struct chan_stats *out)
{
    pthread_mutex_lock(&ch->mu);
    *out = ch->st;
    out->elapsed_ns = chan_clock_ns() - ch->created_ns;
    pthread_mutex_unlock(&ch->mu);
}
