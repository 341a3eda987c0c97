/*
 * keys.h — where the encryption key comes from.
 *
 * Two sources, and no third: a key file of exactly 32 random bytes (made by
 * `pipelab keygen`, mode 0600), or a passphrase in PIPELAB_PASSPHRASE stretched
 * by Argon2id with a random salt that the container header records. There is no
 * default key and no all-zero key anywhere: encrypting without a key is an
 * error.
 */
#ifndef PIPELAB_KEYS_H
#define PIPELAB_KEYS_H

#include <stdint.h>

#define KEY_BYTES 32
#define KEY_SALT_BYTES 16
#define KEY_PASSPHRASE_ENV "PIPELAB_PASSPHRASE"

/* Argon2id cost for new files: libsodium's "interactive" limits. */
uint64_t key_default_opslimit(void);
uint64_t key_default_memlimit(void);

/* Write a new random key to path (mode 0600); refuses to overwrite. Returns 0
 * or an EX_ code after printing why. */
int key_generate_file(const char *path);

/* Read a key file: exactly KEY_BYTES bytes. Returns 0 or an EX_ code. */
int key_load_file(const char *path, uint8_t key[KEY_BYTES]);

/* Stretch a passphrase with Argon2id. Refuses absurd cost parameters (a
 * corrupt or hostile header must not make us allocate gigabytes). Returns 0 or
 * an EX_ code after printing why. */
int key_from_passphrase(const char *passphrase, const uint8_t salt[KEY_SALT_BYTES],
                        uint64_t opslimit, uint64_t memlimit, uint8_t key[KEY_BYTES]);

#endif
