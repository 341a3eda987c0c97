/*
 * histogram.c — see histogram.h.
 */
#include "histogram.h"

#include <string.h>

void hist_init(struct histogram *h)
{
    atomic_init(&h->count, 0);
    atomic_init(&h->sum, 0);
    atomic_init(&h->max, 0);
    for (int i = 0; i < HIST_BUCKETS; i++)
        atomic_init(&h->bucket[i], 0);
}

static int hist_log2(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

int hist_bucket_of(uint64_t value)
{
    if (value < HIST_LINEAR)
        return (int)value;
    int k = hist_log2(value);                    /* 5..63 */
    int sub = (int)((value >> (k - 4)) & (HIST_SUB - 1));
    return HIST_LINEAR + (k - 5) * HIST_SUB + sub;
}

uint64_t hist_bucket_low(int bucket)
{
    if (bucket < HIST_LINEAR)
        return (uint64_t)bucket;
    int k = (bucket - HIST_LINEAR) / HIST_SUB + 5;
    uint64_t sub = (uint64_t)((bucket - HIST_LINEAR) % HIST_SUB);
    return (HIST_SUB + sub) << (k - 4);
}

uint64_t hist_bucket_high(int bucket)
{
    if (bucket < HIST_LINEAR)
        return (uint64_t)bucket;
    return bucket + 1 < HIST_BUCKETS ? hist_bucket_low(bucket + 1) - 1 : UINT64_MAX;
}

/* Raise h->max to value if it is lower (a compare-and-swap loop: another
 * thread may raise it meanwhile). */
static void hist_raise_max(struct histogram *h, uint64_t value)
{
    uint_fast64_t seen = atomic_load_explicit(&h->max, memory_order_relaxed);
    while (value > seen &&
           !atomic_compare_exchange_weak_explicit(&h->max, &seen, value,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void hist_record(struct histogram *h, uint64_t value)
{
    atomic_fetch_add_explicit(&h->bucket[hist_bucket_of(value)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, value, memory_order_relaxed);
    hist_raise_max(h, value);
}

void hist_merge(struct histogram *into, const struct histogram *from)
{
    uint64_t n = hist_count(from);
    if (n == 0)
        return;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        uint64_t k = atomic_load_explicit(&from->bucket[i], memory_order_relaxed);
        if (k != 0)
            atomic_fetch_add_explicit(&into->bucket[i], k, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&into->count, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&into->sum, hist_sum(from), memory_order_relaxed);
    hist_raise_max(into, hist_max(from));
}

uint64_t hist_count(const struct histogram *h)
{
    return atomic_load_explicit(&h->count, memory_order_relaxed);
}

uint64_t hist_sum(const struct histogram *h)
{
    return atomic_load_explicit(&h->sum, memory_order_relaxed);
}

uint64_t hist_max(const struct histogram *h)
{
    return atomic_load_explicit(&h->max, memory_order_relaxed);
}

double hist_mean(const struct histogram *h)
{
    uint64_t n = hist_count(h);
    return n ? (double)hist_sum(h) / (double)n : 0.0;
}

uint64_t hist_percentile(const struct histogram *h, double p)
{
    uint64_t n = hist_count(h);
    if (n == 0)
        return 0;
    if (p >= 1.0)
        return hist_max(h);
    uint64_t rank = (uint64_t)(p * (double)n) + 1, seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
        if (seen >= rank) {
            uint64_t mid = hist_bucket_low(i) + (hist_bucket_high(i) - hist_bucket_low(i)) / 2;
            uint64_t max = hist_max(h);
            return mid < max ? mid : max;
        }
    }
    return hist_max(h);
}
