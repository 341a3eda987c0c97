/*
 * chan.c — YOUR channel (lab 2): the bounded channel of lab 1, plus an
 * unbounded one, behind the one API of src/chan.h.
 *
 * How it fits. As in lab 1, this file stands in for the kit's src/chan.c
 * (it defines every function of src/chan.h and is linked in front of
 * build/libpipelab.a), in two programs:
 *   build/labs/02/check     the checks `make lab` runs;
 *   build/labs/02/pipelab   the real pipelab: --backend bounded AND unbounded
 *                           now both run on your channel.
 *
 * Two queues sit behind the one API; the capacity chooses which:
 *
 *   bounded    capacity >= 1: the ring of lab 1 (given here, finished).
 *   unbounded  capacity == CHAN_UNBOUNDED (0): a singly linked list, oldest
 *              item first. list_put mallocs a node and links it after `last`;
 *              list_take unlinks `first` and frees its node. The list is
 *              never full, so a sender never waits: that is the whole point,
 *              and the whole cost. When receivers are slower than senders,
 *              the list — and the memory behind it — grows without limit.
 *
 * Invariants, whenever the mutex is free:
 *   0 <= len, and len <= cap when bounded
 *   bounded:   the items, oldest first, are ring[head], ... (len of them)
 *   unbounded: first -> ... -> last holds exactly len nodes, oldest first;
 *              first == NULL and last == NULL exactly when len == 0
 *   closed     0, then 1 for good
 *
 * The waiting rules of lab 1 do not change: a while loop around every wait,
 * a signal per item, a broadcast on close. On an unbounded channel nobody
 * ever waits on not_full; signalling it anyway is harmless.
 *
 * Statistics: only sent, received and depth_max are kept (in queue_put and
 * queue_take); the kit's src/chan.c also times every item.
 */
#include "chan.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* One item of the unbounded list. */
struct chan_node {
    void *item;
    struct chan_node *next;
};

struct chan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;     /* receivers wait here */
    pthread_cond_t not_full;      /* senders wait here */
    size_t cap;                   /* CHAN_UNBOUNDED, or the number of slots in ring */
    size_t len;                   /* items queued now */
    int closed;

    void **ring;                  /* bounded: cap slots */
    size_t head;                  /* bounded: slot of the oldest item */
    struct chan_node *first;      /* unbounded: oldest item, or NULL */
    struct chan_node *last;       /* unbounded: newest item, or NULL */

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

/* An unbounded channel is never full. */
static bool chan_full(const struct chan *ch)
{
    return ch->cap != CHAN_UNBOUNDED && ch->len == ch->cap;
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

/* ---- the list (mutex held) --------------------------------------------- */

/* Append item at the end of the list, after `last`. malloc runs under the
 * mutex: simple, and malloc's per-thread caches keep it short. Out of memory
 * ends the program, as everywhere in pipelab. */
static void list_put(struct chan *ch, void *item)
{
    struct chan_node *n = malloc(sizeof *n);
    if (n == NULL) {
        fputs("pipelab: out of memory in chan_send\n", stderr);
        abort();
    }
    n->item = item;
    n->next = NULL;
    if (ch->last != NULL)
        ch->last->next = n;
    else
        ch->first = n;
    ch->last = n;
}

/* Unlink the oldest node, free it, and return its item. Called only when
 * there is an item (len > 0). */
static void *list_take(struct chan *ch)
{
    struct chan_node *n = ch->first;
    void *item = n->item;
    ch->first = n->next;
    if (ch->first == NULL)
        ch->last = NULL;
    free(n);
    return item;
}

/* ---- either queue (mutex held) ----------------------------------------- */

/* Queue an item and count it. Only call it when there is room. */
static void queue_put(struct chan *ch, void *item)
{
    if (ch->cap == CHAN_UNBOUNDED)
        list_put(ch, item);
    else
        ring_put(ch, item);
    ch->len++;
    ch->st.sent++;
    if (ch->len > ch->st.depth_max)
        ch->st.depth_max = ch->len;
}

/* Take the oldest item and uncount it. Only call it when len > 0. */
static void *queue_take(struct chan *ch)
{
    void *item = ch->cap == CHAN_UNBOUNDED ? list_take(ch) : ring_take(ch);
    ch->len--;
    ch->st.received++;
    return item;
}

/* ---- making and destroying (given) ------------------------------------- */

struct chan *chan_new(size_t capacity, void (*free_item)(void *))
{
    struct chan *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return NULL;
    if (capacity != CHAN_UNBOUNDED) {
        ch->ring = calloc(capacity, sizeof *ch->ring);
        if (ch->ring == NULL) {
            free(ch);
            return NULL;
        }
    }
    pthread_mutex_init(&ch->mu, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    ch->cap = capacity;
    ch->free_item = free_item;
    ch->created_ns = chan_clock_ns();
    return ch;
}

/* Every sender and receiver must be finished by now. Leftover items go to
 * free_item; queue_take frees the list's nodes on the way. */
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
    return ch->cap; /* never changes: no lock needed; CHAN_UNBOUNDED for unbounded */
}

void chan_stats(struct chan *ch, struct chan_stats *out)
{
    pthread_mutex_lock(&ch->mu);
    *out = ch->st;
    out->elapsed_ns = chan_clock_ns() - ch->created_ns;
    pthread_mutex_unlock(&ch->mu);
}
