/* journal.c — the journal of a run and recordings: record, replay and resume (see journal.h).
 *
 * Every record is one exchange ('x': META {method, path, body, n, status, contentType}, BODY the
 * response body as it came, redacted of every credential) or one reading of a source of
 * difference ('t': META {what, v}). A request is known by its key, "METHOD path body" with the
 * body normalised (JSON re-encoded with sorted keys; att's own encodings are already), and by
 * its occurrence: the nth time the run asked it. Matching by (key, n) and not by order lets
 * windowed scans, att.parallel and att.request resume whatever order their answers came in.
 *
 * The run's journal directory is made when the first answer is to be kept (a run that asks
 * nothing leaves nothing); readings taken before that wait in memory. No request header is
 * stored, so no credential is; the directory is 0700, its files 0600. */
#include "bind/journal.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind/error.h"
#include "bind/json.h"
#include "bind/journal_impl.h"
#include "core/retry.h"

static const char STATE_KEY[] = "att.journal"; /* registry: {index=, seen=, readings=, used=} */
/* Bytes of records that may wait for the writer thread. */
#define WRITER_QUEUE ((size_t)4 << 20)

AttJournal *att_journal_new(const AttApiConfig *cfg)
{
    AttJournal *j;
    AttJournalMode m = cfg->replay_dir                           ? ATT_JOURNAL_REPLAY
                       : cfg->record_dir                         ? ATT_JOURNAL_RECORD
                       : cfg->journal_dir && cfg->journal_resume ? ATT_JOURNAL_RESUME
                       : cfg->journal_dir                        ? ATT_JOURNAL_RUN
                                                                 : ATT_JOURNAL_OFF;
    if (m == ATT_JOURNAL_OFF || !(j = calloc(1, sizeof *j))) return NULL;
    j->mode = m;
    j->cfg = cfg;
    j->file.fd = j->rfd = -1;
    snprintf(j->dir, sizeof j->dir, "%s",
             m == ATT_JOURNAL_REPLAY   ? cfg->replay_dir
             : m == ATT_JOURNAL_RECORD ? cfg->record_dir
                                       : cfg->journal_dir);
    return j;
}

void att_journal_free(AttJournal *j)
{
    if (!j) return;
    att_jwriter_stop(j->writer, j->discard); /* every queued record written first, unless it goes */
    att_jfile_close(&j->file);
    if (j->rfd >= 0) close(j->rfd);
    while (j->nans > 0) free(j->ans[--j->nans].mem);
    free(j->ans);
    att_buf_free(&j->pending);
    free(j);
}

AttJournalMode att_journal_mode(const AttJournal *j) { return j ? j->mode : ATT_JOURNAL_OFF; }

long att_journal_answers(const AttApi *a) { return a->journal ? a->journal->held : 0; }

void att_journal_discard(AttApi *a)
{
    if (a->journal && (a->journal->mode == ATT_JOURNAL_RUN || a->journal->mode == ATT_JOURNAL_RESUME))
        a->journal->discard = 1;
}

void att_journal_counts(const AttApi *a, long *answered, long *appended, long *dropped)
{
    *answered = a->journal ? a->journal->answered : 0;
    *appended = a->journal ? a->journal->appended : 0;
    *dropped = a->journal ? a->journal->dropped : 0;
}

/* Pushes the registry table of the journal's Lua side, made on first use. [-0, +1, m] */
void att_journal_push_state(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, STATE_KEY) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 4);
    lua_newtable(L);
    lua_setfield(L, -2, "index");
    lua_newtable(L);
    lua_setfield(L, -2, "seen");
    lua_newtable(L);
    lua_setfield(L, -2, "readings");
    lua_newtable(L);
    lua_setfield(L, -2, "used");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, STATE_KEY);
}

/* Pushes state[field][key], made a table when missing (key at index k). [-0, +1, m] */
void att_journal_push_list(lua_State *L, const char *field, int k)
{
    k = lua_absindex(L, k);
    att_journal_push_state(L);
    lua_getfield(L, -1, field);
    lua_remove(L, -2);
    lua_pushvalue(L, k);
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, k);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    lua_remove(L, -2);
}

/* ---- the key and occurrence of each request ------------------------------------------------- */

