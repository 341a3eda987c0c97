/*
 * job.c — setting up a run, failing it, and tearing it down. See job.h.
 */
#include "job.h"
#include "chunk_spares.h"
#include "keys.h"
#include "live_watch.h"
#include "monitor.h"
#include "util.h"
#include "xthread.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- failing --------------------------------------------------------- */

int job_fail(struct job *job, int exit_code, const char *fmt, ...)
{
    xmutex_lock(&job->fail_lock);
    bool first = !atomic_load(&job->failed);
    if (first) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(job->message, sizeof job->message, fmt, ap);
        va_end(ap);
        job->exit_code = exit_code;
        atomic_store_explicit(&job->failed, true, memory_order_release);
    }
    xmutex_unlock(&job->fail_lock);
    if (!first)
        return -1;
    /* Hooks run under hook_lock, so job_forget_abort can wait for them to
     * finish before a primitive is destroyed. A hook only takes its own
     * primitive's lock, and no thread holding such a lock calls job_fail, so
     * this cannot deadlock. */
    xmutex_lock(&job->hook_lock);
    for (int i = 0; i < job->hook_count; i++)
        job->hooks[i].fn(job->hooks[i].arg);
    xmutex_unlock(&job->hook_lock);
    return -1;
}

void job_on_abort(struct job *job, void (*fn)(void *), void *arg)
{
    xmutex_lock(&job->hook_lock);
    if (atomic_load(&job->failed)) {
        fn(arg); /* too late to be called by job_fail: do its work now */
    } else if (job->hook_count == JOB_MAX_HOOKS) {
        warnx_msg("internal error: too many abort hooks");
        abort();
    } else {
        job->hooks[job->hook_count++] = (struct job_hook){ fn, arg };
    }
    xmutex_unlock(&job->hook_lock);
}

void job_forget_abort(struct job *job, void *arg)
{
    xmutex_lock(&job->hook_lock);
    int kept = 0;
    for (int i = 0; i < job->hook_count; i++)
        if (job->hooks[i].arg != arg)
            job->hooks[kept++] = job->hooks[i];
    job->hook_count = kept;
    xmutex_unlock(&job->hook_lock);
}

void job_abort_close_chan(void *channel)
{
    /* The producer may have closed it already; a second close is harmless
     * here, where all we want is that nobody stays blocked. */
    (void)channel_close(channel);
}

static void job_abort_tokens(void *tokens)
{
    tokens_cancel(tokens);
}

static void job_abort_reorder(void *reorder)
{
    reorder_cancel(reorder);
}

/* ---- setting up ------------------------------------------------------ */

static int job_parse_stages(struct job *job, const struct options *opt)
{
    char why[256];
    if (stage_list_parse(opt->stages, opt->level, &job->stages, why, sizeof why) != 0) {
        warnx_msg("%s", why);
        return EX_USAGE;
    }
    job->encrypted = stage_list_has(&job->stages, STAGE_ENCRYPT);
    job->gzip = opt->format == WRITER_GZIP;
    if (job->gzip && (job->stages.count != 1 || job->stages.item[0].kind != STAGE_COMPRESS)) {
        warnx_msg("--format gzip takes exactly --stages compress (gzip has no room for the others)");
        return EX_USAGE;
    }
    return 0;
}

/* Get the key and fill the header's key fields. */
static int job_get_key(struct job *job, const struct options *opt, struct container_header *h)
{
    const char *pass = getenv(KEY_PASSPHRASE_ENV);
    if (!job->encrypted) {
        if (opt->key_file != NULL) {
            warnx_msg("--key-file given, but no stage encrypts (add encrypt to --stages)");
            return EX_USAGE;
        }
        return 0;
    }
    if (opt->key_file != NULL)
        return key_load_file(opt->key_file, job->keys.key);
    if (pass == NULL) {
        warnx_msg("the encrypt stage needs a key: --key-file FILE (make one with "
                  "`pipelab keygen FILE`) or a passphrase in %s", KEY_PASSPHRASE_ENV);
        return EX_USAGE;
    }
    h->passphrase = true;
    h->opslimit = key_default_opslimit();
    h->memlimit = key_default_memlimit();
    randombytes_buf(h->salt, sizeof h->salt);
    return key_from_passphrase(pass, h->salt, h->opslimit, h->memlimit, job->keys.key);
}

