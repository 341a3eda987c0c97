/*
 * live_screen.c — choosing the form of a frame and writing it. See live_screen.h.
 */
#include "live_screen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CURSOR_HIDE "\033[?25l"
#define CURSOR_SHOW "\033[?25h\033[0m"
#define ERASE_BELOW "\033[J"

/* Write all of text (retrying short writes); a failure stops the drawing. */
static void screen_write(struct live_screen *sc, const char *text, size_t len)
{
    while (len > 0 && !sc->broken) {
        ssize_t n = write(sc->fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sc->broken = true;
            return;
        }
        text += n;
        len -= (size_t)n;
    }
}

void live_screen_open(struct live_screen *sc, int fd, bool force_plain)
{
    const char *term = getenv("TERM");
    sc->fd = fd;
    sc->redraw = !force_plain && isatty(fd) && term != NULL && term[0] != '\0' &&
                 strcmp(term, "dumb") != 0;
    sc->broken = false;
    sc->drawn = 0;
    if (sc->redraw)
        screen_write(sc, CURSOR_HIDE, strlen(CURSOR_HIDE));
}

/* The largest form whose rows leave one row for the cursor below them. A
 * terminal that does not say its size is taken to have room. */
static enum live_form screen_fit(struct live_screen *sc, const struct live_frame *f)
{
    sc->text.cols = 0;
    if (!sc->redraw)
        return LIVE_PLAIN;
    struct winsize ws;
    if (ioctl(sc->fd, TIOCGWINSZ, &ws) != 0)
        return LIVE_FULL;
    sc->text.cols = ws.ws_col;
    if (ws.ws_row == 0 || live_view_rows(f, LIVE_FULL) < ws.ws_row)
        return LIVE_FULL;
    if (live_view_rows(f, LIVE_SMALL) < ws.ws_row)
        return LIVE_SMALL;
    return LIVE_PLAIN;
}

enum live_form live_screen_draw(struct live_screen *sc, const struct live_frame *f,
                                bool plain_due)
{
    enum live_form form = screen_fit(sc, f);
    if (sc->broken || (form == LIVE_PLAIN && !plain_due))
        return form;
    struct live_text *t = &sc->text;
    t->len = 0;
    if (form != LIVE_PLAIN && sc->drawn > 0) /* back to the first row of the last frame */
        t->len = (size_t)snprintf(t->buf, sizeof t->buf, "\r\033[%uA", sc->drawn);
    live_view_draw(f, form, form != LIVE_PLAIN, t);
    /* Rows a taller frame left below, in the same write as the rows. */
    if (form != LIVE_PLAIN && t->len + strlen(ERASE_BELOW) < sizeof t->buf) {
        memcpy(t->buf + t->len, ERASE_BELOW, strlen(ERASE_BELOW));
        t->len += strlen(ERASE_BELOW);
    }
    screen_write(sc, t->buf, t->len);
    sc->drawn = form == LIVE_PLAIN ? 0 : t->lines;
    return form;
}

void live_screen_close(struct live_screen *sc)
{
    if (sc->redraw)
        screen_write(sc, CURSOR_SHOW, strlen(CURSOR_SHOW));
}
