/* test_fields.c — unit tests of the edit distance behind att.search's "did you mean". */
#include <string.h>

#include "bind/fields.h"
#include "unit.h"

void test_fields(void);

static size_t dist(const char *a, const char *b) { return att_fields_distance(a, strlen(a), b, strlen(b)); }

void test_fields(void)
{
    CHECK(dist("serviceType", "serviceType") == 0);
    CHECK(dist("servicetype", "serviceType") == 0); /* case is not an edit */
    CHECK(dist("PAGESIZE", "pageSize") == 0);
    CHECK(dist("serviceTyp", "serviceType") == 1);   /* deletion */
    CHECK(dist("serviceTypes", "serviceType") == 1); /* insertion */
    CHECK(dist("serviceTyle", "serviceType") == 1);  /* substitution */
    CHECK(dist("serviceTyep", "serviceType") == 1);  /* neighbours swapped */
    CHECK(dist("sevriceTyep", "serviceType") == 2);
    CHECK(dist("market", "serviceType") == 3); /* far: reported as 3 */
    CHECK(dist("", "abc") == 3);
    CHECK(dist("", "ab") == 2);
    CHECK(dist("pageOfset", "pageOffset") == 1);
    {
        char longer[100];
        memset(longer, 'a', sizeof longer - 1);
        longer[sizeof longer - 1] = '\0';
        CHECK(dist(longer, longer) == 3); /* longer than any name compared: never a near miss */
    }
}
