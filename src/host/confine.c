/* confine.c — the files a --safe script may open: under the current directory (no absolute path, no
 * "..", no symbolic link leading out), and never one att keeps to itself — the profile, the client
 * secret file, TLS files, the prompt's history, recordings, att's configuration and state
 * directories — compared by device and inode, so that a hard link does not help. */
#include "host/confine.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char DENY_KEY[] = "att.safe.deny";

/* A file or directory a safe script can never open. */
typedef struct Deny {
    char path[PATH_MAX]; /* resolved when it exists */
    dev_t dev;
    ino_t ino;
    int exists, dir;
} Deny;

typedef struct DenyList {
    int n;
    Deny d[ATT_MAX_DENY];
} DenyList;

/* Raises when real (a resolved path; id: stat of it, or NULL when it does not exist yet) is one of
 * the files att keeps to itself or lies in such a directory. [-0, +0, e] */
static void check_deny(lua_State *L, const char *path, const char *real, const struct stat *id, const char *what)
{
    const DenyList *dl;
    int i;
    lua_getfield(L, LUA_REGISTRYINDEX, DENY_KEY);
    dl = lua_touserdata(L, -1);
    lua_pop(L, 1);
    for (i = 0; dl && i < dl->n; i++) {
        const Deny *d = &dl->d[i];
        size_t n = strlen(d->path);
        int hit = (id && d->exists && id->st_dev == d->dev && id->st_ino == d->ino) ||
                  (d->dir && strncmp(real, d->path, n) == 0 && (real[n] == '/' || real[n] == '\0'));
        if (hit)
            luaL_error(L,
                       "%s: '%s' is a file att keeps to itself (credentials, configuration or state) and cannot "
                       "be opened under --safe",
                       what, path);
    }
}

/* Raises unless path names a file under the current directory that att does not keep to itself.
 * For a file that does not exist yet, its directory must be under the current directory.
 * [-0, +0, e] */
void att_confine_path(lua_State *L, const char *path, const char *what)
{
    char cwd[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
    struct stat st;
    const char *p;
    size_t n;
    int exists = 1;

    if (!*path || path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 || strstr(path, "/../") ||
        (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        luaL_error(L, "%s: '%s' is outside the current directory (--safe)", what, path);
    if (!getcwd(cwd, sizeof cwd)) luaL_error(L, "%s: cannot determine the current directory", what);
    if (realpath(path, real) == NULL) {
        if (errno != ENOENT) luaL_error(L, "%s: '%s': %s", what, path, strerror(errno));
        /* Not there yet: check the directory it would be created in. */
        exists = 0;
        p = strrchr(path, '/');
        n = p ? (size_t)(p - path) : 0;
        if (n >= sizeof dir) {
            luaL_error(L, "%s: path too long", what);
            return;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (realpath(n ? dir : ".", real) == NULL) luaL_error(L, "%s: '%s': %s", what, path, strerror(errno));
    }
    n = strlen(cwd);
    if (strncmp(real, cwd, n) != 0 || (real[n] != '\0' && real[n] != '/' && strcmp(cwd, "/") != 0))
        luaL_error(L, "%s: '%s' leads outside the current directory (--safe)", what, path);
    check_deny(L, path, real, exists && stat(real, &st) == 0 ? &st : NULL, what);
}

/* As check_path, but for module files found in a --lua-path directory (named by the user). */
void att_confine_module(lua_State *L, const char *path)
{
    char real[PATH_MAX];
    struct stat st;
    if (realpath(path, real) != NULL) check_deny(L, path, real, stat(real, &st) == 0 ? &st : NULL, "require");
}

/* Stores the deny list in the registry, each entry resolved and identified now. */
void att_confine_init(lua_State *L, const AttHostConfig *cfg)
{
    DenyList *dl = lua_newuserdatauv(L, sizeof *dl, 0);
    int i;
    memset(dl, 0, sizeof *dl);
    for (i = 0; i < cfg->ndeny && dl->n < ATT_MAX_DENY; i++) {
        Deny *d = &dl->d[dl->n];
        struct stat st;
        if (!cfg->deny[i] || !*cfg->deny[i]) continue;
        if (realpath(cfg->deny[i], d->path) != NULL && stat(d->path, &st) == 0) {
            d->exists = 1;
            d->dev = st.st_dev;
            d->ino = st.st_ino;
            d->dir = S_ISDIR(st.st_mode);
        } else {
            /* Not there (yet): a directory att may create, such as its state directory. */
            snprintf(d->path, sizeof d->path, "%s", cfg->deny[i]);
            d->dir = 1;
        }
        dl->n++;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, DENY_KEY);
}
