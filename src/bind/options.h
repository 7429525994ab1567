/* options.h — the one checker of option tables: att.search's opts (and its paging parameters),
 * att.parallel's opts and att.configure's settings are rows of AttOpt, checked by the same code
 * with the same wording: "WHO: PREFIXname must be DESCRIPTION (got VALUE)" and "WHO: unknown
 * NOUN name (known: a, b, c)". */
#ifndef ATT_OPTIONS_H
#define ATT_OPTIONS_H

#include <lua.h>
#include <stddef.h>

typedef enum AttOptKind {
    ATT_OPT_INT,     /* a number with an integral value within [min, max] (stored as int) */
    ATT_OPT_SIZE,    /* the same, stored as size_t */
    ATT_OPT_NUMBER,  /* a number within [min, max] (stored as double) */
    ATT_OPT_SECONDS, /* a number of seconds in (0, max] (stored as double) */
    ATT_OPT_CHOICE,  /* one of the strings in choices */
    ATT_OPT_URL,     /* an http:// or https:// URL with a host, no spaces or control characters */
    ATT_OPT_HEADER,  /* a header value without control characters, or false (none) */
    ATT_OPT_OWNER    /* any value: its owner checks it */
} AttOptKind;

#define ATT_OPT_NONE ((size_t)-1)

typedef struct AttOpt {
    const char *name;
    AttOptKind kind;
    double min, max;
    const char *const *choices; /* ATT_OPT_CHOICE, NULL-terminated */
    size_t offset;              /* where att.configure stores the value (ATT_OPT_NONE: nowhere) */
    int frozen;                 /* under --safe: cannot be changed; otherwise only lowered */
} AttOpt;

/* The row named name, or NULL (rows end with a NULL name). */
const AttOpt *att_opt_find(const AttOpt *opts, const char *name);

/* Checks the value at vidx against o; raises "who: PREFIXname must be ... (got ...)".
 * [-0, +0, e] */
void att_opt_check(lua_State *L, int vidx, const char *who, const char *prefix, const AttOpt *o);

/* Checks every key of the table at idx against opts: an unknown key raises
 * "who: unknown NOUN key (known: ...)", a bad value as att_opt_check. [-0, +0, e] */
void att_opts_check(lua_State *L, int idx, const char *who, const char *prefix, const char *noun, const AttOpt *opts);

/* Stores the (checked) value at vidx where o->offset says, in the struct at base. Strings are
 * borrowed from the Lua value. [-0, +0, -] */
void att_opt_store(lua_State *L, int vidx, const AttOpt *o, void *base);

/* The number o's stored value in base stands for (for "only lowered" checks). */
double att_opt_number(const AttOpt *o, const void *base);

#endif
