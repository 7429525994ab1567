/* state.h — the state of one running server, shared by the files that serve it: server.c makes
 * and frees it, endpoint.c, inject.c and reply.c read it (and the fault counters change under `mu`).
 *
 * libmicrohttpd runs one thread per connection. The state shared between connections — fault
 * counters, request numbers, the --rate-limit bucket — is guarded by `mu`; the token table (oauth.c) and the order of
 * records (shift.c) have locks of their own; the flags are atomic. */
#ifndef ATT_SBX_STATE_H
#define ATT_SBX_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "oauth.h"
#include "shift.h"

struct MHD_Daemon;

typedef struct SbxServer SbxServer; /* as server.h names it */

struct SbxServer {
    SbxServerConfig cfg;
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;      /* guards searches and the fault counters */
    uint64_t searches;       /* search requests that reached the fault table */
    uint64_t token_requests; /* token requests that did */
    SbxBucket bucket;        /* --rate-limit, under mu */
    SbxOAuth *oauth;         /* with --oauth-client, else NULL */
    SbxShift shift;          /* the global order of records (insert/remove/grow/shrink) */
    int have_shift;          /* shift is initialised (server_free) */
    int quiet_aborts;        /* reset/truncate/hang rules: their closes are not MHD's news */
    atomic_int started;      /* after start-up, libmicrohttpd's messages need -v */
    atomic_int stopping;     /* shutting down: cut latency sleeps short */
    atomic_int inflight;     /* requests begun and not yet completed */
    char startup_msg[200];   /* its last message during start-up, for our one error line */
};

#endif
