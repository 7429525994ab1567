-- att.json.decode through the host: the decoder of API pages (jdec.c), with its exact integers,
-- its strictness and its one-line messages; att.json.encode reading back what it decodes; and
-- the same values for a page and for the same text given to att.json.decode.
local T = dofile("tests/lua/lib.lua")
local json = att.json
local null = json.null
local MIN, MAX = math.mininteger, math.maxinteger

-- {text, expected value}: math.type must match too (T.same compares it)
local values = {
  { "9223372036854775807", MAX },
  { "-9223372036854775808", MIN },
  { "-9223372036854775807", -MAX },
  { "9223372036854775808", 2 ^ 63 },             -- beyond 64 bits: a float, as tonumber makes it
  { "-9223372036854775809", -2 ^ 63 },           -- a float, not math.mininteger
  { "1234567890123456789", 1234567890123456789 }, -- 19 digits: exact
  { "12345678901234567890", 12345678901234567890.0 }, -- 20 digits: a float
  { "9007199254740993", 9007199254740993 },      -- 2^53 + 1: no float on the way
  { "-0", 0 },
  { "0", 0 },
  { "1e2", 100 },                                -- integral with an exponent: an integer
  { "1.0", 1 },
  { "-0.0", 0 },
  { "1.5", 1.5 },
  { "2E-3", 0.002 },
  { "1e400", math.huge },
  { "9223372036854775807.0", 2 ^ 63 },           -- through a float: 2^63, so a float
  { " 7 ", 7 },
  { '"x"', "x" },
  { "true", true },
  { "false", false },
  { "null", null },
  { "[]", {} },
  { "{}", {} },
  { "[null,1]", { null, 1 } },
  { '{"a":1,"a":2}', { a = 2 } },                -- a repeated key keeps its last value
  { '{"1":2}', { ["1"] = 2 } },                  -- keys stay strings
  { '"\\u0000"', "\0" },
  { '"\\ud83d\\ude00 \\u00e9\\/"', "\u{1F600} \u{E9}/" },
  { '"\255\192\175"', "\255\192\175" },          -- bytes of strings pass without a UTF-8 check
  { '{"totalCount":9223372036854775807,"individuals":[{"id":-9223372036854775808}]}',
    { totalCount = MAX, individuals = { { id = MIN } } } },
}

T.test("values: integers exact in 64 bits, floats beyond; scalars at the top level", function()
  for _, row in ipairs(values) do
    T.same(json.decode(row[1]), row[2], row[1])
  end
end)

-- {text, message}: one line each, "att.json.decode: WHAT at character N"
local errors = {
  { "", "unexpected end of input at character 1" },
  { "   ", "unexpected end of input at character 4" },
  { "01", "invalid number (leading zero) at character 1" },
  { "1.", "invalid number at character 1" },   -- lua-cjson took these three from strtod
  { "-.5", "invalid number at character 1" },
  { "1.e5", "invalid number at character 1" },
  { "+1", "expected a value at character 1" },
  { "NaN", "expected a value at character 1" },
  { "-Infinity", "invalid number at character 1" },
  { "0x10", "unexpected text after the value at character 2" },
  { "[1] 2", "unexpected text after the value at character 5" },
  { "[1]\0", "unexpected text after the value at character 4" }, -- lua-cjson stopped at the NUL
  { "\239\187\191[1]", "expected a value at character 1" },       -- no byte order mark
  { "[1,]", "expected a value at character 4" },
  { '{"a":1,}', "expected a string key at character 8" },
  { "{'a':1}", "expected a string key at character 2" },
  { '{"a" 1}', "expected ':' at character 6" },
  { "[1 2]", "expected ',' or ']' at character 4" },
  { "tru", "expected a value at character 1" },
  { '"a\nb"', "control character in string at character 3" }, -- lua-cjson took raw controls
  { '"abc', "unterminated string at character 5" },
  { '"\\x"', "invalid escape in string at character 2" },
  { '"\\ud800"', "invalid UTF-16 surrogate pair at character 2" },
  { '"\\udc00"', "invalid UTF-16 surrogate at character 2" },
  { string.rep("[", 1001) .. string.rep("]", 1001), "nested too deeply at character 1001" },
}

T.test("invalid JSON: one line naming what and where", function()
  for _, row in ipairs(errors) do
    local ok, err = pcall(json.decode, row[1])
    T.eq(ok, false, string.format("%q accepted", row[1]))
    T.eq(err, "att.json.decode: " .. row[2], string.format("%q", row[1]))
  end
end)

T.test("nesting: 1000 levels decode", function()
  local v = json.decode(string.rep("[", 1000) .. string.rep("]", 1000))
  for _ = 1, 999 do v = v[1] end
  T.same(v, {})
end)

T.test("arguments: a number is read as its text; anything else is a usage error", function()
  T.eq(json.decode(5), 5)
  T.match(T.raises(json.decode, {}), "bad argument #1 to '[^']*' %(string expected, got table%)")
  T.match(T.raises(json.decode), "bad argument #1 to '[^']*' %(string expected, got no value%)")
end)

T.test("encode reads back: integers at the edges exactly", function()
  local text = "[9223372036854775807,-9223372036854775808,9007199254740993,1.5,null]"
  T.eq(json.encode(json.decode(text)), text)
  -- the one float decoding can make that is integral and fits: -2^63, from an integer spelt below
  -- it. It is written with an exponent, and so reads back as math.mininteger (equal in Lua).
  local f = json.decode("-9223372036854775809")
  T.eq(json.encode(f), "-9.223372036854776e+18")
  T.eq(json.decode(json.encode(f)), MIN)
  T.ok(f == MIN, "-2^63 == math.mininteger")
end)

T.test("a page and att.json.decode of the same text give the same values", function()
  local out, err, rc = T.run((os.getenv("SANDBOX") or "./att-sandbox") .. " --dump --individuals 12 --seed 3")
  T.eq(rc, 0, "att-sandbox --dump: " .. tostring(err))
  local sb = T.sandbox { "--individuals", "12", "--seed", "3" }
  local got = T.using({ base_url = sb.url }, function() return att.search({ pageSize = 5 }):collect() end)
  T.same(got, json.decode(out))
end)

T.done()
