/*
 * bound.h — how many chunks can the bounded pipeline hold at once?
 *
 * Lab 4 asks you to work it out, as a formula in the channel depth and the
 * number of workers, and then proves it against the real pipeline: the peak
 * you count (chunk.c) must never exceed your bound, and under a slow writer
 * it must reach it (a bound that is never reached hides how much memory the
 * design really needs).
 */
#ifndef LAB_BOUND_H
#define LAB_BOUND_H

#include <stdint.h>

/* The most chunks alive at once in `pipelab process --backend bounded
 * --channel-depth depth --workers workers` (unordered). */
int64_t bounded_pipeline_bound(unsigned depth, unsigned workers);

#endif
