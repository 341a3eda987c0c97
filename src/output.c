/*
 * output.c — temporary file, checked writes, atomic rename. See output.h.
 */
#include "output.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporaries currently open, so that a fatal path can remove them. A
 * process has at most a few outputs open at once. */
#define OUTPUT_MAX_OPEN 8
static char *open_temporaries[OUTPUT_MAX_OPEN];
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static void output_track(char *path, bool add)
{
    pthread_mutex_lock(&open_lock);
    for (int i = 0; i < OUTPUT_MAX_OPEN; i++) {
        if (add && open_temporaries[i] == NULL) {
            open_temporaries[i] = path;
            break;
        }
        if (!add && open_temporaries[i] == path) {
            open_temporaries[i] = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&open_lock);
}

/* Scratch paths, copied into static storage when registered, so that the
 * signal path needs no allocation. */
#define OUTPUT_MAX_SCRATCH 8
static char scratch[OUTPUT_MAX_SCRATCH][320];
static volatile sig_atomic_t scratch_count;

void output_scratch(const char *path)
{
    if (scratch_count < OUTPUT_MAX_SCRATCH && strlen(path) < sizeof scratch[0]) {
        strcpy(scratch[scratch_count], path);
        scratch_count++;
    }
}

void output_keep_scratch(void)
{
    scratch_count = 0;
}

void output_remove_all_temporaries(void)
{
    /* No lock: this runs on the way out (OOM, fatal signal); unlink and rmdir
     * are async-signal-safe and a stale pointer here is at worst a no-op. */
    for (int i = 0; i < OUTPUT_MAX_OPEN; i++)
        if (open_temporaries[i] != NULL)
            unlink(open_temporaries[i]);
    for (int i = 0; i < scratch_count; i++)
        if (unlink(scratch[i]) != 0)
            rmdir(scratch[i]);
}

/* "dir/name" -> "dir/.name.XXXXXX" */
static char *output_temp_name(const char *final_path)
{
    const char *slash = strrchr(final_path, '/');
    size_t dir_len = slash ? (size_t)(slash - final_path) + 1 : 0;
    const char *base = final_path + dir_len;
    size_t n = strlen(final_path) + 16;
    char *temp = xmalloc(n);
    snprintf(temp, n, "%.*s.%s.XXXXXX", (int)dir_len, final_path, base);
    return temp;
}

/* mkstemp makes the file 0600; the final mode is the one asked for, less the
 * user's umask, as open(2) would give. umask can only be read by setting it,
 * so it is read once and put back. */
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static mode_t process_umask;

static void output_read_umask(void)
{
    process_umask = umask(077);
    umask(process_umask);
}

bool output_is_input(const char *final_path, const char *input_path)
{
    struct stat in, out;
    return stat(input_path, &in) == 0 && stat(final_path, &out) == 0 &&
           in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

int output_open(struct output *out, const char *final_path, unsigned mode, bool sync)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    /* Found now rather than by the final rename, after all the work. */
    if (stat(final_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        warnx_msg("cannot create %s: it is a directory", final_path);
        return EX_CANTCREAT;
    }
    out->sync = sync;
    out->final_path = xstrdup(final_path);
    out->temp_path = output_temp_name(final_path);
    int fd = mkstemp(out->temp_path);
    if (fd < 0) {
        int err = errno;
        warnx_msg("cannot create %s: %s", final_path, strerror(err));
        free(out->final_path);
        free(out->temp_path);
        memset(out, 0, sizeof *out);
        return exit_code_for_errno(err, EX_CANTCREAT);
    }
    output_track(out->temp_path, true);
    pthread_once(&umask_once, output_read_umask);
    if (fchmod(fd, mode & ~process_umask) != 0 || (out->file = fdopen(fd, "wb")) == NULL) {
        warnx_msg("cannot create %s: %s", final_path, strerror(errno));
        close(fd);
        output_abort(out);
        return EX_CANTCREAT;
    }
    /* A large buffer: records are written in a few big pieces. */
    setvbuf(out->file, NULL, _IOFBF, 1 << 20);
    return 0;
}

int output_write(struct output *out, const void *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, out->file) != len)
        return EX_IOERR;
    out->bytes_written += len;
    return 0;
}

int output_write_at(struct output *out, unsigned long long offset,
                    const void *data, size_t len)
{
    if (offset != out->bytes_written &&
        fseeko(out->file, (off_t)offset, SEEK_SET) != 0)
        return EX_IOERR;
    out->bytes_written = offset;
    return output_write(out, data, len);
}

/* rename replaces an existing file; link does not, so no_clobber uses link
 * and then drops the temporary name. Returns 0 or an errno value. */
static int output_move_into_place(struct output *out)
{
    if (!out->no_clobber)
        return rename(out->temp_path, out->final_path) == 0 ? 0 : errno;
    if (link(out->temp_path, out->final_path) != 0)
        return errno;
    unlink(out->temp_path);
    return 0;
}

int output_commit(struct output *out)
{
    int err = 0;
    if (fflush(out->file) != 0)
        err = errno;
    else if (out->sync && fsync(fileno(out->file)) != 0)
        err = errno;
    if (fclose(out->file) != 0 && err == 0)
        err = errno;
    out->file = NULL;
    if (err == 0)
        err = output_move_into_place(out);
    if (err != 0) {
        warnx_msg("cannot write %s: %s", out->final_path, strerror(err));
        output_abort(out);
        return EX_IOERR;
    }
    output_track(out->temp_path, false);
    free(out->temp_path);
    free(out->final_path);
    memset(out, 0, sizeof *out);
    return 0;
}

void output_abort(struct output *out)
{
    if (out->file != NULL)
        fclose(out->file); /* the file is being thrown away: its status does not matter */
    if (out->temp_path != NULL) {
        output_track(out->temp_path, false);
        unlink(out->temp_path);
    }
    free(out->temp_path);
    free(out->final_path);
    memset(out, 0, sizeof *out);
}
