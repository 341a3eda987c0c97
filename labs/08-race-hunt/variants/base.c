/*
 * base.c — the channel the six variants of lab 8 are made from: each
 * variants/chan_X.patch turns it into chan_X.c (labs/run.sh writes them).
 * It implements vchan.h, and it is correct: it is also the answer for each
 * variant that is broken. Not part of the handout.
 *
 * Two condition variables; one signal per item, a broadcast on close.
 *
 * The YIELD_POINT lines do nothing in a normal build. In the check build
 * they let the checks pause a thread at exactly that line (see yield.h), to
 * force the rare interleaving a race needs.
 */
#include "vchan.h"
#include "yield.h"

#include <pthread.h>
#include <stdlib.h>

struct vchan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;   /* receivers wait here */
    pthread_cond_t not_full;    /* senders wait here */
    void **ring;
    size_t cap, head, len;
    int closed;
};

struct vchan *vchan_new(size_t cap)
{
    struct vchan *ch = calloc(1, sizeof *ch);
    ch->ring = calloc(cap, sizeof *ch->ring);
    pthread_mutex_init(&ch->mu, NULL);
    pthread_cond_init(&ch->not_empty, NULL);
    pthread_cond_init(&ch->not_full, NULL);
    ch->cap = cap;
    return ch;
}

void vchan_destroy(struct vchan *ch)
{
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
    pthread_mutex_destroy(&ch->mu);
    free(ch->ring);
    free(ch);
}

/* The ring (mutex held): the oldest item is ring[head], len items follow. */
static void put(struct vchan *ch, void *item)
{
    ch->ring[(ch->head + ch->len) % ch->cap] = item;
    ch->len++;
}

static void *take(struct vchan *ch)
{
    void *item = ch->ring[ch->head];
    ch->ring[ch->head] = NULL;
    ch->head = (ch->head + 1) % ch->cap;
    ch->len--;
    return item;
}

enum vchan_status vchan_send(struct vchan *ch, void *item)
{
    pthread_mutex_lock(&ch->mu);
    while (ch->len == ch->cap && !ch->closed) {
        YIELD_POINT("send_wait", &ch->mu);
        pthread_cond_wait(&ch->not_full, &ch->mu);
        YIELD_POINT("send_woken", &ch->mu);
    }
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return VCHAN_CLOSED;
    }
    put(ch, item);
    pthread_cond_signal(&ch->not_empty);
    pthread_mutex_unlock(&ch->mu);
    return VCHAN_OK;
}

enum vchan_status vchan_recv(struct vchan *ch, void **item)
{
    pthread_mutex_lock(&ch->mu);
    while (ch->len == 0 && !ch->closed) {
        YIELD_POINT("recv_wait", &ch->mu);
        pthread_cond_wait(&ch->not_empty, &ch->mu);
        YIELD_POINT("recv_woken", &ch->mu);
    }
    if (ch->len == 0) {
        pthread_mutex_unlock(&ch->mu); /* closed and drained */
        *item = NULL;
        return VCHAN_CLOSED;
    }
    *item = take(ch);
    pthread_cond_signal(&ch->not_full);
    pthread_mutex_unlock(&ch->mu);
    YIELD_POINT("recv_done", NULL);
    return VCHAN_OK;
}

enum vchan_status vchan_try_recv(struct vchan *ch, void **item)
{
    pthread_mutex_lock(&ch->mu);
    enum vchan_status st = VCHAN_OK;
    *item = NULL;
    if (ch->len > 0) {
        *item = take(ch);
        pthread_cond_signal(&ch->not_full);
    } else {
        st = ch->closed ? VCHAN_CLOSED : VCHAN_WOULD_BLOCK;
    }
    pthread_mutex_unlock(&ch->mu);
    return st;
}

int vchan_close(struct vchan *ch)
{
    pthread_mutex_lock(&ch->mu);
    if (ch->closed) {
        pthread_mutex_unlock(&ch->mu);
        return -1;
    }
    ch->closed = 1;
    /* Wake every waiter: each one's answer has changed. */
    pthread_cond_broadcast(&ch->not_empty);
    pthread_cond_broadcast(&ch->not_full);
    pthread_mutex_unlock(&ch->mu);
    return 0;
}

size_t vchan_len(struct vchan *ch)
{
    pthread_mutex_lock(&ch->mu);
    size_t n = ch->len;
    pthread_mutex_unlock(&ch->mu);
    return n;
}
