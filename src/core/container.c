/*
 * container.c — byte layout of the container format. See container.h and
 * lessons/reference/format.md (keep the two in step).
 */
#include "container.h"
#include "bytes.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t container_magic[8] = { 0x89, 'P', 'L', 'A', 'B', '\r', '\n', 0x1a };

enum { FLAG_ENCRYPTED = 1, FLAG_PASSPHRASE = 2 };

/* Offsets inside the header. */
enum {
    H_MAGIC = 0, H_VERSION = 8, H_FLAGS = 10, H_CHUNK = 12, H_NSTAGES = 16,
    H_STAGES = 20, H_NONCE = 36, H_SALT = 52, H_OPS = 68, H_MEM = 76,
    H_KEYCHECK = 84, H_CHECK = 100,
};

/* The nonce indexes reserved for the key check and the footer tag; no chunk
 * may have them (chunk indexes stay far below 2^63). */
#define NONCE_KEY_CHECK UINT64_C(0xfffffffffffffffe)
#define NONCE_FOOTER    UINT64_C(0xffffffffffffffff)

static void container_tag(const uint8_t *key, const uint8_t prefix[STAGE_NONCE_PREFIX_BYTES],
                          uint64_t nonce_index, const uint8_t *ad, size_t ad_len,
                          uint8_t tag[16])
{
    struct stage_keys k;
    uint8_t nonce[24];
    memcpy(k.nonce_prefix, prefix, sizeof k.nonce_prefix);
    stage_nonce(&k, nonce_index, nonce);
    unsigned long long tag_len;
    uint8_t none[1] = { 0 }; /* an empty message: the tag authenticates ad alone */
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(none, tag, &tag_len, none, 0,
                                                        ad, ad_len, NULL, nonce, key);
}

void container_header_encode(const struct container_header *h, const uint8_t *key,
                             uint8_t out[CONTAINER_HEADER_BYTES])
{
    memset(out, 0, CONTAINER_HEADER_BYTES);
    memcpy(out + H_MAGIC, container_magic, sizeof container_magic);
    put_le16(out + H_VERSION, CONTAINER_VERSION);
    put_le16(out + H_FLAGS, (uint16_t)((h->encrypted ? FLAG_ENCRYPTED : 0) |
                                       (h->passphrase ? FLAG_PASSPHRASE : 0)));
    put_le32(out + H_CHUNK, h->chunk_size);
    out[H_NSTAGES] = (uint8_t)h->stages.count;
    for (int i = 0; i < h->stages.count; i++) {
        out[H_STAGES + 4 * i] = (uint8_t)h->stages.item[i].kind;
        put_le16(out + H_STAGES + 4 * i + 2, (uint16_t)h->stages.item[i].param);
    }
    memcpy(out + H_NONCE, h->nonce_prefix, STAGE_NONCE_PREFIX_BYTES);
    memcpy(out + H_SALT, h->salt, KEY_SALT_BYTES);
    put_le64(out + H_OPS, h->opslimit);
    put_le64(out + H_MEM, h->memlimit);
    if (h->encrypted)
        container_tag(key, h->nonce_prefix, NONCE_KEY_CHECK, out, H_KEYCHECK, out + H_KEYCHECK);
    crypto_generichash(out + H_CHECK, 16, out, H_CHECK, NULL, 0);
}

/* A run of bytes the format says are zero. */
static bool container_is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* The stage slots' reserved parts: byte 1 of a used slot, the parameter of a
 * stage that takes none, and every byte of an unused slot are zero. */
static int container_check_slots(const uint8_t *in, unsigned n, char *why, size_t why_len)
{
    for (unsigned i = 0; i < STAGE_MAX; i++) {
        const uint8_t *slot = in + H_STAGES + 4 * i;
        unsigned kind = slot[0];
        if (i >= n && !container_is_zero(slot, 4)) {
            snprintf(why, why_len, "header's stage slot %u is unused but not zero", i);
            return -1;
        }
        if (i < n && slot[1] != 0) {
            snprintf(why, why_len, "header's stage slot %u has a non-zero reserved byte", i);
            return -1;
        }
        if (i < n && (kind == STAGE_ENCRYPT || kind == STAGE_CHECKSUM) &&
            get_le16(slot + 2) != 0) {
            snprintf(why, why_len, "header's %s stage has parameter %u (it takes none: 0)",
                     stage_name((enum stage_kind)kind), get_le16(slot + 2));
            return -1;
        }
    }
    return 0;
}

