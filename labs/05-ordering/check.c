/*
 * check.c — lab 5's checks: does your reorder window put chunks back in
 * order, with bounded memory, without ever deadlocking?
 *
 *   - chunks that arrive in order come out at once; chunks that arrive out
 *     of order come out exactly when the gap before them is filled, never
 *     earlier (reorder_take returns NULL while `next` is missing);
 *   - reorder_admit(i) returns at once inside the window, and waits outside
 *     it until a take moves the window on; reorder_cancel wakes it with -1.
 *     Proven as in the other labs: a thread calls admit and records, when it
 *     returns, whether the check had already started the take that can
 *     release it. A correct admit can only see "yes";
 *   - a small pipeline (reader -> channel -> 4 workers with adversarial
 *     delays -> channel -> writer) built on your window: everything comes out
 *     in index order, at most window + 1 chunks are ever alive (counted with
 *     struct inflight), and it always finishes;
 *   - the real pipelab job with --ordered and --format gzip: gzip members
 *     written out of order would decompress to a scrambled file.
 */
#include "chancheck.h"
#include "labjob.h"

#include "chunk.h"
#include "reorder.h"

#include <stdio.h>
#include <stdlib.h>

static struct chunk *mk(uint64_t index)
{
    return chunk_new(NULL, index, 8);
}

static struct reorder *new_window(uint64_t window)
{
    struct reorder *r = calloc(1, sizeof *r);
    LAB_REQUIRE(reorder_init(r, window) == 0, "reorder_init failed");
    return r;
}

/* Take everything that is ready; append the indices to out[]. */
static size_t drain(struct reorder *r, uint64_t *out, size_t n)
{
    struct chunk *c;
    while ((c = reorder_take(r)) != NULL) {
        out[n++] = c->index;
        chunk_free(c);
    }
    return n;
}

/* ---- 1. the order ------------------------------------------------------ */

static void in_order_arrivals_come_out_at_once(void **state)
{
    (void)state;
    struct reorder *r = new_window(4);
    for (uint64_t i = 0; i < 20; i++) {
        LAB_REQUIRE(reorder_admit(r, i) == 0, "reorder_admit(%llu) failed", (unsigned long long)i);
        reorder_put(r, mk(i));
        struct chunk *c = reorder_take(r);
        LAB_REQUIRE(c != NULL, "chunk %llu was put and it is the next one, but reorder_take returned NULL",
                    (unsigned long long)i);
        LAB_REQUIRE(c->index == i, "reorder_take returned chunk %llu, expected %llu",
                    (unsigned long long)c->index, (unsigned long long)i);
        chunk_free(c);
        LAB_REQUIRE(reorder_take(r) == NULL, "after taking chunk %llu, reorder_take returned another "
                    "chunk although none was put", (unsigned long long)i);
    }
    reorder_destroy(r);
    free(r);
}

static void scrambled_arrivals_come_out_in_order(void **state)
{
    (void)state;
    struct reorder *r = new_window(8);
    for (uint64_t i = 0; i < 8; i++)
        reorder_admit(r, i);
    /* Put in this order; after each put, what may come out? */
    static const uint64_t arrive[8] = { 3, 1, 0, 2, 7, 5, 6, 4 };
    static const size_t ready_after[8] = { 0, 0, 2, 4, 4, 4, 4, 8 };
    uint64_t out[16];
    size_t n = 0;
    char arrived[32] = "";
    for (int k = 0; k < 8; k++) {
        reorder_put(r, mk(arrive[k]));
        snprintf(arrived + 2 * k, sizeof arrived - 2 * (size_t)k, " %llu", (unsigned long long)arrive[k]);
        n = drain(r, out, n);
        LAB_REQUIRE(n == ready_after[k], "window 8: after chunks%s arrived (in that order), %zu chunks "
                    "should have come out, but %zu did", arrived, ready_after[k], n);
    }
    for (uint64_t i = 0; i < 8; i++)
        LAB_REQUIRE(out[i] == i, "chunk number %llu out was chunk %llu: not index order",
                    (unsigned long long)i, (unsigned long long)out[i]);
    LAB_REQUIRE(r->parked_max >= 4 && r->parked_max <= 8, "parked_max should count the chunks that "
                "waited in the window (4 at most here, at one moment); it says %llu",
                (unsigned long long)r->parked_max);
    reorder_destroy(r);
    free(r);
}

/* ---- 2. the window ----------------------------------------------------- */

struct admit_call {
    struct reorder *r;
    uint64_t index;
    int rc;
    atomic_int released;        /* set by the check just before it acts */
    int released_seen;          /* what admit's return saw */
    atomic_int done;
};

static void *admit_thread(void *arg)
{
    struct admit_call *a = arg;
    a->rc = reorder_admit(a->r, a->index);
    a->released_seen = atomic_load(&a->released);
    atomic_store(&a->done, 1);
    return NULL;
}

