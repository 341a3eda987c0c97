/*
 * check.c — lab 9's checks: is your ring a channel, without a lock on the
 * way, and does its blocking layer still let the other thread run?
 *
 *   1. The channel's promises, on chan_lockfree.h: the try forms and FIFO at
 *      every capacity from 1 to 64 (also after the ring has wrapped many
 *      times), a send waiting while full, a receive waiting while empty,
 *      close draining then reporting closed, close waking every blocked
 *      sender and receiver, and 4 senders x 4 receivers delivering every
 *      item exactly once, each sender's items in order.
 *   2. ThreadSanitizer: `make lab N=9 RACE=1` runs these same checks with
 *      it. A memory order that is too weak (a relaxed turn where the item
 *      needs release / acquire) is a data race on the slot's item, which
 *      TSan reports even when the run happened to give the right answer.
 *   3. No mutex and no condition variable on the fast path. The binary is
 *      linked with -Wl,--wrap for the pthread mutex and condition variable
 *      calls (see lab.mk), so every such call from your file lands in a
 *      __wrap_ function below first, which counts it. A run of try forms,
 *      and of blocking sends and receives that find room (or an item), must
 *      make none: that is what "lock-free" buys.
 *   4. A spin that backs off. The check pins itself (and so the threads it
 *      starts) to one CPU and passes many items through capacity 1. A ring
 *      that only spins waits for a partner who cannot run until the spinner's
 *      time slice is over: milliseconds per item. The verdict is that it
 *      completes under the runner's timeout; nothing here reads a clock.
 *   5. The real pipelab on your ring: the job of `pipelab process --backend
 *      lockfree` in this process, and the lab's own build/labs/09/pipelab
 *      (pipelab with your file linked in) round-tripping a file through
 *      `process --backend lockfree` and `restore`.
 *
 * The channel checks of part 1 are the ones labs 1 and 2 share
 * (labs/lib/chancheck.c, written against chan.h): as_chan.c is chan.h
 * carried by your ring, so every chan_* call below lands in your
 * chan_lockfree.c. How "it blocks" is proven without sleeping is said there.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET: this file only */

#include "labjob.h"

#include "chancheck.h"
#include "chan_lockfree.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A try form that must succeed. */
static void try_send_ok(struct chan *ch, uintptr_t v)
{
    enum chan_status st = chan_try_send(ch, lab_val(v));
    LAB_REQUIRE(st == CHAN_OK, "capacity %zu: try_send of item %lu into a ring with room returned %s",
                chan_capacity(ch), (unsigned long)v, lab_status_name(st));
}

static void try_recv_expect(struct chan *ch, uintptr_t want, const char *when)
{
    void *p = lab_val(12345);
    enum chan_status st = chan_try_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_OK && lab_unval(p) == want, "capacity %zu, %s: try_recv returned %s and "
                "item %lu, expected CHAN_OK and item %lu (first in, first out)", chan_capacity(ch),
                when, lab_status_name(st), (unsigned long)lab_unval(p), (unsigned long)want);
}

/* ---- 1. try forms and FIFO at every capacity ---------------------------- */

static void fifo_at_capacity(size_t cap)
{
    struct chan *ch = lab_chan_new(cap);
    for (size_t i = 0; i < cap; i++)
        try_send_ok(ch, 100 + i);
    enum chan_status st = chan_try_send(ch, lab_val(1));
    LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "capacity %zu: try_send into the full ring returned %s, "
                "not CHAN_WOULD_BLOCK", cap, lab_status_name(st));
    LAB_REQUIRE(chan_len(ch) == cap, "capacity %zu: after %zu sends len says %zu", cap, cap, chan_len(ch));
    for (size_t i = 0; i < cap; i++)
        try_recv_expect(ch, 100 + i, "emptying a full ring");
    void *p = lab_val(7);
    st = chan_try_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_WOULD_BLOCK && p == NULL, "capacity %zu: try_recv on the empty ring "
                "returned %s and item %p, expected CHAN_WOULD_BLOCK and NULL", cap,
                lab_status_name(st), p);

    /* Half full, then items cycled through with both forms, so that head
     * and tail go round the ring many times (every slot, many rounds). */
    size_t half = cap / 2, next_in = 1000, next_out = 1000;
    for (size_t i = 0; i < half; i++)
        try_send_ok(ch, next_in++);
    for (size_t round = 0; round < 5 * cap + 5; round++) {
        if (round % 2 == 0)
            try_send_ok(ch, next_in++);
        else
            lab_send_ok(ch, next_in++);
        if (round % 3 == 0)
            try_recv_expect(ch, next_out++, "going round the ring");
        else
            lab_recv_expect(ch, next_out++, "going round the ring");
    }
    while (next_out < next_in)
        lab_recv_expect(ch, next_out++, "going round the ring");
    LAB_REQUIRE(chan_len(ch) == 0, "capacity %zu: emptied, but len says %zu", cap, chan_len(ch));
    chan_destroy(ch);
}

