/* fuzz_retry_after.c — Retry-After parsing and log-line redaction, the two parsers of header text.
 * Properties: the delay is -1 or within [0, 10^11] ms; a redacted line never contains the secret. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const secrets[] = {"XSECRETX12", "tok-abcdef"};
    char *s = malloc(size + 1), out[512];
    long ms;
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    ms = att_retry_after_ms(s, 1795737600);
    if (ms < -1 || ms > 100000000000L) __builtin_trap();
    att_redact_line(s, size, out, sizeof out, secrets, 2);
    if (strlen(out) >= sizeof out || strstr(out, secrets[0]) || strstr(out, secrets[1])) __builtin_trap();
    free(s);
    return 0;
}
