/*
 * fuzz_restore.c — a libFuzzer target for the container reader: restore and
 * inspect of any bytes at all.
 *
 *   make fuzz                  FUZZ_SECONDS of fuzzing (default 60)
 *   make test                  a short pass, see tests/fuzz/run.sh
 *
 * Each input is written to a file and given to restore_file (which verifies
 * all of it, then writes the plaintext through a temporary) and to
 * inspect_file, as the commands would. Besides the sanitizers' own checks
 * (built with -fsanitize=fuzzer,address,undefined), two oracles:
 *   - a restore that succeeds wrote exactly the plaintext every seed was made
 *     from (tests/fuzz/corpus: 3000 bytes of `pipelab gen --seed 1` text, in
 *     several containers); a file that passes every check yet restores to
 *     anything else is a forgery the format failed to catch;
 *   - a restore leaves nothing in its output directory but OUT when it
 *     succeeds and nothing at all when it fails: no temporary, no half file.
 * The encrypted seeds use the fixed test key 00 01 02 ... 1f, which is
 * written to the key file given to every restore (files that are not
 * encrypted ignore it).
 */
#include "gen.h"
#include "options.h"
#include "restore.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_PLAIN_BYTES 3000
#ifndef FUZZ_PLAIN_SEED
#define FUZZ_PLAIN_SEED 1 /* -D changes it only to prove the oracle fires */
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];                /* the scratch directory, removed at exit */
static char fuzz_in[96], fuzz_key[96], fuzz_out_dir[96], fuzz_out[128];
static uint8_t fuzz_plain[FUZZ_PLAIN_BYTES];
static FILE *fuzz_devnull;               /* where inspect prints */

static void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz_restore: %s\n", what);
    abort();
}

static void fuzz_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        fuzz_die("cannot write a scratch file");
}

static void fuzz_cleanup(void)
{
    unlink(fuzz_in);
    unlink(fuzz_key);
    unlink(fuzz_out);
    rmdir(fuzz_out_dir);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/pipelab-fuzz-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(fuzz_dir) == NULL)
        fuzz_die("cannot make a scratch directory");
    snprintf(fuzz_in, sizeof fuzz_in, "%s/in.plab", fuzz_dir);
    snprintf(fuzz_key, sizeof fuzz_key, "%s/key", fuzz_dir);
    snprintf(fuzz_out_dir, sizeof fuzz_out_dir, "%s/out", fuzz_dir);
    snprintf(fuzz_out, sizeof fuzz_out, "%s/back", fuzz_out_dir);
    if (mkdir(fuzz_out_dir, 0700) != 0)
        fuzz_die("cannot make the output directory");
    atexit(fuzz_cleanup);

    uint8_t key[32];
    for (unsigned i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    fuzz_write_file(fuzz_key, key, sizeof key);
    if (chmod(fuzz_key, 0600) != 0)
        fuzz_die("cannot make the key file private");

    struct gen *g = gen_new(GEN_TEXT, FUZZ_PLAIN_SEED);
    gen_fill(g, fuzz_plain, sizeof fuzz_plain);
    gen_free(g);
    unsetenv("PIPELAB_PASSPHRASE");
    if ((fuzz_devnull = fopen("/dev/null", "w")) == NULL)
        fuzz_die("cannot open /dev/null");
    return 0;
}

/* Is the output directory empty, or holding OUT alone when allowed? */
static int fuzz_out_dir_clean(int allow_out)
{
    DIR *d = opendir(fuzz_out_dir);
    if (d == NULL)
        fuzz_die("cannot read the output directory");
    int clean = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!(allow_out && strcmp(e->d_name, "back") == 0))
            clean = 0;
    }
    closedir(d);
    return clean;
}

/* Does the file at fuzz_out hold exactly the plaintext? */
static int fuzz_out_is_plain(void)
{
    static uint8_t got[FUZZ_PLAIN_BYTES + 1];
    FILE *f = fopen(fuzz_out, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(got, 1, sizeof got, f);
    fclose(f);
    return n == FUZZ_PLAIN_BYTES && memcmp(got, fuzz_plain, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(fuzz_in, data, size);

    struct options opt;
    options_defaults(&opt);
    opt.command = "restore";
    opt.in = fuzz_in;
    opt.out = fuzz_out;
    opt.key_file = fuzz_key;
    int rc = restore_file(&opt, fuzz_in, fuzz_out);
    if (!fuzz_out_dir_clean(rc == 0))
        fuzz_die(rc == 0 ? "restore left a file beside OUT" : "a failed restore left a file");
    if (rc == 0 && !fuzz_out_is_plain())
        fuzz_die("restore succeeded with something other than the plaintext");
    unlink(fuzz_out);

    (void)inspect_file(fuzz_in, fuzz_devnull);
    return 0;
}
