/* test_redact.c — the redactor (every encoding a server echoes a credential in), the text and URL
 * helpers that keep requests under the base path and credentials with their origin, and the
 * memory budget of buffers. */
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "common/buf.h"
#include "common/budget.h"
#include "core/redact.h"
#include "core/text.h"
#include "unit.h"

void test_redact(void);

/* s with the credentials of r redacted, as a static string ("=" when nothing was replaced). */
static const char *red(const AttRedact *r, const char *s)
{
    static char out[4096];
    AttBuf b = {0};
    size_t n = att_redact_apply(r, s, strlen(s), &b);
    snprintf(out, sizeof out, "%s", n ? (b.data ? b.data : "") : "=");
    att_buf_free(&b);
    return out;
}

static const char *esc(const char *s, size_t n)
{
    static char out[512];
    AttBuf b = {0};
    att_text_escape(s, n, &b);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    att_buf_free(&b);
    return out;
}

static const char *origin(const char *url)
{
    static char out[300];
    if (att_url_origin(url, out, sizeof out) != 0) return "(none)";
    return out;
}

static int path_ok(const char *p)
{
    char why[200];
    return att_path_check(p, why, sizeof why) == 0;
}

static void test_encodings(void)
{
    AttRedact *r = att_redact_new();
    att_redact_add(r, "tok-abc/def+ghi=", 16);
    att_redact_add(r, "s3cret-Value\"x", 14);
    att_redact_add_basic(r, "my-client", "client-secret-1");

    CHECK(att_redact_count(r) == 4);
    CHECK_STR(red(r, "nothing to see"), "=");
    CHECK_STR(red(r, "Bearer tok-abc/def+ghi="), "Bearer [REDACTED]");
    CHECK_STR(red(r, "tok-abc/def+ghi=tok-abc/def+ghi="), "[REDACTED][REDACTED]");
    /* JSON with escaped slashes (PHP), \u escapes, mixed */
    CHECK_STR(red(r, "{\"m\":\"Bearer tok-abc\\/def+ghi=\"}"), "{\"m\":\"Bearer [REDACTED]\"}");
    CHECK_STR(red(r, "tok-abc\\u002fdef\\u002Bghi\\u003d"), "[REDACTED]");
    CHECK_STR(red(r, "\"s3cret-Value\\\"x\""), "\"[REDACTED]\"");
    /* percent-encoding in either case, form encoding, HTML character references */
    CHECK_STR(red(r, "a=tok-abc%2Fdef%2Bghi%3D&b"), "a=[REDACTED]&b");
    CHECK_STR(red(r, "a=tok-abc%2fdef%2bghi%3d"), "a=[REDACTED]");
    CHECK_STR(red(r, "<p>tok-abc&#47;def&#x2B;ghi&#61;</p>"), "<p>[REDACTED]</p>");
    CHECK_STR(red(r, "s3cret-Value&quot;x"), "[REDACTED]");
    /* the Basic form of id:secret, and the pair itself */
    CHECK_STR(red(r, "Authorization: Basic bXktY2xpZW50OmNsaWVudC1zZWNyZXQtMQ=="), "Authorization: Basic [REDACTED]");
    CHECK_STR(red(r, "got my-client:client-secret-1"), "got [REDACTED]");
    /* a piece of a credential is not one (and is left alone) */
    CHECK_STR(red(r, "tok-abc/def+gh"), "=");
    CHECK_STR(red(r, "bXktY2xpZW50OmNsaWVudC1zZWNyZXQt"), "=");
    att_redact_free(r);
}