static void try_forms_and_fifo_every_capacity(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 64; cap++)
        fifo_at_capacity(cap);
}

/* ---- 1. blocking sends and receives, close ------------------------------ */

/* The given blocking layer relies on your ring's three answers: these are
 * the promises it keeps with them (the checks labs 1 and 9 share). */
static void waits_and_close(void **state)
{
    (void)state;
    size_t caps[] = { 1, 2, 5, 64 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        lab_chan_send_waits(caps[k]);
        lab_chan_recv_waits(caps[k]);
    }
    lab_chan_close_drains();
    lab_chan_close_wakes_receivers();
    lab_chan_close_wakes_senders();

    /* The try forms on a closed ring too. */
    struct chan *ch = lab_chan_new(2);
    try_send_ok(ch, 1);
    LAB_REQUIRE(chan_close(ch) == 0, "the first close returned -1; it should return 0");
    enum chan_status st = chan_try_send(ch, lab_val(2));
    LAB_REQUIRE(st == CHAN_CLOSED, "try_send on a closed ring returned %s, not CHAN_CLOSED",
                lab_status_name(st));
    try_recv_expect(ch, 1, "draining a closed ring with try_recv");
    void *p = lab_val(77);
    st = chan_try_recv(ch, &p);
    LAB_REQUIRE(st == CHAN_CLOSED && p == NULL, "try_recv on a closed, drained ring returned %s and "
                "item %p, expected CHAN_CLOSED and NULL", lab_status_name(st), p);
    chan_destroy(ch);
}

/* ---- 1. four senders, four receivers: the exact multiset ---------------- */

static void many_senders_and_receivers(void **state)
{
    (void)state;
    lab_chan_crowd(1);
    lab_chan_crowd(4);
    lab_chan_crowd(64);
    lab_chan_stealer(1);
    lab_chan_stealer(4);
}

/* ---- 3. no mutex or condition variable on the fast path ----------------- */

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __real_pthread_cond_signal(pthread_cond_t *c);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __wrap_pthread_cond_signal(pthread_cond_t *c);

/* Calls made by this thread while `counting` is on (each thread its own:
 * only the check's own thread ever counts). */
static _Thread_local bool counting;
static _Thread_local unsigned locks, waits, signals;

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    locks += counting;
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    waits += counting;
    return __real_pthread_cond_wait(c, m);
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    signals += counting;
    return __real_pthread_cond_signal(c);
}

