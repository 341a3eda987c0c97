/*
 * chanbench.c — one run of the channel handoff benchmark. See chanbench.h.
 *
 * Every thread waits at a barrier until all exist, so thread creation is not
 * timed; the clock and getrusage are read by the main thread just after the
 * barrier and again after the last join. Senders number their messages
 * 1, 2, 3, ... (never 0, which would be NULL); the final receivers add up what
 * they get, and the sum must be exactly what was sent.
 */
#include "chanbench.h"
#include "util.h"
#include "xthread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>

#define CHANBENCH_MAX_THREADS (CHANBENCH_MAX_WORKERS + 2)

static const char *const chanbench_shape_names[CHANBENCH_SHAPE_COUNT] = {
    [CHANBENCH_1P1C] = "1p1c",
    [CHANBENCH_4P4C] = "4p4c",
    [CHANBENCH_PIPELINE] = "pipeline",
};

const char *chanbench_shape_name(enum chanbench_shape shape)
{
    return chanbench_shape_names[shape];
}

int chanbench_shape_parse(const char *name, enum chanbench_shape *shape)
{
    for (int i = 0; i < CHANBENCH_SHAPE_COUNT; i++) {
        if (strcmp(name, chanbench_shape_names[i]) == 0) {
            *shape = (enum chanbench_shape)i;
            return 0;
        }
    }
    return -1;
}

/* Everything the threads of one run share. */
struct chanbench_run {
    struct channel *first;        /* senders write here */
    struct channel *second;       /* pipeline only: workers write here */
    uint64_t per_sender;          /* messages each sender sends */
    atomic_uint senders_left;     /* the last sender to finish closes `first` */
    atomic_uint workers_left;     /* the last worker to finish closes `second` */
    _Atomic uint64_t received_sum;
    atomic_int failed;            /* a send was refused */
    pthread_barrier_t start;
};

static void chanbench_sender_done(struct chanbench_run *r)
{
    if (atomic_fetch_sub(&r->senders_left, 1) == 1)
        (void)channel_close(r->first);
}

static void *chanbench_sender(void *arg)
{
    struct chanbench_run *r = arg;
    pthread_barrier_wait(&r->start);
    for (uint64_t i = 1; i <= r->per_sender; i++)
        if (channel_send(r->first, (void *)(uintptr_t)i) != CHAN_OK)
            atomic_store(&r->failed, 1);
    chanbench_sender_done(r);
    return NULL;
}

/* Receive from ch until it is closed and drained; add up what came. */
static void *chanbench_receiver(void *arg)
{
    struct chanbench_run *r = arg;
    struct channel *ch = r->second != NULL ? r->second : r->first;
    pthread_barrier_wait(&r->start);
    uint64_t sum = 0;
    void *item;
    while (channel_recv(ch, &item) == CHAN_OK)
        sum += (uintptr_t)item;
    atomic_fetch_add(&r->received_sum, sum);
    return NULL;
}

/* Pipeline only: pass every message from the first channel to the second. */
static void *chanbench_worker(void *arg)
{
    struct chanbench_run *r = arg;
    pthread_barrier_wait(&r->start);
    void *item;
    while (channel_recv(r->first, &item) == CHAN_OK)
        if (channel_send(r->second, item) != CHAN_OK)
            atomic_store(&r->failed, 1);
    if (atomic_fetch_sub(&r->workers_left, 1) == 1)
        (void)channel_close(r->second);
    return NULL;
}

static uint64_t chanbench_cpu_ns(const struct rusage *u)
{
    return ((uint64_t)u->ru_utime.tv_sec + (uint64_t)u->ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)u->ru_utime.tv_usec + (uint64_t)u->ru_stime.tv_usec) * 1000u;
}

/* The threads of one shape: how many of each role. */
struct chanbench_roles {
    unsigned senders, workers, receivers;
};

