/*
 * restore.c — restore, verify and inspect. See restore.h.
 */
#include "restore.h"
#include "bytes.h"
#include "container.h"
#include "keys.h"
#include "output.h"
#include "reader.h"
#include "stages.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct restore {
    FILE *in;
    const char *in_path;
    uint64_t in_size;
    uint64_t offset;                  /* where the next read starts */
    struct container_header h;
    uint8_t header[CONTAINER_HEADER_BYTES];
    struct stage_keys keys;
    struct stage_runner *runner;
    struct container_digest digest;
    struct output out;
    bool writing;
    uint64_t records, total_raw;
    int64_t final_index;              /* -1 until the final chunk is seen */
    char why[300];
};

/* Record why the file is bad (the caller reports it) and return EX_DATAERR. */
static int bad(struct restore *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct restore *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return EX_DATAERR;
}

/* Read exactly n bytes; 1 if done, 0 on a clean end of file before any byte,
 * -1 on a short read or an I/O error. */
static int restore_read(struct restore *r, void *buf, size_t n)
{
    size_t got = fread(buf, 1, n, r->in);
    r->offset += got;
    if (got == n)
        return 1;
    return got == 0 && !ferror(r->in) ? 0 : -1;
}

static int restore_open_input(struct restore *r, const char *path)
{
    struct stat st;
    char *spool = NULL;
    r->in_path = path;
    /* "-": standard input, copied whole into a private file first, since
     * the file is read twice. */
    if (output_is_dash(path)) {
        int rc = output_spool_stdin(&spool);
        if (rc != 0)
            return rc;
    }
    int fd = reader_open_regular(spool != NULL ? spool : path, "", &st); /* never blocks on a FIFO */
    output_spool_remove(spool); /* open now: the name is not needed */
    if (fd < 0)
        return -fd;
    if ((r->in = fdopen(fd, "rb")) == NULL) {
        int err = errno;
        warnx_msg("cannot open %s: %s", path, strerror(err));
        close(fd);
        return exit_code_for_errno(err, EX_NOINPUT);
    }
    r->in_size = (uint64_t)st.st_size;
    return 0;
}

static int restore_header(struct restore *r)
{
    int got = restore_read(r, r->header, sizeof r->header);
    if (got != 1) {
        if (r->offset >= 2 && r->header[0] == 0x1f && r->header[1] == 0x8b)
            return bad(r, "this is a gzip file, not a container: use gunzip");
        return bad(r, "truncated file: the header is incomplete");
    }
    if (r->header[0] == 0x1f && r->header[1] == 0x8b)
        return bad(r, "this is a gzip file, not a container: use gunzip");
    if (container_header_decode(r->header, &r->h, r->why, sizeof r->why) != 0)
        return EX_DATAERR;
    container_header_hash(r->header, r->keys.header_hash);
    memcpy(r->keys.nonce_prefix, r->h.nonce_prefix, sizeof r->keys.nonce_prefix);
    return 0;
}

/* The key this file needs: from its passphrase, or from --key-file. */
static int restore_key(struct restore *r, const struct options *opt)
{
    if (!r->h.encrypted)
        return 0;
    const char *pass = getenv(KEY_PASSPHRASE_ENV);
    int rc;
    if (r->h.passphrase && pass != NULL)
        rc = key_from_passphrase(pass, r->h.salt, r->h.opslimit, r->h.memlimit, r->keys.key);
    else if (opt->key_file != NULL)
        rc = key_load_file(opt->key_file, r->keys.key);
    else {
        warnx_msg("%s is encrypted: give %s", r->in_path,
                  r->h.passphrase ? "its passphrase in " KEY_PASSPHRASE_ENV : "--key-file FILE");
        return EX_USAGE;
    }
    if (rc != 0)
        return rc;
    if (container_key_check(r->header, r->keys.key) != 0)
        return bad(r, "wrong key%s: %s was encrypted with another one",
                   r->h.passphrase ? " or passphrase" : "", r->in_path);
    container_derive_digest_key(&r->keys);
    return 0;
}

