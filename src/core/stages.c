/*
 * stages.c — compress, encrypt, checksum and spin, forward and reverse.
 *
 * Buffers: every chunk buffer the pipeline allocates is big enough for the
 * chunk after all forward stages (stage_list_output_bound), so encrypt,
 * checksum and spin work in place. Only compress and its reverse need a second
 * buffer; they allocate it, and chunk_set_data hands it to the chunk and frees
 * the old one.
 */
#include "stages.h"
#include "bytes.h"
#include "util.h"
#include "xthread.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES   /* 16 */
#define HASH_BYTES crypto_generichash_BYTES                    /* 32 */
_Static_assert(KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "KEY_BYTES must be the size of the encrypt stage's key");

struct stage_runner {
    struct stage_list list;
    const struct stage_keys *keys;
    bool gzip;
    bool deflate_ready, inflate_ready;
    z_stream deflater;   /* reused for every chunk: deflateReset, not deflateInit */
    z_stream inflater;
};

/* ---- the stage list -------------------------------------------------- */

static const char *const stage_names[] = {
    [STAGE_COMPRESS] = "compress", [STAGE_ENCRYPT] = "encrypt",
    [STAGE_CHECKSUM] = "checksum", [STAGE_SPIN] = "spin",
};

const char *stage_name(enum stage_kind kind)
{
    return stage_names[kind];
}

bool stage_list_has(const struct stage_list *list, enum stage_kind kind)
{
    for (int i = 0; i < list->count; i++)
        if (list->item[i].kind == kind)
            return true;
    return false;
}

/* One name, possibly with ":param", into a stage. */
static int stage_parse_one(const char *word, unsigned level, struct stage *out,
                           char *why, size_t why_len)
{
    char name[32];
    const char *colon = strchr(word, ':');
    size_t n = colon ? (size_t)(colon - word) : strlen(word);
    if (n == 0 || n >= sizeof name) {
        snprintf(why, why_len, "empty or overlong stage name in --stages");
        return -1;
    }
    memcpy(name, word, n);
    name[n] = '\0';
    out->param = 0;
    out->kind = 0;
    for (int k = STAGE_COMPRESS; k <= STAGE_SPIN; k++)
        if (strcmp(name, stage_names[k]) == 0)
            out->kind = (enum stage_kind)k;
    if (out->kind == 0) {
        snprintf(why, why_len, "unknown stage '%s' (stages: compress, encrypt, checksum, spin)", name);
        return -1;
    }
    if (out->kind == STAGE_COMPRESS)
        out->param = level;
    if (out->kind == STAGE_SPIN)
        out->param = STAGE_DEFAULT_SPIN_MS;
    if (colon == NULL)
        return 0;
    uint64_t v;
    if (out->kind != STAGE_SPIN || parse_uint(colon + 1, 1, 60000, &v) != 0) {
        snprintf(why, why_len, "bad stage parameter '%s' (only spin takes one: spin:MS, 1..60000 ms per MiB)", word);
        return -1;
    }
    out->param = (unsigned)v;
    return 0;
}

/* Orders that make no sense are refused, each with the reason. */
static int stage_list_check(const struct stage_list *list, char *why, size_t why_len)
{
    bool seen[STAGE_SPIN + 1] = { false };
    for (int i = 0; i < list->count; i++) {
        enum stage_kind k = list->item[i].kind;
        if (seen[k]) {
            snprintf(why, why_len, "stage '%s' appears twice in --stages", stage_names[k]);
            return -1;
        }
        if (seen[STAGE_ENCRYPT] && k == STAGE_COMPRESS) {
            snprintf(why, why_len, "compress after encrypt makes no sense: encrypted data does not "
                     "compress (use --stages compress,encrypt)");
            return -1;
        }
        if (seen[STAGE_ENCRYPT] && k == STAGE_CHECKSUM) {
            snprintf(why, why_len, "checksum after encrypt adds nothing: the encryption tag already "
                     "authenticates the data (put checksum first)");
            return -1;
        }
        seen[k] = true;
    }
    return 0;
}

