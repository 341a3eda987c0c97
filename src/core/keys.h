/*
 * keys.h — where the encryption key comes from.
 *
 * Two sources, and no third: a key file of exactly KEY_BYTES (32) random
 * bytes (made by `pipelab keygen`, mode 0600), or a passphrase in
 * PIPELAB_PASSPHRASE stretched by Argon2id with a random salt that the
 * container header records. There is no default key and no all-zero key
 * anywhere: encrypting without a key is an error.
 */
#ifndef PIPELAB_KEYS_H
#define PIPELAB_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* The one key size: the key file, the Argon2id output and the encrypt
 * stage's key (stages.c checks it against libsodium's). */
#define KEY_BYTES 32
#define KEY_SALT_BYTES 16
#define KEY_PASSPHRASE_ENV "PIPELAB_PASSPHRASE"

/* Argon2id cost. process writes exactly these (libsodium's "interactive"
 * limits, fixed here so that they do not follow a libsodium upgrade), and a
 * reader refuses anything above them: a crafted header cannot make restore
 * spend more memory or time than process did. The floors are libsodium's. */
#define KEY_ARGON2_OPSLIMIT 2u
#define KEY_ARGON2_MEMLIMIT (64u << 20)
#define KEY_ARGON2_MIN_OPSLIMIT 1u
#define KEY_ARGON2_MIN_MEMLIMIT 8192u

uint64_t key_default_opslimit(void);
uint64_t key_default_memlimit(void);

/* Are these Argon2id limits ones a reader accepts? 0, or -1 with a one-line
 * reason in why. Cheap: it is checked before any key is derived. */
int key_check_limits(uint64_t opslimit, uint64_t memlimit, char *why, size_t why_len);

/* Write a new random key to path (mode 0600); refuses to overwrite. Returns 0
 * or an EX_ code after printing why. */
int key_generate_file(const char *path);

/* Read a key file: exactly KEY_BYTES bytes. A key file that group or others
 * may read is used, with a one-line warning. Returns 0 or an EX_ code. */
int key_load_file(const char *path, uint8_t key[KEY_BYTES]);

/* Stretch a passphrase with Argon2id. Refuses limits key_check_limits
 * refuses (a corrupt or hostile header must not make us allocate gigabytes).
 * Returns 0 or an EX_ code after printing why. */
int key_from_passphrase(const char *passphrase, const uint8_t salt[KEY_SALT_BYTES],
                        uint64_t opslimit, uint64_t memlimit, uint8_t key[KEY_BYTES]);

#endif
