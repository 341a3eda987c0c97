/*
 * keys.c — key files and passphrases. See keys.h.
 */
#include "keys.h"
#include "output.h"
#include "reader.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX_OPSLIMIT 16
#define KEY_MAX_MEMLIMIT (1024ull << 20)

uint64_t key_default_opslimit(void)
{
    return crypto_pwhash_OPSLIMIT_INTERACTIVE;
}

uint64_t key_default_memlimit(void)
{
    return crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int key_generate_file(const char *path)
{
    uint8_t key[KEY_BYTES];
    struct output out;
    if (access(path, F_OK) == 0) {
        warnx_msg("%s already exists; refusing to overwrite a key", path);
        return EX_CANTCREAT;
    }
    /* Without OUTPUT_REPLACE: never over a file, even one made meanwhile. */
    int rc = output_open(&out, path, 0600, OUTPUT_SYNC);
    if (rc != 0)
        return rc;
    randombytes_buf(key, sizeof key);
    rc = output_write(&out, key, sizeof key);
    sodium_memzero(key, sizeof key);
    if (rc != 0) {
        warnx_msg("cannot write %s: %s", path, strerror(errno));
        output_abort(&out);
        return rc;
    }
    return output_commit(&out);
}

int key_load_file(const char *path, uint8_t key[KEY_BYTES])
{
    struct stat st;
    int fd = reader_open_regular(path, "key file ", &st);
    if (fd < 0)
        return -fd;
    uint8_t buf[KEY_BYTES + 1];
    ssize_t n = 0, got;
    while (n < (ssize_t)sizeof buf &&
           (got = read(fd, buf + n, sizeof buf - (size_t)n)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            warnx_msg("cannot read key file %s: %s", path, strerror(errno));
            close(fd);
            return EX_IOERR;
        }
        n += got;
    }
    close(fd);
    if (n != KEY_BYTES) {
        warnx_msg("key file %s must hold exactly %d bytes (make one with: pipelab keygen FILE)",
                  path, KEY_BYTES);
        sodium_memzero(buf, sizeof buf);
        return EX_DATAERR;
    }
    memcpy(key, buf, KEY_BYTES);
    sodium_memzero(buf, sizeof buf);
    if (sodium_is_zero(key, KEY_BYTES)) {
        warnx_msg("key file %s is all zeros; make a real key with: pipelab keygen FILE", path);
        return EX_DATAERR;
    }
    return 0;
}

int key_from_passphrase(const char *passphrase, const uint8_t salt[KEY_SALT_BYTES],
                        uint64_t opslimit, uint64_t memlimit, uint8_t key[KEY_BYTES])
{
    if (passphrase[0] == '\0') {
        warnx_msg("%s is empty", KEY_PASSPHRASE_ENV);
        return EX_USAGE;
    }
    if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > KEY_MAX_OPSLIMIT ||
        memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > KEY_MAX_MEMLIMIT) {
        warnx_msg("the file's Argon2id parameters are out of range (corrupt header?)");
        return EX_DATAERR;
    }
    if (crypto_pwhash(key, KEY_BYTES, passphrase, strlen(passphrase), salt,
                      opslimit, (size_t)memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        warnx_msg("Argon2id key derivation failed (not enough memory?)");
        return EX_OSERR;
    }
    return 0;
}
