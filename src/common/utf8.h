/* utf8.h — the one UTF-8 sequence check (host and sandbox). */
#ifndef ATT_UTF8_H
#define ATT_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes, n >= 1) and its code point in *cp, or 0
 * when it is not valid UTF-8 (overlong, a surrogate, beyond U+10FFFF, cut short). */
size_t att_utf8_seq(const unsigned char *s, size_t n, unsigned *cp);

#endif
