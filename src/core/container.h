/*
 * container.h — the pipelab container format, version 1, encoded and decoded.
 *
 * The format is specified byte by byte in lessons/reference/format.md; this
 * module is the only code that knows the layout. It turns headers, record
 * headers and footers into bytes and back, checking everything it can check on
 * its own (magic, version, checksums, tags). Streaming is left to writer.c
 * (producing files) and restore.c (reading them).
 *
 *   header   116 bytes: magic, version, flags, chunk size, stages, nonce prefix,
 *            Argon2id salt and limits, key check, header checksum
 *   record   22 bytes + payload: 'R', flags (final), raw length, stored length,
 *            index, CRC-32 of the plaintext
 *   footer   72 bytes: 'F', chunk count, total raw bytes, plaintext digest,
 *            footer check (an AEAD tag when encrypted)
 *
 * The plaintext digest is BLAKE2b-256 over every chunk's (CRC-32, length) in
 * index order, so it is the same whatever order the records were written in.
 * In an encrypted file it is keyed (a MAC under a key derived from the file
 * key) and records leave their CRC field zero: nothing stored in clear lets
 * anyone confirm a guess of the plaintext.
 */
#ifndef PIPELAB_CONTAINER_H
#define PIPELAB_CONTAINER_H

#include "keys.h"
#include "stages.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTAINER_VERSION 1
#define CONTAINER_HEADER_BYTES 116
#define CONTAINER_RECORD_BYTES 22
#define CONTAINER_FOOTER_BYTES 72
#define CONTAINER_DIGEST_BYTES 32
#define CONTAINER_MAX_CHUNK (256u << 20)
#define CONTAINER_RECORD_TAG 'R'
#define CONTAINER_FOOTER_TAG 'F'

struct container_header {
    unsigned version;
    bool encrypted;                       /* the stage list has encrypt */
    bool passphrase;                      /* the key comes from Argon2id */
    uint32_t chunk_size;
    struct stage_list stages;
    uint8_t nonce_prefix[STAGE_NONCE_PREFIX_BYTES];
    uint8_t salt[KEY_SALT_BYTES];
    uint64_t opslimit, memlimit;
};

struct container_record {
    uint64_t index;
    bool is_final;
    uint32_t raw_len;
    uint32_t stored_len;
    uint32_t crc;
};

struct container_footer {
    uint64_t chunk_count;
    uint64_t total_raw;
    uint8_t digest[CONTAINER_DIGEST_BYTES];
};

/* Header. key is used for the key check when the file is encrypted. */
void container_header_encode(const struct container_header *h, const uint8_t *key,
                             uint8_t out[CONTAINER_HEADER_BYTES]);
int container_header_decode(const uint8_t in[CONTAINER_HEADER_BYTES],
                            struct container_header *h, char *why, size_t why_len);
/* 0 if key is the key the file was made with. */
int container_key_check(const uint8_t in[CONTAINER_HEADER_BYTES], const uint8_t *key);
/* BLAKE2b-256 of the header bytes: binds records and footer to this file. */
void container_header_hash(const uint8_t in[CONTAINER_HEADER_BYTES],
                           uint8_t out[STAGE_HEADER_HASH_BYTES]);

/* Record header (the payload follows it). Decode returns -1 if the tag or the
 * flags are not a record's, or the index is one of the two reserved for the
 * key check and footer nonces. */
void container_record_encode(const struct container_record *r,
                             uint8_t out[CONTAINER_RECORD_BYTES]);
int container_record_decode(const uint8_t in[CONTAINER_RECORD_BYTES],
                            struct container_record *r);

/* Footer. keys is NULL for a file that is not encrypted; then the footer check
 * is a BLAKE2b of the header hash and the footer (catches accidents, not
 * forgery); otherwise it is an AEAD tag under the file key. */
void container_footer_encode(const struct container_footer *f, const struct stage_keys *keys,
                             const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                             uint8_t out[CONTAINER_FOOTER_BYTES]);
int container_footer_decode(const uint8_t in[CONTAINER_FOOTER_BYTES],
                            const struct stage_keys *keys,
                            const uint8_t header_hash[STAGE_HEADER_HASH_BYTES],
                            struct container_footer *f);

/* The digest key of an encrypted file: BLAKE2b-256 keyed with the file key
 * over "pipelab digest key" and the nonce prefix (so it differs per file). */
void container_derive_digest_key(struct stage_keys *keys);

/* The plaintext digest, collected chunk by chunk in any order.
 *
 * Entries are kept in arrival order, one per record actually seen, so the
 * memory it takes follows the file's real size: a hostile record claiming
 * index 10^9 costs one entry, not a table of 10^9 slots. container_digest_check
 * sorts them by index and finds duplicates and gaps. */
struct container_digest_entry {
    uint64_t index;
    uint32_t crc;
    uint32_t len;
};

struct container_digest {
    struct container_digest_entry *entry;
    uint64_t count, alloc;
};

enum container_digest_problem { DIGEST_OK, DIGEST_DUPLICATE, DIGEST_MISSING };

void container_digest_init(struct container_digest *d);
void container_digest_add(struct container_digest *d, uint64_t index, uint32_t crc, uint32_t len);
/* Do the entries hold each index 0..count-1 exactly once? Sorts them; on a
 * problem, *index names the first duplicated or missing index. */
enum container_digest_problem container_digest_check(struct container_digest *d, uint64_t count,
                                                     uint64_t *index);
/* The digest of entries that passed container_digest_check. key: the digest
 * key of an encrypted file, or NULL. */
void container_digest_final(const struct container_digest *d, const uint8_t *key,
                            uint8_t out[CONTAINER_DIGEST_BYTES]);
void container_digest_free(struct container_digest *d);

#endif
