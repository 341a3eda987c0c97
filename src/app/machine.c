/*
 * machine.c — describe the machine a figure was measured on, and its load
 * (machine.h).
 *
 * The load average is read from /proc/loadavg (Linux): getloadavg() is not
 * POSIX, and this file sticks to what the Makefile's _POSIX_C_SOURCE offers.
 */
#include "machine.h"
#include "util.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

/* Make text safe as a CSV field: it ends at a newline or a quote, and a comma
 * becomes a space, so a reader that splits rows on commas finds every column
 * by its header name (plots/median.awk does). */
static void machine_field(char *text)
{
    text[strcspn(text, "\n\"")] = '\0';
    for (char *c = strchr(text, ','); c != NULL; c = strchr(c, ','))
        *c = ' ';
}

/* The first "model name" of /proc/cpuinfo. Machines without it (other CPUs,
 * other systems) say "unknown". */
static void machine_cpu(char *model, size_t len)
{
    snprintf(model, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':') != NULL) {
            snprintf(model, len, "%s", strchr(line, ':') + 2);
            machine_field(model);
            break;
        }
    }
    fclose(f);
}

void machine_describe(struct machine *m)
{
    machine_cpu(m->cpu, sizeof m->cpu);
    m->cores = cpu_count();
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s", u.sysname, u.release);
    else
        snprintf(m->kernel, sizeof m->kernel, "unknown kernel");
    snprintf(m->compiler, sizeof m->compiler, "gcc %s", __VERSION__);
    machine_field(m->compiler);
    m->zlib = zlibVersion();
    m->libsodium = sodium_version_string();
}

void machine_csv(const struct machine *m, char *buf, size_t len)
{
    snprintf(buf, len, "\"%s\",%d,\"%s\",%s,%s", m->cpu, m->cores, m->compiler, m->zlib,
             m->libsodium);
}

void machine_line(const struct machine *m, char *buf, size_t len)
{
    snprintf(buf, len, "%s, %d cores, %s, %s, zlib %s, libsodium %s", m->cpu, m->cores,
             m->kernel, m->compiler, m->zlib, m->libsodium);
}

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
