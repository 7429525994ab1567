/* jsonw.h — the sandbox's JSON text writers, on top of the common growable buffer (AttBuf): string
 * literals escaped as cJSON escapes them, string contents escaped as a PHP server would, and
 * reopening a finished object for one more member. Like every AttBuf append, they never report
 * failure one by one: the owner checks `oom` once at the end, which keeps the renderers, with
 * hundreds of appends per individual, free of error plumbing. */
#ifndef ATT_SBX_JSONW_H
#define ATT_SBX_JSONW_H

#include "common/buf.h"

/* A JSON string literal, quotes included, escaped as cJSON escapes (so that generated text and
 * text re-rendered by cJSON_PrintUnformatted agree byte for byte). UTF-8 passes through. */
void att_sbx_json_str(AttBuf *b, const char *s);
/* The inside of a JSON string literal (no quotes) escaped as PHP's json_encode does by default, as a
 * PHP API server would echo a value: '"', '\\' and also '/' get a backslash, other non-ASCII
 * characters become \uXXXX (surrogate pairs above U+FFFF), bytes that are not UTF-8 \ufffd (PHP's
 * JSON_INVALID_UTF8_SUBSTITUTE: the result is always valid JSON), and every control character
 * \u00XX (where PHP writes \t, \n... for five of them: one spelling keeps tests simple). */
void att_sbx_json_php(AttBuf *b, const char *s);
/* Reopens the JSON object that ends the buffer (its last byte is '}') for one more member: drops
 * the '}' and appends ',' unless the object is empty. 0, or -1 when the buffer does not end with
 * '}' or has failed. The caller then appends "NAME":VALUE and the closing '}'. */
int att_sbx_json_reopen(AttBuf *b);
/* The index just past the JSON value that starts at s[i] (a string, object, array or scalar;
 * len when it does not end). Skips no leading space. */
size_t att_sbx_json_skip(const char *s, size_t len, size_t i);
/* Finds the member `key` of the JSON object s[0..len) at its top level: 0 with span[0..2) the
 * member ("key":value) and span[2..4) its value, or -1 when there is none. */
int att_sbx_json_member(const char *s, size_t len, const char *key, size_t span[4]);

#endif
