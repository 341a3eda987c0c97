/*
 * test_container.c — the container format (container.h) and the processing
 * stages (stages.h), as units, without threads; and whole files built from
 * those units through restore, verify and inspect (restore.h).
 *
 * Format: every structure survives encode -> decode with all its fields; any
 * single flipped bit of an encoded header or footer is refused; the digest of
 * the plaintext does not depend on the order chunks arrive in.
 *
 * Stages: the list parser accepts sensible lists and refuses the rest with a
 * reason; stage_forward then stage_reverse gives back the original bytes for
 * every list and size; and reverse refuses a wrong key, a moved chunk or an
 * altered byte, saying why.
 *
 * Readers: every reserved byte and unused field set to non-zero is refused
 * with one line naming it; Argon2id limits above what process writes are
 * refused before any key is derived; a footer claiming fewer chunks than the
 * file holds says so; a read error after the footer is an I/O error that
 * leaves no output; inspect of a cut file names the cut chunk.
 */
#define _GNU_SOURCE /* fopencookie: a stream whose reads fail on demand */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/types.h>
#include <zlib.h>

#include "bytes.h"
#include "chunk.h"
#include "container.h"
#include "keys.h"
#include "options.h"
#include "restore.h"
#include "stages.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

static void parse_stages(const char *spec, unsigned level, struct stage_list *out)
{
    char why[256] = "";
    if (stage_list_parse(spec, level, out, why, sizeof why) != 0)
        fail_msg("stage_list_parse(\"%s\") refused it: %s", spec, why);
}

static void random_keys(struct stage_keys *k)
{
    randombytes_buf(k->key, sizeof k->key);
    randombytes_buf(k->nonce_prefix, sizeof k->nonce_prefix);
    randombytes_buf(k->header_hash, sizeof k->header_hash);
}

/* A header as `pipelab process` makes one. */
static void make_header(struct container_header *h, const char *spec, unsigned level,
                        uint32_t chunk_size, bool passphrase)
{
    memset(h, 0, sizeof *h);
    h->version = CONTAINER_VERSION;
    parse_stages(spec, level, &h->stages);
    h->encrypted = stage_list_has(&h->stages, STAGE_ENCRYPT);
    h->passphrase = passphrase;
    h->chunk_size = chunk_size;
    randombytes_buf(h->nonce_prefix, sizeof h->nonce_prefix);
    if (passphrase) {
        randombytes_buf(h->salt, sizeof h->salt);
        h->opslimit = 2;
        h->memlimit = 64u << 20;
    }
}

static void assert_headers_equal(const struct container_header *a,
                                 const struct container_header *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->encrypted, b->encrypted);
    assert_int_equal(a->passphrase, b->passphrase);
    assert_int_equal(a->chunk_size, b->chunk_size);
    assert_int_equal(a->stages.count, b->stages.count);
    for (int i = 0; i < a->stages.count; i++) {
        assert_int_equal(a->stages.item[i].kind, b->stages.item[i].kind);
        assert_int_equal(a->stages.item[i].param, b->stages.item[i].param);
    }
    assert_memory_equal(a->nonce_prefix, b->nonce_prefix, sizeof a->nonce_prefix);
    assert_memory_equal(a->salt, b->salt, sizeof a->salt);
    assert_int_equal(a->opslimit, b->opslimit);
    assert_int_equal(a->memlimit, b->memlimit);
}

/* Recompute the header checksum (bytes 100..115 over 0..99, see format.md),
 * so that a test can make a header that is well sealed but says nonsense. */
static void reseal(uint8_t h[CONTAINER_HEADER_BYTES])
{
    crypto_generichash(h + 100, 16, h, 100, NULL, 0);
}