int stage_list_parse(const char *spec, unsigned level, struct stage_list *out,
                     char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    char buf[256];
    if (strlen(spec) >= sizeof buf || spec[0] == '\0') {
        snprintf(why, why_len, "--stages needs a list such as compress,encrypt");
        return -1;
    }
    strcpy(buf, spec);
    /* Split by hand: strtok would skip empty fields and accept "compress,,". */
    for (char *w = buf; w != NULL;) {
        char *comma = strchr(w, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*w == '\0') {
            snprintf(why, why_len, "--stages '%s' has an empty entry", spec);
            return -1;
        }
        if (out->count == STAGE_MAX) {
            snprintf(why, why_len, "too many stages in --stages (each may appear once)");
            return -1;
        }
        if (stage_parse_one(w, level, &out->item[out->count], why, why_len) != 0)
            return -1;
        out->count++;
        w = comma ? comma + 1 : NULL;
    }
    return stage_list_check(out, why, why_len);
}

void stage_list_describe(const struct stage_list *list, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < list->count && used < len; i++) {
        const struct stage *s = &list->item[i];
        const char *sep = i ? "," : "";
        if (s->kind == STAGE_COMPRESS)
            used += (size_t)snprintf(buf + used, len - used, "%scompress(level %u)", sep, s->param);
        else if (s->kind == STAGE_SPIN)
            used += (size_t)snprintf(buf + used, len - used, "%sspin(%u ms/MiB)", sep, s->param);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, stage_names[s->kind]);
    }
}

/* Worst case of deflate's output, with room for a gzip wrapper: the bound zlib
 * documents for compressBound, plus 18 bytes of gzip header and trailer. */
static size_t stage_deflate_bound(size_t len)
{
    return len + (len >> 12) + (len >> 14) + (len >> 25) + 13 + 18;
}

size_t stage_list_output_bound(const struct stage_list *list, size_t raw_len)
{
    size_t n = raw_len;
    for (int i = 0; i < list->count; i++) {
        switch (list->item[i].kind) {
        case STAGE_COMPRESS: n = stage_deflate_bound(n); break;
        case STAGE_ENCRYPT:  n += TAG_BYTES; break;
        case STAGE_CHECKSUM: n += HASH_BYTES; break;
        case STAGE_SPIN:     break;
        }
    }
    return n;
}

size_t stage_list_inflated_len(const struct stage_list *list, size_t raw_len)
{
    size_t n = raw_len;
    for (int i = 0; i < list->count && list->item[i].kind != STAGE_COMPRESS; i++)
        if (list->item[i].kind == STAGE_CHECKSUM)
            n += HASH_BYTES;
    return n;
}

/* ---- runners --------------------------------------------------------- */

struct stage_runner *stage_runner_new(const struct stage_list *list,
                                      const struct stage_keys *keys, bool gzip)
{
    struct stage_runner *r = xcalloc(1, sizeof *r);
    r->list = *list;
    r->keys = keys;
    r->gzip = gzip;
    if (stage_list_has(list, STAGE_COMPRESS)) {
        int level = STAGE_DEFAULT_LEVEL;
        for (int i = 0; i < list->count; i++)
            if (list->item[i].kind == STAGE_COMPRESS)
                level = (int)list->item[i].param;
        /* Raw deflate (-15) in the container: integrity comes from the CRC,
         * digest and tag the container keeps; 31 = deflate with a gzip wrapper. */
        int bits = gzip ? 31 : -15;
        /* Each flag is set as soon as its stream exists, so that a failure of
         * the second still ends the first in stage_runner_free. */
        r->deflate_ready = deflateInit2(&r->deflater, level, Z_DEFLATED, bits, 8,
                                        Z_DEFAULT_STRATEGY) == Z_OK;
        r->inflate_ready = r->deflate_ready && inflateInit2(&r->inflater, -15) == Z_OK;
        if (!r->inflate_ready) {
            stage_runner_free(r);
            return NULL;
        }
    }
    return r;
}

void stage_runner_free(struct stage_runner *r)
{
    if (r == NULL)
        return;
    if (r->deflate_ready)
        deflateEnd(&r->deflater);
    if (r->inflate_ready)
        inflateEnd(&r->inflater);
    free(r);
}

/* ---- compress -------------------------------------------------------- */

