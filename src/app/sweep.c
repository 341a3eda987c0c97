/*
 * sweep.c — one measured run per child process. See sweep.h.
 */
#include "sweep.h"
#include "backend.h"
#include "keys.h"
#include "output.h"
#include "signals.h"
#include "util.h"
#include "xthread.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARGS_MAX 64

struct arglist {
    char *argv[ARGS_MAX];
    char storage[ARGS_MAX][320];
    int count;
};

static void arg_add(struct arglist *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg_add(struct arglist *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->storage[a->count], sizeof a->storage[0], fmt, ap);
    va_end(ap);
    a->argv[a->count] = a->storage[a->count];
    a->count++;
    a->argv[a->count] = NULL;
}

/* The child's command line: every setting of o that `process` takes. */
static void sweep_args(struct arglist *a, const struct options *o, const char *backend,
                       const char *input, const char *dir, const char *key_file)
{
    a->count = 0;
    arg_add(a, "pipelab");
    arg_add(a, "process");
    arg_add(a, "%s", input);
    arg_add(a, "%s/out", dir);
    arg_add(a, "--force");          /* each run replaces the previous run's output */
    arg_add(a, "--backend=%s", backend);
    arg_add(a, "--stages=%s", o->stages);
    arg_add(a, "--level=%u", o->level);
    arg_add(a, "--chunk-size=%llu", (unsigned long long)o->chunk_size);
    arg_add(a, "--workers=%u", o->workers);
    if (o->channel_depth)
        arg_add(a, "--channel-depth=%u", o->channel_depth);
    if (o->cpu_tokens)
        arg_add(a, "--cpu-tokens=%u", o->cpu_tokens);
    if (o->ordered)
        arg_add(a, "--ordered");
    if (o->window)
        arg_add(a, "--window=%u", o->window);
    if (o->format == WRITER_GZIP)
        arg_add(a, "--format=gzip");
    arg_add(a, "--reader-delay-us=%llu", (unsigned long long)o->reader_delay_us);
    arg_add(a, "--writer-delay-us=%llu", (unsigned long long)o->writer_delay_us);
    arg_add(a, "--stage-cost-us=%llu", (unsigned long long)o->stage_cost_us);
    if (strstr(o->stages, "encrypt") != NULL)
        arg_add(a, "--key-file=%s", key_file);
    arg_add(a, "--no-progress");
    if (o->live != LIVE_MODE_OFF) /* compare --live: each backend shows in turn */
        arg_add(a, "%s", o->live == LIVE_MODE_PLAIN ? "--live=plain" : "--live");
    arg_add(a, "--metrics=csv");
    arg_add(a, "--metrics-out=%s/metrics.csv", dir);
}

/* Read a whole small file's first two lines. */
static int sweep_read_csv(const char *path, struct sweep_result *out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *line[2] = { NULL, NULL };
    size_t cap[2] = { 0, 0 };
    int ok = getline(&line[0], &cap[0], f) > 0 && getline(&line[1], &cap[1], f) > 0;
    fclose(f);
    if (!ok) {
        free(line[0]);
        free(line[1]);
        return -1;
    }
    line[0][strcspn(line[0], "\n")] = '\0';
    line[1][strcspn(line[1], "\n")] = '\0';
    out->header = line[0];
    out->row = line[1];
    return 0;
}

/* Wait for the child, however often the wait is interrupted. If waiting
 * fails for any other reason the child is stopped, not left running. Returns
 * its status, or -1 after printing why. */
static int sweep_wait(pid_t pid)
{
    int status;
    for (;;) {
        if (waitpid(pid, &status, 0) == pid)
            return status;
        if (errno != EINTR)
            break;
    }
    warnx_msg("cannot wait for a child process: %s", strerror(errno));
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

int sweep_run_child(const struct options *o, const char *backend, const char *input,
                    const char *dir, const char *key_file, struct sweep_result *out)
{
    struct arglist *a = xmalloc(sizeof *a);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
    unlink(csv);
    sweep_args(a, o, backend, input, dir, key_file);
    fflush(NULL); /* nothing buffered may be written twice */
    /* A signal between fork and signals_forward_to would leave the child
     * running unseen: hold the fatal signals until the parent knows its pid. */
    sigset_t fatal, before;
    signals_fatal_set(&fatal);
    xthread_sigmask(SIG_BLOCK, &fatal, &before);
    pid_t pid = fork();
    if (pid == 0) {
        xthread_sigmask(SIG_SETMASK, &before, NULL);
        execv("/proc/self/exe", a->argv);
        _exit(127);
    }
    int fork_errno = errno;
    free(a);
    signals_forward_to(pid > 0 ? pid : 0);
    xthread_sigmask(SIG_SETMASK, &before, NULL);
    if (pid < 0) {
        warnx_msg("cannot run a child process: %s", strerror(fork_errno));
        return exit_code_for_errno(fork_errno, EX_OSERR);
    }
    int status = sweep_wait(pid);
    signals_forward_to(0);
    if (status < 0)
        return EX_OSERR;
    /* A child that exits non-zero has printed its own one line; its code
     * says what went wrong (74 for a full disk, 130 for Ctrl-C ...). */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        warnx_msg("cannot run /proc/self/exe for the %s run", backend);
        return EX_OSERR;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        warnx_msg("the %s run was killed by signal %d", backend, WTERMSIG(status));
        return EX_SOFTWARE;
    }
    if (sweep_read_csv(csv, out) != 0) {
        warnx_msg("the %s run wrote no metrics", backend);
        return EX_SOFTWARE;
    }
    return 0;
}