static void flip_bit(uint8_t *buf, size_t bit)
{
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* ---- header ------------------------------------------------------------- */

struct header_case {
    const char *spec;
    unsigned level;
    uint32_t chunk_size;
    bool passphrase;
};

static const struct header_case header_cases[] = {
    { "compress", STAGE_DEFAULT_LEVEL, 1u << 20, false },
    { "compress", 1, 1, false },
    { "compress", 9, CONTAINER_MAX_CHUNK, false },
    { "compress,encrypt", STAGE_DEFAULT_LEVEL, 4096, false },
    { "compress,encrypt", STAGE_DEFAULT_LEVEL, 65536, true },
    { "checksum,compress,spin:5,encrypt", 3, 7, false },
    { "checksum,compress,spin:5,encrypt", 9, 1u << 20, true },
    { "encrypt", STAGE_DEFAULT_LEVEL, 123456, false },
    { "encrypt", STAGE_DEFAULT_LEVEL, 123456, true },
    { "checksum", STAGE_DEFAULT_LEVEL, 100, false },
    { "spin:60000", STAGE_DEFAULT_LEVEL, 100, false },
};
#define HEADER_CASES (sizeof header_cases / sizeof header_cases[0])

static void test_header_roundtrip(void **state)
{
    (void)state;
    test_watchdog(10);
    for (size_t i = 0; i < HEADER_CASES; i++) {
        const struct header_case *hc = &header_cases[i];
        struct container_header h, back;
        uint8_t key[KEY_BYTES], bytes[CONTAINER_HEADER_BYTES], again[CONTAINER_HEADER_BYTES];
        char why[256] = "";
        randombytes_buf(key, sizeof key);
        make_header(&h, hc->spec, hc->level, hc->chunk_size, hc->passphrase);
        container_header_encode(&h, key, bytes);
        if (container_header_decode(bytes, &back, why, sizeof why) != 0)
            fail_msg("case %zu (%s): decode refused its own header: %s", i, hc->spec, why);
        assert_headers_equal(&h, &back);
        /* Encoding is a function of the header and key alone. */
        container_header_encode(&h, key, again);
        assert_memory_equal(bytes, again, sizeof bytes);
        /* The header hash is a function of the bytes. */
        uint8_t hash1[STAGE_HEADER_HASH_BYTES], hash2[STAGE_HEADER_HASH_BYTES];
        container_header_hash(bytes, hash1);
        container_header_hash(again, hash2);
        assert_memory_equal(hash1, hash2, sizeof hash1);
        /* Magic and version where format.md puts them. */
        assert_int_equal(bytes[0], 0x89);
        assert_memory_equal(bytes + 1, "PLAB", 4);
        assert_int_equal(get_le16(bytes + 8), CONTAINER_VERSION);
    }
}

static void test_header_key_check(void **state)
{
    (void)state;
    test_watchdog(10);
    for (int passphrase = 0; passphrase <= 1; passphrase++) {
        struct container_header h;
        uint8_t key[KEY_BYTES], other[KEY_BYTES], bytes[CONTAINER_HEADER_BYTES];
        randombytes_buf(key, sizeof key);
        make_header(&h, "compress,encrypt", 6, 4096, passphrase);
        container_header_encode(&h, key, bytes);
        assert_int_equal(container_key_check(bytes, key), 0);
        /* Any other key, even one bit away, is refused. */
        randombytes_buf(other, sizeof other);
        assert_int_equal(container_key_check(bytes, other), -1);
        for (int bit = 0; bit < KEY_BYTES * 8; bit += 37) {
            memcpy(other, key, sizeof other);
            flip_bit(other, (size_t)bit);
            assert_int_equal(container_key_check(bytes, other), -1);
        }
        memset(other, 0, sizeof other);
        assert_int_equal(container_key_check(bytes, other), -1);
    }
}

/* Every one of the 116 x 8 single-bit flips is refused: by decode (magic,
 * version, checksum), or else by the key check. */
static void check_header_flips(const char *spec, bool passphrase)
{
    struct container_header h, back;
    uint8_t key[KEY_BYTES], bytes[CONTAINER_HEADER_BYTES], bad[CONTAINER_HEADER_BYTES];
    randombytes_buf(key, sizeof key);
    make_header(&h, spec, STAGE_DEFAULT_LEVEL, 65536, passphrase);
    container_header_encode(&h, key, bytes);
    for (size_t bit = 0; bit < CONTAINER_HEADER_BYTES * 8; bit++) {
        memcpy(bad, bytes, sizeof bad);
        flip_bit(bad, bit);
        char why[256] = "";
        if (container_header_decode(bad, &back, why, sizeof why) != 0) {
            if (why[0] == '\0')
                fail_msg("%s: flip of bit %zu refused without a reason", spec, bit);
            continue;
        }
        if (h.encrypted && container_key_check(bad, key) != 0)
            continue;
        fail_msg("%s%s: header with bit %zu (byte %zu) flipped was accepted", spec,
                 passphrase ? " (passphrase)" : "", bit, bit / 8);
    }
}

static void test_header_every_bit_flip(void **state)
{
    (void)state;
    test_watchdog(30);
    check_header_flips("compress", false);
    check_header_flips("compress,encrypt", false);
    check_header_flips("compress,encrypt", true);
    check_header_flips("checksum,compress,spin:5,encrypt", false);
}

static void assert_decode_fails(const uint8_t bytes[CONTAINER_HEADER_BYTES], const char *word)
{
    struct container_header back;
    char why[256] = "";
    assert_int_equal(container_header_decode(bytes, &back, why, sizeof why), -1);
    if (strstr(why, word) == NULL)
        fail_msg("decode's reason \"%s\" does not mention \"%s\"", why, word);
}

/* Fields that are wrong even though the checksum matches. */
static void test_header_refuses_nonsense(void **state)
{
    (void)state;
    test_watchdog(10);
    struct container_header h;
    uint8_t key[KEY_BYTES], good[CONTAINER_HEADER_BYTES], b[CONTAINER_HEADER_BYTES];
    randombytes_buf(key, sizeof key);
    make_header(&h, "compress,encrypt", 6, 4096, false);
    container_header_encode(&h, key, good);

    memcpy(b, good, sizeof b);
    b[1] = 'X';
    assert_decode_fails(b, "magic");

    memcpy(b, good, sizeof b);
    put_le16(b + 8, 2);                 /* version 2, checksum not even looked at */
    assert_decode_fails(b, "version");
    put_le16(b + 8, 2);
    reseal(b);
    assert_decode_fails(b, "version");
    put_le16(b + 8, 0);
    reseal(b);
    assert_decode_fails(b, "version");

    memcpy(b, good, sizeof b);
    put_le32(b + 12, 0);                /* chunk size 0 */
    reseal(b);
    assert_decode_fails(b, "chunk size");
    put_le32(b + 12, CONTAINER_MAX_CHUNK + 1);
    reseal(b);
    assert_decode_fails(b, "chunk size");

    memcpy(b, good, sizeof b);
    put_le16(b + 10, 4);                /* an unknown flag */
    reseal(b);
    assert_decode_fails(b, "flags");

    memcpy(b, good, sizeof b);
    put_le16(b + 10, 0);                /* "not encrypted", yet encrypt is listed */
    reseal(b);
    assert_decode_fails(b, "encrypt");

    memcpy(b, good, sizeof b);
    b[16] = 5;                          /* five stages */
    reseal(b);
    assert_decode_fails(b, "stages");

    memcpy(b, good, sizeof b);
    b[20] = 9;                          /* stage kind 9 */
    reseal(b);
    assert_decode_fails(b, "stage");

    memcpy(b, good, sizeof b);
    put_le16(b + 22, 0);                /* compress level 0 */
    reseal(b);
    assert_decode_fails(b, "level");
    put_le16(b + 22, 10);
    reseal(b);
    assert_decode_fails(b, "level");

    memcpy(b, good, sizeof b);
    b[20] = STAGE_ENCRYPT;              /* encrypt,compress: an order process refuses */
    b[24] = STAGE_COMPRESS;
    put_le16(b + 22, 0);
    put_le16(b + 26, STAGE_DEFAULT_LEVEL);
    reseal(b);
    assert_decode_fails(b, "compress");

    memcpy(b, good, sizeof b);
    b[24] = STAGE_COMPRESS;             /* compress twice */
    put_le16(b + 26, STAGE_DEFAULT_LEVEL);
    reseal(b);
    assert_decode_fails(b, "twice");
}

/* ---- records ------------------------------------------------------------ */

static void test_record_roundtrip(void **state)
{
    (void)state;
    test_watchdog(10);
    static const struct container_record cases[] = {
        { 0, true, 0, 0, 0 },
        { 0, false, 4096, 1807, 0xdeadbeef },
        { 1, true, 1, 17, 0x12345678 },
        { UINT64_C(1) << 40, false, CONTAINER_MAX_CHUNK, UINT32_MAX, UINT32_MAX },
        { UINT64_C(0xfffffffffffffffd), true, 7, 23, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t bytes[CONTAINER_RECORD_BYTES];
        struct container_record back;
        memset(&back, 0xa5, sizeof back);
        container_record_encode(&cases[i], bytes);
        assert_int_equal(bytes[0], CONTAINER_RECORD_TAG);
        assert_int_equal(container_record_decode(bytes, &back), 0);
        assert_int_equal(back.index, cases[i].index);
        assert_int_equal(back.is_final, cases[i].is_final);
        assert_int_equal(back.raw_len, cases[i].raw_len);
        assert_int_equal(back.stored_len, cases[i].stored_len);
        assert_int_equal(back.crc, cases[i].crc);
    }
}

static void test_record_refuses(void **state)
{
    (void)state;
    test_watchdog(10);
    struct container_record r = { 5, false, 100, 50, 42 }, back;
    uint8_t good[CONTAINER_RECORD_BYTES], b[CONTAINER_RECORD_BYTES];
    container_record_encode(&r, good);

    memcpy(b, good, sizeof b);
    b[0] = CONTAINER_FOOTER_TAG;
    assert_int_equal(container_record_decode(b, &back), -1);
    b[0] = 'R' ^ 1;
    assert_int_equal(container_record_decode(b, &back), -1);

    memcpy(b, good, sizeof b);
    b[1] = 2;                           /* flags other than "final" */
    assert_int_equal(container_record_decode(b, &back), -1);
    b[1] = 0x81;
    assert_int_equal(container_record_decode(b, &back), -1);

    /* The two nonce indexes reserved for the key check and the footer. */
    memcpy(b, good, sizeof b);
    put_le64(b + 10, UINT64_C(0xfffffffffffffffe));
    assert_int_equal(container_record_decode(b, &back), -1);
    put_le64(b + 10, UINT64_MAX);
    assert_int_equal(container_record_decode(b, &back), -1);
}

/* ---- footer ------------------------------------------------------------- */

/* container_footer_decode, when the reason does not matter. */
static int decode_footer(const uint8_t in[CONTAINER_FOOTER_BYTES], const struct stage_keys *keys,
                         const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                         struct container_footer *f)
{
    char why[160];
    return container_footer_decode(in, keys, header_hash, f, why, sizeof why);
}

static void make_footer(struct container_footer *f)
{
    f->chunk_count = 1234;
    f->total_raw = UINT64_C(1234) * 65536 - 77;
    randombytes_buf(f->digest, sizeof f->digest);
}

static void check_footer(bool encrypted)
{
    struct stage_keys keys, other;
    struct container_footer f, back;
    uint8_t bytes[CONTAINER_FOOTER_BYTES], bad[CONTAINER_FOOTER_BYTES];
    random_keys(&keys);
    const struct stage_keys *k = encrypted ? &keys : NULL;
    make_footer(&f);
    container_footer_encode(&f, k, keys.header_hash, bytes);
    assert_int_equal(bytes[0], CONTAINER_FOOTER_TAG);

    memset(&back, 0, sizeof back);
    assert_int_equal(decode_footer(bytes, k, keys.header_hash, &back), 0);
    assert_int_equal(back.chunk_count, f.chunk_count);
    assert_int_equal(back.total_raw, f.total_raw);
    assert_memory_equal(back.digest, f.digest, sizeof f.digest);

    /* Every single-bit flip is refused. */
    for (size_t bit = 0; bit < CONTAINER_FOOTER_BYTES * 8; bit++) {
        memcpy(bad, bytes, sizeof bad);
        flip_bit(bad, bit);
        if (decode_footer(bad, k, keys.header_hash, &back) != -1)
            fail_msg("%s footer with bit %zu (byte %zu) flipped was accepted",
                     encrypted ? "encrypted" : "plain", bit, bit / 8);
    }

    /* It belongs to one file: another header hash is refused. */
    uint8_t hash[STAGE_HEADER_HASH_BYTES];
    memcpy(hash, keys.header_hash, sizeof hash);
    hash[7] ^= 0x10;
    assert_int_equal(decode_footer(bytes, k, hash, &back), -1);

    if (encrypted) {
        /* Another key, or no key at all, is refused. */
        other = keys;
        other.key[0] ^= 1;
        assert_int_equal(decode_footer(bytes, &other, keys.header_hash, &back), -1);
        assert_int_equal(decode_footer(bytes, NULL, keys.header_hash, &back), -1);
    } else {
        /* A plain footer does not pass as an encrypted one. */
        assert_int_equal(decode_footer(bytes, &keys, keys.header_hash, &back), -1);
    }
}

static void test_footer_plain(void **state)
{
    (void)state;
    test_watchdog(10);
    check_footer(false);
}

static void test_footer_encrypted(void **state)
{
    (void)state;
    test_watchdog(10);
    check_footer(true);
}

static void test_footer_zero(void **state)
{
    (void)state;
    test_watchdog(10);
    struct stage_keys keys;
    random_keys(&keys);
    struct container_footer f = { 0 }, back;
    uint8_t bytes[CONTAINER_FOOTER_BYTES];
    container_footer_encode(&f, &keys, keys.header_hash, bytes);
    assert_int_equal(decode_footer(bytes, &keys, keys.header_hash, &back), 0);
    assert_int_equal(back.chunk_count, 0);
    assert_int_equal(back.total_raw, 0);
}

/* ---- digest ------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The digest as container.h defines it: BLAKE2b-256 of (CRC-32, length),
 * little-endian, for every chunk in index order. */
static void digest_by_definition(const uint32_t *crc, const uint32_t *len, uint64_t n,
                                 uint8_t out[CONTAINER_DIGEST_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, CONTAINER_DIGEST_BYTES);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t e[8];
        put_le32(e, crc[i]);
        put_le32(e + 4, len[i]);
        crypto_generichash_update(&st, e, sizeof e);
    }
    crypto_generichash_final(&st, out, CONTAINER_DIGEST_BYTES);
}

static void test_digest_order_independent(void **state)
{
    (void)state;
    test_watchdog(20);
    static const uint64_t sizes[] = { 1, 2, 3, 1023, 1024, 1025, 5000 };
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        uint64_t n = sizes[si], s = n;
        uint32_t *crc = malloc(n * sizeof *crc), *len = malloc(n * sizeof *len);
        uint64_t *order = malloc(n * sizeof *order);
        assert_true(crc && len && order);
        for (uint64_t i = 0; i < n; i++) {
            crc[i] = (uint32_t)rng_next(&s);
            len[i] = (uint32_t)(rng_next(&s) % 65537);
            order[i] = i;
        }
        uint8_t want[CONTAINER_DIGEST_BYTES], got[CONTAINER_DIGEST_BYTES];
        digest_by_definition(crc, len, n, want);

        for (int way = 0; way < 3; way++) {      /* in order, reversed, shuffled */
            if (way == 1)
                for (uint64_t i = 0; i < n; i++)
                    order[i] = n - 1 - i;
            if (way == 2)
                for (uint64_t i = n; i > 1; i--) {
                    uint64_t j = rng_next(&s) % i, t = order[i - 1];
                    order[i - 1] = order[j];
                    order[j] = t;
                }
            struct container_digest d;
            container_digest_init(&d);
            for (uint64_t i = 0; i < n; i++)
                container_digest_add(&d, order[i], crc[order[i]], len[order[i]]);
            uint64_t bad_index;
            assert_int_equal(container_digest_check(&d, n, &bad_index), DIGEST_OK);
            container_digest_final(&d, NULL, got);
            assert_memory_equal(got, want, sizeof want);
            container_digest_free(&d);
        }

        /* One CRC different: another digest. */
        struct container_digest d;
        container_digest_init(&d);
        for (uint64_t i = 0; i < n; i++)
            container_digest_add(&d, i, crc[i] ^ (i == n / 2), len[i]);
        container_digest_final(&d, NULL, got);
        assert_memory_not_equal(got, want, sizeof want);
        container_digest_free(&d);

        /* Keyed (an encrypted file's digest): another key, another digest, so
         * the footer cannot confirm a guess of the plaintext. */
        uint8_t key_a[KEY_BYTES], key_b[KEY_BYTES], with_a[32], with_b[32];
        memset(key_a, 1, sizeof key_a);
        memset(key_b, 2, sizeof key_b);
        container_digest_init(&d);
        for (uint64_t i = 0; i < n; i++)
            container_digest_add(&d, i, crc[i], len[i]);
        container_digest_final(&d, key_a, with_a);
        container_digest_final(&d, key_b, with_b);
        assert_memory_not_equal(with_a, want, sizeof want);
        assert_memory_not_equal(with_a, with_b, sizeof with_a);
        container_digest_free(&d);
        free(crc);
        free(len);
        free(order);
    }
}

