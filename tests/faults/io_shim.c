/*
 * io_shim.c — an LD_PRELOAD library that makes the N-th call of one kind of
 * I/O fail, or come back short.
 *
 * Used by tests/faults/io-sweep.sh to prove that pipelab reports every failed
 * read, write, fsync, close and rename with one line, leaves no file behind,
 * and loops over short reads and writes instead of losing bytes.
 *
 *   FAULT_FUNC=KIND      read, write, fsync, close or rename: which calls count
 *   FAULT_FAIL_AT=N      the N-th call of that kind (1-based) fails; only that
 *                        one; 0 counts only
 *   FAULT_HOW=HOW        error (default): the call fails, errno EIO (ENOSPC
 *                        for a write); short: a read or write moves half the
 *                        bytes it was asked for (at least one) and, where that
 *                        is how the call reports trouble, fails after them
 *   FAULT_COUNT_FILE=F   at exit, write "KIND COUNT" for each kind to F
 *
 * pipelab writes its files through stdio, and glibc's stdio reaches the
 * kernel through internal calls an LD_PRELOAD library cannot see. So a kind
 * covers both levels: "write" is write(2) and every stdio call that writes
 * (fwrite, fputs, fputc, putc, fprintf, vfprintf, fflush); "read" is read(2)
 * and fread; "close" is close(2) and fclose (the descriptor is closed, then
 * the call reports EIO, as Linux does); "fsync" is fsync and fdatasync;
 * "rename" is rename and link. A failing stdio call also sets the stream's
 * error indicator, as a real failure underneath it would (glibc's _flags).
 * Standard input, output and error are left alone, so that the one line the
 * program prints is seen.
 *
 * Only a process named "pipelab" is armed (timeout and the shell that start
 * it are preloaded too).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum io_kind { IO_READ, IO_WRITE, IO_FSYNC, IO_CLOSE, IO_RENAME, IO_KINDS };
static const char *const io_kind_name[IO_KINDS] = { "read", "write", "fsync", "close", "rename" };

static atomic_ulong io_calls[IO_KINDS];
static int io_fault_kind = -1;
static unsigned long io_fail_at;
static bool io_short;
static const char *io_count_file;
static atomic_bool io_armed;

/* The real functions, found once (dlsym is safe to call from here: this
 * library does not replace the allocator). */
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_link)(const char *, const char *);
static size_t (*real_fread)(void *, size_t, size_t, FILE *);
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static int (*real_fputs)(const char *, FILE *);
static int (*real_fputc)(int, FILE *);
static int (*real_putc)(int, FILE *);
static int (*real_vfprintf)(FILE *, const char *, va_list);
static int (*real_fflush)(FILE *);
static int (*real_fclose)(FILE *);

#define IO_FIND(name) (*(void **)&real_##name = dlsym(RTLD_NEXT, #name))

__attribute__((constructor)) static void io_shim_init(void)
{
    IO_FIND(read); IO_FIND(write); IO_FIND(fsync); IO_FIND(fdatasync);
    IO_FIND(close); IO_FIND(rename); IO_FIND(link); IO_FIND(fread);
    IO_FIND(fwrite); IO_FIND(fputs); IO_FIND(fputc); IO_FIND(putc);
    IO_FIND(vfprintf); IO_FIND(fflush); IO_FIND(fclose);
    if (strcmp(program_invocation_short_name, "pipelab") != 0)
        return;
    const char *kind = getenv("FAULT_FUNC");
    for (int k = 0; kind != NULL && k < IO_KINDS; k++)
        if (strcmp(kind, io_kind_name[k]) == 0)
            io_fault_kind = k;
    const char *at = getenv("FAULT_FAIL_AT");
    io_fail_at = at ? strtoul(at, NULL, 10) : 0;
    const char *how = getenv("FAULT_HOW");
    io_short = how != NULL && strcmp(how, "short") == 0;
    io_count_file = getenv("FAULT_COUNT_FILE");
    atomic_store(&io_armed, true);
}

