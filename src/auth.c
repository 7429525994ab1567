/* auth.c — static bearer token or OAuth 2.0 client credentials (see auth.h). The token response is
 * parsed with cJSON so that this layer stays free of Lua. */
#include "auth.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"

struct AttAuth {
    char *token, *token_url, *client_id, *client_secret, *scope;
    char *access;                 /* the cached access token */
    double expires_at;            /* monotonic; 0: no known expiry */
    AttHttp *http;
    int fetches;                  /* token requests made */
    int gen;                      /* tokens obtained: the generation of a->access */
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dupstr(const char *s, int *oom)
{
    char *p;
    size_t n;
    if (!s) return NULL;
    n = strlen(s) + 1;
    p = malloc(n);
    if (!p) { *oom = 1; return NULL; }
    memcpy(p, s, n);
    return p;
}

static void wipe_free(char *s)
{
    if (!s) return;
    memset(s, 0, strlen(s));
    free(s);
}

double att_auth_margin(double expires_in)
{
    double m = expires_in * 0.1;
    return m > 60.0 ? 60.0 : m;
}

AttAuth *att_auth_new(const AttAuthConfig *cfg, char *err, size_t errlen)
{
    AttAuth *a;
    int oom = 0;
    err[0] = '\0';
    if (!(cfg->token && *cfg->token) && !(cfg->token_url && *cfg->token_url)) return NULL;
    if (cfg->token_url && *cfg->token_url) {
        if (strncmp(cfg->token_url, "https://", 8) != 0 && strncmp(cfg->token_url, "http://", 7) != 0) {
            snprintf(err, errlen, "ATT_TOKEN_URL must be an http:// or https:// URL");
            return NULL;
        }
        if (!cfg->client_id || !*cfg->client_id || !cfg->client_secret || !*cfg->client_secret) {
            snprintf(err, errlen, "OAuth needs ATT_CLIENT_ID and ATT_CLIENT_SECRET (or ATT_CLIENT_SECRET_FILE) with ATT_TOKEN_URL");
            return NULL;
        }
    }
    a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, errlen, "out of memory"); return NULL; }
    if (cfg->token_url && *cfg->token_url) {
        a->token_url = dupstr(cfg->token_url, &oom);
        a->client_id = dupstr(cfg->client_id, &oom);
        a->client_secret = dupstr(cfg->client_secret, &oom);
        a->scope = dupstr(cfg->scope && *cfg->scope ? cfg->scope : NULL, &oom);
    } else {
        a->token = dupstr(cfg->token, &oom);
    }
    if (oom) {
        att_auth_free(a);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return a;
}

void att_auth_free(AttAuth *a)
{
    if (!a) return;
    wipe_free(a->token);
    wipe_free(a->client_secret);
    wipe_free(a->access);
    free(a->token_url);
    free(a->client_id);
    free(a->scope);
    free(a);
}

void att_auth_bind(AttAuth *a, AttHttp *http)
{
    if (a) a->http = http;
}

int att_auth_fetches(const AttAuth *a)
{
    return a ? a->fetches : 0;
}

/* application/x-www-form-urlencoded value. */
static void form_escape(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out[o++] = (char)c;
        else if (c == ' ') out[o++] = '+';
        else { out[o++] = '%'; out[o++] = hex[c >> 4]; out[o++] = hex[c & 15]; }
    }
    out[o] = '\0';
}

/* Asks the token endpoint for a new access token. */
static int fetch(AttAuth *a, char *err, size_t errlen, long *status)
{
    char form[1200], scope[1024], shown[1024];
    AttResponse r;
    cJSON *doc = NULL, *tok, *exp;
    int rc = -1;

    if (a->scope) {
        form_escape(a->scope, scope, sizeof scope);
        snprintf(form, sizeof form, "grant_type=client_credentials&scope=%s", scope);
    } else {
        snprintf(form, sizeof form, "grant_type=client_credentials");
    }
    att_url_strip_userinfo(a->token_url, shown, sizeof shown);
    a->fetches++;
    if (att_http_post_form(a->http, a->token_url, a->client_id, a->client_secret, form, &r) != ATT_HTTP_OK) {
        snprintf(err, errlen, "token request to %s failed: %s", shown, r.errmsg);
        *status = 0;
        goto done;
    }
    *status = r.status;
    if (r.status < 200 || r.status > 299) {
        char detail[200] = "";
        doc = r.body ? cJSON_ParseWithLength(r.body, r.len) : NULL;
        if (doc) {
            cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
            cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
            snprintf(detail, sizeof detail, "%s%s%s", cJSON_IsString(e) ? e->valuestring : "",
                     cJSON_IsString(e) && cJSON_IsString(d) ? ": " : "", cJSON_IsString(d) ? d->valuestring : "");
        }
        att_one_line(detail, strlen(detail), detail, sizeof detail);
        snprintf(err, errlen, "token endpoint %s answered HTTP %ld%s%s", shown, r.status, detail[0] ? ": " : "", detail);
        goto done;
    }
    doc = r.body ? cJSON_ParseWithLength(r.body, r.len) : NULL;
    tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
    if (!cJSON_IsString(tok) || !*tok->valuestring || strpbrk(tok->valuestring, "\r\n")) {
        snprintf(err, errlen, "token endpoint %s gave no usable access_token", shown);
        goto done;
    }
    wipe_free(a->access);
    a->access = malloc(strlen(tok->valuestring) + 1);
    if (!a->access) { snprintf(err, errlen, "out of memory"); goto done; }
    strcpy(a->access, tok->valuestring);
    exp = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");
    a->expires_at = 0;
    if (cJSON_IsNumber(exp) && exp->valuedouble > 0)
        a->expires_at = mono() + exp->valuedouble - att_auth_margin(exp->valuedouble);
    else if (cJSON_IsString(exp) && atof(exp->valuestring) > 0)   /* some servers send "3600" */
        a->expires_at = mono() + atof(exp->valuestring) - att_auth_margin(atof(exp->valuestring));
    a->gen++;
    rc = 0;
done:
    if (r.body) memset(r.body, 0, r.len);
    att_response_free(&r);
    cJSON_Delete(doc);
    return rc;
}

int att_auth_header(void *ud, int *gen, char *hdr, size_t hdrlen, char *err, size_t errlen, long *status)
{
    AttAuth *a = ud;
    int refused = *gen;
    *status = 0;
    *gen = 0;
    if (!a) { hdr[0] = '\0'; return 0; }
    if (a->token) {
        snprintf(hdr, hdrlen, "Bearer %s", a->token);
        return 0;
    }
    /* A 401 for a token that was since replaced needs no new one. */
    if ((refused && refused == a->gen) || !a->access || (a->expires_at > 0 && mono() >= a->expires_at)) {
        if (fetch(a, err, errlen, status) != 0) return -1;
    }
    *gen = a->gen;
    snprintf(hdr, hdrlen, "Bearer %s", a->access);
    return 0;
}