static void test_shapes(void)
{
    AttRedact *r = att_redact_new();
    size_t at = 0, len = 0;
    char big[ATT_SECRET_MAX + 1];
    char *text;
    size_t i;

    /* no run of four letters or digits to anchor on: every position is tried */
    att_redact_add(r, "/+/=-_~./+", 10);
    CHECK_STR(red(r, "x /+/=-_~./+ y"), "x [REDACTED] y");
    CHECK_STR(red(r, "x \\/+\\/=-_~.\\/+ y"), "x [REDACTED] y");
    /* a '%' in the credential itself, echoed percent-encoded (the matcher tries both readings) */
    att_redact_add(r, "pct%41-secret", 13);
    CHECK_STR(red(r, "[pct%41-secret]"), "[[REDACTED]]");
    CHECK_STR(red(r, "[pct%2541-secret]"), "[[REDACTED]]");
    CHECK(att_redact_find(r, "ab pct%41-secret", 16, 0, &at, &len) && at == 3 && len == 13);
    CHECK(!att_redact_find(r, "ab pct%41-secret", 16, 4, &at, &len));
    /* the longest credential att sends, found whole in a large body */
    for (i = 0; i < ATT_SECRET_MAX; i++) big[i] = "abcdefghijklmnopqrstuvwxyz0123456789-."[i % 38];
    big[ATT_SECRET_MAX] = '\0';
    att_redact_add(r, big, ATT_SECRET_MAX);
    text = malloc(3 * ATT_SECRET_MAX + 16);
    memset(text, 'q', 3 * ATT_SECRET_MAX + 15);
    memcpy(text + ATT_SECRET_MAX, big, ATT_SECRET_MAX);
    text[3 * ATT_SECRET_MAX + 15] = '\0';
    CHECK(att_redact_find(r, text, strlen(text), 0, &at, &len) && at == ATT_SECRET_MAX && len == ATT_SECRET_MAX);
    free(text);
    /* adding one twice keeps one copy */
    i = att_redact_count(r);
    att_redact_add(r, "pct%41-secret", 13);
    CHECK(att_redact_count(r) == i);
    att_redact_free(r);
    CHECK_STR(red(NULL, "nothing known"), "=");
}

static void test_lines(void)
{
    AttRedact *r = att_redact_new();
    AttBuf b = {0};
    att_redact_add(r, "tok-123456789", 13);
    att_redact_line(r, "< body: {\"message\":\"got Bearer tok-123456789\"}", 47, &b);
    CHECK_STR(b.data, "< body: {\"message\":\"got Bearer [REDACTED]\"}");
    att_buf_free(&b);
    att_redact_line(NULL, "Cookie: a=b", 11, &b);
    CHECK_STR(b.data, "Cookie: [REDACTED]");
    att_buf_free(&b);
    att_redact_free(r);
}

