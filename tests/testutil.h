/*
 * testutil.h — what every pipelab test file includes.
 *
 * cmocka needs a few standard headers before its own; this file includes them in
 * the right order and adds small helpers shared by the suites:
 *   test_watchdog(s)   end the whole suite if one test takes longer than s seconds
 *                      (a hang becomes a failure, never a stalled run);
 *   test_tmpdir()      a fresh temporary directory for files a test writes;
 *   test_start_thread, test_join_thread
 *                      pthread_create/join that fail the test on error;
 *   test_wait_flag(f, v)
 *                      spin until another thread has raised *f to v.
 */
#ifndef PIPELAB_TESTUTIL_H
#define PIPELAB_TESTUTIL_H

/* The tests are built with the library's flags: with NDEBUG the invariants
 * the library asserts would go unchecked while the suites still pass. */
#ifdef NDEBUG
#error "the tests need assert() on: build without -DNDEBUG"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_watchdog_fired(int sig)
{
    (void)sig;
    static const char msg[] = "\n!! test watchdog: a test did not finish in time (hang?)\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(124);
}

/* Arm (or re-arm) a per-test time limit. */
static inline void test_watchdog(unsigned seconds)
{
    signal(SIGALRM, test_watchdog_fired);
    alarm(seconds);
}

/* Create a fresh directory under $TMPDIR (or /tmp); the path is static storage
 * reused by the next call. Fails the test if it cannot be made. */
static inline const char *test_tmpdir(void)
{
    static char path[256];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/pipelab-test-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(path) == NULL)
        fail_msg("mkdtemp failed");
    return path;
}

static inline pthread_t test_start_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
    return t;
}

static inline void test_join_thread(pthread_t t)
{
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Spin until a thread has reached its blocking call (it raises *flag just
 * before making it), then give it a moment to fall asleep there. This only
 * makes it likely that the thread is asleep when the test acts: no verdict may
 * depend on it, since the thread can still be preempted before the call. */
static inline void test_wait_flag(atomic_int *flag, int value)
{
    while (atomic_load(flag) < value)
        sched_yield();
    for (int i = 0; i < 1000; i++)
        sched_yield();
}

#endif
