/*
 * alloc_shim.c — an LD_PRELOAD library that makes the N-th allocation fail.
 *
 * Used by tests/faults/alloc-sweep.sh to prove that pipelab survives running
 * out of memory at any allocation: it must fail with one line and leave no
 * file behind, never crash or hang.
 *
 *   FAULT_FAIL_AT=N      the N-th allocation (1-based) returns NULL, ENOMEM;
 *                        only that one: the next ones succeed again
 *   FAULT_COUNT_FILE=F   at exit, write "alloc COUNT" to F, COUNT the number
 *                        of allocations made
 *                        (the sweep runs this first to learn its range)
 *
 * malloc, calloc, realloc, posix_memalign and aligned_alloc are replaced.
 * glibc lets a program replace malloc and calls the replacement from inside
 * itself too, so strdup, fopen, pthread_create and the allocations of zlib and
 * libsodium are counted as well: every allocation the process makes, not only
 * pipelab's own. The real allocator is reached through glibc's __libc_*
 * entry points, because dlsym itself may allocate.
 *
 * Only a process named "pipelab" is armed (timeout, env and the shell that
 * start it are preloaded too). Counting starts when this library is
 * initialised, so the C library's own start-up is left alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t count, size_t n);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);

static atomic_ulong alloc_calls;
static unsigned long alloc_fail_at;   /* 0: count only */
static const char *alloc_count_file;
static atomic_bool alloc_armed;

__attribute__((constructor)) static void alloc_shim_init(void)
{
    if (strcmp(program_invocation_short_name, "pipelab") != 0)
        return;
    const char *at = getenv("FAULT_FAIL_AT");
    alloc_fail_at = at ? strtoul(at, NULL, 10) : 0;
    alloc_count_file = getenv("FAULT_COUNT_FILE");
    atomic_store(&alloc_armed, true);
}

__attribute__((destructor)) static void alloc_shim_report(void)
{
    if (!atomic_load(&alloc_armed) || alloc_count_file == NULL)
        return;
    atomic_store(&alloc_armed, false); /* fopen below allocates */
    FILE *f = fopen(alloc_count_file, "w");
    if (f != NULL) {
        fprintf(f, "alloc %lu\n", atomic_load(&alloc_calls));
        fclose(f);
    }
}

/* true when this allocation is the one to fail. */
static int alloc_should_fail(void)
{
    if (!atomic_load(&alloc_armed))
        return 0;
    unsigned long n = atomic_fetch_add(&alloc_calls, 1) + 1;
    if (n != alloc_fail_at)
        return 0;
    errno = ENOMEM;
    return 1;
}

void *malloc(size_t n)
{
    return alloc_should_fail() ? NULL : __libc_malloc(n);
}

void *calloc(size_t count, size_t n)
{
    return alloc_should_fail() ? NULL : __libc_calloc(count, n);
}

void *realloc(void *p, size_t n)
{
    return alloc_should_fail() ? NULL : __libc_realloc(p, n);
}

int posix_memalign(void **p, size_t align, size_t n)
{
    if (alloc_should_fail())
        return ENOMEM;
    void *q = __libc_memalign(align, n);
    if (q == NULL)
        return ENOMEM;
    *p = q;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    return alloc_should_fail() ? NULL : __libc_memalign(align, n);
}