static void test_digest_duplicate(void **state)
{
    (void)state;
    test_watchdog(10);
    struct container_digest d;
    uint64_t index = 99;
    container_digest_init(&d);
    container_digest_add(&d, 1, 1, 2);
    container_digest_add(&d, 0, 1, 2);
    container_digest_add(&d, 1, 9, 9);                          /* 1 again */
    assert_int_equal(container_digest_check(&d, 2, &index), DIGEST_DUPLICATE);
    assert_int_equal(index, 1);
    container_digest_free(&d);

    container_digest_init(&d);                                  /* 0, 1, 2, 2 for 4 */
    for (uint64_t i = 0; i < 3; i++)
        container_digest_add(&d, i, 0, 0);
    container_digest_add(&d, 2, 0, 0);
    assert_int_equal(container_digest_check(&d, 4, &index), DIGEST_DUPLICATE);
    assert_int_equal(index, 2);
    container_digest_free(&d);
}

static void test_digest_first_missing(void **state)
{
    (void)state;
    test_watchdog(10);
    struct container_digest d;
    uint64_t index = 99;
    container_digest_init(&d);
    assert_int_equal(container_digest_check(&d, 0, &index), DIGEST_OK);
    assert_int_equal(container_digest_check(&d, 5, &index), DIGEST_MISSING);
    assert_int_equal(index, 0);
    container_digest_add(&d, 4, 0, 0);
    container_digest_add(&d, 0, 0, 0);
    container_digest_add(&d, 2, 0, 0);
    container_digest_add(&d, 1, 0, 0);
    assert_int_equal(container_digest_check(&d, 5, &index), DIGEST_MISSING);
    assert_int_equal(index, 3);
    container_digest_add(&d, 3, 0, 0);
    assert_int_equal(container_digest_check(&d, 5, &index), DIGEST_OK);
    assert_int_equal(container_digest_check(&d, 6, &index), DIGEST_MISSING); /* 5 at the end */
    assert_int_equal(index, 5);
    container_digest_free(&d);

    /* A far index costs one entry, not a table reaching it. */
    container_digest_init(&d);
    container_digest_add(&d, UINT64_C(1) << 40, 0, 0);
    assert_true(d.alloc < 4096);
    assert_int_equal(container_digest_check(&d, 1, &index), DIGEST_MISSING);
    assert_int_equal(index, 0);
    container_digest_free(&d);
}