/* Salt, Argon2id limits and key check: in use only with the flags that call
 * for them, zero otherwise; limits above what process writes are refused here,
 * before any key is derived. */
static int container_check_key_fields(const uint8_t *in, const struct container_header *h,
                                      char *why, size_t why_len)
{
    if (h->passphrase && !h->encrypted) {
        snprintf(why, why_len, "header has the passphrase flag but is not encrypted");
        return -1;
    }
    if (!h->encrypted && !container_is_zero(in + H_KEYCHECK, 16)) {
        snprintf(why, why_len, "header's key check is not zero in a file that is not encrypted");
        return -1;
    }
    if (h->passphrase)
        return key_check_limits(h->opslimit, h->memlimit, why, why_len);
    static const struct { const char *name; unsigned at, len; } unused[] = {
        { "Argon2id salt", H_SALT, KEY_SALT_BYTES },
        { "Argon2id opslimit", H_OPS, 8 },
        { "Argon2id memlimit", H_MEM, 8 },
    };
    for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
        if (!container_is_zero(in + unused[i].at, unused[i].len)) {
            snprintf(why, why_len, "header's %s is not zero but no passphrase is used",
                     unused[i].name);
            return -1;
        }
    return 0;
}

/* Stage kinds and parameters as the header stores them, checked as strictly
 * as the command line checks them. */
static int container_decode_stages(const uint8_t *in, struct container_header *h,
                                   char *why, size_t why_len)
{
    unsigned n = in[H_NSTAGES];
    if (n > STAGE_MAX) {
        snprintf(why, why_len, "header lists %u stages (at most %d)", n, STAGE_MAX);
        return -1;
    }
    char spec[128] = "";
    for (unsigned i = 0; i < n; i++) {
        unsigned kind = in[H_STAGES + 4 * i];
        unsigned param = get_le16(in + H_STAGES + 4 * i + 2);
        if (kind < STAGE_COMPRESS || kind > STAGE_SPIN) {
            snprintf(why, why_len, "header names unknown stage %u", kind);
            return -1;
        }
        size_t used = strlen(spec);
        if (kind == STAGE_SPIN)
            snprintf(spec + used, sizeof spec - used, "%sspin:%u", i ? "," : "", param);
        else
            snprintf(spec + used, sizeof spec - used, "%s%s", i ? "," : "",
                     stage_name((enum stage_kind)kind));
        if (kind == STAGE_COMPRESS && (param < 1 || param > 9)) {
            snprintf(why, why_len, "header has compress level %u", param);
            return -1;
        }
    }
    if (container_check_slots(in, n, why, why_len) != 0)
        return -1;
    unsigned level = STAGE_DEFAULT_LEVEL; /* unused unless a compress stage sets it */
    for (unsigned i = 0; i < n; i++)
        if (in[H_STAGES + 4 * i] == STAGE_COMPRESS)
            level = get_le16(in + H_STAGES + 4 * i + 2);
    if (n == 0) {
        h->stages.count = 0;
        return 0;
    }
    return stage_list_parse(spec, level, &h->stages, why, why_len);
}

