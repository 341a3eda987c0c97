/*
 * commands.c — what each command does, in a few lines: the real work is in
 * job.c (process), restore.c, gen.c and keys.c.
 */
#include "commands.h"
#include "backend.h"
#include "job.h"
#include "keys.h"
#include "output.h"
#include "restore.h"
#include "signals.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int command_process(const struct options *o)
{
    const struct backend *b = backend_find(o->backend);
    if (b == NULL) {
        warnx_msg("unknown backend '%s' (see `pipelab backends`)", o->backend);
        return EX_USAGE;
    }
    if (!metrics_format_valid(o->metrics)) {
        warnx_msg("--metrics: '%s' is not one of none, table, csv, json", o->metrics);
        return EX_USAGE;
    }
    /* Settings that would do nothing are refused, not silently ignored. */
    if (o->metrics_out != NULL && strcmp(o->metrics, "none") == 0) {
        warnx_msg("--metrics-out needs --metrics table, csv or json");
        return EX_USAGE;
    }
    if (o->window != 0 && !o->ordered && o->format != WRITER_GZIP) {
        warnx_msg("--window is the reorder window: it needs --ordered");
        return EX_USAGE;
    }
    int rc = job_check_files(o); /* a refusal comes before waiting for stdin */
    if (rc != 0)
        return rc;
    /* "-": standard input, read whole into a private file first (the reader
     * needs the size up front). Before signals are blocked, so that Ctrl-C
     * while it waits for a terminal or a pipe still stops it. */
    struct options run = *o;
    char *spool = NULL;
    if (output_is_dash(o->in) && (rc = output_spool_stdin(&spool)) != 0)
        return rc;
    if (spool != NULL)
        run.in = spool;
    /* Before any thread exists, so that every thread inherits the mask, and
     * before any file is opened, so that no signal goes unseen meanwhile. */
    signals_block();
    if (signals_watch_start() != 0) {
        warnx_msg("cannot start the signal watcher");
        output_spool_remove(spool);
        return EX_OSERR;
    }
    struct job job;
    rc = job_open(&job, &run, backend_for_job(b));
    output_spool_remove(spool); /* the reader holds it open */
    if (rc != 0) {
        signals_watch_stop();
        return rc;
    }
    int sig = signals_watch_attach(&job);
    if (sig != 0) { /* it came while the files were being opened */
        warnx_msg("interrupted by %s", signals_name(sig));
        writer_abort(&job.writer);
        signals_watch_stop();
        job_close(&job);
        return 128 + sig;
    }
    rc = job_run(&job);
    sig = signals_watch_stop();
    if (sig != 0 && rc == 0) { /* it came after the run's last check */
        warnx_msg("interrupted by %s", signals_name(sig));
        rc = 128 + sig;
    }
    job_close(&job);
    /* A run that failed has said why, and its exit code is not 0: a signal
     * its failed write raised (SIGPIPE, SIGXFSZ) stays blocked, unseen. After
     * a good run, one still pending ends the process now, by that signal. */
    if (rc == 0)
        signals_unblock();
    return rc;
}

int command_restore(const struct options *o)
{
    return restore_file(o, o->in, o->out);
}

int command_verify(const struct options *o)
{
    int rc = restore_file(o, o->in, NULL);
    if (rc == 0)
        printf("%s: OK\n", o->in);
    return rc;
}

int command_inspect(const struct options *o)
{
    return inspect_file(o->in, stdout);
}

int command_gen(const struct options *o)
{
    if (o->size == 0) {
        warnx_msg("gen needs --size SIZE (for example --size 64M)");
        return EX_USAGE;
    }
    /* gen reads no file: output_open's own check of OUT is all there is. */
    return gen_write_file(o->in, o->kind, o->seed, o->size,
                          OUTPUT_DASH | (o->force ? OUTPUT_REPLACE : 0));
}

int command_keygen(const struct options *o)
{
    return key_generate_file(o->in);
}

int command_backends(const struct options *o)
{
    (void)o;
    for (int i = 0; backend_registry[i] != NULL; i++)
        printf("%-10s %s\n", backend_registry[i]->name, backend_registry[i]->summary);
    return 0;
}
