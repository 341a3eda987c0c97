/*
 * test_gen.c — the test-data generator keeps its promises (see src/prim/gen.h).
 *
 *   same (kind, seed) -> same bytes; another seed -> other bytes
 *   the stream does not depend on how gen_fill calls cut it
 *   the first MiB of every kind is pinned by a hash (catches any change to the
 *   stream, and any machine that makes different bytes)
 *   zeros are zeros, random does not compress, text compresses about 3:1 and
 *   is printable, mixed holds all three
 *   gen_kind_parse knows the four names and nothing else
 */
#include "testutil.h"

#include <zlib.h>

#include "gen.h"
#include "stages.h"

#define MIB ((size_t)1 << 20)

static const enum gen_kind all_kinds[] = {GEN_TEXT, GEN_RANDOM, GEN_ZEROS, GEN_MIXED};
static const char *const kind_names[] = {"text", "random", "zeros", "mixed"};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

/* ---- helpers ------------------------------------------------------------- */

static uint8_t *xmalloc(size_t n)
{
    uint8_t *p = malloc(n);
    assert_non_null(p);
    return p;
}

/* len bytes of (kind, seed), made in one gen_fill call, in a new buffer. */
static uint8_t *generate(enum gen_kind kind, uint64_t seed, size_t len)
{
    struct gen *g = gen_new(kind, seed);
    assert_non_null(g);
    uint8_t *buf = xmalloc(len);
    gen_fill(g, buf, len);
    gen_free(g);
    return buf;
}

/* Fail with the first differing offset (assert_memory_equal would list every
 * differing byte of a multi-megabyte buffer). */
static void assert_same_bytes(const uint8_t *a, const uint8_t *b, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (a[i] != b[i])
            fail_msg("%s: streams differ at byte %zu", what, i);
    }
}

/* Compressed size of buf at pipelab's default level. */
static size_t deflated_size(const uint8_t *buf, size_t len)
{
    uLongf out_len = compressBound(len);
    uint8_t *out = xmalloc(out_len);
    assert_int_equal(compress2(out, &out_len, buf, len, STAGE_DEFAULT_LEVEL), Z_OK);
    free(out);
    return out_len;
}

/* FNV-1a, 64 bit: a tiny hash good enough to pin a stream. */
static uint64_t fnv1a(const uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= buf[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* The test's own tiny PRNG (xorshift64), for chunk sizes. */
static uint64_t test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* ---- determinism --------------------------------------------------------- */

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    test_watchdog(30);
    for (size_t k = 0; k < NKINDS; k++) {
        uint8_t *a = generate(all_kinds[k], 12345, MIB);
        uint8_t *b = generate(all_kinds[k], 12345, MIB);
        assert_same_bytes(a, b, MIB, kind_names[k]);
        free(a);
        free(b);
    }
}

/* zeros has nothing for a seed to change; every other kind must differ. */
static void test_other_seed_other_bytes(void **state)
{
    (void)state;
    test_watchdog(30);
    for (size_t k = 0; k < NKINDS; k++) {
        if (all_kinds[k] == GEN_ZEROS)
            continue;
        uint8_t *a = generate(all_kinds[k], 1, MIB);
        uint8_t *b = generate(all_kinds[k], 2, MIB);
        if (memcmp(a, b, MIB) == 0)
            fail_msg("%s: seeds 1 and 2 gave the same bytes", kind_names[k]);
        free(a);
        free(b);
    }
}

/* Cutting the stream into calls of 1..100,000 bytes (and some empty calls)
 * gives exactly the bytes of one big call. The sizes cross block boundaries
 * at every possible offset, which is where a bug would hide. */
static void test_split_independent(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 3 * MIB;
    for (size_t k = 0; k < NKINDS; k++) {
        uint8_t *whole = generate(all_kinds[k], 777, len);
        uint8_t *pieces = xmalloc(len);
        struct gen *g = gen_new(all_kinds[k], 777);
        assert_non_null(g);

        uint64_t rng = 0x9e3779b97f4a7c15u;
        size_t done = 0;
        while (done < len) {
            size_t n = 1 + (size_t)(test_rand(&rng) % 100000);
            if (n > len - done)
                n = len - done;
            gen_fill(g, pieces + done, n);
            gen_fill(g, pieces + done + n, 0); /* an empty call changes nothing */
            done += n;
        }
        gen_free(g);
        assert_same_bytes(whole, pieces, len, kind_names[k]);
        free(whole);
        free(pieces);
    }
}

/* The first MiB of each kind for seed 42, pinned. This is the "same bytes on
 * every machine" promise: run on a big-endian or 32-bit machine, a different
 * hash means the stream is not portable. If you change the generator on
 * purpose, every experiment's input changes too: update these values (the
 * failure message prints the new one) and say so in the commit. */
static void test_golden_hashes(void **state)
{
    (void)state;
    test_watchdog(30);
    static const uint64_t want[NKINDS] = {
        UINT64_C(0x3756c1c41f39e01f), /* text */
        UINT64_C(0x2a1d3986fa3a4ffe), /* random */
        UINT64_C(0xa96777069d622325), /* zeros */
        UINT64_C(0xc6dfe894f8fe149e), /* mixed */
    };
    for (size_t k = 0; k < NKINDS; k++) {
        uint8_t *buf = generate(all_kinds[k], 42, MIB);
        uint64_t got = fnv1a(buf, MIB);
        free(buf);
        if (got != want[k])
            fail_msg("%s: first MiB hashes to 0x%016llx, expected 0x%016llx", kind_names[k],
                     (unsigned long long)got, (unsigned long long)want[k]);
    }
}

/* ---- what each kind looks like ------------------------------------------- */

static void test_zeros_are_zero(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 3 * MIB + 17; /* not a whole number of blocks */
    uint8_t *buf = generate(GEN_ZEROS, 5, len);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != 0)
            fail_msg("byte %zu is %u, not 0", i, buf[i]);
    }
    free(buf);
}

