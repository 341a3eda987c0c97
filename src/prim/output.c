/*
 * output.c — temporary files, checked writes, atomic rename, and the checks
 * that keep outputs off inputs and off each other. See output.h.
 */
#define _XOPEN_SOURCE 700 /* realpath (POSIX, in its XSI part) */
#include "output.h"
#include "util.h"
#include "xthread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the temporaries a fatal path must remove --------------------------- */

/* The names are copied into static slots, so that the fatal paths (a signal
 * handler, or die_oom in any thread) read them without a lock and without
 * touching memory another thread may free. A slot's flag is set only once
 * its name is written (release) and cleared before the slot is reused;
 * open_lock orders the threads that fill and empty slots. A process has at
 * most a few outputs open at once. */
#define OUTPUT_MAX_OPEN 8
static char open_names[OUTPUT_MAX_OPEN][PATH_MAX];
static atomic_bool open_used[OUTPUT_MAX_OPEN];
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns 0, or -1 if no slot is free or the name does not fit. */
static int output_track(const char *path)
{
    int rc = -1;
    if (strlen(path) >= PATH_MAX)
        return -1;
    xmutex_lock(&open_lock);
    for (int i = 0; i < OUTPUT_MAX_OPEN && rc != 0; i++) {
        if (!atomic_load(&open_used[i])) {
            strcpy(open_names[i], path);
            atomic_store_explicit(&open_used[i], true, memory_order_release);
            rc = 0;
        }
    }
    xmutex_unlock(&open_lock);
    return rc;
}

static void output_untrack(const char *path)
{
    xmutex_lock(&open_lock);
    for (int i = 0; i < OUTPUT_MAX_OPEN; i++) {
        if (atomic_load(&open_used[i]) && strcmp(open_names[i], path) == 0) {
            atomic_store_explicit(&open_used[i], false, memory_order_release);
            break;
        }
    }
    xmutex_unlock(&open_lock);
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
    /* No lock: this runs on the way out (OOM, fatal signal), perhaps inside
     * a handler that interrupted the lock's holder. Atomic loads of lock-free
     * flags, unlink and rmdir are async-signal-safe. */
    for (int i = 0; i < OUTPUT_MAX_OPEN; i++)
        if (atomic_load_explicit(&open_used[i], memory_order_acquire))
            unlink(open_names[i]);
    for (int i = 0; i < scratch_count; i++)
        if (unlink(scratch[i]) != 0)
            rmdir(scratch[i]);
}

/* ---- names ------------------------------------------------------------ */

bool output_is_dash(const char *path)
{
    return strcmp(path, "-") == 0;
}

/* How messages name a path: "-" is a stream, not a file. */
static const char *output_shown(const char *path, bool writing)
{
    if (!output_is_dash(path))
        return path;
    return writing ? "standard output" : "standard input";
}

/* "dir/name" -> "dir/.name.XXXXXX": beside the final name, so that the
 * rename stays within one file system. */
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

/* "$TMPDIR/pipelab-what-XXXXXX": a private file that never becomes a result. */
static char *output_private_name(const char *what)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    size_t n = strlen(tmp) + strlen(what) + 20;
    char *name = xmalloc(n);
    snprintf(name, n, "%s/pipelab-%s-XXXXXX", tmp, what);
    return name;
}

/* ---- checks before anything is written ----------------------------------- */

int output_check_target(const char *path, unsigned flags)
{
    struct stat st;
    if ((flags & OUTPUT_DASH) && output_is_dash(path))
        return 0;
    if (lstat(path, &st) != 0)
        return 0; /* absent, or unreachable: creating the temporary says why */
    if (S_ISDIR(st.st_mode))
        warnx_msg("cannot create %s: it is a directory", path);
    else if (!S_ISREG(st.st_mode))
        warnx_msg("refusing to replace %s: it is not a regular file (a device, FIFO or "
                  "symbolic link is never replaced)", path);
    else if (!(flags & OUTPUT_REPLACE))
        warnx_msg("%s already exists; use --force to replace it", path);
    else
        return 0;
    return EX_CANTCREAT;
}

/* What is known of one file a run names. */
struct output_file {
    const char *path;
    bool writing;
    bool dash;
    bool exists;              /* st is valid */
    struct stat st;
    bool resolved_ok;
    char resolved[PATH_MAX];
};

