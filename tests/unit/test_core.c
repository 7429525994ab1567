/* test_core.c — unit tests for the pure parts of the core: JSON encoding and decoding, error
 * message helpers, URL handling, redaction. */
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>

#include "bind/error.h"
#include "core/http.h"
#include "bind/json.h"
#include "host/pool.h"
#include "core/text.h"
#include "unit.h"

int unit_count, unit_failed;

void test_retry(void);
void test_redact(void);
void test_common(void);
void test_window(void);
void test_jfile(void);
void test_fields(void);

/* Encodes the result of evaluating expr; returns a static string ("ERR: msg" on failure). */
static const char *enc(lua_State *L, const char *expr)
{
    static char out[512];
    AttBuf b = {0};
    char err[160];
    char code[600];
    snprintf(code, sizeof code, "return %s", expr);
    if (luaL_dostring(L, code) != LUA_OK) {
        snprintf(out, sizeof out, "LUA: %s", lua_tostring(L, -1));
    } else if (att_json_encode(L, -1, &b, err, sizeof err) != 0) {
        snprintf(out, sizeof out, "ERR: %s", err);
    } else {
        snprintf(out, sizeof out, "%s", b.data);
    }
    att_buf_free(&b);
    lua_settop(L, 0);
    return out;
}

static void test_encode(lua_State *L)
{
    CHECK_STR(enc(L, "{serviceType='FIBER', pageSize=50, pageOffset=1}"),
              "{\"pageOffset\":1,\"pageSize\":50,\"serviceType\":\"FIBER\"}");
    CHECK_STR(enc(L, "{1, 2.5, 'x', true, false}"), "[1,2.5,\"x\",true,false]");
    CHECK_STR(enc(L, "9007199254740993"), "9007199254740993"); /* beyond 2^53: exact */
    CHECK_STR(enc(L, "math.maxinteger"), "9223372036854775807");
    CHECK_STR(enc(L, "0.1"), "0.1");
    CHECK_STR(enc(L, "1/3"), "0.3333333333333333");
    CHECK_STR(enc(L, "1e300"), "1e+300");
    CHECK_STR(enc(L, "'a\"b\\\\c\\n\\t\\1\\127'"), "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\"");
    CHECK_STR(enc(L, "'\\u{CB}LISE \\u{4E2D}'"), "\"\xc3\x8bLISE \xe4\xb8\xad\"");
    CHECK_STR(enc(L, "{}"), "{}");
    CHECK_STR(enc(L, "att_json.array()"), "[]");
    CHECK_STR(enc(L, "att_json.object({})"), "{}");
    CHECK_STR(enc(L, "att_json.null"), "null");
    CHECK_STR(enc(L, "{a={b={c={}}}}"), "{\"a\":{\"b\":{\"c\":{}}}}");
    CHECK_STR(enc(L, "{[1]=1,[3]=3}"), "ERR: sparse array (holes cannot be encoded as JSON)");
    CHECK_STR(enc(L, "{1, a=2}"), "ERR: table mixes array items and object keys");
    CHECK_STR(enc(L, "{[1.5]=1}"), "ERR: table has keys that are neither strings nor positive integers");
    CHECK_STR(enc(L, "0/0"), "ERR: cannot encode NaN or infinity as JSON");
    CHECK_STR(enc(L, "math.huge"), "ERR: cannot encode NaN or infinity as JSON");
    CHECK_STR(enc(L, "print"), "ERR: cannot encode a function as JSON");
    CHECK_STR(enc(L, "'\\xc3'"), "ERR: string is not valid UTF-8");
    CHECK_STR(enc(L, "'\\xed\\xa0\\x80'"), "ERR: string is not valid UTF-8"); /* surrogate */
    CHECK_STR(enc(L, "(function() local t = {} t.t = t return t end)()"), "ERR: table nested too deeply (a cycle?)");
}

