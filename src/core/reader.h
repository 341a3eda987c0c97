/*
 * reader.h — the input side: a file cut into numbered chunks.
 *
 * The reader streams: it holds no chunk once it has handed it out, so memory
 * depends on how many chunks the rest of the pipeline keeps, never on the file
 * size. (The legacy `mutex` backend reads everything first on purpose, by
 * calling reader_next in a loop before starting any worker.)
 *
 * The file's size is taken when it is opened; every chunk but the last is
 * exactly chunk_size bytes, and the last one has is_final set. An empty file
 * gives one empty final chunk, so every container has at least one record.
 * A file that shrinks while it is read is reported as an I/O error.
 *
 * Reads are one read(2) per chunk, straight into the chunk's buffer: chunk
 * sized (1 MiB by default), never smaller, and never copied again. The
 * kernel is told the file is read front to back (posix_fadvise), so it reads
 * ahead of us in large pieces whatever the chunk size; reader.c says why the
 * reader does not gather small chunks into larger reads of its own.
 */
#ifndef PIPELAB_READER_H
#define PIPELAB_READER_H

#include "chunk.h"

#include <stdint.h>
#include <sys/stat.h>

struct reader {
    int fd;
    const char *path;
    uint64_t size;         /* of the file, at open */
    uint64_t offset;       /* bytes handed out so far */
    uint64_t next_index;
    size_t chunk_size;
    size_t buffer_cap;     /* allocated per chunk: room for the processed bytes */
    struct inflight *acct;
    bool readahead;        /* the kernel took the sequential-read advice */
    bool done;
};

/* Open a regular file. Returns 0 or an EX_ code after printing why
 * (EX_NOINPUT for a missing file, a directory or any other file that is not
 * a regular one).
 *
 * A FIFO, a device or a socket given by name is refused, not read: the
 * reader must know the size (for the chunk count and the progress bar), and
 * a FIFO nobody writes to would otherwise block the open. Standard input is
 * the way to stream data in. */
int reader_open(struct reader *r, const char *path, size_t chunk_size,
                size_t buffer_cap, struct inflight *acct);

/* The next chunk: returns 1 and sets *out, 0 after the final chunk, or -1 on a
 * read error (errno set). */
int reader_next(struct reader *r, struct chunk **out);

/* Number of chunks this file will give. */
uint64_t reader_chunk_count(const struct reader *r);

void reader_close(struct reader *r);

/* Open path for reading only if it is a regular file, without ever blocking
 * (a FIFO with no writer is refused at once). Fills *st. Returns the
 * descriptor, or minus an EX_ code after printing why; what ("key file ", or
 * "") names the file in that message. Used for the input and the key. */
int reader_open_regular(const char *path, const char *what, struct stat *st);

#endif
