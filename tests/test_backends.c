/*
 * test_backends.c — every backend runs the same job and must give the same
 * result; what differs between them (memory, failure handling) is measured.
 *
 * What must hold (backends/backend.h states the contract):
 *   1. round trip: for every backend (serial, mutex, bounded, unbounded,
 *      lockfree; a test checks that the list is the registry's), across workers,
 *      channel depths and chunk sizes, unordered, --ordered and --format gzip,
 *      the output restores (or gunzips) to the input byte for byte, with
 *      exactly one record per chunk;
 *   2. with --ordered the records sit in the file in index order 0, 1, 2, ...,
 *      even with a tiny reorder window, a slow stage and several workers;
 *   3. memory: bounded and lockfree never hold more than 2 x depth + workers + 2 chunks
 *      (plus the window when ordered); unbounded grows with the file when the
 *      writer is slow; mutex holds the whole file;
 *   4. failures (an injected fault at the first, a middle or the last chunk, a
 *      write error, an input that shrinks) end the run with the right exit
 *      code, no output file, no temporary file and every chunk freed;
 *   5. SIGINT and SIGTERM make the real program exit 130 and 143 and leave
 *      nothing behind;
 *   6. the metrics agree with the run: each queue saw every chunk once, and
 *      the workers' counts add up to the chunk count.
 *
 * Jobs run in this process (job_open, job_run, job_close), so a test sees the
 * job's counters directly. Memory is judged by job.inflight.peak_chunks, a
 * count of chunk messages alive at once: a count, not a timing, so the checks
 * do not depend on the machine's speed. Delays (--writer-delay-us,
 * --stage-cost-us) only make one side slow enough for the queues to fill; no
 * verdict depends on how long anything took.
 *
 * Sanitizer builds (and PIPELAB_TEST_QUICK=1) run the tests that move
 * megabytes on fewer (workers, depth) pairs; every kind of check still runs.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>

#include <sodium.h>
#include <zlib.h>

#include "backend.h"
#include "container.h"
#include "gen.h"
#include "job.h"
#include "keys.h"
#include "options.h"
#include "restore.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

/* ---- quick mode ------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Sanitizers make every byte copied several times dearer: the tests that move
 * megabytes run fewer (workers, depth) pairs. Every kind of check still runs,
 * and the workers x depth grid on a small file always runs in full. */
static bool quick(void)
{
    return SANITIZED || getenv("PIPELAB_TEST_QUICK") != NULL;
}

/* ---- a lab: one temporary directory and the files a test uses ---------- */

struct lab {
    char dir[256];
    char in[300];        /* the input */
    char out[300];       /* what `process` writes */
    char restored[300];  /* what `restore` gives back */
    char key[300];       /* a key file, for the encrypt stage */
};

static void lab_open(struct lab *lab)
{
    snprintf(lab->dir, sizeof lab->dir, "%s", test_tmpdir());
    snprintf(lab->in, sizeof lab->in, "%s/input", lab->dir);
    snprintf(lab->out, sizeof lab->out, "%s/output", lab->dir);
    snprintf(lab->restored, sizeof lab->restored, "%s/restored", lab->dir);
    snprintf(lab->key, sizeof lab->key, "%s/key", lab->dir);
}

/* Remove everything the test left (the directory holds only our files). */
static void lab_close(struct lab *lab)
{
    DIR *d = opendir(lab->dir);
    assert_non_null(d);
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", lab->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(lab->dir);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Temporaries are the only dot files pipelab makes (output.h: "dir/.name.XXXXXX"). */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* ---- inputs ------------------------------------------------------------- */

/* A piece of input: size bytes of one kind. An input is a list of pieces, so a
 * small file can still mix text, random and zeros (gen's mixed kind changes
 * kind only every 64 KiB), which gives chunks very different costs and makes
 * workers finish out of order. */
struct piece {
    enum gen_kind kind;
    uint64_t size;
};

static uint64_t write_input(const char *path, const struct piece *p, int pieces)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t *buf = malloc(MiB);
    assert_non_null(buf);
    uint64_t total = 0;
    for (int i = 0; i < pieces; i++) {
        struct gen *g = gen_new(p[i].kind, 100 + (uint64_t)i);
        assert_non_null(g);
        for (uint64_t left = p[i].size; left > 0;) {
            size_t n = left < MiB ? (size_t)left : MiB;
            gen_fill(g, buf, n);
            assert_int_equal(fwrite(buf, 1, n, f), n);
            left -= n;
        }
        total += p[i].size;
        gen_free(g);
    }
    free(buf);
    assert_int_equal(fclose(f), 0);
    return total;
}

static uint64_t write_input_of(const char *path, enum gen_kind kind, uint64_t size)
{
    struct piece p = { kind, size };
    return write_input(path, &p, 1);
}

/* About 40 KiB of text, random and zeros, with a short last chunk. */
static uint64_t write_patchwork(const char *path)
{
    static const struct piece p[] = {
        { GEN_TEXT, 15 * KiB + 300 }, { GEN_RANDOM, 9 * KiB }, { GEN_ZEROS, 8 * KiB },
        { GEN_TEXT, 5 * KiB }, { GEN_RANDOM, 3 * KiB + 77 },
    };
    return write_input(path, p, (int)(sizeof p / sizeof p[0]));
}

static uint64_t chunk_count(uint64_t size, uint64_t chunk_size)
{
    return size == 0 ? 1 : (size + chunk_size - 1) / chunk_size;
}

/* ---- options ------------------------------------------------------------ */