/* One record: read, check, reverse the stages, write the plaintext. */
static int restore_record(struct restore *r)
{
    uint8_t head[CONTAINER_RECORD_BYTES];
    struct container_record rec;
    uint64_t at = r->offset - 1;
    head[0] = CONTAINER_RECORD_TAG;
    if (restore_read(r, head + 1, sizeof head - 1) != 1)
        return bad(r, "truncated file: record at byte %" PRIu64 " is cut short", at);
    uint64_t max_index = r->in_size / CONTAINER_RECORD_BYTES;
    size_t max_stored = stage_list_output_bound(&r->h.stages, r->h.chunk_size);
    /* Encrypted files keep the CRC out of sight: the field must be zero. */
    if (container_record_decode(head, &rec) != 0 || rec.index > max_index ||
        rec.raw_len > r->h.chunk_size || rec.stored_len > max_stored ||
        (r->h.encrypted && rec.crc != 0))
        return bad(r, "record at byte %" PRIu64 " is corrupt (impossible fields)", at);
    /* The payload must fit in what is left before the footer: checked before
     * allocating, so a forged length cannot make us allocate what is not there. */
    if (rec.stored_len > r->in_size - r->offset ||
        r->in_size - r->offset - rec.stored_len < CONTAINER_FOOTER_BYTES)
        return bad(r, "truncated file: chunk %" PRIu64 " is cut short", rec.index);
    if (rec.is_final && r->final_index == (int64_t)rec.index)
        return bad(r, "chunk %" PRIu64 " appears twice (duplicated record)", rec.index);
    if (rec.is_final && r->final_index >= 0)
        return bad(r, "two records claim to be the final chunk");
    if (rec.is_final)
        r->final_index = (int64_t)rec.index;
    else if (rec.raw_len != r->h.chunk_size)
        return bad(r, "chunk %" PRIu64 " is short but not marked final", rec.index);

    struct chunk *c = chunk_new(NULL, rec.index, rec.stored_len ? rec.stored_len : 1);
    c->is_final = rec.is_final;
    c->raw_len = rec.raw_len;
    c->len = rec.stored_len;
    int rc = 0;
    if (restore_read(r, c->data, rec.stored_len) != 1 && rec.stored_len > 0)
        rc = bad(r, "truncated file: chunk %" PRIu64 " is cut short", rec.index);
    else if (stage_reverse(r->runner, c, r->why, sizeof r->why) != 0)
        rc = EX_DATAERR;
    else if (!r->h.encrypted && c->crc != rec.crc)
        rc = bad(r, "chunk %" PRIu64 " is corrupt (its CRC-32 does not match)", rec.index);
    else if (r->writing &&
             output_write_at(&r->out, rec.index * r->h.chunk_size, c->data, c->len) != 0) {
        warnx_msg("cannot write %s: %s", r->out.final_path, strerror(errno));
        rc = EX_IOERR;
    }
    container_digest_add(&r->digest, rec.index, c->crc, rec.raw_len);
    r->records++;
    r->total_raw += rec.raw_len;
    chunk_free(c);
    return rc;
}

/* The footer, and every whole-file check. */
static int restore_footer(struct restore *r)
{
    uint8_t bytes[CONTAINER_FOOTER_BYTES];
    struct container_footer f;
    bytes[0] = CONTAINER_FOOTER_TAG;
    if (restore_read(r, bytes + 1, sizeof bytes - 1) != 1)
        return bad(r, "truncated file: the footer is cut short");
    if (container_footer_decode(bytes, r->h.encrypted ? &r->keys : NULL,
                                r->keys.header_hash, &f) != 0)
        return bad(r, "footer is corrupt or was altered (its check does not match)");
    if (fgetc(r->in) != EOF)
        return bad(r, "unexpected data after the footer (garbage appended?)");
    uint64_t index;
    enum container_digest_problem problem = container_digest_check(&r->digest, f.chunk_count,
                                                                   &index);
    if (problem == DIGEST_DUPLICATE)
        return bad(r, "chunk %" PRIu64 " appears twice (duplicated record)", index);
    if (f.chunk_count != r->records || f.chunk_count == 0)
        return bad(r, "footer says %" PRIu64 " chunks, the file holds %" PRIu64
                   " (a record was dropped or added)", f.chunk_count, r->records);
    if (problem == DIGEST_MISSING)
        return bad(r, "chunk %" PRIu64 " is missing (dropped record)", index);
    if (r->final_index != (int64_t)f.chunk_count - 1)
        return bad(r, "the last chunk is not marked final (records dropped at the end?)");
    if (f.total_raw != r->total_raw)
        return bad(r, "footer's total size does not match the chunks");
    uint8_t digest[CONTAINER_DIGEST_BYTES];
    container_digest_final(&r->digest, r->h.encrypted ? r->keys.digest_key : NULL, digest);
    if (sodium_memcmp(digest, f.digest, sizeof digest) != 0)
        return bad(r, "the plaintext digest does not match the footer");
    return 0;
}