/* Each byte value's count over 4 MiB is 16384 on average with a standard
 * deviation of about 128; +-5% is a six-sigma bound. And deflate must not find
 * anything to squeeze: it gains less than 1%. */
static void test_random_has_no_structure(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 4 * MIB;
    uint8_t *buf = generate(GEN_RANDOM, 99, len);

    size_t count[256] = {0};
    for (size_t i = 0; i < len; i++)
        count[buf[i]]++;
    const size_t expected = len / 256;
    for (int v = 0; v < 256; v++) {
        if (count[v] < expected - expected / 20 || count[v] > expected + expected / 20)
            fail_msg("byte value %d occurs %zu times, expected about %zu", v, count[v], expected);
    }

    size_t packed = deflated_size(buf, len);
    if (packed < len - len / 100)
        fail_msg("random data deflated to %zu of %zu bytes", packed, len);
    free(buf);
}

/* Printable ASCII, spaces and line breaks only; sentences and paragraphs. */
static void test_text_is_printable_prose(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 8 * MIB;
    uint8_t *buf = generate(GEN_TEXT, 2024, len);

    size_t periods = 0, capitals = 0, paragraphs = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        if (c != '\n' && (c < ' ' || c > '~'))
            fail_msg("byte %zu is 0x%02x, not printable", i, c);
        periods += c == '.';
        capitals += c >= 'A' && c <= 'Z';
        paragraphs += c == '\n' && i > 0 && buf[i - 1] == '\n';
    }
    assert_true(buf[0] >= 'A' && buf[0] <= 'Z'); /* it starts with a sentence */
    assert_true(periods > 1000);
    assert_true(capitals > 1000);
    assert_true(paragraphs > 100);
    free(buf);
}

/* Prose-like compressibility: zlib level 6 between 2.7:1 and 3.4:1. */
static void test_text_compresses_like_prose(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 8 * MIB;
    uint8_t *buf = generate(GEN_TEXT, 2024, len);
    double ratio = (double)len / (double)deflated_size(buf, len);
    free(buf);
    if (ratio < 2.7 || ratio > 3.4)
        fail_msg("text compresses %.3f:1 at level 6, want 2.7 to 3.4", ratio);
}

/* Classify each aligned 64 KiB window of 8 MiB of mixed data: all zero,
 * compressible (deflates to under half), incompressible (gains under 1%).
 * Every class must occur. */
static void test_mixed_has_every_kind(void **state)
{
    (void)state;
    test_watchdog(30);
    const size_t len = 8 * MIB, win = 64 * 1024;
    uint8_t *buf = generate(GEN_MIXED, 31337, len);

    size_t zero = 0, compressible = 0, incompressible = 0;
    for (size_t off = 0; off < len; off += win) {
        const uint8_t *w = buf + off;
        size_t nonzero = 0;
        for (size_t i = 0; i < win; i++)
            nonzero += w[i] != 0;
        if (nonzero == 0) {
            zero++;
            continue;
        }
        size_t packed = deflated_size(w, win);
        compressible += packed < win / 2;
        incompressible += packed >= win - win / 100;
    }
    print_message("mixed: %zu zero, %zu compressible, %zu incompressible windows of %zu\n",
                  zero, compressible, incompressible, len / win);
    assert_true(zero >= 1);
    assert_true(compressible >= 1);
    assert_true(incompressible >= 1);
    free(buf);
}

/* ---- names --------------------------------------------------------------- */

static void test_kind_parse(void **state)
{
    (void)state;
    test_watchdog(30);
    for (size_t k = 0; k < NKINDS; k++) {
        enum gen_kind kind = GEN_ZEROS;
        assert_int_equal(gen_kind_parse(kind_names[k], &kind), 0);
        assert_int_equal(kind, all_kinds[k]);
    }

    static const char *const bad[] = {"", "Text", "binary", "zero", "texts", "mixed "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum gen_kind kind;
        assert_int_equal(gen_kind_parse(bad[i], &kind), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_other_seed_other_bytes),
        cmocka_unit_test(test_split_independent),
        cmocka_unit_test(test_golden_hashes),
        cmocka_unit_test(test_zeros_are_zero),
        cmocka_unit_test(test_random_has_no_structure),
        cmocka_unit_test(test_text_is_printable_prose),
        cmocka_unit_test(test_text_compresses_like_prose),
        cmocka_unit_test(test_mixed_has_every_kind),
        cmocka_unit_test(test_kind_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
