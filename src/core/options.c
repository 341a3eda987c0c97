/*
 * options.c — default settings. See options.h.
 */
#include "options.h"
#include "util.h"

#include <string.h>

void options_defaults(struct options *o)
{
    memset(o, 0, sizeof *o);
    o->stages = "compress,encrypt";
    o->level = STAGE_DEFAULT_LEVEL;
    o->chunk_size = 1u << 20;
    o->format = WRITER_CONTAINER;
    o->backend = "bounded";
    o->workers = (unsigned)cpu_count();
    o->channel_depth = 4;
    o->cpu_tokens = 0;              /* 0: one per core */
    o->fail_at_chunk = -1;
    o->metrics = "none";
    o->progress = true;
    o->speed = "1";
    o->backends = "serial,mutex,bounded,unbounded,lockfree";
    o->workers_list = "1,2,4";
    o->depths = "4";
    o->chunk_sizes = "1M";
    o->stage_costs = "0";
    o->writer_delays = "0";
    o->reader_delays = "0";
    o->levels = "";
    o->repeats = 3;
    o->impls = "mutex,lockfree";
    o->capacities = "1,4,64,1024";
    o->shapes = "1p1c,4p4c,pipeline";
    o->messages = 200000;
    o->kind = GEN_TEXT;
    o->seed = 1;
}

unsigned options_window(const struct options *o)
{
    return o->window ? o->window : 2 * o->channel_depth + o->workers;
}