static void lab_options(const struct lab *lab, struct options *o, const char *backend,
                        unsigned workers, unsigned depth, uint64_t chunk_size)
{
    options_defaults(o);
    o->in = lab->in;
    o->out = lab->out;
    o->force = true;                /* each run replaces the previous run's output */
    o->backend = backend;
    o->workers = workers;
    o->channel_depth = depth;
    o->chunk_size = chunk_size;
    o->stages = "compress";
    o->level = 1;
    o->metrics = "none";
}

static bool is_gzip(const struct options *o)
{
    return o->format == WRITER_GZIP;
}

/* gzip output is always ordered (job.c), whatever o->ordered says. */
static bool is_ordered(const struct options *o)
{
    return o->ordered || is_gzip(o);
}

/* One line naming a configuration, for failure messages: a grid of hundreds
 * of runs is useless if a failure does not say which run it was. */
static const char *describe(const struct options *o)
{
    static char s[300];
    snprintf(s, sizeof s,
             "backend=%s workers=%u depth=%u chunk=%llu stages=%s %s%s window=%u "
             "writer_delay=%llu stage_cost=%llu cpu_tokens=%u fail_at=%lld",
             o->backend, o->workers, options_depth(o), (unsigned long long)o->chunk_size,
             o->stages, is_gzip(o) ? "gzip" : "container",
             o->ordered ? " ordered" : "", o->window,
             (unsigned long long)o->writer_delay_us, (unsigned long long)o->stage_cost_us,
             o->cpu_tokens, (long long)o->fail_at_chunk);
    return s;
}

#define EXPECT(cond, o)                                                          \
    do {                                                                         \
        if (!(cond))                                                             \
            fail_msg("line %d: %s is false\n    for %s", __LINE__, #cond,        \
                     describe(o));                                               \
    } while (0)

#define EXPECT_EQ(a, b, o)                                                       \
    do {                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                      \
        if (a_ != b_)                                                            \
            fail_msg("line %d: %s == %lld, expected %s == %lld\n    for %s",     \
                     __LINE__, #a, a_, #b, b_, describe(o));                     \
    } while (0)

/* The bounded backends' promise (backends/bounded.c, backends/lockfree.c):
 * both queues full, one chunk in each worker, one in the reader and one in the
 * writer; plus the reorder window when ordered. */
static bool has_bounded_queues(const struct options *o)
{
    return strcmp(o->backend, "bounded") == 0 || strcmp(o->backend, "lockfree") == 0;
}

static int64_t bounded_limit(const struct options *o)
{
    int64_t limit = 2 * (int64_t)options_depth(o) + o->workers + 2;
    if (is_ordered(o))
        limit += options_window(o);
    return limit;
}

/* ---- running a job in this process -------------------------------------- */

/* What a run leaves behind, read before job_close frees the metrics. */
struct run {
    int rc;                    /* job_run's exit code */
    int64_t peak;              /* most chunks alive at once */
    int64_t left_after_run;    /* chunks still alive when job_run returned */
    int64_t left_after_close;  /* ... and after job_close */
    uint64_t written;          /* records the writer wrote */
    bool queues_used;          /* does the backend have channels? */
    uint64_t cpu_sent, cpu_received;
    uint64_t writer_sent, writer_received;
    unsigned workers;          /* per-worker slots in the metrics */
    uint64_t worker_chunks;    /* chunks counted by all workers together */
};

static struct run run_job(const struct options *o)
{
    struct run r;
    memset(&r, 0, sizeof r);
    const struct backend *b = backend_find(o->backend);
    EXPECT(b != NULL, o);
    struct job job;
    r.rc = job_open(&job, o, backend_for_job(b));
    if (r.rc != 0)
        return r;
    r.rc = job_run(&job);
    r.left_after_run = atomic_load(&job.inflight.chunks);
    r.peak = atomic_load(&job.inflight.peak_chunks);
    struct metrics *m = job.metrics;
    r.written = m->chunks;
    r.queues_used = m->cpu_queue.used && m->writer_queue.used;
    r.cpu_sent = m->cpu_queue.stats.sent;
    r.cpu_received = m->cpu_queue.stats.received;
    r.writer_sent = m->writer_queue.stats.sent;
    r.writer_received = m->writer_queue.stats.received;
    r.workers = m->workers;
    for (unsigned i = 0; i < m->workers; i++)
        r.worker_chunks += m->slot[i].chunks;
    job_close(&job);
    r.left_after_close = atomic_load(&job.inflight.chunks);
    return r;
}

/* ---- checking an output ------------------------------------------------- */

static void expect_files_equal(const char *a, const char *b, const struct options *o)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    EXPECT(fa != NULL && fb != NULL, o);
    uint8_t *ba = malloc(MiB), *bb = malloc(MiB);
    assert_true(ba != NULL && bb != NULL);
    uint64_t at = 0;
    for (;;) {
        size_t na = fread(ba, 1, MiB, fa), nb = fread(bb, 1, MiB, fb);
        EXPECT_EQ(na, nb, o);
        if (memcmp(ba, bb, na) != 0)
            fail_msg("restored bytes differ from the input near byte %llu\n    for %s",
                     (unsigned long long)at, describe(o));
        at += na;
        if (na < MiB)
            break;
    }
    free(ba);
    free(bb);
    fclose(fa);
    fclose(fb);
}

/* Walk the container's records (container.h) and check they are 0, 1, 2, ...
 * with only the last one final, then the footer. */
