/*
 * chanbench.h — what one channel handoff costs: the engine of `pipelab chanbench`.
 *
 * A run moves a number of messages (small integers carried in the pointer)
 * through channels of one implementation and one capacity, in one shape:
 *
 *   CHANBENCH_1P1C      one sender, one receiver;
 *   CHANBENCH_4P4C      four senders, four receivers on one channel;
 *   CHANBENCH_PIPELINE  one sender -> channel -> N workers -> channel -> one
 *                       receiver: the shape of the bounded backend.
 *
 * and reports, per message: wall-clock nanoseconds, context switches
 * (voluntary: a thread slept; involuntary: the scheduler took the CPU away)
 * and CPU time, from getrusage around the run. Every message is checked at
 * the receiving end (their sum), so a broken channel fails the run instead of
 * producing a figure.
 */
#ifndef PIPELAB_CHANBENCH_H
#define PIPELAB_CHANBENCH_H

#include "channel.h"

#include <stdint.h>

enum chanbench_shape {
    CHANBENCH_1P1C,
    CHANBENCH_4P4C,
    CHANBENCH_PIPELINE,
};
#define CHANBENCH_SHAPE_COUNT 3

/* The most workers the pipeline shape takes (its threads are counted on the
 * stack of chanbench_run). */
#define CHANBENCH_MAX_WORKERS 62

struct chanbench_result {
    double ns_per_msg;
    double vcsw_per_msg;     /* voluntary context switches */
    double ivcsw_per_msg;    /* involuntary context switches */
    double cpu_ns_per_msg;   /* user + system time of the whole process */
};

/* "1p1c", "4p4c" or "pipeline". */
const char *chanbench_shape_name(enum chanbench_shape shape);
int chanbench_shape_parse(const char *name, enum chanbench_shape *shape);

/* One run. workers is the middle stage of CHANBENCH_PIPELINE (ignored
 * otherwise). Returns 0, or EX_SOFTWARE after printing why (a message lost
 * or duplicated), or EX_OSERR when a thread or channel cannot be made. */
int chanbench_run(enum channel_impl impl, size_t capacity, enum chanbench_shape shape,
                  uint64_t messages, unsigned workers, struct chanbench_result *out);

#endif
