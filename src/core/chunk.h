/*
 * chunk.h — the message that travels through the pipeline, and the exact count
 * of how many are alive.
 *
 * A chunk is the design note's ChunkMessage and ProcessedChunkMessage in one
 * struct: it is created by the reader holding plaintext, a worker replaces its
 * data with the processed bytes, and the writer frees it after writing. Whoever
 * holds the pointer owns the chunk; handing it to a channel hands it over.
 *
 * struct inflight counts chunks and buffer bytes from chunk_new to chunk_free,
 * with atomics (no lock), and keeps the peak. That peak is the memory figure
 * the backpressure lessons and tests are about.
 */
#ifndef PIPELAB_CHUNK_H
#define PIPELAB_CHUNK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chunk_spares;

struct inflight {
    atomic_int_fast64_t chunks;
    atomic_int_fast64_t bytes;
    atomic_int_fast64_t peak_chunks;
    atomic_int_fast64_t peak_bytes;
    /* Where chunk_free keeps freed chunks and chunk_new looks first
     * (chunk_spares.h), or NULL: set by the run after inflight_init. */
    struct chunk_spares *spares;
};

/* Timestamps (now_ns) of a chunk's life, for queue-wait metrics and traces. */
struct chunk_times {
    uint64_t read_start, read_end;       /* reader */
    uint64_t process_start, process_end; /* worker */
    uint64_t write_start, write_end;     /* writer */
    int worker;                          /* which worker processed it (-1: none yet) */
};

struct chunk {
    uint64_t index;     /* position in the input: 0, 1, 2, ... */
    bool is_final;      /* the last chunk of the input */
    uint8_t *data;      /* owned buffer: plaintext, later the processed bytes */
    size_t len;         /* bytes used in data */
    size_t cap;         /* bytes allocated for data */
    uint32_t raw_len;   /* plaintext length (kept for the record header) */
    uint32_t crc;       /* CRC-32 of the plaintext, set when processed (see format.md) */
    struct chunk_times t;
    struct inflight *acct; /* counts this chunk while it lives; may be NULL */
};

/* A chunk with an empty buffer of cap bytes, counted in acct (may be NULL):
 * one of acct's spares if it has one, else a new allocation. */
struct chunk *chunk_new(struct inflight *acct, uint64_t index, size_t cap);

/* Give the chunk a new buffer (taking ownership of it) and free the old one. */
void chunk_set_data(struct chunk *c, uint8_t *data, size_t len, size_t cap);

void chunk_free(struct chunk *c);

/* For channels' free callbacks. */
void chunk_free_void(void *c);

void inflight_init(struct inflight *acct);

#endif
