/* server.c — the server's lifetime: the address it binds, its state made and freed, libmicrohttpd
 * started (one thread per connection, TLS with --tls-cert, our logger) and stopped gracefully, and
 * libmicrohttpd's own messages. Requests are endpoint.c's; answers go out through reply.c. */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "endpoint.h"
#include "reply.h"
#include "state.h"

#define ATT_SBX_DRAIN_MS 3000u
/* Per-connection memory of libmicrohttpd, where a request's headers must fit: room for a bearer
 * token of ATT_SBX_MAX_TOKEN characters and the other headers, with plenty to spare (with the
 * default, 32 KiB, a 64 KiB token gets 431 Request Header Fields Too Large). */
#define CONNECTION_MEMORY ((size_t)256 * 1024)

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    SbxServer *s = cls;
    if (!atomic_load(&s->started)) {
        /* Only the starting thread logs now; the message becomes part of our error, if any. */
        vsnprintf(s->startup_msg, sizeof s->startup_msg, fmt, ap);
        s->startup_msg[strcspn(s->startup_msg, "\r\n")] = '\0';
        return;
    }
    if (!s->cfg.verbose) return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    /* The connections that reset and truncate faults close on purpose are in our own log line. */
    if (s->quiet_aborts && (strncmp(line, "Application reported internal error", 35) == 0 ||
                            strncmp(line, "Closing connection (application reported error", 46) == 0))
        return;
    fprintf(stderr, "att-sandbox: libmicrohttpd: %s\n", line);
    fflush(stderr);
}

static void server_free(SbxServer *s)
{
    if (s->have_shift) att_sbx_shift_destroy(&s->shift);
    att_sbx_oauth_free(s->oauth);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Whether a start-up failure was libmicrohttpd (GnuTLS) refusing the certificate or the key. */
static int tls_refused(const char *msg)
{
    static const char *const words[] = {"certificate", "key", "TLS"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (const char *p = msg; *p; p++)
            if (strncasecmp(p, words[i], strlen(words[i])) == 0) return 1;
    return 0;
}

/* The address of --host, with --port set in it; 0, or -2 with a message when it does not resolve. */
static int bind_address(const SbxServerConfig *cfg, struct sockaddr_storage *sa, socklen_t *salen, char *err,
                        size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int gai = getaddrinfo(cfg->host, NULL, &hints, &ai);
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "--host '%s': %s", cfg->host, gai ? gai_strerror(gai) : "no address");
        if (ai) freeaddrinfo(ai);
        return -2;
    }
    memset(sa, 0, sizeof *sa);
    memcpy(sa, ai->ai_addr, ai->ai_addrlen);
    *salen = ai->ai_addrlen;
    freeaddrinfo(ai);
    if (sa->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)cfg->port);
    else
        ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)cfg->port);
    return 0;
}

/* The server's state before its daemon runs: the token table, the order of records; NULL with a
 * message when something cannot be made. */
static SbxServer *server_new(const SbxServerConfig *cfg, char *err, size_t errlen)
{
    SbxServer *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return NULL;
    }
    s->cfg = *cfg;
    att_sbx_bucket_init(&s->bucket, &cfg->rate_limit);
    atomic_init(&s->started, 0);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->inflight, 0);
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        snprintf(err, errlen, "cannot create a mutex");
        return NULL;
    }
    if (cfg->oauth_client && !(s->oauth = att_sbx_oauth_new(cfg->oauth_client, cfg->token_ttl_s))) {
        server_free(s);
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return NULL;
    }
    if (att_sbx_shift_init(&s->shift, cfg->data, cfg->faults->seed) != 0) {
        server_free(s);
        snprintf(err, errlen, "cannot create a lock");
        return NULL;
    }
    s->have_shift = 1;
    s->quiet_aborts = att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_RESET) ||
                      att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_TRUNCATE) ||
                      att_sbx_fault_has(cfg->faults, ATT_SBX_FAULT_HANG);
    return s;
}

/* Starts libmicrohttpd on sa; 0, or -1 (cannot listen) or -2 (TLS refused the certificate or the
 * key) with a message that includes libmicrohttpd's own. */
static int start_daemon(SbxServer *s, int tls, struct sockaddr_storage *sa, char *err, size_t errlen)
{
    const SbxServerConfig *cfg = &s->cfg;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (tls) flags |= MHD_USE_TLS;
    if (sa->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    /* libmicrohttpd reads the PEM texts while it starts; they stay borrowed from the caller. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cfg->tls_cert},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!tls) tls_opts[0].option = MHD_OPTION_END;
    /* The logger must come first, or libmicrohttpd reports option errors with its own. */
    s->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, att_sbx_on_request, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, att_sbx_on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, MHD_OPTION_ARRAY,
                                 tls_opts, MHD_OPTION_END);
    if (s->daemon) return 0;
    int bad_tls = tls && tls_refused(s->startup_msg);
    if (bad_tls)
        snprintf(err, errlen, "--tls-cert/--tls-key: unusable certificate or key%s%s", s->startup_msg[0] ? ": " : "",
                 s->startup_msg);
    else
        snprintf(err, errlen, "cannot listen on %s port %u%s%s", cfg->host, cfg->port, s->startup_msg[0] ? ": " : "",
                 s->startup_msg);
    return bad_tls ? -2 : -1;
}

/* The base URL of the running server, with the port it got and its address as a number. */
static void base_url(const SbxServer *s, int tls, const struct sockaddr_storage *sa, socklen_t salen, char *url,
                     size_t urllen)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : s->cfg.port;
    char host[NI_MAXHOST];
    if (getnameinfo((const struct sockaddr *)sa, salen, host, sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(host, sizeof host, "%s", s->cfg.host);
    const char *scheme = tls ? "https" : "http";
    snprintf(url, urllen, sa->ss_family == AF_INET6 ? "%s://[%s]:%u" ATT_SBX_BASE_PATH : "%s://%s:%u" ATT_SBX_BASE_PATH,
             scheme, host, port);
}

int att_sbx_server_start(SbxServer **out, const SbxServerConfig *cfg, char *url, size_t urllen, char *err,
                         size_t errlen)
{
    *out = NULL;
    int tls = cfg->tls_cert && cfg->tls_key;
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen, "--tls-cert: this libmicrohttpd was built without TLS support");
        return -1;
    }
    struct sockaddr_storage sa;
    socklen_t salen;
    if (bind_address(cfg, &sa, &salen, err, errlen) != 0) return -2;
    SbxServer *s = server_new(cfg, err, errlen);
    if (!s) return -1;
    int rc = start_daemon(s, tls, &sa, err, errlen);
    if (rc != 0) {
        server_free(s);
        return rc;
    }
    atomic_store(&s->started, 1);
    base_url(s, tls, &sa, salen, url, urllen);
    *out = s;
    return 0;
}

void att_sbx_server_stop(SbxServer *s)
{
    if (!s) return;
    /* Graceful: refuse new connections, let requests in progress be answered (for up to
     * ATT_SBX_DRAIN_MS), then close the rest, idle keep-alive connections included. */
    atomic_store(&s->stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(s->daemon);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    for (unsigned waited = 0; atomic_load(&s->inflight) > 0 && waited < ATT_SBX_DRAIN_MS; waited += 10)
        att_sbx_sleep_ms(10);
    MHD_stop_daemon(s->daemon);
    server_free(s);
}

uint64_t att_sbx_server_rate_refused(SbxServer *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->bucket.refused;
    pthread_mutex_unlock(&s->mu);
    return n;
}
