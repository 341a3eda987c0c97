/*
 * replay.c — `pipelab replay TRACE.json`: a recorded --trace, played back in
 * the live view (live_view.h).
 *
 * The trace holds, for every chunk, its read, process and write spans and
 * which worker processed it (trace.c writes one event per line). From those
 * the state at any instant t follows: a chunk is in cpu_queue between the end
 * of its read and the start of its processing, in writer_queue between the
 * end of processing and the start of its write, in flight from the start of
 * its read to the end of its write; a thread is doing whatever span of its
 * covers t. So replay fills the same struct live_frame the running view does
 * and draws it with the same code. A recorded depth is therefore "chunks
 * between two stages", not a channel's length: it also counts the chunk a
 * blocked reader holds while it waits to send, and chunks a worker has taken
 * but not yet started (waiting for a CPU token), so it can exceed the channel's
 * capacity by up to 1 + workers. The frame says "(recorded)" beside it. What a trace cannot tell (a channel's
 * capacity, whether a sender was blocked or the bytes) is left out rather
 * than guessed.
 *
 * On a terminal: --speed X times real time, space pauses, the right arrow
 * steps to the next event (and pauses), q quits. An event is an instant at
 * which some span starts or ends; the frame's last row says which one it
 * shows ("event 12 of 640"), so a step can be seen. Standard input is put in
 * non-canonical mode with termios and restored on every way out, a fatal
 * signal included (the handler only sets a flag; the loop restores the
 * terminal and returns 128 + the signal).
 */
#include "commands.h"
#include "live_screen.h"
#include "signals.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define REPLAY_TICK_MS 100
#define REPLAY_PLAIN_TICKS 5           /* a plain line every 500 ms */
#define REPLAY_MAX_CHUNKS (1u << 26)   /* a sanity bound on an index from the file */

struct replay_span {
    double read_s, read_e, proc_s, proc_e, write_s, write_e;  /* µs since the start */
    int worker;
    unsigned seen;                     /* bit 0 read, 1 process, 2 write */
};

struct replay {
    char backend[32];
    struct replay_span *span;          /* [count], owned */
    size_t count, alloc;
    unsigned workers;
    double end_us;
    double *events;                    /* every span boundary, sorted: owned */
    size_t event_count;
};

static volatile sig_atomic_t replay_signal;

static void replay_on_signal(int sig)
{
    replay_signal = sig;
}

/* ---- reading the trace ------------------------------------------------- */

static struct replay_span *replay_chunk(struct replay *r, unsigned long long index)
{
    if (index >= REPLAY_MAX_CHUNKS)
        return NULL;
    if (index >= r->alloc) {
        size_t grown = r->alloc ? r->alloc : 256;
        while (grown <= index)
            grown *= 2;
        r->span = xrealloc(r->span, grown * sizeof *r->span);
        memset(r->span + r->alloc, 0, (grown - r->alloc) * sizeof *r->span);
        r->alloc = grown;
    }
    if (index >= r->count)
        r->count = index + 1;
    return &r->span[index];
}

/* One line of the trace. Returns 0, or -1 when it is not what trace.c writes. */
static int replay_line(struct replay *r, const char *line)
{
    char name[16];
    int tid;
    double ts, dur;
    unsigned long long chunk;
    unsigned n;
    if (sscanf(line, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
                     "\"args\":{\"name\":\"worker %u\"}}", &tid, &n) == 2) {
        r->workers = n + 1 > r->workers ? n + 1 : r->workers;
        return 0;
    }
    if (sscanf(line, "{\"name\":\"%15[a-z_]\",\"cat\":\"chunk\",\"ph\":\"X\",\"pid\":1,"
                     "\"tid\":%d,\"ts\":%lf,\"dur\":%lf,\"args\":{\"chunk\":%llu}}",
               name, &tid, &ts, &dur, &chunk) != 5)
        return 0; /* metadata and queue spans: the chunk spans say it all */
    struct replay_span *s = replay_chunk(r, chunk);
    if (s == NULL || ts < 0 || dur < 0)
        return -1;
    if (strcmp(name, "read") == 0) {
        s->read_s = ts, s->read_e = ts + dur, s->seen |= 1;
    } else if (strcmp(name, "process") == 0 && tid >= 10) {
        s->proc_s = ts, s->proc_e = ts + dur, s->seen |= 2, s->worker = tid - 10;
    } else if (strcmp(name, "write") == 0) {
        s->write_s = ts, s->write_e = ts + dur, s->seen |= 4;
    } else {
        return -1;
    }
    if (ts + dur > r->end_us)
        r->end_us = ts + dur;
    return 0;
}