static void test_text(void)
{
    char buf[1100];
    CHECK_STR(esc("plain ascii", 11), "plain ascii");
    CHECK_STR(esc("a\nb\rc\td", 7), "a\\nb\\rc\\td");
    CHECK_STR(esc("\x1b]0;owned\x07", 10), "\\e]0;owned\\x07");
    CHECK_STR(esc("C1 \xc2\x9b"
                  "2J",
                  7),
              "C1 \\xc2\\x9b2J"); /* a CSI as a UTF-8 C1 control */
    CHECK_STR(esc("bad \xff\xfe utf8 \xc3", 13), "bad \\xff\\xfe utf8 \\xc3");
    CHECK_STR(esc("del\x7f", 4), "del\\x7f");
    CHECK_STR(esc("\xc3\xa9t\xc3\xa9 \xe2\x82\xac", 9), "\xc3\xa9t\xc3\xa9 \xe2\x82\xac"); /* UTF-8 stays */

    CHECK(att_header_value_ok("reports", 7));
    CHECK(!att_header_value_ok("x\r\nX-Injected: yes", 18));
    CHECK(!att_header_value_ok("x\ty", 3));
    CHECK(!att_header_value_ok("x\x7f", 2));

    CHECK_STR(origin("https://partner.att.com/omni-svcs"), "https://partner.att.com:443");
    CHECK_STR(origin("HTTPS://Partner.ATT.com:443/x"), "https://partner.att.com:443");
    CHECK_STR(origin("http://127.0.0.1:8080/omni-svcs"), "http://127.0.0.1:8080");
    CHECK_STR(origin("http://user:pw@127.0.0.1/x"), "http://127.0.0.1:80");
    CHECK_STR(origin("http://a@b@evil.example:81/x"), "http://evil.example:81");
    CHECK_STR(origin("https://[::1]:8443/x"), "https://[::1]:8443");
    CHECK_STR(origin("https://[::1]/x"), "https://[::1]:443");
    CHECK_STR(origin("ftp://host/x"), "(none)");
    CHECK_STR(origin("http:///x"), "(none)");
    CHECK_STR(origin("http://host:0/"), "(none)");
    CHECK_STR(origin("http://host:99999/"), "(none)");
    CHECK_STR(origin("http://host:8x/"), "(none)");
    CHECK_STR(origin("http://ho st/"), "(none)");
    CHECK_STR(origin("http://evil\\@good/"), "(none)");

    {
        char user[64];
        CHECK(att_url_userinfo("https://us%65r:pa%40ss-word@host/x", user, sizeof user, buf, sizeof buf) == 0 &&
              strcmp(buf, "pa@ss-word") == 0 && strcmp(user, "user") == 0);
        CHECK(att_url_userinfo("https://user@host/x", user, sizeof user, buf, sizeof buf) == -1);
        CHECK(att_url_userinfo("https://host/x:y@z", NULL, 0, buf, sizeof buf) == -1);
    }

    CHECK(path_ok("/v1/customers/search"));
    CHECK(path_ok("/v1/service-qualification?x=../y"));
    CHECK(path_ok("/v1/a%20b"));
    CHECK(path_ok("/v1/file.json"));
    CHECK(path_ok("/v1/..x/x.."));
    CHECK(!path_ok("/../../admin/secret"));
    CHECK(!path_ok("/v1/../../admin"));
    CHECK(!path_ok("/v1/.."));
    CHECK(!path_ok("/./x"));
    CHECK(!path_ok("/%2e%2e/admin"));
    CHECK(!path_ok("/.%2E/admin"));
    CHECK(!path_ok("/%2E./admin"));
    CHECK(!path_ok("/x/%252e%252e/admin"));
    CHECK(!path_ok("/x%2f..%2fadmin"));
    CHECK(!path_ok("/x%5c..%5cadmin"));
    CHECK(!path_ok("//evil.example/x"));
    CHECK(!path_ok("http://evil.example/x"));
    CHECK(!path_ok("v1/x"));
    CHECK(!path_ok("/a\\..\\b"));
    CHECK(!path_ok("/a b"));
    CHECK(!path_ok("/a\r\nHost: evil"));
    CHECK(!path_ok("/a#frag"));
    CHECK(!path_ok("/a%zz"));
    CHECK(!path_ok("/a%2"));
    CHECK(!path_ok("/a?b c"));
}

static void test_budget(void)
{
    AttBudget bg = {1000, 0, 0, 0};
    AttBuf b = {0};
    char chunk[300];
    memset(chunk, 'x', sizeof chunk);
    b.budget = &bg;
    att_buf_add(&b, chunk, sizeof chunk); /* 512 bytes taken */
    CHECK(!b.oom && bg.used == 512 && b.len == 300);
    att_buf_add(&b, chunk, sizeof chunk); /* 1024 would pass the limit */
    CHECK(b.oom && bg.refused && b.len == 300 && bg.used == 512);
    att_buf_add(&b, "y", 1); /* after a failure, nothing more is added */
    CHECK(b.len == 300);
    att_buf_free(&b);
    CHECK(bg.used == 0 && bg.peak == 512);
    CHECK(att_budget_take(&bg, 1000) == 0 && att_budget_take(&bg, 1) == -1);
    att_budget_give(&bg, 1000);
    CHECK(bg.used == 0);
    CHECK(att_budget_take(NULL, (size_t)-1) == 0);
}

static void test_secrets(void)
{
    char why[300], big[ATT_SECRET_MAX + 2];
    CHECK(att_auth_check_secret("ATT_TOKEN", "tok-1234", why, sizeof why) == 0);
    CHECK(att_auth_check_secret("ATT_TOKEN", "tok-123", why, sizeof why) == -1 && strstr(why, "shorter than 8"));
    CHECK(att_auth_check_secret("ATT_TOKEN", "tok-1234\r\nX-Injected: yes", why, sizeof why) == -1 &&
          strstr(why, "control characters"));
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(att_auth_check_secret("ATT_TOKEN", big, why, sizeof why) == -1 && strstr(why, "longer than 16384"));
    big[ATT_SECRET_MAX] = '\0';
    CHECK(att_auth_check_secret("ATT_TOKEN", big, why, sizeof why) == 0);
}

void test_redact(void)
{
    test_encodings();
    test_shapes();
    test_lines();
    test_text();
    test_budget();
    test_secrets();
}
