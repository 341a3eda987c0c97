/*
 * bench.c — `pipelab bench`: a sweep to CSV, measured honestly.
 *
 * The sweep is every combination of backends x workers x channel depths x
 * chunk sizes x stage costs x writer delays x reader delays x zlib levels.
 * Two rules make its figures fair:
 *   - each run is its own child process (sweep.c), so peak RSS is per run;
 *   - repeats are interleaved: round 1 runs every configuration once, then
 *     round 2, ... (A B A B, never A A B B), so a noisy minute on a shared
 *     machine spreads over all configurations instead of hitting one.
 * Each CSV row carries the configuration, the run's metrics and the machine
 * (CPU model, cores, compiler, library versions): a row means something on
 * its own, months later.
 */
#include "commands.h"
#include "machine.h"
#include "output.h"
#include "sweep.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 16

struct value_list {
    uint64_t v[LIST_MAX];
    int count;
};

static int bench_number(void *list, int i, const char *word)
{
    return parse_uint(word, 0, 10000000, &((struct value_list *)list)->v[i]);
}

static int bench_size(void *list, int i, const char *word)
{
    return parse_size(word, 256u << 20, &((struct value_list *)list)->v[i]);
}

/* "1,2,4" or "256K,1M" into a list; sizes take K/M/G. */
static int bench_list(const char *flag, const char *text, bool sizes, struct value_list *out)
{
    out->count = sizes ? parse_list(flag, text, LIST_MAX, "a size up to 256M", bench_size, out)
                       : parse_list(flag, text, LIST_MAX, "a number from 0 to 10000000",
                                    bench_number, out);
    return out->count > 0 ? 0 : EX_USAGE;
}

struct bench_plan {
    char backend[SWEEP_MAX_BACKENDS][32];
    int backends;
    struct value_list workers, depths, chunks, costs, delays, reads, levels;
};

static int bench_plan_make(const struct options *o, struct bench_plan *p)
{
    int rc = sweep_backend_list(o->backends, p->backend, &p->backends);
    if (rc == 0) rc = bench_list("workers-list", o->workers_list, false, &p->workers);
    /* No --depths: one "depth" 0, which leaves each run its default depth
     * for its chunk size (options_depth); the CSV records the depth used. */
    if (rc == 0 && o->depths[0] == '\0')
        p->depths = (struct value_list){ .v = { 0 }, .count = 1 };
    else if (rc == 0)
        rc = bench_list("depths", o->depths, false, &p->depths);
    if (rc == 0) rc = bench_list("chunk-sizes", o->chunk_sizes, true, &p->chunks);
    if (rc == 0) rc = bench_list("stage-costs", o->stage_costs, false, &p->costs);
    if (rc == 0) rc = bench_list("writer-delays", o->writer_delays, false, &p->delays);
    if (rc == 0) rc = bench_list("reader-delays", o->reader_delays, false, &p->reads);
    /* No --levels: the one --level, so a plain bench row still says its level. */
    char one_level[8];
    snprintf(one_level, sizeof one_level, "%u", o->level);
    if (rc == 0)
        rc = bench_list("levels", o->levels[0] ? o->levels : one_level, false, &p->levels);
    if (rc != 0)
        return rc;
    for (int i = 0; rc == 0 && i < p->workers.count; i++)
        if (p->workers.v[i] < 1 || p->workers.v[i] > OPTIONS_MAX_WORKERS)
            rc = EX_USAGE;
    for (int i = 0; rc == 0 && o->depths[0] && i < p->depths.count; i++)
        if (p->depths.v[i] < 1 || p->depths.v[i] > OPTIONS_MAX_DEPTH)
            rc = EX_USAGE;
    for (int i = 0; rc == 0 && i < p->levels.count; i++)
        if (p->levels.v[i] < 1 || p->levels.v[i] > 9)
            rc = EX_USAGE;
    if (rc != 0)
        warnx_msg("bench: a worker count, depth or level is out of range");
    return rc;
}

static int bench_configs(const struct bench_plan *p)
{
    return p->backends * p->workers.count * p->depths.count * p->chunks.count *
           p->costs.count * p->delays.count * p->reads.count * p->levels.count;
}

