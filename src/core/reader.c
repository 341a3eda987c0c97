/*
 * reader.c — reading the input file chunk by chunk. See reader.h.
 */
#include "reader.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for the message. */
static const char *reader_kind(mode_t mode)
{
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Open path for reading without waiting for anything: O_NONBLOCK makes a FIFO
 * with no writer open at once instead of hanging, so that it can be refused.
 * For a regular file O_NONBLOCK means nothing; it is cleared all the same. */
int reader_open_regular(const char *path, const char *what, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        warnx_msg("cannot open %s%s: %s", what, path, strerror(err));
        return -exit_code_for_errno(err, EX_NOINPUT);
    }
    int rc = 0, flags;
    if (fstat(fd, st) != 0) {
        int err = errno;
        warnx_msg("cannot read %s%s: %s", what, path, strerror(err));
        rc = exit_code_for_errno(err, EX_IOERR);
    } else if (!S_ISREG(st->st_mode)) {
        warnx_msg("%s%s is %s; pipelab reads regular files", what, path,
                  reader_kind(st->st_mode));
        rc = EX_NOINPUT;
    } else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int err = errno;
        warnx_msg("cannot read %s%s: %s", what, path, strerror(err));
        rc = exit_code_for_errno(err, EX_IOERR);
    }
    if (rc != 0) {
        close(fd);
        return -rc;
    }
    return fd;
}

int reader_open(struct reader *r, const char *path, size_t chunk_size,
                size_t buffer_cap, struct inflight *acct)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    struct stat st;
    int fd = reader_open_regular(path, "", &st);
    if (fd < 0)
        return -fd;
    /* Tell the kernel we read front to back: Linux then doubles its readahead
     * window, so the disk sees large reads even when chunks are small. It is
     * advice: it returns an error number (not -1 and errno): EBADF, ESPIPE
     * (a pipe) or EINVAL (advice this system does not know), none of which
     * fits a regular file we hold open. Reading works the same without it,
     * only with the default readahead, so a refusal is not the run's
     * failure; it is kept in r->readahead (test_io checks it is taken). */
    r->readahead = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0;
    r->fd = fd;
    r->path = path;
    r->size = (uint64_t)st.st_size;
    r->chunk_size = chunk_size;
    r->buffer_cap = buffer_cap > chunk_size ? buffer_cap : chunk_size;
    r->acct = acct;
    return 0;
}

uint64_t reader_chunk_count(const struct reader *r)
{
    if (r->size == 0)
        return 1;
    return (r->size + r->chunk_size - 1) / r->chunk_size;
}

/* Read exactly len bytes (fewer only at end of file).
 *
 * One chunk, one read(2) into its own buffer (a short read only loops). Why
 * not read several small chunks at once and copy them out: the reader is not
 * the bottleneck even at small chunks, and the copy would cost every run.
 * On the kit's 2-core test machine (AMD EPYC, Linux 6.18.44), 2026-12-02,
 * busy with other work (load average about 6), from the page cache:
 *   dd bs=4K  if=64MiB-file of=/dev/null   28-32 ms (2.1-2.4 GB/s)
 *   dd bs=1M  ...                           10-14 ms (4.9-6.7 GB/s)
 * so reading in 4 KiB pieces costs some 20 ms per 64 MiB; and in
 *   pipelab process IN OUT --backend bounded --workers 64 --cpu-tokens 64
 *       --chunk-size 4K --stages checksum --trace T
 * (64 MiB, 6 runs) the reader's spans add up to 40-51 ms of a 0.46-0.71 s
 * run: it is idle nine tenths of the time. The readahead advice showed no
 * difference there with the file evicted from the cache first (serial,
 * 1 MiB chunks, 5 runs: 0.357 s with it, 0.323 s without, medians, spread
 * 0.29-0.46 s): that machine's disk already reads ahead 8 MiB. It is kept
 * for disks with the usual 128 KiB, at the price of one system call. */
static ssize_t reader_read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int reader_next(struct reader *r, struct chunk **out)
{
    if (r->done)
        return 0;
    uint64_t left = r->size - r->offset;
    size_t want = left < r->chunk_size ? (size_t)left : r->chunk_size;
    struct chunk *c = chunk_new(r->acct, r->next_index, r->buffer_cap);
    ssize_t got = reader_read_full(r->fd, c->data, want);
    if (got < 0 || (size_t)got != want) {
        if (got >= 0)
            errno = EIO; /* the file shrank while we read it */
        chunk_free(c);
        return -1;
    }
    c->len = want;
    r->offset += want;
    r->next_index++;
    c->is_final = r->offset == r->size;
    r->done = c->is_final;
    *out = c;
    return 1;
}

void reader_close(struct reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}