static void expect_records_in_order(const char *path, uint64_t chunks, const struct options *o)
{
    FILE *f = fopen(path, "rb");
    EXPECT(f != NULL, o);
    EXPECT(fseeko(f, CONTAINER_HEADER_BYTES, SEEK_SET) == 0, o);
    uint64_t i = 0;
    for (;; i++) {
        uint8_t head[CONTAINER_RECORD_BYTES];
        int tag = fgetc(f);
        if (tag == CONTAINER_FOOTER_TAG)
            break;
        head[0] = (uint8_t)tag;
        EXPECT(fread(head + 1, 1, sizeof head - 1, f) == sizeof head - 1, o);
        struct container_record rec;
        EXPECT(container_record_decode(head, &rec) == 0, o);
        if (rec.index != i)
            fail_msg("record %llu holds chunk %llu: not in index order\n    for %s",
                     (unsigned long long)i, (unsigned long long)rec.index, describe(o));
        EXPECT_EQ(rec.is_final, i + 1 == chunks, o);
        EXPECT(fseeko(f, rec.stored_len, SEEK_CUR) == 0, o);
    }
    EXPECT_EQ(i, chunks, o);
    fclose(f);
}

/* Read a whole (small enough) file into memory. */
static uint8_t *slurp(const char *path, size_t *len)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    *len = (size_t)st.st_size;
    uint8_t *data = malloc(*len ? *len : 1);
    assert_non_null(data);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(data, 1, *len, f), *len);
    fclose(f);
    return data;
}

/* Inflate every gzip member of gz, as gunzip would, and compare the result
 * with plain. Returns the number of members (one per chunk). */
static uint64_t gunzip_and_compare(const char *gz, const char *plain, const struct options *o)
{
    size_t len;
    uint8_t *data = slurp(gz, &len);
    FILE *p = fopen(plain, "rb");
    uint8_t *out = malloc(MiB), *want = malloc(MiB);
    assert_true(p != NULL && out != NULL && want != NULL);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 32), Z_OK); /* 32: expect a gzip header */
    z.next_in = data;
    z.avail_in = (uInt)len;
    uint64_t members = 0;
    for (;;) {
        z.next_out = out;
        z.avail_out = MiB;
        int rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END)
            fail_msg("gzip output does not inflate (zlib %d) after %llu members\n    for %s",
                     rc, (unsigned long long)members, describe(o));
        size_t got = MiB - z.avail_out;
        EXPECT(fread(want, 1, got, p) == got, o);
        EXPECT(memcmp(out, want, got) == 0, o);
        if (rc == Z_STREAM_END) {
            members++;
            if (z.avail_in == 0)
                break;
            assert_int_equal(inflateReset(&z), Z_OK); /* the next member */
        }
    }
    EXPECT(fgetc(p) == EOF, o); /* nothing of the input is missing */
    inflateEnd(&z);
    free(out);
    free(want);
    free(data);
    fclose(p);
    return members;
}

/* Run o, which must succeed, and check everything a correct run gives:
 * exit 0, every chunk freed, one record per chunk, the bounded memory
 * promise, the output restoring to the input, index order when ordered, and
 * no temporary file left. */
static struct run expect_round_trip(const struct lab *lab, const struct options *o)
{
    struct stat st;
    assert_int_equal(stat(lab->in, &st), 0);
    uint64_t chunks = chunk_count((uint64_t)st.st_size, o->chunk_size);

    struct run r = run_job(o);
    EXPECT_EQ(r.rc, 0, o);
    EXPECT_EQ(r.left_after_run, 0, o);
    EXPECT_EQ(r.written, chunks, o);
    if (has_bounded_queues(o) && r.peak > bounded_limit(o))
        fail_msg("%s held %lld chunks at once, more than its limit %lld\n    for %s",
                 o->backend, (long long)r.peak, (long long)bounded_limit(o), describe(o));
    if (is_gzip(o)) {
        EXPECT_EQ(gunzip_and_compare(lab->out, lab->in, o), chunks, o);
    } else {
        EXPECT_EQ(restore_file(o, lab->out, lab->restored), 0, o);
        expect_files_equal(lab->in, lab->restored, o);
        if (o->ordered)
            expect_records_in_order(lab->out, chunks, o);
    }
    EXPECT_EQ(count_temporaries(lab->dir), 0, o);
    return r;
}

/* The same configuration as an unordered container, an ordered container and
 * a gzip file (compress only, no key). */
static void expect_round_trip_all_formats(const struct lab *lab, struct options o)
{
    o.format = WRITER_CONTAINER;
    o.ordered = false;
    expect_round_trip(lab, &o);
    o.ordered = true;
    expect_round_trip(lab, &o);
    o.ordered = false;
    o.format = WRITER_GZIP;
    o.stages = "compress";
    o.key_file = NULL;
    expect_round_trip(lab, &o);
}

/* ---- 1. round trip: workers x depth, then chunk sizes -------------------- */

/* Run one configuration of `backend` for each (workers, depth) in the lists;
 * serial ignores both and runs once, mutex ignores the depth. */
static void grid(const struct lab *lab, const char *backend, uint64_t chunk_size,
                 const unsigned *workers, int nw, const unsigned *depths, int nd,
                 const char *stages, const char *key_file)
{
    bool serial = strcmp(backend, "serial") == 0, mutex = strcmp(backend, "mutex") == 0;
    for (int i = 0; i < (serial ? 1 : nw); i++) {
        for (int j = 0; j < (serial || mutex ? 1 : nd); j++) {
            struct options o;
            lab_options(lab, &o, backend, workers[i], depths[j], chunk_size);
            o.stages = stages;
            o.key_file = key_file;
            expect_round_trip_all_formats(lab, o);
        }
    }
}

static const char *const all_backends[] = { "serial", "mutex", "bounded", "unbounded",
                                            "lockfree" };
#define BACKENDS (int)(sizeof all_backends / sizeof all_backends[0])

/* The list above is the registry, in its order: a backend added to
 * backends/registry.c and forgotten here would escape every test below. */