/* Configuration number k of the plan, as options for the child. */
static void bench_config(const struct bench_plan *p, int k, struct options *o, const char **backend)
{
    int d = k;
    *backend = p->backend[d % p->backends]; d /= p->backends;
    o->workers = (unsigned)p->workers.v[d % p->workers.count]; d /= p->workers.count;
    o->channel_depth = (unsigned)p->depths.v[d % p->depths.count]; d /= p->depths.count;
    o->chunk_size = p->chunks.v[d % p->chunks.count]; d /= p->chunks.count;
    o->stage_cost_us = p->costs.v[d % p->costs.count]; d /= p->costs.count;
    o->writer_delay_us = p->delays.v[d % p->delays.count]; d /= p->delays.count;
    o->reader_delay_us = p->reads.v[d % p->reads.count]; d /= p->reads.count;
    o->level = (unsigned)p->levels.v[d % p->levels.count];
}

static void bench_progress(int run, int total, const char *backend, const struct options *c,
                           double mbs)
{
    fprintf(stderr, "[%d/%d] %-9s workers=%-2u depth=%-3u chunk=%lluK level=%u cost=%lluus"
                    " delay=%lluus read=%lluus  %.1f MB/s\n", run, total, backend, c->workers,
            options_depth(c), (unsigned long long)(c->chunk_size >> 10), c->level,
            (unsigned long long)c->stage_cost_us, (unsigned long long)c->writer_delay_us,
            (unsigned long long)c->reader_delay_us, mbs);
}

/* Each row reaches the CSV as soon as it is measured; a sweep whose rows
 * cannot be written stops at once. */
static int bench_flush(FILE *out, const char *csv_path)
{
    if (csv_path == NULL)
        return stdout_flush();
    if (fflush(out) == 0)
        return 0;
    warnx_msg("cannot write %s: %s", csv_path, strerror(errno));
    return EX_IOERR;
}

int command_bench(const struct options *o)
{
    struct bench_plan plan;
    int rc = bench_plan_make(o, &plan);
    const char *reads[] = { o->in, o->key_file }, *writes[] = { o->csv };
    const unsigned flags[] = { OUTPUT_REPLACE | OUTPUT_DASH };
    if (rc == 0)
        rc = output_check_files(reads, 2, writes, flags, 1);
    if (rc != 0)
        return rc;
    struct options base = *o;
    if (base.size == 0)
        base.size = 32u << 20;
    char dir[256], input[300], key[300], machine[400];
    if ((rc = sweep_prepare(&base, dir, input, key)) != 0)
        return rc;
    /* --csv goes through a temporary: an interrupted sweep leaves no half CSV
     * and does not clobber the previous one. */
    struct output csv;
    FILE *out = stdout;
    if (o->csv != NULL) {
        if ((rc = output_open(&csv, o->csv, 0644, flags[0])) != 0) {
            sweep_cleanup(dir);
            return rc;
        }
        out = csv.file;
    }
    struct machine m;
    machine_describe(&m);
    machine_csv(&m, machine, sizeof machine);
    int configs = bench_configs(&plan), total = configs * (int)o->repeats, run = 0;
    bool header_done = false;
    for (unsigned rep = 1; rc == 0 && rep <= o->repeats; rep++) {
        for (int k = 0; rc == 0 && k < configs; k++) {
            struct options c = base;
            const char *backend;
            struct sweep_result r;
            bench_config(&plan, k, &c, &backend);
            if ((rc = sweep_run_child(&c, backend, input, dir, key, &r)) != 0)
                break;
            if (!header_done)
                fprintf(out, "run,repeat,workers_set,channel_depth_set,chunk_size_b,"
                             "stage_cost_us,writer_delay_us,reader_delay_us,level,%s,cpu_model,"
                             "cores,compiler,zlib,libsodium\n", r.header);
            header_done = true;
            fprintf(out, "%d,%u,%u,%u,%llu,%llu,%llu,%llu,%u,%s,%s\n", ++run, rep, c.workers,
                    options_depth(&c), (unsigned long long)c.chunk_size,
                    (unsigned long long)c.stage_cost_us, (unsigned long long)c.writer_delay_us,
                    (unsigned long long)c.reader_delay_us, c.level, r.row, machine);
            rc = bench_flush(out, o->csv);
            if (rc == 0)
                bench_progress(run, total, backend, &c, sweep_value(&r, "throughput_mb_s"));
            sweep_result_free(&r);
        }
    }
    if (o->csv != NULL && rc == 0)
        rc = output_commit(&csv);
    else if (o->csv != NULL)
        output_abort(&csv);
    sweep_cleanup(dir);
    return rc;
}
