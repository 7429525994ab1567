/* journal_read.c — a journal, or a recording, read back into the index of answers by key and
 * occurrence (see journal.c): the framed file, with its checks (core/jfile.c), or a recording in
 * JSON lines (DIR/session.jsonl). A resumed run's file is locked and reopened for appending after
 * its last whole record. */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bind/api.h"
#include "bind/json.h"

#include "bind/journal_impl.h"

typedef struct Loader {
    lua_State *L;
    AttJournal *j;
    long bad; /* records whose META is not what it should be */
} Loader;

/* A new answer, listed under the key on top of the stack (popped); NULL when out of memory.
 * [-1, +0, m] */
static JAnswer *add_answer(lua_State *L, AttJournal *j, long status, const char *ct, lua_Integer nth)
{
    JAnswer *a;
    if (j->nans == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        JAnswer *p = realloc(j->ans, cap * sizeof *p);
        if (!p) return lua_pop(L, 1), NULL;
        j->ans = p;
        j->cap = cap;
    }
    a = &j->ans[j->nans++];
    memset(a, 0, sizeof *a);
    a->status = status;
    snprintf(a->ct, sizeof a->ct, "%s", ct ? ct : "");
    att_journal_push_list(L, "index", -1);
    lua_pushinteger(L, (lua_Integer)j->nans);
    lua_rawseti(L, -2, nth > 0 ? nth : (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 2);
    j->held++;
    return a;
}

static int load_exchange(Loader *ld, const AttJRec *rec, cJSON *m)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(m, "method"),
                *path = cJSON_GetObjectItemCaseSensitive(m, "path"),
                *body = cJSON_GetObjectItemCaseSensitive(m, "body"),
                *status = cJSON_GetObjectItemCaseSensitive(m, "status"),
                *ct = cJSON_GetObjectItemCaseSensitive(m, "contentType");
    JAnswer *a;
    if (!cJSON_IsString(method) || !cJSON_IsString(path) || !cJSON_IsString(body) || !cJSON_IsNumber(status) ||
        !(status->valuedouble >= 100 && status->valuedouble <= 999)) /* an HTTP status, or not ours */
        return ld->bad++, 0;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "n");
    lua_pushfstring(ld->L, "%s %s %s", method->valuestring, path->valuestring, body->valuestring);
    /* listed as the nth answer to its request (a journal may lack some: a resume asks for those) */
    if (!(a = add_answer(ld->L, ld->j, (long)status->valuedouble, cJSON_IsString(ct) ? ct->valuestring : NULL,
                         cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble < 1e9 ? (lua_Integer)n->valuedouble
                                                                                          : 0)))
        return -1;
    a->body_off = rec->body_off;
    a->blen = rec->blen;
    return 0;
}

static int load_one(void *ud, const AttJRec *rec)
{
    Loader *ld = ud;
    cJSON *m = cJSON_ParseWithLength(rec->meta, rec->mlen);
    int rc = 0;
    if (!cJSON_IsObject(m)) {
        ld->bad++;
    } else if (rec->type == 'x') {
        rc = load_exchange(ld, rec, m);
    } else if (rec->type == 't' && ld->j->mode == ATT_JOURNAL_RESUME) {
        const cJSON *what = cJSON_GetObjectItemCaseSensitive(m, "what"), *v = cJSON_GetObjectItemCaseSensitive(m, "v");
        if (cJSON_IsString(what) && cJSON_IsString(v)) {
            lua_pushstring(ld->L, what->valuestring);
            att_journal_push_list(ld->L, "readings", -1);
            lua_pushstring(ld->L, v->valuestring);
            lua_rawseti(ld->L, -2, (lua_Integer)lua_rawlen(ld->L, -2) + 1);
            lua_pop(ld->L, 2);
        }
    }
    cJSON_Delete(m);
    return rc;
}

/* A recording in JSON lines (DIR/session.jsonl, by hand or by an older att): one object per line
 * with method, path, body, status, contentType and response. [-0, +0, e] */
