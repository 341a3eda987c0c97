/*
 * labcheck.h — what every lab check includes: cmocka, plus the few helpers
 * that make a failing check speak to the learner.
 *
 * How a check talks to the runner (labs/run.sh):
 *   - `make lab` runs every check in its own process, under `timeout`, so a
 *     check that hangs or crashes cannot hide the others;
 *   - LAB_REQUIRE(cond, "sentence", ...) fails the check with a sentence in
 *     plain words; the runner prints it as the "detail" under the check's
 *     general explanation (from the lab's checks.txt);
 *   - lab_note("...") prints a figure the learner may like to see (a peak, a
 *     count); the runner shows notes of passing checks too.
 *
 * How checks wait. No check sleeps to put events in order. To show that a
 * call blocks, a thread makes the call and raises an atomic flag when it
 * returns; the check then does the one thing that may release it, and looks
 * at what the thread got (only that action could have produced it). Where a
 * check must wait for something that a broken implementation never does (a
 * channel being closed, two workers meeting), it waits at most
 * lab_patience_ms(): long for a learner's run, short when labs-verify runs
 * the unfinished starters.
 */
#ifndef LABCHECK_H
#define LABCHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Fail the current check with a sentence for the learner (printf format). */
#define LAB_REQUIRE(cond, ...)                                \
    do {                                                      \
        if (!(cond))                                          \
            lab_fail(__FILE__, __LINE__, __VA_ARGS__);        \
    } while (0)

void lab_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line the runner shows the learner ("peak in flight: 12 chunks"). */
void lab_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How long a check may wait for something that must happen ($LAB_PATIENCE
 * seconds, default 5). */
unsigned lab_patience_ms(void);

uint64_t lab_now_ms(void);
void lab_pause_us(unsigned us);      /* a short rest inside a polling loop */

/* Start and join a thread; a failure fails the check. */
pthread_t lab_thread(void *(*fn)(void *), void *arg);
void lab_join(pthread_t t);

/* Wait until *flag >= value, at most ms. Returns true if it got there. */
bool lab_wait_flag(atomic_int *flag, int value, unsigned ms);

/* The directory holding the files under test ($LAB_DIR, default "."):
 * the learner's lab folder, or its solution/ when labs-verify runs. */
const char *lab_dir(void);

/* A fresh temporary directory (static storage, reused by the next call). */
const char *lab_tmpdir(void);

/*
 * Run the checks: `check --list` prints their names; `check NAME...` runs
 * only those; `check` runs them all. Returns the exit code for main.
 */
int lab_main(int argc, char **argv, const char *group,
             const struct CMUnitTest *tests, size_t count);

#define LAB_MAIN(group, tests)                                           \
    int main(int argc, char **argv)                                      \
    {                                                                    \
        return lab_main(argc, argv, group, tests, sizeof tests / sizeof tests[0]); \
    }

#endif
