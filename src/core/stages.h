/*
 * stages.h — the processing pipeline: what is done to each chunk.
 *
 * This is the first of the two pipelines the kit keeps apart (the design note's
 * lesson): an ordered list of stages, each with a forward operation (used by
 * `process`) and a reverse one (used by `restore`). Which thread runs a stage is
 * not this module's business; that is the execution pipeline (backends/).
 *
 *   compress   zlib deflate, level 1..9             reverse: inflate
 *   encrypt    XChaCha20-Poly1305-IETF (libsodium)  reverse: decrypt + verify
 *   checksum   appends BLAKE2b-256 of the data      reverse: verify + strip
 *   spin:MS    burns MS ms of CPU per MiB           reverse: nothing
 *              (a controlled, deterministic CPU cost for experiments)
 *
 * Each thread that runs stages owns one struct stage_runner: it keeps the zlib
 * streams between chunks (deflateReset is far cheaper than deflateInit) and is
 * never shared, so stages need no locks.
 */
#ifndef PIPELAB_STAGES_H
#define PIPELAB_STAGES_H

#include "chunk.h"
#include "keys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum stage_kind { STAGE_COMPRESS = 1, STAGE_ENCRYPT = 2, STAGE_CHECKSUM = 3, STAGE_SPIN = 4 };

#define STAGE_MAX 4               /* each kind at most once */
#define STAGE_DEFAULT_LEVEL 6
#define STAGE_DEFAULT_SPIN_MS 10

struct stage {
    enum stage_kind kind;
    unsigned param;               /* compress: level; spin: ms per MiB; else 0 */
};

struct stage_list {
    struct stage item[STAGE_MAX];
    int count;
};

/* Per-file secrets and identity that the encrypt stage binds every chunk to. */
#define STAGE_NONCE_PREFIX_BYTES 16
#define STAGE_HEADER_HASH_BYTES 32
struct stage_keys {
    uint8_t key[KEY_BYTES];
    uint8_t nonce_prefix[STAGE_NONCE_PREFIX_BYTES];  /* random, per file */
    uint8_t header_hash[STAGE_HEADER_HASH_BYTES];    /* BLAKE2b of the file header */
    uint8_t digest_key[KEY_BYTES];             /* keys the plaintext digest */
};

/* Parse "compress,encrypt" or "checksum,compress,spin:20,encrypt". level is
 * used for compress. Refuses unknown names, repeats and orders that make no
 * sense, with the reason in why. Returns 0 or -1. */
int stage_list_parse(const char *spec, unsigned level, struct stage_list *out,
                     char *why, size_t why_len);

/* "compress(6),encrypt" — for inspect and reports. */
void stage_list_describe(const struct stage_list *list, char *buf, size_t len);

const char *stage_name(enum stage_kind kind);
bool stage_list_has(const struct stage_list *list, enum stage_kind kind);

/* Bytes a chunk of raw_len may need after all forward stages. */
size_t stage_list_output_bound(const struct stage_list *list, size_t raw_len);

/* Bytes the reverse of compress must produce for a chunk of raw_len (raw_len
 * plus what the stages before compress added). */
size_t stage_list_inflated_len(const struct stage_list *list, size_t raw_len);

struct stage_runner;

/* gzip: compress writes a standard gzip member instead of raw deflate.
 * keys may be NULL when no stage encrypts. Returns NULL on failure. */
struct stage_runner *stage_runner_new(const struct stage_list *list,
                                      const struct stage_keys *keys, bool gzip);
void stage_runner_free(struct stage_runner *r);

/* Run every stage forward on c (c->data becomes the stored bytes) and record
 * its plaintext CRC. Returns 0, or -1 with the reason in why. */
int stage_forward(struct stage_runner *r, struct chunk *c, char *why, size_t why_len);

/* Run every stage in reverse (c->data becomes plaintext of c->raw_len bytes).
 * Returns 0, or -1 with the reason in why (authentication failure, corrupt
 * deflate data, wrong length). */
int stage_reverse(struct stage_runner *r, struct chunk *c, char *why, size_t why_len);

/* The associated data and nonce the encrypt stage uses; the container uses the
 * same construction for its footer and key check (see format.md). */
#define STAGE_AD_BYTES (STAGE_HEADER_HASH_BYTES + 8 + 1 + 4)
void stage_nonce(const struct stage_keys *keys, uint64_t index, uint8_t nonce[24]);

#endif
