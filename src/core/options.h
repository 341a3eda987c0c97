/*
 * options.h — every setting of a run, as parsed from the command line (cli.c).
 *
 * One struct for all commands keeps the option table in one place; each
 * command reads only the fields it documents. Defaults are set by
 * options_defaults and described in `pipelab COMMAND --help`.
 */
#ifndef PIPELAB_OPTIONS_H
#define PIPELAB_OPTIONS_H

#include "gen.h"
#include "writer.h"

#include <stdbool.h>
#include <stdint.h>

#define OPTIONS_MAX_WORKERS 256
#define OPTIONS_MAX_DEPTH 65536

/* The default channel depth: 4 chunks, and never less than 256 KiB of them
 * (so 64 chunks of 4 KiB, 16 of 16 KiB, 4 from 64 KiB up). See options_depth. */
#define OPTIONS_DEPTH_CHUNKS 4
#define OPTIONS_DEPTH_BYTES (256u << 10)

/* --live: off, on (a redrawn view on a terminal, plain lines elsewhere), or
 * --live=plain (plain lines always). */
enum live_mode { LIVE_MODE_OFF, LIVE_MODE_AUTO, LIVE_MODE_PLAIN };

struct options {
    const char *command;
    const char *in;                 /* first operand */
    const char *out;                /* second operand */

    /* process: what to do to each chunk */
    const char *stages;             /* "compress,encrypt" */
    unsigned level;                 /* zlib level 1..9 */
    uint64_t chunk_size;
    enum writer_format format;
    const char *key_file;
    bool sync;                      /* fsync the output before renaming it */
    bool force;                     /* process, restore, gen: replace an existing OUT */

    /* process: how chunks move between threads */
    const char *backend;
    unsigned workers;
    unsigned channel_depth;         /* 0: the default (options_depth) */
    unsigned cpu_tokens;
    bool ordered;
    unsigned window;                /* reorder window in chunks; 0 = default */

    /* experiment knobs */
    uint64_t reader_delay_us;
    uint64_t writer_delay_us;
    uint64_t stage_cost_us;
    int64_t fail_at_chunk;          /* -1: none */

    /* measuring */
    const char *metrics;            /* table, csv, json, none */
    const char *metrics_out;
    const char *timeline;
    const char *trace;
    bool progress;                  /* progress bar on a terminal (--no-progress) */
    enum live_mode live;            /* --live: the view of the running pipeline */

    /* replay */
    const char *speed;              /* --speed X: times real time (default 1) */

    /* compare and bench */
    const char *backends;           /* "serial,mutex,..." */
    const char *csv;
    const char *workers_list;       /* bench sweeps: comma-separated lists */
    const char *depths;
    const char *chunk_sizes;
    const char *stage_costs;
    const char *writer_delays;
    const char *reader_delays;
    const char *levels;             /* "": the one --level */
    unsigned repeats;

    /* chanbench: the channel handoff benchmark */
    const char *impls;              /* "mutex,lockfree" */
    const char *capacities;         /* "1,4,64,1024" */
    const char *shapes;             /* "1p1c,4p4c,pipeline" */
    uint64_t messages;              /* per run */

    /* gen */
    uint64_t size;
    enum gen_kind kind;
    uint64_t seed;
};

void options_defaults(struct options *o);

/* The channel depth actually used: --channel-depth, or by default 4 chunks
 * and at least 256 KiB. Small chunks need the deeper channel: with 4 KiB
 * chunks and a cheap stage, the reader fills a 4-deep channel in
 * microseconds, and when the threads outnumber the cores nearly every chunk
 * then costs a context switch (about one per chunk at depth 4, a third of one
 * at 64: `perf stat -e context-switches`, 128 MiB, 2 workers, 2 cores).
 * `pipelab bench --backends serial,bounded,lockfree --workers-list 2 --depths
 * 4,16,64,256 --chunk-sizes 4K --stages checksum --size 128M --repeats 5` on
 * AMD EPYC, 2 cores, 2026-12-02, load average 1.3, gave these median
 * speedups over serial: bounded 1.35x, 1.55x, 1.79x, 1.77x; lockfree 1.20x,
 * 1.34x, 1.87x, 1.84x. 256 KiB buys it, more buys nothing. In bytes the bound
 * stays below the default's: 4 chunks of 1 MiB. */
unsigned options_depth(const struct options *o);

/* The reorder window actually used: --window, or enough to keep every queue
 * and worker busy (2 x depth + workers). */
unsigned options_window(const struct options *o);

#endif
