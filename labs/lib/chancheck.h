/*
 * chancheck.h — channel checks shared by labs 1, 2 and 9 (1 and 2 build a
 * chan.c that stands in for the kit's src/prim/chan.c; lab 9 runs them on its
 * ring through a chan.h adapter).
 *
 * Items are small integers carried in the pointer itself (lab_val / lab_unval):
 * a channel never looks at what it carries, so any pointer value will do.
 * Every helper fails the running check with a sentence when the channel
 * misbehaves. See labcheck.h for how blocking is proven without sleeps.
 */
#ifndef CHANCHECK_H
#define CHANCHECK_H

#include "labcheck.h"

#include "chan.h"

static inline void *lab_val(uintptr_t v)
{
    return (void *)v;
}

static inline uintptr_t lab_unval(void *p)
{
    return (uintptr_t)p;
}

/* chan_new that must succeed. */
struct chan *lab_chan_new(size_t cap);

/* A send that must not wait (there is room, or the channel is unbounded). */
void lab_send_ok(struct chan *ch, uintptr_t v);

/* A receive that must give exactly `want`; `when` says what we were doing. */
void lab_recv_expect(struct chan *ch, uintptr_t want, const char *when);

/* One send or receive made by another thread; `done` rises when it returns. */
struct lab_call {
    struct chan *ch;
    void *item;              /* to send, or received */
    enum chan_status st;
    atomic_int done;
};
struct lab_call *lab_start_send(struct chan *ch, void *item, pthread_t *t);
struct lab_call *lab_start_recv(struct chan *ch, pthread_t *t);

/* The blocking and closing promises, each on a fresh channel (labs 1 and 9):
 * a send into a full channel of capacity cap waits for a receiver, then goes
 * in last; a receive on an empty one waits for the next item; after close,
 * sends fail and receives drain, then report CHAN_CLOSED, and a second close
 * returns -1; close wakes every blocked receiver, and every blocked sender
 * (whose item is not queued). */
void lab_chan_send_waits(size_t cap);
void lab_chan_recv_waits(size_t cap);
void lab_chan_close_drains(void);
void lab_chan_close_wakes_receivers(void);
void lab_chan_close_wakes_senders(void);

/* 4 senders x 4 receivers through a channel of capacity cap: every item
 * exactly once, each sender's items in order at each receiver, and close
 * ends every receiver. */
void lab_chan_crowd(size_t cap);

/* Receivers blocked in chan_recv race a "stealer" that empties the channel
 * with chan_try_recv as fast as it can, while items are sent one at a time:
 * a receiver woken for an item often finds it already taken, and must then
 * wait again. No receiver may report CHAN_CLOSED before the channel is
 * closed, and every item is received exactly once. */
void lab_chan_stealer(size_t cap);

/* How long a call that must block is given to return anyway (ms). */
#define LAB_LOOK_MS 10

/* Describe a status for a message. */
const char *lab_status_name(enum chan_status st);

#endif