static int load_lines(lua_State *L, AttJournal *j, const char *path, char *err, size_t errlen)
{
    char line[1 << 16];
    FILE *f = fopen(path, "r");
    int lineno = 0, top = lua_gettop(L);
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        luaL_Buffer b;
        size_t n;
        int more = 1, ok;
        const char *text;
        AttJournalReq q;
        luaL_buffinit(L, &b);
        while (more && fgets(line, sizeof line, f)) { /* lines may be longer than the buffer */
            n = strlen(line);
            if (n && line[n - 1] == '\n') line[--n] = '\0', more = 0;
            luaL_addlstring(&b, line, n);
        }
        luaL_pushresult(&b);
        text = lua_tolstring(L, -1, &n);
        if (n == 0 && more) break; /* the end */
        lineno++;
        if (n == 0) {
            lua_settop(L, top);
            continue;
        }
        ok = att_json_decode(L, text, n) && lua_type(L, -1) == LUA_TTABLE;
        if (ok) {
            lua_getfield(L, -1, "method");
            lua_getfield(L, -2, "path");
            lua_getfield(L, -3, "body");
            lua_getfield(L, -4, "response");
            lua_getfield(L, -5, "status");
            ok = lua_type(L, -5) == LUA_TSTRING && lua_type(L, -4) == LUA_TSTRING && lua_isstring(L, -3) &&
                 lua_isinteger(L, -1);
        }
        if (!ok) {
            fclose(f);
            snprintf(err, errlen, "%s:%d is not a recorded exchange", path, lineno);
            return -1;
        }
        memset(&q, 0, sizeof q);
        q.method = lua_tostring(L, -5);
        q.path = lua_tostring(L, -4);
        q.body = lua_tolstring(L, -3, &q.len);
        q.given = 1;
        att_journal_push_key(L, &q);
        {
            size_t rlen = 0;
            const char *resp = lua_isstring(L, -3) ? lua_tolstring(L, -3, &rlen) : "";
            JAnswer *a;
            lua_getfield(L, top + 2, "contentType");
            lua_insert(L, -2); /* ... contentType key */
            a = add_answer(L, j, (long)lua_tointeger(L, -3), lua_isstring(L, -2) ? lua_tostring(L, -2) : NULL, 0);
            if (!a || (rlen && !(a->mem = malloc(rlen)))) {
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (rlen) memcpy(a->mem, resp, rlen);
            a->blen = rlen;
        }
        lua_settop(L, top);
    }
    fclose(f);
    lua_settop(L, top);
    return 0;
}

/* Long because it reads, checks, locks and reopens for appending, each with its own message. */
int att_journal_load(lua_State *L, char *err, size_t errlen)
{
    AttJournal *j = att_api_get(L)->journal;
    char path[2100], why[300];
    Loader ld = {L, j, 0};
    uint64_t end = 0;
    long n;
    if (!j || (j->mode != ATT_JOURNAL_RESUME && j->mode != ATT_JOURNAL_REPLAY) || j->rfd >= 0) return 0;
    snprintf(path, sizeof path, "%s/%s", j->dir, ATT_JOURNAL_FILE);
    att_journal_push_state(L);
    lua_pop(L, 1);
    if (j->mode == ATT_JOURNAL_REPLAY && access(path, F_OK) != 0) {
        snprintf(path, sizeof path, "%s/session.jsonl", j->dir);
        return load_lines(L, j, path, err, errlen);
    }
    j->rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (j->rfd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (j->mode == ATT_JOURNAL_RESUME && flock(j->rfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s is in use by another att (the run is still going, or is being resumed)", j->dir);
        return -1;
    }
    n = att_jfile_scan(j->rfd, 1, load_one, &ld, &end, why, sizeof why);
    if (n < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, n == -1 ? why : "out of memory");
        return -1;
    }
    if (ld.bad) att_api_warn(L, "%s: %ld records are not att's and were skipped", path, ld.bad);
    if (j->mode == ATT_JOURNAL_REPLAY) return 0;
    if (att_jfile_open(&j->file, path, 0, end, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    j->file.cap = j->cfg->journal_max;
    return 0;
}
