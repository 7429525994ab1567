/* text.h — small text, URL and clock helpers of the core. Plain C, no Lua. */
#ifndef ATT_TEXT_H
#define ATT_TEXT_H

#include <stddef.h>

#include "common/buf.h"
#include "common/utf8.h"

/* Monotonic seconds. */
double att_now(void);

/* malloc'd copy of s (NULL for NULL or out of memory). */
char *att_strdup(const char *s);

/* Copies the first line of text into dst, control characters as spaces, at most dstlen-1 bytes,
 * never cutting a UTF-8 sequence. */
void att_one_line(const char *src, size_t n, char *dst, size_t dstlen);

/* Writes v in decimal with a comma between groups of three digits ("12,345", "-1,000"), always
 * terminated (a buffer of 32 bytes holds any long long). */
void att_text_thousands(long long v, char *out, size_t outlen);

/* Appends s[0..n) to out so that it prints as one harmless line on a terminal: C0 and C1 control
 * characters, DEL and bytes that are not UTF-8 become \n, \r, \t, \e, \xHH; a backslash stays as
 * it is. */
void att_text_escape(const char *s, size_t n, AttBuf *out);

/* 1 when s[0..n) may be sent as an HTTP header value: no control character (CR, LF, tab, NUL ...)
 * and no DEL. */
int att_header_value_ok(const char *s, size_t n);

/* The URL without any user:password@ part (always terminated). */
void att_url_strip_userinfo(const char *url, char *buf, size_t buflen);

/* The origin of an http(s) URL, "scheme://host:port" (scheme and host in lower case, the port
 * always written). 0, or -1 when url is not an http:// or https:// URL with a host. */
int att_url_origin(const char *url, char *out, size_t outlen);

/* The user and password of a URL's user:password@ part, percent-decoded, into user and pass (user
 * may be NULL); 0 when there is a password, -1 when there is none. */
int att_url_userinfo(const char *url, char *user, size_t userlen, char *pass, size_t passlen);

/* Checks a request path relative to the base URL: it starts with one '/', has no "." or ".."
 * segment (also percent-encoded, or double-encoded), no encoded '/' or '\', no backslash, control
 * character, space or '#', so that it cannot leave the base path or name another host. 0, or -1
 * with a one-line reason in err. */
int att_path_check(const char *path, char *err, size_t errlen);

#endif
