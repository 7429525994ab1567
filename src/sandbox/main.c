/* main.c — att-sandbox: command line, data set set-up, signal handling and the server's lifetime.
 *
 * Exit status: 0 after --help/--version/--dump or a clean SIGINT/SIGTERM shutdown; 2 for a bad
 * option (an unresolvable --host, an unusable TLS certificate or key included) or data file; 1 when
 * the server cannot listen (port in use, no TLS in libmicrohttpd) or memory runs out. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "data.h"
#include "fault.h"
#include "oauth.h"
#include "ratelimit.h"
#include "search.h"
#include "server.h"

#ifndef ATT_VERSION
#define ATT_VERSION "dev"
#endif

#define PROG "att-sandbox"

/* The only mutable global: written by the signal handler, read by the main thread. */
static volatile sig_atomic_t g_stop;

typedef struct Options {
    const char *host;
    uint64_t port;
    uint64_t individuals;
    uint64_t seed;
    const char *data;
    uint64_t max_page_size;
    SbxPaging paging;
    const char *appname;
    const char *token;
    const char *oauth_client;
    uint64_t token_ttl;
    const char *tls_cert, *tls_key; /* file names */
    char *cert_pem, *key_pem;       /* their contents, once read */
    uint64_t latency_ms;
    SbxRateLimit rate_limit;
    SbxFaults faults;
    int verbose, strict, dump, help, version;
    int generator_option; /* --individuals or --seed given */
} Options;

typedef int (*OptSetter)(Options *o, const char *val, char *err, size_t errlen);

typedef struct OptDef {
    const char *name; /* long name, without "--" */
    char short_name;  /* or 0 */
    const char *arg;  /* placeholder in the usage, or NULL for a flag */
    OptSetter set;
    const char *help;
} OptDef;

/* Decimal digits only, within [lo, hi]. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!*s) return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned dgt = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - dgt) / 10) return -1;
        v = v * 10 + dgt;
    }
    if (v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int range_err(char *err, size_t errlen, const char *opt, const char *val, uint64_t lo, uint64_t hi)
{
    snprintf(err, errlen, "--%s '%s': expected an integer from %llu to %llu", opt, val, (unsigned long long)lo,
             (unsigned long long)hi);
    return -1;
}

#define UINT_SETTER(fn, field, opt, lo, hi)                                                                     \
    static int fn(Options *o, const char *val, char *err, size_t errlen)                                        \
    {                                                                                                           \
        if (parse_uint(val, (lo), (hi), &o->field) != 0) return range_err(err, errlen, (opt), val, (lo), (hi)); \
        return 0;                                                                                               \
    }

UINT_SETTER(set_port, port, "port", 0, 65535)
UINT_SETTER(set_max_page_size, max_page_size, "max-page-size", 1, 100000)
UINT_SETTER(set_latency, latency_ms, "latency", 0, 600000)
UINT_SETTER(set_token_ttl, token_ttl, "token-ttl", 1, 100000000)
UINT_SETTER(set_fault_seed, faults.seed, "fault-seed", 0, UINT64_MAX)

static int set_individuals(Options *o, const char *val, char *err, size_t errlen)
{
    o->generator_option = 1;
    if (parse_uint(val, 0, 10000000, &o->individuals) != 0)
        return range_err(err, errlen, "individuals", val, 0, 10000000);
    return 0;
}

static int set_seed(Options *o, const char *val, char *err, size_t errlen)
{
    o->generator_option = 1;
    if (parse_uint(val, 0, UINT64_MAX, &o->seed) != 0) return range_err(err, errlen, "seed", val, 0, UINT64_MAX);
    return 0;
}

static int set_nonempty(const char **field, const char *opt, const char *val, char *err, size_t errlen)
{
    if (!*val) {
        snprintf(err, errlen, "--%s: the value must not be empty", opt);
        return -1;
    }
    *field = val;
    return 0;
}

static int set_host(Options *o, const char *val, char *err, size_t errlen)
{
    return set_nonempty(&o->host, "host", val, err, errlen);
}

static int set_data(Options *o, const char *val, char *err, size_t errlen)
{
    return set_nonempty(&o->data, "data", val, err, errlen);
}

static int set_appname(Options *o, const char *val, char *err, size_t errlen)
{
    return set_nonempty(&o->appname, "appname", val, err, errlen);
}

static int set_token(Options *o, const char *val, char *err, size_t errlen)
{
    /* The value is never echoed: it is a secret. */
    if (strlen(val) > ATT_SBX_MAX_TOKEN) {
        snprintf(err, errlen, "--token: the token must be at most %u characters", ATT_SBX_MAX_TOKEN);
        return -1;
    }
    for (const char *p = val; *p; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            snprintf(err, errlen, "--token: the token must be printable ASCII without spaces");
            return -1;
        }
    }
    return set_nonempty(&o->token, "token", val, err, errlen);
}

