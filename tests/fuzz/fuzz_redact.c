/* fuzz_redact.c — the redactor and the terminal escaping, on arbitrary text.
 * Properties: after att_redact_apply, the redactor finds no credential left in any encoding (so
 * none in raw form either); att_text_escape writes only printable UTF-8 with no control character
 * (C0, DEL, C1). The credentials mix what encoders escape ('/', '"', '%', '+', ' ') with plain
 * runs and one with no letter run at all. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int printable_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x20 || c == 0x7F) return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) return 0; /* C1 */
        if (c >= 0xC2 && c <= 0xDF)
            i += 2;
        else if (c >= 0xE0 && c <= 0xEF)
            i += 3;
        else if (c >= 0xF0 && c <= 0xF4)
            i += 4;
        else
            return 0;
        if (i > n) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const secrets[] = {"tok-abc/def+ghi=", "s3cr3t \"pw\"%41", "/+/=-_~./+", "plainAnchorToken9"};
    AttRedact *r = att_redact_new();
    AttBuf out = {0}, esc = {0};
    size_t at, len, i;
    if (!r) return 0;
    for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) att_redact_add(r, secrets[i], strlen(secrets[i]));
    att_redact_add_basic(r, "client-id", "client-secret-9");
    if (att_redact_apply(r, (const char *)data, size, &out) > 0) {
        if (!out.oom && att_redact_find(r, out.data, out.len, 0, &at, &len)) __builtin_trap();
    } else if (att_redact_find(r, (const char *)data, size, 0, &at, &len)) {
        __builtin_trap(); /* found, but not replaced */
    }
    att_text_escape((const char *)data, size, &esc);
    if (!esc.oom && esc.len && !printable_utf8((const unsigned char *)esc.data, esc.len)) __builtin_trap();
    att_buf_free(&out);
    att_buf_free(&esc);
    att_redact_free(r);
    return 0;
}
