/*
 * yield.c — the named yield points of yield.h (given).
 *
 * One small table of points, guarded by its own mutex and condition
 * variable: it never touches the channel's. A thread told to stop at a point
 * releases the channel's mutex (if it holds it) BEFORE it waits here, so the
 * check's other threads can use the channel meanwhile; that is the whole
 * point of stopping it.
 */
#include "yield.h"

#include <string.h>
#include <time.h>

#define MAX_POINTS 16

struct point {
    const char *name;
    int arrivals;        /* times any thread passed or stopped here */
    int to_park;         /* the next threads to arrive stop here */
    int parked;          /* threads stopped here now */
    unsigned release;    /* bumped by yield_release */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t table_changed = PTHREAD_COND_INITIALIZER;
static struct point table[MAX_POINTS];

/* Find or add a point (table_lock held). */
static struct point *point_of(const char *name)
{
    for (int i = 0; i < MAX_POINTS; i++) {
        if (table[i].name == NULL) {
            table[i].name = name;
            return &table[i];
        }
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    return &table[MAX_POINTS - 1]; /* never reached with the labs' few points */
}

void yield_point(const char *name, pthread_mutex_t *held)
{
    pthread_mutex_lock(&table_lock);
    struct point *p = point_of(name);
    p->arrivals++;
    bool stop = p->to_park > 0;
    if (stop) {
        p->to_park--;
        p->parked++;
    }
    pthread_cond_broadcast(&table_changed);
    if (!stop) {
        pthread_mutex_unlock(&table_lock);
        return;
    }
    unsigned release = p->release;
    pthread_mutex_unlock(&table_lock);

    if (held != NULL)
        pthread_mutex_unlock(held);   /* let the others in while we stand still */
    pthread_mutex_lock(&table_lock);
    while (p->release == release)
        pthread_cond_wait(&table_changed, &table_lock);
    p->parked--;
    pthread_cond_broadcast(&table_changed);
    pthread_mutex_unlock(&table_lock);
    if (held != NULL)
        pthread_mutex_lock(held);
}

void yield_reset(void)
{
    pthread_mutex_lock(&table_lock);
    memset(table, 0, sizeof table);
    pthread_mutex_unlock(&table_lock);
}

void yield_park(const char *name, int n)
{
    pthread_mutex_lock(&table_lock);
    point_of(name)->to_park += n;
    pthread_mutex_unlock(&table_lock);
}

void yield_release(const char *name)
{
    pthread_mutex_lock(&table_lock);
    struct point *p = point_of(name);
    p->release++;
    p->to_park = 0;
    pthread_cond_broadcast(&table_changed);
    pthread_mutex_unlock(&table_lock);
}

static bool wait_for(const char *name, int n, unsigned ms, bool parked)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&table_lock);
    struct point *p = point_of(name);
    while ((parked ? p->parked : p->arrivals) < n)
        if (pthread_cond_timedwait(&table_changed, &table_lock, &deadline) != 0)
            break;
    bool ok = (parked ? p->parked : p->arrivals) >= n;
    pthread_mutex_unlock(&table_lock);
    return ok;
}

bool yield_wait_arrivals(const char *name, int n, unsigned ms)
{
    return wait_for(name, n, ms, false);
}

bool yield_wait_parked(const char *name, int n, unsigned ms)
{
    return wait_for(name, n, ms, true);
}

int yield_arrivals(const char *name)
{
    pthread_mutex_lock(&table_lock);
    int n = point_of(name)->arrivals;
    pthread_mutex_unlock(&table_lock);
    return n;
}
