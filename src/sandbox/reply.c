/* reply.c — answers on the wire: the --latency wait, whole or streamed bodies, the log line (see
 * reply.h).
 *
 * libmicrohttpd runs one thread per connection, so a --latency sleep (or a stalled body) holds only
 * its own connection. */
#include "reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"

#define STREAM_BLOCK ((size_t)32 * 1024)

void att_sbx_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void att_sbx_delay(SbxServer *s, unsigned ms)
{
    while (ms && !atomic_load(&s->stopping)) {
        unsigned step = ms < 20 ? ms : 20;
        att_sbx_sleep_ms(step);
        ms -= step;
    }
}

void att_sbx_printable(char *out, size_t outlen, const char *s, size_t max)
{
    size_t n = 0;
    for (; n < max && n + 4 < outlen && s[n]; n++)
        out[n] = (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f ? s[n] : '?';
    if (s[n] && n + 4 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Whatever the faults echo to the client, the log shows no credentials. */
void att_sbx_reply_log(const SbxCall *c, const SbxOutcome *o, size_t bytes)
{
    char path[160], detail[1024] = "", faults[1024] = "";
    size_t d = 0, f = 0;
    att_sbx_printable(path, sizeof path, c->url, 120);
    char m[16];
    att_sbx_printable(m, sizeof m, c->method, 10);
    for (size_t i = 0; o->plan && i < o->plan->napplied && f < sizeof faults; i++) {
        char spec[120];
        att_sbx_printable(spec, sizeof spec, o->plan->applied[i]->spec, 100);
        f += (size_t)snprintf(faults + f, sizeof faults - f, " fault=%s", spec);
    }
    if (o->inspect) {
        char st[80];
        att_sbx_printable(st, sizeof st, o->query && o->query->service_type ? o->query->service_type : "-", 60);
        fprintf(stderr, "att-sandbox: inspect %s %03u serviceType=%s totalCount=%zu bytes=%zu\n", o->inspect, o->status,
                st, o->returned, bytes);
        fflush(stderr);
        return;
    }
    if (o->token) {
        /* Never the secret nor the token: the client id and how many tokens exist. */
        fprintf(stderr, "att-sandbox: %s %s %03u%s%s client=%s tokens=%llu%s\n", m, path, o->status,
                o->token->error ? " error=" : "", o->token->error ? o->token->error : "", o->token->client,
                (unsigned long long)o->token->issued, faults);
        fflush(stderr);
        return;
    }
    if (o->query) {
        char st[80];
        att_sbx_printable(st, sizeof st, o->query->service_type ? o->query->service_type : "-", 60);
        d += (size_t)snprintf(
            detail + d, sizeof detail - d, " serviceType=%s pageSize=%llu pageOffset=%llu individuals=%zu", st,
            (unsigned long long)o->query->page_size, (unsigned long long)o->query->page_offset, o->returned);
    }
    if (o->code && d < sizeof detail) snprintf(detail + d, sizeof detail - d, " code=%s", o->code);
    /* One fprintf per line: stdio locks the stream, so lines from different threads never mix. */
    fprintf(stderr, "att-sandbox: %s %s %03u%s%s bytes=%zu\n", m, path, o->status, detail, faults, bytes);
    fflush(stderr);
}

/* ---- Bodies that go out slowly, or not entirely ----------------------------------------------- */

typedef struct Stream {
    SbxServer *s;
    char *data;
    size_t len, cut; /* the pause (or the end) comes after `cut` bytes */
    unsigned stall_ms;
    int truncate;
    int paused;
} Stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    Stream *st = cls;
    if (pos >= st->len) return MHD_CONTENT_READER_END_OF_STREAM;
    if (pos >= st->cut && !st->paused) {
        /* libmicrohttpd asks for more only once it has sent everything it had. */
        if (st->truncate) return MHD_CONTENT_READER_END_WITH_ERROR;
        st->paused = 1;
        att_sbx_delay(st->s, st->stall_ms);
    }
    size_t end = pos < st->cut ? st->cut : st->len;
    size_t n = end - (size_t)pos;
    if (n > max) n = max;
    memcpy(buf, st->data + pos, n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    Stream *st = cls;
    free(st->data);
    free(st);
}

/* A response for data (ownership passes), delivered as o->delivery says; NULL when out of memory. */
static struct MHD_Response *make_response(SbxServer *s, const SbxOutcome *o, char *data, size_t len)
{
    if (o->delivery == ATT_SBX_DELIVER_WHOLE) {
        struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!r) free(data);
        return r;
    }
    Stream *st = calloc(1, sizeof *st);
    if (!st) {
        free(data);
        return NULL;
    }
    st->s = s;
    st->data = data;
    st->len = len;
    st->cut = o->cut < len ? o->cut : len;
    st->stall_ms = o->stall_ms;
    st->truncate = o->delivery == ATT_SBX_DELIVER_TRUNCATE;
    struct MHD_Response *r = MHD_create_response_from_callback(len, STREAM_BLOCK, stream_read, st, stream_free);
    if (!r) stream_free(st);
    return r;
}

/* ---- Answers ---------------------------------------------------------------------------------- */

enum MHD_Result att_sbx_reply(const SbxCall *c, const SbxOutcome *o, const char *ctype, AttBuf *body,
                              const SbxHeader *hdrs, size_t nhdrs)
{
    SbxServer *s = c->s;
    if (s->cfg.latency_ms && !o->inspect && !o->immediate) att_sbx_delay(s, s->cfg.latency_ms);
    if (body->oom) {
        att_buf_free(body);
        return MHD_NO; /* out of memory: drop the connection */
    }
    size_t len;
    char *data = att_buf_take(body, &len);
    struct MHD_Response *resp = make_response(s, o, data, len);
    if (!resp) return MHD_NO;
    enum MHD_Result rc = ctype ? MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) : MHD_YES;
    for (size_t i = 0; rc == MHD_YES && i < nhdrs; i++) rc = MHD_add_response_header(resp, hdrs[i].name, hdrs[i].value);
    if (rc == MHD_YES) rc = MHD_queue_response(c->conn, o->status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES && s->cfg.verbose)
        att_sbx_reply_log(c, o, o->delivery == ATT_SBX_DELIVER_TRUNCATE ? o->cut : len);
    return rc;
}

enum MHD_Result att_sbx_reply_error(const SbxCall *c, unsigned status, const char *code, const char *message,
                                    const SbxHeader *hdrs, size_t nhdrs)
{
    AttBuf body = {0};
    att_sbx_error_json(&body, code, message);
    SbxOutcome o = {.status = status, .code = code};
    return att_sbx_reply(c, &o, "application/json", &body, hdrs, nhdrs);
}