/* ---- stage lists -------------------------------------------------------- */

static void test_stage_list_accepts(void **state)
{
    (void)state;
    test_watchdog(10);
    struct stage_list l;

    parse_stages("compress,encrypt", 6, &l);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.item[0].kind, STAGE_COMPRESS);
    assert_int_equal(l.item[0].param, STAGE_DEFAULT_LEVEL);
    assert_int_equal(l.item[1].kind, STAGE_ENCRYPT);

    parse_stages("checksum,compress,spin:5,encrypt", 9, &l);
    assert_int_equal(l.count, 4);
    assert_int_equal(l.item[0].kind, STAGE_CHECKSUM);
    assert_int_equal(l.item[1].kind, STAGE_COMPRESS);
    assert_int_equal(l.item[1].param, 9);
    assert_int_equal(l.item[2].kind, STAGE_SPIN);
    assert_int_equal(l.item[2].param, 5);
    assert_int_equal(l.item[3].kind, STAGE_ENCRYPT);
    assert_true(stage_list_has(&l, STAGE_ENCRYPT));
    assert_true(stage_list_has(&l, STAGE_CHECKSUM));

    parse_stages("compress", 1, &l);
    assert_int_equal(l.count, 1);
    assert_false(stage_list_has(&l, STAGE_ENCRYPT));

    parse_stages("encrypt", STAGE_DEFAULT_LEVEL, &l);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.item[0].kind, STAGE_ENCRYPT);

    parse_stages("spin", STAGE_DEFAULT_LEVEL, &l);
    assert_int_equal(l.item[0].param, STAGE_DEFAULT_SPIN_MS);
    parse_stages("spin:60000", STAGE_DEFAULT_LEVEL, &l);
    assert_int_equal(l.item[0].param, 60000);
    parse_stages("checksum,encrypt", 6, &l);
    assert_int_equal(l.count, 2);

    char text[160];
    parse_stages("checksum,compress,spin:5,encrypt", 4, &l);
    stage_list_describe(&l, text, sizeof text);
    assert_non_null(strstr(text, "compress"));
    assert_non_null(strstr(text, "4"));
    assert_non_null(strstr(text, "encrypt"));
}

static void refuse(const char *spec)
{
    struct stage_list l;
    char why[256] = "";
    if (stage_list_parse(spec, STAGE_DEFAULT_LEVEL, &l, why, sizeof why) != -1)
        fail_msg("stage_list_parse(\"%s\") accepted it (%d stages)", spec, l.count);
    if (why[0] == '\0')
        fail_msg("stage_list_parse(\"%s\") refused it without saying why", spec);
}

static void test_stage_list_refuses(void **state)
{
    (void)state;
    test_watchdog(10);
    refuse("encrypt,compress");
    refuse("compress,compress");
    refuse("encrypt,encrypt");
    refuse("spin,spin:3");
    refuse("bogus");
    refuse("compress,bogus");
    refuse("Compress");
    refuse("");
    refuse("spin:0");
    refuse("spin:");
    refuse("spin:abc");
    refuse("spin:-1");
    refuse("spin:60001");
    refuse("compress:5");
    refuse("encrypt:1");
    refuse(":5");
    refuse("encrypt,checksum");
    refuse("compress,encrypt,checksum");
    refuse("checksum,compress,spin:5,encrypt,compress");
}

/* An empty entry is refused like an empty list: strtok_r would skip empty
 * fields and take "," for a list of no stages, so the parser splits by hand. */
static void test_stage_list_refuses_empty_fields(void **state)
{
    (void)state;
    test_watchdog(10);
    refuse(",");
    refuse(",,");
}

/* ---- stages forward and reverse ----------------------------------------- */

static const char *const stage_specs[] = {
    "compress",
    "compress,encrypt",
    "checksum,compress,spin:5,encrypt",
    "encrypt",
    "checksum",
    "spin:1",
};
#define STAGE_SPECS (sizeof stage_specs / sizeof stage_specs[0])

static const size_t sizes[] = { 0, 1, 100, 65536, 1u << 20 };
#define SIZES (sizeof sizes / sizeof sizes[0])

/* What a forward pass produced, as restore.c would read it back. */
struct stored {
    uint64_t index;
    bool is_final;
    uint32_t raw_len;
    uint32_t crc;
    uint8_t *bytes;
    size_t len;
};

static void forward(const struct stage_list *l, const struct stage_keys *k, uint64_t index,
                    bool is_final, const uint8_t *data, size_t len, struct stored *out)
{
    struct stage_runner *r = stage_runner_new(l, stage_list_has(l, STAGE_ENCRYPT) ? k : NULL,
                                              false);
    assert_non_null(r);
    size_t cap = stage_list_output_bound(l, len);
    struct chunk *c = chunk_new(NULL, index, cap ? cap : 1);
    memcpy(c->data, data, len);
    c->len = len;
    c->is_final = is_final;
    char why[256] = "";
    if (stage_forward(r, c, why, sizeof why) != 0)
        fail_msg("stage_forward failed on %zu bytes: %s", len, why);
    assert_true(c->len <= cap);
    assert_int_equal(c->raw_len, len);
    assert_int_equal(c->crc, (uint32_t)crc32(0L, data, (uInt)len));
    out->index = index;
    out->is_final = is_final;
    out->raw_len = c->raw_len;
    out->crc = c->crc;
    out->len = c->len;
    out->bytes = malloc(c->len ? c->len : 1);
    assert_non_null(out->bytes);
    memcpy(out->bytes, c->data, c->len);
    chunk_free(c);
    stage_runner_free(r);
}

