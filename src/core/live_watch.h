/*
 * live_watch.h — `--live`: the view thread of a running job.
 *
 * job_run starts it next to the monitor when --live is given. About ten
 * times a second it reads what every thread has published (live_state.h),
 * the channels' depths, the chunks and bytes in flight, the resident memory
 * and the bytes written, fills a struct live_frame and draws it on standard
 * error with one write (live_view.h), moving the cursor back up over the
 * previous frame instead of clearing the screen, so nothing flickers.
 *
 * When stderr is not a terminal, TERM is dumb or unset, or --live=plain is
 * given, it prints one plain line every half second instead. A terminal with
 * too few rows gets the short form. When the run ends, for whatever reason
 * (a signal included: the watcher fails the job, the backend returns, and
 * job_run stops the view), the last frame is drawn and left on the screen,
 * and the cursor and colours are restored before anything else is printed.
 */
#ifndef PIPELAB_LIVE_WATCH_H
#define PIPELAB_LIVE_WATCH_H

#include "live_view.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct job;

struct live_watch {
    struct job *job;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;                   /* under lock */
    enum live_form form;
    bool colour;
    unsigned drawn;              /* rows of the frame on screen, to move back over */
    bool broken;                 /* stderr refused a write: stop drawing */
    uint64_t start_ns, last_ns, last_bytes;
    struct live_frame frame;     /* owned by the view thread */
    struct live_text text;
};

/* Start the view if the job's options ask for it. Returns 0 or an EX_ code. */
int live_watch_start(struct live_watch *lw, struct job *job);

/* Draw the last frame, restore the terminal and join the thread. */
void live_watch_stop(struct live_watch *lw);

/* The form for a view on fd: plain if forced, not a terminal, or TERM is
 * dumb; short if the terminal has fewer rows than `rows`; else full. */
enum live_form live_watch_form(int fd, bool force_plain, unsigned rows);

/* The terminal's width in columns, or 0 when fd is no terminal. */
unsigned live_watch_cols(int fd);

/* Write all of text to fd (retrying short writes). Returns 0 or -1. */
int live_watch_write(int fd, const char *text, size_t len);

/* The escape sequence that puts the cursor back over the `drawn` rows of
 * the previous frame (nothing when drawn is 0). */
void live_watch_home(char *buf, size_t len, unsigned drawn);

#endif
