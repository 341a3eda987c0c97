/*
 * machine.h — what the machine was doing when a figure was measured.
 *
 * A throughput means little if other programs were using the CPUs at the
 * same time: `compare` prints this line above its table, so a reader sees at
 * once whether the figures come from an idle machine. The rule is the one
 * `make report` applies (scripts/report.sh): a 1-minute load average of half
 * the cores or more, taken before the runs start, means other work was
 * competing with them.
 */
#ifndef PIPELAB_MACHINE_H
#define PIPELAB_MACHINE_H

#include <stddef.h>

/* Write into buf the line for this machine now: machine_load_describe with
 * /proc/loadavg and cpu_count(), or "load average: unknown ..." where
 * /proc/loadavg cannot be read. */
void machine_load_line(char *buf, size_t len);

/* Write into buf one line (no newline): the three load averages and the
 * number of cores, with a warning appended when load[0] >= cores / 2. */
void machine_load_describe(char *buf, size_t len, const double load[3], int cores);

#endif
