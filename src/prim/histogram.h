/*
 * histogram.h — log-bucketed latency histograms, safe to record from any thread.
 *
 * Values (nanoseconds) fall into buckets whose width grows with the value:
 * exact below 32, then 16 buckets per power of two. So any percentile read
 * back is within about 3% of the true value, whatever its size, and the whole
 * histogram is a fixed array of counters. Recording is one atomic increment
 * (plus a few for count, sum and max): no lock on the hot path.
 *
 * No lock, but not free when shared: every thread that records into one
 * histogram writes its count, sum and max, so their cache line moves from
 * core to core at each sample. A figure many threads record is therefore kept
 * in one histogram per thread and the copies are added up at the end
 * (hist_merge); see metrics.h.
 */
#ifndef PIPELAB_HISTOGRAM_H
#define PIPELAB_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#define HIST_LINEAR 32
#define HIST_SUB 16
#define HIST_BUCKETS (HIST_LINEAR + 59 * HIST_SUB)

struct histogram {
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum;
    atomic_uint_fast64_t max;
    atomic_uint_fast64_t bucket[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_record(struct histogram *h, uint64_t value);
/* Add every sample of from to into (from is left as it is). Exact: merging
 * per-thread histograms gives the one a shared histogram would have held.
 * Safe while other threads record into `into`; `from` should be quiet (its
 * recorder joined), or the samples it takes meanwhile may be half counted. */
void hist_merge(struct histogram *into, const struct histogram *from);

uint64_t hist_count(const struct histogram *h);
uint64_t hist_sum(const struct histogram *h);
uint64_t hist_max(const struct histogram *h);
double hist_mean(const struct histogram *h);
/* The value below which a fraction p (0..1) of the recorded values fall:
 * the middle of the bucket that holds it (the max for p = 1). */
uint64_t hist_percentile(const struct histogram *h, double p);

/* Which bucket a value falls into, and the range a bucket covers (tests). */
int hist_bucket_of(uint64_t value);
uint64_t hist_bucket_low(int bucket);
uint64_t hist_bucket_high(int bucket);

#endif
