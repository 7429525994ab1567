/* test_retry.c — the retry policy, Retry-After parsing, log redaction and option parsers. */
#include <stdlib.h>

#include "cli/config.h"
#include "core/http.h"
#include "core/redact.h"
#include "core/retry.h"
#include "unit.h"

void test_retry(void);

static const char *redact(const char *in)
{
    static char out[512];
    AttRedact *r = att_redact_new();
    AttBuf b = {0};
    att_redact_add(r, "s3cr3t-value", 12);
    att_redact_add(r, "tok-123456", 10);
    att_redact_line(r, in, strlen(in), &b);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    att_buf_free(&b);
    att_redact_free(r);
    return out;
}

void test_retry(void)
{
    AttRetryPolicy p = {4, 10000, 250, 20000};
    time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
    double sec;
    size_t bytes;

    /* Retry-After: delay-seconds and the three HTTP-date forms. */
    CHECK(att_retry_after_ms("120", now) == 120000);
    CHECK(att_retry_after_ms(" 0 ", now) == 0);
    CHECK(att_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10000);
    CHECK(att_retry_after_ms("Sunday, 06-Nov-94 08:49:40 GMT", now) == 3000);
    CHECK(att_retry_after_ms("Sun Nov  6 08:49:42 1994", now) == 5000);
    CHECK(att_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0); /* in the past */
    CHECK(att_retry_after_ms("Thu, 01 Jan 1970 00:00:00 GMT", 0) == 0);
    CHECK(att_retry_after_ms("Fri, 27 Nov 2026 00:00:00 GMT", 1795737600 - 60) == 60000);
    CHECK(att_retry_after_ms("", now) == -1);
    CHECK(att_retry_after_ms("-5", now) == -1);
    CHECK(att_retry_after_ms("1.5", now) == -1);
    CHECK(att_retry_after_ms("soon", now) == -1);
    CHECK(att_retry_after_ms("Sun, 06 Nov 1994 25:49:37 GMT", now) == -1);
    CHECK(att_retry_after_ms("Sun, 06 Xyz 1994 08:49:37 GMT", now) == -1);
    CHECK(att_retry_after_ms("99999999999999999999", now) == -1);
    CHECK(att_retry_after_ms(NULL, now) == -1);

    /* Full jitter within min(cap, base * 2^(n-1)); never beyond the budget; give up after retries. */
    CHECK(att_retry_delay(&p, 1, 0, -1, 0.0) == 0);
    CHECK(att_retry_delay(&p, 1, 0, -1, 0.5) == 125);
    CHECK(att_retry_delay(&p, 2, 0, -1, 0.5) == 250);
    CHECK(att_retry_delay(&p, 3, 0, -1, 0.999) == 999);
    CHECK(att_retry_delay(&p, 4, 0, -1, 0.5) == 1000);
    CHECK(att_retry_delay(&p, 5, 0, -1, 0.5) == -1);        /* 4 retries used */
    CHECK(att_retry_delay(&p, 1, 0, 3000, 0.5) == 3000);    /* Retry-After wins */
    CHECK(att_retry_delay(&p, 1, 9000, 3000, 0.5) == 1000); /* capped by what is left */
    CHECK(att_retry_delay(&p, 1, 10000, -1, 0.5) == -1);    /* budget spent */
    {
        AttRetryPolicy q = {60, 1000000, 250, 20000};
        CHECK(att_retry_delay(&q, 50, 0, -1, 0.999) <= 20000); /* cap, no overflow */
        q.retries = 0;
        CHECK(att_retry_delay(&q, 1, 0, -1, 0.5) == -1); /* --retries 0 */
    }

    /* Redaction of log lines. */
    /* One classification for the transfer loop and the error objects. */
    {
        static const long retry[] = {408, 429, 500, 502, 503, 504};
        static const long no[] = {200, 204, 301, 304, 400, 401, 403, 404, 409, 413, 422, 501, 505};
        size_t i;
        for (i = 0; i < sizeof retry / sizeof retry[0]; i++)
            CHECK(att_retry_classify(retry[i], ATT_FAIL_NONE).retryable);
        for (i = 0; i < sizeof no / sizeof no[0]; i++) CHECK(!att_retry_classify(no[i], ATT_FAIL_NONE).retryable);
        CHECK(att_retry_classify(429, ATT_FAIL_NONE).hold && att_retry_classify(503, ATT_FAIL_NONE).hold);
        CHECK(!att_retry_classify(500, ATT_FAIL_NONE).hold && !att_retry_classify(502, ATT_FAIL_NONE).hold);
        CHECK(att_retry_classify(0, ATT_FAIL_CONNECT).retryable && att_retry_classify(0, ATT_FAIL_TIMEOUT).retryable);
        CHECK(att_retry_classify(0, ATT_FAIL_IO).retryable && att_retry_classify(0, ATT_FAIL_HANDSHAKE).retryable);
        CHECK(att_retry_classify(0, ATT_FAIL_STREAM).retryable && !att_retry_classify(0, ATT_FAIL_FATAL).retryable);
        CHECK(!att_retry_classify(0, ATT_FAIL_TIMEOUT).hold);
    }
    /* Pacing: the next slot 1/rate after the last one taken, never in the past; 0 rate: none. */
    {
        AttPacer pc = {4.0, 0};
        CHECK(att_pace_when(&pc, 100.0) == 100.0);
        att_pace_take(&pc, 100.0);
        CHECK(att_pace_when(&pc, 100.1) == 100.25);
        att_pace_take(&pc, 100.25);
        CHECK(att_pace_when(&pc, 100.3) == 100.5);
        CHECK(att_pace_when(&pc, 200.0) == 200.0); /* slots do not pile up while idle */
        att_pace_take(&pc, 200.0);
        CHECK(pc.next == 200.25);
        pc.rate = 0;
        pc.next = 500;
        CHECK(att_pace_when(&pc, 1.0) == 1.0);
    }

    CHECK_STR(redact("Authorization: Bearer tok-123456"), "Authorization: [REDACTED]");
    CHECK_STR(redact("authorization: Basic dXNlcjpwYXNz"), "authorization: [REDACTED]");
    CHECK_STR(redact("Proxy-Authorization: Basic abc"), "Proxy-Authorization: [REDACTED]");
    CHECK_STR(redact("{\"access_token\":\"abc.def\",\"expires_in\":60}"),
              "{\"access_token\":\"[REDACTED]\",\"expires_in\":60}");
    CHECK_STR(redact("{\"passcode\": \"12\\\"34\", \"x\": 1}"), "{\"passcode\": \"[REDACTED]\", \"x\": 1}");
    CHECK_STR(redact("grant_type=client_credentials&client_secret=abc&scope=x"),
              "grant_type=client_credentials&client_secret=[REDACTED]&scope=x");
    CHECK_STR(redact("{\"otp\":123456}"), "{\"otp\":[REDACTED]}");
    CHECK_STR(redact("echo s3cr3t-value and tok-123456!"), "echo [REDACTED] and [REDACTED]!");
    CHECK_STR(redact("{\"tokenType\":\"Bearer\"}"), "{\"tokenType\":\"Bearer\"}");
    CHECK_STR(redact("{\"serviceType\":\"FIBER\"}"), "{\"serviceType\":\"FIBER\"}");
    CHECK_STR(redact("{\"password\":\"unterminated"), "{\"password\":\"[REDACTED]\"");

    /* Option parsers. */
    CHECK(att_parse_seconds("1.5", 0, &sec) == 0 && sec == 1.5);
    CHECK(att_parse_seconds("0", 0, &sec) != 0);
    CHECK(att_parse_seconds("0", 1, &sec) == 0 && sec == 0);
    CHECK(att_parse_seconds("-1", 1, &sec) != 0);
    CHECK(att_parse_seconds("nan", 1, &sec) != 0);
    CHECK(att_parse_seconds("5s", 0, &sec) != 0);
    CHECK(att_parse_bytes("64M", &bytes) == 0 && bytes == 64u * 1024 * 1024);
    CHECK(att_parse_bytes("10k", &bytes) == 0 && bytes == 10240);
    CHECK(att_parse_bytes("2GB", &bytes) == 0 && bytes == 2ull * 1024 * 1024 * 1024);
    CHECK(att_parse_bytes("0", &bytes) != 0);
    CHECK(att_parse_bytes("12X", &bytes) != 0);
}