static int set_oauth_client(Options *o, const char *val, char *err, size_t errlen)
{
    /* Like --token, never echoed. */
    if (att_sbx_oauth_check_client(val, err, errlen) != 0) return -1;
    o->oauth_client = val;
    return 0;
}

static int set_tls_cert(Options *o, const char *val, char *err, size_t errlen)
{
    return set_nonempty(&o->tls_cert, "tls-cert", val, err, errlen);
}

static int set_tls_key(Options *o, const char *val, char *err, size_t errlen)
{
    return set_nonempty(&o->tls_key, "tls-key", val, err, errlen);
}

static int set_paging(Options *o, const char *val, char *err, size_t errlen)
{
    if (strcmp(val, "page") == 0)
        o->paging = ATT_SBX_PAGING_PAGE;
    else if (strcmp(val, "record") == 0)
        o->paging = ATT_SBX_PAGING_RECORD;
    else {
        snprintf(err, errlen, "--paging '%s': expected 'page' or 'record'", val);
        return -1;
    }
    return 0;
}

static int set_rate_limit(Options *o, const char *val, char *err, size_t errlen)
{
    return att_sbx_rate_limit_parse(val, &o->rate_limit, err, errlen);
}

static int set_fault(Options *o, const char *val, char *err, size_t errlen)
{
    return att_sbx_fault_add(&o->faults, val, err, errlen);
}

static int set_verbose(Options *o, const char *val, char *err, size_t errlen)
{
    (void)val, (void)err, (void)errlen;
    o->verbose = 1;
    return 0;
}

static int set_strict(Options *o, const char *val, char *err, size_t errlen)
{
    (void)val, (void)err, (void)errlen;
    o->strict = 1;
    return 0;
}

static int set_dump(Options *o, const char *val, char *err, size_t errlen)
{
    (void)val, (void)err, (void)errlen;
    o->dump = 1;
    return 0;
}

static int set_help(Options *o, const char *val, char *err, size_t errlen)
{
    (void)val, (void)err, (void)errlen;
    o->help = 1;
    return 0;
}

static int set_version(Options *o, const char *val, char *err, size_t errlen)
{
    (void)val, (void)err, (void)errlen;
    o->version = 1;
    return 0;
}

static const OptDef options[] = {
    {"host", 0, "ADDR", set_host, "address to listen on (default 127.0.0.1)"},
    {"port", 0, "N", set_port, "TCP port; 0 picks a free one (default 8080)"},
    {"individuals", 0, "N", set_individuals, "generate N individuals, 0..10000000 (default 1000)"},
    {"seed", 0, "S", set_seed, "seed of the generated data, unsigned 64-bit (default 1)"},
    {"data", 0, "FILE", set_data, "serve the individuals in FILE (JSON array, or object with \"individuals\")"},
    {"max-page-size", 0, "N", set_max_page_size, "largest pageSize accepted (default 100)"},
    {"paging", 0, "page|record", set_paging, "pageOffset numbers pages (default) or records, from 1"},
    {"appname", 0, "NAME", set_appname, "require the header 'appname: NAME' (else 400 MISSING_APPNAME)"},
    {"token", 0, "TOKEN", set_token,
     "require 'Authorization: Bearer TOKEN' (else 401 UNAUTHORIZED); up to 65536 characters"},
    {"oauth-client", 0, "ID:SECRET", set_oauth_client,
     "serve POST /omni-svcs/oauth/token (client credentials) and require its tokens"},
    {"token-ttl", 0, "SECONDS", set_token_ttl, "lifetime of the access tokens issued (default 3600)"},
    {"tls-cert", 0, "FILE", set_tls_cert, "serve HTTPS with this PEM certificate (needs --tls-key)"},
    {"tls-key", 0, "FILE", set_tls_key, "the PEM private key of --tls-cert"},
    {"latency", 0, "MS", set_latency, "wait MS milliseconds before each answer (default 0)"},
    {"rate-limit", 0, "R[,burst=B]", set_rate_limit,
     "allow R searches a second (token bucket of B, default R), else 429 with Retry-After"},
    {"fault", 0, "SPEC", set_fault, "misbehave as SPEC (see Fault rules below); repeatable"},
    {"fault-seed", 0, "S", set_fault_seed, "seed of the prob= draws, unsigned 64-bit (default 1)"},
    {"strict", 0, NULL, set_strict,
     "answer 400 UNKNOWN_FIELD to request fields the contract does not define (the API ignores them)"},
    {"verbose", 'v', NULL, set_verbose, "log one line per request on stderr"},
    {"dump", 0, NULL, set_dump, "print the data set as a JSON array on stdout and exit"},
    {"help", 0, NULL, set_help, "show this help and exit"},
    {"version", 0, NULL, set_version, "show the version and exit"},
};