/* Reverse as restore.c does: a fresh runner, a chunk of exactly the stored
 * bytes. Returns stage_reverse's result; the chunk is in *out_c. */
static int reverse(const struct stage_list *l, const struct stage_keys *k,
                   const struct stored *s, struct chunk **out_c, char *why, size_t why_len)
{
    struct stage_runner *r = stage_runner_new(l, stage_list_has(l, STAGE_ENCRYPT) ? k : NULL,
                                              false);
    assert_non_null(r);
    struct chunk *c = chunk_new(NULL, s->index, s->len ? s->len : 1);
    memcpy(c->data, s->bytes, s->len);
    c->len = s->len;
    c->is_final = s->is_final;
    c->raw_len = s->raw_len;
    why[0] = '\0';
    int rc = stage_reverse(r, c, why, why_len);
    stage_runner_free(r);
    *out_c = c;
    return rc;
}

static uint8_t *random_data(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    randombytes_buf(p, len);
    return p;
}

/* Half random, half a repeated phrase: exercises deflate's matches too. */
static uint8_t *mixed_data(size_t len)
{
    uint8_t *p = random_data(len);
    static const char phrase[] = "the quick brown fox jumps over the lazy dog. ";
    for (size_t i = len / 2; i < len; i++)
        p[i] = (uint8_t)phrase[i % (sizeof phrase - 1)];
    return p;
}

static void test_stages_roundtrip(void **state)
{
    (void)state;
    test_watchdog(60);
    for (size_t li = 0; li < STAGE_SPECS; li++) {
        struct stage_list l;
        struct stage_keys k;
        parse_stages(stage_specs[li], STAGE_DEFAULT_LEVEL, &l);
        random_keys(&k);
        for (size_t si = 0; si < SIZES; si++) {
            for (int kind = 0; kind < 2; kind++) {
                size_t len = sizes[si];
                uint8_t *data = kind ? mixed_data(len) : random_data(len);
                struct stored s;
                forward(&l, &k, si + 3, si == SIZES - 1, data, len, &s);
                struct chunk *c;
                char why[256];
                if (reverse(&l, &k, &s, &c, why, sizeof why) != 0)
                    fail_msg("%s, %zu bytes: reverse failed: %s", stage_specs[li], len, why);
                assert_int_equal(c->len, len);
                if (len > 0)
                    assert_memory_equal(c->data, data, len);
                assert_int_equal(c->crc, s.crc);
                chunk_free(c);
                free(s.bytes);
                free(data);
            }
        }
    }
}

/* Encrypting the same chunk twice under one file's keys gives the same bytes
 * (the nonce is a function of prefix and index); another index gives others. */
static void test_encrypt_binds_index(void **state)
{
    (void)state;
    test_watchdog(10);
    struct stage_list l;
    struct stage_keys k;
    parse_stages("encrypt", STAGE_DEFAULT_LEVEL, &l);
    random_keys(&k);
    uint8_t *data = random_data(1000);
    struct stored a, b, c;
    forward(&l, &k, 5, false, data, 1000, &a);
    forward(&l, &k, 5, false, data, 1000, &b);
    forward(&l, &k, 6, false, data, 1000, &c);
    assert_int_equal(a.len, 1000 + 16);
    assert_memory_equal(a.bytes, b.bytes, a.len);
    assert_memory_not_equal(a.bytes, c.bytes, a.len);
    free(a.bytes);
    free(b.bytes);
    free(c.bytes);
    free(data);
}

static void expect_reverse_fails(const struct stage_list *l, const struct stage_keys *k,
                                 const struct stored *s, const char *word, const char *what)
{
    struct chunk *c;
    char why[256];
    int rc = reverse(l, k, s, &c, why, sizeof why);
    if (rc != -1)
        fail_msg("%s: reverse accepted it", what);
    if (why[0] == '\0')
        fail_msg("%s: reverse failed without a message", what);
    if (word != NULL && strstr(why, word) == NULL)
        fail_msg("%s: message \"%s\" does not mention \"%s\"", what, why, word);
    chunk_free(c);
}

static void test_reverse_wrong_key_or_place(void **state)
{
    (void)state;
    test_watchdog(30);
    static const char *const enc_specs[] = { "compress,encrypt",
                                             "checksum,compress,spin:5,encrypt", "encrypt" };
    for (size_t li = 0; li < sizeof enc_specs / sizeof enc_specs[0]; li++) {
        for (size_t si = 0; si < SIZES; si++) {
            struct stage_list l;
            struct stage_keys k, other;
            parse_stages(enc_specs[li], STAGE_DEFAULT_LEVEL, &l);
            random_keys(&k);
            uint8_t *data = mixed_data(sizes[si]);
            struct stored s;
            forward(&l, &k, 7, false, data, sizes[si], &s);
            char what[160];
            snprintf(what, sizeof what, "%s, %zu bytes", enc_specs[li], sizes[si]);

            other = k;                       /* another key */
            other.key[31] ^= 0x80;
            expect_reverse_fails(&l, &other, &s, "authentication", what);
            other = k;                       /* another file (header) */
            other.header_hash[0] ^= 1;
            expect_reverse_fails(&l, &other, &s, "authentication", what);
            other = k;                       /* another nonce prefix */
            other.nonce_prefix[15] ^= 1;
            expect_reverse_fails(&l, &other, &s, "authentication", what);

            struct stored moved = s;         /* another place in the file */
            moved.index = 8;
            expect_reverse_fails(&l, &k, &moved, "authentication", what);
            moved = s;                       /* claims to be the final chunk */
            moved.is_final = true;
            expect_reverse_fails(&l, &k, &moved, "authentication", what);
            moved = s;                       /* claims another length */
            moved.raw_len = s.raw_len + 1;
            expect_reverse_fails(&l, &k, &moved, NULL, what);
            free(s.bytes);
            free(data);
        }
    }
}

/* One flipped byte in the stored bytes, at several places. With encrypt or
 * checksum, reverse must fail and say why; with compress alone nothing
 * authenticates the bytes, so reverse may fail, or produce other bytes whose
 * CRC then differs (restore.c compares it), or, for a flip in deflate's
 * padding bits, the very same bytes. */
