/* redact.h — the one redaction mechanism of the run. Plain C, no Lua.
 *
 * An AttRedact knows every credential of the run: the static token, each OAuth access token issued
 * (every generation), the client secret and the HTTP Basic forms of client id and secret, the
 * password of a URL's user info. It finds them in any text in the encodings servers echo them in:
 * raw, JSON-escaped (\/, \", \\ and \u00XX), percent-encoded (either case), form-encoded ('+'),
 * and as HTML character references (&#47; &#x2F; &quot; ...), mixed freely. Every text that leaves
 * att (error objects, --verbose and --trace lines, recordings, page data, the prompt) passes
 * through att_redact_apply or att_redact_line as a whole, never in fragments. */
#ifndef ATT_REDACT_H
#define ATT_REDACT_H

#include <stddef.h>

#include "common/buf.h"

/* Credentials shorter than this are refused where they are configured: redacting them would
 * mangle every message (and they are too short to be secret). */
#define ATT_SECRET_MIN 8
/* The longest credential att sends (a token in an Authorization header). */
#define ATT_SECRET_MAX 16384
#define ATT_REDACTED   "[REDACTED]"

typedef struct AttRedact AttRedact;

AttRedact *att_redact_new(void);
/* Wipes every credential and frees. */
void att_redact_free(AttRedact *r);

/* Adds a credential (copied). 0, or -1 when out of memory. Adding one twice is harmless. */
int att_redact_add(AttRedact *r, const char *s, size_t n);
/* Adds "user:password" and its base64 (the value of an HTTP Basic header). */
int att_redact_add_basic(AttRedact *r, const char *user, const char *password);
size_t att_redact_count(const AttRedact *r);

/* The first credential in s[from..n), in any encoding: 1 with its offset and length, or 0. */
int att_redact_find(const AttRedact *r, const char *s, size_t n, size_t from, size_t *at, size_t *len);

/* Appends s with every credential replaced by [REDACTED] to out and returns how many were
 * replaced; when none was, nothing is appended (the caller keeps using s). */
size_t att_redact_apply(const AttRedact *r, const char *s, size_t n, AttBuf *out);

/* A log line: the credentials as above, and also the values of Authorization, Proxy-Authorization,
 * Cookie and Set-Cookie headers and of JSON or form fields named like secrets (access_token,
 * client_secret, password, passcode, otp, ...). Appends the result to out (always). r may be NULL. */
void att_redact_line(const AttRedact *r, const char *s, size_t n, AttBuf *out);

#endif
