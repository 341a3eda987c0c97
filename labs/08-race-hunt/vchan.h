/*
 * vchan.h — the small channel API that every variant of lab 8 implements.
 *
 * The same promises as src/chan.h, cut down to what the race hunt needs: a
 * bounded FIFO of pointers; send waits while it is full, recv while it is
 * empty; close wakes every waiter; after close, send fails and recv drains
 * what is left before it reports VCHAN_CLOSED (with *item = NULL).
 *
 * chan_a.c ... chan_f.c each implement it, each in a slightly different way.
 * Some of them are broken. Which ones, and why?
 */
#ifndef LAB_VCHAN_H
#define LAB_VCHAN_H

#include <stddef.h>

enum vchan_status { VCHAN_OK = 0, VCHAN_CLOSED = 1, VCHAN_WOULD_BLOCK = 2 };

struct vchan;

struct vchan *vchan_new(size_t cap);
/* Only once every call on the channel has returned (the channel does not
 * free the items: they are small integers in the checks). */
void vchan_destroy(struct vchan *ch);
enum vchan_status vchan_send(struct vchan *ch, void *item);
enum vchan_status vchan_recv(struct vchan *ch, void **item);
enum vchan_status vchan_try_recv(struct vchan *ch, void **item);
int vchan_close(struct vchan *ch);          /* 0, or -1 if already closed */
size_t vchan_len(struct vchan *ch);

#endif