static void test_every_backend_is_tested(void **state)
{
    (void)state;
    int n = 0;
    while (backend_registry[n] != NULL)
        n++;
    if (n != BACKENDS)
        fail_msg("the registry has %d backends, this suite tests %d", n, BACKENDS);
    for (int b = 0; b < BACKENDS; b++)
        if (strcmp(backend_registry[b]->name, all_backends[b]) != 0)
            fail_msg("registry backend %d is %s, this suite's is %s", b,
                     backend_registry[b]->name, all_backends[b]);
}

/* Workers 1..8 x depth 1..16 on the 40 KiB patchwork in 1 KiB chunks: 41
 * chunks, so every depth and worker count is exercised with a full queue.
 * The runs are tiny, so this grid runs in full in every build, including the
 * sanitizer builds, where it is the best hunting ground for races. */
static void test_round_trip_workers_by_depth(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 200 : 60);
    struct lab lab;
    lab_open(&lab);
    write_patchwork(lab.in);
    static const unsigned w[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    static const unsigned d[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    for (int b = 0; b < BACKENDS; b++)
        grid(&lab, all_backends[b], 1 * KiB, w, 8, d, 16, "compress", NULL);
    lab_close(&lab);
}

/* (workers, depth) pairs for the chunk-size tests. */
struct pair {
    unsigned workers, depth;
};

/* Every combination of workers {1, 2, 8} and depth {1, 4, 16}. */
static const struct pair product[] = {
    { 1, 1 }, { 1, 4 }, { 1, 16 }, { 2, 1 }, { 2, 4 }, { 2, 16 }, { 8, 1 }, { 8, 4 }, { 8, 16 },
};
/* Every worker count and every depth once. */
static const struct pair diagonal[] = { { 1, 1 }, { 2, 4 }, { 8, 16 } };
/* The two extremes. */
static const struct pair extremes[] = { { 1, 1 }, { 8, 16 } };
#define PAIRS(a) (a), (int)(sizeof (a) / sizeof (a)[0])

/* One chunk size on a file of file_size bytes, for every backend and the
 * given (workers, depth) pairs, in all three formats; the container formats
 * also encrypt. serial runs once, mutex once per worker count. */
static void round_trip_chunk_size(uint64_t chunk_size, enum gen_kind kind, uint64_t file_size,
                                  const struct pair *pairs, int npairs)
{
    struct lab lab;
    lab_open(&lab);
    assert_int_equal(key_generate_file(lab.key), 0);
    write_input_of(lab.in, kind, file_size);
    for (int b = 0; b < BACKENDS; b++) {
        bool serial = strcmp(all_backends[b], "serial") == 0;
        bool mutex = strcmp(all_backends[b], "mutex") == 0;
        for (int i = 0; i < (serial ? 1 : npairs); i++) {
            /* mutex has no depth: skip pairs that repeat a worker count. */
            if (mutex && i > 0 && pairs[i].workers == pairs[i - 1].workers)
                continue;
            grid(&lab, all_backends[b], chunk_size, &pairs[i].workers, 1, &pairs[i].depth, 1,
                 "compress,encrypt", lab.key);
        }
    }
    lab_close(&lab);
}

/* About 3.5 chunks: three full ones and a short final one. */
static uint64_t three_and_a_half(uint64_t chunk_size)
{
    return 3 * chunk_size + chunk_size / 2 + 7;
}

static void test_round_trip_small_chunks(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 200 : 60);
    round_trip_chunk_size(1 * KiB, GEN_TEXT, three_and_a_half(1 * KiB), PAIRS(product));
    round_trip_chunk_size(4 * KiB, GEN_RANDOM, three_and_a_half(4 * KiB), PAIRS(product));
    if (quick())
        round_trip_chunk_size(64 * KiB, GEN_MIXED, three_and_a_half(64 * KiB), PAIRS(diagonal));
    else
        round_trip_chunk_size(64 * KiB, GEN_MIXED, three_and_a_half(64 * KiB), PAIRS(product));
}

static void test_round_trip_1m_chunks(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 200 : 60);
    if (quick())
        round_trip_chunk_size(1 * MiB, GEN_MIXED, three_and_a_half(1 * MiB), PAIRS(diagonal));
    else
        round_trip_chunk_size(1 * MiB, GEN_MIXED, three_and_a_half(1 * MiB), PAIRS(product));
}

/* 16 MiB chunks on a 40 MiB file (two full chunks and a half one): zeros at
 * level 1, so compressing is quick, but every run still moves 40 MiB through
 * zlib, libsodium, restore and a byte comparison. So only the diagonal (the
 * 1 KiB grid covers every pair), and only the extremes in sanitizer builds,
 * which check every byte copied. */
static void test_round_trip_16m_chunks(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 300 : 60);
    uint64_t size = 2 * 16 * MiB + 8 * MiB + 7;
    if (quick())
        round_trip_chunk_size(16 * MiB, GEN_ZEROS, size, PAIRS(extremes));
    else
        round_trip_chunk_size(16 * MiB, GEN_ZEROS, size, PAIRS(diagonal));
}

/* A chunk much larger than the file (one short final chunk), and an empty
 * file (one empty final chunk, reader.h): the edges of the chunk count. */
static void test_round_trip_chunk_larger_than_file(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 30);
    struct lab lab;
    lab_open(&lab);
    static const unsigned w[] = { 1, 4 }, d[] = { 1, 4 };
    write_input_of(lab.in, GEN_MIXED, 100 * KiB + 1);
    for (int b = 0; b < BACKENDS; b++)
        grid(&lab, all_backends[b], 16 * MiB, w, 2, d, 2, "compress", NULL);
    write_input_of(lab.in, GEN_TEXT, 0);
    for (int b = 0; b < BACKENDS; b++)
        grid(&lab, all_backends[b], 4 * KiB, w, 2, d, 2, "compress", NULL);
    lab_close(&lab);
}