/* The absolute name path has or would have: realpath of the file, or of its
 * directory followed by its last component. */
static bool output_resolve(const char *path, char resolved[PATH_MAX])
{
    if (realpath(path, resolved) != NULL)
        return true;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real_dir[PATH_MAX];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (realpath(dir, real_dir) == NULL)
        return false;
    const char *sep = strcmp(real_dir, "/") == 0 ? "" : "/";
    int n = snprintf(resolved, PATH_MAX, "%s%s%s", real_dir, sep, slash ? slash + 1 : path);
    return n > 0 && n < PATH_MAX;
}

static void output_describe(struct output_file *f, const char *path, bool writing)
{
    f->path = path;
    f->writing = writing;
    f->dash = output_is_dash(path);
    if (f->dash) {
        f->exists = fstat(writing ? STDOUT_FILENO : STDIN_FILENO, &f->st) == 0;
        f->resolved_ok = false;
        return;
    }
    f->exists = stat(path, &f->st) == 0;
    f->resolved_ok = output_resolve(path, f->resolved);
}

/* Do a and b name one file? Two streams are one only when both are
 * standard output; a stream and a file are one when the stream is that
 * regular file (`> in`). Terminals and pipes can be both stdin and stdout. */
static bool output_same_file(const struct output_file *a, const struct output_file *b)
{
    if (a->dash && b->dash)
        return a->writing && b->writing;
    if (!a->dash && !b->dash && strcmp(a->path, b->path) == 0)
        return true;
    if (a->resolved_ok && b->resolved_ok && strcmp(a->resolved, b->resolved) == 0)
        return true;
    return a->exists && b->exists && S_ISREG(a->st.st_mode) && S_ISREG(b->st.st_mode) &&
           a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino;
}

static int output_conflict(const struct output_file *w, const struct output_file *other)
{
    const char *wn = output_shown(w->path, true), *on = output_shown(other->path, other->writing);
    if (other->writing && strcmp(wn, on) == 0)
        warnx_msg("%s is named for two outputs; choose two names", wn);
    else if (other->writing)
        warnx_msg("%s and %s are the same file; choose two names for the outputs", wn, on);
    else if (strcmp(w->path, other->path) == 0)
        warnx_msg("refusing to write %s: this run reads it", wn);
    else
        warnx_msg("refusing to write %s: it is the same file as %s, which this run reads",
                  wn, on);
    return EX_USAGE;
}

int output_check_files(const char *const reads[], size_t nreads,
                       const char *const writes[], const unsigned flags[], size_t nwrites)
{
    /* Owned here, freed below. */
    struct output_file *f = xmalloc((nreads + nwrites + 1) * sizeof *f);
    size_t n = 0, first_write;
    for (size_t i = 0; i < nreads; i++)
        if (reads[i] != NULL)
            output_describe(&f[n++], reads[i], false);
    first_write = n;
    for (size_t i = 0; i < nwrites; i++)
        if (writes[i] != NULL)
            output_describe(&f[n++], writes[i], true);
    int rc = 0;
    /* Each write against every file named before it: the reads, then the
     * earlier writes. */
    for (size_t w = first_write; w < n && rc == 0; w++)
        for (size_t o = 0; o < w && rc == 0; o++)
            if (output_same_file(&f[w], &f[o]))
                rc = output_conflict(&f[w], &f[o]);
    free(f);
    for (size_t i = 0; i < nwrites && rc == 0; i++)
        if (writes[i] != NULL)
            rc = output_check_target(writes[i], flags[i]);
    return rc;
}

/* ---- writing ------------------------------------------------------------ */

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

/* Create the temporary path (a mkstemp template) and track it for removal,
 * with every signal held in between: a fatal signal after mkstemp but before
 * output_track would leave the file behind. Returns the descriptor, or -1
 * with *err set to mkstemp's errno (0 when only the tracking failed; the file
 * is then removed again). */
static int output_make_temp(char *path, int *err)
{
    sigset_t all, before;
    sigfillset(&all);
    xthread_sigmask(SIG_BLOCK, &all, &before);
    int fd = mkstemp(path);
    *err = fd < 0 ? errno : 0;
    if (fd >= 0 && output_track(path) != 0) {
        close(fd);
        unlink(path);
        fd = -1;
    }
    xthread_sigmask(SIG_SETMASK, &before, NULL);
    return fd;
}

