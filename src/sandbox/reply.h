/* reply.h — how an answer goes out: after the --latency wait, with its status, content type and
 * headers, the body whole, or stalled part way, or cut short (libmicrohttpd reads it from a Stream);
 * and the verbose log line of each request. Also the waits every part of the server uses. */
#ifndef ATT_SBX_REPLY_H
#define ATT_SBX_REPLY_H

#include <microhttpd.h>
#include <stddef.h>

#include "common/buf.h"
#include "state.h"

/* One request being answered: the server, the connection, and for the log line its method and URL. */
typedef struct SbxCall {
    SbxServer *s;
    struct MHD_Connection *conn;
    const char *method, *url;
} SbxCall;

/* How the body of an answer goes out. */
typedef enum SbxDelivery {
    ATT_SBX_DELIVER_WHOLE,   /* all at once */
    ATT_SBX_DELIVER_STALL,   /* the first `cut` bytes, a pause, the rest */
    ATT_SBX_DELIVER_TRUNCATE /* the first `cut` bytes, then the connection closes */
} SbxDelivery;

/* What a response is: how it goes out, and what its log line says. */
typedef struct SbxOutcome {
    unsigned status;        /* 0: no response at all (reset) */
    const char *code;       /* error code, or NULL */
    const SbxSearch *query; /* for search answers, or NULL */
    size_t returned;
    const SbxFaultPlan *plan;   /* faults that applied, or NULL */
    const SbxTokenReply *token; /* for the token endpoint, or NULL */
    SbxDelivery delivery;
    unsigned stall_ms;
    size_t cut;          /* for ATT_SBX_DELIVER_STALL and ATT_SBX_DELIVER_TRUNCATE */
    const char *inspect; /* an inspection endpoint's answer: no --latency, and the log line is
                          * "att-sandbox: inspect INSPECT ..." (never like a request's) */
    int immediate;       /* no --latency (a gateway's 429 of --rate-limit) */
} SbxOutcome;

typedef struct SbxHeader {
    const char *name, *value;
} SbxHeader;

/* Sends body (ownership passes to libmicrohttpd, or it is freed here) with o->status and the
 * content type (NULL: none), plus the extra headers, as o->delivery says; logs it with -v. MHD_NO (the
 * connection is dropped) when body->oom or out of memory. */
enum MHD_Result att_sbx_reply(const SbxCall *c, const SbxOutcome *o, const char *ctype, AttBuf *body,
                              const SbxHeader *hdrs, size_t nhdrs);
/* The same for {"code":CODE,"message":MESSAGE} as application/json. */
enum MHD_Result att_sbx_reply_error(const SbxCall *c, unsigned status, const char *code, const char *message,
                                    const SbxHeader *hdrs, size_t nhdrs);
/* The log line of a request (the request line and the outcome, never a header), `bytes` of body sent. */
void att_sbx_reply_log(const SbxCall *c, const SbxOutcome *o, size_t bytes);

/* Copies at most `max` bytes of s into out, with control and non-ASCII bytes shown as '?', so that
 * whatever a client sends cannot break a log line or the UTF-8 of a JSON message. */
void att_sbx_printable(char *out, size_t outlen, const char *s, size_t max);
void att_sbx_sleep_ms(unsigned ms);
/* A deliberate wait, in slices, so that a shutdown need not wait for it. */
void att_sbx_delay(SbxServer *s, unsigned ms);

#endif
