/*
 * util.c — memory, clocks, sizes and messages shared by every module.
 */
#include "util.h"
#include "output.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Noreturn void die_oom(void)
{
    static const char msg[] = "pipelab: out of memory\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    output_remove_all_temporaries();
    _exit(EX_OSERR);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die_oom();
    return p;
}

void *xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (p == NULL)
        die_oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        die_oom();
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_us(uint64_t us)
{
    struct timespec ts = { .tv_sec = (time_t)(us / 1000000u),
                           .tv_nsec = (long)(us % 1000000u) * 1000 };
    /* Restart after a signal interrupted the sleep: the delay is part of the
     * experiment, and the signal watcher notices the signal on its own. */
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return -1; /* refuses "", "-1", "+1", " 1" */
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int parse_list(const char *flag, const char *text, int max, const char *what,
               int (*each)(void *ctx, int i, const char *word), void *ctx)
{
    char buf[1024];
    int n = 0;
    if (strlen(text) >= sizeof buf) {
        warnx_msg("--%s: the list is too long (at most %d values)", flag, max);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save), n++) {
        if (n == max) {
            warnx_msg("--%s: the list is too long (at most %d values)", flag, max);
            return -1;
        }
        if (each(ctx, n, w) != 0) {
            warnx_msg("--%s: '%s' is not %s", flag, w, what);
            return -1;
        }
    }
    if (n == 0)
        warnx_msg("--%s: the list is empty (name %s)", flag, what);
    return n > 0 ? n : -1;
}

int parse_size(const char *text, uint64_t max, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 'B': break;
    default: return -1;
    }
    /* "8M", "8MB" and "8MiB" all mean 8 x 2^20; a bare "512B" means bytes. */
    if (shift != 0 && end[0] == 'i' && end[1] == 'B')
        end += 2;
    else if (end[0] == 'B')
        end += 1;
    if (*end != '\0' || v == 0 || v > (max >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

void warnx_msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "pipelab: %s\n", line);
}

int exit_code_for_errno(int err, int otherwise)
{
    switch (err) {
    case ENOMEM: case EMFILE: case ENFILE: case EAGAIN: case ENOBUFS:
        return EX_OSERR;
    case EIO: case ENOSPC: case EDQUOT: case EFBIG: case EPIPE:
        return EX_IOERR;
    default:
        return otherwise;
    }
}

int stdout_flush(void)
{
    bool failed = fflush(stdout) != 0;
    int err = errno;
    if (!failed && !ferror(stdout))
        return 0;
    if (failed)
        warnx_msg("cannot write standard output: %s", strerror(err));
    else /* an earlier write failed; its errno is long gone */
        warnx_msg("cannot write standard output: a write failed");
    return EX_IOERR;
}

int stdout_finish(int rc)
{
    if (rc != 0) {
        (void)fflush(stdout); /* the command's own message is the one line */
        return rc;
    }
    return stdout_flush();
}