int att_journal_builds(const AttApi *a)
{
    return a->journal && (a->journal->mode == ATT_JOURNAL_RUN || a->journal->mode == ATT_JOURNAL_RESUME);
}

void att_journal_push_key(lua_State *L, const AttJournalReq *q)
{
    const char *body = q->body ? q->body : "";
    size_t len = q->body ? q->len : 0;
    int top = lua_gettop(L);
    AttBuf b = {0};
    char err[160];
    lua_pushfstring(L, "%s %s ", q->method, q->path);
    /* A body given as a string is re-encoded (sorted keys, one spacing); att's own encodings of
     * tables are that form already. */
    if (q->given && len && att_json_decode(L, body, len) && att_json_encode(L, -1, &b, err, sizeof err) == 0) {
        lua_pop(L, 1);
        att_api_push_clean(L, b.data, b.len);
    } else {
        lua_settop(L, top + 1);
        att_api_push_clean(L, body, len);
    }
    att_buf_free(&b);
    lua_concat(L, 2);
    if (q->proj && att_journal_builds(att_api_get(L))) { /* a page as this projection builds it */
        char sig[40];
        snprintf(sig, sizeof sig, " fields=%016llx", (unsigned long long)att_proj_digest(q->proj));
        lua_pushstring(L, sig);
        lua_concat(L, 2);
    }
}

int att_journal_lookup(lua_State *L, AttJournalReq *q, int ud)
{
    AttJournal *j = att_api_get(L)->journal;
    lua_Integer n, held;
    ud = lua_absindex(L, ud);
    att_journal_push_key(L, q);
    att_journal_push_state(L);
    lua_getfield(L, -1, "seen");
    lua_pushvalue(L, -3);
    n = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tointeger(L, -1) + 1 : 1;
    lua_pop(L, 1);
    lua_pushvalue(L, -3);
    lua_pushinteger(L, n);
    lua_rawset(L, -3);
    lua_pop(L, 2);
    q->occ = n;
    q->ans = 0;
    if (j->mode == ATT_JOURNAL_RESUME || j->mode == ATT_JOURNAL_REPLAY) {
        int top = lua_gettop(L);
        att_journal_push_list(L, "index", -1); /* the answers by occurrence (a journal may lack some) */
        if (lua_rawgeti(L, top + 1, n) == LUA_TNUMBER) {
            q->ans = (size_t)lua_tointeger(L, -1);
        } else if (j->mode == ATT_JOURNAL_REPLAY && (held = (lua_Integer)lua_rawlen(L, top + 1)) > 0 && n > held) {
            lua_rawgeti(L, top + 1, held); /* a recording answers again with its last one */
            q->ans = (size_t)lua_tointeger(L, -1);
        }
        lua_settop(L, top);
    }
    lua_setiuservalue(L, ud, 2); /* the key, for the record */
    return q->ans > 0 || j->mode == ATT_JOURNAL_REPLAY;
}

int att_journal_answer(lua_State *L, const AttJournalReq *q, const char *url, AttResponse *out)
{
    AttApi *h = att_api_get(L);
    AttJournal *j = h->journal;
    const JAnswer *a;
    if (!q->ans) {
        char msg[2400];
        snprintf(msg, sizeof msg, "no recorded response for %s %.1000s with body %.200s (recording in %.1000s)",
                 q->method, q->path, q->body && q->len ? q->body : "(none)", j->dir);
        att_error_push(L, "replay", 0, url, msg, 0, NULL, 0);
        return 0;
    }
    a = &j->ans[q->ans - 1];
    out->status = a->status;
    snprintf(out->content_type, sizeof out->content_type, "%s", a->ct);
    out->body.budget = h->budget;
    if (a->mem) {
        att_buf_add(&out->body, a->mem, a->blen);
        if (out->body.oom) luaL_error(L, "att: not enough memory for a recorded answer");
    } else if (a->blen && att_jfile_read(j->rfd, a->body_off, a->blen, &out->body) != 0)
        luaL_error(L, "att: %s: %s", j->dir,
                   out->body.oom ? "not enough memory for a journaled answer" : strerror(errno));
    j->answered++;
    return 1;
}

/* ---- writing -------------------------------------------------------------------------------- */