static void test_reverse_flipped_byte(void **state)
{
    (void)state;
    test_watchdog(60);
    for (size_t li = 0; li < STAGE_SPECS; li++) {
        struct stage_list l;
        struct stage_keys k;
        parse_stages(stage_specs[li], STAGE_DEFAULT_LEVEL, &l);
        random_keys(&k);
        bool authenticated = stage_list_has(&l, STAGE_ENCRYPT) ||
                             stage_list_has(&l, STAGE_CHECKSUM);
        bool checked = authenticated || stage_list_has(&l, STAGE_COMPRESS);
        if (!checked)
            continue;   /* spin alone: the stored bytes are the plaintext */
        for (size_t si = 1; si < SIZES; si++) {
            uint8_t *data = mixed_data(sizes[si]);
            struct stored s;
            forward(&l, &k, 2, true, data, sizes[si], &s);
            size_t places[] = { 0, s.len / 3, s.len / 2, s.len - 1 };
            for (size_t p = 0; p < sizeof places / sizeof places[0]; p++) {
                for (int bit = 0; bit < 8; bit += 3) {
                    s.bytes[places[p]] ^= (uint8_t)(1u << bit);
                    char what[160];
                    snprintf(what, sizeof what, "%s, %zu bytes, byte %zu bit %d flipped",
                             stage_specs[li], sizes[si], places[p], bit);
                    if (authenticated) {
                        expect_reverse_fails(&l, &k, &s, NULL, what);
                    } else {
                        struct chunk *c;
                        char why[256];
                        /* A flip in the unused bits that pad deflate's last
                         * byte changes nothing; any other change of the
                         * output must change the CRC. */
                        if (reverse(&l, &k, &s, &c, why, sizeof why) == 0) {
                            bool same = c->len == sizes[si] &&
                                        memcmp(c->data, data, sizes[si]) == 0;
                            if (!same && c->crc == s.crc)
                                fail_msg("%s: other bytes, same CRC", what);
                        } else if (why[0] == '\0') {
                            fail_msg("%s: reverse failed without a message", what);
                        }
                        chunk_free(c);
                    }
                    s.bytes[places[p]] ^= (uint8_t)(1u << bit);
                }
            }
            free(s.bytes);
            free(data);
        }
    }
}

/* Cut short: one byte missing at the end. */
static void test_reverse_truncated(void **state)
{
    (void)state;
    test_watchdog(30);
    for (size_t li = 0; li < STAGE_SPECS; li++) {
        struct stage_list l;
        struct stage_keys k;
        parse_stages(stage_specs[li], STAGE_DEFAULT_LEVEL, &l);
        random_keys(&k);
        uint8_t *data = mixed_data(65536);
        struct stored s;
        forward(&l, &k, 0, false, data, 65536, &s);
        s.len--;
        expect_reverse_fails(&l, &k, &s, NULL, stage_specs[li]);
        free(s.bytes);
        free(data);
    }
}

/* --format gzip: the compress stage writes a standard gzip member. */
static void test_gzip_member(void **state)
{
    (void)state;
    test_watchdog(30);
    struct stage_list l;
    parse_stages("compress", STAGE_DEFAULT_LEVEL, &l);
    for (size_t si = 0; si < SIZES; si++) {
        size_t len = sizes[si];
        uint8_t *data = mixed_data(len);
        struct stage_runner *r = stage_runner_new(&l, NULL, true);
        assert_non_null(r);
        size_t cap = stage_list_output_bound(&l, len);
        struct chunk *c = chunk_new(NULL, si, cap);
        memcpy(c->data, data, len);
        c->len = len;
        char why[256] = "";
        assert_int_equal(stage_forward(r, c, why, sizeof why), 0);
        assert_true(c->len <= cap);
        assert_true(c->len >= 18);
        assert_int_equal(c->data[0], 0x1f);
        assert_int_equal(c->data[1], 0x8b);

        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(inflateInit2(&z, 31), Z_OK);
        uint8_t *out = malloc(len + 1);
        z.next_in = c->data;
        z.avail_in = (uInt)c->len;
        z.next_out = out;
        z.avail_out = (uInt)(len + 1);
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(z.total_out, len);
        assert_int_equal(z.avail_in, 0);
        if (len > 0)
            assert_memory_equal(out, data, len);
        inflateEnd(&z);
        free(out);
        chunk_free(c);
        stage_runner_free(r);
        free(data);
    }
}

/* ---- whole files through restore, verify and inspect -------------------- */

/* A container as process writes one, made from this file's own pieces:
 * compress only (so a test can reseal what it damages), chunks in index order,
 * the footer claiming footer_count chunks. Owned by the caller: free(bytes),
 * free(plain). */
struct built {
    uint8_t *bytes, *plain;
    size_t len, plain_len;
    size_t record_at[8];               /* where each record starts */
    uint8_t header_hash[STAGE_HEADER_HASH_BYTES];
};

#define BUILT_CHUNK 1000u

static void build_container(struct built *b, unsigned chunks, uint64_t footer_count)
{
    struct container_header h;
    struct stage_keys keys;
    struct container_digest d;
    assert_true(chunks >= 1 && chunks <= 8);
    memset(b, 0, sizeof *b);
    memset(&keys, 0, sizeof keys);
    make_header(&h, "compress", STAGE_DEFAULT_LEVEL, BUILT_CHUNK, false);
    b->plain_len = (size_t)(chunks - 1) * BUILT_CHUNK + 123;
    b->plain = mixed_data(b->plain_len);
    b->bytes = malloc(CONTAINER_HEADER_BYTES + chunks * (CONTAINER_RECORD_BYTES + 2 * BUILT_CHUNK) +
                      CONTAINER_FOOTER_BYTES);
    assert_non_null(b->bytes);
    container_header_encode(&h, NULL, b->bytes);
    container_header_hash(b->bytes, b->header_hash);
    b->len = CONTAINER_HEADER_BYTES;
    container_digest_init(&d);
    for (unsigned i = 0; i < chunks; i++) {
        struct stored st;
        bool last = i + 1 == chunks;
        size_t n = last ? b->plain_len - (size_t)i * BUILT_CHUNK : BUILT_CHUNK;
        forward(&h.stages, &keys, i, last, b->plain + (size_t)i * BUILT_CHUNK, n, &st);
        struct container_record rec = { i, last, st.raw_len, (uint32_t)st.len, st.crc };
        b->record_at[i] = b->len;
        container_record_encode(&rec, b->bytes + b->len);
        memcpy(b->bytes + b->len + CONTAINER_RECORD_BYTES, st.bytes, st.len);
        b->len += CONTAINER_RECORD_BYTES + st.len;
        container_digest_add(&d, i, st.crc, st.raw_len);
        free(st.bytes);
    }
    struct container_footer f = { .chunk_count = footer_count, .total_raw = b->plain_len };
    container_digest_final(&d, NULL, f.digest);
    container_digest_free(&d);
    container_footer_encode(&f, NULL, b->header_hash, b->bytes + b->len);
    b->len += CONTAINER_FOOTER_BYTES;
}

static void built_free(struct built *b)
{
    free(b->bytes);
    free(b->plain);
}

/* Recompute the check of a file's unencrypted footer (format.md: BLAKE2b-128
 * of the header hash and footer bytes 0-55), after a test changed the footer. */
static void reseal_footer(struct built *b)
{
    uint8_t ad[STAGE_HEADER_HASH_BYTES + 56], *foot = b->bytes + b->len - CONTAINER_FOOTER_BYTES;
    crypto_generichash(b->header_hash, sizeof b->header_hash, b->bytes, CONTAINER_HEADER_BYTES,
                       NULL, 0);
    memcpy(ad, b->header_hash, STAGE_HEADER_HASH_BYTES);
    memcpy(ad + STAGE_HEADER_HASH_BYTES, foot, 56);
    crypto_generichash(foot + 56, 16, ad, sizeof ad, NULL, 0);
}