static bool job_metrics_to_stdout(const struct options *opt)
{
    return strcmp(opt->metrics, "none") != 0 && opt->metrics_out == NULL;
}

static unsigned job_out_flags(const struct options *opt)
{
    return OUTPUT_DASH | (opt->sync ? OUTPUT_SYNC : 0) | (opt->force ? OUTPUT_REPLACE : 0);
}

/* Reports are regenerated freely; OUT is replaced only with --force. */
#define JOB_REPORT_FLAGS (OUTPUT_DASH | OUTPUT_REPLACE)

/* How many freed chunks a run keeps for the reader (chunk_spares.h): a
 * channel's depth at 4 KiB chunks (options_depth), so that the writer can run
 * that far ahead of the reader without a free. Spares never outnumber the
 * chunks once in flight, so a larger number costs only the ring's slots. */
#define JOB_SPARE_CHUNKS 64

int job_check_files(const struct options *opt)
{
    const char *reads[] = { opt->in, opt->key_file };
    /* Metrics printed on standard output count as a write of "-". */
    const char *writes[] = { opt->out, job_metrics_to_stdout(opt) ? "-" : opt->metrics_out,
                             opt->trace, opt->timeline };
    const unsigned flags[] = { job_out_flags(opt), JOB_REPORT_FLAGS, JOB_REPORT_FLAGS,
                               JOB_REPORT_FLAGS };
    return output_check_files(reads, sizeof reads / sizeof reads[0], writes, flags,
                              sizeof writes / sizeof writes[0]);
}

/* Remove every output not committed (each abort is a no-op on one that was
 * never opened or is already done). */
static void job_abort_outputs(struct job *job)
{
    writer_abort(&job->writer);
    output_abort(&job->metrics_out);
    output_abort(&job->trace_out);
    output_abort(&job->timeline_out);
}

/* The reports: opened now, so that a bad path fails before any work. */
static int job_open_reports(struct job *job, const struct options *opt)
{
    int rc = 0;
    if (opt->metrics_out != NULL)
        rc = output_open(&job->metrics_out, opt->metrics_out, 0644, JOB_REPORT_FLAGS);
    if (rc == 0 && opt->trace != NULL)
        rc = output_open(&job->trace_out, opt->trace, 0644, JOB_REPORT_FLAGS);
    if (rc == 0 && opt->timeline != NULL)
        rc = output_open(&job->timeline_out, opt->timeline, 0644, JOB_REPORT_FLAGS);
    return rc;
}

static int job_open_files(struct job *job, const struct options *opt,
                          const uint8_t header[CONTAINER_HEADER_BYTES])
{
    int rc = reader_open(&job->reader, opt->in, (size_t)opt->chunk_size, job->chunk_cap,
                         &job->inflight);
    if (rc != 0)
        return rc;
    rc = writer_open(&job->writer, opt->out, job->gzip ? WRITER_GZIP : WRITER_CONTAINER,
                     header, job->encrypted ? &job->keys : NULL, job_out_flags(opt));
    if (rc == 0)
        rc = job_open_reports(job, opt);
    if (rc != 0) {
        job_abort_outputs(job);
        reader_close(&job->reader);
    }
    return rc;
}

