/*
 * trace.c — see trace.h.
 */
#include "trace.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TID_READER = 1, TID_WRITER = 2, TID_WORKER0 = 10 };

void trace_init(struct trace *tr, uint64_t origin_ns)
{
    memset(tr, 0, sizeof *tr);
    tr->origin_ns = origin_ns;
}

void trace_record(struct trace *tr, const struct chunk *c)
{
    if (tr->count == tr->alloc) {
        tr->alloc = tr->alloc ? 2 * tr->alloc : 1024;
        tr->span = xrealloc(tr->span, tr->alloc * sizeof *tr->span);
    }
    tr->span[tr->count++] = (struct trace_span){ c->index, c->t.worker, c->t };
}

void trace_free(struct trace *tr)
{
    free(tr->span);
    memset(tr, 0, sizeof *tr);
}

/* Microseconds since the start of the run, as trace viewers expect. */
static double trace_us(const struct trace *tr, uint64_t ns)
{
    return ns > tr->origin_ns ? (double)(ns - tr->origin_ns) / 1000.0 : 0.0;
}

static void trace_complete(FILE *f, const struct trace *tr, const char *name, int tid,
                           uint64_t start, uint64_t end, uint64_t index)
{
    fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"chunk\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,"
               "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"chunk\":%llu}}",
            name, tid, trace_us(tr, start), trace_us(tr, end) - trace_us(tr, start),
            (unsigned long long)index);
}

/* A wait between two threads belongs to no thread: an async span. */
static void trace_async(FILE *f, const struct trace *tr, const char *name,
                        uint64_t start, uint64_t end, uint64_t index)
{
    fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"queue\",\"ph\":\"b\",\"pid\":1,\"id\":%llu,"
               "\"ts\":%.3f}", name, (unsigned long long)index, trace_us(tr, start));
    fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"queue\",\"ph\":\"e\",\"pid\":1,\"id\":%llu,"
               "\"ts\":%.3f}", name, (unsigned long long)index, trace_us(tr, end));
}

static void trace_thread_name(FILE *f, int tid, const char *name, unsigned n)
{
    fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
               "\"args\":{\"name\":\"%s%.0u\"}}", tid, name, n);
}

void trace_write(const struct trace *tr, FILE *f, const char *backend, unsigned workers)
{
    fprintf(f, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"backend\":\"%s\"},\n"
               "\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
               "\"args\":{\"name\":\"pipelab %s\"}}", backend, backend);
    trace_thread_name(f, TID_READER, "reader", 0);
    trace_thread_name(f, TID_WRITER, "writer", 0);
    for (unsigned i = 0; i < workers; i++)
        fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,"
                   "\"args\":{\"name\":\"worker %u\"}}", TID_WORKER0 + i, i);
    for (size_t i = 0; i < tr->count; i++) {
        const struct trace_span *s = &tr->span[i];
        trace_complete(f, tr, "read", TID_READER, s->t.read_start, s->t.read_end, s->index);
        trace_async(f, tr, "cpu_queue", s->t.read_end, s->t.process_start, s->index);
        trace_complete(f, tr, "process", TID_WORKER0 + s->worker, s->t.process_start,
                       s->t.process_end, s->index);
        trace_async(f, tr, "writer_queue", s->t.process_end, s->t.write_start, s->index);
        trace_complete(f, tr, "write", TID_WRITER, s->t.write_start, s->t.write_end, s->index);
    }
    fprintf(f, "\n]}\n");
}