static int stage_compress(struct stage_runner *r, struct chunk *c, size_t cap,
                          char *why, size_t why_len)
{
    uint8_t *out = xmalloc(cap);
    z_stream *z = &r->deflater;
    if (deflateReset(z) != Z_OK) {
        free(out);
        snprintf(why, why_len, "zlib: deflateReset failed");
        return -1;
    }
    z->next_in = c->data;
    z->avail_in = (uInt)c->len;
    z->next_out = out;
    z->avail_out = (uInt)cap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        snprintf(why, why_len, "zlib: deflate failed on chunk %llu", (unsigned long long)c->index);
        return -1;
    }
    chunk_set_data(c, out, z->total_out, cap);
    return 0;
}

static int stage_decompress(struct stage_runner *r, struct chunk *c, size_t cap,
                            char *why, size_t why_len)
{
    size_t want = stage_list_inflated_len(&r->list, c->raw_len);
    uint8_t *out = xmalloc(cap);
    z_stream *z = &r->inflater;
    int rc = inflateReset(z);
    z->next_in = c->data;
    z->avail_in = (uInt)c->len;
    z->next_out = out;
    z->avail_out = (uInt)cap;
    if (rc == Z_OK)
        rc = inflate(z, Z_FINISH);
    /* The stream must end exactly at the end of the record and give exactly
     * the length the record header promised. */
    if (rc != Z_STREAM_END || z->avail_in != 0 || z->total_out != want) {
        free(out);
        snprintf(why, why_len, "chunk %llu is corrupt: its deflate data %s",
                 (unsigned long long)c->index,
                 rc != Z_STREAM_END ? "does not decode" : "has the wrong length");
        return -1;
    }
    chunk_set_data(c, out, want, cap);
    return 0;
}

/* ---- encrypt --------------------------------------------------------- */

void stage_nonce(const struct stage_keys *keys, uint64_t index, uint8_t nonce[24])
{
    memcpy(nonce, keys->nonce_prefix, STAGE_NONCE_PREFIX_BYTES);
    put_le64(nonce + STAGE_NONCE_PREFIX_BYTES, index);
}

/* The associated data binds a chunk to its file (header hash), its place
 * (index), whether it is the last one, and its plaintext length. Moving a
 * record to another file or position, or flipping its final flag, breaks the
 * tag. */
static void stage_ad(const struct stage_keys *keys, const struct chunk *c,
                     uint8_t ad[STAGE_AD_BYTES])
{
    memcpy(ad, keys->header_hash, STAGE_HEADER_HASH_BYTES);
    put_le64(ad + STAGE_HEADER_HASH_BYTES, c->index);
    ad[STAGE_HEADER_HASH_BYTES + 8] = c->is_final ? 1 : 0;
    put_le32(ad + STAGE_HEADER_HASH_BYTES + 9, c->raw_len);
}

static int stage_encrypt(struct stage_runner *r, struct chunk *c)
{
    uint8_t nonce[24], ad[STAGE_AD_BYTES];
    unsigned long long out_len;
    stage_nonce(r->keys, c->index, nonce);
    stage_ad(r->keys, c, ad);
    /* In place: libsodium allows the ciphertext to overwrite the message. */
    crypto_aead_xchacha20poly1305_ietf_encrypt(c->data, &out_len, c->data, c->len,
                                               ad, sizeof ad, NULL, nonce, r->keys->key);
    c->len = (size_t)out_len;
    return 0;
}

static int stage_decrypt(struct stage_runner *r, struct chunk *c, char *why, size_t why_len)
{
    uint8_t nonce[24], ad[STAGE_AD_BYTES];
    unsigned long long out_len;
    stage_nonce(r->keys, c->index, nonce);
    stage_ad(r->keys, c, ad);
    if (c->len < TAG_BYTES ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(c->data, &out_len, NULL, c->data, c->len,
                                                   ad, sizeof ad, nonce, r->keys->key) != 0) {
        snprintf(why, why_len, "chunk %llu fails authentication: it was altered, moved or "
                 "taken from another file", (unsigned long long)c->index);
        return -1;
    }
    c->len = (size_t)out_len;
    return 0;
}

/* ---- checksum -------------------------------------------------------- */

static void stage_checksum(struct chunk *c)
{
    crypto_generichash(c->data + c->len, HASH_BYTES, c->data, c->len, NULL, 0);
    c->len += HASH_BYTES;
}

