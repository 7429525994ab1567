/* buf.h — a growable byte buffer with a sticky failure flag, and JSON text helpers.
 *
 * Appends never report failure one by one: after an allocation failure the buffer is marked failed,
 * further appends do nothing, and the owner checks `failed` once at the end. That keeps the renderers,
 * which make hundreds of appends per individual, free of error plumbing. */
#ifndef ATT_SBX_BUF_H
#define ATT_SBX_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct SbxBuf {
    char *data; /* NUL-terminated whenever len > 0 and !failed */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; contents are incomplete */
} SbxBuf;

#define ATT_SBX_BUF_INIT \
    {                    \
        NULL, 0, 0, 0    \
    }

/* Makes room for `extra` more bytes (plus a NUL); 0 on success, -1 (and failed set) otherwise. The
 * capacity doubles, or grows to exactly what is asked when that is more than double (one huge
 * reserve is not rounded up to the next power of two). */
int att_sbx_buf_reserve(SbxBuf *b, size_t extra);
void att_sbx_buf_put(SbxBuf *b, const char *s, size_t n);
void att_sbx_buf_puts(SbxBuf *b, const char *s);
void att_sbx_buf_putc(SbxBuf *b, char c);
void att_sbx_buf_u64(SbxBuf *b, uint64_t v);
/* Appends n copies of c. */
void att_sbx_buf_fill(SbxBuf *b, char c, size_t n);
/* A JSON string literal, quotes included, escaped as cJSON escapes (so that generated text and
 * text re-rendered by cJSON_PrintUnformatted agree byte for byte). UTF-8 passes through. */
void att_sbx_buf_json_str(SbxBuf *b, const char *s);
/* The inside of a JSON string literal (no quotes) escaped as PHP's json_encode does by default, as a
 * PHP API server would echo a value: '"', '\\' and also '/' get a backslash, other non-ASCII
 * characters become \uXXXX (surrogate pairs above U+FFFF), bytes that are not UTF-8 \ufffd (PHP's
 * JSON_INVALID_UTF8_SUBSTITUTE: the result is always valid JSON), and every control character
 * \u00XX (where PHP writes \t, \n... for five of them: one spelling keeps tests simple). */
void att_sbx_buf_json_php(SbxBuf *b, const char *s);
/* Reopens the JSON object that ends the buffer (its last byte is '}') for one more member: drops
 * the '}' and appends ',' unless the object is empty. 0, or -1 when the buffer does not end with
 * '}' or has failed. The caller then appends "NAME":VALUE and the closing '}'. */
int att_sbx_buf_json_reopen(SbxBuf *b);
/* Hands the bytes to the caller (who frees them with free()) and resets the buffer. */
char *att_sbx_buf_take(SbxBuf *b, size_t *len);
void att_sbx_buf_reset(SbxBuf *b); /* len = 0, keeps the memory, clears failed */
void att_sbx_buf_free(SbxBuf *b);

#endif
