/*
 * live_screen.h — where the frames of the live view land, and in which form.
 *
 * The running view (live_watch.c) and `pipelab replay` both draw through a
 * live_screen, so both pick the form the same way and degrade the same way:
 *
 *   not a terminal, TERM dumb or unset, or plain asked for
 *               plain lines only (LIVE_PLAIN), never a cursor movement
 *   a terminal  each frame drawn over the previous one: cursor back up over
 *               its rows, the new rows, erase whatever is left below; one
 *               write per frame, so nothing flickers. The form is chosen
 *               again for every frame, from the terminal's height now (a
 *               window is resized, a frame grows as the workers start):
 *               full if it fits with a row to spare for the cursor, else
 *               the short form if that fits, else plain lines. A frame
 *               taller than the terminal cannot be redrawn in place: every
 *               redraw would scroll it and fill the scrollback with copies.
 *
 * Plain lines come at the caller's slower pace (plain_due), the redrawn
 * forms every call. The cursor is hidden while frames are redrawn and shown
 * again, colours reset, by live_screen_close.
 */
#ifndef PIPELAB_LIVE_SCREEN_H
#define PIPELAB_LIVE_SCREEN_H

#include "live_view.h"

#include <stdbool.h>

struct live_screen {
    int fd;
    bool redraw;             /* a terminal that can move the cursor */
    bool broken;             /* a write failed (a closed pipe, a full disk): draw no more */
    unsigned drawn;          /* rows of the frame on screen, to move back over */
    struct live_text text;
};

/* Start drawing on fd; force_plain: plain lines even on a terminal. */
void live_screen_open(struct live_screen *sc, int fd, bool force_plain);

/* Draw f in the form that fits now; a plain line only if plain_due.
 * Returns the form chosen. */
enum live_form live_screen_draw(struct live_screen *sc, const struct live_frame *f,
                                bool plain_due);

/* Leave the last frame where it is; show the cursor, reset the colours. */
void live_screen_close(struct live_screen *sc);

#endif
