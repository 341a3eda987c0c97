/*
 * monitor.c — the timeline sampler and progress bar. See monitor.h.
 */
#include "monitor.h"
#include "job.h"
#include "util.h"
#include "xthread.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MONITOR_TICK_NS 10000000ull      /* 10 ms between timeline rows */
#define MONITOR_BAR_TICKS 20             /* progress bar every 200 ms */

long monitor_rss_now_kb(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    long size, resident;
    if (sscanf(buf, "%ld %ld", &size, &resident) != 2)
        return -1;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void monitor_timeline_row(struct monitor *mon, uint64_t now)
{
    struct job *job = mon->job;
    struct metrics *m = job->metrics;
    fprintf(mon->timeline, "%.3f,%ld,%lld,%lld,%zu,%zu,%llu,%llu\n",
            (double)(now - mon->start_ns) / 1e9, monitor_rss_now_kb(),
            (long long)atomic_load(&job->inflight.chunks),
            (long long)atomic_load(&job->inflight.bytes),
            metrics_queue_depth_now(m, &m->cpu_queue),
            metrics_queue_depth_now(m, &m->writer_queue),
            (unsigned long long)atomic_load(&job->bytes_read),
            (unsigned long long)atomic_load(&job->bytes_written));
}

static void monitor_progress_bar(struct monitor *mon, uint64_t now, bool last)
{
    double done = (double)atomic_load(&mon->job->bytes_written); /* done = written */
    double total = (double)mon->total_bytes;
    double secs = (double)(now - mon->start_ns) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    double frac = total > 0 ? done / total : 1;
    int filled = (int)(frac * 30);
    char bar[31];
    for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %6.1f / %.1f MiB  %6.1f MB/s  ETA %4.0f s%s", bar, done / 1048576.0,
            total / 1048576.0, rate / 1e6, rate > 0 ? (total - done) / rate : 0.0,
            last ? "\n" : "");
}

static void *monitor_thread(void *arg)
{
    struct monitor *mon = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    xmutex_lock(&mon->lock);
    for (unsigned tick = 0; !mon->stop; tick++) {
        uint64_t now = now_ns();
        if (mon->timeline)
            monitor_timeline_row(mon, now);
        if (mon->progress && tick % MONITOR_BAR_TICKS == 0)
            monitor_progress_bar(mon, now, false);
        /* Sleep until the next tick, or until monitor_stop wakes us. */
        deadline.tv_nsec += (long)MONITOR_TICK_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        while (!mon->stop && !xcond_timedwait(&mon->wake, &mon->lock, &deadline))
            ;
    }
    xmutex_unlock(&mon->lock);
    if (mon->timeline)
        monitor_timeline_row(mon, now_ns()); /* the state at the very end */
    if (mon->progress)
        monitor_progress_bar(mon, now_ns(), true);
    return NULL;
}

/* Each call fails only for lack of resources or by a bug: the end of the
 * program either way (xthread.h). */
static void monitor_init_sync(struct monitor *mon)
{
    xcond_init_monotonic(&mon->wake);
    xmutex_init(&mon->lock);
}

int monitor_start(struct monitor *mon, struct job *job)
{
    const struct options *o = job->opt;
    memset(mon, 0, sizeof *mon);
    mon->job = job;
    mon->timeline = job->timeline_out.file;
    mon->progress = o->progress && o->live == LIVE_MODE_OFF && isatty(STDERR_FILENO);
    mon->start_ns = now_ns();
    mon->total_bytes = job->reader.size;
    if (!mon->timeline && !mon->progress)
        return 0;
    if (mon->timeline) {
        fprintf(mon->timeline, "time_s,rss_kib,chunks_in_flight,bytes_in_flight,"
                "cpu_queue_depth,writer_queue_depth,bytes_read,bytes_written\n");
    }
    monitor_init_sync(mon);
    if (pthread_create(&mon->thread, NULL, monitor_thread, mon) != 0) {
        xcond_destroy(&mon->wake);
        xmutex_destroy(&mon->lock);
        warnx_msg("cannot start the monitor thread");
        return EX_OSERR;
    }
    mon->running = true;
    return 0;
}

void monitor_stop(struct monitor *mon)
{
    if (!mon->running)
        return;
    xmutex_lock(&mon->lock);
    mon->stop = true;
    xcond_signal(&mon->wake);
    xmutex_unlock(&mon->lock);
    xthread_join(mon->thread);
    xcond_destroy(&mon->wake);
    xmutex_destroy(&mon->lock);
    mon->running = false;
}
