/* auth.c — static bearer token or OAuth 2.0 client credentials (see auth.h). The token response is
 * parsed with cJSON so that this layer stays free of Lua. */
#include "core/auth.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/text.h"

struct AttAuth {
    char *origin; /* where the API credential may go */
    char *token, *token_url, *client_id, *client_secret, *scope;
    char *access;      /* the cached access token */
    double expires_at; /* monotonic; 0: no known expiry */
    AttHttp *http;
    int fetches; /* token requests made */
    int gen;     /* tokens obtained: the generation of a->access */
    AttRedact *redact;
    AttXfer *fetching; /* the token request in flight, or NULL */
};

/* att_strdup that remembers a failure in *oom (NULL stays NULL). */
static char *own(const char *s, int *oom)
{
    char *p = att_strdup(s);
    if (s && !p) *oom = 1;
    return p;
}

static void wipe_free(char *s)
{
    if (!s) return;
    memset(s, 0, strlen(s));
    free(s);
}

int att_auth_check_secret(const char *what, const char *s, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n < ATT_SECRET_MIN) {
        snprintf(err, errlen,
                 "%s is shorter than %d characters: too short to be a credential, and it could not be "
                 "kept out of messages without mangling them",
                 what, ATT_SECRET_MIN);
        return -1;
    }
    if (n > ATT_SECRET_MAX) {
        snprintf(err, errlen, "%s is longer than %d characters, the most att sends in a header", what, ATT_SECRET_MAX);
        return -1;
    }
    if (!att_header_value_ok(s, n)) {
        snprintf(err, errlen, "%s contains control characters (a line break?)", what);
        return -1;
    }
    return 0;
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
            snprintf(err, errlen,
                     "OAuth needs ATT_CLIENT_ID and ATT_CLIENT_SECRET (or ATT_CLIENT_SECRET_FILE) with ATT_TOKEN_URL");
            return NULL;
        }
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->redact = cfg->redact;
    a->origin = own(cfg->origin ? cfg->origin : "", &oom);
    if (cfg->token_url && *cfg->token_url) {
        a->token_url = own(cfg->token_url, &oom);
        a->client_id = own(cfg->client_id, &oom);
        a->client_secret = own(cfg->client_secret, &oom);
        a->scope = own(cfg->scope && *cfg->scope ? cfg->scope : NULL, &oom);
    } else {
        a->token = own(cfg->token, &oom);
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
    att_xfer_free(a->fetching);
    free(a->origin);
    free(a->token_url);
    free(a->client_id);
    free(a->scope);
    free(a);
}

void att_auth_bind(AttAuth *a, AttHttp *http)
{
    if (a) a->http = http;
}

int att_auth_fetches(const AttAuth *a) { return a ? a->fetches : 0; }

