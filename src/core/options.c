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
    o->channel_depth = 0;           /* 0: options_depth decides */
    o->cpu_tokens = 0;              /* 0: one per core */
    o->fail_at_chunk = -1;
    o->metrics = "none";
    o->progress = true;
    o->speed = "1";
    o->backends = "serial,mutex,bounded,unbounded,lockfree";
    o->workers_list = "1,2,4";
    o->depths = "";                 /* "": the default depth for each chunk size */
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

unsigned options_depth(const struct options *o)
{
    if (o->channel_depth)
        return o->channel_depth;
    uint64_t chunk = o->chunk_size ? o->chunk_size : 1;
    uint64_t depth = (OPTIONS_DEPTH_BYTES + chunk - 1) / chunk;
    if (depth < OPTIONS_DEPTH_CHUNKS)
        depth = OPTIONS_DEPTH_CHUNKS;
    return depth > OPTIONS_MAX_DEPTH ? OPTIONS_MAX_DEPTH : (unsigned)depth;
}

unsigned options_window(const struct options *o)
{
    return o->window ? o->window : 2 * options_depth(o) + o->workers;
}
