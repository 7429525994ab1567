-- tests/lua/test_cells.lua — att.report's csv and tsv writers, whose cells att.cells encodes in C
-- (src/host/cells.c), against the reference writers in Lua (report._reference): the same bytes, the
-- same errors, the same partial output, on thousands of random rows of hostile values, with every
-- option and every kind of output.
-- Run from the repository root:  ./att tests/lua/test_cells.lua   (CELLS_SEED=N for another seed)
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local null = att.null

local SEED = tonumber(os.getenv("CELLS_SEED") or "") or 15002
local FORMATS = { "csv", "tsv" }

-- An output object collecting what is written, and the number of write calls.
local function collector()
  local parts = { calls = 0 }
  function parts.write(self, ...)
    self.calls = self.calls + 1
    for i = 1, select("#", ...) do self[#self + 1] = select(i, ...) end
    return self
  end
  return parts
end

-- Runs a writer into a collector; returns ok, the error or count, the bytes written, the calls.
local function run(writer, rows, opts)
  local out = collector()
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.out = out
  local ok, r = pcall(writer, rows, o)
  return ok, r, table.concat(out), out.calls
end

local function show(s) return string.format("%q", s):sub(1, 400) end

-- Asserts that format fmt gives the same result in C and in Lua for rows() (a function making
-- fresh rows, since a row may log its reads) and opts.
local function same(fmt, rows, opts, what)
  local ok1, r1, s1 = run(report[fmt], rows(), opts)
  local ok2, r2, s2 = run(report._reference[fmt], rows(), opts)
  if ok1 ~= ok2 or r1 ~= r2 or s1 ~= s2 then
    error(string.format("%s (%s, seed %d): C gave %s %s %s; Lua gave %s %s %s", what, fmt, SEED,
      tostring(ok1), tostring(r1), show(s1), tostring(ok2), tostring(r2), show(s2)), 2)
  end
  return ok1, r1, s1
end

--------------------------------------------------------------------------------------------------
-- Hostile values

local PIECES = { ",", '"', "\r", "\n", "\r\n", "\t", "\v", "\f", " ", "=", "+", "-", "@", "'", "\\",
  "a", "Z", "9", ".", "é", "日本", "\u{1F600}", "\xff", "\xc3", "\xe2\x82", "\0", "x y", "" }
local STRINGS = { "", " ", "  ", "a", "=1+2", "+1", "-5", "@SUM(A1)", "\t=x", "\r", "\n", "\r\n",
  'say "hi"', '"', ",", "a,b", " lead", "trail ", "\vv", "f\f", "\0", "a\0b", "\xff\xfe", "é",
  "=HYPERLINK(\"http://x\")", "back\\slash", "tab\there", "'quoted'", "1e5", "nan", "-" }
local FLOATS = { 0.1, 1 / 3, 1e300, -1e300, -0.0, 0.0, math.huge, -math.huge, 0 / 0, -(0 / 0),
  1e-300, 5e-324, 2 ^ 53, 2 ^ 63, -2.5, 123456789012345.6, 1e15, 1e14, 100.0 }
local INTEGERS = { math.mininteger, math.maxinteger, 0, -1, 1, 42, -1000000, 1 << 53 }

local random = math.random

local function pick(list) return list[random(#list)] end

local function rand_string()
  if random(3) == 1 then return pick(STRINGS) end
  local t = {}
  for i = 1, random(0, 6) do t[i] = pick(PIECES) end
  return table.concat(t)
end

-- A value inside a table: one JSON can encode (valid UTF-8, no hole, no NaN or infinity; the bad
-- values are the tables it cannot).
local value
local function inner()
  local v = value(false)
  if type(v) == "string" and not utf8.len(v) then return "valid" end
  if v == nil then return "hole" end                        -- no sparse arrays
  if v ~= v or v == math.huge or v == -math.huge then return 2.5 end -- no NaN, inf

  return v
end

-- A random cell value; nested: allow tables. bad: allow a table JSON cannot encode.
function value(nested, bad)
  local k = random(14)
  if k <= 4 then return rand_string() end
  if k == 5 then return pick(INTEGERS) end
  if k == 6 then return random(-10 ^ 6, 10 ^ 6) end
  if k == 7 then return pick(FLOATS) end
  if k == 8 then return random() * 10 ^ random(-20, 20) * (random(2) == 1 and -1 or 1) end
  if k == 9 then return random(2) == 1 end
  if k == 10 then return null end
  if k == 11 then return nil end
  if k == 12 and nested then return { a = inner(), b = { inner(), inner() } } end
  if k == 13 and nested then return { inner(), inner(), inner() } end
  if k == 14 and bad and random(10) == 1 then return pick({ { f = print }, { "\xff" }, { 0 / 0 }, { 1, nil, 3 } }) end
  return rand_string()
end

local PLAIN = { "a", "b", "c", "=d", " e" }
local COLUMN_POOL = { "a", "b", "c", "=d", " e", "x.y", "list.v", "list.1.v", { "a", "=A" },
  { "b", "B,1" }, { "c", 'C"q' }, { "x.y", " X " }, { "list.v", "@L" }, { "c", "\tT" } }

-- A random row: plain keys, a dotted key either plain or as a path, a crossed list, sometimes
-- behind a metatable (__index a table, or a function logging what it is asked for).
local function make_row(bad, log)
  local r = {}
  for _, k in ipairs(PLAIN) do r[k] = value(true, bad) end
  local d = random(3)
  if d == 1 then r["x.y"] = value(true, bad) elseif d == 2 then r.x = { y = value(true, bad) } end
  if random(2) == 1 then
    local list = {}
    for i = 1, random(0, 3) do
      local e = random(5)
      list[i] = e == 1 and "scalar" or e == 2 and {} or { v = inner() }
    end
    r.list = list
  end
  local m = random(10)
  if m == 1 then return setmetatable({}, { __index = r }) end
  if m == 2 then
    return setmetatable({ a = r.a }, { __index = function(_, k)
      log[#log + 1] = tostring(k)
      return r[k]
    end })
  end
  return r
end

local function random_opts(fmt)
  local opts = {}
  if random(5) > 1 then
    local cols, seen = {}, {}
    for _ = 1, random(1, 7) do
      local c = pick(COLUMN_POOL)
      local h = type(c) == "table" and c[2] or c
      if not seen[h] then seen[h] = true; cols[#cols + 1] = c end
    end
    opts.columns = cols
  end
  local h = random(3)
  if h == 1 then opts.header = false elseif h == 2 then opts.header = true end
  local d = random(3)
  if d == 1 then opts.defuse = false elseif d == 2 then opts.defuse = true end
  local e = random(5)
  if e == 1 then opts.eol = "\n" elseif e == 2 then opts.eol = "\r\n" elseif e == 3 then opts.eol = "" end
  if e == 4 then opts.eol = fmt == "csv" and "|\0|" or "\t" end
  return opts
end

--------------------------------------------------------------------------------------------------

T.test("att.cells is installed, and report.csv and report.tsv write through it (chunks, not lines)", function()
  T.ok(package.loaded["att.cells"] ~= nil, "att.cells is loaded by the host")
  local rows = {}
  for i = 1, 3000 do rows[i] = { a = "row number " .. i, b = i } end
  for _, fmt in ipairs(FORMATS) do
    local ok, n, s, calls = run(report[fmt], rows, { columns = { "a", "b" } })
    local ok2, n2, s2, calls2 = run(report._reference[fmt], rows, { columns = { "a", "b" } })
    T.ok(ok and ok2, fmt .. ": both succeed")
    T.eq(n, 3000, fmt .. " count")
    T.eq(n2, 3000, fmt .. " reference count")
    T.eq(s, s2, fmt .. " bytes")
    T.eq(calls2, 3001, fmt .. ": the reference writes a line per call")
    T.ok(calls < 10, fmt .. ": the C encoder writes chunks (" .. calls .. " calls)")
  end
end)

T.test("fixed hostile cells: the bytes the reference writes, with and without defuse", function()
  local function all()
    local t = {}
    for i, s in ipairs(STRINGS) do
      t[#t + 1] = { a = s, b = FLOATS[(i % #FLOATS) + 1], c = INTEGERS[(i % #INTEGERS) + 1] }
    end
    for i, f in ipairs(FLOATS) do t[#t + 1] = { a = f, b = i % 2 == 0, c = null } end
    for _, n in ipairs(INTEGERS) do t[#t + 1] = { a = n, b = { n, "x" }, c = { k = n } } end
    return t
  end
  for _, fmt in ipairs(FORMATS) do
    for _, defuse in ipairs({ true, false }) do
      local _, _, s = same(fmt, all, { columns = { "a", "b", "c" }, defuse = defuse }, "fixed cells")
      T.ok(#s > 500, "something was written")
    end
  end
  -- spot checks against the documented rules (not only C == Lua)
  local _, _, s = run(report.csv, { { a = "=1", b = -5, c = -0.0 }, { a = " x", b = 0 / 0, c = 1 / 3 } },
    { columns = { "a", "b", "c" }, header = false })
  T.eq(s, "'=1,-5,-0\r\n\" x\"," .. string.format("%.14g", 0 / 0) .. ",0.33333333333333\r\n", "csv spot check")
  local _, _, t = run(report.tsv, { { a = "a\tb\\c\r\n", b = math.mininteger, c = math.huge } },
    { columns = { "a", "b", "c" }, header = false })
  T.eq(t, "a\\tb\\\\c\\r\\n\t-9223372036854775808\tinf\n", "tsv spot check")
end)

T.test("random rows, every option, csv and tsv: C == Lua byte for byte (seed " .. SEED .. ")", function()
  math.randomseed(SEED)
  local trials, succeeded = 0, 0
  for trial = 1, 300 do
    for _, fmt in ipairs(FORMATS) do
      local opts = random_opts(fmt)
      local nrows = random(0, 40)
      local state = random(1 << 30)
      -- the same rows for both writers: the generator is reseeded per call
      local logs = {}
      local function rows()
        local saved = random(1 << 30)
        math.randomseed(SEED, state)
        local log = {}
        logs[#logs + 1] = log
        local t = {}
        for i = 1, nrows do t[i] = make_row(trial % 7 == 0, log) end
        math.randomseed(SEED, saved)
        return T.gen(t)
      end
      if same(fmt, rows, opts, "trial " .. trial) then succeeded = succeeded + 1 end
      T.eq(table.concat(logs[1], "|"), table.concat(logs[2], "|"), "trial " .. trial .. ": the same __index reads")
      trials = trials + 1
    end
  end
  T.eq(trials, 600, "trials run")
  T.ok(succeeded > 300 and succeeded < 600, "most trials write, some fail (" .. succeeded .. " wrote)")
end)

T.test("errors: the same message and the same lines written before them", function()
  local big = {}
  for i = 1, 5000 do big[i] = { a = "line " .. i .. ", quoted", b = i + 0.5 } end
  local cases = {
    { "a table JSON cannot encode", function()
      return { { a = 1 }, { a = 2 }, { a = { f = print } } }
    end },
    { "a row that is not a table", function() return { { a = 1 }, { a = 2 }, "row" } end },
    { "an __index that raises", function()
      return { { a = 1 }, setmetatable({}, { __index = function() error("no such key", 0) end }) }
    end },
    { "a failure after more than 64 KB", function()
      local t = { table.unpack(big) }
      t[#t + 1] = { a = { f = print } }
      return t
    end },
  }
  for _, case in ipairs(cases) do
    for _, fmt in ipairs(FORMATS) do
      local ok, err, s = same(fmt, case[2], { columns = { "a", "b" } }, case[1])
      T.ok(not ok, case[1] .. ": raises")
      if case[1]:find("__index") then
        T.eq(err, "no such key", "the metamethod's error as it is")
      else
        T.match(err, "^att%.report%." .. fmt .. ": row %d+", case[1] .. ": names the writer and the row")
      end
      if case[1]:find("64 KB") then T.ok(#s > 65536, "the lines before the failure were written") end
    end
  end
end)

T.test("errors into a file: the same partial file kept", function()
  local rows = { { a = "one" }, { a = "=two" }, { a = { f = print } } }
  for _, fmt in ipairs(FORMATS) do
    local got = {}
    for i, w in ipairs({ report[fmt], report._reference[fmt] }) do
      local p = T.tmpfile(fmt)
      local err = T.raises(w, rows, { columns = { "a" }, out = p })
      T.match(err, "row 3, column \"a\"", "the error names the row and column")
      got[i] = T.read_file(p .. ".partial")
      T.ok(got[i] ~= nil, "the partial output is kept")
    end
    T.eq(got[1], got[2], fmt .. ": the same partial file")
  end
end)

T.test("output to a file name, a file handle and standard output: the same bytes", function()
  math.randomseed(SEED + 1)
  local rows = {}
  local cols = { "a", "b", "c", "x.y", "list.v", { "=d", "D" } }
  while #rows < 500 do -- rows JSON can encode (a nested string may be invalid UTF-8)
    local r = make_row(false, {})
    if pcall(report._reference.csv, { r }, { columns = cols, out = collector() }) then rows[#rows + 1] = r end
  end
  for _, fmt in ipairs(FORMATS) do
    local opts = { columns = cols }
    local p1, p2 = T.tmpfile(fmt), T.tmpfile(fmt)
    opts.out = p1
    T.eq(report[fmt](rows, opts), 500, "count")
    opts.out = p2
    report._reference[fmt](rows, opts)
    T.eq(T.read_file(p1), T.read_file(p2), fmt .. ": to a file name")
    local f1, f2 = io.open(p1, "wb"), io.open(p2, "wb")
    opts.out = f1
    report[fmt](rows, opts)
    opts.out = f2
    report._reference[fmt](rows, opts)
    f1:close()
    f2:close()
    T.eq(T.read_file(p1), T.read_file(p2), fmt .. ": to a file handle")
  end
  local att_bin = os.getenv("ATT") or "./att"
  local script = [[
    local report = require "att.report"
    local rows = {}
    for i = 1, 3000 do rows[i] = { a = "=" .. i .. ", x", b = i / 7, c = i % 3 == 0 } end
    io.write("before\n")
    report[arg[1] ](rows, { columns = { "a", "b", "c" } })
    io.write("after\n")
  ]]
  local sp = T.tmpfile("lua")
  for _, fmt in ipairs(FORMATS) do
    local outs = {}
    for i, w in ipairs({ fmt, "_reference." .. fmt }) do
      local s = script:gsub("report%[arg%[1%] %]", "report." .. w:gsub("%%", "%%%%"))
      local g = assert(io.open(sp, "wb"))
      g:write(s)
      g:close()
      local h = assert(io.popen(T.sh_quote(att_bin) .. " " .. T.sh_quote(sp), "r"))
      outs[i] = h:read("a")
      h:close()
    end
    T.ok(#outs[1] > 30000 and outs[1]:sub(1, 7) == "before\n" and outs[1]:sub(-6) == "after\n",
      fmt .. ": stdout in order")
    T.eq(outs[1], outs[2], fmt .. ": to standard output")
  end
end)

T.test("100,000 rows: C == Lua", function()
  math.randomseed(SEED + 2)
  local rows = {}
  for i = 1, 100000 do
    rows[i] = { a = i, b = rand_string(), c = pick(FLOATS) * i, ["=d"] = i % 5 == 0 and null or "v" .. i,
      x = { y = i % 3 == 0 and "=y" or nil } }
  end
  local opts = { columns = { "a", "b", "c", "=d", "x.y" } }
  for _, fmt in ipairs(FORMATS) do
    local _, n, s = same(fmt, function() return rows end, opts, "100,000 rows")
    T.eq(n, 100000, fmt .. " count")
    T.ok(#s > 1000000, fmt .. ": written")
  end
end)

T.done()