#define NOPTIONS (sizeof options / sizeof options[0])

static void usage(FILE *fp)
{
    fputs("Usage: " PROG " [OPTION]...\n"
          "Serve a local, faithful copy of the AT&T Omni Customer Search API\n"
          "(POST /omni-svcs/v1/customers/search) over generated or loaded data.\n"
          "The first line on stdout is the base URL, e.g. http://127.0.0.1:8080/omni-svcs.\n\n",
          fp);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const OptDef *d = &options[i];
        char left[48];
        snprintf(left, sizeof left, "%c%c%c --%s%s%s", d->short_name ? '-' : ' ', d->short_name ? d->short_name : ' ',
                 d->short_name ? ',' : ' ', d->name, d->arg ? " " : "", d->arg ? d->arg : "");
        fprintf(fp, "  %-28s %s\n", left, d->help);
    }
    att_sbx_fault_help(fp);
}

static const OptDef *find_option(const char *arg, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const OptDef *d = &options[i];
        if (arg[0] == '-' && arg[1] == '-' && strlen(d->name) == len - 2 && memcmp(arg + 2, d->name, len - 2) == 0)
            return d;
        if (len == 2 && arg[0] == '-' && d->short_name && arg[1] == d->short_name) return d;
    }
    return NULL;
}

/* Fills *o from argv; 0, or -1 with a message in err. Accepts "--opt VALUE" and "--opt=VALUE". */
static int parse_args(int argc, char **argv, Options *o, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const OptDef *d = arg[0] == '-' ? find_option(arg, len) : NULL;
        if (!d) {
            snprintf(err, errlen, "%s '%.60s' (see --help)", arg[0] == '-' ? "unknown option" : "unexpected argument",
                     arg);
            return -1;
        }
        const char *val = NULL;
        if (d->arg) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else {
                snprintf(err, errlen, "--%s needs a value: --%s %s", d->name, d->name, d->arg);
                return -1;
            }
        } else if (eq) {
            snprintf(err, errlen, "--%s takes no value", d->name);
            return -1;
        }
        if (d->set(o, val, err, errlen) != 0) return -1;
    }
    if (o->data && o->generator_option) {
        snprintf(err, errlen, "--data cannot be combined with --individuals or --seed");
        return -1;
    }
    if (att_sbx_fault_has(&o->faults, ATT_SBX_FAULT_ECHO_BASIC) && !o->oauth_client) {
        snprintf(err, errlen, "--fault echo-basic needs --oauth-client (it answers token requests)");
        return -1;
    }
    if (!o->tls_cert != !o->tls_key) {
        snprintf(err, errlen, "--%s needs --%s too", o->tls_cert ? "tls-cert" : "tls-key",
                 o->tls_cert ? "tls-key" : "tls-cert");
        return -1;
    }
    return 0;
}

/* Whether text has a "-----BEGIN ...LABEL-----" line. */
static int has_pem_block(const char *text, const char *label)
{
    size_t ll = strlen(label);
    for (const char *p = strstr(text, "-----BEGIN "); p; p = strstr(p + 1, "-----BEGIN ")) {
        const char *l = p + 11;
        const char *end = strstr(l, "-----");
        if (!end) return 0;
        size_t n = (size_t)(end - l);
        if (!memchr(l, '\n', n) && n >= ll && memcmp(end - ll, label, ll) == 0) return 1;
    }
    return 0;
}

/* Reads a PEM file that must hold a block whose label ends in `label` (e.g. "CERTIFICATE", "PRIVATE
 * KEY"); 0 with the NUL-terminated text in *out (free it), or -1 with a message naming the file. */
