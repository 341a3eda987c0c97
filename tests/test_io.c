/*
 * test_io.c — how the reader and the writer meet the kernel.
 *
 * What must hold:
 *   - the reader tells the kernel a regular file is read front to back
 *     (posix_fadvise: the kernel took the advice) and hands out chunks of
 *     exactly the chunk size, the last one excepted;
 *   - an output gathers small appends in its own OUTPUT_BUFFER-byte buffer:
 *     nothing reaches the file until the buffer is full, so a run of small
 *     records costs one write(2) per buffer, not one per 4 KiB (stdio's
 *     default, which setvbuf with a NULL buffer silently keeps on glibc);
 *   - what was gathered is all there, byte for byte, once committed.
 * The file's size on disk, read with fstat while the output is open, shows
 * what has been written so far; no timing is involved.
 */
#include "testutil.h"

#include "chunk.h"
#include "output.h"
#include "reader.h"

#include <sys/stat.h>

static char path[300];

static void write_file(const char *p, size_t size)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        assert_int_not_equal(fputc((int)(i * 7 % 251), f), EOF);
    assert_int_equal(fclose(f), 0);
}

static void test_reader_advises_and_reads_whole_chunks(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { CHUNK = 4096, SIZE = 10 * CHUNK + 123 };
    snprintf(path, sizeof path, "%s/in", test_tmpdir());
    write_file(path, SIZE);
    struct inflight acct;
    inflight_init(&acct);
    struct reader r;
    assert_int_equal(reader_open(&r, path, CHUNK, CHUNK, &acct), 0);
    assert_true(r.readahead);
    size_t total = 0;
    struct chunk *c;
    while (reader_next(&r, &c) == 1) {
        assert_int_equal(c->len, c->is_final ? SIZE % CHUNK : CHUNK);
        total += c->len;
        chunk_free(c);
    }
    assert_int_equal(total, SIZE);
    reader_close(&r);
    unlink(path);
}

static long long file_size(FILE *f)
{
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    return (long long)st.st_size;
}

static void test_output_gathers_small_writes(void **state)
{
    (void)state;
    test_watchdog(20);
    enum { RECORD = 1000 };
    static uint8_t record[RECORD];
    for (size_t i = 0; i < RECORD; i++)
        record[i] = (uint8_t)i;
    snprintf(path, sizeof path, "%s/out", test_tmpdir());
    struct output out;
    assert_int_equal(output_open(&out, path, 0644, 0), 0);
    /* Just under a buffer's worth of small records: all still gathered. */
    size_t fit = OUTPUT_BUFFER / RECORD, written = 0;
    for (size_t i = 0; i < fit; i++, written += RECORD)
        assert_int_equal(output_write(&out, record, RECORD), 0);
    if (file_size(out.file) != 0)
        fail_msg("%zu bytes in records of %d reached the file before the %u-byte buffer "
                 "was full (%lld bytes): the buffer is smaller than asked", written, RECORD,
                 OUTPUT_BUFFER, file_size(out.file));
    /* One more fills it: now the file has a buffer's worth, in one go. */
    assert_int_equal(output_write(&out, record, RECORD), 0);
    written += RECORD;
    assert_int_equal(file_size(out.file), OUTPUT_BUFFER);
    assert_int_equal(output_commit(&out), 0);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(file_size(f), (long long)written);
    static uint8_t back[RECORD];
    for (size_t done = 0; done < written; done += RECORD) {
        assert_int_equal(fread(back, 1, RECORD, f), RECORD);
        assert_memory_equal(back, record, RECORD);
    }
    assert_int_equal(fclose(f), 0);
    unlink(path);
}

/* A record larger than the buffer goes straight through, whole. */
static void test_output_large_record_passes_through(void **state)
{
    (void)state;
    test_watchdog(20);
    size_t len = 3 * (size_t)OUTPUT_BUFFER + 17;
    uint8_t *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (uint8_t)(i * 13);
    snprintf(path, sizeof path, "%s/big", test_tmpdir());
    struct output out;
    assert_int_equal(output_open(&out, path, 0644, 0), 0);
    assert_int_equal(output_write(&out, big, len), 0);
    /* At most the part that does not fill a buffer is still held. */
    assert_true(file_size(out.file) >= (long long)(len - OUTPUT_BUFFER));
    assert_int_equal(output_commit(&out), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *back = malloc(len);
    assert_non_null(back);
    assert_int_equal(fread(back, 1, len, f), len);
    assert_memory_equal(back, big, len);
    assert_int_equal(fclose(f), 0);
    free(back);
    free(big);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_advises_and_reads_whole_chunks),
        cmocka_unit_test(test_output_gathers_small_writes),
        cmocka_unit_test(test_output_large_record_passes_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