/* ---- 2. order under adversarial timing ---------------------------------- */

/* A reorder window of 1, 2 or 3 chunks, a slow stage and 4 workers: workers
 * finish out of order, the writer must wait for gaps, and the reader must wait
 * for the window. Nothing may deadlock (the watchdog would fire), the records
 * must be in order, and the window must bound memory: chunks alive are those
 * admitted (index < next + window) plus the one being written, so at most
 * window + 1. (mutex ignores --window: it holds the whole file by design.) */
static void test_ordered_small_window(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 30);
    struct lab lab;
    lab_open(&lab);
    write_patchwork(lab.in);
    for (int b = 0; b < BACKENDS; b++) {
        for (unsigned window = 1; window <= 3; window++) {
            for (int slow_writer = 0; slow_writer <= 1; slow_writer++) {
                struct options o;
                lab_options(&lab, &o, all_backends[b], 4, 2, 1 * KiB);
                o.cpu_tokens = 4;
                o.ordered = true;
                o.window = window;
                o.stage_cost_us = 200;
                o.writer_delay_us = slow_writer ? 100 : 0;
                struct run r = expect_round_trip(&lab, &o);
                if (strcmp(o.backend, "mutex") != 0 && r.peak > (int64_t)window + 1)
                    fail_msg("%lld chunks alive at once with a window of %u\n    for %s",
                             (long long)r.peak, window, describe(&o));
                o.format = WRITER_GZIP;
                expect_round_trip(&lab, &o);
            }
        }
    }
    lab_close(&lab);
}

/* ---- 3. chunks in flight ------------------------------------------------- */

/* Bounded and lockfree with a slow writer and, separately, a slow stage:
 * whatever the speeds, the peak stays within 2 x depth + workers + 2 (+ window). A limit
 * below the chunk count (64) shows it is the design that bounds memory, not
 * the file; the peak above the depth shows the queues really filled up. */
static void test_bounded_peak_is_bounded(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 60);
    struct lab lab;
    lab_open(&lab);
    write_input_of(lab.in, GEN_TEXT, 64 * KiB);
    static const unsigned pairs[][2] = { { 1, 1 }, { 2, 2 }, { 4, 1 }, { 1, 8 }, { 8, 4 }, { 3, 16 } };
    static const char *const backends[] = { "bounded", "lockfree" };
    for (size_t k = 0; k < 2 * sizeof pairs / sizeof pairs[0]; k++) {
        size_t i = k / 2;
        for (int slow = 0; slow < 2; slow++) {
            for (int ordered = 0; ordered <= 1; ordered++) {
                struct options o;
                lab_options(&lab, &o, backends[k % 2], pairs[i][0], pairs[i][1], 1 * KiB);
                o.cpu_tokens = o.workers;
                o.ordered = ordered;
                if (slow == 0)
                    o.writer_delay_us = 2000;
                else
                    o.stage_cost_us = 2000;
                struct run r = expect_round_trip(&lab, &o); /* checks peak <= limit */
                EXPECT(r.peak > (int64_t)options_depth(&o), &o);
                if (!ordered)
                    EXPECT(bounded_limit(&o) < 64, &o);
            }
        }
    }
    lab_close(&lab);
}

/* The default depth (no --channel-depth): 4 chunks, and at least 256 KiB of
 * them, so small chunks get deeper channels. With a slow writer the queues
 * fill to that depth: at 4 KiB, far past what a 4-deep channel holds, and
 * never past the bound of the depth actually used. */
static void test_default_depth_grows_for_small_chunks(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 60);
    struct options d;
    options_defaults(&d);
    static const struct { uint64_t chunk; unsigned depth; } want[] = {
        { 1, 65536 }, { 1 * KiB, 256 }, { 4 * KiB, 64 }, { 16 * KiB, 16 }, { 48 * KiB, 6 },
        { 64 * KiB, 4 }, { 1024 * KiB, 4 }, { 16384 * KiB, 4 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        d.chunk_size = want[i].chunk;
        assert_int_equal(options_depth(&d), want[i].depth);
    }
    d.channel_depth = 2; /* a depth given wins at every chunk size */
    assert_int_equal(options_depth(&d), 2);

    struct lab lab;
    lab_open(&lab);
    write_input_of(lab.in, GEN_TEXT, 256 * 4 * KiB);
    static const char *const backends[] = { "bounded", "lockfree" };
    for (int b = 0; b < 2; b++) {
        struct options o;
        lab_options(&lab, &o, backends[b], 2, 0, 4 * KiB);
        o.writer_delay_us = 500;
        struct run r = expect_round_trip(&lab, &o); /* checks peak <= limit */
        EXPECT(r.peak > 2 * 4 + 2 + 2, &o);         /* more than depth 4 could hold */
    }
    lab_close(&lab);
}

/* Unbounded with a slow writer: the reader never waits, so nearly the whole
 * file is in memory at once, and 4 times the file gives a far higher peak. */
static int64_t unbounded_peak(struct lab *lab, uint64_t chunks)
{
    write_input_of(lab->in, GEN_TEXT, chunks * KiB);
    struct options o;
    lab_options(lab, &o, "unbounded", 2, 4, 1 * KiB);
    o.writer_delay_us = 2000;
    struct run r = expect_round_trip(lab, &o);
    /* The reader reads 1 KiB in microseconds; the writer needs 2 ms a chunk. */
    EXPECT(r.peak >= (int64_t)(chunks * 3 / 4), &o);
    EXPECT(r.peak <= (int64_t)chunks, &o);
    return r.peak;
}