/* Tokens, reorder window and metrics: the parts threads share. */
static int job_make_shared(struct job *job, const struct options *opt)
{
    struct metrics *m = metrics_new(job->backend.name, opt->workers);
    job->metrics = m;
    /* Always there: the threads' stores cost the same watched or not, and a
     * backend never has to ask. The mutex backend's task threads may
     * outnumber --workers (OPTIONS_MAX_WORKERS bounds both). */
    job->live = live_state_new(OPTIONS_MAX_WORKERS);
    /* --metrics none turns off what costs per event (histograms); the
     * counters channels keep anyway stay on. */
    m->enabled = strcmp(opt->metrics, "none") != 0 || opt->timeline != NULL || opt->trace != NULL;
    unsigned tokens = opt->cpu_tokens ? opt->cpu_tokens : (unsigned)cpu_count();
    /* No histogram of the pool's own: each worker records its wait into its
     * slot (pipeline_process), and the slots add up into m->cpu_token_wait. */
    if (tokens_init(&job->cpu_tokens, tokens, NULL) != 0)
        return EX_OSERR;
    job_on_abort(job, job_abort_tokens, &job->cpu_tokens);
    job->ordered = opt->ordered || job->gzip;
    if (!job->ordered)
        return 0;
    /* The legacy backend holds the whole file anyway: its window is the file. */
    uint64_t window = job->backend.reads_whole_input_first
                          ? reader_chunk_count(&job->reader) : options_window(opt);
    if (reorder_init(&job->reorder, window) != 0) {
        tokens_destroy(&job->cpu_tokens);
        return EX_OSERR;
    }
    job_on_abort(job, job_abort_reorder, &job->reorder);
    return 0;
}

/* Free the spare chunks; a chunk freed after this is simply freed. */
static void job_drop_spares(struct job *job)
{
    chunk_spares_destroy(job->inflight.spares);
    job->inflight.spares = NULL;
}

int job_open(struct job *job, const struct options *opt, struct job_backend backend)
{
    memset(job, 0, sizeof *job);
    job->opt = opt;
    job->backend = backend;
    atomic_init(&job->failed, false);
    atomic_init(&job->bytes_read, 0);
    atomic_init(&job->bytes_written, 0);
    inflight_init(&job->inflight);
    xmutex_init(&job->fail_lock);
    xmutex_init(&job->hook_lock);

    struct container_header h = { .version = CONTAINER_VERSION };
    uint8_t header[CONTAINER_HEADER_BYTES];
    int rc = job_parse_stages(job, opt);
    if (rc == 0)
        rc = job_check_files(opt);
    if (rc == 0)
        rc = job_get_key(job, opt, &h);
    if (rc != 0)
        goto fail;

    h.encrypted = job->encrypted;
    h.chunk_size = (uint32_t)opt->chunk_size;
    h.stages = job->stages;
    randombytes_buf(h.nonce_prefix, sizeof h.nonce_prefix);
    memcpy(job->keys.nonce_prefix, h.nonce_prefix, sizeof h.nonce_prefix);
    if (job->encrypted)
        container_derive_digest_key(&job->keys);
    container_header_encode(&h, job->keys.key, header);
    container_header_hash(header, job->keys.header_hash);
    job->chunk_cap = stage_list_output_bound(&job->stages, (size_t)opt->chunk_size);
    /* The reader's chunks are all of chunk_cap bytes: keep freed ones for it.
     * Without spares (no memory for the list) every chunk is a malloc. */
    job->inflight.spares = chunk_spares_new(JOB_SPARE_CHUNKS, job->chunk_cap);

    rc = job_open_files(job, opt, header);
    if (rc != 0)
        goto fail;
    rc = job_make_shared(job, opt);
    if (rc != 0) {
        job_abort_outputs(job);
        reader_close(&job->reader);
        goto fail;
    }
    return 0;
fail:
    job_drop_spares(job);
    live_state_free(job->live);
    metrics_free(job->metrics);
    sodium_memzero(&job->keys, sizeof job->keys);
    xmutex_destroy(&job->hook_lock);
    xmutex_destroy(&job->fail_lock);
    return rc;
}

/* ---- running and closing --------------------------------------------- */

void job_close(struct job *job)
{
    job_abort_outputs(job);
    reader_close(&job->reader);
    if (job->ordered) {
        job_forget_abort(job, &job->reorder);
        reorder_destroy(&job->reorder); /* frees the chunks parked there */
    }
    job_drop_spares(job); /* after the last chunk_free of the run */
    job_forget_abort(job, &job->cpu_tokens);
    tokens_destroy(&job->cpu_tokens);
    live_state_free(job->live);
    metrics_free(job->metrics);
    sodium_memzero(&job->keys, sizeof job->keys);
    xmutex_destroy(&job->hook_lock);
    xmutex_destroy(&job->fail_lock);
}

