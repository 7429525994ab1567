/* clock.c — see clock.h. */
#include "common/clock.h"

#include <time.h>

static struct timespec now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

double att_clock_s(void)
{
    struct timespec ts = now();
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t att_clock_ms(void)
{
    struct timespec ts = now();
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
