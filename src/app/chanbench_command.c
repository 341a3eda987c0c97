/*
 * chanbench_command.c — `pipelab chanbench`: the channel handoff benchmark as
 * a command. The engine (one run) is chanbench.c; this file is the plan, the
 * order of the runs, the table and the CSV.
 *
 * The plan is every combination of implementations x capacities x shapes.
 * Repeats are interleaved as in `pipelab bench`: round 1 runs every
 * configuration once, then round 2, ..., so a busy moment on a shared machine
 * spreads over all configurations instead of spoiling one. The runs share
 * this process (a handoff has no peak RSS worth isolating, and a fork per run
 * would cost more than a short run).
 *
 * The table gives, per configuration, the median ns per message with its
 * minimum and maximum (a difference smaller than the spread is not a
 * difference), and the medians of the context switches and CPU time per
 * message. The CSV has one row per run, with the machine fields last, as
 * bench's rows do: plots/median.awk reads either by column name.
 *
 * Why 200,000 messages by default: at tens of nanoseconds per message a run
 * then lasts milliseconds, long enough that starting the threads and the
 * clock's resolution vanish in it; a channel that sleeps on every message
 * (tens of microseconds each) still finishes a run in seconds.
 */
#include "chanbench.h"
#include "commands.h"
#include "machine.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANBENCH_LIST_MAX 16

/* A parsed list: the values of one option, in the order given. */
struct chanbench_list {
    uint64_t v[CHANBENCH_LIST_MAX];
    int count;
};

static int chanbench_parse_impl(void *list, int i, const char *word)
{
    enum channel_impl impl;
    if (channel_impl_parse(word, &impl) != 0)
        return -1;
    ((struct chanbench_list *)list)->v[i] = (uint64_t)impl;
    return 0;
}

static int chanbench_parse_shape(void *list, int i, const char *word)
{
    enum chanbench_shape shape;
    if (chanbench_shape_parse(word, &shape) != 0)
        return -1;
    ((struct chanbench_list *)list)->v[i] = (uint64_t)shape;
    return 0;
}

static int chanbench_parse_capacity(void *list, int i, const char *word)
{
    return parse_uint(word, 1, OPTIONS_MAX_DEPTH, &((struct chanbench_list *)list)->v[i]);
}

/* "a,b,c" into out, each word through parse; `allowed` names what a word may
 * be, for the one line that refuses a bad list. */
static int chanbench_list(const char *flag, const char *text, const char *allowed,
                          int (*parse)(void *, int, const char *), struct chanbench_list *out)
{
    out->count = parse_list(flag, text, CHANBENCH_LIST_MAX, allowed, parse, out);
    return out->count > 0 ? 0 : EX_USAGE;
}

struct chanbench_plan {
    struct chanbench_list impls, capacities, shapes;
    int configs;
};

static int chanbench_plan_make(const struct options *o, struct chanbench_plan *p)
{
    int rc = chanbench_list("impls", o->impls, "mutex or lockfree", chanbench_parse_impl,
                            &p->impls);
    if (rc == 0)
        rc = chanbench_list("capacities", o->capacities, "a capacity from 1 to 65536",
                            chanbench_parse_capacity, &p->capacities);
    if (rc == 0)
        rc = chanbench_list("shapes", o->shapes, "1p1c, 4p4c or pipeline",
                            chanbench_parse_shape, &p->shapes);
    p->configs = p->impls.count * p->capacities.count * p->shapes.count;
    /* Refused before the first run, not when the sweep reaches a pipeline. */
    if (rc == 0 && o->workers > CHANBENCH_MAX_WORKERS) {
        warnx_msg("--workers: chanbench's pipeline takes 1 to %d workers", CHANBENCH_MAX_WORKERS);
        rc = EX_USAGE;
    }
    return rc;
}

/* Configuration k of the plan; the order of the table: by implementation,
 * then shape, then capacity. */
struct chanbench_config {
    enum channel_impl impl;
    enum chanbench_shape shape;
    size_t capacity;
};

static struct chanbench_config chanbench_config(const struct chanbench_plan *p, int k)
{
    struct chanbench_config c;
    c.capacity = (size_t)p->capacities.v[k % p->capacities.count];
    k /= p->capacities.count;
    c.shape = (enum chanbench_shape)p->shapes.v[k % p->shapes.count];
    k /= p->shapes.count;
    c.impl = (enum channel_impl)p->impls.v[k];
    return c;
}

static int chanbench_csv_row(FILE *out, bool header, int run, unsigned repeat,
                             const struct chanbench_config *c, const struct options *o,
                             const struct chanbench_result *r, const char *machine)
{
    if (header)
        fprintf(out, "run,repeat,impl,shape,capacity,workers,messages,ns_per_msg,vcsw_per_msg,"
                     "ivcsw_per_msg,cpu_ns_per_msg,cpu_model,cores,compiler,zlib,libsodium\n");
    fprintf(out, "%d,%u,%s,%s,%zu,%u,%llu,%.1f,%.4f,%.4f,%.1f,%s\n", run, repeat,
            channel_impl_name(c->impl), chanbench_shape_name(c->shape), c->capacity, o->workers,
            (unsigned long long)o->messages, r->ns_per_msg, r->vcsw_per_msg, r->ivcsw_per_msg,
            r->cpu_ns_per_msg, machine);
    if (fflush(out) == 0)
        return 0;
    warnx_msg("cannot write %s: %s", o->csv, strerror(errno));
    return EX_IOERR;
}

