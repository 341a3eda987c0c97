/*
 * labcheck.c — the helpers of labcheck.h: failing in plain words, waiting
 * with a limit, and a main() that can list and pick checks.
 */
#include "labcheck.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void lab_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("LAB-FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    _fail(file, line); /* cmocka: marks the check failed and leaves it */
}

void lab_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("LAB-NOTE: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

unsigned lab_patience_ms(void)
{
    const char *s = getenv("LAB_PATIENCE");
    double sec = s != NULL ? atof(s) : 0;
    if (sec <= 0)
        sec = 5;
    return (unsigned)(sec * 1000);
}

uint64_t lab_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void lab_pause_us(unsigned us)
{
    struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

pthread_t lab_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    LAB_REQUIRE(pthread_create(&t, NULL, fn, arg) == 0, "could not start a thread");
    return t;
}

void lab_join(pthread_t t)
{
    LAB_REQUIRE(pthread_join(t, NULL) == 0, "could not join a thread");
}

bool lab_wait_flag(atomic_int *flag, int value, unsigned ms)
{
    uint64_t deadline = lab_now_ms() + ms;
    for (unsigned spins = 0; atomic_load(flag) < value; spins++) {
        if (lab_now_ms() > deadline)
            return false;
        if (spins < 1000)
            sched_yield();
        else
            lab_pause_us(200);
    }
    return true;
}

const char *lab_dir(void)
{
    const char *d = getenv("LAB_DIR");
    return d != NULL && d[0] != '\0' ? d : ".";
}

const char *lab_tmpdir(void)
{
    static char path[256];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/pipelab-lab-XXXXXX", base != NULL ? base : "/tmp");
    LAB_REQUIRE(mkdtemp(path) != NULL, "could not make a temporary directory");
    return path;
}

/* The last line of defence when a check is run by hand, without the
 * runner's `timeout`: a hang ends the process with a message, not silence. */
static void lab_watchdog_fired(int sig)
{
    (void)sig;
    static const char msg[] = "\nLAB-HANG: the check did not finish in time\n";
    ssize_t ignored = write(1, msg, sizeof msg - 1);
    (void)ignored;
    _exit(124);
}

static void lab_arm_watchdog(void)
{
    const char *s = getenv("LAB_TIMEOUT");
    unsigned sec = s != NULL ? (unsigned)atoi(s) : 0;
    signal(SIGALRM, lab_watchdog_fired);
    alarm(sec > 0 ? sec + 5 : 120);
}

int lab_main(int argc, char **argv, const char *group,
             const struct CMUnitTest *tests, size_t count)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < count; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    struct CMUnitTest *chosen = calloc(count, sizeof *chosen);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted = wanted || strcmp(argv[a], tests[i].name) == 0;
        if (wanted)
            chosen[n++] = tests[i];
    }
    if (n == 0) {
        fprintf(stderr, "%s: no check of that name (try --list)\n", argv[0]);
        free(chosen);
        return 2;
    }
    lab_arm_watchdog();
    int failed = _cmocka_run_group_tests(group, chosen, n, NULL, NULL);
    free(chosen);
    return failed == 0 ? 0 : 1;
}
