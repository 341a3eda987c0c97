/*
 * chancheck.c — the channel checks shared by labs 1, 2 and 9. See chancheck.h.
 *
 * State that threads share lives on the heap and is never freed when a check
 * fails: a thread that is still stuck must not be left pointing at a dead
 * stack frame. Each check runs in its own process, so nothing piles up.
 */
#include "chancheck.h"

#include <stdio.h>
#include <stdlib.h>

const char *lab_status_name(enum chan_status st)
{
    switch (st) {
    case CHAN_OK: return "CHAN_OK";
    case CHAN_CLOSED: return "CHAN_CLOSED";
    case CHAN_WOULD_BLOCK: return "CHAN_WOULD_BLOCK";
    }
    return "an unknown status";
}

static const char *cap_name(size_t cap)
{
    static char buf[64];
    if (cap == CHAN_UNBOUNDED)
        return "unbounded";
    snprintf(buf, sizeof buf, "capacity %zu", cap);
    return buf;
}

struct chan *lab_chan_new(size_t cap)
{
    struct chan *ch = chan_new(cap, NULL);
    LAB_REQUIRE(ch != NULL, "chan_new(%zu) returned NULL", cap);
    return ch;
}

void lab_send_ok(struct chan *ch, uintptr_t v)
{
    enum chan_status st = chan_send(ch, lab_val(v));
    LAB_REQUIRE(st == CHAN_OK, "%s: chan_send of item %lu into a channel with room returned %s, not CHAN_OK",
                cap_name(chan_capacity(ch)), (unsigned long)v, lab_status_name(st));
}

void lab_recv_expect(struct chan *ch, uintptr_t want, const char *when)
{
    void *p = lab_val(12345);
    size_t cap = chan_capacity(ch);
    enum chan_status st = chan_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_OK, "%s, %s: chan_recv returned %s although an item was queued",
                cap_name(cap), when, lab_status_name(st));
    LAB_REQUIRE(lab_unval(p) == want, "%s, %s: received item %lu, expected %lu (first in, first out)",
                cap_name(cap), when, (unsigned long)lab_unval(p), (unsigned long)want);
}

static void *send_call(void *arg)
{
    struct lab_call *c = arg;
    c->st = chan_send(c->ch, c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static void *recv_call(void *arg)
{
    struct lab_call *c = arg;
    c->st = chan_recv(c->ch, &c->item);
    atomic_store(&c->done, 1);
    return NULL;
}

static struct lab_call *start_call(void *(*fn)(void *), struct chan *ch, void *item, pthread_t *t)
{
    struct lab_call *c = calloc(1, sizeof *c);
    c->ch = ch;
    c->item = item;
    atomic_init(&c->done, 0);
    *t = lab_thread(fn, c);
    return c;
}

struct lab_call *lab_start_send(struct chan *ch, void *item, pthread_t *t)
{
    return start_call(send_call, ch, item, t);
}

struct lab_call *lab_start_recv(struct chan *ch, pthread_t *t)
{
    return start_call(recv_call, ch, lab_val(5), t);
}

/* ---- waiting while full or empty; close ---------------------------------- */

void lab_chan_send_waits(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    for (size_t i = 0; i < cap; i++)
        lab_send_ok(ch, i);
    pthread_t t;
    struct lab_call *c = lab_start_send(ch, lab_val(999), &t);
    LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS),
                "capacity %zu: a send into the full channel returned at once (%s); "
                "it must wait until a receiver makes room", cap, lab_status_name(c->st));
    lab_recv_expect(ch, 0, "receiving while a sender waits");
    LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                "capacity %zu: a receive made room, but the waiting sender never woke up", cap);
    lab_join(t);
    LAB_REQUIRE(c->st == CHAN_OK, "capacity %zu: the waiting send ended with %s, not CHAN_OK",
                cap, lab_status_name(c->st));
    for (size_t i = 1; i < cap; i++)
        lab_recv_expect(ch, i, "after the waiting send");
    lab_recv_expect(ch, 999, "the item of the send that waited comes last");
    LAB_REQUIRE(chan_len(ch) == 0, "capacity %zu: items left over that were never sent", cap);
    free(c);
    chan_destroy(ch);
}

