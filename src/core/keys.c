/*
 * keys.c — key files and passphrases. See keys.h.
 */
#include "keys.h"
#include "output.h"
#include "reader.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The floors must be ones crypto_pwhash accepts. */
_Static_assert(KEY_ARGON2_MIN_OPSLIMIT >= crypto_pwhash_OPSLIMIT_MIN, "opslimit floor");
_Static_assert(KEY_ARGON2_MIN_MEMLIMIT >= crypto_pwhash_MEMLIMIT_MIN, "memlimit floor");

uint64_t key_default_opslimit(void)
{
    return KEY_ARGON2_OPSLIMIT;
}

uint64_t key_default_memlimit(void)
{
    return KEY_ARGON2_MEMLIMIT;
}

int key_check_limits(uint64_t opslimit, uint64_t memlimit, char *why, size_t why_len)
{
    if (opslimit < KEY_ARGON2_MIN_OPSLIMIT || opslimit > KEY_ARGON2_OPSLIMIT) {
        snprintf(why, why_len, "header's Argon2id opslimit %" PRIu64 " is out of range (%u to %u)",
                 opslimit, KEY_ARGON2_MIN_OPSLIMIT, KEY_ARGON2_OPSLIMIT);
        return -1;
    }
    if (memlimit < KEY_ARGON2_MIN_MEMLIMIT || memlimit > KEY_ARGON2_MEMLIMIT) {
        snprintf(why, why_len, "header's Argon2id memlimit %" PRIu64
                 " is out of range (%u to %u bytes)",
                 memlimit, KEY_ARGON2_MIN_MEMLIMIT, KEY_ARGON2_MEMLIMIT);
        return -1;
    }
    return 0;
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

/* As ssh does for private keys: a key file others may read still works, but
 * says so once. Only regular files: a pipe's mode says nothing about who saw
 * the key. A failed fstat is left to the read that follows. */
static void key_warn_if_exposed(int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0)
        warnx_msg("warning: key file %s is accessible by group or others (mode %04o): "
                  "chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
}

int key_load_file(const char *path, uint8_t key[KEY_BYTES])
{
    struct stat st;
    int fd = reader_open_regular(path, "key file ", &st);
    if (fd < 0)
        return -fd;
    key_warn_if_exposed(fd, path);
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
    char why[160];
    if (key_check_limits(opslimit, memlimit, why, sizeof why) != 0) {
        warnx_msg("%s", why);
        return EX_DATAERR;
    }
    if (crypto_pwhash(key, KEY_BYTES, passphrase, strlen(passphrase), salt,
                      opslimit, (size_t)memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        warnx_msg("Argon2id key derivation failed (not enough memory?)");
        return EX_OSERR;
    }
    return 0;
}