static int restore_body(struct restore *r)
{
    for (;;) {
        uint8_t tag;
        int got = restore_read(r, &tag, 1);
        if (got == 0)
            return bad(r, "truncated file: it ends without a footer");
        if (got < 0) {
            warnx_msg("cannot read %s: %s", r->in_path, strerror(errno));
            return EX_IOERR;
        }
        if (tag == CONTAINER_FOOTER_TAG)
            return restore_footer(r);
        if (tag != CONTAINER_RECORD_TAG)
            return bad(r, "corrupt data at byte %" PRIu64 " (expected a record)", r->offset - 1);
        int rc = restore_record(r);
        if (rc != 0)
            return rc;
    }
}

/* Back to the first record, with a clean slate, for the second pass. */
static int restore_rewind(struct restore *r)
{
    container_digest_free(&r->digest);
    container_digest_init(&r->digest);
    r->records = r->total_raw = 0;
    r->final_index = -1;
    r->offset = CONTAINER_HEADER_BYTES;
    return fseeko(r->in, CONTAINER_HEADER_BYTES, SEEK_SET) == 0 ? 0 : EX_IOERR;
}

/* OUT may be "-"; chunks are written at their places (OUTPUT_SEEKS). */
static unsigned restore_out_flags(const struct options *opt)
{
    return OUTPUT_DASH | OUTPUT_SEEKS | (opt->sync ? OUTPUT_SYNC : 0) |
           (opt->force ? OUTPUT_REPLACE : 0);
}

/* Two passes: the first verifies the whole file and writes nothing, so a
 * damaged or hostile file never makes us write a byte (nor seek to where a
 * forged index points); the second, over a file now known to be sound,
 * writes each chunk at its place. */
static int restore_passes(struct restore *r, const struct options *opt, const char *out)
{
    int rc = restore_body(r);
    if (rc != 0 || out == NULL)
        return rc;
    if ((rc = restore_rewind(r)) != 0 ||
        (rc = output_open(&r->out, out, 0644, restore_out_flags(opt))) != 0)
        return rc;
    r->writing = true;
    rc = restore_body(r);
    r->writing = false;
    if (rc != 0) {
        output_abort(&r->out);
        return rc;
    }
    return output_commit(&r->out); /* prints its own message */
}

int restore_file(const struct options *opt, const char *in, const char *out)
{
    struct restore r;
    memset(&r, 0, sizeof r);
    r.final_index = -1;
    container_digest_init(&r.digest);
    const char *reads[] = { in, opt->key_file }, *writes[] = { out };
    const unsigned flags[] = { restore_out_flags(opt) };
    int rc = output_check_files(reads, 2, writes, flags, 1);
    if (rc == 0)
        rc = restore_open_input(&r, in);
    if (rc == 0)
        rc = restore_header(&r);
    if (rc == 0)
        rc = restore_key(&r, opt);
    if (rc == 0 && (r.runner = stage_runner_new(&r.h.stages, &r.keys, false)) == NULL) {
        warnx_msg("cannot set up the stages (zlib init failed)");
        rc = EX_OSERR;
    }
    if (rc == 0)
        rc = restore_passes(&r, opt, out);
    if (r.in != NULL && ferror(r.in)) {
        if (rc != EX_IOERR) /* else the failed read said so already */
            warnx_msg("cannot read %s: %s", in, strerror(errno));
        rc = EX_IOERR;
    } else if (rc == EX_DATAERR && r.why[0] != '\0') {
        warnx_msg("%s: %s", in, r.why);
    }
    stage_runner_free(r.runner);
    container_digest_free(&r.digest);
    sodium_memzero(&r.keys, sizeof r.keys);
    if (r.in != NULL)
        fclose(r.in);
    return rc;
}