static int replay_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void replay_index_events(struct replay *r)
{
    r->events = xmalloc((r->count ? r->count : 1) * 6 * sizeof *r->events);
    for (size_t i = 0; i < r->count; i++) {
        const struct replay_span *s = &r->span[i];
        double *e = &r->events[r->event_count];
        e[0] = s->read_s, e[1] = s->read_e, e[2] = s->proc_s;
        e[3] = s->proc_e, e[4] = s->write_s, e[5] = s->write_e;
        r->event_count += 6;
    }
    qsort(r->events, r->event_count, sizeof *r->events, replay_cmp_double);
    /* Boundaries at the same instant are one event: a step always changes
     * the time, and the position shown moves by one. */
    size_t kept = 0;
    for (size_t i = 0; i < r->event_count; i++)
        if (kept == 0 || r->events[i] != r->events[kept - 1])
            r->events[kept++] = r->events[i];
    r->event_count = kept;
}

/* Read path into r. Returns 0, or an EX_ code after one line saying why. */
static int replay_load(struct replay *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        warnx_msg("cannot open %s: %s", path, strerror(errno));
        return exit_code_for_errno(errno, EX_NOINPUT);
    }
    char line[1024];
    bool header = fgets(line, sizeof line, f) != NULL &&
                  sscanf(line, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"backend\":\"%31[a-z_]\"}",
                         r->backend) == 1;
    int rc = header ? 0 : EX_DATAERR;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL)
        if (replay_line(r, line) != 0)
            rc = EX_DATAERR;
    if (rc == 0 && ferror(f)) {
        warnx_msg("cannot read %s: %s", path, strerror(errno));
        rc = EX_IOERR;
    }
    fclose(f);
    for (size_t i = 0; rc == 0 && i < r->count; i++)
        if (r->span[i].seen != 7 || r->span[i].worker >= LIVE_VIEW_MAX_WORKERS)
            rc = EX_DATAERR;
    if (rc == 0 && r->count == 0)
        rc = EX_DATAERR;
    if (rc == EX_DATAERR)
        warnx_msg("%s is not a pipelab trace (record one with `pipelab process --trace FILE.json`)",
                  path);
    if (rc == 0)
        replay_index_events(r);
    return rc;
}

/* ---- the state at one instant ------------------------------------------- */

static bool within(double t, double start, double end)
{
    return start <= t && t < end;
}

