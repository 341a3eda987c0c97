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
    unsigned channel_depth;
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

/* The reorder window actually used: --window, or enough to keep every queue
 * and worker busy (2 x depth + workers). */
unsigned options_window(const struct options *o);

#endif
