/* fields.c — the request fields the user declares (--field NAME, ATT_FIELDS=a,b, a profile's
 * extra_fields = {"a", "b"}): every source adds to one comma-separated list in
 * AttApiConfig.extra_fields, which att.search takes as known beside the contract's own fields. */
#include <stdlib.h>
#include <string.h>

#include "cli/config_impl.h"

/* A field name: printable ASCII, no space, comma or quote. */
static int name_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > 200) return 0;
    for (i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] >= 127 || s[i] == ',' || s[i] == '"' || s[i] == '\\') return 0;
    return 1;
}

int att_config_add_fields(AttCli *c, const char *value, const char *source)
{
    const char *prev = c->cfg.api.extra_fields, *p = value;
    char *joined;
    size_t n;
    for (;;) {
        n = strcspn(p, ",");
        if (!name_ok(p, n))
            return att_config_error("%s: expected request field names separated by commas, got '%s'", source, value);
        if (!p[n]) break;
        p += n + 1;
    }
    n = (prev ? strlen(prev) + 1 : 0) + strlen(value) + 1;
    if (!(joined = malloc(n))) return att_config_error("out of memory");
    strcpy(joined, prev ? prev : "");
    if (prev) strcat(joined, ",");
    strcat(joined, value);
    c->cfg.api.extra_fields = att_config_keep(c, joined);
    free(joined);
    return c->cfg.api.extra_fields ? 0 : att_config_error("out of memory");
}
