/*
 * util.h — small helpers every module uses: memory, clocks, sizes, messages.
 *
 * Out of memory is not an error pipelab tries to recover from (as in pigz and
 * Redis): xmalloc prints one line, removes any half-written output (see
 * output.h) and exits with EX_OSERR. Every other failure is returned to the
 * caller and reported once, at the top, with a sysexits code.
 */
#ifndef PIPELAB_UTIL_H
#define PIPELAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Monotonic clock in nanoseconds: for durations, never for dates. */
uint64_t now_ns(void);

/* Sleep for a number of microseconds (the experiment delay knobs). */
void sleep_us(uint64_t us);

/* One turn of a spin-wait: tells the CPU that this thread is waiting for
 * memory another core will change (x86 `pause`, Arm `yield`), which saves power
 * and leaves the core to its hyperthread sibling. On other CPUs it does
 * nothing. */
void cpu_pause(void);

/* How long a thread that finds a channel empty (or full) keeps looking before
 * it goes to sleep: about what a sleep and a wake-up cost. Looking for as long
 * as sleeping would cost is never worse than twice the best choice made
 * knowing the future: if the wait ends sooner, nothing was lost; if not, the
 * looking cost at most one sleep more (Karlin, Li, Manasse and Owicki,
 * "Empirical studies of competitive spinning for a shared-memory
 * multiprocessor", SOSP 1991). On a 2-core virtual machine one sleep and
 * wake-up measured about 40 us; on bare metal it is a few. Both channels
 * wait this way (chan.c, chan_lockfree.c); their headers give the effect. */
#define SPIN_BEFORE_SLEEP_NS 50000

/* Number of online CPU cores (at least 1). */
int cpu_count(void);

/* Parse "64", "512K", "8M", "1G" (binary units). Returns 0, or -1 when the text
 * is not a positive size up to max. */
int parse_size(const char *text, uint64_t max, uint64_t *out);

/* Parse a non-negative integer in [min, max]. Returns 0 or -1. */
int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* A comma-separated option value ("1,2,4", "mutex,lockfree"), word by word:
 * each(ctx, i, word) takes word i and returns 0, or -1 when the word is not
 * `what` ("a capacity from 1 to 65536"). An empty list, one of more than max
 * words, or a bad word is refused with one line naming --flag. Returns the
 * number of words, or -1 after printing why. */
int parse_list(const char *flag, const char *text, int max, const char *what,
               int (*each)(void *ctx, int i, const char *word), void *ctx);

/* Print "pipelab: <message>" on stderr. */
void warnx_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The sysexits code for a system call that failed with err: EX_OSERR when
 * the system ran out of something (memory, descriptors, processes), EX_IOERR
 * when the device failed (an I/O error, a full disk), and otherwise the code
 * the caller gives for everything else (EX_NOINPUT when opening an input,
 * EX_CANTCREAT when creating an output). The one mapping every module uses. */
int exit_code_for_errno(int err, int otherwise);

/* Flush standard output and check that no write to it has failed. Returns
 * 0, or EX_IOERR after printing why (for a command that writes as it goes,
 * to stop at the first failed write). */
int stdout_flush(void);

/* Called once, by main, when the command returns rc: every byte written to
 * standard output must have reached it (`pipelab verify f >/dev/full` fails).
 * Returns rc, or EX_IOERR after printing why. A command that failed already
 * said why: its rc is returned as it is, with no second line. */
int stdout_finish(int rc);

/* Called on allocation failure: clean up and exit(EX_OSERR). */
_Noreturn void die_oom(void);

#endif