static struct chanbench_roles chanbench_roles(enum chanbench_shape shape, unsigned workers)
{
    if (shape == CHANBENCH_4P4C)
        return (struct chanbench_roles){ 4, 0, 4 };
    if (shape == CHANBENCH_PIPELINE)
        return (struct chanbench_roles){ 1, workers, 1 };
    return (struct chanbench_roles){ 1, 0, 1 };
}

/* Start every thread; each waits at the barrier. Returns how many started. */
static unsigned chanbench_start(struct chanbench_run *r, struct chanbench_roles roles,
                                pthread_t *threads)
{
    unsigned n = 0;
    void *(*role[3])(void *) = { chanbench_sender, chanbench_worker, chanbench_receiver };
    unsigned count[3] = { roles.senders, roles.workers, roles.receivers };
    for (int k = 0; k < 3; k++)
        for (unsigned i = 0; i < count[k]; i++)
            if (pthread_create(&threads[n], NULL, role[k], r) == 0)
                n++;
    return n;
}

int chanbench_run(enum channel_impl impl, size_t capacity, enum chanbench_shape shape,
                  uint64_t messages, unsigned workers, struct chanbench_result *out)
{
    struct chanbench_roles roles = chanbench_roles(shape, workers);
    unsigned total = roles.senders + roles.workers + roles.receivers;
    if (workers == 0 || total > CHANBENCH_MAX_THREADS) {
        warnx_msg("chanbench: 1 to %d workers", CHANBENCH_MAX_WORKERS);
        return EX_USAGE;
    }
    struct chanbench_run r = { .per_sender = messages / roles.senders };
    uint64_t sent = r.per_sender * roles.senders;
    r.first = channel_new(impl, capacity, NULL);
    r.second = roles.workers > 0 ? channel_new(impl, capacity, NULL) : NULL;
    atomic_init(&r.senders_left, roles.senders);
    atomic_init(&r.workers_left, roles.workers);
    atomic_init(&r.received_sum, 0);
    atomic_init(&r.failed, 0);
    if (r.first == NULL || (roles.workers > 0 && r.second == NULL) ||
        pthread_barrier_init(&r.start, NULL, total + 1) != 0) {
        warnx_msg("chanbench: cannot make a %s channel of capacity %zu",
                  channel_impl_name(impl), capacity);
        channel_destroy(r.first);
        channel_destroy(r.second);
        return EX_OSERR;
    }

    pthread_t threads[CHANBENCH_MAX_THREADS];
    unsigned started = chanbench_start(&r, roles, threads);
    if (started != total)
        die_oom(); /* threads already waiting at the barrier cannot be released */
    struct rusage u0, u1;
    pthread_barrier_wait(&r.start);
    uint64_t t0 = now_ns();
    getrusage(RUSAGE_SELF, &u0);
    for (unsigned i = 0; i < started; i++)
        xthread_join(threads[i]);
    uint64_t t1 = now_ns();
    getrusage(RUSAGE_SELF, &u1);
    pthread_barrier_destroy(&r.start);
    channel_destroy(r.first);
    channel_destroy(r.second);

    /* Each sender sent 1..per_sender: the receivers must have added up
     * senders x per_sender x (per_sender + 1) / 2. */
    uint64_t want = roles.senders * (r.per_sender * (r.per_sender + 1) / 2);
    if (atomic_load(&r.failed) || atomic_load(&r.received_sum) != want) {
        warnx_msg("chanbench: %s channel lost or duplicated messages", channel_impl_name(impl));
        return EX_SOFTWARE;
    }
    double n = (double)sent;
    out->ns_per_msg = (double)(t1 - t0) / n;
    out->vcsw_per_msg = (double)(u1.ru_nvcsw - u0.ru_nvcsw) / n;
    out->ivcsw_per_msg = (double)(u1.ru_nivcsw - u0.ru_nivcsw) / n;
    out->cpu_ns_per_msg = (double)(chanbench_cpu_ns(&u1) - chanbench_cpu_ns(&u0)) / n;
    return 0;
}
