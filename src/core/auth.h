/* auth.h — the Authorization header for API requests: a static bearer token (ATT_TOKEN), or OAuth 2.0
 * client credentials (RFC 6749 section 4.4): HTTP Basic client authentication to the token
 * endpoint with grant_type=client_credentials, the access token cached for the run and renewed
 * shortly before expires_in runs out, or at once when the API answers 401. A credential belongs to
 * one origin (scheme, host and port of the base URL it was configured with) and is given only for
 * requests to that origin. Every access token issued is added to the run's redactor before it is
 * used. Plain C, no Lua. */
#ifndef ATT_AUTH_H
#define ATT_AUTH_H

#include <stddef.h>

#include "core/http.h"
#include "core/redact.h"

typedef struct AttAuth AttAuth;

typedef struct AttAuthConfig {
    const char *origin;    /* "scheme://host:port" the credential belongs to */
    const char *token;     /* static bearer token, or NULL */
    const char *token_url; /* OAuth token endpoint, or NULL */
    const char *client_id;
    const char *client_secret;
    const char *scope; /* optional */
    AttRedact *redact; /* access tokens are added here; borrowed */
} AttAuthConfig;

/* NULL when neither a token nor a token URL is configured (no Authorization header), or on a bad
 * configuration (err says what). Copies the strings. */
AttAuth *att_auth_new(const AttAuthConfig *cfg, char *err, size_t errlen);
void att_auth_free(AttAuth *a);

/* The client used for token requests (set once the client exists). */
void att_auth_bind(AttAuth *a, AttHttp *http);

/* The AttAuthFn given to the HTTP client; ud is the AttAuth. */
int att_auth_header(void *ud, const char *origin, int *gen, char **hdr, char *err, size_t errlen, long *status);

/* How many access tokens were fetched so far. */
int att_auth_fetches(const AttAuth *a);

/* Seconds before expiry at which a cached token is renewed, for a token valid for expires_in. */
double att_auth_margin(double expires_in);

/* Checks a credential before it is used or sent: at least ATT_SECRET_MIN and at most
 * ATT_SECRET_MAX bytes, no control character. 0, or -1 with a one-line reason naming what (e.g.
 * "ATT_TOKEN") in err. */
int att_auth_check_secret(const char *what, const char *s, char *err, size_t errlen);

/* 1 when the environment variable name[0..len) holds a credential (ATT_TOKEN, ATT_CLIENT_SECRET):
 * never given to a --safe script, never kept in a run's journal. */
int att_auth_secret_var(const char *name, size_t len);

#endif