/* Decodes s and returns a description: math.type and value of path a (or the whole value). */
static void test_decode(lua_State *L)
{
    const char *s = "{\"totalCount\":192,\"big\":1e300,\"f\":2.5,\"neg\":-7,\"e\":1E2,\"n\":null,"
                    "\"name\":\"\\u00cbLISE\",\"arr\":[1,2.0,{\"x\":3}]}";
    CHECK(att_json_decode(L, s, strlen(s)) == 1);
    lua_getfield(L, -1, "totalCount");
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == 192);
    lua_pop(L, 1);
    lua_getfield(L, -1, "big");
    CHECK(!lua_isinteger(L, -1)); /* out of integer range: stays a float */
    lua_pop(L, 1);
    lua_getfield(L, -1, "f");
    CHECK(!lua_isinteger(L, -1) && lua_tonumber(L, -1) == 2.5);
    lua_pop(L, 1);
    lua_getfield(L, -1, "neg");
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == -7);
    lua_pop(L, 1);
    lua_getfield(L, -1, "e");
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == 100);
    lua_pop(L, 1);
    lua_getfield(L, -1, "n");
    CHECK(att_json_isnull(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, -1, "name");
    CHECK_STR(lua_tostring(L, -1), "\xc3\x8bLISE");
    lua_pop(L, 1);
    lua_getfield(L, -1, "arr");
    lua_rawgeti(L, -1, 2);
    CHECK(lua_isinteger(L, -1));
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 3);
    lua_getfield(L, -1, "x");
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == 3);
    lua_settop(L, 0);

    CHECK(att_json_decode(L, "10000", 5) == 1 && lua_isinteger(L, -1));
    lua_settop(L, 0);
    CHECK(att_json_decode(L, "{\"a\":", 5) == 0);
    CHECK(lua_type(L, -1) == LUA_TSTRING);
    lua_settop(L, 0);
    {
        static const char *const bad[] = {
            "",         "[",           "{\"a\" 1}",   "[1,]",         "01",      "-",   "1.",    ".5",    "1e",
            "\"\x01\"", "\"\\n\x02\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\x\"", "tru", "[1] 2", "\"abc", NULL};
        char deep[2100];
        int i;
        for (i = 0; bad[i]; i++) {
            CHECK(att_json_decode(L, bad[i], strlen(bad[i])) == 0);
            lua_settop(L, 0);
        }
        memset(deep, '[', 1001);
        memset(deep + 1001, ']', 1001);
        CHECK(att_json_decode(L, deep, 2002) == 0); /* deeper than 1000 */
        CHECK_STR(lua_tostring(L, -1), "nested too deeply at character 1001");
        lua_settop(L, 0);
        CHECK(att_json_decode(L, deep + 1, 2000) == 1); /* exactly 1000 */
        lua_settop(L, 0);
    }
    {
        const char *j = "\"\\ud83d\\ude00 \\u00e9\\n\\/\"";
        CHECK(att_json_decode(L, j, strlen(j)) == 1);
    }
    CHECK_STR(lua_tostring(L, -1), "\xf0\x9f\x98\x80 \xc3\xa9\n/");
    lua_settop(L, 0);
    {
        const char *j = "[1.5e3, -0, 123456789012345678901, 2.5, -9007199254740993]";
        CHECK(att_json_decode(L, j, strlen(j)) == 1);
    }
    lua_rawgeti(L, -1, 1);
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == 1500);
    lua_rawgeti(L, -2, 2);
    CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == 0);
    lua_rawgeti(L, -3, 3);
    CHECK(!lua_isinteger(L, -1)); /* beyond 64 bits: a float */
    lua_rawgeti(L, -4, 4);
    CHECK(!lua_isinteger(L, -1) && lua_tonumber(L, -1) == 2.5);
    lua_settop(L, 0);
    {
        const char *j = " {\"a\":[],\"b\":{},\"c\":null} ";
        CHECK(att_json_decode(L, j, strlen(j)) == 1);
    }
    lua_settop(L, 0);
    CHECK(att_json_decode(L, "NaN", 3) == 0); /* strict: no invalid numbers */
    lua_settop(L, 0);
    CHECK(att_json_decode(L, "0x10", 4) == 0);
    lua_settop(L, 0);
}