/* Write the reports of a good run into their temporaries. */
static void job_write_reports(struct job *job)
{
    const struct options *opt = job->opt;
    if (job->metrics_out.file != NULL)
        metrics_report(job->metrics, opt->metrics, job->metrics_out.file);
    if (job->trace_out.file != NULL)
        trace_write(job->trace, job->trace_out.file, job->backend.name, job->metrics->workers);
}

/* Metrics asked for without --metrics-out: on standard output, once the
 * output is in place (OUT is then not "-": job_check_files). */
static int job_print_metrics(struct job *job)
{
    if (!job_metrics_to_stdout(job->opt))
        return 0;
    metrics_report(job->metrics, job->opt->metrics, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        warnx_msg("cannot write the metrics to standard output: %s", strerror(errno));
        return EX_IOERR;
    }
    return 0;
}

static void job_free_trace(struct job *job)
{
    if (job->trace == NULL)
        return;
    trace_free(job->trace);
    free(job->trace);
    job->trace = NULL;
}

/* After the backend: finish the output, or remove it if anything went wrong. */
static int job_finish_output(struct job *job)
{
    if (job_failed(job)) {
        if (job->ordered)
            reorder_drop_parked(&job->reorder); /* the backend's threads are gone */
        writer_abort(&job->writer);
        if (job->message[0] != '\0')
            warnx_msg("%s", job->message);
        return job->exit_code;
    }
    /* Defence in depth: a backend bug must never yield a short file. */
    if (job->writer.chunks != job->reader.next_index ||
        job->writer.raw_bytes != job->reader.offset) {
        writer_abort(&job->writer);
        warnx_msg("internal error: %llu chunks read but %llu written",
                  (unsigned long long)job->reader.next_index,
                  (unsigned long long)job->writer.chunks);
        return EX_SOFTWARE;
    }
    return writer_finish(&job->writer);
}

/* The figures only known at the end of the run. */
static void job_collect_metrics(struct job *job)
{
    struct metrics *m = job->metrics;
    m->bytes_in = job->reader.offset;
    m->bytes_out = writer_bytes(&job->writer);
    m->chunks = job->writer.chunks;
    m->peak_chunks = atomic_load(&job->inflight.peak_chunks);
    m->peak_bytes = atomic_load(&job->inflight.peak_bytes);
    m->peak_rss_kb = metrics_peak_rss_kb();
}

int job_run(struct job *job)
{
    struct metrics *m = job->metrics;
    struct monitor mon;
    struct live_watch live;
    live.running = false; /* stopping one never started is a no-op */
    m->start_ns = now_ns();
    if (job->opt->trace != NULL) {
        job->trace = xmalloc(sizeof *job->trace);
        trace_init(job->trace, m->start_ns);
    }
    int rc = monitor_start(&mon, job);
    if (rc == 0)
        rc = live_watch_start(&live, job);
    if (rc != 0) /* the one that failed has said why: an empty message adds no line */
        job_fail(job, rc, "%s", "");
    else if (job->backend.run(job) != 0 && !job_failed(job))
        job_fail(job, EX_SOFTWARE, "backend %s failed without saying why", job->backend.name);
    m->end_ns = now_ns();
    /* Before any message: the last frame stays above it, the terminal restored. */
    live_watch_stop(&live);

    rc = job_finish_output(job);
    monitor_stop(&mon);
    job_collect_metrics(job);
    if (rc == 0) {
        job_write_reports(job);
        /* All or none, OUT last: it replaces an older file only when every
         * report is in place. */
        struct output *const outs[] = { &job->metrics_out, &job->trace_out,
                                        &job->timeline_out, &job->writer.out };
        rc = output_commit_all(outs, sizeof outs / sizeof outs[0]);
    }
    job_abort_outputs(job); /* after a failure: the reports too */
    job_free_trace(job);
    if (rc == 0)
        rc = job_print_metrics(job);
    return rc;
}
