/*
 * registry.c — the list of backends (adding one is adding a line here), and
 * what a job is given of one.
 */
#include "backend.h"

#include <string.h>

const struct backend *const backend_registry[] = {
    &backend_serial,
    &backend_mutex,
    &backend_bounded,
    &backend_unbounded,
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