/* Numbers at the edges of 64 bits: every integer in [-2^63, 2^63-1] exactly, beyond that a float;
 * a fraction or an exponent a float unless the value is integral and fits. */
static void test_decode_numbers(lua_State *L)
{
    static const struct {
        const char *text;
        int integer; /* 1: a Lua integer of value i; 0: a float of value f */
        long long i;
        double f;
    } rows[] = {
        {"9223372036854775807", 1, LLONG_MAX, 0},  /* 2^63-1 */
        {"-9223372036854775808", 1, LLONG_MIN, 0}, /* -2^63 */
        {"-9223372036854775807", 1, -LLONG_MAX, 0},
        {"9223372036854775806", 1, LLONG_MAX - 1, 0},
        {"9223372036854775808", 0, 0, 9223372036854775808.0},   /* 2^63: a float, as tonumber makes it */
        {"-9223372036854775809", 0, 0, -9223372036854775808.0}, /* a float, not math.mininteger */
        {"1234567890123456789", 1, 1234567890123456789LL, 0},   /* 19 digits */
        {"-1234567890123456789", 1, -1234567890123456789LL, 0},
        {"9999999999999999999", 0, 0, 1e19},                    /* 19 digits beyond 2^63-1 */
        {"12345678901234567890", 0, 0, 12345678901234567890.0}, /* 20 digits */
        {"-10000000000000000000", 0, 0, -1e19},
        {"999999999999999999", 1, 999999999999999999LL, 0}, /* 18 digits */
        {"9007199254740993", 1, 9007199254740993LL, 0},     /* 2^53+1: no float on the way */
        {"-9007199254740993", 1, -9007199254740993LL, 0},
        {"0", 1, 0, 0},
        {"-0", 1, 0, 0},
        {"-7", 1, -7, 0},
        {"1e2", 1, 100, 0}, /* integral with an exponent: an integer, as before */
        {"1.0", 1, 1, 0},
        {"-0.0", 1, 0, 0},
        {"1.5", 0, 0, 1.5},
        {"1e-2", 0, 0, 0.01},
        {"1e18", 1, 1000000000000000000LL, 0},
        {"1e19", 0, 0, 1e19},
        {"9223372036854775807.0", 0, 0, 9223372036854775808.0}, /* through a float: 2^63 */
        {"-9223372036854775808.0", 1, LLONG_MIN, 0},
        {"1e400", 0, 0, HUGE_VAL},
    };
    size_t k;
    char doc[128];
    for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        int ok = att_json_decode(L, rows[k].text, strlen(rows[k].text)) == 1;
        if (rows[k].integer)
            ok = ok && lua_isinteger(L, -1) && lua_tointeger(L, -1) == rows[k].i;
        else
            ok = ok && lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == rows[k].f;
        if (!ok) printf("# number: %s\n", rows[k].text);
        CHECK(ok);
        lua_settop(L, 0);
    }
    /* the same inside a page, decoded in full and under a projection: a totalCount of 2^63-1 is
     * an integer (it used to become a float, which the contract checks then reported as missing) */
    snprintf(doc, sizeof doc, "{\"totalCount\":9223372036854775807,\"individuals\":[{\"id\":-9223372036854775808}]}");
    CHECK(luaL_dostring(L, "return {'name'}") == LUA_OK);
    {
        const AttProj *p = att_proj_compile(L, -1, "test");
        int pass;
        for (pass = 0; pass < 2; pass++) {
            CHECK(att_json_decode_proj(L, doc, strlen(doc), pass ? p : NULL) == 1);
            lua_getfield(L, -1, "totalCount");
            CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == LLONG_MAX);
            lua_getfield(L, -2, "individuals");
            lua_rawgeti(L, -1, 1);
            lua_getfield(L, -1, "id");
            CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == LLONG_MIN);
            lua_pop(L, 5);
        }
    }
    lua_settop(L, 0);
    { /* a number as long as the input allows: still read (a float), through a heap copy */
        char big[402];
        big[0] = '1';
        memset(big + 1, '0', 400);
        CHECK(att_json_decode(L, big, 401) == 1 && !lua_isinteger(L, -1) && lua_tonumber(L, -1) == HUGE_VAL);
        lua_settop(L, 0);
    }
}

