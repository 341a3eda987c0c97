/*
 * check.c — lab 7's checks: when something fails, does everything stop?
 *
 * The real pipelab job runs on your channel_pipeline.c, and something fails
 * in the middle of it:
 *
 *   a worker    --fail-at-chunk K (pipelab's own fault injection);
 *   the writer  writer_put fails at its Kth call, as on a full disk;
 *   the reader  reader_next fails at chunk K, as on a bad disk.
 *
 * The last two are injected with the linker: the check binary is linked with
 * -Wl,--wrap=writer_put,--wrap=reader_next, so pipelab's calls to them land
 * in __wrap_writer_put / __wrap_reader_next below, which fail on cue and
 * otherwise call the real function.
 *
 * After each failure the checks ask: did the run end (a hang is stopped by
 * the runner's timeout and reported as such), with the right exit code and
 * the first failure's message; are all its threads gone; is every chunk freed
 * (the in-flight counter of src/chunk.h is back to 0); is there no output
 * file and no temporary left; and, since lab 7 is built with AddressSanitizer,
 * did LeakSanitizer find no other memory left unfreed?
 *
 * The slow writer (--writer-delay-us) only makes sure that, when the failure
 * comes, both queues are full: the reader waits in channel_send on cpu_queue and
 * the workers wait in channel_send on writer_queue — the hardest moment to stop.
 */
#include "labcheck.h"
#include "labjob.h"

#include "chunk.h"
#include "reader.h"
#include "writer.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* ---- failures on cue (link-time wrappers) ------------------------------ */

int __real_writer_put(struct writer *w, const struct chunk *c);
int __real_reader_next(struct reader *r, struct chunk **out);
int __wrap_writer_put(struct writer *w, const struct chunk *c);
int __wrap_reader_next(struct reader *r, struct chunk **out);

static atomic_int fail_write_at = -1;  /* fail the Nth write (0-based), -1: never */
static atomic_int writes;
static atomic_int fail_read_at = -1;   /* fail reading chunk N, -1: never */

int __wrap_writer_put(struct writer *w, const struct chunk *c)
{
    int n = atomic_fetch_add(&writes, 1);
    if (n == atomic_load(&fail_write_at)) {
        errno = ENOSPC;
        return EX_IOERR;
    }
    return __real_writer_put(w, c);
}

int __wrap_reader_next(struct reader *r, struct chunk **out)
{
    if (atomic_load(&fail_read_at) >= 0 && r->next_index == (uint64_t)atomic_load(&fail_read_at)) {
        errno = EIO;
        return -1;
    }
    return __real_reader_next(r, out);
}

/* ---- one failing run --------------------------------------------------- */

static void *nothing(void *arg)
{
    return arg;
}

/* The threads of this process before a run. Start and join one thread
 * first: a sanitizer's runtime may start a helper thread of its own at the
 * first pthread_create, and it must be counted in the baseline too. */
static int threads_before_run(void)
{
    lab_join(lab_thread(nothing, NULL));
    return lab_thread_count();
}

#define CHUNKS 200
#define WORKERS 3
#define DEPTH 2

