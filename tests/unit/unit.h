/* unit.h — a minimal TAP harness for the C unit tests. */
#ifndef ATT_UNIT_H
#define ATT_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_count, unit_failed;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        unit_count++;                                                                      \
        if (cond)                                                                          \
            printf("ok %d - %s\n", unit_count, #cond);                                     \
        else {                                                                             \
            unit_failed++;                                                                 \
            printf("not ok %d - %s\n# at %s:%d\n", unit_count, #cond, __FILE__, __LINE__); \
        }                                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                                                                           \
    do {                                                                                                               \
        const char *g_ = (got), *w_ = (want);                                                                          \
        unit_count++;                                                                                                  \
        if (g_ && strcmp(g_, w_) == 0)                                                                                 \
            printf("ok %d - %s == \"%s\"\n", unit_count, #got, w_);                                                    \
        else {                                                                                                         \
            unit_failed++;                                                                                             \
            printf("not ok %d - %s\n# got  \"%s\"\n# want \"%s\"\n# at %s:%d\n", unit_count, #got, g_ ? g_ : "(null)", \
                   w_, __FILE__, __LINE__);                                                                            \
        }                                                                                                              \
    } while (0)

#endif
