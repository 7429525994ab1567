/* secret.c — see secret.h. */
#include "common/secret.h"

int att_same_secret(const char *given, size_t glen, const char *want, size_t wlen)
{
    if (wlen == 0) return 0;
    unsigned char diff = glen != wlen;
    for (size_t i = 0; i < glen; i++) diff |= (unsigned char)(given[i] ^ want[i < wlen ? i : 0]);
    return diff == 0;
}
