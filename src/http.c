/* http.c — the HTTP core on libcurl: one reused easy handle, fixed headers, capped bodies.
 * Owns: the curl handle, the header list, copies of the configuration strings. */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct AttHttp {
    CURL *curl;
    struct curl_slist *headers;
    char *base_url;
    long timeout_ms, connect_timeout_ms;
    size_t max_response;
    long requests, bytes, connects;
};

static int global_ready;   /* curl_global_init done; the host is single-threaded */

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

int att_http_method_ok(const char *method)
{
    /* An HTTP token of upper-case letters, as every method we could mean is. */
    size_t n = 0;
    if (!method) return 0;
    for (; method[n]; n++)
        if (method[n] < 'A' || method[n] > 'Z') return 0;
    return n > 0 && n <= 16;
}

void att_url_strip_userinfo(const char *url, char *buf, size_t buflen)
{
    const char *scheme = strstr(url, "://");
    if (buflen == 0) return;
    if (scheme) {
        const char *host = scheme + 3;
        size_t hostlen = strcspn(host, "/?#");
        const char *at = memchr(host, '@', hostlen);
        if (at) {
            snprintf(buf, buflen, "%.*s%s", (int)(host - url), url, at + 1);
            return;
        }
    }
    snprintf(buf, buflen, "%s", url);
}

const char *att_http_reason(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unexpected Status";
    }
}

AttHttp *att_http_new(const AttHttpConfig *cfg, char *err, size_t errlen)
{
    AttHttp *h = calloc(1, sizeof *h);
    char line[1024];
    struct curl_slist *l = NULL;
    size_t n;

    if (!h) { snprintf(err, errlen, "out of memory"); return NULL; }
    if (!global_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "libcurl failed to initialise");
            free(h);
            return NULL;
        }
        global_ready = 1;
    }
    h->base_url = dupstr(cfg->base_url);
    if (!h->base_url) goto nomem;
    n = strlen(h->base_url);
    while (n > 0 && h->base_url[n - 1] == '/') h->base_url[--n] = '\0';
    h->timeout_ms = cfg->timeout_ms;
    h->connect_timeout_ms = cfg->connect_timeout_ms;
    h->max_response = cfg->max_response;

    /* One list for the whole run. "Expect:" stops libcurl from waiting for 100-continue on
     * larger bodies, which gateways often do not send. */
#define ADD(s) do { struct curl_slist *t_ = curl_slist_append(l, (s)); if (!t_) goto nomem; l = t_; } while (0)
    ADD("accept: application/json");
    ADD("content-type: application/json");
    ADD("Expect:");
    if (cfg->appname && *cfg->appname) {
        snprintf(line, sizeof line, "appname: %s", cfg->appname);
        ADD(line);
    }
    if (cfg->token && *cfg->token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", cfg->token);
        ADD(line);
        memset(line, 0, sizeof line);
    }
#undef ADD
    h->headers = l;
    l = NULL;

    h->curl = curl_easy_init();
    if (!h->curl) goto nomem;
    return h;

nomem:
    curl_slist_free_all(l);
    att_http_free(h);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

void att_http_free(AttHttp *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    free(h->base_url);
    free(h);
}

void att_http_url(const AttHttp *h, const char *path, char *buf, size_t buflen)
{
    char full[2048];
    snprintf(full, sizeof full, "%s%s", h->base_url, path);
    att_url_strip_userinfo(full, buf, buflen);
}

void att_http_counters(const AttHttp *h, long *requests, long *bytes, long *connects)
{
    *requests = h ? h->requests : 0;
    *bytes = h ? h->bytes : 0;
    *connects = h ? h->connects : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    AttResponse *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > r->limit) {
        r->err = ATT_HTTP_ETOOBIG;
        return 0;                       /* makes libcurl abort with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        char *p;
        while (cap < r->len + n + 1) cap *= 2;
        if (cap > r->limit + 1) cap = r->limit + 1;
        p = realloc(r->body, cap);
        if (!p) { r->err = ATT_HTTP_ENOMEM; return 0; }
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Copies the value of "Name: value\r\n" into dst when the header name matches. */
static void take_header(const char *line, size_t n, const char *name, char *dst, size_t dstlen)
{
    size_t k = strlen(name);
    if (n > k && strncasecmp(line, name, k) == 0 && line[k] == ':') {
        const char *v = line + k + 1;
        const char *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
        snprintf(dst, dstlen, "%.*s", (int)(end - v), v);
    }
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    AttResponse *r = ud;
    size_t n = size * nmemb;
    /* A new status line (after 100-continue or a redirect) starts a new header set. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        r->content_type[0] = '\0';
        r->retry_after[0] = '\0';
    }
    take_header(line, n, "content-type", r->content_type, sizeof r->content_type);
    take_header(line, n, "retry-after", r->retry_after, sizeof r->retry_after);
    return n;
}

static AttHttpErr fail(AttResponse *out, AttHttpErr e, const char *msg)
{
    out->err = e;
    snprintf(out->errmsg, sizeof out->errmsg, "%s", msg);
    return e;
}

AttHttpErr att_http_perform(AttHttp *h, const char *method, const char *path,
                            const char *body, size_t body_len, AttResponse *out)
{
    char url[2048], cerr[CURL_ERROR_SIZE];
    CURL *c = h->curl;
    CURLcode rc;
    int n;

    memset(out, 0, sizeof *out);
    out->limit = h->max_response;
    if (!att_http_method_ok(method)) return fail(out, ATT_HTTP_EUSAGE, "invalid HTTP method");
    n = snprintf(url, sizeof url, "%s%s", h->base_url, path);
    if (n < 0 || (size_t)n >= sizeof url) return fail(out, ATT_HTTP_EUSAGE, "URL too long");

    curl_easy_reset(c);                 /* keeps the connection cache and the TLS session */
    cerr[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "att/" ATT_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    if (strcmp(method, "GET") == 0 && !body) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    }

    rc = curl_easy_perform(c);
    h->requests++;
    h->bytes += (long)out->len;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    {
        long nc = 0;
        if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK) h->connects += nc;
    }
    if (rc == CURLE_OK) return ATT_HTTP_OK;

    if (out->err == ATT_HTTP_ETOOBIG) {
        snprintf(out->errmsg, sizeof out->errmsg,
                 "response body larger than the %zu-byte limit (--max-response)", h->max_response);
        return out->err;
    }
    if (out->err == ATT_HTTP_ENOMEM) return fail(out, ATT_HTTP_ENOMEM, "out of memory reading response");
    out->err = (rc == CURLE_OPERATION_TIMEDOUT) ? ATT_HTTP_ETIMEOUT : ATT_HTTP_ENETWORK;
    /* libcurl's own wording, which names the host and the cause; never contains headers. */
    snprintf(out->errmsg, sizeof out->errmsg, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
    return out->err;
}

void att_response_free(AttResponse *r)
{
    if (!r) return;
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
}
