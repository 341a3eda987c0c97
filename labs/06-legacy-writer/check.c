/*
 * check.c — lab 6's checks: the legacy writer, measured and then fixed.
 *
 * These checks look at the STRUCTURE of your critical section, not at the
 * clock: timings vary from machine to machine, a structure does not. The
 * check binary is linked with -Wl,--wrap for four functions, so that every
 * call to them lands in a __wrap_ function below first:
 *
 *   pthread_mutex_lock / unlock   count, per thread (a _Thread_local), how
 *                                 many mutexes this thread holds right now;
 *   stage_forward                 the compression and encryption of a chunk:
 *                                 notes whether its thread holds a mutex;
 *   writer_put                    the write of a chunk: notes whether its
 *                                 thread holds one (it must: the writer is
 *                                 shared).
 *
 * Then the real pipelab job runs your backend_mutex, and the checks ask:
 * is the output still right, were lock_wait and lock_hold recorded for every
 * chunk, was any chunk compressed while its thread held a lock, and was every
 * chunk written while holding one.
 */
#include "labcheck.h"
#include "labjob.h"

#include "stages.h"
#include "writer.h"

/* ---- instrumentation (link-time wrappers) ------------------------------ */

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __real_stage_forward(struct stage_runner *r, struct chunk *c, char *why, size_t why_len);
int __real_writer_put(struct writer *w, const struct chunk *c);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m);
int __wrap_stage_forward(struct stage_runner *r, struct chunk *c, char *why, size_t why_len);
int __wrap_writer_put(struct writer *w, const struct chunk *c);

static _Thread_local int locks_held;
static atomic_int forwards, forwards_under_lock;
static atomic_int writes, writes_without_lock;

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    int rc = __real_pthread_mutex_lock(m);
    if (rc == 0)
        locks_held++;
    return rc;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    locks_held--;
    return __real_pthread_mutex_unlock(m);
}

int __wrap_stage_forward(struct stage_runner *r, struct chunk *c, char *why, size_t why_len)
{
    atomic_fetch_add(&forwards, 1);
    if (locks_held > 0)
        atomic_fetch_add(&forwards_under_lock, 1);
    return __real_stage_forward(r, c, why, why_len);
}

int __wrap_writer_put(struct writer *w, const struct chunk *c)
{
    atomic_fetch_add(&writes, 1);
    if (locks_held == 0)
        atomic_fetch_add(&writes_without_lock, 1);
    return __real_writer_put(w, c);
}

/* ---- running the legacy backend ---------------------------------------- */

static struct lab_job run_mutex(unsigned workers)
{
    atomic_store(&forwards, 0);
    atomic_store(&forwards_under_lock, 0);
    atomic_store(&writes, 0);
    atomic_store(&writes_without_lock, 0);
    struct lab_job j = { .backend = "mutex", .workers = workers, .chunks = 48 };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == 0, "pipelab --backend mutex (your mutex.c) exited with %d (%s)", rc, j.message);
    return j;
}

static void output_is_still_correct(void **state)
{
    (void)state;
    struct lab_job j = run_mutex(4);
    char why[256];
    LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "pipelab --backend mutex with your mutex.c: %s", why);
    LAB_REQUIRE(j.chunks_left == 0, "%lld chunks were never freed", (long long)j.chunks_left);
    lab_job_cleanup(&j);
}

static void lock_wait_and_hold_are_measured(void **state)
{
    (void)state;
    struct lab_job j = run_mutex(4);
    lab_note("%u chunks: %llu lock waits and %llu lock holds recorded", j.chunks,
             (unsigned long long)j.lock_waits, (unsigned long long)j.lock_holds);
    LAB_REQUIRE(j.lock_waits == j.chunks, "%u chunks were written, each after waiting for the writer "
                "lock, but lock_wait recorded %llu waits", j.chunks, (unsigned long long)j.lock_waits);
    LAB_REQUIRE(j.lock_holds == j.chunks, "%u chunks were written, each holding the writer lock, but "
                "lock_hold recorded %llu holds", j.chunks, (unsigned long long)j.lock_holds);
    lab_job_cleanup(&j);
}

static void nothing_is_compressed_under_the_lock(void **state)
{
    (void)state;
    struct lab_job j = run_mutex(4);
    int f = atomic_load(&forwards), bad = atomic_load(&forwards_under_lock);
    LAB_REQUIRE(f == (int)j.chunks, "the stages ran %d times for %u chunks", f, j.chunks);
    LAB_REQUIRE(bad == 0, "%d of the %d chunks were compressed while their thread held a lock: the "
                "writer lock's critical section still contains the processing", bad, f);
    lab_job_cleanup(&j);
}

static void writes_stay_under_the_lock(void **state)
{
    (void)state;
    struct lab_job j = run_mutex(4);
    int p = atomic_load(&writes), bad = atomic_load(&writes_without_lock);
    LAB_REQUIRE(p == (int)j.chunks, "the writer was called %d times for %u chunks", p, j.chunks);
    LAB_REQUIRE(bad == 0, "%d of the %d chunks were written without holding the writer lock: the "
                "writer is shared by every task thread, so writes must stay inside the lock", bad, p);
    lab_job_cleanup(&j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(output_is_still_correct),
    cmocka_unit_test(lock_wait_and_hold_are_measured),
    cmocka_unit_test(nothing_is_compressed_under_the_lock),
    cmocka_unit_test(writes_stay_under_the_lock),
};

LAB_MAIN("lab 6: the legacy writer", tests)
