/*
 * registry.c — the list of backends (adding one is adding a line here), and
 * what a job is given of one.
 *
 * The order is the order of a lesson, and of `compare` and `bench`: from the
 * simplest design to its refinements. lockfree comes last: it is bounded with
 * a faster channel, the refinement that makes sense only once bounded and
 * unbounded have shown why the channels are bounded at all, and putting it at
 * the end leaves the columns of earlier results where they were.
 */
#include "backend.h"

#include <string.h>

const struct backend *const backend_registry[] = {
    &backend_serial,
    &backend_mutex,
    &backend_bounded,
    &backend_unbounded,
    &backend_lockfree,
    NULL,
};

const struct backend *backend_find(const char *name)
{
    for (int i = 0; backend_registry[i] != NULL; i++)
        if (strcmp(backend_registry[i]->name, name) == 0)
            return backend_registry[i];
    return NULL;
}

struct job_backend backend_for_job(const struct backend *b)
{
    return (struct job_backend){
        .name = b->name,
        .reads_whole_input_first = b->reads_whole_input_first,
        .run = b->run,
    };
}