/* application/x-www-form-urlencoded value. */
static void form_escape(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s && o + 4 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            out[o++] = (char)c;
        else if (c == ' ')
            out[o++] = '+';
        else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

/* Queues a request for a new access token on the client: a transfer like the API's (same retries,
 * pacing, logging). Returns 1 (pending), or -1 with a message. */
static int start_fetch(AttAuth *a, char *err, size_t errlen)
{
    char form[1200], scope[1024];
    if (a->scope) {
        form_escape(a->scope, scope, sizeof scope);
        snprintf(form, sizeof form, "grant_type=client_credentials&scope=%s", scope);
    } else {
        snprintf(form, sizeof form, "grant_type=client_credentials");
    }
    a->fetching = att_xfer_form(a->http, a->token_url, a->client_id, a->client_secret, form);
    if (!a->fetching) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->fetches++;
    return 1;
}

/* Takes the answer of the token request that ended: the new access token (0), or -1 with a
 * message and the HTTP status, if any. */
static int finish_fetch(AttAuth *a, char *err, size_t errlen, long *status)
{
    char shown[1024], detail_err[200];
    AttResponse *rp = att_xfer_response(a->fetching), r = *rp;
    cJSON *doc = NULL, *tok, *exp;
    int rc = -1;

    memset(rp, 0, sizeof *rp); /* the body is ours now */
    att_xfer_free(a->fetching);
    a->fetching = NULL;
    att_url_strip_userinfo(a->token_url, shown, sizeof shown);
    if (r.err != ATT_HTTP_OK) {
        snprintf(err, errlen, "token request to %s failed: %s", shown, r.errmsg);
        *status = 0;
        goto done;
    }
    *status = r.status;
    if (r.status < 200 || r.status > 299) {
        char detail[200] = "";
        AttBuf raw = {0}, clean = {0};
        doc = r.body.data ? cJSON_ParseWithLength(r.body.data, r.body.len) : NULL;
        if (doc) {
            cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
            cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
            att_buf_adds(&raw, cJSON_IsString(e) ? e->valuestring : "");
            att_buf_adds(&raw, cJSON_IsString(e) && cJSON_IsString(d) ? ": " : "");
            att_buf_adds(&raw, cJSON_IsString(d) ? d->valuestring : "");
        }
        /* The endpoint may echo what it was sent (the Basic header, the secret): redacted whole. */
        if (att_redact_apply(a->redact, raw.data ? raw.data : "", raw.len, &clean) > 0)
            att_one_line(clean.data, clean.len, detail, sizeof detail);
        else
            att_one_line(raw.data ? raw.data : "", raw.len, detail, sizeof detail);
        att_buf_wipe_free(&raw);
        att_buf_wipe_free(&clean);
        snprintf(err, errlen, "token endpoint %s answered HTTP %ld%s%s", shown, r.status, detail[0] ? ": " : "",
                 detail);
        goto done;
    }
    doc = r.body.data ? cJSON_ParseWithLength(r.body.data, r.body.len) : NULL;
    tok = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
    if (!cJSON_IsString(tok) || !*tok->valuestring) {
        snprintf(err, errlen, "token endpoint %s gave no usable access_token", shown);
        goto done;
    }
    if (att_auth_check_secret("the access_token from the token endpoint", tok->valuestring, detail_err,
                              sizeof detail_err) != 0) {
        snprintf(err, errlen, "token endpoint %s: %s", shown, detail_err);
        goto done;
    }
    /* Known to the redactor before it is sent anywhere or can be echoed back. */
    if (att_redact_add(a->redact, tok->valuestring, strlen(tok->valuestring)) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    wipe_free(a->access);
    a->access = malloc(strlen(tok->valuestring) + 1);
    if (!a->access) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    strcpy(a->access, tok->valuestring);
    exp = cJSON_GetObjectItemCaseSensitive(doc, "expires_in");
    a->expires_at = 0;
    if (cJSON_IsNumber(exp) && exp->valuedouble > 0)
        a->expires_at = att_now() + exp->valuedouble - att_auth_margin(exp->valuedouble);
    else if (cJSON_IsString(exp) && atof(exp->valuestring) > 0) /* some servers send "3600" */
        a->expires_at = att_now() + atof(exp->valuestring) - att_auth_margin(atof(exp->valuestring));
    a->gen++;
    rc = 0;
done:
    att_buf_wipe_free(&r.body);
    cJSON_Delete(doc);
    return rc;
}

/* *hdr = "Bearer " + token, malloc'd. */
static int bearer(const char *token, char **hdr, char *err, size_t errlen)
{
    size_t n = strlen(token) + sizeof "Bearer ";
    *hdr = malloc(n);
    if (!*hdr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(*hdr, n, "Bearer %s", token);
    return 0;
}

int att_auth_header(void *ud, const char *origin, int *gen, char **hdr, char *err, size_t errlen, long *status)
{
    AttAuth *a = ud;
    int refused = *gen;
    *status = 0;
    *gen = 0;
    *hdr = NULL;
    /* No credential, or one that belongs to another origin: the request goes without. */
    if (!a || !origin || strcmp(origin, a->origin) != 0) return 0;
    if (a->token) return bearer(a->token, hdr, err, errlen);
    /* Every API attempt needs the access token for its header, so while the token request is in
     * flight the API's transfers wait (the client's loop asks again); they never block it. */
    if (a->fetching) {
        if (!att_xfer_done(a->fetching)) return 1;
        if (finish_fetch(a, err, errlen, status) != 0) return -1;
    }
    /* A 401 for a token that was since replaced needs no new one. */
    if ((refused && refused == a->gen) || !a->access || (a->expires_at > 0 && att_now() >= a->expires_at))
        return start_fetch(a, err, errlen);
    *gen = a->gen;
    return bearer(a->access, hdr, err, errlen);
}

int att_auth_secret_var(const char *name, size_t len)
{
    return (len == 9 && strncmp(name, "ATT_TOKEN", 9) == 0) ||
           (len == 17 && strncmp(name, "ATT_CLIENT_SECRET", 17) == 0);
}