void lab_chan_recv_waits(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    pthread_t t;
    struct lab_call *c = lab_start_recv(ch, &t);
    LAB_REQUIRE(!lab_wait_flag(&c->done, 1, LAB_LOOK_MS),
                "capacity %zu: chan_recv on an empty channel returned at once (%s); "
                "it must wait for an item", cap, lab_status_name(c->st));
    lab_send_ok(ch, 4242);
    LAB_REQUIRE(lab_wait_flag(&c->done, 1, lab_patience_ms()),
                "capacity %zu: an item was sent, but the waiting receiver never woke up", cap);
    lab_join(t);
    LAB_REQUIRE(c->st == CHAN_OK && lab_unval(c->item) == 4242,
                "capacity %zu: the waiting receiver got %s and item %lu, expected the item 4242 "
                "sent after it started waiting", cap, lab_status_name(c->st),
                (unsigned long)lab_unval(c->item));
    free(c);
    chan_destroy(ch);
}

void lab_chan_close_drains(void)
{
    struct chan *ch = lab_chan_new(4);
    for (uintptr_t i = 1; i <= 3; i++)
        lab_send_ok(ch, i);
    LAB_REQUIRE(chan_close(ch) == 0, "the first chan_close returned -1; it should return 0");
    enum chan_status st = chan_send(ch, lab_val(9));
    LAB_REQUIRE(st == CHAN_CLOSED, "chan_send on a closed channel returned %s, not CHAN_CLOSED",
                lab_status_name(st));
    for (uintptr_t i = 1; i <= 3; i++)
        lab_recv_expect(ch, i, "draining a closed channel (items sent before the close still count)");
    void *p = lab_val(77);
    st = chan_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_CLOSED, "chan_recv on a closed, empty channel returned %s, not CHAN_CLOSED",
                lab_status_name(st));
    LAB_REQUIRE(p == NULL, "chan_recv returned CHAN_CLOSED but did not set *item to NULL");
    LAB_REQUIRE(chan_close(ch) == -1, "closing a channel twice must return -1 the second time");
    chan_destroy(ch);
}

#define WAITERS 3

/* How many of the n calls are still asleep: the first one gets the whole
 * patience to return, the others are looked at once it is spent, so the
 * count is of the threads that never woke, not a guess from their order. */
static int still_asleep(struct lab_call **c, int n)
{
    int asleep = 0;
    for (int i = 0; i < n; i++)
        if (!lab_wait_flag(&c[i]->done, 1, asleep > 0 ? 0 : lab_patience_ms()))
            asleep++;
    return asleep;
}

void lab_chan_close_wakes_receivers(void)
{
    struct chan *ch = lab_chan_new(2);
    pthread_t t[WAITERS];
    struct lab_call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = lab_start_recv(ch, &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LAB_LOOK_MS),
                    "chan_recv on an empty, open channel returned at once (%s)", lab_status_name(c[i]->st));
    LAB_REQUIRE(chan_close(ch) == 0, "chan_close returned -1 on an open channel");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d receivers were waiting on an empty channel; after chan_close, %d of them "
                    "were still asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED && c[i]->item == NULL,
                    "a receiver woken by close got %s (item %p), expected CHAN_CLOSED and NULL",
                    lab_status_name(c[i]->st), c[i]->item);
        free(c[i]);
    }
    chan_destroy(ch);
}