static void no_lock_on_the_fast_path(void **state)
{
    (void)state;
    struct chan *ch = lab_chan_new(4);
    void *p;
    locks = waits = signals = 0;
    counting = true;
    /* Uncontended: nobody waits, so nothing needs a lock or a wake-up. */
    for (uintptr_t round = 0; round < 100; round++) {
        for (uintptr_t i = 1; i <= 4; i++)
            try_send_ok(ch, i);
        enum chan_status st = chan_try_send(ch, lab_val(5));
        LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "try_send into the full ring returned %s", lab_status_name(st));
        for (uintptr_t i = 1; i <= 4; i++)
            try_recv_expect(ch, i, "emptying the ring with try_recv");
        st = chan_try_recv(ch, &p);
        LAB_REQUIRE(st == CHAN_WOULD_BLOCK, "try_recv on the empty ring returned %s", lab_status_name(st));
        for (uintptr_t i = 1; i <= 4; i++)
            lab_send_ok(ch, i);
        for (uintptr_t i = 1; i <= 4; i++)
            lab_recv_expect(ch, i, "emptying the ring with recv");
    }
    unsigned fast_locks = locks, fast_waits = waits, fast_signals = signals;
    /* close does take the mutex (to wake sleepers): proof the counting works. */
    LAB_REQUIRE(chan_close(ch) == 0, "close returned -1 on an open ring");
    counting = false;
    LAB_REQUIRE(locks > fast_locks, "the check's instrumentation saw no pthread_mutex_lock even in "
                "close: was the check built without its --wrap flags (lab.mk)?");
    LAB_REQUIRE(fast_locks == 0 && fast_waits == 0 && fast_signals == 0,
                "1,400 sends and receives that never had to wait made %u mutex locks, %u condition "
                "waits and %u signals; the ring must use atomics only, and the "
                "blocking layer lock only when a thread has parked", fast_locks, fast_waits,
                fast_signals);
    lab_note("1,400 uncontended sends and receives: 0 locks, 0 waits, 0 wake-ups");
    chan_destroy(ch);
}

/* ---- 4. a spin that backs off, on one CPU ------------------------------- */

/* Enough items that a ring whose waiting only spins (about one time slice,
 * a few milliseconds, per item when both threads share a CPU) would need
 * minutes; one that yields and parks needs a fraction of a second. */
#define ONE_CPU_ITEMS 20000

struct pinned {
    struct chan *ch;
    uintptr_t got, out_of_order;
};

static void *pinned_consumer(void *arg)
{
    struct pinned *pp = arg;
    void *p;
    while (chan_recv(pp->ch, &p) == CHAN_OK) {
        pp->got++;
        pp->out_of_order += lab_unval(p) != pp->got;
    }
    return NULL;
}

/* Pin the calling thread (and so every thread it starts) to the first CPU
 * it may run on. */
static int pin_to_one_cpu(void)
{
    cpu_set_t allowed, one;
    LAB_REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0, "sched_getaffinity failed");
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
        cpu++;
    LAB_REQUIRE(cpu < CPU_SETSIZE, "this process may run on no CPU at all?");
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    LAB_REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0, "sched_setaffinity to CPU %d failed", cpu);
    return cpu;
}

static void backs_off_on_one_cpu(void **state)
{
    (void)state;
    int cpu = pin_to_one_cpu();
    struct pinned *pp = calloc(1, sizeof *pp);
    LAB_REQUIRE(pp != NULL, "out of memory");
    pp->ch = lab_chan_new(1);
    pthread_t consumer = lab_thread(pinned_consumer, pp);
    for (uintptr_t i = 1; i <= ONE_CPU_ITEMS; i++) {
        enum chan_status st = chan_send(pp->ch, lab_val(i));
        LAB_REQUIRE(st == CHAN_OK, "send %lu on an open ring returned %s", (unsigned long)i,
                    lab_status_name(st));
    }
    LAB_REQUIRE(chan_close(pp->ch) == 0, "close returned -1 on an open ring");
    lab_join(consumer);
    LAB_REQUIRE(pp->got == ONE_CPU_ITEMS && pp->out_of_order == 0, "the consumer got %lu of %d "
                "items, %lu of them out of order", (unsigned long)pp->got, ONE_CPU_ITEMS,
                (unsigned long)pp->out_of_order);
    lab_note("%d items through capacity 1, both threads on CPU %d", ONE_CPU_ITEMS, cpu);
    chan_destroy(pp->ch);
    free(pp);
}

/* ---- 5. the real pipelab on your ring ---------------------------------- */