static void stop_warning(lua_State *L, AttJournal *j, const char *why)
{
    if (j->warned++) return;
    att_api_warn(L, "%s: %s; what follows is not journaled (a resume asks for it again)", j->dir, why);
}

/* Writes the run's description beside its journal. 0 or -1 (why in err). */
static int write_run_file(AttJournal *j, char *err, size_t errlen)
{
    char path[2100];
    const char *meta = j->cfg->journal_meta ? j->cfg->journal_meta : "{}";
    size_t n = strlen(meta);
    int fd;
    snprintf(path, sizeof path, "%s/%s", j->dir, ATT_JOURNAL_RUN_FILE);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, meta, n) != (ssize_t)n || close(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return 0;
}

/* Makes the journal file of a run (its directory first) or of a recording (a new file renamed
 * over the old one: rename replaces a symbolic link, never writes through it). 0 or -1. */
static int create_file(AttJournal *j, char *err, size_t errlen)
{
    char path[2100], tmp[2200];
    snprintf(path, sizeof path, "%s/%s", j->dir, ATT_JOURNAL_FILE);
    if (att_jfile_mkdir(j->dir, err, errlen) != 0) return -1;
    if (j->mode == ATT_JOURNAL_RECORD) {
        snprintf(tmp, sizeof tmp, "%s/.%s.%ld", j->dir, ATT_JOURNAL_FILE, (long)getpid());
        unlink(tmp);
        if (att_jfile_open(&j->file, tmp, 1, 0, err, errlen) != 0) return -1;
        if (rename(tmp, path) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            att_jfile_close(&j->file);
            unlink(tmp);
            return -1;
        }
        return 0;
    }
    if (write_run_file(j, err, errlen) != 0 || att_jfile_open(&j->file, path, 1, 0, err, errlen) != 0) return -1;
    flock(j->file.fd, LOCK_EX | LOCK_NB); /* att runs: a locked journal is a run still going */
    j->file.cap = j->cfg->journal_max;
    return 0;
}

/* The file ready for appending (made first when needed, with the readings framed before it
 * existed) and its writer thread started; 0, or -1 with why in err. */
static int ready(lua_State *L, AttJournal *j, char *err, size_t errlen)
{
    if (j->file.fd < 0) {
        if (create_file(j, err, errlen) != 0) return -1;
        if (att_jfile_append_framed(&j->file, j->pending.data, j->pending.len) != 0) {
            snprintf(err, errlen, "cannot write the journal: %s", strerror(j->file.err));
            return -1;
        }
        att_buf_free(&j->pending);
    }
    if (!j->writer && !j->sync) {
        /* a run's journal may skip an answer when the disk is behind (a resume asks for it
         * again); a recording is complete or fails */
        j->writer = att_jwriter_start(&j->file, WRITER_QUEUE, att_api_get(L)->budget, j->mode != ATT_JOURNAL_RECORD);
        j->sync = !j->writer; /* no thread: appended here */
    }
    return 0;
}

/* Appends one record, making the file first when needed. Never raises. */
static void put(lua_State *L, AttJournal *j, char type, const char *meta, size_t mlen, const char *body, size_t blen)
{
    char err[2600];
    int rc, e = 0;
    if (j->stopped) return;
    if (j->file.fd < 0 && type == 't') { /* no file before the first answer */
        att_jfile_frame(&j->pending, type, meta, mlen, body, blen);
        return;
    }
    if (ready(L, j, err, sizeof err) != 0) {
        j->stopped = 1;
        stop_warning(L, j, err);
        return;
    }
    if (j->writer) {
        rc = att_jwriter_put(j->writer, type, meta, mlen, body, blen, &e);
    } else {
        rc = att_jfile_append(&j->file, type, meta, mlen, body, blen);
        e = j->file.err;
    }
    if (rc == 2) {
        j->dropped++;
    } else if (rc == 1) {
        j->stopped = 1;
        snprintf(err, sizeof err, "the journal reached its size cap of %llu bytes (--journal-max)",
                 (unsigned long long)j->cfg->journal_max);
        stop_warning(L, j, err);
    } else if (rc < 0) {
        j->stopped = 1;
        snprintf(err, sizeof err, "cannot write the journal: %s", e ? strerror(e) : "not enough memory");
        stop_warning(L, j, err);
    } else if (type == 'x') {
        j->held++;
        j->appended++;
    }
}

