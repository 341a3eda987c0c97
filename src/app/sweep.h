/*
 * sweep.h — running one configuration in a child process, for compare and
 * bench.
 *
 * Peak RSS is a per-process figure: if two runs shared a process, the second
 * would inherit the first one's peak. So every measured run is a fresh
 * `pipelab process ... --metrics csv` started with fork and exec, and the
 * parent reads back the one CSV row it wrote. The child's output file is
 * thrown away; only its measurements matter.
 */
#ifndef PIPELAB_SWEEP_H
#define PIPELAB_SWEEP_H

#include "options.h"

struct sweep_result {
    char *header;      /* the metrics CSV header line */
    char *row;         /* this run's values */
};

/* Run `pipelab process input DIR/out` with o's settings and the given
 * backend, in a child. key_file is used when the stages encrypt. Returns 0, or
 * an EX_ code: a child that failed has printed its one line and its exit code
 * is returned; anything else is printed here. */
int sweep_run_child(const struct options *o, const char *backend, const char *input,
                    const char *dir, const char *key_file, struct sweep_result *out);

/* "serial,mutex" -> names[], each checked against the registry; an empty or
 * over-long list is refused. Returns 0 or EX_USAGE after printing why. */
#define SWEEP_MAX_BACKENDS 16
int sweep_backend_list(const char *list, char names[SWEEP_MAX_BACKENDS][32], int *count);

/* The value of a column of the row, or 0 if it has no such column. */
double sweep_value(const struct sweep_result *r, const char *column);

void sweep_result_free(struct sweep_result *r);

/* A scratch directory for a sweep, with an input (generated text of o->size
 * bytes unless o->in names one) and a key. Paths are written into the
 * buffers. Returns 0 or an EX_ code. */
int sweep_prepare(const struct options *o, char dir[256], char input[300], char key[300]);
void sweep_cleanup(const char *dir);

#endif
