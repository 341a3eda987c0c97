/*
 * live_watch.h — `--live`: the view thread of a running job.
 *
 * job_run starts it next to the monitor when --live is given. About ten
 * times a second it reads what every thread has published (live_state.h),
 * the channels' depths, the reorder window, the chunks and bytes in flight,
 * the resident memory and the bytes written, fills a struct live_frame and
 * draws it on standard error (live_view.h) through a live_screen, which
 * redraws it in place on a terminal, in the form the terminal's height
 * allows, and prints a plain line every half second otherwise (not a
 * terminal, TERM dumb or unset, --live=plain, a terminal too short for even
 * the short form: live_screen.h). When the run ends, for whatever reason (a
 * signal included: the watcher fails the job, the backend returns, and
 * job_run stops the view), the last frame is drawn and left on the screen,
 * and the cursor and colours are restored before anything else is printed.
 */
#ifndef PIPELAB_LIVE_WATCH_H
#define PIPELAB_LIVE_WATCH_H

#include "live_screen.h"
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
    uint64_t start_ns, last_ns, last_bytes;
    struct live_frame frame;     /* owned by the view thread, then by live_watch_stop */
    struct live_screen screen;   /* likewise */
};

/* Start the view if the job's options ask for it. Returns 0 or an EX_ code. */
int live_watch_start(struct live_watch *lw, struct job *job);

/* Draw the last frame, restore the terminal and join the thread. */
void live_watch_stop(struct live_watch *lw);

#endif
