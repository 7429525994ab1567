/* oauth.h — an OAuth 2.0 token endpoint for one client, client-credentials grant only (RFC 6749
 * section 4.4), and the table of the access tokens it issued (RFC 6750 bearer tokens).
 *
 * Tokens are opaque random strings, valid for the TTL (on the server's monotonic clock) unless an
 * expire-tokens fault ends them all early. The table keeps the last ATT_SBX_OAUTH_MAX_TOKENS; older
 * ones are forgotten (and so invalid). Thread-safe: one mutex guards the table. No function here
 * writes a secret or a token anywhere but into the token response (where the echo-basic fault
 * also puts the request's own credentials, on purpose). */
#ifndef ATT_SBX_OAUTH_H
#define ATT_SBX_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define ATT_SBX_OAUTH_MAX_TOKENS    1000
#define ATT_SBX_OAUTH_DEFAULT_SCOPE "omni-svcs"

typedef struct SbxOAuth SbxOAuth;

/* `client` is "ID:SECRET" (checked by att_sbx_oauth_check_client); copied. NULL when out of memory
 * or when the mutex cannot be made. */
SbxOAuth *att_sbx_oauth_new(const char *client, unsigned ttl_s);
void att_sbx_oauth_free(SbxOAuth *o);
/* 0 when spec is a usable "ID:SECRET", else -1 with a message (that never shows the secret). */
int att_sbx_oauth_check_client(const char *spec, char *err, size_t errlen);

/* One answer of the token endpoint. */
typedef struct SbxTokenReply {
    unsigned status;              /* 200, 400, 401 or 500; or an echo-basic fault's */
    const char *error;            /* OAuth error code, or NULL on success */
    const char *www_authenticate; /* header value for a 401, else NULL */
    AttBuf body;                  /* JSON; the caller frees it */
    char client[72];              /* the client id the request named (printable), or "-" */
    uint64_t issued;              /* access tokens issued so far, this one included */
} SbxTokenReply;

/* Handles POST to the token endpoint: the Content-Type and Authorization request headers (either
 * may be NULL) and the form body. `echo` is 0, or the HTTP status of an echo-basic fault: 200 adds
 * "echo":AUTHORIZATION to the usual answer; any other status answers invalid_client with the
 * Authorization value in error_description instead, and issues no token. Either way the value is
 * escaped as att_sbx_json_php does, "(none)" when there is no header. */
void att_sbx_oauth_token(SbxOAuth *o, const char *content_type, const char *authorization, const char *body, size_t len,
                         unsigned echo, SbxTokenReply *r);

typedef enum SbxTokenState {
    ATT_SBX_TOKEN_VALID,
    ATT_SBX_TOKEN_UNKNOWN, /* never issued (or long forgotten) */
    ATT_SBX_TOKEN_EXPIRED  /* its TTL ran out, or an expire-tokens fault ended it */
} SbxTokenState;

SbxTokenState att_sbx_oauth_check(SbxOAuth *o, const char *token, size_t len);
/* Ends every token issued so far (the expire-tokens fault). */
void att_sbx_oauth_expire_all(SbxOAuth *o);

#endif