static void test_unbounded_peak_grows_with_file(void **state)
{
    (void)state;
    test_watchdog(60);
    struct lab lab;
    lab_open(&lab);
    int64_t small = unbounded_peak(&lab, 32), large = unbounded_peak(&lab, 128);
    if (large < 2 * small)
        fail_msg("unbounded peak %lld for 128 chunks is not clearly above %lld for 32",
                 (long long)large, (long long)small);
    lab_close(&lab);
}

/* mutex reads the whole input before any work (the legacy design), so its
 * peak is exactly the chunk count; serial holds one chunk at a time. */
static void test_mutex_peak_is_the_file(void **state)
{
    (void)state;
    test_watchdog(30);
    struct lab lab;
    lab_open(&lab);
    static const uint64_t sizes[] = { 10, 50 };
    for (int i = 0; i < 2; i++) {
        write_input_of(lab.in, GEN_TEXT, sizes[i] * KiB - 5);
        struct options o;
        lab_options(&lab, &o, "mutex", 4, 4, 1 * KiB);
        EXPECT_EQ(expect_round_trip(&lab, &o).peak, sizes[i], &o);
        o.writer_delay_us = 200;
        EXPECT_EQ(expect_round_trip(&lab, &o).peak, sizes[i], &o);
        lab_options(&lab, &o, "serial", 1, 1, 1 * KiB);
        EXPECT_EQ(expect_round_trip(&lab, &o).peak, 1, &o);
    }
    lab_close(&lab);
}

/* ---- 4. failures --------------------------------------------------------- */

/* A failed run must leave nothing: no output, no temporary, and no chunk
 * alive once job_run has returned (backend.h: "every chunk is freed"),
 * including chunks parked in the reorder window when ordered. */
static void expect_clean_failure(const struct lab *lab, const struct options *o,
                                 const struct run *r, int want_rc)
{
    EXPECT_EQ(r->rc, want_rc, o);
    EXPECT(!file_exists(lab->out), o);
    EXPECT_EQ(count_temporaries(lab->dir), 0, o);
    EXPECT_EQ(r->left_after_run, 0, o);
    EXPECT_EQ(r->left_after_close, 0, o);
}

/* --fail-at-chunk at the first, a middle and the last chunk, with and without
 * a slow writer (so that some runs fail while both queues are full), ordered
 * or not. */
static void test_fail_at_chunk(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 30);
    struct lab lab;
    lab_open(&lab);
    write_input_of(lab.in, GEN_MIXED, 16 * KiB);
    static const int64_t at[] = { 0, 8, 15 };
    for (int b = 0; b < BACKENDS; b++) {
        for (int i = 0; i < 3; i++) {
            for (int variant = 0; variant < 4; variant++) {
                struct options o;
                lab_options(&lab, &o, all_backends[b], 4, 2, 1 * KiB);
                o.fail_at_chunk = at[i];
                o.writer_delay_us = variant & 1 ? 300 : 0;
                o.ordered = variant & 2;
                unlink(lab.out);
                struct run r = run_job(&o);
                expect_clean_failure(&lab, &o, &r, EX_SOFTWARE);
            }
        }
    }
    lab_close(&lab);
}

/* Exit codes the write-error child uses for what it cannot assert itself. */
enum { CHILD_NO_LIMIT = 99, CHILD_CHUNKS_AFTER_RUN = 100, CHILD_CHUNKS_AFTER_CLOSE = 101 };

/* A full disk, simulated: the child may write only `limit` bytes
 * (RLIMIT_FSIZE); with SIGXFSZ ignored, the write that crosses the limit fails
 * with EFBIG. The child runs the job and exits with job_run's code, or with a
 * CHILD_ code if chunks were left alive. A child, because the limit cannot be
 * lifted again in this process once lowered. */
static int run_job_with_file_limit(const struct options *o, rlim_t limit)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { limit, limit };
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(CHILD_NO_LIMIT);
        const struct backend *b = backend_find(o->backend);
        struct job job;
        int rc = job_open(&job, o, backend_for_job(b));
        if (rc == 0) {
            rc = job_run(&job);
            if (atomic_load(&job.inflight.chunks) != 0)
                rc = CHILD_CHUNKS_AFTER_RUN;
            job_close(&job);
            if (atomic_load(&job.inflight.chunks) != 0)
                rc = CHILD_CHUNKS_AFTER_CLOSE;
        }
        _exit(rc);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    EXPECT(WIFEXITED(status), o);
    return WEXITSTATUS(status);
}

static void test_write_error(void **state)
{
    (void)state;
    test_watchdog(SANITIZED ? 120 : 30);
    struct lab lab;
    lab_open(&lab);
    /* Random data does not compress: about 2 MiB of output, 64 KiB allowed. */
    write_input_of(lab.in, GEN_RANDOM, 2 * MiB);
    for (int b = 0; b < BACKENDS; b++) {
        for (int variant = 0; variant < 3; variant++) {
            struct options o;
            lab_options(&lab, &o, all_backends[b], 3, 2, 16 * KiB);
            o.ordered = variant == 1;
            o.format = variant == 2 ? WRITER_GZIP : WRITER_CONTAINER;
            EXPECT_EQ(run_job_with_file_limit(&o, 64 * KiB), EX_IOERR, &o);
            EXPECT(!file_exists(lab.out), &o);
            EXPECT_EQ(count_temporaries(lab.dir), 0, &o);
        }
    }
    lab_close(&lab);
}

/* The input shrinks between job_open (which takes its size) and job_run:
 * the reader comes up short, which is an I/O error, not a shorter output. */