static void expect_clean_stop(struct lab_job *j, int want_rc, const char *want_msg,
                              int threads_before, const char *what)
{
    LAB_REQUIRE(j->exit_code == want_rc, "%s: pipelab exited with %d (%s), expected %d",
                what, j->exit_code, j->message[0] ? j->message : "no message", want_rc);
    LAB_REQUIRE(strstr(j->message, want_msg) != NULL, "%s: the run's message is \"%s\"; it should be "
                "the first failure's (\"...%s...\")", what, j->message, want_msg);
    int threads = lab_thread_count();
    LAB_REQUIRE(threads == threads_before, "%s: this process had %d threads before the run and %d "
                "after it: every thread the run starts must be joined", what, threads_before, threads);
    LAB_REQUIRE(j->chunks_left == 0, "%s: %lld chunks were never freed. Whoever holds a chunk when it "
                "gives up must free it", what, (long long)j->chunks_left);
    LAB_REQUIRE(!j->output_exists, "%s: the output file exists after a failed run", what);
    LAB_REQUIRE(j->other_files == 0, "%s: %d temporary file(s) were left next to the output",
                what, j->other_files);
    if (strcmp(j->backend, "bounded") == 0)
        LAB_REQUIRE(j->chunks_read < CHUNKS, "%s: the reader went on to read all %d chunks after the "
                    "failure; it should stop promptly", what, CHUNKS);
#if defined(__SANITIZE_ADDRESS__)
    LAB_REQUIRE(__lsan_do_recoverable_leak_check() == 0, "%s: LeakSanitizer found memory that was "
                "never freed (its report above says where it was allocated)", what);
#endif
    lab_note("%s: stopped after reading %llu of %d chunks; exit %d", what,
             (unsigned long long)j->chunks_read, CHUNKS, j->exit_code);
}

static void run_failing(struct lab_job *j, int want_rc, const char *want_msg, const char *what)
{
    int before = threads_before_run();
    j->backend = j->backend ? j->backend : "bounded";
    j->workers = WORKERS;
    j->depth = DEPTH;
    j->chunks = CHUNKS;
    j->writer_delay_us = 2000;
    lab_job_run(j);
    expect_clean_stop(j, want_rc, want_msg, before, what);
    lab_job_cleanup(j);
}

/* ---- the checks -------------------------------------------------------- */

static void success_still_works(void **state)
{
    (void)state;
    int before = threads_before_run();
    struct lab_job j = { .workers = WORKERS, .depth = DEPTH, .chunks = 64 };
    int rc = lab_job_run(&j);
    LAB_REQUIRE(rc == 0, "a run without failures exited with %d (%s)", rc, j.message);
    char why[256];
    LAB_REQUIRE(lab_job_output_ok(&j, why, sizeof why), "a run without failures: %s", why);
    LAB_REQUIRE(j.chunks_left == 0, "%lld chunks were never freed", (long long)j.chunks_left);
    LAB_REQUIRE(lab_thread_count() == before, "threads are still alive after the run");
    lab_job_cleanup(&j);
}

static void worker_failure_stops_everything(void **state)
{
    (void)state;
    struct lab_job j = { .fail = true, .fail_at = 5 };
    run_failing(&j, EX_SOFTWARE, "injected failure at chunk 5", "a worker fails at chunk 5");
}

static void writer_failure_stops_everything(void **state)
{
    (void)state;
    atomic_store(&fail_write_at, 4);
    struct lab_job j = { 0 };
    run_failing(&j, EX_IOERR, "No space left on device", "the writer fails at its 5th write");
}

static void reader_failure_stops_everything(void **state)
{
    (void)state;
    atomic_store(&fail_read_at, 12);
    struct lab_job j = { 0 };
    run_failing(&j, EX_IOERR, "cannot read", "the reader fails at chunk 12");
}

static void failure_at_the_first_chunk(void **state)
{
    (void)state;
    struct lab_job j = { .fail = true, .fail_at = 0 };
    run_failing(&j, EX_SOFTWARE, "injected failure at chunk 0", "a worker fails at the first chunk");
}

static void failure_with_unbounded_channels(void **state)
{
    (void)state;
    struct lab_job j = { .backend = "unbounded", .fail = true, .fail_at = 7 };
    run_failing(&j, EX_SOFTWARE, "injected failure at chunk 7", "unbounded, a worker fails at chunk 7");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(success_still_works),
    cmocka_unit_test(worker_failure_stops_everything),
    cmocka_unit_test(writer_failure_stops_everything),
    cmocka_unit_test(reader_failure_stops_everything),
    cmocka_unit_test(failure_at_the_first_chunk),
    cmocka_unit_test(failure_with_unbounded_channels),
};

LAB_MAIN("lab 7: cancellation", tests)