/* ---- inspect --------------------------------------------------------- */

static void inspect_header(const struct restore *r, FILE *out)
{
    char stages[160];
    stage_list_describe(&r->h.stages, stages, sizeof stages);
    fprintf(out, "header (%d bytes)\n", CONTAINER_HEADER_BYTES);
    fprintf(out, "  version      %u\n", r->h.version);
    fprintf(out, "  stages       %s\n", stages[0] ? stages : "(none)");
    fprintf(out, "  chunk size   %" PRIu32 " bytes\n", r->h.chunk_size);
    fprintf(out, "  encrypted    %s\n", !r->h.encrypted ? "no"
                 : r->h.passphrase ? "yes, key from a passphrase (Argon2id)" : "yes, key file");
    fprintf(out, "  nonce prefix ");
    for (int i = 0; i < STAGE_NONCE_PREFIX_BYTES; i++)
        fprintf(out, "%02x", r->h.nonce_prefix[i]);
    fprintf(out, "\n");
    if (r->h.passphrase)
        fprintf(out, "  argon2id     opslimit %" PRIu64 ", memlimit %" PRIu64 " bytes\n",
                r->h.opslimit, r->h.memlimit);
}

/* Walk the records without decoding payloads; print one line each. */
static int inspect_records(struct restore *r, FILE *out)
{
    fprintf(out, "records\n  %10s %12s %10s %10s %5s\n", "index", "offset", "raw", "stored", "final");
    for (;;) {
        uint8_t head[CONTAINER_FOOTER_BYTES];
        struct container_record rec;
        uint64_t at = r->offset;
        if (restore_read(r, head, 1) != 1)
            return bad(r, "truncated file: it ends without a footer");
        if (head[0] == CONTAINER_FOOTER_TAG) {
            if (restore_read(r, head + 1, CONTAINER_FOOTER_BYTES - 1) != 1)
                return bad(r, "truncated file: the footer is cut short");
            fprintf(out, "footer (%d bytes, at byte %" PRIu64 ")\n", CONTAINER_FOOTER_BYTES, at);
            fprintf(out, "  chunks       %" PRIu64 "\n  total bytes  %" PRIu64 "\n",
                    get_le64(head + 8), get_le64(head + 16));
            fprintf(out, "  (checks are not verified here: use `pipelab verify`)\n");
            return 0;
        }
        if (restore_read(r, head + 1, CONTAINER_RECORD_BYTES - 1) != 1 ||
            container_record_decode(head, &rec) != 0)
            return bad(r, "corrupt record at byte %" PRIu64, at);
        fprintf(out, "  %10" PRIu64 " %12" PRIu64 " %10" PRIu32 " %10" PRIu32 " %5s\n",
                rec.index, at, rec.raw_len, rec.stored_len, rec.is_final ? "yes" : "");
        if (fseeko(r->in, rec.stored_len, SEEK_CUR) != 0)
            return bad(r, "truncated file: chunk %" PRIu64 " is cut short", rec.index);
        r->offset += rec.stored_len;
    }
}

int inspect_file(const char *in, FILE *out)
{
    struct restore r;
    memset(&r, 0, sizeof r);
    int rc = restore_open_input(&r, in);
    if (rc == 0)
        rc = restore_header(&r);
    if (rc == 0) {
        inspect_header(&r, out);
        rc = inspect_records(&r, out);
    }
    if (rc == EX_DATAERR)
        warnx_msg("%s: %s", in, r.why);
    if (r.in != NULL)
        fclose(r.in);
    return rc;
}