static void replay_frame(const struct replay *r, double t, struct live_frame *f)
{
    bool lock_view = strcmp(r->backend, "mutex") == 0;
    f->workers = r->workers;
    f->cpu_depth = f->writer_depth = 0;
    f->inflight_chunks = 0;
    f->reader = (struct live_thread){ LIVE_DONE, 0 };
    f->writer = (struct live_thread){ LIVE_RECEIVING, 0 };
    for (unsigned w = 0; w < f->workers; w++)
        f->worker[w] = (struct live_thread){ LIVE_RECEIVING, 0 };
    size_t written = 0, last_read = 0;
    bool reading = false, any_unread = false, all_taken = true;
    for (size_t i = 0; i < r->count; i++) {
        const struct replay_span *s = &r->span[i];
        struct live_thread *w = &f->worker[s->worker];
        f->cpu_depth += within(t, s->read_e, s->proc_s);
        f->writer_depth += within(t, s->proc_e, s->write_s);
        f->inflight_chunks += within(t, s->read_s, s->write_e);
        written += s->write_e <= t;
        if (s->read_e <= t)
            last_read = i;
        any_unread |= s->read_e > t;
        all_taken &= s->proc_s <= t;
        if (within(t, s->read_s, s->read_e)) {
            f->reader = (struct live_thread){ LIVE_READING, i };
            reading = true;
        }
        if (within(t, s->proc_s, s->proc_e))
            *w = (struct live_thread){ LIVE_RUNNING, i };
        else if (lock_view && within(t, s->proc_e, s->write_s))
            *w = (struct live_thread){ LIVE_WAIT_LOCK, i };
        if (within(t, s->write_s, s->write_e)) {
            f->writer = (struct live_thread){ LIVE_WRITING, i };
            if (lock_view)
                *w = (struct live_thread){ LIVE_WRITING, i };
        }
    }
    if (!reading && any_unread)
        f->reader = r->span[last_read].proc_s > t ? (struct live_thread){ LIVE_SENDING, last_read }
                                                  : (struct live_thread){ LIVE_IDLE, 0 };
    /* Once every chunk has been taken, a worker with none in hand has found
     * the closed, empty cpu_queue and ended, as it does in a live run. */
    for (unsigned w = 0; all_taken && w < f->workers; w++)
        if (f->worker[w].what == LIVE_RECEIVING)
            f->worker[w] = (struct live_thread){ LIVE_DONE, 0 };
    if (written == r->count)
        f->writer = (struct live_thread){ LIVE_DONE, 0 };
    f->done = (double)written;
    f->elapsed_s = t / 1e6;
}

/* ---- playing ---------------------------------------------------------- */

struct replay_term {
    bool raw;
    struct termios saved;
    struct sigaction old[16];
    int sigs[16];
    int nsigs;
};

static void replay_term_enter(struct replay_term *rt, bool interactive)
{
    sigset_t fatal;
    signals_fatal_set(&fatal);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = replay_on_signal; /* no SA_RESTART: poll returns EINTR */
    for (int sig = 1; sig < 32 && rt->nsigs < 16; sig++)
        if (sigismember(&fatal, sig) == 1 && sigaction(sig, &sa, &rt->old[rt->nsigs]) == 0)
            rt->sigs[rt->nsigs++] = sig;
    if (!interactive || tcgetattr(STDIN_FILENO, &rt->saved) != 0)
        return;
    struct termios raw = rt->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);   /* keys one at a time, unechoed */
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    rt->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void replay_term_leave(struct replay_term *rt)
{
    if (rt->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &rt->saved);
    for (int i = 0; i < rt->nsigs; i++)
        sigaction(rt->sigs[i], &rt->old[i], NULL);
}

/* How many events have happened by t (0 to event_count): the position the
 * footer shows, and the index of the next event. */
