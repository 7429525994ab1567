/* parse.c — the values of settings as a command line, a variable or a profile writes them:
 * seconds ("2.5") and sizes ("64M"); see config.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "cli/config.h"

int att_parse_seconds(const char *s, int allow_zero, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || v != v || v < 0 || (!allow_zero && v == 0) || v > 86400.0 * 7) return -1;
    *out = v;
    return 0;
}

int att_parse_bytes(const char *s, size_t *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !(v >= 1)) return -1;
    switch (*end) {
    case 'k':
    case 'K':
        v *= 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        v *= 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        v *= 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > 1024.0 * 1024 * 1024 * 1024) return -1;
    *out = (size_t)v;
    return 0;
}