int container_header_decode(const uint8_t in[CONTAINER_HEADER_BYTES],
                            struct container_header *h, char *why, size_t why_len)
{
    uint8_t check[16];
    memset(h, 0, sizeof *h);
    if (memcmp(in, container_magic, sizeof container_magic) != 0) {
        snprintf(why, why_len, "not a pipelab container (bad magic)");
        return -1;
    }
    h->version = get_le16(in + H_VERSION);
    if (h->version != CONTAINER_VERSION) {
        snprintf(why, why_len, "unsupported container version %u (this pipelab reads version %d)",
                 h->version, CONTAINER_VERSION);
        return -1;
    }
    crypto_generichash(check, sizeof check, in, H_CHECK, NULL, 0);
    if (sodium_memcmp(check, in + H_CHECK, sizeof check) != 0) {
        snprintf(why, why_len, "header is corrupt (its checksum does not match)");
        return -1;
    }
    unsigned flags = get_le16(in + H_FLAGS);
    h->encrypted = flags & FLAG_ENCRYPTED;
    h->passphrase = flags & FLAG_PASSPHRASE;
    h->chunk_size = get_le32(in + H_CHUNK);
    if ((flags & ~3u) != 0 || h->chunk_size == 0 || h->chunk_size > CONTAINER_MAX_CHUNK) {
        snprintf(why, why_len, "header has invalid flags or chunk size");
        return -1;
    }
    if (!container_is_zero(in + H_NSTAGES + 1, H_STAGES - H_NSTAGES - 1)) {
        snprintf(why, why_len, "header bytes 17-19 are not zero (reserved)");
        return -1;
    }
    if (container_decode_stages(in, h, why, why_len) != 0)
        return -1;
    if (h->encrypted != stage_list_has(&h->stages, STAGE_ENCRYPT)) {
        snprintf(why, why_len, "header's encryption flag disagrees with its stages");
        return -1;
    }
    memcpy(h->nonce_prefix, in + H_NONCE, STAGE_NONCE_PREFIX_BYTES);
    memcpy(h->salt, in + H_SALT, KEY_SALT_BYTES);
    h->opslimit = get_le64(in + H_OPS);
    h->memlimit = get_le64(in + H_MEM);
    return container_check_key_fields(in, h, why, why_len);
}

int container_key_check(const uint8_t in[CONTAINER_HEADER_BYTES], const uint8_t *key)
{
    uint8_t tag[16];
    container_tag(key, in + H_NONCE, NONCE_KEY_CHECK, in, H_KEYCHECK, tag);
    return sodium_memcmp(tag, in + H_KEYCHECK, sizeof tag) == 0 ? 0 : -1;
}

void container_header_hash(const uint8_t in[CONTAINER_HEADER_BYTES],
                           uint8_t out[STAGE_HEADER_HASH_BYTES])
{
    crypto_generichash(out, STAGE_HEADER_HASH_BYTES, in, CONTAINER_HEADER_BYTES, NULL, 0);
}

/* ---- records --------------------------------------------------------- */

void container_record_encode(const struct container_record *r,
                             uint8_t out[CONTAINER_RECORD_BYTES])
{
    out[0] = CONTAINER_RECORD_TAG;
    out[1] = r->is_final ? 1 : 0;
    put_le32(out + 2, r->raw_len);
    put_le32(out + 6, r->stored_len);
    put_le64(out + 10, r->index);
    put_le32(out + 18, r->crc);
}

int container_record_decode(const uint8_t in[CONTAINER_RECORD_BYTES],
                            struct container_record *r)
{
    if (in[0] != CONTAINER_RECORD_TAG || in[1] > 1)
        return -1;
    r->is_final = in[1] == 1;
    r->raw_len = get_le32(in + 2);
    r->stored_len = get_le32(in + 6);
    r->index = get_le64(in + 10);
    r->crc = get_le32(in + 18);
    return r->index >= NONCE_KEY_CHECK ? -1 : 0;
}

/* ---- footer ---------------------------------------------------------- */

/* The footer check covers the header hash and the first 56 footer bytes. */
static void container_footer_check(const uint8_t body[56], const struct stage_keys *keys,
                                   const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                                   uint8_t check[16])
{
    uint8_t ad[STAGE_HEADER_HASH_BYTES + 56];
    memcpy(ad, header_hash, STAGE_HEADER_HASH_BYTES);
    memcpy(ad + STAGE_HEADER_HASH_BYTES, body, 56);
    if (keys != NULL)
        container_tag(keys->key, keys->nonce_prefix, NONCE_FOOTER, ad, sizeof ad, check);
    else
        crypto_generichash(check, 16, ad, sizeof ad, NULL, 0);
}

void container_footer_encode(const struct container_footer *f, const struct stage_keys *keys,
                             const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                             uint8_t out[CONTAINER_FOOTER_BYTES])
{
    memset(out, 0, CONTAINER_FOOTER_BYTES);
    out[0] = CONTAINER_FOOTER_TAG;
    put_le64(out + 8, f->chunk_count);
    put_le64(out + 16, f->total_raw);
    memcpy(out + 24, f->digest, CONTAINER_DIGEST_BYTES);
    container_footer_check(out, keys, header_hash, out + 56);
}