void lab_chan_close_wakes_senders(void)
{
    struct chan *ch = lab_chan_new(2);
    lab_send_ok(ch, 1);
    lab_send_ok(ch, 2);
    pthread_t t[WAITERS];
    struct lab_call *c[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        c[i] = lab_start_send(ch, lab_val(50 + (uintptr_t)i), &t[i]);
    for (int i = 0; i < WAITERS; i++)
        LAB_REQUIRE(!lab_wait_flag(&c[i]->done, 1, LAB_LOOK_MS),
                    "chan_send into a full channel returned at once (%s)", lab_status_name(c[i]->st));
    LAB_REQUIRE(chan_close(ch) == 0, "chan_close returned -1 on an open channel");
    int asleep = still_asleep(c, WAITERS);
    LAB_REQUIRE(asleep == 0, "%d senders were waiting on a full channel; after chan_close, %d of them were "
                    "still asleep", WAITERS, asleep);
    for (int i = 0; i < WAITERS; i++) {
        lab_join(t[i]);
        LAB_REQUIRE(c[i]->st == CHAN_CLOSED,
                    "a sender woken by close got %s, expected CHAN_CLOSED (its item must not be queued)",
                    lab_status_name(c[i]->st));
        free(c[i]);
    }
    lab_recv_expect(ch, 1, "draining after close");
    lab_recv_expect(ch, 2, "draining after close");
    void *p;
    LAB_REQUIRE(chan_recv(ch, &p) == CHAN_CLOSED,
                "the senders woken by close must not have queued their items, but one was received");
    chan_destroy(ch);
}

/* ---- many senders, many receivers -------------------------------------- */

#define SENDERS 4
#define RECEIVERS 4
#define PER_SENDER 3000

struct crowd {
    struct chan *ch;
    atomic_int senders_done, receivers_done;
    uintptr_t got[RECEIVERS][SENDERS * PER_SENDER];
    size_t count[RECEIVERS];
    enum chan_status send_status[SENDERS];
};

struct crowd_arg {
    struct crowd *cr;
    int id;
};

static void *crowd_sender(void *arg)
{
    struct crowd_arg *a = arg;
    a->cr->send_status[a->id] = CHAN_OK;
    for (uintptr_t i = 0; i < PER_SENDER; i++) {
        enum chan_status st = chan_send(a->cr->ch, lab_val(((uintptr_t)a->id << 20) | i));
        if (st != CHAN_OK) {
            a->cr->send_status[a->id] = st;
            break;
        }
    }
    atomic_fetch_add(&a->cr->senders_done, 1);
    return NULL;
}

static void *crowd_receiver(void *arg)
{
    struct crowd_arg *a = arg;
    struct crowd *cr = a->cr;
    void *p;
    while (chan_recv(cr->ch, &p) == CHAN_OK && cr->count[a->id] < SENDERS * PER_SENDER)
        cr->got[a->id][cr->count[a->id]++] = lab_unval(p);
    atomic_fetch_add(&cr->receivers_done, 1);
    return NULL;
}

/* Every item exactly once; each sender's items in order at each receiver. */
static void crowd_check(struct crowd *cr, const char *name)
{
    unsigned char *seen = calloc(SENDERS * PER_SENDER, 1);
    for (int r = 0; r < RECEIVERS; r++) {
        uintptr_t last[SENDERS];
        for (int s = 0; s < SENDERS; s++)
            last[s] = (uintptr_t)-1;
        for (size_t k = 0; k < cr->count[r]; k++) {
            uintptr_t v = cr->got[r][k], s = v >> 20, i = v & 0xfffff;
            LAB_REQUIRE(s < SENDERS && i < PER_SENDER,
                        "%s: a receiver got item %#lx, which nobody sent", name, (unsigned long)v);
            LAB_REQUIRE(!seen[s * PER_SENDER + i], "%s: item %lu of sender %lu was received twice",
                        name, (unsigned long)i, (unsigned long)s);
            LAB_REQUIRE(last[s] == (uintptr_t)-1 || i > last[s],
                        "%s: a receiver got sender %lu's item %lu after its item %lu "
                        "(not first in, first out)", name, (unsigned long)s, (unsigned long)i,
                        (unsigned long)last[s]);
            last[s] = i;
            seen[s * PER_SENDER + i] = 1;
        }
    }
    for (size_t k = 0; k < SENDERS * PER_SENDER; k++)
        LAB_REQUIRE(seen[k], "%s: item %lu of sender %lu was lost", name,
                    (unsigned long)(k % PER_SENDER), (unsigned long)(k / PER_SENDER));
    free(seen);
}

void lab_chan_crowd(size_t cap)
{
    char name[64];
    snprintf(name, sizeof name, "%s", cap_name(cap));
    struct crowd *cr = calloc(1, sizeof *cr);
    struct crowd_arg *args = calloc(SENDERS + RECEIVERS, sizeof *args);
    pthread_t t[SENDERS + RECEIVERS];
    cr->ch = lab_chan_new(cap);
    for (int i = 0; i < RECEIVERS; i++) {
        args[i] = (struct crowd_arg){ cr, i };
        t[i] = lab_thread(crowd_receiver, &args[i]);
    }
    for (int i = 0; i < SENDERS; i++) {
        args[RECEIVERS + i] = (struct crowd_arg){ cr, i };
        t[RECEIVERS + i] = lab_thread(crowd_sender, &args[RECEIVERS + i]);
    }
    LAB_REQUIRE(lab_wait_flag(&cr->senders_done, SENDERS, lab_patience_ms()),
                "%s: %d senders x %d items never all got through (a sender or receiver was never "
                "woken?)", name, SENDERS, PER_SENDER);
    for (int i = 0; i < SENDERS; i++)
        LAB_REQUIRE(cr->send_status[i] == CHAN_OK, "%s: a send failed with %s", name,
                    lab_status_name(cr->send_status[i]));
    LAB_REQUIRE(chan_close(cr->ch) == 0, "%s: the first chan_close returned -1", name);
    LAB_REQUIRE(lab_wait_flag(&cr->receivers_done, RECEIVERS, lab_patience_ms()),
                "%s: after the close, receivers were still waiting", name);
    for (int i = 0; i < SENDERS + RECEIVERS; i++)
        lab_join(t[i]);
    crowd_check(cr, name);
    chan_destroy(cr->ch);
    free(args);
    free(cr);
}

/* ---- woken receivers racing a stealer ---------------------------------- */

#define STEAL_ITEMS 20000
#define STEAL_RECEIVERS 3

struct steal {
    struct chan *ch;
    atomic_int closing;            /* set just before the real close */
    atomic_int early_closed;       /* a receiver saw CHAN_CLOSED before that */
    atomic_int receivers_done, stop_stealing;
    atomic_int seen[STEAL_ITEMS];
    atomic_int bogus;
};

static void steal_count(struct steal *s, void *p)
{
    uintptr_t v = lab_unval(p);
    if (v >= 1 && v <= STEAL_ITEMS)
        atomic_fetch_add(&s->seen[v - 1], 1);
    else
        atomic_fetch_add(&s->bogus, 1);
}

static void *steal_receiver(void *arg)
{
    struct steal *s = arg;
    void *p;
    while (chan_recv(s->ch, &p) == CHAN_OK)
        steal_count(s, p);
    if (!atomic_load(&s->closing))
        atomic_store(&s->early_closed, 1);
    atomic_fetch_add(&s->receivers_done, 1);
    return NULL;
}

static void *stealer(void *arg)
{
    struct steal *s = arg;
    void *p;
    while (!atomic_load(&s->stop_stealing))
        if (chan_try_recv(s->ch, &p) == CHAN_OK)
            steal_count(s, p);
    return NULL;
}

void lab_chan_stealer(size_t cap)
{
    struct steal *s = calloc(1, sizeof *s);
    s->ch = lab_chan_new(cap);
    pthread_t r[STEAL_RECEIVERS], thief;
    for (int i = 0; i < STEAL_RECEIVERS; i++)
        r[i] = lab_thread(steal_receiver, s);
    thief = lab_thread(stealer, s);
    for (uintptr_t i = 1; i <= STEAL_ITEMS && !atomic_load(&s->early_closed); i++)
        LAB_REQUIRE(chan_send(s->ch, lab_val(i)) == CHAN_OK, "a send on an open channel failed");
    LAB_REQUIRE(!atomic_load(&s->early_closed),
                "a receiver got CHAN_CLOSED from an open channel. It was woken for an item, but "
                "another thread took that item first; it must then wait again, not give up "
                "(a while loop around the wait, not an if)");
    atomic_store(&s->stop_stealing, 1);
    lab_join(thief);
    atomic_store(&s->closing, 1);
    chan_close(s->ch);
    LAB_REQUIRE(lab_wait_flag(&s->receivers_done, STEAL_RECEIVERS, lab_patience_ms()),
                "after close, receivers were still waiting");
    for (int i = 0; i < STEAL_RECEIVERS; i++)
        lab_join(r[i]);
    LAB_REQUIRE(atomic_load(&s->bogus) == 0, "receivers got %d items that were never sent",
                atomic_load(&s->bogus));
    for (int k = 0; k < STEAL_ITEMS; k++)
        LAB_REQUIRE(atomic_load(&s->seen[k]) == 1, "item %d was received %d times", k + 1,
                    atomic_load(&s->seen[k]));
    chan_destroy(s->ch);
    free(s);
}