static int read_pem(const char *opt, const char *path, const char *label, char **out, char *err, size_t errlen)
{
    *out = NULL;
    AttBuf b = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "--%s %s: cannot read: %s", opt, path, strerror(errno));
        return -1;
    }
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len <= ATT_SBX_MAX_BODY) att_buf_add(&b, chunk, n);
    int bad = ferror(fp);
    fclose(fp);
    if (bad || b.oom) {
        snprintf(err, errlen, "--%s %s: cannot read: %s", opt, path, strerror(bad ? EIO : ENOMEM));
        att_buf_free(&b);
        return -1;
    }
    if (b.len > ATT_SBX_MAX_BODY || !b.data || strlen(b.data) != b.len || !has_pem_block(b.data, label)) {
        snprintf(err, errlen, "--%s %s: not a PEM file with a %s", opt, path,
                 strcmp(label, "CERTIFICATE") == 0 ? "certificate" : "private key");
        att_buf_free(&b);
        return -1;
    }
    *out = att_buf_take(&b, NULL);
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* Serves until SIGINT or SIGTERM. Those signals stay blocked in every thread but this one while it
 * waits in sigsuspend, so no libmicrohttpd thread is ever interrupted by them. */
static int serve(Options *o, const SbxData *data)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &wait_mask);
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGTERM);

    SbxServerConfig cfg = {
        .host = o->host,
        .port = (unsigned)o->port,
        .data = data,
        .max_page_size = (unsigned)o->max_page_size,
        .paging = o->paging,
        .appname = o->appname,
        .token = o->token,
        .oauth_client = o->oauth_client,
        .token_ttl_s = (unsigned)o->token_ttl,
        .latency_ms = (unsigned)o->latency_ms,
        .rate_limit = o->rate_limit,
        .faults = &o->faults,
        .tls_cert = o->cert_pem,
        .tls_key = o->key_pem,
        .verbose = o->verbose,
        .strict = o->strict,
    };
    SbxServer *server;
    char url[512], err[256];
    int rc = att_sbx_server_start(&server, &cfg, url, sizeof url, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return rc == -2 ? 2 : 1;
    }
    printf("%s\n", url);
    fflush(stdout);

    while (!g_stop) sigsuspend(&wait_mask);

    if (o->rate_limit.rate > 0)
        fprintf(stderr, PROG ": rate limit: %llu requests refused\n",
                (unsigned long long)att_sbx_server_rate_refused(server));
    att_sbx_server_stop(server);
    return 0;
}

int main(int argc, char **argv)
{
    Options o = {
        .host = "127.0.0.1",
        .port = 8080,
        .individuals = 1000,
        .seed = 1,
        .max_page_size = 100,
        .paging = ATT_SBX_PAGING_PAGE,
        .token_ttl = 3600,
        .faults = {.seed = 1},
    };
    char err[512];
    if (parse_args(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        att_sbx_fault_free(&o.faults);
        return 2;
    }
    if (o.help || o.version) {
        if (o.help)
            usage(stdout);
        else
            printf(PROG " " ATT_VERSION "\n");
        att_sbx_fault_free(&o.faults);
        return fflush(stdout) == 0 ? 0 : 1;
    }

    if (o.tls_cert && (read_pem("tls-cert", o.tls_cert, "CERTIFICATE", &o.cert_pem, err, sizeof err) != 0 ||
                       read_pem("tls-key", o.tls_key, "PRIVATE KEY", &o.key_pem, err, sizeof err) != 0)) {
        fprintf(stderr, PROG ": %s\n", err);
        free(o.cert_pem);
        att_sbx_fault_free(&o.faults);
        return 2;
    }

    SbxData *data = NULL;
    int rc;
    if (o.data)
        rc = att_sbx_data_load(&data, o.data, err, sizeof err) == 0 ? 0 : 2;
    else
        rc = att_sbx_data_generate(&data, o.individuals, o.seed, err, sizeof err) == 0 ? 0 : 1;
    if (rc != 0) {
        fprintf(stderr, PROG ": %s\n", err);
    } else if (o.dump) {
        if (att_sbx_data_dump(data, stdout) != 0) {
            fprintf(stderr, PROG ": --dump: %s\n", strerror(errno));
            rc = 1;
        }
    } else {
        rc = serve(&o, data);
    }
    att_sbx_data_free(data);
    att_sbx_fault_free(&o.faults);
    free(o.cert_pem);
    if (o.key_pem) memset(o.key_pem, 0, strlen(o.key_pem));
    free(o.key_pem);
    return rc;
}
