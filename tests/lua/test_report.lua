-- tests/lua/test_report.lua — att.report: every writer against exact expected output, hostile values,
-- paths, renamed columns, iterators, widths, memory of the streaming writers, errors.
-- Run from the repository root:  ./att tests/lua/test_report.lua
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local null = att.null
local json = att.json

local tmp = os.tmpname()

-- Runs a writer into a temporary file; returns the file's content and the writer's results.
local function run(fmt, rows, opts)
  opts = opts or {}
  opts.out = tmp
  local n, m = report.write(fmt, rows, opts)
  return T.read_file(tmp), n, m
end

-- The formats written as text (the typed writers, sqlite, xlsx and postgres, have their own tests:
-- test_sqlite.lua, test_xlsx.sh, test_postgres.sh) and the file-based typed ones, each run into a
-- new file of its own.
local TEXT_FORMATS, TYPED_FILE = {}, { sqlite = ".db", xlsx = ".xlsx" }
for _, f in ipairs(report.formats) do
  if not TYPED_FILE[f] and f ~= "postgres" then TEXT_FORMATS[#TEXT_FORMATS + 1] = f end
end
local function run_typed(fmt, rows, opts)
  opts = opts or {}
  local name = os.tmpname()
  os.remove(name)
  opts.out = name .. TYPED_FILE[fmt]
  local n = report.write(fmt, rows, opts)
  os.remove(opts.out)
  return n
end

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

local gen = T.gen

---------------------------------------------------------------------------------------------------
-- Memory first, while the heap's peak is still low: streaming writers over 200,000 generated rows.

local N = 200000
local NOTE = string.rep("x", 120)
local function big_rows()
  local i = 0
  return function()
    i = i + 1
    if i > N then return nil end
    return { id = i, name = "customer " .. i, note = NOTE, nested = { state = "ACTIVE" } }
  end
end
-- The size of the CSV of big_rows: header "id,name,note,nested.state\r\n", then per row
-- i .. ",customer " .. i .. "," .. NOTE .. ",ACTIVE\r\n".
local csv_size = #"id,name,note,nested.state\r\n"
for i = 1, N do csv_size = csv_size + 2 * #tostring(i) + #",customer ," + #NOTE + #",ACTIVE\r\n" end

-- csv goes to a sink that counts the bytes and drops them (so the size is checked too), the others
-- to /dev/null.
for _, fmt in ipairs { "csv", "tsv", "jsonl", "json", "markdown" } do
  T.test(fmt .. " streams 200,000 rows in little memory", function()
    local size = 0
    local sink = fmt ~= "csv" and "/dev/null" or { write = function(self, ...)
      for i = 1, select("#", ...) do size = size + #select(i, ...) end
      return self
    end }
    collectgarbage()
    local before = att.stats().memory
    local n = report.write(fmt, big_rows(), { columns = { "id", "name", "note", "nested.state" }, out = sink })
    T.eq(n, N, "rows written")
    local grew = att.stats().peak_memory - before
    if fmt == "csv" then T.eq(size, csv_size, "bytes of CSV") end
    T.ok(csv_size > 25e6, "the data is tens of MB: " .. csv_size)
    T.ok(grew < 8e6, string.format("peak heap grew by %.1f MB (limit 8 MB) for %.1f MB of CSV", grew / 1e6, csv_size / 1e6))
  end)
end

T.test("the measure works: collecting the same rows costs far more than 8 MB", function()
  collectgarbage()
  local before = att.stats().memory
  local all = {}
  for row in big_rows() do all[#all + 1] = row end
  local grew = att.stats().peak_memory - before
  all = nil
  collectgarbage()
  T.ok(grew > 20e6, string.format("collecting grew the heap by only %.1f MB", grew / 1e6))
end)

---------------------------------------------------------------------------------------------------
-- Hostile values, shared by the writers.

local COLS = { "id", "text", "num", "flag", "extra" }
local H = {
  { id = 1, text = "plain", num = 42, flag = true },
  { id = 2, text = "comma, here", num = -5, flag = false },
  { id = 3, text = 'say "hi"', num = 0.1, extra = null },
  { id = 4, text = "line1\nline2", num = 1 / 3 },
  { id = 5, text = "cr\rcrlf\r\nend", num = 1e20 },
  { id = 6, text = "pipe|tab\tback\\slash", num = -2.5 },
  { id = 7, text = "Élodie Ëmeric 李小龍 🎉" },
  { id = 8, text = "" },
  { id = 9, text = " edge " },
  { id = 10, text = "=1+2", extra = { b = 2, a = { 1, 2 } } },
  { id = 11, text = "-5", extra = "@SUM(A1)" },
  { id = 12, text = "+1 555", extra = "\tstart" },
  { id = 13, text = "<b>bold</b> & 'co'" },
}

T.test("csv: RFC 4180 quoting, CRLF, UTF-8, nil/null, numbers, booleans, nested JSON, defused formulas", function()
  local got, n = run("csv", H, { columns = COLS })
  T.eq(n, #H, "rows written")
  T.eq(got, table.concat {
    "id,text,num,flag,extra\r\n",
    "1,plain,42,true,\r\n",
    '2,"comma, here",-5,false,\r\n',
    '3,"say ""hi""",0.1,,\r\n',
    '4,"line1\nline2",0.33333333333333,,\r\n',
    '5,"cr\rcrlf\r\nend",1e+20,,\r\n',
    "6,pipe|tab\tback\\slash,-2.5,,\r\n",
    "7,Élodie Ëmeric 李小龍 🎉,,,\r\n",
    "8,,,,\r\n",
    '9," edge ",,,\r\n',
    "10,'=1+2,,,\"{\"\"a\"\":[1,2],\"\"b\"\":2}\"\r\n",
    "11,'-5,,,'@SUM(A1)\r\n",
    "12,'+1 555,,,'\tstart\r\n",
    "13,<b>bold</b> & 'co',,,\r\n",
  })
end)

T.test("csv: defuse = false writes formula-looking strings unchanged", function()
  local got = run("csv", { H[10], H[11], H[12] }, { columns = COLS, defuse = false })
  T.eq(got, "id,text,num,flag,extra\r\n" ..
    "10,=1+2,,,\"{\"\"a\"\":[1,2],\"\"b\"\":2}\"\r\n" ..
    "11,-5,,,@SUM(A1)\r\n" ..
    '12,+1 555,,,"\tstart"\r\n')
end)

T.test("csv: defuse covers = + - @ tab CR at the start of strings only; numbers and booleans untouched", function()
  local rows = {
    { v = "=a" }, { v = "+a" }, { v = "-a" }, { v = "@a" }, { v = "\ta" }, { v = "\ra" },
    { v = "a=b" }, { v = " =a" }, { v = -5 }, { v = -0.5 }, { v = false }, { v = "" },
  }
  local got = run("csv", rows)
  T.eq(got, "v\r\n'=a\r\n'+a\r\n'-a\r\n'@a\r\n'\ta\r\n\"'\ra\"\r\na=b\r\n\" =a\"\r\n-5\r\n-0.5\r\nfalse\r\n\r\n")
end)

T.test("csv: header names are defused too; header = false; eol", function()
  T.eq(run("csv", { { ["=x"] = 1 } }), "'=x\r\n1\r\n")
  T.eq(run("csv", { { a = 1, b = "x,y" } }, { header = false }), '1,"x,y"\r\n')
  T.eq(run("csv", { { a = 1, b = 2 } }, { eol = "\n" }), "a,b\n1,2\n")
end)

T.test("csv: a 10,000-character cell is written whole", function()
  local long = string.rep("ab,", 3333) .. "c"
  T.eq(#long, 10000)
  local got = run("csv", { { id = 1, long = long } }, { columns = { "id", "long" } })
  T.eq(got, 'id,long\r\n1,"' .. long .. '"\r\n')
end)

T.test("tsv: escapes tab, CR, LF and backslash; defuses formulas", function()
  local got, n = run("tsv", H, { columns = COLS })
  T.eq(n, #H)
  T.eq(got, table.concat {
    "id\ttext\tnum\tflag\textra\n",
    "1\tplain\t42\ttrue\t\n",
    "2\tcomma, here\t-5\tfalse\t\n",
    '3\tsay "hi"\t0.1\t\t\n',
    "4\tline1\\nline2\t0.33333333333333\t\t\n",
    "5\tcr\\rcrlf\\r\\nend\t1e+20\t\t\n",
    "6\tpipe|tab\\tback\\\\slash\t-2.5\t\t\n",
    "7\tÉlodie Ëmeric 李小龍 🎉\t\t\t\n",
    "8\t\t\t\t\n",
    "9\t edge \t\t\t\n",
    '10\t\'=1+2\t\t\t{"a":[1,2],"b":2}\n',
    "11\t'-5\t\t\t'@SUM(A1)\n",
    "12\t'+1 555\t\t\t'\\tstart\n",
    "13\t<b>bold</b> & 'co'\t\t\t\n",
  })
  T.eq(run("tsv", { H[12] }, { columns = { "text", "extra" }, defuse = false }), "text\textra\n+1 555\t\\tstart\n")
end)

local JSONL = table.concat {
  '{"id":1,"Text":"plain","num":42,"flag":true,"extra":null}\n',
  '{"id":2,"Text":"comma, here","num":-5,"flag":false,"extra":null}\n',
  '{"id":3,"Text":"say \\"hi\\"","num":0.1,"flag":null,"extra":null}\n',
  '{"id":4,"Text":"line1\\nline2","num":0.3333333333333333,"flag":null,"extra":null}\n',
  '{"id":5,"Text":"cr\\rcrlf\\r\\nend","num":1e+20,"flag":null,"extra":null}\n',
  '{"id":6,"Text":"pipe|tab\\tback\\\\slash","num":-2.5,"flag":null,"extra":null}\n',
  '{"id":7,"Text":"Élodie Ëmeric 李小龍 🎉","num":null,"flag":null,"extra":null}\n',
  '{"id":8,"Text":"","num":null,"flag":null,"extra":null}\n',
  '{"id":9,"Text":" edge ","num":null,"flag":null,"extra":null}\n',
  '{"id":10,"Text":"=1+2","num":null,"flag":null,"extra":{"a":[1,2],"b":2}}\n',
  '{"id":11,"Text":"-5","num":null,"flag":null,"extra":"@SUM(A1)"}\n',
  '{"id":12,"Text":"+1 555","num":null,"flag":null,"extra":"\\tstart"}\n',
  '{"id":13,"Text":"<b>bold</b> & \'co\'","num":null,"flag":null,"extra":null}\n',
}
local JCOLS = { "id", { "text", "Text" }, "num", "flag", "extra" }

-- What decoding the JSON gives back: the rows with the renamed key and null for missing values.
local function decoded_rows()
  local want = {}
  for i, r in ipairs(H) do
    want[i] = { id = r.id, Text = r.text, num = r.num == nil and null or r.num,
      flag = r.flag == nil and null or r.flag, extra = r.extra == nil and null or r.extra }
  end
  return want
end

T.test("jsonl: one object per line, keys in column order (renamed), values typed, nothing defused", function()
  local got, n = run("jsonl", H, { columns = JCOLS })
  T.eq(n, #H)
  T.eq(got, JSONL)
end)

T.test("jsonl decodes back to the same values", function()
  local back = {}
  for _, l in ipairs(lines(run("jsonl", H, { columns = JCOLS }))) do back[#back + 1] = json.decode(l) end
  T.same(back, decoded_rows())
end)

T.test("jsonl without columns writes whole rows (keys sorted)", function()
  T.eq(run("jsonl", { { b = 1, a = { x = null, y = { 1, 2 } } } }), '{"a":{"x":null,"y":[1,2]},"b":1}\n')
end)

T.test("json: one array, one object per line; decodes back; empty input is []", function()
  local got, n = run("json", H, { columns = JCOLS })
  T.eq(n, #H)
  T.eq(got, "[\n" .. JSONL:gsub("\n(.)", ",\n%1"):gsub("\n$", "") .. "\n]\n")
  T.same(json.decode(got), decoded_rows())
  T.eq(run("json", {}, { columns = { "a" } }), "[]\n")
  T.eq(run("json", { { a = 1 } }), '[\n{"a":1}\n]\n')
end)

T.test("json: NaN and infinities are null", function()
  T.eq(run("json", { { a = 0 / 0, b = 1 / 0, c = -1 / 0 } }, { columns = { "a", "b", "c" } }),
    '[\n{"a":null,"b":null,"c":null}\n]\n')
end)

T.test("markdown: | and \\ escaped, < as &lt;, line breaks as <br>", function()
  local got, n = run("markdown", H, { columns = COLS })
  T.eq(n, #H)
  T.eq(got, table.concat {
    "| id | text | num | flag | extra |\n",
    "|---|---|---|---|---|\n",
    "| 1 | plain | 42 | true |  |\n",
    "| 2 | comma, here | -5 | false |  |\n",
    '| 3 | say "hi" | 0.1 |  |  |\n',
    "| 4 | line1<br>line2 | 0.33333333333333 |  |  |\n",
    "| 5 | cr<br>crlf<br>end | 1e+20 |  |  |\n",
    "| 6 | pipe\\|tab\tback\\\\slash | -2.5 |  |  |\n",
    "| 7 | Élodie Ëmeric 李小龍 🎉 |  |  |  |\n",
    "| 8 |  |  |  |  |\n",
    "| 9 |  edge  |  |  |  |\n",
    '| 10 | =1+2 |  |  | {"a":[1,2],"b":2} |\n',
    "| 11 | -5 |  |  | @SUM(A1) |\n",
    "| 12 | +1 555 |  |  | \tstart |\n",
    "| 13 | &lt;b>bold&lt;/b> & 'co' |  |  |  |\n",
  })
end)

T.test("markdown: header = false leaves an empty header row; header names escaped", function()
  T.eq(run("markdown", { { a = 1, b = 2 } }, { header = false }), "|  |  |\n|---|---|\n| 1 | 2 |\n")
  T.eq(run("markdown", { { x = 1 } }, { columns = { { "x", "a|b" } } }), "| a\\|b |\n|---|\n| 1 |\n")
end)

---------------------------------------------------------------------------------------------------
-- table

T.test("width: characters, East Asian wide = 2, combining marks = 0, emoji = 2, invalid bytes = 1", function()
  T.eq(report.width("abc"), 3)
  T.eq(report.width("Zoë"), 3)
  T.eq(report.width("ÉËé"), 3)
  T.eq(report.width("李小龍"), 6)
  T.eq(report.width("東京"), 4)
  T.eq(report.width("한국어"), 6)          -- Hangul syllables
  T.eq(report.width("ｶﾀｶﾅ"), 4)            -- half-width katakana: 1 each
  T.eq(report.width("ＡＢ"), 4)            -- full-width forms
  T.eq(report.width("e\u{301}"), 1)        -- e + combining acute
  T.eq(report.width("🎉"), 2)
  T.eq(report.width("\u{20000}"), 2)       -- CJK extension B
  T.eq(report.width("\xff\xfe"), 2)
  T.eq(report.width(""), 0)
end)

T.test("table: aligned by display width (CJK, combining, emoji), numbers right-aligned", function()
  local rows = {
    { name = "Zoë", city = "東京", n = 5, note = "a\tb" },
    { name = "李小龍", city = "Paris", n = -12, note = null },
    { name = "e\u{301}e\u{301}", city = "🎉x", n = 1.5, note = "line1\r\nline2" },
  }
  local got, n, total = run("table", rows, { columns = { "name", "city", "n", "note" } })
  T.eq(n, 3, "rows written")
  T.eq(total, 3, "rows read")
  T.eq(got, table.concat {
    "name    city     n  note\n",
    "------  -----  ---  -----------\n",
    "Zoë     東京     5  a b\n",
    "李小龍  Paris  -12\n",
    "e\u{301}e\u{301}      🎉x    1.5  line1 line2\n",
  })
end)

T.test("table: padding by display width, trailing spaces trimmed", function()
  local rows = { { a = "李", b = "xx" }, { a = "abc", b = "東京東" }, { a = "e\u{301}", b = "y" } }
  local got = run("table", rows)
  T.eq(got, "a    b\n---  ------\n李   xx\nabc  東京東\ne\u{301}    y\n")
end)

T.test("table: opts.limit and the '... N more' line", function()
  local rows = {}
  for i = 1, 5 do rows[i] = { i = i } end
  local got, n, total = run("table", gen(rows), { limit = 2 })
  T.eq(got, "i\n-\n1\n2\n... 3 more\n")
  T.eq(n, 2, "rows written")
  T.eq(total, 5, "rows read")
  got, n, total = run("table", rows, { limit = 0, header = false })
  T.eq(got, "... 5 more\n")
  T.eq(n, 0)
  T.eq(total, 5)
end)

T.test("table: the default limit is 1000 rows", function()
  local rows = {}
  for i = 1, 1005 do rows[i] = { i = i } end
  local got, n = run("table", rows)
  T.eq(n, 1000)
  local ls = lines(got)
  T.eq(#ls, 1003)
  T.eq(ls[1002], "1000")
  T.eq(ls[1003], "... 5 more")
end)

T.test("table: long cells cut to opts.max_width (default 60) with …; wide characters not split", function()
  local long = string.rep("x", 10000)
  local got = run("table", { { id = 1, long = long } }, { columns = { "id", "long" } })
  T.eq(got, "id  long\n--  " .. string.rep("-", 60) .. "\n 1  " .. string.rep("x", 59) .. "…\n")
  T.eq(run("table", { { a = "abcdefghij" } }, { max_width = 5 }), "a\n-----\nabcd…\n")
  T.eq(run("table", { { a = "李小龍李小龍" } }, { max_width = 5 }), "a\n-----\n李小…\n")
  T.eq(run("table", { { a = "李小龍李小龍" } }, { max_width = 4 }), "a\n---\n李…\n")
  T.eq(run("table", { { a = "李小" } }, { max_width = 4 }), "a\n----\n李小\n")
end)

T.test("table: control characters and invalid UTF-8 cannot reach the terminal", function()
  local got = run("table", { { a = "\27[31mred\7", b = "ok\xff" } })
  T.eq(got, "a          b\n---------  ---\n\u{FFFD}[31mred\u{FFFD}  ok\u{FFFD}\n")
end)

T.test("table: header = false, values of every type, empty input", function()
  local got = run("table", { { a = true, b = { 1, 2 }, c = 2 ^ 53 } }, { header = false })
  T.eq(got, "true  [1,2]  9.007199254741e+15\n")
  T.eq(run("table", {}), "")
  T.eq(run("table", {}, { columns = { "x", "yy" } }), "x  yy\n-  --\n")
end)

---------------------------------------------------------------------------------------------------
-- Columns, paths, inputs

local function fixture(name)
  return json.decode(assert(T.read_file("tests/fixtures/report/" .. name)))
end
local PEOPLE = fixture("individuals.json")
local PCOLS = { "id", { "profile.firstName", "First" }, "accounts.billingMarket", "accounts.1.state.state",
  "accounts.subscribers.id", { "accounts.2.id", "Second account" }, "nope.deeper" }
local PEOPLE_CSV = table.concat {
  "id,First,accounts.billingMarket,accounts.1.state.state,accounts.subscribers.id,Second account,nope.deeper\r\n",
  'ind-1,JANE,"[""DAL"",""HOU""]",ACTIVE,"[""SUB-1"",""SUB-2"",""SUB-3""]",223456789,\r\n',
  "ind-2,ÉLODIE,,ACTIVE,,,\r\n",
  "ind-3,'-2+3,\"[\"\"NYC\"\"]\",ACTIVE,\"[\"\"SUB-4\"\"]\",,\r\n",
}

T.test("dotted paths: nested objects, array indexes, a name over an array gathers a list", function()
  T.eq(run("csv", PEOPLE, { columns = PCOLS }), PEOPLE_CSV)
end)

T.test("report.get: a plain key wins over a path; paths through arrays", function()
  T.eq(report.get({ ["a.b"] = 1, a = { b = 2 } }, "a.b"), 1)
  T.eq(report.get({ a = { b = 2 } }, "a.b"), 2)
  T.eq(report.get({ a = 5 }, "a.b"), nil)
  T.eq(report.get(PEOPLE[1], "accounts.2.subscribers.2.status.state"), "CANCELLED")
  T.same(report.get(PEOPLE[1], "accounts.subscribers.status.state"), { "ACTIVE", "ACTIVE", "CANCELLED" })
  T.same(report.get(PEOPLE[2], "accounts.billingMarket"), nil)
end)

T.test("a crossed path: elements without the rest of the path add nothing (att.path's rule)", function()
  local rows = { { id = 1, accounts = { { billingMarket = "DAL" }, {}, { billingMarket = att.null }, "x" } },
    { id = 2, accounts = { { other = 1 } } }, { id = 3, m = { { { v = 1 } }, { { v = 2 }, { w = 3 } } } } }
  local cols = { "id", "accounts.billingMarket", "m.v" }
  T.eq(run("jsonl", rows, { columns = cols }), table.concat {
    '{"id":1,"accounts.billingMarket":["DAL",null],"m.v":null}\n',
    '{"id":2,"accounts.billingMarket":null,"m.v":null}\n',
    '{"id":3,"accounts.billingMarket":null,"m.v":[1,2]}\n',
  }, "jsonl (the account without billingMarket used to add a null)")
  T.eq(run("csv", rows, { columns = cols }),
    'id,accounts.billingMarket,m.v\r\n1,"[""DAL"",null]",\r\n2,,\r\n3,,"[1,2]"\r\n', "csv")
end)

T.test("paths and renamed columns in JSON keep their types", function()
  local got = run("jsonl", PEOPLE, { columns = { "id", { "accounts.billingMarket", "markets" }, { "accounts.1.isDigitalAccount", "digital" }, "profile.middleInitial" } })
  T.eq(got, table.concat {
    '{"id":"ind-1","markets":["DAL","HOU"],"digital":true,"profile.middleInitial":"A"}\n',
    '{"id":"ind-2","markets":null,"digital":true,"profile.middleInitial":null}\n',
    '{"id":"ind-3","markets":["NYC"],"digital":false,"profile.middleInitial":"+"}\n',
  })
end)

T.test("default columns: the first row's keys, sorted; nested values as JSON", function()
  T.eq(run("csv", { { b = 2, a = 1, c = { z = 1, y = att.json.array {} } }, { a = 3, d = 4 } }),
    'a,b,c\r\n1,2,"{""y"":[],""z"":1}"\r\n3,,\r\n')
end)

T.test("iterator input gives the same output as array input, for every text writer", function()
  for _, fmt in ipairs(TEXT_FORMATS) do
    local a = run(fmt, H, { columns = COLS })
    local b = run(fmt, gen(H), { columns = COLS })
    local c = run(fmt, coroutine.wrap(function() for _, r in ipairs(H) do coroutine.yield(r) end end), { columns = COLS })
    local callable = setmetatable({}, { __call = gen(H) })
    local d = run(fmt, callable, { columns = COLS })
    if fmt == "html" then -- the nonce differs between runs
      a, b, c, d = a:gsub("nonce%-?=?\"?%x+", ""), b:gsub("nonce%-?=?\"?%x+", ""), c:gsub("nonce%-?=?\"?%x+", ""), d:gsub("nonce%-?=?\"?%x+", "")
    end
    T.eq(b, a, fmt .. " from a function")
    T.eq(c, a, fmt .. " from a coroutine")
    T.eq(d, a, fmt .. " from a callable table")
  end
end)

T.test("a Results (callable userdata) from att.search is accepted as rows", function()
  local sb = T.sandbox { "--data", "tests/fixtures/report/individuals.json" }
  att.configure { base_url = sb.url }
  local results <close> = att.search({ serviceType = "FIBER", pageSize = 2 })
  T.eq(type(results), "userdata")
  T.eq(run("csv", results, { columns = PCOLS }), PEOPLE_CSV)
end)

T.test("every writer returns the number of rows written; arrays stop at the first nil", function()
  local rows = { { a = 1 }, { a = 2 }, nil, { a = 4 } }
  for _, fmt in ipairs(TEXT_FORMATS) do
    local _, n = run(fmt, rows)
    T.eq(n, 2, fmt)
    _, n = run(fmt, {}, { columns = { "a" } })
    T.eq(n, 0, fmt .. " (empty)")
  end
  for fmt in pairs(TYPED_FILE) do
    T.eq(run_typed(fmt, rows), 2, fmt)
    T.eq(run_typed(fmt, {}, { columns = { "a" } }), 0, fmt .. " (empty)")
  end
  T.eq(run("csv", {}), "")
  T.eq(run("csv", {}, { columns = { "a", "b" } }), "a,b\r\n")
  T.eq(run("markdown", {}), "")
end)

T.test("report.write takes format names in any case", function()
  T.eq(run("CSV", { { a = 1 } }), "a\r\n1\r\n")
end)

T.test("opts.out: a file handle is written and flushed, not closed; any object with :write works", function()
  local f = assert(io.open(tmp, "wb"))
  T.eq(report.tsv({ { a = 1 } }, { out = f }), 1)
  T.eq(io.type(f), "file")
  f:write("more\n")
  f:close()
  T.eq(T.read_file(tmp), "a\n1\nmore\n")
  local parts = {}
  local sink = { write = function(self, ...) for _, s in ipairs { ... } do parts[#parts + 1] = s end return self end }
  report.jsonl({ { a = 1 } }, { out = sink })
  T.eq(table.concat(parts), '{"a":1}\n')
end)

T.test("cell_text: nil/null empty, integers, %.14g floats, booleans, JSON", function()
  T.eq(report.cell_text(nil), "")
  T.eq(report.cell_text(null), "")
  T.eq(report.cell_text(12), "12")
  T.eq(report.cell_text(math.mininteger), "-9223372036854775808")
  T.eq(report.cell_text(2.0), "2")
  T.eq(report.cell_text(math.pi), "3.1415926535898")
  T.eq(report.cell_text(true), "true")
  T.eq(report.cell_text({ b = 1, a = "x" }), '{"a":"x","b":1}')
  T.eq(report.formats[7], "html")
end)

---------------------------------------------------------------------------------------------------
-- html (the rendered page is checked in headless Chromium by tests/cli/test_html.sh)

T.test("html: escaped text, one <tr> per row in tbody, one rect.bar per row, exact body and footer (no user info, query or fragment)", function()
  local rows = fixture("markets.json")
  local got, n = run("html", rows, {
    title = "Markets <&> \"q\" 'a'",
    columns = { "market", "accounts", { "growth", "Growth %" } },
    chart = { label = "market", value = "accounts" },
    footer = { time = 1700000000, base_url = "https://user:secret-pw@api.example.com/omni-svcs?key=k1#frag",
               filters = { serviceType = "FIBER", pageSize = 50 } },
  })
  T.eq(n, 8)
  T.match(got, '^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf%-8">\n')
  T.match(got, "<title>Markets &lt;&amp;&gt; &quot;q&quot; &#39;a&#39;</title>")
  local _, trs = got:match("<tbody>(.-)</tbody>"):gsub("<tr>", "")
  T.eq(trs, 8, "rows in tbody")
  local _, bars = got:gsub('<rect class="bar"', "")
  T.eq(bars, 8, "bars")
  local _, scripts = got:gsub("<script", "")
  T.eq(scripts, 1, "only the page's own script")
  T.ok(not got:find("<script>document", 1, true), "the data's script tag is escaped")
  for _, ref in ipairs { " src=", " href=", "url(", "@import", "<link", "<iframe", "<img" } do
    T.ok(not got:find(ref, 1, true), "no external resources: found " .. ref)
  end
  local body = got:match("<body>\n(.-)<script nonce")
  T.eq(body, table.concat {
    "<h1>Markets &lt;&amp;&gt; &quot;q&quot; &#39;a&#39;</h1>\n",
    "<p class=\"count\" id=\"count\">8 rows</p>\n",
    "<figure class=\"chart\" id=\"chart\">\n",
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 527 200\" preserveAspectRatio=\"xMinYMin meet\" data-label-room=\"191\" role=\"img\" aria-label=\"accounts by market\">\n",
    "<title>accounts by market</title>\n",
    "<g><text class=\"label\" x=\"8\" y=\"16\" dominant-baseline=\"middle\">DAL</text><rect class=\"bar\" x=\"207\" y=\"8\" width=\"159.6\" height=\"16\"><title>DAL: 57</title></rect><text class=\"value\" x=\"370.6\" y=\"16\" dominant-baseline=\"middle\">57</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"40\" dominant-baseline=\"middle\">HOU</text><rect class=\"bar\" x=\"207\" y=\"32\" width=\"123.2\" height=\"16\"><title>HOU: 44</title></rect><text class=\"value\" x=\"334.2\" y=\"40\" dominant-baseline=\"middle\">44</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"64\" dominant-baseline=\"middle\">NYC</text><rect class=\"bar\" x=\"207\" y=\"56\" width=\"246.4\" height=\"16\"><title>NYC: 88</title></rect><text class=\"value\" x=\"457.4\" y=\"64\" dominant-baseline=\"middle\">88</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"88\" dominant-baseline=\"middle\">LAX</text><rect class=\"bar\" x=\"207\" y=\"80\" width=\"42\" height=\"16\"><title>LAX: 15</title></rect><text class=\"value\" x=\"253\" y=\"88\" dominant-baseline=\"middle\">15</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"112\" dominant-baseline=\"middle\">CHI</text><rect class=\"bar\" x=\"207\" y=\"104\" width=\"25.2\" height=\"16\"><title>CHI: 9</title></rect><text class=\"value\" x=\"236.2\" y=\"112\" dominant-baseline=\"middle\">9</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"136\" dominant-baseline=\"middle\">ATL</text><rect class=\"bar\" x=\"207\" y=\"128\" width=\"61.6\" height=\"16\"><title>ATL: 22</title></rect><text class=\"value\" x=\"272.6\" y=\"136\" dominant-baseline=\"middle\">22</text></g>\n",
    "<g><title>&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; &amp; Co</title><text class=\"label\" x=\"8\" y=\"160\" dominant-baseline=\"middle\">&lt;script&gt;document.title=&#39;pwned&#39;&lt;…</text><rect class=\"bar\" x=\"207\" y=\"152\" width=\"280\" height=\"16\"><title>&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; &amp; Co: 100</title></rect><text class=\"value\" x=\"491\" y=\"160\" dominant-baseline=\"middle\">100</text></g>\n",
    "<g><text class=\"label\" x=\"8\" y=\"184\" dominant-baseline=\"middle\">São Paulo / 東京</text><rect class=\"bar\" x=\"207\" y=\"176\" width=\"5.6\" height=\"16\"><title>São Paulo / 東京: 2</title></rect><text class=\"value\" x=\"216.6\" y=\"184\" dominant-baseline=\"middle\">2</text></g>\n",
    "<line class=\"axis\" x1=\"207\" y1=\"8\" x2=\"207\" y2=\"192\"/>\n",
    "</svg>\n",
    "</figure>\n",
    "<table id=\"report\">\n",
    "<thead><tr><th scope=\"col\" data-name=\"market\" aria-sort=\"none\"><button type=\"button\">market</button></th><th scope=\"col\" data-name=\"accounts\" aria-sort=\"none\" class=\"num\"><button type=\"button\">accounts</button></th><th scope=\"col\" data-name=\"Growth %\" aria-sort=\"none\" class=\"num\"><button type=\"button\">Growth %</button></th></tr></thead>\n",
    "<tbody>\n",
    "<tr><td>DAL</td><td class=\"num\">57</td><td class=\"num\">-1.5</td></tr>\n",
    "<tr><td>HOU</td><td class=\"num\">44</td><td class=\"num\">2.25</td></tr>\n",
    "<tr><td>NYC</td><td class=\"num\">88</td><td class=\"num\">0.5</td></tr>\n",
    "<tr><td>LAX</td><td class=\"num\">15</td><td class=\"num\">-12</td></tr>\n",
    "<tr><td>CHI</td><td class=\"num\">9</td><td class=\"num\">7</td></tr>\n",
    "<tr><td>ATL</td><td class=\"num\">22</td><td class=\"num\">0</td></tr>\n",
    "<tr><td>&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; &amp; Co</td><td class=\"num\">100</td><td class=\"num\">3.125</td></tr>\n",
    "<tr><td>São Paulo / 東京</td><td class=\"num\">2</td><td class=\"num\">-0.25</td></tr>\n",
    "</tbody>\n",
    "</table>\n",
    "<footer class=\"source\" id=\"source\">\n",
    "<p>Made <time datetime=\"2023-11-14T22:13:20Z\">2023-11-14 22:13:20 UTC</time> by att " .. att.version .. " from <span class=\"url\">https://api.example.com/omni-svcs</span>; filters: <span class=\"filters\">pageSize=50, serviceType=FIBER</span>.</p>\n",
    "</footer>\n",
  })
end)

T.test("html: self-contained (CSP, nonce on the page's own style and script), no chart without opts.chart", function()
  local got = run("html", H, { columns = COLS })
  local nonce = got:match("script%-src 'nonce%-(%x+)'")
  T.ok(nonce and #nonce == 16, "a nonce in the CSP")
  T.match(got, "default%-src 'none'")
  T.match(got, '<style nonce="' .. nonce .. '">')
  T.match(got, '<script nonce="' .. nonce .. '">')
  T.ok(not got:find("<svg", 1, true) and not got:find('class="bar"', 1, true), "no chart")
  T.match(got, "<title>att report</title>")
  T.match(got, '<p class="count" id="count">13 rows</p>')
  T.match(got, "<td>line1\nline2</td>")
  T.match(got, '<td>{&quot;a&quot;:%[1,2%],&quot;b&quot;:2}</td>')
  T.match(got, "<td>&lt;b&gt;bold&lt;/b&gt; &amp; &#39;co&#39;</td>")
  T.match(got, "<td>=1%+2</td>")
  local _, trs = got:match("<tbody>(.-)</tbody>"):gsub("<tr>", "")
  T.eq(trs, #H)
  T.ok(run("html", H):match("script%-src 'nonce%-(%x+)'") ~= nonce, "a new nonce every time")
end)

T.test("html: limit, one row, negative values in the chart, empty input", function()
  local rows = { { k = "a", v = -4 }, { k = "b", v = 4 }, { k = "c", v = "n/a" } }
  local got, n, total = run("html", rows, { chart = { label = "k", value = "v" }, limit = 2 })
  T.eq(n, 2)
  T.eq(total, 3)
  T.match(got, '<p class="count" id="count">2 of 3 rows shown</p>')
  T.match(got, '<p class="more">1 more rows not shown</p>')
  T.match(got, '<rect class="bar" x="40" y="8" width="140" height="16"><title>a: %-4</title></rect>')
  T.match(got, '<rect class="bar" x="180" y="32" width="140" height="16"><title>b: 4</title></rect>')
  got = run("html", { rows[1] }, {})
  T.match(got, '<p class="count" id="count">1 row</p>')
  got, n = run("html", {}, { chart = { label = "k", value = "v" } })
  T.eq(n, 0)
  T.match(got, '<p class="count" id="count">0 rows</p>')
  T.match(got, "<tbody>\n</tbody>")
  T.ok(not got:find('class="bar"', 1, true))
end)

T.test("html: chart columns by header name, by path, or any path of the row", function()
  local rows = { { m = { name = "DAL" }, n = 3, extra = "7" }, { m = { name = "HOU" }, n = 1, extra = "x" } }
  local got = run("html", rows, { columns = { { "m.name", "Market" }, { "n", "Count" } }, chart = { label = "Market", value = "n" } })
  T.match(got, 'aria%-label="Count by Market"')
  T.match(got, "<title>DAL: 3</title>")
  T.match(got, "<title>HOU: 1</title>")
  got = run("html", rows, { columns = { "n" }, chart = { label = "m.name", value = "extra" } })
  T.match(got, 'width="280" height="16"><title>DAL: 7</title>')
  T.match(got, 'width="0" height="16"><title>HOU: x</title>')  -- not a number: an empty bar
  local _, bars = got:gsub('<rect class="bar"', "")
  T.eq(bars, 2)
end)

T.test("html: several series: stacked by default, grouped with stacked = false, or a list of value columns", function()
  local rows = { { m = "A", s = "x", n = 3 }, { m = "A", s = "y", n = 2 }, { m = "B", s = "x", n = 1 },
                 { m = "A", s = "x", n = 1 } }
  local got = run("html", rows, { columns = { "m", "s", "n" }, chart = { label = "m", value = "n", series = "s" } })
  T.match(got, '<ul class="legend"><li><span class="swatch s0"></span>x</li><li><span class="swatch s1"></span>y</li></ul>')
  local _, bars = got:gsub('<rect class="bar s%d"', "")
  T.eq(bars, 3, "one segment per label and series (A/x summed)")
  T.match(got, "<title>A, x: 4</title>")
  T.match(got, "<title>A, y: 2</title>")
  T.match(got, "<title>B, x: 1</title>")
  local _, labels = got:gsub('<text class="label"', "")
  T.eq(labels, 2, "one label per market")
  T.match(got, 'dominant%-baseline="middle">6</text></g>')  -- the stack's total
  local _, trs = got:match("<tbody>(.-)</tbody>"):gsub("<tr>", "")
  T.eq(trs, 4, "the table keeps every row")
  got = run("html", rows, { chart = { label = "m", value = "n", series = "s", stacked = false } })
  _, bars = got:gsub('<rect class="bar s%d"', "")
  T.eq(bars, 3, "grouped: one bar per label and series")
  local _, values = got:gsub('<text class="value"', "")
  T.eq(values, 3, "grouped: a value per bar")
  got = run("html", { { m = "A", p = 1, q = 2 }, { m = "B", p = 3, q = att.null } },
    { chart = { label = "m", value = { "p", "q" } } })
  T.match(got, '<li><span class="swatch s0"></span>p</li><li><span class="swatch s1"></span>q</li>')
  T.match(got, 'aria%-label="p, q by m"')
  _, bars = got:gsub('<rect class="bar s%d"', "")
  T.eq(bars, 3, "a value list: one segment per column with a number")
end)

T.test("html: the footer (when, from where, with which filters), its parts, false", function()
  local got = run("html", { { a = 1 } }, { footer = { time = 0, base_url = "http://u:p@h:8/x", filters = {} } })
  T.match(got, '<footer class="source" id="source">\n<p>Made <time datetime="1970%-01%-01T00:00:00Z">1970%-01%-01 00:00:00 UTC</time> by att [^<]* from <span class="url">http://h:8/x</span>; filters: <span class="filters">none %(every record%)</span>%.</p>\n</footer>')
  got = run("html", { { a = 1 } }, { footer = { base_url = false, filters = "market DAL <b>", note = "by <me>" } })
  T.ok(not got:find('class="url"', 1, true), "base_url = false leaves it out")
  T.match(got, '<span class="filters">market DAL &lt;b&gt;</span>')
  T.match(got, "<p>by &lt;me&gt;</p>\n</footer>")
  got = run("html", { { a = 1 } })
  T.match(got, 'from <span class="url">' .. att.config().base_url:gsub("%p", "%%%0") .. '</span>; filters: <span class="filters">not given</span>')
  T.match(got, '<time datetime="%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ">')
  T.ok(not run("html", { { a = 1 } }, { footer = false }):find("<footer", 1, true), "footer = false")
end)

---------------------------------------------------------------------------------------------------
-- Errors

local function err_of(fn, ...)
  local e = T.raises(fn, ...)
  return tostring(e)
end

-- att.report_html is loaded on first use only; each case runs in a fresh att.
local ATT = os.getenv("ATT") or "./att"
local function att_e(code, flags)
  return T.run(T.sh_quote(ATT) .. " " .. (flags or "") .. " -e " .. T.sh_quote(code))
end

T.test("html: the writer lives in att.report_html, loaded only when HTML is written", function()
  local out, err, rc = att_e([[
    local report = require "att.report"
    local function loaded() io.stderr:write(tostring(package.loaded["att.report_html"]), "\n") end
    loaded()
    for _, f in ipairs { "csv", "tsv", "jsonl", "json", "markdown", "table" } do
      report.write(f, { { a = 1 } }, { out = "/dev/null" })
    end
    for _ in att.rows({ { id = 1 } }, "individual") do end
    att.query.collect(att.query.filter({ { a = 1 } }, { a = 1 }))
    loaded()
    report.write("HTML", { { a = "<b>" } }, { out = "/dev/null" })
    io.stderr:write(type(package.loaded["att.report_html"]), "\n")
  ]])
  T.eq(rc, 0, "status " .. tostring(err))
  T.eq(out, "")
  T.eq(err, "nil\nnil\ntable\n", "not loaded by the other writers, att.rows or att.query; loaded by html")
  _, err, rc = att_e([[
    io.stderr:write(att.report.html_escape("<&>"), " ", type(package.loaded["att.report_html"]), "\n")
  ]])
  T.eq(err, "&lt;&amp;&gt; table\n", "report.html_escape loads it too")
  out, err, rc = att_e([[
    att.report.html({ { a = 1 } })
    io.stderr:write(type(package.loaded["att.report_html"]), "\n")
  ]], "--safe")
  T.eq(rc, 0, "status " .. tostring(err))
  T.match(out, "^<!DOCTYPE html>\n")
  T.eq(err, "table\n", "att.report.html under --safe")
end)

T.test("html: require \"att.report_html\" works first, and writes what report.html writes", function()
  local code = [[
    local html = require "att.report_html"
    local rows = { { market = "DAL", n = 3 }, { market = "<HOU>", n = 1 } }
    local opts = { title = "T", chart = { label = "market", value = "n" } }
    local function page(f)
      local buf = {}
      opts.out = { write = function(_, ...) for _, s in ipairs { ... } do buf[#buf + 1] = s end return true end }
      local a, b = f(rows, opts)
      return (table.concat(buf):gsub("nonce%-?=?\"?%x+", "")) .. a .. b
    end
    local direct = page(html.html)
    io.write(direct == page(require("att.report").html) and "same" or "differ", " ", html.escape("'"), "\n")
  ]]
  local out, err, rc = att_e(code)
  T.eq(rc, 0, "status " .. tostring(err))
  T.eq(out, "same &#39;\n")
end)

T.test("errors: unknown format names the known ones", function()
  T.eq(err_of(report.write, "xml", {}), 'att.report: unknown format "xml" (known: csv, tsv, jsonl, json, markdown, table, html, sqlite, xlsx, postgres)')
  T.match(err_of(report.write, nil, {}), "unknown format nil")
end)

T.test("errors: bad opts.columns", function()
  T.eq(err_of(report.csv, {}, { columns = "id" }), 'att.report.csv: opts.columns must be a list of column names, got "id"')
  T.eq(err_of(report.csv, {}, { columns = {} }), "att.report.csv: opts.columns is empty")
  T.eq(err_of(report.tsv, {}, { columns = { "a", 5 } }), "att.report.tsv: opts.columns[2] must be a column name or {path, header}, got number")
  T.eq(err_of(report.json, {}, { columns = { "a", { "b", 1 } } }), "att.report.json: opts.columns[2] must be {path, header} with two strings")
  T.eq(err_of(report.jsonl, {}, { columns = { "a", { "b", "a" } } }), 'att.report.jsonl: opts.columns[2]: duplicate column name "a"')
  T.eq(err_of(report.markdown, {}, { columns = { id = true } }), 'att.report.markdown: opts.columns must be a list (an array) of column names; it has the key "id"')
  T.eq(err_of(report.table, {}, { columns = { "a", "" } }), "att.report.table: opts.columns[2] is an empty column name")
  T.eq(err_of(report.html, {}, { columns = { "." } }), "att.report.html: opts.columns[1] is an empty column name")
end)

T.test("errors: opts.out that cannot be opened names the path; bad handles", function()
  T.match(err_of(report.csv, { { a = 1 } }, { out = "/nonexistent-dir/r.csv" }),
    '^att%.report%.csv: cannot open "/nonexistent%-dir/r%.csv" for writing: .*No such file or directory')
  T.match(err_of(report.html, { { a = 1 } }, { out = "/nonexistent-dir/r.html" }), 'cannot open "/nonexistent%-dir/r%.html"')
  T.eq(err_of(report.csv, {}, { out = 42 }), "att.report.csv: opts.out must be a file name or a file handle, got number")
  local f = assert(io.open(tmp, "wb"))
  f:close()
  T.eq(err_of(report.csv, {}, { out = f }), "att.report.csv: opts.out is a closed file")
  -- A lost write ends the run with status 8 even when the script catches the error: in a child run.
  local o, e, rc = T.run(ATT .. [[ -e 'print(pcall(require("att.report").csv, {{a = 1}}, {out = "/dev/full"}))']])
  T.match(o, "^false\tatt%.report%.csv: .*No space left on device", "the writer raises")
  T.eq(rc, 8, "and the run exits 8: " .. e)
end)

T.test("errors: rows that are not rows", function()
  T.eq(err_of(report.csv, 42), "att.report.csv: rows must be an array of tables or an iterator (a function or a callable), got number")
  T.match(err_of(report.csv, null), "got att%.null")
  T.eq(err_of(report.csv, { { a = 1 }, "x" }, { out = tmp }), 'att.report.csv: row 2 is "x", not a table')
  T.eq(err_of(report.table, gen { { a = 1 }, null }), "att.report.table: row 2 is att.null, not a table")
end)

T.test("errors: options", function()
  T.eq(err_of(report.csv, {}, { colums = { "a" } }),
    'att.report.csv: unknown option "colums" (known: chart, columns, defuse, eol, footer, header, limit, max_width, mode, out, request, sheet, table, title)')
  T.eq(err_of(report.csv, {}, "x"), 'att.report.csv: opts must be a table, got "x"')
  T.eq(err_of(report.table, {}, { limit = -1 }), "att.report.table: opts.limit must be an integer >= 0, got -1")
  T.eq(err_of(report.table, {}, { limit = 1.5 }), "att.report.table: opts.limit must be an integer >= 0, got 1.5")
  T.eq(err_of(report.table, {}, { max_width = 0 }), "att.report.table: opts.max_width must be an integer >= 1, got 0")
  T.eq(err_of(report.csv, {}, { defuse = "no" }), 'att.report.csv: opts.defuse must be a boolean, got "no"')
  T.eq(err_of(report.html, {}, { chart = { label = "k" } }), "att.report.html: opts.chart.value must be a column name, got nil")
  T.eq(err_of(report.html, {}, { chart = { label = "k", value = {} } }), "att.report.html: opts.chart.value must be a column name or a non-empty list of them")
  T.eq(err_of(report.html, {}, { chart = { label = "k", value = { "a", "b" }, series = "s" } }), "att.report.html: opts.chart: series takes one value column, not a list")
  T.eq(err_of(report.html, {}, { chart = { label = "k", value = "v", stacked = 1 } }), "att.report.html: opts.chart.stacked must be a boolean, got number")
  T.eq(err_of(report.html, {}, { footer = "x" }), 'att.report.html: opts.footer must be false or a table, got "x"')
  T.eq(err_of(report.html, {}, { footer = { when = 1 } }), 'att.report.html: opts.footer takes filters, time, base_url and note, not "when"')
  T.eq(err_of(report.html, {}, { footer = { time = "now" } }), 'att.report.html: opts.footer.time must be a number (seconds since the epoch), got "now"')
  T.eq(err_of(report.html, {}, { footer = { filters = 1 } }), "att.report.html: opts.footer.filters must be a table of request fields or a string, got number")
  T.eq(err_of(report.html, {}, { chart = { label = "k", value = "v", kind = "pie" } }), 'att.report.html: opts.chart takes label, value, series and stacked, not "kind"')
  -- options of other writers are accepted, so that one opts table serves every format
  T.eq(run("csv", { { a = 1 } }, { title = "x", chart = { label = "a", value = "a" }, max_width = 3 }), "a\r\n1\r\n")
end)

T.test("errors: cells that cannot be written name the row and column", function()
  T.eq(err_of(report.csv, { { a = 1 }, { a = { f = print } } }, { out = tmp }), 'att.report.csv: row 2, column "a": cannot encode a function as JSON')
  T.eq(err_of(report.jsonl, { { s = "ok" }, { s = "bad\xff" } }, { columns = { "s" }, out = tmp }), 'att.report.jsonl: row 2, column "s": string is not valid UTF-8')
  T.eq(err_of(report.json, { { s = "bad\xff" } }, { out = tmp }), "att.report.json: row 1: string is not valid UTF-8")
end)

T.test("errors: a failing iterator leaves the previous file untouched, the rows so far in PATH.partial", function()
  local f = assert(io.open(tmp, "wb")) f:write("previous\n") f:close()
  local i = 0
  local rows = function()
    i = i + 1
    if i == 3 then error("boom", 0) end
    return { a = i }
  end
  T.eq(err_of(report.csv, rows, { out = tmp }), "boom")
  T.eq(T.read_file(tmp), "previous\n")
  T.eq(T.read_file(tmp .. ".partial"), "a\r\n1\r\n2\r\n")
  os.remove(tmp .. ".partial")
end)

T.test("format_of: formats follow file names", function()
  for name, want in pairs({ ["a.csv"] = "csv", ["a.TSV"] = "tsv", ["a.jsonl"] = "jsonl", ["a.ndjson"] = "jsonl",
    ["d/a.json"] = "json", ["a.md"] = "markdown", ["a.html"] = "html", ["a.txt"] = "table",
    ["a.db"] = "sqlite", ["a.SQLite"] = "sqlite", ["a.sqlite3"] = "sqlite", ["a.xlsx"] = "xlsx",
    ["postgresql://h/db"] = "postgres", ["POSTGRES:///db?host=/tmp"] = "postgres" }) do
    T.eq(report.format_of(name), want, name)
  end
  T.eq(report.format_of("a.xls"), nil, "unknown")
  T.eq(report.format_of("postgresqlx://h/db"), nil, "not a database URL")
  T.eq(report.format_of("csv"), nil, "no extension")
  T.eq(report.format_of(nil), nil, "nil")
end)

T.test("opts.out: written beside its name, renamed into place; a directory is refused before any row", function()
  local name = tmp .. ".md"
  T.eq(report.write("auto", { { a = 1 } }, { out = name }), 1)
  T.eq(T.read_file(name), "| a |\n|---|\n| 1 |\n")
  os.remove(name)
  local read = 0
  local ok, err = pcall(report.csv, function() read = read + 1 end, { out = "/" })
  T.ok(not ok, "refused")
  T.match(err, "att%.report%.csv: cannot open \"/\" for writing: it is a directory")
  T.eq(read, 0, "rows read")
  T.eq(report.check_out(tmp), tmp, "check_out returns the path")
end)

os.remove(tmp)
T.done()
