/*
 * live_view.h — drawing one frame of the live view, from a snapshot.
 *
 * The view is split in two so that a running job (live.c) and a recorded
 * trace (`pipelab replay`) are drawn by the same code: each fills a struct
 * live_frame with what it knows at one instant, and live_view_draw turns it
 * into text. Drawing never reads shared state, so it needs no lock.
 *
 * Plain ANSI, not ncurses: the view needs only "cursor up N lines", "clear to
 * the end of the line", "hide/show the cursor" and eight colours, which every
 * terminal since the VT100 understands the same way; terminfo would add a
 * dependency and a screen model for nothing more. A terminal that cannot
 * move the cursor at all (TERM=dumb) gets the plain one-line form instead.
 *
 * Three forms:
 *   LIVE_FULL   a row per thread and per queue, colour-coded, redrawn in place
 *   LIVE_SMALL  the same without a row per worker (a terminal too small):
 *               the workers are counted by state on one row
 *   LIVE_PLAIN  one line of key=value pairs, for a file or a pipe
 */
#ifndef PIPELAB_LIVE_VIEW_H
#define PIPELAB_LIVE_VIEW_H

#include "live_state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_VIEW_MAX_WORKERS 256
#define LIVE_SPARK 32                 /* rate samples in the sparkline */
#define LIVE_VIEW_BUF (96 * 1024)

enum live_form { LIVE_FULL, LIVE_SMALL, LIVE_PLAIN };

struct live_thread {
    enum live_what what;
    uint64_t chunk;
};

struct live_frame {
    const char *backend;
    const char *title;                /* "live" or "replay ..." */
    bool lock_view;                   /* mutex: permits and the writer lock */
    bool queues;                      /* cpu_queue and writer_queue exist */
    bool queue_depth_known;           /* false in a replay: depths are counted spans */
    size_t cpu_depth, writer_depth;
    size_t capacity;                  /* 0: unbounded */
    struct live_thread reader, writer;
    unsigned workers;
    struct live_thread worker[LIVE_VIEW_MAX_WORKERS];
    bool ordered;
    uint64_t in_window;               /* reorder: chunks admitted, not yet written */
    uint64_t parked, window;          /* of them, parked out of order; the window's size */
    int64_t inflight_chunks, inflight_bytes;  /* bytes -1: unknown */
    int64_t inflight_bound;           /* chunks; -1: none; -2: unknown */
    long rss_kb;                      /* -1: unknown */
    double elapsed_s;
    double done, total;               /* in units of `unit` */
    const char *unit;                 /* "MiB" or "chunks" */
    double rate;                      /* units per second, now */
    double spark[LIVE_SPARK];         /* older first */
    unsigned spark_count;
    const char *footer;               /* a last line (replay keys), or NULL */
};

/* Text of one frame. `lines` counts the rows of the last form drawn. */
struct live_text {
    char buf[LIVE_VIEW_BUF];
    size_t len;
    unsigned lines;
    unsigned cols;              /* rows are cut to cols - 1 columns (0: no limit), so
                                   none wraps and the cursor-up count stays true */
    size_t row_start;
};

/* Append a frame of f in form to t->buf (after the t->len bytes already
 * there); t->lines counts its rows. colour: use ANSI colours. */
void live_view_draw(const struct live_frame *f, enum live_form form, bool colour,
                    struct live_text *t);

/* How many rows a frame of f takes in form (LIVE_PLAIN: 1). */
unsigned live_view_rows(const struct live_frame *f, enum live_form form);

/* Push a rate sample into the sparkline. */
void live_view_push_rate(struct live_frame *f, double rate);

/* What a thread is doing, in words ("blocked sending chunk 9"). The queue
 * figures decide between "sending" and "blocked sending". */
void live_view_describe(const struct live_frame *f, const struct live_thread *th,
                        bool into_full, bool from_empty, char *out, size_t len);

#endif
