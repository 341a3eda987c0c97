/*
 * labjob.c — running the real job from a check. See labjob.h.
 *
 * This is command_process (src/app/commands.c) without the signal watcher, plus
 * a look at the job's counters before it is closed.
 */
#include "labjob.h"

#include "backend.h"
#include "gen.h"
#include "job.h"
#include "options.h"
#include "restore.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static unsigned or_default(unsigned v, unsigned def)
{
    return v != 0 ? v : def;
}

static uint64_t lab_job_input_bytes(const struct lab_job *j)
{
    uint64_t chunk = (uint64_t)j->chunk_kib * 1024;
    return chunk * j->chunks - chunk / 3; /* a shorter final chunk */
}

static int lab_job_make_input(struct lab_job *j)
{
    FILE *f = fopen(j->in, "wb");
    if (f == NULL)
        return -1;
    struct gen *g = gen_new(GEN_TEXT, 7);
    uint8_t buf[8192];
    for (uint64_t left = lab_job_input_bytes(j); left > 0;) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        gen_fill(g, buf, n);
        fwrite(buf, 1, n, f);
        left -= n;
    }
    gen_free(g);
    return fclose(f) == 0 ? 0 : -1;
}

static void lab_job_options(const struct lab_job *j, struct options *o)
{
    options_defaults(o);
    o->command = "process";
    o->in = j->in;
    o->out = j->out;
    o->stages = j->stages;
    o->level = 1;
    o->chunk_size = (uint64_t)j->chunk_kib * 1024;
    o->backend = j->backend;
    o->workers = j->workers;
    o->channel_depth = j->depth;
    o->cpu_tokens = j->workers;      /* one token per worker: no token waits */
    o->ordered = j->ordered;
    o->window = j->window;
    o->format = j->gzip ? WRITER_GZIP : WRITER_CONTAINER;
    o->writer_delay_us = j->writer_delay_us;
    o->stage_cost_us = j->stage_cost_us;
    o->fail_at_chunk = j->fail ? (int64_t)j->fail_at : -1;
    o->metrics = "none";
}

static void lab_job_look_at_dir(struct lab_job *j)
{
    struct stat st;
    j->output_exists = stat(j->out, &st) == 0;
    j->other_files = 0;
    DIR *d = opendir(j->dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "in") != 0 && strcmp(e->d_name, "out") != 0)
            j->other_files++;
    if (d != NULL)
        closedir(d);
}

int lab_job_run(struct lab_job *j)
{
    if (j->backend == NULL)
        j->backend = "bounded";
    if (j->stages == NULL)
        j->stages = "compress";
    j->workers = or_default(j->workers, 2);
    j->depth = or_default(j->depth, 2);
    j->chunks = or_default(j->chunks, 32);
    j->chunk_kib = or_default(j->chunk_kib, 16);

    const char *base = getenv("TMPDIR");
    snprintf(j->dir, sizeof j->dir, "%s/pipelab-labjob-XXXXXX", base != NULL ? base : "/tmp");
    if (sodium_init() < 0 || mkdtemp(j->dir) == NULL)
        return j->exit_code = -1;
    snprintf(j->in, sizeof j->in, "%s/in", j->dir);
    snprintf(j->out, sizeof j->out, "%s/out", j->dir);
    if (lab_job_make_input(j) != 0)
        return j->exit_code = -1;

    struct options o;
    lab_job_options(j, &o);
    const struct backend *b = backend_find(j->backend);
    if (b == NULL) {
        snprintf(j->message, sizeof j->message, "this pipelab has no backend named %s", j->backend);
        return j->exit_code = -1;
    }

    struct job job;
    j->exit_code = job_open(&job, &o, backend_for_job(b));
    if (j->exit_code != 0)
        return j->exit_code;
    j->exit_code = job_run(&job);
    j->peak_chunks = atomic_load(&job.inflight.peak_chunks);
    j->chunks_read = job.reader.next_index;
    j->chunks_written = job.writer.chunks;
    j->lock_waits = hist_count(&job.metrics->lock_wait);
    j->lock_holds = hist_count(&job.metrics->lock_hold);
    j->parked_max = job.ordered ? job.reorder.parked_max : 0;
    snprintf(j->message, sizeof j->message, "%s", job.message);
    job_close(&job);
    /* After job_close: whatever the backend left behind is counted here. */
    j->chunks_left = atomic_load(&job.inflight.chunks);
    lab_job_look_at_dir(j);
    return j->exit_code;
}

/* ---- checking the output ---------------------------------------------- */

static uint8_t *lab_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Inflate concatenated gzip members (what --format gzip writes). */
static uint8_t *lab_gunzip(const uint8_t *in, size_t in_len, size_t expect, size_t *out_len)
{
    uint8_t *out = malloc(expect + 1);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (out == NULL || inflateInit2(&z, 15 + 16) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)expect + 1;
    int rc;
    for (;;) {
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_STREAM_END || z.avail_in == 0)
            break;
        inflateReset(&z); /* the next member */
    }
    *out_len = (size_t)(z.next_out - out);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

bool lab_job_output_ok(struct lab_job *j, char *why, size_t why_len)
{
    size_t in_len, out_len = 0;
    uint8_t *in = lab_read_file(j->in, &in_len);
    uint8_t *out = NULL;
    bool ok = false;
    if (j->gzip) {
        size_t z_len;
        uint8_t *z = lab_read_file(j->out, &z_len);
        if (z != NULL)
            out = lab_gunzip(z, z_len, in_len, &out_len);
        free(z);
    } else {
        char restored[400];
        snprintf(restored, sizeof restored, "%s/restored", j->dir);
        struct options o;
        options_defaults(&o);
        if (restore_file(&o, j->out, restored) == 0)
            out = lab_read_file(restored, &out_len);
        unlink(restored);
    }
    if (j->chunks_written != j->chunks)
        snprintf(why, why_len, "%llu of the %u chunks were written",
                 (unsigned long long)j->chunks_written, j->chunks);
    else if (out == NULL)
        snprintf(why, why_len, "the output could not be read back (%s)",
                 j->gzip ? "not valid gzip" : "restore rejected it");
    else if (out_len != in_len || memcmp(in, out, in_len) != 0)
        snprintf(why, why_len, "the output gives back %zu bytes that differ from the %zu input bytes%s",
                 out_len, in_len, j->gzip ? " (chunks out of order, missing or repeated?)" : "");
    else
        ok = true;
    free(in);
    free(out);
    return ok;
}

void lab_job_cleanup(struct lab_job *j)
{
    if (j->dir[0] == '\0')
        return;
    DIR *d = opendir(j->dir);
    struct dirent *e;
    char path[600];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", j->dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(j->dir);
    j->dir[0] = '\0';
}

int lab_thread_count(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    if (d != NULL)
        closedir(d);
    return n;
}
