/*
 * gen.h — deterministic test data for experiments.
 *
 * The same (kind, seed, size) always gives the same bytes, on every machine, so
 * two runs of an experiment see the same input. The generator is fast (far
 * above disk speed) so that producing a 256 MiB input is never the slow step.
 *
 *   text    English-like prose: words, punctuation, sentences, paragraphs.
 *           Compresses about 3:1 with zlib level 6, as real prose does.
 *   random  incompressible bytes.
 *   zeros   all zero bytes (compresses ~1000:1).
 *   mixed   blocks of the three kinds above, in a seeded order.
 */
#ifndef PIPELAB_GEN_H
#define PIPELAB_GEN_H

#include <stddef.h>
#include <stdint.h>

enum gen_kind { GEN_TEXT, GEN_RANDOM, GEN_ZEROS, GEN_MIXED };

/* Parse "text", "random", "zeros" or "mixed". Returns 0, or -1 if unknown. */
int gen_kind_parse(const char *name, enum gen_kind *out);

struct gen;

/* A generator state. Returns NULL only when out of memory. */
struct gen *gen_new(enum gen_kind kind, uint64_t seed);
void gen_free(struct gen *g);

/* Fill buf with the next len bytes of the stream. The stream does not depend
 * on how it is cut into calls: fill(a) then fill(b) gives the same bytes as
 * fill(a + b). */
void gen_fill(struct gen *g, uint8_t *buf, size_t len);

/* Write size bytes of the stream to path, through a temporary file (output.h;
 * output_flags as for output_open): what `pipelab gen` does, and how compare
 * and bench make their input. Returns 0 or an EX_ code after printing why. */
int gen_write_file(const char *path, enum gen_kind kind, uint64_t seed, uint64_t size,
                   unsigned output_flags);

#endif