static struct admit_call *start_admit(struct reorder *r, uint64_t index, pthread_t *t)
{
    struct admit_call *a = calloc(1, sizeof *a);
    a->r = r;
    a->index = index;
    *t = lab_thread(admit_thread, a);
    return a;
}

static void admit_waits_for_the_window(void **state)
{
    (void)state;
    struct reorder *r = new_window(4);
    pthread_t t;
    for (uint64_t i = 0; i < 4; i++) {
        struct admit_call *a = start_admit(r, i, &t);
        LAB_REQUIRE(lab_wait_flag(&a->done, 1, lab_patience_ms()),
                    "window 4, nothing written yet: reorder_admit(%llu) should return at once, it waited",
                    (unsigned long long)i);
        lab_join(t);
        free(a);
    }
    for (uint64_t i = 4; i < 8; i++) {
        struct admit_call *a = start_admit(r, i, &t);
        LAB_REQUIRE(!lab_wait_flag(&a->done, 1, LAB_LOOK_MS),
                    "window 4, chunks %llu..%llu admitted, none written: reorder_admit(%llu) returned at "
                    "once; it must wait until chunk %llu is taken", (unsigned long long)(i - 4),
                    (unsigned long long)(i - 1), (unsigned long long)i, (unsigned long long)(i - 4));
        atomic_store(&a->released, 1);
        reorder_put(r, mk(i - 4));
        struct chunk *c = reorder_take(r);
        LAB_REQUIRE(c != NULL && c->index == i - 4, "reorder_take did not return chunk %llu",
                    (unsigned long long)(i - 4));
        chunk_free(c);
        LAB_REQUIRE(lab_wait_flag(&a->done, 1, lab_patience_ms()),
                    "chunk %llu was taken, so the window moved on, but reorder_admit(%llu) stayed asleep "
                    "(does reorder_take broadcast `advanced`?)", (unsigned long long)(i - 4),
                    (unsigned long long)i);
        lab_join(t);
        LAB_REQUIRE(a->released_seen && a->rc == 0, "reorder_admit(%llu) returned %d before the take "
                    "that moved the window", (unsigned long long)i, a->rc);
        free(a);
    }
    reorder_destroy(r);
    free(r);
}

static void cancel_wakes_a_waiting_admit(void **state)
{
    (void)state;
    struct reorder *r = new_window(2);
    pthread_t t;
    struct admit_call *a = start_admit(r, 5, &t);
    LAB_REQUIRE(!lab_wait_flag(&a->done, 1, LAB_LOOK_MS),
                "window 2, nothing written: reorder_admit(5) returned at once; it must wait");
    atomic_store(&a->released, 1);
    reorder_cancel(r);
    LAB_REQUIRE(lab_wait_flag(&a->done, 1, lab_patience_ms()),
                "reorder_cancel broadcasts, but the waiting reorder_admit never returned: does its "
                "wait loop also test `cancelled`?");
    lab_join(t);
    LAB_REQUIRE(a->rc == -1, "a reorder_admit woken by cancel must return -1, it returned %d", a->rc);
    free(a);
    reorder_destroy(r);
    free(r);
}

/* ---- 3. a small pipeline with adversarial delays ----------------------- */

#define MINI_CHUNKS 300
#define MINI_WINDOW 6
#define MINI_WORKERS 4

struct mini {
    struct reorder r;
    struct inflight acct;
    struct chan *to_workers, *to_writer;
    atomic_int workers_left;
    atomic_int writer_done;
    uint64_t out[MINI_CHUNKS];
    size_t n_out;
    bool reader_cancelled;
};

static void *mini_reader(void *arg)
{
    struct mini *m = arg;
    for (uint64_t i = 0; i < MINI_CHUNKS; i++) {
        if (reorder_admit(&m->r, i) != 0) {
            m->reader_cancelled = true;
            break;
        }
        if (chan_send(m->to_workers, chunk_new(&m->acct, i, 64)) != CHAN_OK)
            break;
    }
    chan_close(m->to_workers);
    return NULL;
}

/* The adversary: the first chunk of every group of 5 is slow, so the chunks
 * behind it overtake it and must wait in the window. */
static void *mini_worker(void *arg)
{
    struct mini *m = arg;
    void *item;
    while (chan_recv(m->to_workers, &item) == CHAN_OK) {
        struct chunk *c = item;
        if (c->index % 5 == 0)
            lab_pause_us(1500);
        else if (c->index % 3 == 0)
            lab_pause_us(300);
        chan_send(m->to_writer, c);
    }
    if (atomic_fetch_sub(&m->workers_left, 1) == 1)
        chan_close(m->to_writer);
    return NULL;
}

static void *mini_writer(void *arg)
{
    struct mini *m = arg;
    void *item;
    while (chan_recv(m->to_writer, &item) == CHAN_OK) {
        reorder_put(&m->r, item);
        struct chunk *c;
        while ((c = reorder_take(&m->r)) != NULL) {
            if (m->n_out < MINI_CHUNKS)
                m->out[m->n_out++] = c->index;
            chunk_free(c);
        }
    }
    atomic_store(&m->writer_done, 1);
    return NULL;
}