int output_open(struct output *out, const char *final_path, unsigned mode, unsigned flags)
{
    memset(out, 0, sizeof *out);
    /* Found now rather than by the final rename, after all the work. */
    int rc = output_check_target(final_path, flags);
    if (rc != 0)
        return rc;
    out->flags = flags;
    out->final_path = xstrdup(final_path);
    out->to_stdout = (flags & OUTPUT_DASH) && output_is_dash(final_path);
    if (out->to_stdout && !(flags & OUTPUT_SEEKS)) {
        /* Streamed: every write is an append. stdout keeps the buffer
         * stdio gave it: C allows setvbuf only before any other use of a
         * stream, which nothing here can promise for stdout. Large records
         * still go out in large writes (fwrite passes them straight on). */
        out->file = stdout;
        return 0;
    }
    out->temp_path = out->to_stdout ? output_private_name("stdout") : output_temp_name(final_path);
    int err = 0;
    int fd = output_make_temp(out->temp_path, &err);
    if (fd < 0) {
        warnx_msg("cannot create %s: %s", output_shown(final_path, out->to_stdout),
                  err != 0 ? strerror(err) : "too many outputs, or too long a name");
        free(out->final_path);
        free(out->temp_path);
        memset(out, 0, sizeof *out);
        return err != 0 ? exit_code_for_errno(err, EX_CANTCREAT) : EX_CANTCREAT;
    }
    xthread_once(&umask_once, output_read_umask);
    if (fchmod(fd, mode & ~process_umask) != 0 || (out->file = fdopen(fd, "wb")) == NULL) {
        warnx_msg("cannot create %s: %s", output_shown(final_path, out->to_stdout),
                  strerror(errno));
        close(fd);
        output_abort(out);
        return EX_CANTCREAT;
    }
    /* Our own buffer, not setvbuf(file, NULL, ...): given NULL, glibc keeps
     * its default (st_blksize, 4 KiB here) whatever size is asked for, and
     * the writer then made one write(2) per 4 KiB. Ours makes one per
     * OUTPUT_BUFFER bytes (output.h says why that size); a record larger
     * than the free room goes out in large writes of its own. setvbuf
     * comes before any other use of the stream, as C requires. */
    out->buffer = xmalloc(OUTPUT_BUFFER);
    if (setvbuf(out->file, out->buffer, _IOFBF, OUTPUT_BUFFER) != 0) {
        warnx_msg("cannot create %s: %s", output_shown(final_path, out->to_stdout),
                  "cannot set up its buffer");
        output_abort(out);
        return EX_CANTCREAT;
    }
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
    /* On a stream (stdout without OUTPUT_SEEKS) fseeko fails: never a
     * silently misplaced chunk. */
    if (offset != out->bytes_written &&
        fseeko(out->file, (off_t)offset, SEEK_SET) != 0)
        return EX_IOERR;
    out->bytes_written = offset;
    return output_write(out, data, len);
}

/* ---- committing ---------------------------------------------------------- */

/* Flush, fsync and close; the temporary stays until output_place. */
static int output_finish(struct output *out)
{
    int err = 0;
    if (fflush(out->file) != 0)
        err = errno;
    else if (ferror(out->file))
        err = EIO; /* an earlier write failed; its errno is gone */
    else if ((out->flags & OUTPUT_SYNC) && !out->to_stdout && fsync(fileno(out->file)) != 0)
        err = errno;
    if (out->file != stdout && fclose(out->file) != 0 && err == 0)
        err = errno;
    out->file = NULL;
    free(out->buffer); /* only now: fclose flushes from it */
    out->buffer = NULL;
    if (err == 0)
        return 0;
    warnx_msg("cannot write %s: %s", output_shown(out->final_path, true), strerror(err));
    return EX_IOERR;
}

/* Copy the finished temporary of a "-" output to standard output. Returns 0
 * or an errno value. */
static int output_copy_to_stdout(const char *temp_path)
{
    enum { BLOCK = 1 << 20 };
    int fd = open(temp_path, O_RDONLY);
    if (fd < 0)
        return errno;
    uint8_t *buf = xmalloc(BLOCK);
    int err = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            err = errno;
            break;
        }
    }
    free(buf);
    close(fd);
    if (err == 0 && fflush(stdout) != 0)
        err = errno;
    return err;
}

