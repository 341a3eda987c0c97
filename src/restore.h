/*
 * restore.h — reading a container back: restore, verify and inspect.
 *
 * restore and verify check everything the format lets them check (see
 * lessons/reference/format.md, "What a reader checks"), and any failure is
 * reported with one message naming the problem and EX_DATAERR (65). restore
 * writes the plaintext through a temporary file that becomes OUT only after
 * the footer, the digest and every chunk have been verified: a damaged file
 * never yields a partial or wrong result.
 *
 * Records may come in any order (arrival order); restore writes each chunk at
 * its place (index x chunk size), so it needs no reordering memory.
 */
#ifndef PIPELAB_RESTORE_H
#define PIPELAB_RESTORE_H

#include "options.h"

#include <stdio.h>

/* out == NULL: verify only. Returns 0 or an EX_ code after printing why. */
int restore_file(const struct options *opt, const char *in, const char *out);

/* Print the header, the chunk table and the footer for learners. */
int inspect_file(const char *in, FILE *out);

#endif
