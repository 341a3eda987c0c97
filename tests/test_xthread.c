/*
 * test_xthread.c — the pthread wrappers (xthread.h) and the assertions that
 * state the kit's invariants.
 *
 * What must hold:
 *   - a wrapped call that fails ends the program with one line naming the
 *     call and the error, and EX_SOFTWARE for a programming error;
 *   - xcond_timedwait says whether the deadline passed;
 *   - assert() is on in the builds the tests use: a reorder slot filled twice
 *     aborts (the invariant reorder_put asserts).
 *
 * A failure ends the process, so each such case runs in a child made with
 * fork, and the parent looks at how it ended and at what it wrote on stderr.
 */
#include "testutil.h"

#include <errno.h>
#include <sys/wait.h>

#include "chunk.h"
#include "reorder.h"
#include "util.h"
#include "xthread.h"

/* Run fn in a child with stderr into a pipe. Returns the wait status; the
 * child's stderr is in err (NUL-terminated). */
static int run_child(void (*fn)(void), char *err, size_t err_len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 2) < 0)
            _exit(126);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < err_len && (n = read(fds[0], err + got, err_len - 1 - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n > 0);
        got += (size_t)n;
    }
    err[got] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* Destroying a locked mutex is a bug: glibc answers EBUSY. */
static void destroy_locked_mutex(void)
{
    pthread_mutex_t mu;
    xmutex_init(&mu);
    xmutex_lock(&mu);
    xmutex_destroy(&mu);
}

static void test_failed_call_ends_the_program(void **state)
{
    (void)state;
    test_watchdog(10);
    char err[512];
    int status = run_child(destroy_locked_mutex, err, sizeof err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != EX_SOFTWARE)
        fail_msg("expected exit %d, got status %d (stderr: %s)", EX_SOFTWARE, status, err);
    if (strstr(err, "pipelab: pthread_mutex_destroy: ") != err || strchr(err, '\n') == NULL ||
        strchr(err, '\n')[1] != '\0')
        fail_msg("expected one line naming the call, got: %s", err);
}

static void test_timedwait_reports_the_deadline(void **state)
{
    (void)state;
    test_watchdog(10);
    pthread_mutex_t mu;
    pthread_cond_t cond;
    xmutex_init(&mu);
    xcond_init(&cond);
    struct timespec past = { 0, 0 }; /* long gone, on any clock */
    xmutex_lock(&mu);
    assert_true(xcond_timedwait(&cond, &mu, &past));
    xmutex_unlock(&mu);
    xcond_destroy(&cond);
    xmutex_destroy(&mu);
}

/* Two chunks for one slot of a window of 4: 1 and 5 (never both admitted). */
static void fill_a_slot_twice(void)
{
    struct reorder r;
    struct inflight acct;
    inflight_init(&acct);
    assert_int_equal(reorder_init(&r, 4), 0);
    reorder_put(&r, chunk_new(&acct, 1, 1));
    reorder_put(&r, chunk_new(&acct, 5, 1));
}

static void test_asserts_are_on(void **state)
{
    (void)state;
    test_watchdog(10);
    char err[1024];
    int status = run_child(fill_a_slot_twice, err, sizeof err);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("a reorder slot filled twice must abort (assert), got status %d", status);
    assert_non_null(strstr(err, "slot"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_call_ends_the_program),
        cmocka_unit_test(test_timedwait_reports_the_deadline),
        cmocka_unit_test(test_asserts_are_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