static int stage_checksum_verify(struct chunk *c, char *why, size_t why_len)
{
    uint8_t hash[HASH_BYTES];
    if (c->len >= HASH_BYTES) {
        c->len -= HASH_BYTES;
        crypto_generichash(hash, sizeof hash, c->data, c->len, NULL, 0);
        if (sodium_memcmp(hash, c->data + c->len, HASH_BYTES) == 0)
            return 0;
    }
    snprintf(why, why_len, "chunk %llu fails its BLAKE2b checksum", (unsigned long long)c->index);
    return -1;
}

/* ---- spin ------------------------------------------------------------ */

/* A mixing step with a data dependency from one round to the next, so the
 * compiler can neither skip nor vectorise it: the cost per round is fixed. */
static uint64_t spin_rounds(uint64_t x, uint64_t rounds)
{
    for (uint64_t i = 0; i < rounds; i++) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 29;
    }
    return x;
}

static uint64_t spin_rounds_per_ms;
static pthread_once_t spin_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t spin_sink; /* the results go here, so the work is not optimised away */

/* Measure once per process how many rounds one millisecond of CPU buys; the
 * best of five trials, so a preempted trial does not skew it. */
static void spin_calibrate(void)
{
    uint64_t best = UINT64_MAX, rounds = 1u << 18;
    for (int trial = 0; trial < 5; trial++) {
        uint64_t t0 = now_ns();
        atomic_store_explicit(&spin_sink, spin_rounds(t0, rounds), memory_order_relaxed);
        uint64_t dt = now_ns() - t0;
        if (dt < best)
            best = dt;
    }
    spin_rounds_per_ms = rounds * 1000000u / (best ? best : 1);
}

static void stage_spin(unsigned ms_per_mib, const struct chunk *c)
{
    xthread_once(&spin_once, spin_calibrate);
    /* In floating point: rounds/ms x ms/MiB x bytes would overflow 64 bits
     * for a long cost on a large chunk. */
    double mib = (double)c->len / (1 << 20);
    uint64_t rounds = (uint64_t)((double)spin_rounds_per_ms * ms_per_mib * mib);
    uint64_t seed = c->len ? c->data[0] : 0;
    atomic_store_explicit(&spin_sink, spin_rounds(seed, rounds), memory_order_relaxed);
}

/* ---- the whole list -------------------------------------------------- */

int stage_forward(struct stage_runner *r, struct chunk *c, char *why, size_t why_len)
{
    size_t cap = stage_list_output_bound(&r->list, c->len);
    c->raw_len = (uint32_t)c->len;
    if (!r->gzip)  /* gzip members carry their own CRC */
        c->crc = (uint32_t)crc32(0L, c->data, (uInt)c->len);
    for (int i = 0; i < r->list.count; i++) {
        const struct stage *s = &r->list.item[i];
        int rc = 0;
        switch (s->kind) {
        case STAGE_COMPRESS: rc = stage_compress(r, c, cap, why, why_len); break;
        case STAGE_ENCRYPT:  rc = stage_encrypt(r, c); break;
        case STAGE_CHECKSUM: stage_checksum(c); break;
        case STAGE_SPIN:     stage_spin(s->param, c); break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int stage_reverse(struct stage_runner *r, struct chunk *c, char *why, size_t why_len)
{
    size_t cap = stage_list_inflated_len(&r->list, c->raw_len);
    if (cap < c->len)
        cap = c->len;
    for (int i = r->list.count - 1; i >= 0; i--) {
        int rc = 0;
        switch (r->list.item[i].kind) {
        case STAGE_COMPRESS: rc = stage_decompress(r, c, cap ? cap : 1, why, why_len); break;
        case STAGE_ENCRYPT:  rc = stage_decrypt(r, c, why, why_len); break;
        case STAGE_CHECKSUM: rc = stage_checksum_verify(c, why, why_len); break;
        case STAGE_SPIN:     break;
        }
        if (rc != 0)
            return -1;
    }
    if (c->len != c->raw_len) {
        snprintf(why, why_len, "chunk %llu restores to %zu bytes, its record says %u",
                 (unsigned long long)c->index, c->len, (unsigned)c->raw_len);
        return -1;
    }
    c->crc = (uint32_t)crc32(0L, c->data, (uInt)c->len);
    return 0;
}
