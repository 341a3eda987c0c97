/*
 * restore.h — reading a container back: restore, verify and inspect.
 *
 * restore and verify check everything the format lets them check (see
 * lessons/reference/format.md, "What a reader checks"); a damaged file is
 * reported with one message naming the problem and EX_DATAERR (65).
 *
 * restore reads the file twice. The first pass verifies all of it and writes
 * nothing, so a damaged or hostile file never makes it write a byte; the
 * second writes the plaintext through a temporary file that becomes OUT only
 * when it is complete. Records may come in any order (arrival order): the
 * second pass writes each chunk at its place (index x chunk size).
 *
 * Memory does not depend on what a record claims: payloads are checked
 * against the bytes left in the file before anything is allocated, and the
 * digest keeps one small entry per record actually read.
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