/* 1 when the answer is the request's final outcome: nothing a retry or another credential would
 * change. */
static int final(const AttResponse *r)
{
    return r->err == ATT_HTTP_OK && !att_retry_classify(r->status, ATT_FAIL_NONE).retryable && r->status != 401 &&
           r->status != 403;
}

void att_journal_append(lua_State *L, const AttJournalReq *q, int ud, const AttResponse *r)
{
    AttJournal *j = att_api_get(L)->journal;
    cJSON *m;
    char *text;
    size_t klen, skip;
    const char *key;
    if (!j || j->mode == ATT_JOURNAL_REPLAY || j->stopped || !final(r)) return;
    ud = lua_absindex(L, ud);
    if (lua_getiuservalue(L, ud, 2) != LUA_TSTRING) {
        lua_pop(L, 1);
        return;
    }
    key = lua_tolstring(L, -1, &klen);
    skip = strlen(q->method) + strlen(q->path) + 2;
    m = cJSON_CreateObject();
    if (m && cJSON_AddStringToObject(m, "method", q->method) && cJSON_AddStringToObject(m, "path", q->path) &&
        cJSON_AddStringToObject(m, "body", skip <= klen ? key + skip : "") &&
        cJSON_AddNumberToObject(m, "n", (double)q->occ) && cJSON_AddNumberToObject(m, "status", (double)r->status) &&
        cJSON_AddStringToObject(m, "contentType", r->content_type) && (text = cJSON_PrintUnformatted(m)) != NULL) {
        put(L, j, 'x', text, strlen(text), r->body.data, r->body.len);
        cJSON_free(text);
    } else {
        j->stopped = 1;
        stop_warning(L, j, "out of memory");
    }
    cJSON_Delete(m);
    lua_pop(L, 1);
}

/* ---- readings ------------------------------------------------------------------------------- */

/* The number of the reading of kind what the run is at (1, 2, ...), counted in state.used. */
static lua_Integer reading_number(lua_State *L, const char *what, int count)
{
    int top = lua_gettop(L);
    lua_Integer k;
    att_journal_push_state(L);
    lua_getfield(L, top + 1, "used");
    k = (lua_getfield(L, top + 2, what) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0) + count;
    if (count) {
        lua_pushinteger(L, k);
        lua_setfield(L, top + 2, what);
    }
    lua_settop(L, top);
    return k;
}

int att_journal_reading(lua_State *L, const char *what, char *val, size_t n)
{
    AttJournal *j = att_api_get(L)->journal;
    int top = lua_gettop(L), found = 0;
    lua_Integer k;
    if (!j || (j->mode != ATT_JOURNAL_RUN && j->mode != ATT_JOURNAL_RESUME)) return 0;
    k = reading_number(L, what, 1);
    if (j->mode != ATT_JOURNAL_RESUME) return 0;
    att_journal_push_state(L);
    lua_getfield(L, top + 1, "readings");
    if (lua_getfield(L, top + 2, what) == LUA_TTABLE && lua_rawgeti(L, top + 3, k) == LUA_TSTRING) {
        snprintf(val, n, "%s", lua_tostring(L, -1));
        found = 1;
    }
    lua_settop(L, top);
    return found;
}

void att_journal_note(lua_State *L, const char *what, const char *val)
{
    AttJournal *j = att_api_get(L)->journal;
    char meta[200];
    int n;
    if (!j || (j->mode != ATT_JOURNAL_RUN && j->mode != ATT_JOURNAL_RESUME)) return;
    /* the first ATT_JOURNAL_READINGS of each kind: a loop that reads the clock for every record
     * neither fills memory before the first answer nor slows down; later ones are live in a
     * resume too */
    if (reading_number(L, what, 0) > ATT_JOURNAL_READINGS) return;
    n = snprintf(meta, sizeof meta, "{\"what\":\"%s\",\"v\":\"%s\"}", what, val);
    if (n > 0 && (size_t)n < sizeof meta) put(L, j, 't', meta, (size_t)n, NULL, 0);
}