static void test_input_shrinks(void **state)
{
    (void)state;
    test_watchdog(30);
    struct lab lab;
    lab_open(&lab);
    for (int i = 0; i < 2 * BACKENDS; i++) {
        uint64_t size = write_input_of(lab.in, GEN_TEXT, 64 * KiB);
        struct options o;
        lab_options(&lab, &o, all_backends[i / 2], 4, 2, 1 * KiB);
        o.ordered = i % 2;
        struct job job;
        assert_int_equal(job_open(&job, &o, backend_for_job(backend_find(o.backend))), 0);
        assert_int_equal(truncate(lab.in, (off_t)(size / 2)), 0);
        struct run r;
        memset(&r, 0, sizeof r);
        r.rc = job_run(&job);
        r.left_after_run = atomic_load(&job.inflight.chunks);
        job_close(&job);
        r.left_after_close = atomic_load(&job.inflight.chunks);
        expect_clean_failure(&lab, &o, &r, EX_IOERR);
    }
    lab_close(&lab);
}

/* More workers than CPU tokens: workers queue for tokens, nothing hangs. */
static void test_cpu_tokens_fewer_than_workers(void **state)
{
    (void)state;
    test_watchdog(30);
    struct lab lab;
    lab_open(&lab);
    write_patchwork(lab.in);
    static const char *const backends[] = { "bounded", "mutex", "unbounded", "lockfree" };
    for (int b = 0; b < 4; b++) {
        struct options o;
        lab_options(&lab, &o, backends[b], 8, 4, 1 * KiB);
        o.cpu_tokens = 2;
        o.stage_cost_us = 100;
        expect_round_trip_all_formats(&lab, o);
    }
    lab_close(&lab);
}

/* ---- 5. signals, on the real program ------------------------------------- */

static const char *pipelab_path(void)
{
    const char *p = getenv("PIPELAB");
    return p != NULL && p[0] != '\0' ? p : "build/pipelab";
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Run `pipelab process` slowly (20 ms per chunk written, about 2 s in all),
 * wait for its temporary output to appear (the run has started: that is the
 * event we wait for, not a length of time), send sig, and check the exit
 * status 128 + sig, the message, and that nothing is left behind. */
static void interrupt_pipelab(const char *backend, int sig)
{
    const char *bin = pipelab_path();
    if (access(bin, X_OK) != 0)
        fail_msg("cannot run %s: build it with `make` or set PIPELAB", bin);
    struct lab lab;
    lab_open(&lab);
    write_input_of(lab.in, GEN_TEXT, 100 * 16 * KiB);
    char errlog[300];
    snprintf(errlog, sizeof errlog, "%s/stderr", lab.dir);

    char *argv[] = { (char *)bin, "process", lab.in, lab.out, "--backend", (char *)backend,
                     "--workers", "2", "--chunk-size", "16K", "--stages", "compress",
                     "--level", "1", "--writer-delay-us", "20000", NULL };
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }

    int status;
    while (count_temporaries(lab.dir) == 0) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("%s ended (status %d) before writing anything", bin, status);
        sleep_ms(1);
    }
    assert_int_equal(kill(pid, sig), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 128 + sig)
        fail_msg("backend %s, signal %d: %s %d, expected exit %d", backend, sig,
                 WIFEXITED(status) ? "exit" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), 128 + sig);
    assert_false(file_exists(lab.out));
    /* The only dot file would be the temporary; stderr is not a dot file. */
    assert_int_equal(count_temporaries(lab.dir), 0);
    size_t len;
    char *err = (char *)slurp(errlog, &len);
    err = realloc(err, len + 1);
    assert_non_null(err);
    err[len] = '\0';
    assert_non_null(strstr(err, sig == SIGINT ? "SIGINT" : "SIGTERM"));
    free(err);
    lab_close(&lab);
}

static void test_sigint(void **state)
{
    (void)state;
    test_watchdog(60);
    for (int b = 0; b < BACKENDS; b++)
        interrupt_pipelab(all_backends[b], SIGINT);
}

static void test_sigterm(void **state)
{
    (void)state;
    test_watchdog(60);
    for (int b = 0; b < BACKENDS; b++)
        interrupt_pipelab(all_backends[b], SIGTERM);
}

/* ---- 6. metrics agree with the run --------------------------------------- */

/* Each chunk passes through each channel exactly once and is processed by
 * exactly one worker, so every count equals the chunk count. */
static void test_metrics_counts(void **state)
{
    (void)state;
    test_watchdog(30);
    struct lab lab;
    lab_open(&lab);
    uint64_t size = write_patchwork(lab.in);
    uint64_t chunks = chunk_count(size, 1 * KiB);
    static const unsigned pairs[][2] = { { 1, 1 }, { 2, 3 }, { 5, 2 }, { 8, 16 } };
    static const char *const backends[] = { "bounded", "unbounded", "lockfree" };
    for (int b = 0; b < 3; b++) {
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            for (int ordered = 0; ordered <= 1; ordered++) {
                struct options o;
                lab_options(&lab, &o, backends[b], pairs[i][0], pairs[i][1], 1 * KiB);
                o.ordered = ordered;
                o.stage_cost_us = 50; /* so that every worker gets some chunks */
                struct run r = expect_round_trip(&lab, &o);
                EXPECT(r.queues_used, &o);
                EXPECT_EQ(r.cpu_sent, chunks, &o);
                EXPECT_EQ(r.cpu_received, chunks, &o);
                EXPECT_EQ(r.writer_sent, chunks, &o);
                EXPECT_EQ(r.writer_received, chunks, &o);
                EXPECT_EQ(r.workers, o.workers, &o);
                EXPECT_EQ(r.worker_chunks, chunks, &o);
            }
        }
    }
    lab_close(&lab);
}

/* ---- 7. regressions: bugs found while writing this suite ----------------- */

