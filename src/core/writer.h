/*
 * writer.h — the output side of every backend: records in, one file out.
 *
 * Whatever the backend, exactly one writer exists per run and only one thread
 * at a time calls it (the writer thread, or whoever holds the legacy writer
 * mutex). It writes in the order it is given; ordering, if wanted, is done
 * before it by the reorder window (reorder.h).
 *
 *   container format  header, then one record per chunk, then the footer with
 *                     the chunk count, total bytes and plaintext digest.
 *   gzip format       each chunk is already a complete gzip member; the writer
 *                     appends them (gunzip reads concatenated members as one
 *                     stream).
 *
 * The file goes through output.h: a temporary that the caller commits, with
 * the run's other outputs, once writer_finish has written the footer. Every
 * write is an append, so OUT may be a stream (standard output, "-").
 */
#ifndef PIPELAB_WRITER_H
#define PIPELAB_WRITER_H

#include "chunk.h"
#include "container.h"
#include "output.h"

#include <stdbool.h>
#include <stdint.h>

enum writer_format { WRITER_CONTAINER, WRITER_GZIP };

struct writer {
    enum writer_format format;
    struct output out;
    const struct stage_keys *keys;   /* NULL unless encrypted */
    uint8_t header_hash[STAGE_HEADER_HASH_BYTES];
    struct container_digest digest;
    uint64_t chunks;
    uint64_t raw_bytes;
    uint64_t bytes_out;              /* file size, once finished */
};

/* Open path (output_flags as for output_open) and, for the container
 * format, write the header (already encoded by the caller, who also computed
 * the header hash into keys). */
int writer_open(struct writer *w, const char *path, enum writer_format format,
                const uint8_t header[CONTAINER_HEADER_BYTES],
                const struct stage_keys *keys, unsigned output_flags);

/* Append one processed chunk. Returns 0 or EX_IOERR (errno kept). */
int writer_put(struct writer *w, const struct chunk *c);

/* Write the footer; w->out is then ready for output_commit_all. Returns 0
 * or an EX_ code after printing why (the output is then thrown away). */
int writer_finish(struct writer *w);

/* Throw the partial file away. */
void writer_abort(struct writer *w);

/* Bytes written so far (the final size after writer_finish). */
uint64_t writer_bytes(const struct writer *w);

#endif
