/*
 * output.h — writing a result file so that it is never left half-written.
 *
 * Every file pipelab produces is written to a temporary file in the same
 * directory ("dir/.name.XXXXXX"), and renamed over the final name only when it
 * is complete and every write has succeeded. A failure, a signal or an
 * out-of-memory exit removes the temporary; the final name either holds a whole
 * result or does not exist. (rename within one directory is atomic on POSIX.)
 *
 * Writes are buffered by stdio; output_write checks every call, and
 * output_commit checks the final flush and close, where a full disk is often
 * first reported.
 */
#ifndef PIPELAB_OUTPUT_H
#define PIPELAB_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct output {
    FILE *file;
    char *final_path;
    char *temp_path;
    bool sync;          /* fsync before rename (--sync) */
    bool no_clobber;    /* commit refuses to replace an existing file (keys) */
    unsigned long long bytes_written;
};

/* Would writing final_path replace the file at input_path? (Same file by
 * device and inode, so links and different spellings of one path count.) */
bool output_is_input(const char *final_path, const char *input_path);

/* Create the temporary for final_path. mode is the final file mode (0644 or
 * 0600). Returns 0, or an EX_ code after printing why. */
int output_open(struct output *out, const char *final_path, unsigned mode, bool sync);

/* Append len bytes. Returns 0, or EX_IOERR (with errno kept) on failure. */
int output_write(struct output *out, const void *data, size_t len);

/* Append len bytes at offset (restore writes chunks where they belong, in
 * whatever order they come). Returns 0 or EX_IOERR. */
int output_write_at(struct output *out, unsigned long long offset,
                    const void *data, size_t len);

/* Flush, optionally fsync, close and rename into place. Returns 0 or an EX_
 * code after printing why (the temporary is then removed). */
int output_commit(struct output *out);

/* Close and remove the temporary. Safe to call after a failed commit or twice. */
void output_abort(struct output *out);

/* Remove every temporary still open (out-of-memory and signal paths). Only
 * async-signal-safe calls are used. */
void output_remove_all_temporaries(void);

/* Also remove path (a file, or an empty directory: register its files first)
 * on those paths; output_keep_scratch forgets every such path once their
 * owner has cleaned up itself. For the scratch files of compare and bench. */
void output_scratch(const char *path);
void output_keep_scratch(void);

#endif
