/* journal.c — the file format of recordings, and record/replay (`att --record DIR`, `att --replay
 * DIR`).
 *
 * A recording is DIR/session.jsonl: one JSON object per exchange, in order, with the method, the
 * path (relative to the base URL), the request body normalised (JSON re-encoded with sorted keys),
 * the HTTP status, the content type and the response body. No headers are stored, so no credential
 * is; credentials are also removed from bodies (the run's redactor). The file is created 0600,
 * never through a symbolic link, in a directory only its owner can enter. Replay matches on method,
 * path and normalised body; identical requests get their recorded responses in order (the last one
 * again when they run out); a request that was not recorded fails with an error of kind "replay". */
#include "bind/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind/error.h"
#include "bind/json.h"

static const char REPLAY_KEY[] = "att.replay";

/* Pushes the matching key of a request: "METHOD path body", the body re-encoded when it is
 * JSON so that key order and spacing do not matter. [-0, +1, m] */
static void push_key(lua_State *L, const char *method, const char *path, const char *body, size_t len)
{
    AttBuf b = {0};
    char err[160];
    int top = lua_gettop(L);
    const char *norm = body ? body : "";
    size_t nlen = body ? len : 0;
    if (body && len && att_json_decode(L, body, len) && att_json_encode(L, -1, &b, err, sizeof err) == 0) {
        lua_pushlstring(L, b.data, b.len);
        att_buf_free(&b);
        norm = lua_tolstring(L, -1, &nlen);
    }
    att_buf_free(&b);
    lua_pushfstring(L, "%s %s ", method, path);
    lua_pushlstring(L, norm, nlen);
    lua_concat(L, 2);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}

/* Creates DIR/session.jsonl for writing: DIR made 0700 (an existing one must be its owner's and
 * closed to others: the recording holds customer data), the file 0600 under a fresh name
 * (O_EXCL, so nothing planted there is followed or truncated) and then renamed over
 * session.jsonl (rename replaces a symbolic link; it never writes through one). [-0, +0, e] */
