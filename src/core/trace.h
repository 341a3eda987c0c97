/*
 * trace.h — per-chunk spans in Chrome trace-event JSON (--trace FILE.json).
 *
 * Every chunk's life is already timestamped (struct chunk_times); when a chunk
 * is written, trace_record copies those stamps into a growing array, and
 * trace_write turns them into one JSON event per line:
 *
 *   read           on the reader's track
 *   cpu_queue      waiting between reader and worker (an async span)
 *   process        on its worker's track
 *   writer_queue   waiting between worker and writer (an async span)
 *   write          on the writer's track
 *
 * Open the file in https://ui.perfetto.dev or chrome://tracing. trace_record
 * is called where chunks are written, which is already serialised (the
 * writer thread, or the legacy backend's writer mutex), so it needs no lock.
 */
#ifndef PIPELAB_TRACE_H
#define PIPELAB_TRACE_H

#include "chunk.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct trace_span {
    uint64_t index;
    int worker;
    struct chunk_times t;
};

struct trace {
    struct trace_span *span;
    size_t count, alloc;
    uint64_t origin_ns;          /* time zero of the run */
};

void trace_init(struct trace *tr, uint64_t origin_ns);
void trace_record(struct trace *tr, const struct chunk *c);
/* Write the JSON to f: the run's --trace output, opened before the run and
 * committed with the others (job.c), which is where write errors show. */
void trace_write(const struct trace *tr, FILE *f, const char *backend, unsigned workers);
void trace_free(struct trace *tr);

#endif
