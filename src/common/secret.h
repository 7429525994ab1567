/* secret.h — comparing a secret a client sent with the one expected. Plain C, no Lua. */
#ifndef ATT_SECRET_H
#define ATT_SECRET_H

#include <stddef.h>

/* 1 when given[0..glen) equals want[0..wlen), else 0, in a time that depends on glen only, not on
 * where the first difference is (nor on how much of want is right). An empty want matches nothing:
 * an unset secret is never a valid one. */
int att_same_secret(const char *given, size_t glen, const char *want, size_t wlen);

#endif
