/*
 * live_state.c — allocating the per-thread state slots. See live_state.h.
 */
#include "live_state.h"
#include "util.h"

#include <stdlib.h>

struct live_state *live_state_new(unsigned max_workers)
{
    struct live_state *ls = xcalloc(1, sizeof *ls);
    ls->slots = LIVE_SLOT_WORKER0 + max_workers;
    /* A cache line per slot: aligned_alloc wants a size that is a multiple
     * of the alignment, which sizeof a 64-aligned struct is. */
    ls->slot = aligned_alloc(_Alignof(struct live_slot), ls->slots * sizeof *ls->slot);
    if (ls->slot == NULL)
        die_oom();
    for (unsigned i = 0; i < ls->slots; i++)
        atomic_init(&ls->slot[i].word, (uint64_t)LIVE_IDLE << 56);
    atomic_init(&ls->workers, 0);
    return ls;
}

void live_state_free(struct live_state *ls)
{
    if (ls == NULL)
        return;
    free(ls->slot);
    free(ls);
}
