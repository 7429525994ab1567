/* window.c — the AIMD congestion window (see window.h). */
#include "core/window.h"

void att_window_init(AttWindow *w, int max)
{
    if (max <= 0) max = ATT_WINDOW_DEFAULT;
    if (max > ATT_WINDOW_MAX) max = ATT_WINDOW_MAX;
    w->max = max;
    w->limit = max;
    w->held = 0;
}

int att_window_acquire(AttWindow *w)
{
    if (w->held >= w->limit) return 0;
    w->held++;
    return 1;
}

void att_window_release(AttWindow *w)
{
    if (w->held > 0) w->held--;
}

void att_window_success(AttWindow *w)
{
    if (w->limit < w->max) w->limit++;
}

void att_window_failure(AttWindow *w)
{
    w->limit /= 2;
    if (w->limit < 1) w->limit = 1;
}