double sweep_value(const struct sweep_result *r, const char *column)
{
    /* Walk header and row together, field by field. */
    const char *h = r->header, *v = r->row;
    size_t len = strlen(column);
    while (h != NULL && v != NULL) {
        if (strncmp(h, column, len) == 0 && (h[len] == ',' || h[len] == '\0'))
            return strtod(v, NULL);
        h = strchr(h, ',');
        v = strchr(v, ',');
        h = h ? h + 1 : NULL;
        v = v ? v + 1 : NULL;
    }
    return 0;
}

void sweep_result_free(struct sweep_result *r)
{
    free(r->header);
    free(r->row);
    r->header = r->row = NULL;
}

static int sweep_backend_name(void *names, int i, const char *word)
{
    if (backend_find(word) == NULL)
        return -1;
    snprintf(((char (*)[32])names)[i], 32, "%s", word);
    return 0;
}

int sweep_backend_list(const char *list, char names[SWEEP_MAX_BACKENDS][32], int *count)
{
    *count = parse_list("backends", list, SWEEP_MAX_BACKENDS, "a backend `pipelab backends` lists",
                        sweep_backend_name, names);
    return *count > 0 ? 0 : EX_USAGE;
}

static const char *const sweep_files[] = { "out", "metrics.csv", "key", "input" };

/* A Ctrl-C during a sweep removes the scratch directory too. */
static void sweep_remove_on_signal(const char *dir)
{
    char path[320];
    for (size_t i = 0; i < sizeof sweep_files / sizeof sweep_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sweep_files[i]);
        output_scratch(path);
    }
    output_scratch(dir);
}

int sweep_prepare(const struct options *o, char dir[256], char input[300], char key[300])
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, 256, "%s/pipelab-sweep-XXXXXX", tmp ? tmp : "/tmp");
    /* A signal between mkdtemp and the registration would leave the
     * directory behind: hold the fatal signals until it is registered. */
    sigset_t fatal, before;
    signals_fatal_set(&fatal);
    xthread_sigmask(SIG_BLOCK, &fatal, &before);
    bool made = mkdtemp(dir) != NULL;
    int err = errno;
    if (made)
        sweep_remove_on_signal(dir);
    xthread_sigmask(SIG_SETMASK, &before, NULL);
    if (!made) {
        warnx_msg("cannot create a scratch directory: %s", strerror(err));
        return exit_code_for_errno(err, EX_CANTCREAT);
    }
    int rc = 0;
    if (o->key_file != NULL) {
        snprintf(key, 300, "%s", o->key_file);
    } else {
        snprintf(key, 300, "%s/key", dir);  /* throwaway: these outputs are deleted */
        rc = key_generate_file(key);
    }
    if (o->in != NULL) {
        if (access(o->in, R_OK) != 0) {
            warnx_msg("cannot read %s: %s", o->in, strerror(errno));
            rc = EX_NOINPUT;
        }
        snprintf(input, 300, "%s", o->in);
    } else {
        snprintf(input, 300, "%s/input", dir);
        if (rc == 0)
            rc = gen_write_file(input, GEN_TEXT, o->seed, o->size, 0);
    }
    if (rc != 0)
        sweep_cleanup(dir);
    return rc;
}

void sweep_cleanup(const char *dir)
{
    char path[320];
    for (size_t i = 0; i < sizeof sweep_files / sizeof sweep_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sweep_files[i]);
        unlink(path);
    }
    rmdir(dir);
    output_keep_scratch();
}
