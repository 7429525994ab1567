#define _GNU_SOURCE /* memmem */
/* fuzz_retry_after.c — Retry-After parsing and log-line redaction, the two parsers of header text.
 * Properties: the delay is -1 or within [0, 10^11] ms; a redacted line never contains a secret. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const secrets[] = {"XSECRETX12", "tok-abcdef"};
    AttRedact *r = att_redact_new();
    AttBuf out = {0};
    char *s = malloc(size + 1);
    long ms;
    if (!s || !r) {
        free(s);
        att_redact_free(r);
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    ms = att_retry_after_ms(s, 1795737600);
    if (ms < -1 || ms > 100000000000L) __builtin_trap();
    att_redact_add(r, secrets[0], strlen(secrets[0]));
    att_redact_add(r, secrets[1], strlen(secrets[1]));
    att_redact_line(r, s, size, &out);
    if (out.data && (memmem(out.data, out.len, secrets[0], strlen(secrets[0])) ||
                     memmem(out.data, out.len, secrets[1], strlen(secrets[1]))))
        __builtin_trap();
    att_buf_free(&out);
    att_redact_free(r);
    free(s);
    return 0;
}