static int chanbench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values, which are sorted in place. */
static double chanbench_median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, chanbench_compare_doubles);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One table line per configuration from its runs r[0..n-1]. */
static void chanbench_table_line(FILE *out, const struct chanbench_config *c,
                                 const struct chanbench_result *r, unsigned n, double *scratch)
{
    double ns, lo, hi, vcsw, ivcsw, cpu;
    for (unsigned i = 0; i < n; i++) scratch[i] = r[i].ns_per_msg;
    ns = chanbench_median(scratch, n);
    lo = scratch[0];
    hi = scratch[n - 1];
    for (unsigned i = 0; i < n; i++) scratch[i] = r[i].vcsw_per_msg;
    vcsw = chanbench_median(scratch, n);
    for (unsigned i = 0; i < n; i++) scratch[i] = r[i].ivcsw_per_msg;
    ivcsw = chanbench_median(scratch, n);
    for (unsigned i = 0; i < n; i++) scratch[i] = r[i].cpu_ns_per_msg;
    cpu = chanbench_median(scratch, n);
    char range[64];
    snprintf(range, sizeof range, "(%.0f-%.0f)", lo, hi);
    fprintf(out, "%-9s %-9s %8zu %10.0f %-17s %9.3f %9.3f %10.0f\n", channel_impl_name(c->impl),
            chanbench_shape_name(c->shape), c->capacity, ns, range, vcsw, ivcsw, cpu);
}

/* results[k * repeats + rep]: every run of configuration k. */
static void chanbench_table(FILE *out, const struct chanbench_plan *p, const struct options *o,
                            const struct chanbench_result *results, double *scratch)
{
    fprintf(out, "chanbench: %llu messages per run, median of %u runs (min-max); "
                 "pipeline with %u workers\n",
            (unsigned long long)o->messages, o->repeats, o->workers);
    fprintf(out, "%-9s %-9s %8s %10s %-17s %9s %9s %10s\n", "impl", "shape", "capacity",
            "ns/msg", "(min-max)", "vcsw/msg", "ivcsw/msg", "cpu_ns/msg");
    for (int k = 0; k < p->configs; k++) {
        struct chanbench_config c = chanbench_config(p, k);
        chanbench_table_line(out, &c, &results[(size_t)k * o->repeats], o->repeats, scratch);
    }
}

/* Every run, interleaved, into results; each row to csv as it is measured. */
static int chanbench_sweep(const struct chanbench_plan *p, const struct options *o, FILE *csv,
                           struct chanbench_result *results)
{
    struct machine m;
    char machine[400];
    machine_describe(&m);
    machine_csv(&m, machine, sizeof machine);
    int run = 0, total = p->configs * (int)o->repeats;
    for (unsigned rep = 0; rep < o->repeats; rep++) {
        for (int k = 0; k < p->configs; k++) {
            struct chanbench_config c = chanbench_config(p, k);
            struct chanbench_result *r = &results[(size_t)k * o->repeats + rep];
            int rc = chanbench_run(c.impl, c.capacity, c.shape, o->messages, o->workers, r);
            if (rc == 0 && csv != NULL)
                rc = chanbench_csv_row(csv, run == 0, run + 1, rep + 1, &c, o, r, machine);
            if (rc != 0)
                return rc;
            run++;
            fprintf(stderr, "[%d/%d] %-8s %-8s capacity %-5zu %.0f ns/msg\n", run, total,
                    channel_impl_name(c.impl), chanbench_shape_name(c.shape), c.capacity,
                    r->ns_per_msg);
        }
    }
    return 0;
}

int command_chanbench(const struct options *o)
{
    struct chanbench_plan plan;
    int rc = chanbench_plan_make(o, &plan);
    const char *writes[] = { o->csv };
    const unsigned flags[] = { OUTPUT_REPLACE | OUTPUT_DASH };
    if (rc == 0)
        rc = output_check_files(NULL, 0, writes, flags, 1);
    if (rc != 0)
        return rc;
    /* Owned here: every run's result, and room to sort one column of them. */
    struct chanbench_result *results = calloc((size_t)plan.configs * o->repeats, sizeof *results);
    double *scratch = calloc(o->repeats, sizeof *scratch);
    if (results == NULL || scratch == NULL)
        die_oom();
    /* --csv goes through a temporary (output.h): an interrupted or failed
     * run leaves no half CSV and keeps the previous one. */
    struct output csv = { 0 };
    if (o->csv != NULL)
        rc = output_open(&csv, o->csv, 0644, flags[0]);
    if (rc == 0)
        rc = chanbench_sweep(&plan, o, o->csv != NULL ? csv.file : NULL, results);
    if (rc == 0) {
        /* With the CSV on standard output, the table goes to stderr. */
        FILE *table = csv.to_stdout ? stderr : stdout;
        chanbench_table(table, &plan, o, results, scratch);
        rc = table == stdout ? stdout_flush() : 0;
    }
    if (o->csv != NULL && rc == 0)
        rc = output_commit(&csv);
    else if (o->csv != NULL)
        output_abort(&csv);
    free(results);
    free(scratch);
    return rc;
}