/* The one-line messages of invalid JSON (att.json.decode prefixes them with its name). */
static void test_decode_errors(lua_State *L)
{
    static const char *const rows[][2] = {
        {"", "unexpected end of input at character 1"},
        {"   ", "unexpected end of input at character 4"},
        {"01", "invalid number (leading zero) at character 1"},
        {"[-00]", "invalid number (leading zero) at character 2"},
        {"1.", "invalid number at character 1"},
        {"-.5", "invalid number at character 1"},
        {"1e+", "invalid number at character 1"},
        {".5", "expected a value at character 1"},
        {"NaN", "expected a value at character 1"},
        {"0x10", "unexpected text after the value at character 2"},
        {"[1] 2", "unexpected text after the value at character 5"},
        {"[1,]", "expected a value at character 4"},
        {"{\"a\":1,}", "expected a string key at character 8"},
        {"{\"a\" 1}", "expected ':' at character 6"},
        {"[1 2]", "expected ',' or ']' at character 4"},
        {"{\"a\":1 2}", "expected ',' or '}' at character 8"},
        {"\"a\nb\"", "control character in string at character 3"},
        {"\"abc", "unterminated string at character 5"},
        {"\"\\x\"", "invalid escape in string at character 2"},
        {"\"\\u12\"", "invalid \\u escape at character 2"},
        {"\"\\ud800\"", "invalid UTF-16 surrogate pair at character 2"},
        {"\"\\udc00\"", "invalid UTF-16 surrogate at character 2"},
    };
    size_t k;
    for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        CHECK(att_json_decode(L, rows[k][0], strlen(rows[k][0])) == 0);
        CHECK_STR(lua_tostring(L, -1), rows[k][1]);
        lua_settop(L, 0);
    }
    CHECK(att_json_decode(L, "[1]\0x", 5) == 0); /* the length counts, not a NUL */
    CHECK_STR(lua_tostring(L, -1), "unexpected text after the value at character 4");
    lua_settop(L, 0);
    CHECK(att_json_decode(L, "\"\xff\xc0\xaf\"", 5) == 1); /* UTF-8 is not checked: bytes pass */
    CHECK_STR(lua_tostring(L, -1), "\xff\xc0\xaf");
    lua_settop(L, 0);
}

static int probe_compile(lua_State *L)
{
    att_proj_compile(L, 1, "test");
    return 0;
}