__attribute__((destructor)) static void io_shim_report(void)
{
    if (!atomic_load(&io_armed) || io_count_file == NULL)
        return;
    atomic_store(&io_armed, false); /* the report's own I/O is not counted */
    FILE *f = fopen(io_count_file, "w");
    if (f == NULL)
        return;
    for (int k = 0; k < IO_KINDS; k++)
        fprintf(f, "%s %lu\n", io_kind_name[k], atomic_load(&io_calls[k]));
    fclose(f);
}

/* Count a call of kind k on descriptor fd; true when this one is to fail. */
static bool io_should_fail(enum io_kind k, int fd)
{
    if (!atomic_load(&io_armed) || fd <= STDERR_FILENO)
        return false;
    unsigned long n = atomic_fetch_add(&io_calls[k], 1) + 1;
    return (int)k == io_fault_kind && n == io_fail_at;
}

static int io_fileno(FILE *f)
{
    return f == NULL ? -1 : fileno(f);
}

/* What a stream looks like after a write or read below it failed. */
static void io_stream_error(FILE *f, int err)
{
    f->_flags |= _IO_ERR_SEEN;
    errno = err;
}

static size_t io_half(size_t n)
{
    return n > 1 ? n / 2 : n;
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (!io_should_fail(IO_READ, fd))
        return real_read(fd, buf, n);
    if (io_short)
        return real_read(fd, buf, io_half(n));
    errno = EIO;
    return -1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (!io_should_fail(IO_WRITE, fd))
        return real_write(fd, buf, n);
    if (io_short)
        return real_write(fd, buf, io_half(n));
    errno = ENOSPC;
    return -1;
}

int fsync(int fd)
{
    if (!io_should_fail(IO_FSYNC, fd))
        return real_fsync(fd);
    errno = EIO;
    return -1;
}

int fdatasync(int fd)
{
    if (!io_should_fail(IO_FSYNC, fd))
        return real_fdatasync(fd);
    errno = EIO;
    return -1;
}

int close(int fd)
{
    if (!io_should_fail(IO_CLOSE, fd))
        return real_close(fd);
    real_close(fd);
    errno = EIO;
    return -1;
}

int rename(const char *from, const char *to)
{
    if (!io_should_fail(IO_RENAME, 3))
        return real_rename(from, to);
    errno = EIO;
    return -1;
}

int link(const char *from, const char *to)
{
    if (!io_should_fail(IO_RENAME, 3))
        return real_link(from, to);
    errno = EIO;
    return -1;
}

size_t fread(void *buf, size_t size, size_t count, FILE *f)
{
    if (!io_should_fail(IO_READ, io_fileno(f)))
        return real_fread(buf, size, count, f);
    size_t got = io_short ? real_fread(buf, size, io_half(count), f) : 0;
    io_stream_error(f, EIO);
    return got;
}

size_t fwrite(const void *buf, size_t size, size_t count, FILE *f)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_fwrite(buf, size, count, f);
    size_t put = io_short ? real_fwrite(buf, size, io_half(count), f) : 0;
    io_stream_error(f, ENOSPC);
    return put;
}

int fputs(const char *s, FILE *f)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_fputs(s, f);
    io_stream_error(f, ENOSPC);
    return EOF;
}

int fputc(int c, FILE *f)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_fputc(c, f);
    io_stream_error(f, ENOSPC);
    return EOF;
}

int putc(int c, FILE *f)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_putc(c, f);
    io_stream_error(f, ENOSPC);
    return EOF;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_vfprintf(f, fmt, ap);
    io_stream_error(f, ENOSPC);
    return -1;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfprintf(f, fmt, ap);
    va_end(ap);
    return rc;
}

int fflush(FILE *f)
{
    if (!io_should_fail(IO_WRITE, io_fileno(f)))
        return real_fflush(f);
    io_stream_error(f, ENOSPC);
    return EOF;
}

int fclose(FILE *f)
{
    if (!io_should_fail(IO_CLOSE, io_fileno(f)))
        return real_fclose(f);
    real_fclose(f);
    errno = EIO;
    return EOF;
}