static void write_file(const char *path, const uint8_t *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Standard error of the code under test goes to a file while captured. */
struct capture {
    int saved;
    char path[300];
};

static void capture_start(struct capture *c, const char *dir)
{
    snprintf(c->path, sizeof c->path, "%s/stderr.txt", dir);
    fflush(stderr);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    c->saved = dup(2);
    assert_true(c->saved >= 0);
    assert_true(dup2(fd, 2) == 2);
    close(fd);
}

/* Ends the capture; the text is in text (NUL-terminated, at most cap - 1 bytes). */
static void capture_stop(struct capture *c, char *text, size_t cap)
{
    fflush(stderr);
    assert_true(dup2(c->saved, 2) == 2);
    close(c->saved);
    FILE *f = fopen(c->path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, cap - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(c->path);
}

/* One line, ending in a newline, that contains want. */
static void assert_one_line(const char *text, const char *want)
{
    const char *nl = strchr(text, '\n');
    if (nl == NULL || nl[1] != '\0')
        fail_msg("expected exactly one line on stderr, got \"%s\"", text);
    if (strstr(text, want) == NULL)
        fail_msg("stderr \"%s\" does not mention \"%s\"", text, want);
}

/* Verify (out == NULL) or restore bytes as a file; assert the exit code and,
 * when it fails, the one line naming the problem. Nothing is left behind. */
static void expect_restore(const uint8_t *bytes, size_t len, bool to_out, int want_rc,
                           const char *want)
{
    char in[300], out[300], text[1024];
    const char *dir = test_tmpdir();
    struct options opt;
    struct capture cap;
    options_defaults(&opt);
    snprintf(in, sizeof in, "%s/in.plab", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_file(in, bytes, len);
    capture_start(&cap, dir);
    int rc = restore_file(&opt, in, to_out ? out : NULL);
    capture_stop(&cap, text, sizeof text);
    if (rc != want_rc)
        fail_msg("restore gave %d, expected %d (stderr: \"%s\")", rc, want_rc, text);
    if (want != NULL)
        assert_one_line(text, want);
    if (rc != 0)
        assert_int_equal(access(out, F_OK), -1);
    unlink(out);
    unlink(in);
    assert_int_equal(rmdir(dir), 0);    /* no temporary left */
}

static void test_restore_good_file(void **state)
{
    (void)state;
    test_watchdog(20);
    struct built b;
    build_container(&b, 3, 3);
    expect_restore(b.bytes, b.len, false, 0, NULL);
    expect_restore(b.bytes, b.len, true, 0, NULL);
    built_free(&b);
}

/* Each reserved header byte, and each field that must be zero in a file
 * without a passphrase or without encryption, set to 1 (and the header
 * resealed, so the checksum is not what refuses it). */
static void test_restore_refuses_reserved_header(void **state)
{
    (void)state;
    test_watchdog(30);
    static const struct { unsigned at; const char *why; } cases[] = {
        { 17, "header bytes 17-19 are not zero" },
        { 18, "header bytes 17-19 are not zero" },
        { 19, "header bytes 17-19 are not zero" },
        { 21, "stage slot 0 has a non-zero reserved byte" },
        { 24, "stage slot 1 is unused but not zero" },
        { 27, "stage slot 1 is unused but not zero" },
        { 35, "stage slot 3 is unused but not zero" },
        { 52, "Argon2id salt is not zero" },
        { 67, "Argon2id salt is not zero" },
        { 68, "Argon2id opslimit is not zero" },
        { 75, "Argon2id opslimit is not zero" },
        { 76, "Argon2id memlimit is not zero" },
        { 83, "Argon2id memlimit is not zero" },
        { 84, "key check is not zero" },
        { 99, "key check is not zero" },
    };
    struct built b;
    build_container(&b, 2, 2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *copy = malloc(b.len);
        assert_non_null(copy);
        memcpy(copy, b.bytes, b.len);
        copy[cases[i].at] = 1;
        reseal(copy);
        expect_restore(copy, b.len, true, EX_DATAERR, cases[i].why);
        free(copy);
    }
    built_free(&b);
}

/* The same rules at the decoder, for fields only an encrypted header has. */
static void test_header_refuses_reserved_encrypted(void **state)
{
    (void)state;
    test_watchdog(10);
    struct container_header h;
    uint8_t key[KEY_BYTES], good[CONTAINER_HEADER_BYTES], b[CONTAINER_HEADER_BYTES];
    randombytes_buf(key, sizeof key);
    make_header(&h, "checksum,compress,encrypt", 6, 4096, false);
    container_header_encode(&h, key, good);

    memcpy(b, good, sizeof b);
    put_le16(b + 30, 1);                /* slot 2, encrypt: parameter 1 */
    reseal(b);
    assert_decode_fails(b, "encrypt stage has parameter 1");
    memcpy(b, good, sizeof b);
    put_le16(b + 22, 7);                /* slot 0, checksum: parameter 7 */
    reseal(b);
    assert_decode_fails(b, "checksum stage has parameter 7");
    memcpy(b, good, sizeof b);
    b[60] = 1;                          /* a salt in a key-file header */
    reseal(b);
    assert_decode_fails(b, "Argon2id salt is not zero");

    make_header(&h, "compress", STAGE_DEFAULT_LEVEL, 4096, false);
    container_header_encode(&h, NULL, good);
    memcpy(b, good, sizeof b);
    put_le16(b + 10, 2);                /* passphrase, yet not encrypted */
    reseal(b);
    assert_decode_fails(b, "passphrase flag");
}

/* Argon2id limits above what process writes are refused before any key is
 * derived: the code says so, whatever the limits claim. */
static void test_restore_refuses_argon2_limits(void **state)
{
    (void)state;
    test_watchdog(20);
    static const struct { uint64_t ops, mem; const char *why; } cases[] = {
        { UINT64_C(1) << 32, UINT64_C(1) << 40, "opslimit 4294967296 is out of range" },
        { 16, KEY_ARGON2_MEMLIMIT, "opslimit 16 is out of range" },
        { KEY_ARGON2_OPSLIMIT + 1, KEY_ARGON2_MEMLIMIT, "opslimit 3 is out of range" },
        { 0, KEY_ARGON2_MEMLIMIT, "opslimit 0 is out of range" },
        { KEY_ARGON2_OPSLIMIT, UINT64_C(1) << 30, "memlimit 1073741824 is out of range" },
        { KEY_ARGON2_OPSLIMIT, KEY_ARGON2_MEMLIMIT + 1, "memlimit 67108865 is out of range" },
        { KEY_ARGON2_OPSLIMIT, 0, "memlimit 0 is out of range" },
    };
    struct container_header h;
    uint8_t bytes[CONTAINER_HEADER_BYTES], derived[KEY_BYTES];
    char why[160];
    assert_int_equal(setenv(KEY_PASSPHRASE_ENV, "a passphrase", 1), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        make_header(&h, "compress,encrypt", 6, 4096, true);
        h.opslimit = cases[i].ops;
        h.memlimit = cases[i].mem;
        container_header_encode(&h, derived, bytes);  /* key check: any key */
        expect_restore(bytes, sizeof bytes, true, EX_DATAERR, cases[i].why);
        assert_int_equal(key_check_limits(cases[i].ops, cases[i].mem, why, sizeof why), -1);
    }
    assert_int_equal(unsetenv(KEY_PASSPHRASE_ENV), 0);
    /* What process writes is accepted. */
    assert_int_equal(key_default_opslimit(), KEY_ARGON2_OPSLIMIT);
    assert_int_equal(key_default_memlimit(), KEY_ARGON2_MEMLIMIT);
    assert_int_equal(key_check_limits(KEY_ARGON2_OPSLIMIT, KEY_ARGON2_MEMLIMIT, why, sizeof why), 0);
}

static void test_restore_refuses_footer_padding(void **state)
{
    (void)state;
    test_watchdog(20);
    struct built b;
    build_container(&b, 2, 2);
    for (unsigned at = 1; at <= 7; at += 6) {
        uint8_t *foot = b.bytes + b.len - CONTAINER_FOOTER_BYTES;
        foot[at] = 0x20;
        reseal_footer(&b);
        expect_restore(b.bytes, b.len, true, EX_DATAERR, "footer bytes 1-7 are not zero");
        foot[at] = 0;
        reseal_footer(&b);
        expect_restore(b.bytes, b.len, false, 0, NULL);
    }
    built_free(&b);
}

/* Three records, a footer that says two: a count problem, not a duplicate
 * of a chunk 3 that does not exist. */
static void test_restore_footer_claims_fewer(void **state)
{
    (void)state;
    test_watchdog(20);
    struct built b;
    build_container(&b, 3, 2);
    expect_restore(b.bytes, b.len, true, EX_DATAERR,
                   "footer says 2 chunks, the file holds 3 (a record was dropped or added)");
    built_free(&b);

    struct container_digest d;
    uint64_t index = 99;
    container_digest_init(&d);
    for (uint64_t i = 0; i < 3; i++)
        container_digest_add(&d, i, 0, 0);
    assert_int_equal(container_digest_check(&d, 2, &index), DIGEST_EXTRA);
    assert_int_equal(index, 2);
    container_digest_free(&d);
}

/* A stream over a built file whose reads fail (EIO) the fail_at-th time they
 * reach the end of the file, that is, when restore checks that nothing
 * follows the footer (once per pass). */
struct failing_stream {
    const struct built *b;
    size_t pos;
    int ends_seen, fail_at;
};

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
    struct failing_stream *s = cookie;
    if (s->pos >= s->b->len) {
        if (++s->ends_seen == s->fail_at) {
            errno = EIO;
            return -1;
        }
        return 0;
    }
    size_t n = s->b->len - s->pos < size ? s->b->len - s->pos : size;
    memcpy(buf, s->b->bytes + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static int failing_seek(void *cookie, off64_t *offset, int whence)
{
    struct failing_stream *s = cookie;
    off64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (off64_t)s->pos
                                                                : (off64_t)s->b->len;
    if (base + *offset < 0)
        return -1;
    s->pos = (size_t)(base + *offset);
    *offset = (off64_t)s->pos;
    return 0;
}

static void test_restore_read_error_after_footer(void **state)
{
    (void)state;
    test_watchdog(20);
    struct built b;
    build_container(&b, 2, 2);
    for (int fail_at = 1; fail_at <= 3; fail_at++) {
        struct failing_stream s = { &b, 0, 0, fail_at };
        cookie_io_functions_t io = { .read = failing_read, .seek = failing_seek };
        FILE *in = fopencookie(&s, "rb", io);
        assert_non_null(in);
        char dir[300], out[320], errdir[300], text[1024];
        snprintf(dir, sizeof dir, "%s", test_tmpdir());     /* test_tmpdir reuses its buffer */
        snprintf(errdir, sizeof errdir, "%s", test_tmpdir());
        snprintf(out, sizeof out, "%s/out", dir);
        struct options opt;
        struct capture cap;
        options_defaults(&opt);
        capture_start(&cap, errdir);
        int rc = restore_stream(&opt, in, "in.plab", b.len, out);
        capture_stop(&cap, text, sizeof text);
        fclose(in);
        if (fail_at <= 2) {             /* pass 1, pass 2: an I/O error, no OUT */
            assert_int_equal(rc, EX_IOERR);
            assert_one_line(text, "cannot read in.plab: Input/output error");
            assert_int_equal(access(out, F_OK), -1);
        } else {                        /* no failure: restored */
            assert_int_equal(rc, 0);
            assert_string_equal(text, "");
            assert_int_equal(unlink(out), 0);
        }
        assert_int_equal(rmdir(dir), 0); /* no temporary left */
        assert_int_equal(rmdir(errdir), 0);
    }
    built_free(&b);
}

/* inspect of a file cut inside a payload names the chunk. */
static void test_inspect_truncated(void **state)
{
    (void)state;
    test_watchdog(20);
    struct built b;
    build_container(&b, 3, 3);
    const char *dir = test_tmpdir();
    char in[300], text[1024], cut_record[80];
    snprintf(in, sizeof in, "%s/cut.plab", dir);
    snprintf(cut_record, sizeof cut_record, "truncated file: record at byte %zu is cut short",
             b.record_at[2]);
    const struct { size_t cut; const char *why; } cases[] = {
        { b.record_at[1] + CONTAINER_RECORD_BYTES + 5, "truncated file: chunk 1 is cut short" },
        { b.record_at[2] + CONTAINER_RECORD_BYTES + 1, "truncated file: chunk 2 is cut short" },
        { b.record_at[2] + 10, cut_record },                /* inside a record header */
        { b.len - CONTAINER_FOOTER_BYTES, "truncated file: it ends without a footer" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t cut = cases[i].cut;
        write_file(in, b.bytes, cut);
        FILE *sink = fopen("/dev/null", "w");
        assert_non_null(sink);
        struct capture cap;
        capture_start(&cap, dir);
        int rc = inspect_file(in, sink);
        capture_stop(&cap, text, sizeof text);
        fclose(sink);
        assert_int_equal(rc, EX_DATAERR);
        assert_one_line(text, cases[i].why);
    }
    unlink(in);
    assert_int_equal(rmdir(dir), 0);
    built_free(&b);
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_roundtrip),
        cmocka_unit_test(test_header_key_check),
        cmocka_unit_test(test_header_every_bit_flip),
        cmocka_unit_test(test_header_refuses_nonsense),
        cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_record_refuses),
        cmocka_unit_test(test_footer_plain),
        cmocka_unit_test(test_footer_encrypted),
        cmocka_unit_test(test_footer_zero),
        cmocka_unit_test(test_digest_order_independent),
        cmocka_unit_test(test_digest_duplicate),
        cmocka_unit_test(test_digest_first_missing),
        cmocka_unit_test(test_stage_list_accepts),
        cmocka_unit_test(test_stage_list_refuses),
        cmocka_unit_test(test_stage_list_refuses_empty_fields),
        cmocka_unit_test(test_stages_roundtrip),
        cmocka_unit_test(test_encrypt_binds_index),
        cmocka_unit_test(test_reverse_wrong_key_or_place),
        cmocka_unit_test(test_reverse_flipped_byte),
        cmocka_unit_test(test_reverse_truncated),
        cmocka_unit_test(test_gzip_member),
        cmocka_unit_test(test_restore_good_file),
        cmocka_unit_test(test_restore_refuses_reserved_header),
        cmocka_unit_test(test_header_refuses_reserved_encrypted),
        cmocka_unit_test(test_restore_refuses_argon2_limits),
        cmocka_unit_test(test_restore_refuses_footer_padding),
        cmocka_unit_test(test_restore_footer_claims_fewer),
        cmocka_unit_test(test_restore_read_error_after_footer),
        cmocka_unit_test(test_inspect_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
