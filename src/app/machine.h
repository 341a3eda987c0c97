/*
 * machine.h — the machine a figure was measured on: CPU model, cores, kernel,
 * compiler, library versions.
 *
 * The one description of it in the kit: `pipelab bench` puts it into every
 * CSV row, and `pipelab --machine` prints it as one line for the scripts
 * (demo, benchmarks, report), so a figure and the machine it names always
 * come from the same code. The compiler is the one that built this binary,
 * the libraries are the ones it runs with.
 *
 * And what the machine was doing: a throughput means little if other programs
 * were using the CPUs at the same time, so `compare` prints the load average
 * above its table. The rule is the one `make report` applies: a 1-minute load
 * average of half the cores or more, taken before the runs start, means other
 * work was competing with them.
 */
#ifndef PIPELAB_MACHINE_H
#define PIPELAB_MACHINE_H

#include <stddef.h>

struct machine {
    char cpu[128];          /* /proc/cpuinfo's "model name", or "unknown";
                               no comma or quote (a CSV field) */
    int cores;
    char kernel[160];       /* uname: "Linux 6.1.0-18-amd64" */
    char compiler[128];     /* "gcc 12.2.0"; no comma or quote either */
    const char *zlib;       /* zlibVersion() at run time */
    const char *libsodium;  /* sodium_version_string() at run time */
};

void machine_describe(struct machine *m);

/* As CSV fields: "cpu model",cores,"compiler",zlib,libsodium (bench rows). */
void machine_csv(const struct machine *m, char *buf, size_t len);

/* As one line: cpu, N cores, kernel, compiler, zlib X, libsodium Y. */
void machine_line(const struct machine *m, char *buf, size_t len);

/* Write into buf the load line for this machine now: machine_load_describe
 * with /proc/loadavg and cpu_count(), or "load average: unknown ..." where
 * /proc/loadavg cannot be read. */
void machine_load_line(char *buf, size_t len);

/* Write into buf one line (no newline): the three load averages and the
 * number of cores, with a warning appended when load[0] >= cores / 2. */
void machine_load_describe(char *buf, size_t len, const double load[3], int cores);

#endif