int container_footer_decode(const uint8_t in[CONTAINER_FOOTER_BYTES],
                            const struct stage_keys *keys,
                            const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                            struct container_footer *f, char *why, size_t why_len)
{
    uint8_t check[16];
    container_footer_check(in, keys, header_hash, check);
    if (in[0] != CONTAINER_FOOTER_TAG || sodium_memcmp(check, in + 56, sizeof check) != 0) {
        snprintf(why, why_len, "footer is corrupt or was altered (its check does not match)");
        return -1;
    }
    /* Covered by the check, so only a writer that holds the check's key (or,
     * unencrypted, anyone recomputing the BLAKE2b) gets here with them set. */
    if (!container_is_zero(in + 1, 7)) {
        snprintf(why, why_len, "footer bytes 1-7 are not zero (reserved)");
        return -1;
    }
    f->chunk_count = get_le64(in + 8);
    f->total_raw = get_le64(in + 16);
    memcpy(f->digest, in + 24, CONTAINER_DIGEST_BYTES);
    return 0;
}

/* ---- the plaintext digest -------------------------------------------- */

void container_derive_digest_key(struct stage_keys *keys)
{
    static const char label[] = "pipelab digest key";
    uint8_t msg[sizeof label - 1 + STAGE_NONCE_PREFIX_BYTES];
    memcpy(msg, label, sizeof label - 1);
    memcpy(msg + sizeof label - 1, keys->nonce_prefix, STAGE_NONCE_PREFIX_BYTES);
    crypto_generichash(keys->digest_key, sizeof keys->digest_key, msg, sizeof msg,
                       keys->key, sizeof keys->key);
}

void container_digest_init(struct container_digest *d)
{
    memset(d, 0, sizeof *d);
}

void container_digest_add(struct container_digest *d, uint64_t index, uint32_t crc, uint32_t len)
{
    if (d->count == d->alloc) {
        d->alloc = d->alloc ? 2 * d->alloc : 1024;
        d->entry = xrealloc(d->entry, d->alloc * sizeof *d->entry);
    }
    d->entry[d->count++] = (struct container_digest_entry){ index, crc, len };
}

static int container_entry_order(const void *a, const void *b)
{
    uint64_t x = ((const struct container_digest_entry *)a)->index;
    uint64_t y = ((const struct container_digest_entry *)b)->index;
    return (x > y) - (x < y);
}

enum container_digest_problem container_digest_check(struct container_digest *d, uint64_t count,
                                                     uint64_t *index)
{
    if (d->count > 0)
        qsort(d->entry, d->count, sizeof *d->entry, container_entry_order);
    /* Sorted, entry i must hold index i: the first place it does not is
     * either a repeat of the index before it or a gap. */
    for (uint64_t i = 0; i < d->count; i++) {
        if (d->entry[i].index == i)
            continue;
        *index = d->entry[i].index < i ? d->entry[i].index : i;
        return d->entry[i].index < i ? DIGEST_DUPLICATE : DIGEST_MISSING;
    }
    /* Each of 0..d->count-1 once: either count is larger (the next index is
     * missing) or the file holds chunks beyond the count (the first is count). */
    if (d->count != count) {
        *index = d->count < count ? d->count : count;
        return d->count < count ? DIGEST_MISSING : DIGEST_EXTRA;
    }
    return DIGEST_OK;
}

void container_digest_final(const struct container_digest *d, const uint8_t *key,
                            uint8_t out[CONTAINER_DIGEST_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, key ? KEY_BYTES : 0, CONTAINER_DIGEST_BYTES);
    for (uint64_t i = 0; i < d->count; i++) {
        uint8_t e[8];
        put_le32(e, d->entry[i].crc);
        put_le32(e + 4, d->entry[i].len);
        crypto_generichash_update(&st, e, sizeof e);
    }
    crypto_generichash_final(&st, out, CONTAINER_DIGEST_BYTES);
}

void container_digest_free(struct container_digest *d)
{
    free(d->entry);
    memset(d, 0, sizeof *d);
}