/*
 * A failed ordered run must free the chunks parked in its reorder window
 * before job_run returns.
 *
 * With --ordered, the writer parks chunks that arrive ahead of a gap
 * (pipeline_deliver -> reorder_put). If the job then fails, nothing takes them
 * out again: until 0fed398 they stayed in job->reorder until job_close, so
 * job_run returned with chunks alive, against backend.h ("every chunk is
 * freed"). job_run now calls reorder_drop_parked on failure.
 * test_fail_at_chunk sees this only by chance; this test makes it certain.
 *
 * The input forces the situation: chunk 0 is text at level 9 (about 40 ms of
 * deflate), chunks 1-4 are zeros (about 1 ms each, plus a 1 ms stage cost so
 * the writer thread gets a CPU on a 2-core machine), and chunk 5 fails. The
 * second worker finishes 1-4 long before chunk 0 is done, the writer parks
 * them, and chunk 5's failure strands them. Before the fix: 4 chunks alive
 * after job_run for mutex, bounded and unbounded (serial never parks).
 */
static void test_failed_ordered_run_frees_parked_chunks(void **state)
{
    (void)state;
    test_watchdog(60);
    struct lab lab;
    lab_open(&lab);
    static const struct piece p[] = { { GEN_TEXT, 256 * KiB }, { GEN_ZEROS, 5 * 256 * KiB } };
    write_input(lab.in, p, 2);
    char report[512] = "";
    for (int b = 0; b < BACKENDS; b++) {
        int64_t worst = 0;
        for (int attempt = 0; attempt < 3; attempt++) {
            struct options o;
            lab_options(&lab, &o, all_backends[b], 2, 2, 256 * KiB);
            o.level = 9;
            o.cpu_tokens = 2;
            o.stage_cost_us = 1000;
            o.ordered = true;
            o.fail_at_chunk = 5;
            struct run r = run_job(&o);
            EXPECT_EQ(r.rc, EX_SOFTWARE, &o);
            EXPECT_EQ(r.left_after_close, 0, &o);
            if (r.left_after_run > worst)
                worst = r.left_after_run;
        }
        if (worst != 0)
            snprintf(report + strlen(report), sizeof report - strlen(report),
                     " %s=%lld", all_backends[b], (long long)worst);
    }
    lab_close(&lab);
    if (report[0] != '\0')
        fail_msg("chunks still alive after a failed ordered job_run (parked in the reorder "
                 "window?), most seen per backend:%s", report);
}

/*
 * A late failure: SIGINT or SIGTERM after the backend has returned.
 *
 * `pipelab process` (command_process in src/app/commands.c) keeps the signal
 * watcher running until signals_watch_stop, after job_run has returned, and
 * job_run itself still runs writer_finish (an fsync with --sync) after the
 * backend. A signal in that window makes the watcher call job_fail, which runs
 * the abort hooks. The backends' channels and the mutex backend's semaphore are
 * gone by then, so their hooks must be gone too (job_forget_abort). Fixed in
 * 025c6a7: before it, job_fail called chan_close on freed channels
 * (heap-use-after-free in chan_close, from job_abort_close_chan) and
 * tokens_cancel on mutex_run's dead stack frame.
 *
 * The test does what the watcher does, in a child process so that a crash or a
 * hang cannot take the suite down: a successful job_run, then
 * job_fail(job, 130, ...), then job_close. Expected: the child exits 0. Memory
 * misuse here is silent in a plain build; AddressSanitizer and ThreadSanitizer
 * builds are the ones that catch a regression.
 */
static int late_failure_in_child(const struct options *o)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20); /* a lock taken in freed memory may hang: test_watchdog_fired ends us */
        struct job job;
        if (job_open(&job, o, backend_for_job(backend_find(o->backend))) != 0)
            _exit(98);
        int rc = job_run(&job);
        job_fail(&job, 128 + SIGINT, "interrupted by SIGINT"); /* what signals.c does */
        job_close(&job);
        exit(rc); /* exit, not _exit: ThreadSanitizer turns its reports into exit code 66 */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_late_signal_is_harmless(void **state)
{
    (void)state;
    test_watchdog(60);
    struct lab lab;
    lab_open(&lab);
    write_patchwork(lab.in);
    char report[512] = "";
    for (int b = 0; b < BACKENDS; b++) {
        struct options o;
        lab_options(&lab, &o, all_backends[b], 2, 2, 4 * KiB);
        int status = late_failure_in_child(&o);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            snprintf(report + strlen(report), sizeof report - strlen(report), " %s=%s %d",
                     all_backends[b], WIFEXITED(status) ? "exit" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
    lab_close(&lab);
    if (report[0] != '\0')
        fail_msg("job_fail after a successful job_run (a late signal) breaks the process "
                 "(an abort hook still points at a backend's freed channel or semaphore?):%s",
                 report);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_backend_is_tested),
        cmocka_unit_test(test_round_trip_workers_by_depth),
        cmocka_unit_test(test_round_trip_small_chunks),
        cmocka_unit_test(test_round_trip_1m_chunks),
        cmocka_unit_test(test_round_trip_16m_chunks),
        cmocka_unit_test(test_round_trip_chunk_larger_than_file),
        cmocka_unit_test(test_ordered_small_window),
        cmocka_unit_test(test_bounded_peak_is_bounded),
        cmocka_unit_test(test_default_depth_grows_for_small_chunks),
        cmocka_unit_test(test_unbounded_peak_grows_with_file),
        cmocka_unit_test(test_mutex_peak_is_the_file),
        cmocka_unit_test(test_fail_at_chunk),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_input_shrinks),
        cmocka_unit_test(test_cpu_tokens_fewer_than_workers),
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_metrics_counts),
        cmocka_unit_test(test_failed_ordered_run_frees_parked_chunks),
        cmocka_unit_test(test_late_signal_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
