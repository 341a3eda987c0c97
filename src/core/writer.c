/*
 * writer.c — streaming records (or gzip members) to the output file.
 *
 * A record is two appends, its head and its bytes, and neither is a system
 * call of its own: output_write gathers them in the output's buffer, which
 * goes to the kernel in one write(2) per OUTPUT_BUFFER bytes (output.h says
 * why that size and what it saved: with 4 KiB chunks, 260 write calls for
 * 64 MiB instead of 16601). The writer thread is the one thread every chunk
 * passes through, so its system calls are the ones worth batching.
 */
#include "writer.h"
#include "util.h"

#include <errno.h>
#include <string.h>

int writer_open(struct writer *w, const char *path, enum writer_format format,
                const uint8_t header[CONTAINER_HEADER_BYTES],
                const struct stage_keys *keys, unsigned output_flags)
{
    memset(w, 0, sizeof *w);
    w->format = format;
    w->keys = keys;
    container_digest_init(&w->digest);
    int rc = output_open(&w->out, path, 0644, output_flags);
    if (rc != 0 || format == WRITER_GZIP)
        return rc;
    container_header_hash(header, w->header_hash);
    if (output_write(&w->out, header, CONTAINER_HEADER_BYTES) != 0) {
        warnx_msg("cannot write %s: %s", path, strerror(errno));
        writer_abort(w);
        return EX_IOERR;
    }
    return 0;
}

int writer_put(struct writer *w, const struct chunk *c)
{
    w->chunks++;
    w->raw_bytes += c->raw_len;
    if (w->format == WRITER_GZIP)
        return output_write(&w->out, c->data, c->len);

    struct container_record r = {
        .index = c->index, .is_final = c->is_final, .raw_len = c->raw_len,
        .stored_len = (uint32_t)c->len,
        .crc = w->keys ? 0 : c->crc, /* encrypted: not in clear (container.h) */
    };
    uint8_t head[CONTAINER_RECORD_BYTES];
    container_record_encode(&r, head);
    container_digest_add(&w->digest, c->index, c->crc, c->raw_len);
    if (output_write(&w->out, head, sizeof head) != 0 ||
        output_write(&w->out, c->data, c->len) != 0)
        return EX_IOERR;
    return 0;
}

int writer_finish(struct writer *w)
{
    if (w->format == WRITER_CONTAINER) {
        struct container_footer f = { .chunk_count = w->chunks, .total_raw = w->raw_bytes };
        uint8_t bytes[CONTAINER_FOOTER_BYTES];
        uint64_t index;
        if (container_digest_check(&w->digest, w->chunks, &index) != DIGEST_OK) {
            /* Each index exactly once: anything else is a backend bug. */
            warnx_msg("internal error: chunk %llu was written twice or never",
                      (unsigned long long)index);
            writer_abort(w);
            return EX_SOFTWARE;
        }
        container_digest_final(&w->digest, w->keys ? w->keys->digest_key : NULL, f.digest);
        container_footer_encode(&f, w->keys, w->header_hash, bytes);
        if (output_write(&w->out, bytes, sizeof bytes) != 0) {
            warnx_msg("cannot write %s: %s", w->out.final_path, strerror(errno));
            writer_abort(w);
            return EX_IOERR;
        }
    }
    container_digest_free(&w->digest);
    w->bytes_out = w->out.bytes_written;
    return 0;
}

void writer_abort(struct writer *w)
{
    container_digest_free(&w->digest);
    output_abort(&w->out);
}

uint64_t writer_bytes(const struct writer *w)
{
    return w->out.file != NULL ? w->out.bytes_written : w->bytes_out;
}