static void lockfree_backend_runs_on_your_ring(void **state)
{
    (void)state;
    /* A quick look first, so a broken ring fails here and not inside pipelab. */
    struct chan *ch = lab_chan_new(2);
    try_send_ok(ch, 1);
    try_recv_expect(ch, 1, "a quick look before running pipelab");
    chan_destroy(ch);

    bool ordered[] = { false, true };
    for (size_t k = 0; k < 2; k++) {
        struct lab_job j = { .backend = "lockfree", .workers = 3, .depth = 1, .chunks = 48,
                             .ordered = ordered[k] };
        int rc = lab_job_run(&j);
        LAB_REQUIRE(rc == 0, "the job of pipelab process --backend lockfree%s on your ring exited "
                    "with %d (%s)", ordered[k] ? " --ordered" : "", rc, j.message);
        char why[256];
        LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab --backend lockfree%s on your "
                    "ring: %s", ordered[k] ? " --ordered" : "", why);
        lab_job_cleanup(&j);
    }
    lab_note("pipelab --backend lockfree: 48 chunks through 3 workers, arrival order and --ordered");
}

/* The lab's pipelab (built with your file, see lab.mk): $LAB_PIPELAB, else
 * next to this check, else one folder up (RACE=1 checks live in a subfolder). */
static void find_pipelab(char *path, size_t size)
{
    const char *env = getenv("LAB_PIPELAB");
    if (env != NULL && env[0] != '\0') {
        snprintf(path, size, "%s", env);
        return;
    }
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    LAB_REQUIRE(n > 0, "cannot find this check's own path (/proc/self/exe)");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(path, size, "%s/pipelab", self);
    if (access(path, X_OK) == 0)
        return;
    slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';
    snprintf(path, size, "%s/pipelab", self);
    LAB_REQUIRE(access(path, X_OK) == 0, "the lab's pipelab was not built (no %s): run the checks "
                "with `make lab N=9`", path);
}

/* Run a shell command under `timeout`, so that a pipelab that hangs on a
 * broken ring is stopped (and does not outlive the check). Returns its exit
 * status, or -1 when it did not exit normally. */
static int run_command(const char *cmd)
{
    char line[2048];
    unsigned secs = lab_patience_ms() / 1000 + 1;
    snprintf(line, sizeof line, "timeout -k 1 %u %s", secs, cmd);
    int st = system(line);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void pipelab_round_trips_on_your_ring(void **state)
{
    (void)state;
    char pipelab[600], cmd[2048];
    find_pipelab(pipelab, sizeof pipelab);
    const char *dir = lab_tmpdir();

    snprintf(cmd, sizeof cmd, "%s backends >%s/backends.txt 2>&1", pipelab, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab backends` failed");
    snprintf(cmd, sizeof cmd, "grep -qw lockfree %s/backends.txt", dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab backends` does not list lockfree");

    snprintf(cmd, sizeof cmd, "%s gen %s/in.txt --size 2M >/dev/null 2>%s/err.txt", pipelab, dir, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "`pipelab gen` failed");
    snprintf(cmd, sizeof cmd, "%s process --stages compress --backend lockfree --workers 3 "
             "--channel-depth 1 --chunk-size 16K %s/in.txt %s/out.plab >/dev/null 2>%s/err.txt",
             pipelab, dir, dir, dir);
    int rc = run_command(cmd);
    LAB_REQUIRE(rc == 0, "`pipelab process --backend lockfree` on your ring %s",
                rc == 124 || rc == 137 ? "never finished" : "failed");
    snprintf(cmd, sizeof cmd, "%s restore %s/out.plab %s/back.txt >/dev/null 2>%s/err.txt && "
             "cmp -s %s/in.txt %s/back.txt", pipelab, dir, dir, dir, dir, dir);
    LAB_REQUIRE(run_command(cmd) == 0, "the file that `pipelab process --backend lockfree` wrote "
                "did not restore to its input");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    LAB_REQUIRE(system(cmd) == 0, "could not remove %s", dir);
    lab_note("build/labs/09/pipelab: process --backend lockfree, then restore, gave the input back");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(try_forms_and_fifo_every_capacity),
    cmocka_unit_test(waits_and_close),
    cmocka_unit_test(many_senders_and_receivers),
    cmocka_unit_test(no_lock_on_the_fast_path),
    cmocka_unit_test(backs_off_on_one_cpu),
    cmocka_unit_test(lockfree_backend_runs_on_your_ring),
    cmocka_unit_test(pipelab_round_trips_on_your_ring),
};

LAB_MAIN("lab 9: a lock-free ring", tests)
