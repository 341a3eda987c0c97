/*
 * output.h — writing result files so that nothing is lost, replaced by
 * accident or left half-written.
 *
 * Every file pipelab produces is written to a temporary file in the same
 * directory ("dir/.name.XXXXXX"), and renamed over the final name only when it
 * is complete and every write has succeeded. A failure, a signal or an
 * out-of-memory exit removes the temporary; the final name either holds a whole
 * result or does not exist. (rename within one directory is atomic on POSIX.)
 *
 * What may be replaced:
 *   - a name that does not exist: always created;
 *   - an existing regular file: only with OUTPUT_REPLACE (--force for the
 *     main output, always for reports such as --trace); without it the final
 *     step is link(2), which fails rather than replace a file that appeared
 *     in the meantime;
 *   - anything else (a directory, a device such as /dev/null, a FIFO, a
 *     symbolic link): never; rename would put a regular file in its place.
 * "-" means standard output where the caller allows it (OUTPUT_DASH): the
 * bytes are written there directly, or, for an output written out of order
 * (OUTPUT_SEEKS), kept in a temporary file and copied out at the commit.
 *
 * Before anything is written, output_check_files compares every file a run
 * writes with every file it reads and with each other, so that no output can
 * replace an input, a key or another output.
 *
 * A run with several outputs commits them together (output_commit_all): all
 * are flushed and closed first, where a full disk shows, and only then moved
 * into place, so a failure leaves none of them.
 */
#ifndef PIPELAB_OUTPUT_H
#define PIPELAB_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum output_flags {
    OUTPUT_SYNC = 1 << 0,     /* fsync before the rename (--sync) */
    OUTPUT_REPLACE = 1 << 1,  /* an existing regular file may be replaced */
    OUTPUT_DASH = 1 << 2,     /* "-" is standard output */
    OUTPUT_SEEKS = 1 << 3,    /* written with output_write_at, out of order */
};

struct output {
    FILE *file;
    char *buffer;             /* owned: file's stdio buffer (OUTPUT_BUFFER
                                 bytes), freed once file is closed */
    char *final_path;
    char *temp_path;          /* NULL once in place, or when writing to stdout */
    unsigned flags;
    bool to_stdout;           /* final_path is "-" */
    bool placed;              /* moved into place by output_commit_all */
    unsigned long long bytes_written;
};

/* Is path "-", standard input or output? */
bool output_is_dash(const char *path);

/* Refuse, with one line and EX_CANTCREAT, to write over path unless the
 * rules above allow it. Returns 0 when path may be written. */
int output_check_target(const char *path, unsigned flags);

/* Check that no path in writes (NULL entries skipped; "-" is standard
 * output) is one of reads ("-" is standard input) or another of writes: by
 * name, by resolved name, and by device and inode where the file exists.
 * Then check each write with output_check_target(path, flags[i]). Returns 0,
 * or EX_USAGE / EX_CANTCREAT after printing why. */
int output_check_files(const char *const reads[], size_t nreads,
                       const char *const writes[], const unsigned flags[], size_t nwrites);

/* Create the temporary for final_path. mode is the final file mode (0644 or
 * 0600); flags are enum output_flags. Returns 0, or an EX_ code after
 * printing why. */
int output_open(struct output *out, const char *final_path, unsigned mode, unsigned flags);

/* Bytes an output gathers before one write(2). Why gather: pipelab's
 * records can be small (a 4 KiB chunk is one record of about 4 KiB), and a
 * system call per record costs the one writer thread more than its copying.
 * Why 256 KiB: on the kit's 2-core test machine (AMD EPYC, Linux 6.18.44),
 * 2026-12-02, busy with other work (load average about 13), writing 64 MiB
 * into a new file in the page cache with dd (5 runs each) took
 *   bs=4K 89-119 ms, bs=64K 36-41 ms, bs=256K 34-37 ms, bs=1M 31-38 ms
 * (one 1M run 90 ms): past 64 KiB the calls hardly show, and a larger
 * buffer would only add to peak RSS.
 *
 * What it changed (64 MiB in 4 KiB chunks, --stages checksum, same machine
 * and day, load average 2 to 22): the write(2) calls of a run went from
 * 16601 to 260 (strace -c,
 * --workers 4); the writer's spans in --trace from 122-135 ms to 52-57 ms
 * (bounded, --workers 64 --cpu-tokens 64, 3 runs each); a serial run from
 * 0.747 s to 0.384 s wall and 0.301 s to 0.211 s CPU (medians of 7); the
 * mutex backend at --workers 64, whose writes happen under its one lock,
 * from 0.398 s to 0.294 s CPU (medians of 9). */
#define OUTPUT_BUFFER (256u << 10)

/* Append len bytes. Returns 0, or EX_IOERR (with errno kept) on failure.
 * Small appends gather in the buffer; a failure may therefore show only at
 * a later write or at output_commit (fflush), which fails the same way. */
int output_write(struct output *out, const void *data, size_t len);

/* Write len bytes at offset (restore writes chunks where they belong, in
 * whatever order they come; needs OUTPUT_SEEKS for "-"). Returns 0 or EX_IOERR. */
int output_write_at(struct output *out, unsigned long long offset,
                    const void *data, size_t len);

/* Flush, optionally fsync, close and move into place. Returns 0 or an EX_
 * code after printing why (the temporary is then removed). A write that
 * failed earlier (fprintf to out->file: ferror) makes it fail too, so a
 * caller that writes with stdio needs no check of its own before this. */
int output_commit(struct output *out);

/* Commit every opened output of outs (unopened ones, all zero, are skipped)
 * or none: if one cannot be finished or moved into place, the others are
 * removed too, those already in place included. Put the main output last:
 * it then replaces an earlier file only when all the others are in place. */
int output_commit_all(struct output *const outs[], size_t n);

/* Close and remove the temporary. Safe to call after a failed commit or twice. */
void output_abort(struct output *out);

/* Read all of standard input into a private temporary file (for readers
 * that need a whole, seekable file). *path is its name, owned by the caller,
 * who opens it and then calls output_spool_remove. It is removed on the
 * fatal paths as the other temporaries are. Returns 0 or an EX_ code. */
int output_spool_stdin(char **path);
void output_spool_remove(char *path);

/* Remove every temporary still open (out-of-memory and signal paths). Only
 * async-signal-safe calls are used. */
void output_remove_all_temporaries(void);

/* Also remove path (a file, or an empty directory: register its files first)
 * on those paths; output_keep_scratch forgets every such path once their
 * owner has cleaned up itself. For the scratch files of compare and bench. */
void output_scratch(const char *path);
void output_keep_scratch(void);

#endif
