/*
 * machine.c — the load average line of machine.h.
 *
 * The load average is read from /proc/loadavg (Linux): getloadavg() is not
 * POSIX, and this file sticks to what the Makefile's _POSIX_C_SOURCE offers.
 */
#include "machine.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>

void machine_load_describe(char *buf, size_t len, const double load[3], int cores)
{
    bool busy = load[0] >= 0.5 * cores;
    snprintf(buf, len, "load average: %.2f, %.2f, %.2f on %d cores%s", load[0], load[1], load[2],
             cores,
             busy ? "; other programs are using the CPUs, so these figures are lower and "
                    "noisier than on an idle machine"
                  : "");
}

void machine_load_line(char *buf, size_t len)
{
    double load[3];
    FILE *f = fopen("/proc/loadavg", "r");
    int got = f != NULL ? fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) : 0;
    if (f != NULL && fclose(f) != 0)
        got = 0;
    if (got != 3)
        snprintf(buf, len, "load average: unknown (no /proc/loadavg) on %d cores", cpu_count());
    else
        machine_load_describe(buf, len, load, cpu_count());
}
