/* config_impl.h — what config.c (the command line, the environment, the checks after the merge)
 * and profile.c (profile files) share; not for other files. */
#ifndef ATT_CONFIG_IMPL_H
#define ATT_CONFIG_IMPL_H

#include <stddef.h>

#include "cli/config.h"

typedef enum { T_URL, T_STR, T_PATH, T_SECONDS, T_SECONDS0, T_BYTES, T_INT, T_RATE, T_WINDOW, T_FIELDS } Type;

typedef struct Setting {
    const char *flag; /* NULL: not accepted on the command line */
    const char *env;
    const char *key; /* profile key */
    Type type;
    size_t offset; /* in AttConfig; (size_t)-1 for client_secret_file */
} Setting;

/* Where the client secret and the secret file were last set: 1 profile, 2 environment, 3 command
 * line (the higher one wins when both are given). */
typedef struct Levels {
    int now, secret, file;
} Levels;

/* "att: MESSAGE" on stderr; returns 2, the exit status of a bad configuration. */
int att_config_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* A copy of s owned by c (NULL when out of memory). */
const char *att_config_keep(AttCli *c, const char *s);
/* Adds a path a --safe script may never open. */
void att_config_deny(AttCli *c, const char *path);
/* Stores one value of a setting; source names where it came from, for the error message. 0 or 2. */
int att_config_set(AttCli *c, const Setting *st, const char *value, const char *source, const char **secret_file,
                   Levels *lv);
/* The setting of a profile key, or NULL. */
const Setting *att_config_setting(const char *key);
/* Reads a client secret from a file (its first line) into *out (owned by c). 0, or -1 with why. */
int att_config_secret_file(AttCli *c, const char *path, const char **out, char *why, size_t whylen);

/* fields.c: adds the comma-separated field names in value to the declared request fields (every
 * source adds, none replaces). 0 or 2. */
int att_config_add_fields(AttCli *c, const char *value, const char *source);

/* profile.c: reads the profile file and applies the selected profile (and collects the other
 * profiles' credentials, each for its origin). 0 or an exit status. */
int att_profile_load(AttCli *c, const char **secret_file, Levels *lv);

#endif