static FILE *open_recording(lua_State *L, const char *dir)
{
    char tmp[1100], file[1100];
    struct stat st;
    FILE *f;
    int fd;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        luaL_error(L, "att: --record: cannot create %s: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) luaL_error(L, "att: --record: %s is not a directory", dir);
    if (st.st_uid != geteuid() || (st.st_mode & 077))
        luaL_error(L,
                   "att: --record: %s is open to other users (mode %03o); a recording holds customer data: "
                   "chmod 700 it, or name a new directory",
                   dir, (unsigned)(st.st_mode & 0777));
    snprintf(tmp, sizeof tmp, "%s/.session.jsonl.XXXXXX", dir);
    snprintf(file, sizeof file, "%s/session.jsonl", dir);
    fd = mkstemp(tmp);
    if (fd < 0) luaL_error(L, "att: --record: cannot create a file in %s: %s", dir, strerror(errno));
    if (fchmod(fd, 0600) != 0 || rename(tmp, file) != 0 || !(f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(tmp);
        luaL_error(L, "att: --record: cannot write %s: %s", file, strerror(e));
        return NULL;
    }
    return f;
}

void att_journal_record(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                        const AttResponse *r)
{
    AttBuf b = {0};
    char err[160];
    int top = lua_gettop(L);

    if (!h->record_file) h->record_file = open_recording(L, h->cfg.record_dir);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, method);
    lua_setfield(L, -2, "method");
    lua_pushstring(L, path);
    lua_setfield(L, -2, "path");
    push_key(L, "", "", body, len); /* " " + normalised body */
    {
        size_t n;
        const char *k = lua_tolstring(L, -1, &n);
        att_api_push_clean(L, k + 2, n - 2);
    }
    lua_remove(L, -2);
    lua_setfield(L, -2, "body");
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    lua_pushstring(L, r->content_type);
    lua_setfield(L, -2, "contentType");
    att_api_push_clean(L, r->body.data ? r->body.data : "", r->body.len);
    lua_setfield(L, -2, "response");
    if (att_json_encode(L, -1, &b, err, sizeof err) != 0) {
        att_buf_free(&b);
        luaL_error(L, "att: --record: cannot record the exchange with %s: %s", path, err);
    }
    att_buf_add(&b, "\n", 1);
    if (b.oom || fwrite(b.data, 1, b.len, h->record_file) != b.len || fflush(h->record_file) != 0) {
        att_buf_free(&b);
        luaL_error(L, "att: --record: write failed: %s", strerror(errno));
    }
    att_buf_free(&b);
    lua_settop(L, top);
}

/* Loads DIR/session.jsonl into the registry: key -> {next = 1, responses...}. [-0, +1, e] */
static void push_replay(lua_State *L, AttApi *h)
{
    char file[1100], line[1 << 16];
    FILE *f;
    int lineno = 0;

    if (lua_getfield(L, LUA_REGISTRYINDEX, REPLAY_KEY) == LUA_TTABLE) return;
    lua_pop(L, 1);
    snprintf(file, sizeof file, "%s/session.jsonl", h->cfg.replay_dir);
    f = fopen(file, "r");
    if (!f) {
        luaL_error(L, "att: --replay: cannot read %s: %s", file, strerror(errno));
        return;
    }
    lua_newtable(L);
    for (;;) {
        luaL_Buffer b;
        size_t n;
        int more = 1, top = lua_gettop(L);
        const char *text;
        luaL_buffinit(L, &b);
        while (more && fgets(line, sizeof line, f)) { /* lines may be longer than the buffer */
            n = strlen(line);
            if (n && line[n - 1] == '\n') {
                line[--n] = '\0';
                more = 0;
            }
            luaL_addlstring(&b, line, n);
        }
        luaL_pushresult(&b);
        text = lua_tolstring(L, -1, &n);
        if (n == 0) {
            if (feof(f)) {
                lua_pop(L, 1);
                break;
            }
            lua_pop(L, 1);
            continue;
        }
        lineno++;
        if (!att_json_decode(L, text, n) || lua_type(L, -1) != LUA_TTABLE) {
            fclose(f);
            luaL_error(L, "att: --replay: %s:%d is not a recorded exchange", file, lineno);
        }
        lua_getfield(L, -1, "method");
        lua_getfield(L, -2, "path");
        lua_getfield(L, -3, "body");
        if (!lua_isstring(L, -3) || !lua_isstring(L, -2) || !lua_isstring(L, -1)) {
            fclose(f);
            luaL_error(L, "att: --replay: %s:%d lacks method, path or body", file, lineno);
        }
        lua_pushfstring(L, "%s %s %s", lua_tostring(L, -3), lua_tostring(L, -2), lua_tostring(L, -1));
        lua_replace(L, -4);
        lua_pop(L, 2); /* ... text, entry, key */
        lua_pushvalue(L, -1);
        if (lua_rawget(L, top) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_createtable(L, 2, 1);
            lua_pushinteger(L, 1);
            lua_setfield(L, -2, "next");
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, top);
        }
        lua_pushvalue(L, -3);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_settop(L, top);
    }
    fclose(f);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REPLAY_KEY);
}

int att_journal_replay(lua_State *L, AttApi *h, const char *method, const char *path, const char *body, size_t len,
                       AttResponse *out, const char *url)
{
    int top = lua_gettop(L);
    lua_Integer next, count;
    size_t n;
    const char *s;

    push_replay(L, h);
    push_key(L, method, path, body, len);
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        char msg[2400];
        snprintf(msg, sizeof msg, "no recorded response for %s %.1000s with body %.200s (recording in %.1000s)", method,
                 path, body && len ? body : "(none)", h->cfg.replay_dir);
        lua_settop(L, top);
        att_error_push(L, "replay", 0, url, msg, 0, NULL, 0);
        return 0;
    }
    lua_getfield(L, -1, "next");
    next = lua_tointeger(L, -1);
    lua_pop(L, 1);
    count = (lua_Integer)lua_rawlen(L, -1);
    if (next < count) {
        lua_pushinteger(L, next + 1);
        lua_setfield(L, -2, "next");
    }
    lua_rawgeti(L, -1, next);
    lua_getfield(L, -1, "status");
    out->status = (long)lua_tointeger(L, -1);
    lua_getfield(L, -2, "contentType");
    snprintf(out->content_type, sizeof out->content_type, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_getfield(L, -3, "response");
    s = lua_tolstring(L, -1, &n);
    out->attempts = 1;
    if (s && n) {
        out->body.budget = h->budget;
        att_buf_add(&out->body, s, n);
        if (out->body.oom) luaL_error(L, "att: not enough memory for the recorded response");
    }
    lua_settop(L, top);
    return 1;
}
