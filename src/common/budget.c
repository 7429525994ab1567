/* budget.c — see budget.h. */
#include "common/budget.h"

int att_budget_take(AttBudget *b, size_t n)
{
    if (!b) return 0;
    if (b->limit && (b->used > b->limit || n > b->limit - b->used)) {
        b->refused = 1;
        return -1;
    }
    b->used += n;
    if (b->used > b->peak) b->peak = b->used;
    return 0;
}

void att_budget_give(AttBudget *b, size_t n)
{
    if (!b) return;
    b->used = n > b->used ? 0 : b->used - n;
}