static void window_bounds_memory_under_adversarial_delays(void **state)
{
    (void)state;
    struct mini *m = calloc(1, sizeof *m);
    LAB_REQUIRE(reorder_init(&m->r, MINI_WINDOW) == 0, "reorder_init failed");
    inflight_init(&m->acct);
    m->to_workers = lab_chan_new(2);
    m->to_writer = lab_chan_new(2);
    atomic_init(&m->workers_left, MINI_WORKERS);
    pthread_t t[MINI_WORKERS + 2];
    t[0] = lab_thread(mini_writer, m);
    for (int i = 0; i < MINI_WORKERS; i++)
        t[1 + i] = lab_thread(mini_worker, m);
    t[MINI_WORKERS + 1] = lab_thread(mini_reader, m);
    if (!lab_wait_flag(&m->writer_done, 1, 3 * lab_patience_ms())) {
        reorder_cancel(&m->r); /* free the reader, if that is where it is stuck */
        LAB_REQUIRE(false, "the pipeline never finished: %zu of %d chunks came out. The writer waits "
                    "for chunk %zu; was it lost (two chunks in one slot?), or is the reader waiting "
                    "in reorder_admit for a window that never moves?", m->n_out, MINI_CHUNKS, m->n_out);
    }
    for (int i = 0; i < MINI_WORKERS + 2; i++)
        lab_join(t[i]);
    for (size_t k = 0; k < m->n_out; k++)
        LAB_REQUIRE(m->out[k] == k, "chunk number %zu written was chunk %llu: not index order",
                    k, (unsigned long long)m->out[k]);
    LAB_REQUIRE(m->n_out == MINI_CHUNKS, "only %zu of %d chunks came out of the window; chunk %zu was "
                "lost (put into a slot that was not free?)", m->n_out, MINI_CHUNKS, m->n_out);
    int64_t peak = atomic_load(&m->acct.peak_chunks);
    lab_note("%d chunks through 4 workers with adversarial delays, window %d: at most %lld alive, "
             "at most %llu parked", MINI_CHUNKS, MINI_WINDOW, (long long)peak,
             (unsigned long long)m->r.parked_max);
    LAB_REQUIRE(peak <= MINI_WINDOW + 1, "with a window of %d, at most %d chunks may be alive at once "
                "(the window, plus the one being written); %lld were. Does reorder_admit make the "
                "reader wait while index >= next + window?", MINI_WINDOW, MINI_WINDOW + 1, (long long)peak);
    chan_destroy(m->to_workers);
    chan_destroy(m->to_writer);
    reorder_destroy(&m->r);
    free(m);
}

/* ---- 4. the real pipeline ---------------------------------------------- */

static void real_pipeline_writes_in_order(void **state)
{
    (void)state;
    struct lab_job runs[] = {
        { .backend = "bounded", .workers = 4, .depth = 2, .chunks = 64, .gzip = true, .window = 3 },
        { .backend = "bounded", .workers = 4, .depth = 4, .chunks = 64, .gzip = true },
        { .backend = "unbounded", .workers = 3, .depth = 2, .chunks = 48, .ordered = true, .window = 4 },
    };
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        struct lab_job *j = &runs[k];
        int rc = lab_job_run(j);
        LAB_REQUIRE(rc == 0, "pipelab --backend %s %s with your window exited with %d (%s)", j->backend,
                    j->gzip ? "--format gzip" : "--ordered", rc, j->message);
        char why[256];
        LAB_REQUIRE(lab_job_output_ok(j, why, sizeof why), "pipelab --backend %s %s with your window: %s",
                    j->backend, j->gzip ? "--format gzip" : "--ordered", why);
        LAB_REQUIRE(j->chunks_left == 0, "%lld chunks were never freed", (long long)j->chunks_left);
        if (j->window)
            LAB_REQUIRE(j->parked_max <= j->window, "--window %u, but %llu chunks were parked at once",
                        j->window, (unsigned long long)j->parked_max);
        lab_note("pipelab --backend %s %s%s: %u chunks in order, at most %llu parked, peak %lld in flight",
                 j->backend, j->gzip ? "--format gzip" : "--ordered", j->window ? " (small window)" : "",
                 j->chunks, (unsigned long long)j->parked_max, (long long)j->peak_chunks);
        lab_job_cleanup(j);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(in_order_arrivals_come_out_at_once),
    cmocka_unit_test(scrambled_arrivals_come_out_in_order),
    cmocka_unit_test(admit_waits_for_the_window),
    cmocka_unit_test(cancel_wakes_a_waiting_admit),
    cmocka_unit_test(window_bounds_memory_under_adversarial_delays),
    cmocka_unit_test(real_pipeline_writes_in_order),
};

LAB_MAIN("lab 5: ordering", tests)
