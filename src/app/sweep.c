/*
 * sweep.c — one measured run per child process. See sweep.h.
 */
#include "sweep.h"
#include "keys.h"
#include "output.h"
#include "signals.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
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
    sigemptyset(&fatal);
    sigaddset(&fatal, SIGINT);
    sigaddset(&fatal, SIGTERM);
    sigaddset(&fatal, SIGHUP);
    sigprocmask(SIG_BLOCK, &fatal, &before);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &before, NULL);
        execv("/proc/self/exe", a->argv);
        _exit(127);
    }
    free(a);
    signals_forward_to(pid > 0 ? pid : 0);
    sigprocmask(SIG_SETMASK, &before, NULL);
    int status = 0;
    pid_t waited = pid < 0 ? -1 : waitpid(pid, &status, 0);
    signals_forward_to(0);
    if (waited != pid) {
        warnx_msg("cannot run a child process: %s", strerror(errno));
        return EX_OSERR;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) > 128)
        return WEXITSTATUS(status); /* interrupted: the child said so already */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        warnx_msg("the %s run failed (exit status %d)", backend,
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
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
    if (mkdtemp(dir) == NULL) {
        warnx_msg("cannot create a scratch directory: %s", strerror(errno));
        return EX_CANTCREAT;
    }
    sweep_remove_on_signal(dir);
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