static size_t replay_position(const struct replay *r, double t)
{
    size_t lo = 0, hi = r->event_count; /* events[i] <= t for i < lo, > t from hi on */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->events[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The next event strictly after t, or the end. */
static double replay_next_event(const struct replay *r, double t)
{
    size_t next = replay_position(r, t);
    return next < r->event_count ? r->events[next] : r->end_us;
}

enum replay_key { KEY_NONE, KEY_PAUSE, KEY_STEP, KEY_QUIT };

/* Wait up to ms for a key. */
static enum replay_key replay_key(bool interactive, int ms)
{
    if (!interactive) {
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        return KEY_NONE;
    }
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    char buf[8];
    if (poll(&p, 1, ms) <= 0)
        return KEY_NONE;
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0)
        return KEY_NONE;
    if (buf[0] == 'q')
        return KEY_QUIT;
    if (buf[0] == ' ')
        return KEY_PAUSE;
    if (n >= 3 && buf[0] == '\033' && buf[1] == '[' && buf[2] == 'C')
        return KEY_STEP;
    return KEY_NONE;
}

/* The last row of the frame on a terminal: where the replay is, the keys. */
static const char *replay_footer(const struct replay *r, double t, bool paused, char *buf,
                                 size_t len)
{
    snprintf(buf, len, "event %zu of %zu%s", replay_position(r, t), r->event_count,
             paused ? ", paused: space plays, -> steps one event, q quits"
                    : ": space pauses, -> steps one event, q quits");
    return buf;
}

static int replay_play(const struct replay *r, double speed, struct live_frame *f)
{
    bool interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    struct replay_term rt = { 0 };
    struct live_screen *sc = xmalloc(sizeof *sc); /* owned here; its text is large */
    char footer[128];
    replay_term_enter(&rt, interactive);
    live_screen_open(sc, STDERR_FILENO, false);
    double t = 0, last_done = 0, last_t = 0;
    bool paused = false, quit = false;
    uint64_t last = now_ns();
    unsigned tick = 0;
    while (!quit && replay_signal == 0) {
        replay_frame(r, t, f);
        if (t - last_t >= 100000.0 || t >= r->end_us) { /* a rate per recorded 0.1 s */
            f->rate = t > last_t ? (f->done - last_done) / ((t - last_t) / 1e6) : 0;
            live_view_push_rate(f, f->rate);
            last_done = f->done, last_t = t;
        }
        f->footer = interactive ? replay_footer(r, t, paused, footer, sizeof footer) : NULL;
        live_screen_draw(sc, f, tick++ % REPLAY_PLAIN_TICKS == 0 || t >= r->end_us);
        if (t >= r->end_us)
            break;
        enum replay_key k = replay_key(interactive, REPLAY_TICK_MS);
        uint64_t now = now_ns();
        if (!paused)
            t += (double)(now - last) / 1e3 * speed;
        last = now;
        quit = k == KEY_QUIT;
        paused = k == KEY_PAUSE ? !paused : paused;
        if (k == KEY_STEP) {
            t = replay_next_event(r, t);
            paused = true;
        }
        t = t < r->end_us ? t : r->end_us;
    }
    live_screen_close(sc);
    free(sc);
    replay_term_leave(&rt);
    if (replay_signal != 0) {
        warnx_msg("interrupted by %s", signals_name(replay_signal));
        return 128 + replay_signal;
    }
    return 0;
}

/* The summary under the last frame: what the whole recording shows. */
static int replay_summary(const char *path, const struct replay *r)
{
    size_t peak_cpu = 0, peak_writer = 0, peak_flight = 0;
    struct live_frame *f = xcalloc(1, sizeof *f);
    for (size_t i = 0; i < r->event_count; i++) {
        replay_frame(r, r->events[i], f);
        peak_cpu = f->cpu_depth > peak_cpu ? f->cpu_depth : peak_cpu;
        peak_writer = f->writer_depth > peak_writer ? f->writer_depth : peak_writer;
        peak_flight = (size_t)f->inflight_chunks > peak_flight ? (size_t)f->inflight_chunks : peak_flight;
    }
    free(f);
    printf("replay of %s: backend %s, %zu chunks, %u workers, %.3f s recorded; peak cpu_queue %zu, "
           "writer_queue %zu, in flight %zu chunks\n", path, r->backend, r->count, r->workers,
           r->end_us / 1e6, peak_cpu, peak_writer, peak_flight);
    return stdout_flush();
}

int command_replay(const struct options *o)
{
    char *end;
    errno = 0;
    double speed = strtod(o->speed, &end);
    if (errno != 0 || end == o->speed || *end != '\0' || !(speed > 0 && speed <= 1e6)) {
        warnx_msg("--speed: '%s' is not a number above 0 and at most 1000000", o->speed);
        return EX_USAGE;
    }
    struct replay r = { .workers = 0 };
    int rc = replay_load(&r, o->in);
    if (rc == 0) {
        struct live_frame *f = xcalloc(1, sizeof *f);
        f->backend = r.backend;
        f->title = "replay";
        f->lock_view = strcmp(r.backend, "mutex") == 0;
        f->queues = !f->lock_view && strcmp(r.backend, "serial") != 0;
        f->unit = "chunks";
        f->total = (double)r.count;
        f->rss_kb = -1;
        f->inflight_bytes = -1;
        f->inflight_bound = -2;
        rc = replay_play(&r, speed, f);
        free(f);
    }
    if (rc == 0)
        rc = replay_summary(o->in, &r);
    free(r.span);
    free(r.events);
    return rc;
}