/* Put a finished output where it belongs. Returns 0 or an EX_ code after
 * printing why. */
static int output_place(struct output *out)
{
    int err = 0;
    if (out->to_stdout) {
        err = out->temp_path != NULL ? output_copy_to_stdout(out->temp_path) : 0;
    } else {
        /* Again: the name may have become something else during the run. */
        int rc = output_check_target(out->final_path, out->flags);
        if (rc != 0)
            return rc;
        if (out->flags & OUTPUT_REPLACE)
            err = rename(out->temp_path, out->final_path) == 0 ? 0 : errno;
        else if (link(out->temp_path, out->final_path) != 0)
            /* link never replaces; a file system without hard links gets
             * the rename, the name having been free a moment ago. */
            err = errno == EEXIST ? EEXIST
                : rename(out->temp_path, out->final_path) == 0 ? 0 : errno;
    }
    if (err == EEXIST) {
        warnx_msg("%s already exists; use --force to replace it", out->final_path);
        return EX_CANTCREAT;
    }
    if (err != 0) {
        warnx_msg("cannot write %s: %s", output_shown(out->final_path, true), strerror(err));
        return EX_IOERR;
    }
    if (out->temp_path != NULL) {
        output_untrack(out->temp_path);
        unlink(out->temp_path); /* the name left after link, or the stdout copy */
        free(out->temp_path);
        out->temp_path = NULL;
    }
    out->placed = true;
    return 0;
}

int output_commit_all(struct output *const outs[], size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (outs[i]->final_path != NULL)
            rc = output_finish(outs[i]);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (outs[i]->final_path != NULL)
            rc = output_place(outs[i]);
    for (size_t i = 0; i < n; i++) {
        if (rc != 0 && outs[i]->placed && !outs[i]->to_stdout)
            unlink(outs[i]->final_path); /* all or none */
        output_abort(outs[i]);
    }
    return rc;
}

int output_commit(struct output *out)
{
    struct output *const one[] = { out };
    return output_commit_all(one, 1);
}

void output_abort(struct output *out)
{
    /* A file being thrown away: its close status does not matter. A stream
     * to stdout cannot be taken back; it is left open for the last words. */
    if (out->file != NULL && out->file != stdout)
        fclose(out->file);
    free(out->buffer); /* after fclose, which may still write from it */
    if (out->temp_path != NULL) {
        output_untrack(out->temp_path);
        unlink(out->temp_path);
    }
    free(out->temp_path);
    free(out->final_path);
    memset(out, 0, sizeof *out);
}

/* ---- standard input as a file --------------------------------------------- */

/* Write all of buf to fd. Returns 0 or an errno value. */
static int output_write_fd(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copy standard input to fd. Returns 0, or EX_IOERR after printing why. */
static int output_copy_stdin(int fd, const char *path)
{
    enum { BLOCK = 1 << 20 };
    uint8_t *buf = xmalloc(BLOCK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            warnx_msg("cannot read standard input: %s", strerror(errno));
            rc = EX_IOERR;
        }
        if (n <= 0)
            break;
        int err = output_write_fd(fd, buf, (size_t)n);
        if (err != 0) {
            warnx_msg("cannot copy standard input to %s: %s", path, strerror(err));
            rc = EX_IOERR;
            break;
        }
    }
    free(buf);
    return rc;
}

int output_spool_stdin(char **path)
{
    char *name = output_private_name("stdin");
    int fd = mkstemp(name);
    if (fd < 0 || output_track(name) != 0) {
        warnx_msg("cannot create a temporary copy of standard input: %s",
                  fd < 0 ? strerror(errno) : "too many temporary files");
        if (fd >= 0) {
            close(fd);
            unlink(name);
        }
        free(name);
        return EX_CANTCREAT;
    }
    int rc = output_copy_stdin(fd, name);
    if (close(fd) != 0 && rc == 0) {
        warnx_msg("cannot copy standard input to %s: %s", name, strerror(errno));
        rc = EX_IOERR;
    }
    if (rc != 0) {
        output_spool_remove(name);
        return rc;
    }
    *path = name;
    return 0;
}

void output_spool_remove(char *path)
{
    if (path == NULL)
        return;
    output_untrack(path);
    unlink(path);
    free(path);
}
