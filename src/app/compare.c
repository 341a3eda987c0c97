/*
 * compare.c — `pipelab compare IN`: every backend on the same input with the
 * same settings, side by side.
 *
 * Each backend runs in its own child process (sweep.c), so each peak RSS
 * belongs to one run only. The table shows what the lessons talk about:
 * throughput and speedup over serial, peak memory, peak chunks in flight,
 * the p99 wait in the reader-to-worker queue and the legacy lock wait.
 */
#include "commands.h"
#include "machine.h"
#include "output.h"
#include "stages.h"
#include "sweep.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* A figure, or "-" where it does not apply (zero). */
static void compare_cell(char *buf, size_t len, double v, const char *fmt)
{
    if (v == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, fmt, v);
}

static void compare_row(const char *name, const struct sweep_result *r, double serial_mbs)
{
    double mbs = sweep_value(r, "throughput_mb_s");
    char speedup[16], p99[16], lock[16];
    compare_cell(speedup, sizeof speedup, serial_mbs > 0 ? mbs / serial_mbs : 0, "%.2fx");
    compare_cell(p99, sizeof p99, sweep_value(r, "cpu_queue_wait_p99_ms"), "%.2f");
    compare_cell(lock, sizeof lock, sweep_value(r, "lock_wait_total_ms"), "%.1f");
    printf("%-10s %9.1f %8s %13.1f %15.0f %18s %13s\n", name, mbs, speedup,
           sweep_value(r, "peak_rss_kib") / 1024.0, sweep_value(r, "peak_chunks_in_flight_chunks"),
           p99, lock);
}

static void compare_title(const struct options *o, const char *input)
{
    char stages[160], load[256];
    struct stage_list list;
    char why[200];
    if (stage_list_parse(o->stages, o->level, &list, why, sizeof why) == 0)
        stage_list_describe(&list, stages, sizeof stages);
    else
        snprintf(stages, sizeof stages, "%s", o->stages);
    printf("pipelab compare: %s; stages %s; chunk %llu KiB; workers %u; channel depth %u%s\n",
           input, stages, (unsigned long long)(o->chunk_size >> 10), o->workers,
           options_depth(o), o->ordered ? "; ordered" : "");
    machine_load_line(load, sizeof load);
    printf("%s\n", load);
    printf("%-10s %9s %8s %13s %15s %18s %13s\n", "backend", "MB/s", "speedup", "peak RSS MiB",
           "peak in flight", "p99 queue wait ms", "lock wait ms");
}

/* Write every run's full metrics row to --csv (a temporary, then renamed). */
static int compare_write_csv(const char *path, struct sweep_result *r, int n)
{
    struct output out;
    int rc = output_open(&out, path, 0644, OUTPUT_REPLACE | OUTPUT_DASH);
    if (rc != 0)
        return rc;
    fprintf(out.file, "%s\n", r[0].header);
    for (int i = 0; i < n; i++)
        fprintf(out.file, "%s\n", r[i].row);
    return output_commit(&out); /* a failed write shows in ferror: it aborts, with one message */
}

int command_compare(const struct options *o)
{
    char names[SWEEP_MAX_BACKENDS][32], dir[256], input[300], key[300];
    int n, rc = sweep_backend_list(o->backends, names, &n);
    /* The table is on standard output: --csv must be another file, and no
     * file this run reads. */
    const char *reads[] = { o->in, o->key_file }, *writes[] = { "-", o->csv };
    const unsigned flags[] = { OUTPUT_DASH, OUTPUT_REPLACE | OUTPUT_DASH };
    if (rc == 0)
        rc = output_check_files(reads, 2, writes, flags, 2);
    if (rc != 0)
        return rc;
    if ((rc = sweep_prepare(o, dir, input, key)) != 0)
        return rc;
    struct sweep_result r[SWEEP_MAX_BACKENDS];
    memset(r, 0, sizeof r);
    compare_title(o, o->in);
    double serial_mbs = 0;
    int done = 0;
    for (int i = 0; i < n && rc == 0; i++, done++) {
        rc = sweep_run_child(o, names[i], input, dir, key, &r[i]);
        if (rc != 0)
            break;
        if (strcmp(names[i], "serial") == 0)
            serial_mbs = sweep_value(&r[i], "throughput_mb_s");
        compare_row(names[i], &r[i], serial_mbs);
        rc = stdout_flush(); /* each row as it comes, and no point going on if it can't */
    }
    if (rc == 0 && o->csv != NULL)
        rc = compare_write_csv(o->csv, r, n);
    for (int i = 0; i < done; i++)
        sweep_result_free(&r[i]);
    sweep_cleanup(dir);
    return rc;
}
