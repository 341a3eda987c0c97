/*
 * test_chunk_spares.c — freed chunks kept for reuse (chunk_spares.h), as
 * chunk_new and chunk_free use them through struct inflight.
 *
 * What must hold:
 *   - a chunk freed into the spares comes back from the next chunk_new, with
 *     its buffer and every other field as a new chunk's;
 *   - a spare is not in flight: the counters of struct inflight go to zero
 *     when it is freed and up again when it is taken;
 *   - chunks of another buffer size, and chunks beyond the spares' room, are
 *     freed, not kept (AddressSanitizer's leak check sees the rest, and the
 *     spares left at the end, freed by chunk_spares_destroy);
 *   - across threads (a reader that allocates, a writer that frees, as in
 *     the pipeline) no buffer is ever in two chunks at once: each chunk's
 *     bytes arrive as written. This one also runs under ThreadSanitizer.
 */
#include "testutil.h"

#include "chan_lockfree.h"
#include "chunk.h"
#include "chunk_spares.h"

#define CAP 64

/* Counters with room for count spares of CAP bytes, as a run sets them up. */
static void acct_with_spares(struct inflight *acct, size_t count)
{
    inflight_init(acct);
    acct->spares = chunk_spares_new(count, CAP);
    assert_non_null(acct->spares);
}

static void test_a_freed_chunk_comes_back_as_new(void **state)
{
    (void)state;
    test_watchdog(10);
    struct inflight acct;
    acct_with_spares(&acct, 4);

    struct chunk *c = chunk_new(&acct, 7, CAP);
    uint8_t *buffer = c->data;
    c->len = 10;
    c->is_final = true;
    c->raw_len = 10;
    c->t.worker = 1;
    assert_int_equal(atomic_load(&acct.chunks), 1);
    chunk_free(c);
    assert_int_equal(atomic_load(&acct.chunks), 0);
    assert_int_equal(atomic_load(&acct.bytes), 0);

    struct chunk *again = chunk_new(&acct, 8, CAP);
    assert_ptr_equal(again->data, buffer);
    assert_int_equal(again->index, 8);
    assert_int_equal(again->len, 0);
    assert_false(again->is_final);
    assert_int_equal(again->raw_len, 0);
    assert_int_equal(again->t.worker, -1);
    assert_ptr_equal(again->acct, &acct);
    assert_int_equal(atomic_load(&acct.chunks), 1);
    assert_int_equal(atomic_load(&acct.bytes), CAP);
    assert_int_equal(atomic_load(&acct.peak_chunks), 1);
    chunk_free(again);
    chunk_spares_destroy(acct.spares);
}

static void test_other_sizes_and_overflow_are_freed(void **state)
{
    (void)state;
    test_watchdog(10);
    struct inflight acct;
    acct_with_spares(&acct, 2);

    chunk_free(chunk_new(&acct, 0, CAP / 2)); /* another size: freed */
    assert_null(chunk_spares_take(acct.spares, CAP));

    struct chunk *c[3];
    for (int i = 0; i < 3; i++)
        c[i] = chunk_new(&acct, (uint64_t)i, CAP);
    for (int i = 0; i < 3; i++)
        chunk_free(c[i]); /* room for two: the third is freed */
    assert_int_equal(atomic_load(&acct.chunks), 0);

    struct chunk *a = chunk_spares_take(acct.spares, CAP);
    struct chunk *b = chunk_spares_take(acct.spares, CAP);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(chunk_spares_take(acct.spares, CAP));
    /* Spares are counted nowhere: give them back, let destroy free them. */
    assert_true(chunk_spares_give(acct.spares, a));
    assert_true(chunk_spares_give(acct.spares, b));
    chunk_spares_destroy(acct.spares);
}

static void test_a_smaller_request_may_reuse_a_spare(void **state)
{
    (void)state;
    test_watchdog(10);
    struct inflight acct;
    acct_with_spares(&acct, 2);
    chunk_free(chunk_new(&acct, 0, CAP));
    struct chunk *c = chunk_new(&acct, 1, CAP - 1);
    assert_int_equal(c->cap, CAP); /* the spare's buffer, counted at its size */
    assert_int_equal(atomic_load(&acct.bytes), CAP);
    chunk_free(c);
    struct chunk *big = chunk_new(&acct, 2, CAP + 1); /* too big for a spare */
    assert_int_equal(big->cap, CAP + 1);
    struct chunk *spare = chunk_spares_take(acct.spares, CAP);
    assert_non_null(spare); /* still there */
    assert_true(chunk_spares_give(acct.spares, spare));
    chunk_free(big); /* not of the spares' size: freed */
    chunk_spares_destroy(acct.spares);
}

/* ---- across threads ---------------------------------------------------- */

#define CHUNKS 200000

struct handover {
    struct inflight acct;
    struct chan_lockfree *ch;
    atomic_int bad;
};

/* Fill a chunk with bytes that say which chunk it is. */
static void stamp(struct chunk *c)
{
    for (size_t i = 0; i < CAP; i++)
        c->data[i] = (uint8_t)(c->index * 31 + i);
    c->len = CAP;
}

static bool stamped(const struct chunk *c)
{
    for (size_t i = 0; i < c->len; i++)
        if (c->data[i] != (uint8_t)(c->index * 31 + i))
            return false;
    return c->len == CAP;
}

static void *reader(void *arg)
{
    struct handover *h = arg;
    for (uint64_t i = 0; i < CHUNKS; i++) {
        struct chunk *c = chunk_new(&h->acct, i, CAP);
        stamp(c);
        if (chan_lockfree_send(h->ch, c) != CHAN_OK) {
            atomic_store(&h->bad, 1); /* cmocka's asserts belong to the main thread */
            chunk_free(c);
            break;
        }
    }
    chan_lockfree_close(h->ch);
    return NULL;
}

static void *writer(void *arg)
{
    struct handover *h = arg;
    void *item;
    uint64_t expect = 0;
    while (chan_lockfree_recv(h->ch, &item) == CHAN_OK) {
        struct chunk *c = item;
        if (c->index != expect++ || !stamped(c))
            atomic_store(&h->bad, 1);
        memset(c->data, 0xee, c->cap); /* a reuse while still ours would show */
        chunk_free(c);
    }
    if (expect != CHUNKS)
        atomic_store(&h->bad, 1);
    return NULL;
}

static void test_reader_and_writer_threads_share_spares(void **state)
{
    (void)state;
    test_watchdog(60);
    struct handover h;
    acct_with_spares(&h.acct, 16);
    h.ch = chan_lockfree_new(8, NULL);
    atomic_init(&h.bad, 0);
    assert_non_null(h.ch);
    pthread_t r = test_start_thread(reader, &h);
    pthread_t w = test_start_thread(writer, &h);
    test_join_thread(r);
    test_join_thread(w);
    assert_int_equal(atomic_load(&h.bad), 0);
    assert_int_equal(atomic_load(&h.acct.chunks), 0);
    /* At most 8 in the channel, one the reader is sending, one the writer has. */
    assert_true(atomic_load(&h.acct.peak_chunks) <= 8 + 2);
    chan_lockfree_destroy(h.ch);
    chunk_spares_destroy(h.acct.spares);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_freed_chunk_comes_back_as_new),
        cmocka_unit_test(test_other_sizes_and_overflow_are_freed),
        cmocka_unit_test(test_a_smaller_request_may_reuse_a_spare),
        cmocka_unit_test(test_reader_and_writer_threads_share_spares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