/* opts.fields: the kept fields are built, the rest is skipped but checked as strictly. */
static void test_projection(lua_State *L)
{
    static const char *const bad[] = {"01",          "1.",          "-",     "1e+",       "\"\x01\"",   "\"\\x\"",
                                      "\"\\ud800\"", "\"\\udc00\"", "[1,]",  "{\"a\" 1}", "{\"a\":1,}", "{1:2}",
                                      "tru",         "nul",         "\"abc", "[1 2]",     NULL};
    const AttProj *p;
    AttBuf b = {0};
    char err[160], doc[2100];
    int i;

    CHECK(luaL_dostring(L, "return {'accounts.id', 'name', 'accounts.id', 'whole', 'whole.x'}") == LUA_OK);
    p = att_proj_compile(L, -1, "test");
    CHECK(att_proj_keeps(p, "accounts") && att_proj_keeps(p, "accounts.id") && att_proj_keeps(p, "whole.any.thing"));
    CHECK(!att_proj_keeps(p, "accounts.subscribers") && !att_proj_keeps(p, "other"));
    {
        const char *j = "{\"totalCount\":1,\"x\":{\"y\":1},\"individuals\":[{\"id\":\"1\",\"name\":\"N\","
                        "\"skip\":{\"a\":[1,\"\\u00e9\\\"\",true,null,-1.5e3,{}]},\"whole\":{\"x\":[1],\"z\":2},"
                        "\"accounts\":[{\"id\":2,\"other\":3},{\"other\":4},7],\"na\\u006de\":\"esc\"}]}";
        CHECK(att_json_decode_proj(L, j, strlen(j), p) == 1);
        CHECK(att_json_encode(L, -1, &b, err, sizeof err) == 0);
        CHECK_STR(b.data, "{\"individuals\":[{\"accounts\":[{\"id\":2},{},7],\"id\":\"1\",\"name\":\"esc\","
                          "\"whole\":{\"x\":[1],\"z\":2}}],\"totalCount\":1,\"x\":{\"y\":1}}");
        att_buf_free(&b);
        lua_pop(L, 1);
    }
    for (i = 0; bad[i]; i++) { /* invalid JSON is an error even where it would be skipped */
        snprintf(doc, sizeof doc, "{\"individuals\":[{\"id\":1,\"skip\":%s}],\"totalCount\":1}", bad[i]);
        CHECK(att_json_decode_proj(L, doc, strlen(doc), p) == 0);
        lua_pop(L, 1);
    }
    memset(doc, 0, sizeof doc);
    strcpy(doc, "{\"individuals\":[{\"skip\":");
    memset(doc + strlen(doc), '[', 1000);
    CHECK(att_json_decode_proj(L, doc, strlen(doc), p) == 0); /* too deep, even when skipped */
    CHECK(strstr(lua_tostring(L, -1), "nested too deeply") != NULL);
    lua_settop(L, 0);

    CHECK(luaL_dostring(L, "return {'a..b'}") == LUA_OK);
    lua_pushcfunction(L, probe_compile);
    lua_insert(L, -2);
    CHECK(lua_pcall(L, 1, 0, 0) != LUA_OK);
    CHECK_STR(lua_tostring(L, -1),
              "test: opts.fields[1] is not a field path (keys joined by '.', e.g. \"accounts.id\"): \"a..b\"");
    lua_settop(L, 0);
}

static void *pool_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    return att_pool_realloc(ud, ptr, osize, nsize);
}

/* The small-block pool: contents survive every kind of resize, freed blocks are reused, and a Lua
 * state runs on it. */
static void test_pool(void)
{
    AttPool p;
    unsigned char *b[64];
    size_t sizes[] = {1, 15, 16, 17, 100, 255, 256, 257, 4000};
    size_t i, j, k;
    int ok = 1;
    void *a1, *a2;
    lua_State *L;

    memset(&p, 0, sizeof p);
    for (i = 0; i < 9; i++) {
        for (j = 0; j < 9; j++) { /* every size to every size, small and large */
            unsigned char *q = att_pool_realloc(&p, NULL, 0, sizes[i]);
            if (!q) {
                ok = 0;
                break;
            }
            for (k = 0; k < sizes[i]; k++) q[k] = (unsigned char)(k * 7 + i);
            q = att_pool_realloc(&p, q, sizes[i], sizes[j]);
            for (k = 0; k < sizes[i] && k < sizes[j]; k++)
                if (q[k] != (unsigned char)(k * 7 + i)) ok = 0;
            att_pool_realloc(&p, q, sizes[j], 0);
        }
    }
    CHECK(ok);
    for (i = 0; i < 64; i++) { /* 64 live blocks of one class do not overlap */
        b[i] = att_pool_realloc(&p, NULL, 0, 40);
        memset(b[i], (int)i, 40);
    }
    for (i = 0; i < 64; i++)
        for (k = 0; k < 40; k++)
            if (b[i][k] != (unsigned char)i) ok = 0;
    CHECK(ok);
    for (i = 0; i < 64; i++) att_pool_realloc(&p, b[i], 40, 0);
    a1 = att_pool_realloc(&p, NULL, 0, 33);
    att_pool_realloc(&p, a1, 33, 0);
    a2 = att_pool_realloc(&p, NULL, 0, 48); /* same class: the freed block again */
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(a1 == a2);
#endif
    att_pool_realloc(&p, a2, 48, 0);
    att_pool_free(&p);

    L = lua_newstate(pool_alloc, &p); /* a whole Lua program on the pool */
    CHECK(L != NULL);
    luaL_openlibs(L);
    CHECK(luaL_dostring(L, "local t = {} for i = 1, 20000 do t[i] = {tostring(i), i, {x = i}} end "
                           "t = nil collectgarbage() local s = 0 for i = 1, 1000 do s = s + #tostring(i) end "
                           "return s") == LUA_OK &&
          lua_tointeger(L, -1) == 2893);
    lua_close(L);
    att_pool_free(&p);
}

static void test_helpers(lua_State *L)
{
    char buf[64];
    att_one_line("  first line\r\nsecond", 20, buf, sizeof buf);
    CHECK_STR(buf, "first line");
    att_one_line("tab\there\x01", 9, buf, sizeof buf);
    CHECK_STR(buf, "tab here");
    att_one_line("\xc3\x8b\xc3\x8b\xc3\x8b", 6, buf, 4); /* never cuts a UTF-8 sequence */
    CHECK_STR(buf, "\xc3\x8b");
    att_one_line("", 0, buf, sizeof buf);
    CHECK_STR(buf, "");
    att_one_line("esc\x1b[31mred\xc2\x9b"
                 "2J\xff!",
                 17, buf, sizeof buf); /* no control sequence survives */
    CHECK_STR(buf, "esc [31mred 2J?!");

    att_text_thousands(0, buf, sizeof buf);
    CHECK_STR(buf, "0");
    att_text_thousands(999, buf, sizeof buf);
    CHECK_STR(buf, "999");
    att_text_thousands(1000, buf, sizeof buf);
    CHECK_STR(buf, "1,000");
    att_text_thousands(12345, buf, sizeof buf);
    CHECK_STR(buf, "12,345");
    att_text_thousands(39950, buf, sizeof buf);
    CHECK_STR(buf, "39,950");
    att_text_thousands(-1234567, buf, sizeof buf);
    CHECK_STR(buf, "-1,234,567");
    att_text_thousands(LLONG_MIN, buf, sizeof buf);
    CHECK_STR(buf, "-9,223,372,036,854,775,808");
    att_text_thousands(123456, buf, 4); /* cut, terminated */
    CHECK_STR(buf, "123");

    att_url_strip_userinfo("https://user:pw@host.example/a?b=c", buf, sizeof buf);
    CHECK_STR(buf, "https://host.example/a?b=c");
    att_url_strip_userinfo("http://h/p@q", buf, sizeof buf);
    CHECK_STR(buf, "http://h/p@q");

    CHECK(att_http_method_ok("POST"));
    CHECK(att_http_method_ok("PATCH"));
    CHECK(!att_http_method_ok("post"));
    CHECK(!att_http_method_ok("PO ST"));
    CHECK(!att_http_method_ok(""));

    CHECK_STR(att_http_reason(404), "Not Found");
    CHECK_STR(att_http_reason(599), "Server Error");

    lua_settop(L, 0);
}

int main(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    att_json_open(L);
    lua_setglobal(L, "att_json");
    test_encode(L);
    test_decode(L);
    test_decode_numbers(L);
    test_decode_errors(L);
    test_projection(L);
    test_pool();
    test_helpers(L);
    test_retry();
    test_redact();
    test_common();
    test_window();
    test_fields();
    test_jfile();
    lua_close(L);
    printf("1..%d\n", unit_count);
    return unit_failed ? 1 : 0;
}
