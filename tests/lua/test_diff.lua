-- tests/lua/test_diff.lua — att.diff: crafted pairs (adds, removes, field changes, nothing changed,
-- duplicate and missing keys, unsorted inputs, compound keys), the canonical form across formats
-- written by att.report (csv, tsv, jsonl, json), null vs "", defused cells, bad files, every
-- output format of a Diff (html markup), and memory and time of a 200,000-row diff.
-- Run from the repository root:  ./att tests/lua/test_diff.lua
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local diff = require "att.diff"
local null = att.null

local tmpfile = T.tmpfile
local function write_file(ext, text)
  local p = tmpfile(ext)
  local f = assert(io.open(p, "wb"))
  f:write(text)
  f:close()
  return p
end

local function all(d)
  local t = {}
  for r in d:rows() do t[#t + 1] = r end
  return t
end

-- A change row as one line of text, for comparing lists of them.
local function line(r)
  local function txt(v)
    if v == nil then return "-" end
    return report.cell_text(v)
  end
  return table.concat({ r.change, txt(r.key), r.field or "-", txt(r.old), txt(r.new) }, " ")
end
local function lines(d)
  local t = {}
  for r in d:rows() do t[#t + 1] = line(r) end
  return t
end

local gen = T.gen

---------------------------------------------------------------------------------------------------
-- Memory and time first, while the heap's peak is still low.

local N = 200000
local NOTE = string.rep("x", 80)
local function big(changed)
  local i = 0
  return function()
    i = i + 1
    if i > N then return nil end
    local state = "ACTIVE"
    if changed and i % 1000 == 0 then state = "SUSPENDED" end
    return { id = i, name = "customer " .. i, note = NOTE, state = state, n = i * 2 }
  end
end

local big_old, big_new = tmpfile("csv"), tmpfile("jsonl")
report.csv(big(false), { out = big_old })
report.jsonl(big(true), { out = big_new })

T.test("a 200,000-row sorted pair of files diffs in flat memory (merge join)", function()
  collectgarbage()
  local before = att.stats().memory
  local t0 = os.clock()
  local d = att.diff(big_old, big_new, { key = "id" })
  local n = 0
  for r in d:rows() do
    n = n + 1
    T.eq(r.field, "state", "the changed field")
  end
  local s = d:summary()
  local grew = att.stats().peak_memory - before
  print(string.format("# sorted csv vs jsonl, 200,000 rows: %.2f s (a first pass over each file, then the merge), heap +%.1f MB",
    os.clock() - t0, (att.stats().peak_memory - before) / 1e6))
  T.eq(n, 200, "change rows")
  T.eq(s.mode, "merge", "mode")
  T.eq(s.changed, 200, "changed")
  T.eq(s.unchanged, N - 200, "unchanged")
  T.ok(grew < 6e6, string.format("peak heap grew by %.1f MB (limit 6 MB)", grew / 1e6))
end)

T.test("iterators with sorted = true merge in flat memory", function()
  collectgarbage()
  local before = att.stats().memory
  local t0 = os.clock()
  local s = att.diff(big(false), big(true), { key = "id", sorted = true }):summary()
  local grew = att.stats().peak_memory - before
  print(string.format("# sorted iterators, 200,000 rows: %.2f s, heap +%.1f MB", os.clock() - t0, grew / 1e6))
  T.eq(s.changed, 200, "changed")
  T.eq(s.fields, 200, "fields")
  T.ok(grew < 6e6, string.format("peak heap grew by %.1f MB (limit 6 MB)", grew / 1e6))
end)

T.test("the measure works: indexing one side of the same pair costs far more", function()
  collectgarbage()
  local before = att.stats().memory
  local t0 = os.clock()
  local d = att.diff(big_old, big_new, { key = "id", sorted = false })
  local s = d:summary()
  local grew = att.stats().peak_memory - before
  print(string.format("# unsorted (indexed) csv vs jsonl, 200,000 rows: %.2f s, heap +%.1f MB", os.clock() - t0, grew / 1e6))
  T.eq(s.changed, 200, "changed")
  local function size(p) local f = io.open(p, "rb"); local n = f:seek("end"); f:close(); return n end
  T.ok(size(big_old) < size(big_new), "the csv is the smaller file")
  T.eq(s.mode, "index old", "the smaller file is indexed")
  T.ok(grew > 30e6, string.format("indexing grew the heap by only %.1f MB", grew / 1e6))
end)

T.test("a shuffled 200,000-row pair: the same changes (time reported)", function()
  local rows = {}
  for r in big(true) do rows[#rows + 1] = r end
  local rng = 12345
  for i = #rows, 2, -1 do
    rng = (rng * 1103515245 + 12345) % 2147483648
    local j = rng % i + 1
    rows[i], rows[j] = rows[j], rows[i]
  end
  local t0 = os.clock()
  local s = att.diff(big(false), rows, { key = "id" }):summary()
  print(string.format("# unsorted array vs iterator, 200,000 rows: %.2f s", os.clock() - t0))
  T.eq(s.changed, 200, "changed")
  T.eq(s.unchanged, N - 200, "unchanged")
  T.eq(s.mode, "index new", "the array is indexed")
end)
collectgarbage()

---------------------------------------------------------------------------------------------------
-- Crafted pairs

local OLD = {
  { id = "A-1", name = "Ann", state = "ACTIVE", n = 1 },
  { id = "A-2", name = "Bob", state = "ACTIVE", n = 2 },
  { id = "A-3", name = "Cid", state = "LOCKED", n = 3 },
  { id = "A-4", name = "Dee", state = "ACTIVE", n = 4 },
}
local NEW = {
  { id = "A-1", name = "Ann", state = "ACTIVE", n = 1 },
  { id = "A-2", name = "Bob", state = "SUSPENDED", n = 20 },
  { id = "A-4", name = "Dee", state = "ACTIVE", n = 4 },
  { id = "A-5", name = "Eve", state = "ACTIVE", n = 5 },
}

T.test("adds, removes and field changes, by key when sorted", function()
  local d = att.diff(OLD, NEW, { key = "id" })
  T.same(lines(d), {
    "changed A-2 n 2 20",
    "changed A-2 state ACTIVE SUSPENDED",
    "removed A-3 - " .. '{"id":"A-3","n":3,"name":"Cid","state":"LOCKED"}' .. " -",
    "added A-5 - - " .. '{"id":"A-5","n":5,"name":"Eve","state":"ACTIVE"}',
  })
  T.same(d:summary(), { added = 1, removed = 1, changed = 1, fields = 2, unchanged = 2, mode = "merge" })
  local rows = all(d)
  T.eq(rows[3].old, OLD[3], "a removed row's old is the record")
  T.eq(rows[4].new, NEW[4], "an added row's new is the record")
  T.eq(rows[1].old, 2, "old value as read")
  T.eq(rows[1].new, 20, "new value as read")
end)

T.test("nothing changed: no rows, every record unchanged", function()
  local d = att.diff(OLD, OLD, { key = "id" })
  T.eq(#all(d), 0, "rows")
  T.same(d:summary(), { added = 0, removed = 0, changed = 0, fields = 0, unchanged = 4, mode = "merge" })
  local e = att.diff({}, {}, { key = "id" })
  T.same(e:summary(), { added = 0, removed = 0, changed = 0, fields = 0, unchanged = 0, mode = "merge" })
end)

T.test("everything added, everything removed", function()
  T.same(att.diff({}, NEW, { key = "id" }):summary(),
    { added = 4, removed = 0, changed = 0, fields = 0, unchanged = 0, mode = "merge" })
  T.same(att.diff(OLD, {}, { key = "id" }):summary(),
    { added = 0, removed = 4, changed = 0, fields = 0, unchanged = 0, mode = "merge" })
end)

local function shuffled(t, order)
  local out = {}
  for i, j in ipairs(order) do out[i] = t[j] end
  return out
end

T.test("unsorted inputs give the same changes as sorted ones, in the documented order", function()
  local o, n = shuffled(OLD, { 4, 2, 1, 3 }), shuffled(NEW, { 3, 4, 1, 2 })
  local sorted = lines(att.diff(OLD, NEW, { key = "id" }))
  local d = att.diff(o, n, { key = "id" })
  local got = lines(d)
  T.eq(d:summary().mode, "index old", "equal lengths: the old side is indexed")
  -- the streamed side's order (new: A-4, A-5, A-1, A-2), then the old records it lacked
  T.same(got, { sorted[4], sorted[1], sorted[2], sorted[3] }, "order")
  local d2 = att.diff(o, n, { key = "id", index = "new" })
  T.eq(d2:summary().mode, "index new", "opts.index")
  -- streamed old (A-4, A-2, A-1, A-3), then the new records it lacked (A-5)
  T.same(lines(d2), { sorted[1], sorted[2], sorted[3], sorted[4] }, "order, old streamed")
  -- iterators: not checked, the old side indexed
  local d3 = att.diff(gen(o), gen(n), { key = "id" })
  local l3 = lines(d3)
  T.eq(d3:summary().mode, "index old", "iterators")
  T.same(l3, got, "iterators, the same order as arrays")
end)

T.test("the shorter array is indexed; an array rather than an iterator", function()
  local more = { table.unpack(NEW) }
  more[#more + 1] = { id = "A-6", name = "Fay" }
  local d = att.diff(shuffled(OLD, { 2, 1, 3, 4 }), more, { key = "id" })
  T.eq(d:summary().mode, "index old", "old is shorter")
  d = att.diff(more, shuffled(OLD, { 2, 1, 3, 4 }), { key = "id" })
  T.eq(d:summary().mode, "index new", "new is shorter")
  d = att.diff(gen(OLD), shuffled(NEW, { 2, 1, 3, 4 }), { key = "id" })
  T.eq(d:summary().mode, "index new", "the array side")
end)

T.test("numeric keys sort numerically, before text keys", function()
  local o = { { id = 2, v = "a" }, { id = 10, v = "b" }, { id = "x", v = "c" } }
  local n = { { id = "2", v = "a" }, { id = "10", v = "B" }, { id = "x", v = "c" } }
  local d = att.diff(o, n, { key = "id" })
  T.same(lines(d), { "changed 10 v b B" })
  T.eq(d:summary().mode, "merge", "2 < 10 < x is sorted")
end)

T.test("sorted = true verifies the order while merging: a key out of order is an error", function()
  local bad = { { id = "A-1" }, { id = "A-3" }, { id = "A-2" } }
  local err = T.raises(function() att.diff(gen(bad), gen(OLD), { key = "id", sorted = true }):summary() end)
  T.eq(err, 'att.diff: old is not sorted by key: key "A-2" (row 3) comes after "A-3" (row 2)', "message")
  err = T.raises(function() att.diff(OLD, bad, { key = "id", sorted = true }):summary() end)
  T.match(err, "^att%.diff: new is not sorted by key: key \"A%-2\"", "new side")
end)

T.test("duplicate keys: an error naming the key, the side and the rows", function()
  local dup = { { id = "A-1" }, { id = "A-17" }, { id = "A-2" }, { id = "A-17" } }
  local cases = {
    { dup, OLD, "old", "sorted check" },
    { OLD, dup, "new", "sorted check" },
  }
  for _, c in ipairs(cases) do
    local err = T.raises(function() att.diff(c[1], c[2], { key = "id" }):summary() end)
    T.eq(err, 'att.diff: duplicate key "A-17" in ' .. c[3] .. " (rows 2 and 4)", c[4])
  end
  -- adjacent duplicates found by the sorted check and by the merge
  local adj = { { id = "A-1" }, { id = "A-1" } }
  T.eq(T.raises(function() att.diff(adj, OLD, { key = "id" }):summary() end),
    'att.diff: duplicate key "A-1" in old (rows 1 and 2)', "adjacent")
  T.eq(T.raises(function() att.diff(OLD, gen(adj), { key = "id", sorted = true }):summary() end),
    'att.diff: duplicate key "A-1" in new (rows 1 and 2)', "merge")
  -- index mode: in the indexed side, in the streamed side (matched, and not in the index)
  for _, which in ipairs { "old", "new" } do
    local other = which == "old" and "new" or "old"
    T.eq(T.raises(function()
      local o, n = gen(OLD), gen(OLD)
      if which == "old" then o = gen(dup) else n = gen(dup) end
      att.diff(o, n, { key = "id", index = which }):summary()
    end), 'att.diff: duplicate key "A-17" in ' .. which .. " (rows 2 and 4)", "indexed " .. which)
    T.eq(T.raises(function()
      local o, n = gen(OLD), gen(OLD)
      if which == "old" then n = gen(dup) else o = gen(dup) end
      att.diff(o, n, { key = "id", index = which }):summary()
    end), 'att.diff: duplicate key "A-17" in ' .. other .. " (rows 2 and 4)", "streamed, not indexed")
    local dup1 = { { id = "A-1" }, { id = "A-2" }, { id = "A-1" } }
    T.eq(T.raises(function()
      local o, n = gen(OLD), gen(OLD)
      if which == "old" then n = gen(dup1) else o = gen(dup1) end
      att.diff(o, n, { key = "id", index = which }):summary()
    end), 'att.diff: duplicate key "A-1" in ' .. other .. " (rows 1 and 3)", "streamed, matched")
  end
end)

T.test("a row without the key is an error naming the row", function()
  local missing = { { id = "A-1" }, { name = "no id" } }
  T.eq(T.raises(function() att.diff(missing, OLD, { key = "id" }):summary() end),
    'att.diff: row 2 of old has no key "id"', "missing")
  T.eq(T.raises(function() att.diff(OLD, { { id = null } }, { key = "id" }):summary() end),
    'att.diff: row 1 of new has no key "id"', "null")
  T.eq(T.raises(function() att.diff(OLD, { { id = "" } }, { key = "id" }):summary() end),
    'att.diff: row 1 of new has no key "id"', "empty")
  T.eq(T.raises(function() att.diff(OLD, { "x" }, { key = "id" }):summary() end),
    'att.diff: row 1 of new is "x", not a table', "not a table")
  local p = write_file("csv", "id,name\r\n1,a\r\n,b\r\n")
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: row 2 of old (" .. p .. ') has no key "id"', "a file names itself")
end)

T.test("compound keys", function()
  local o = {
    { acct = "A", sub = 1, state = "on" }, { acct = "A", sub = 2, state = "on" },
    { acct = "B", sub = 1, state = "on" },
  }
  local n = {
    { acct = "A", sub = 2, state = "off" }, { acct = "B", sub = 1, state = "on" },
    { acct = "B", sub = 2, state = "on" }, { acct = "A", sub = 1, state = "on" },
  }
  local d = att.diff(o, n, { key = { "acct", "sub" } })
  T.eq(d:summary().mode, "index old", "new is not sorted")
  T.same(lines(d), {
    'changed ["A",2] state on off',
    'added ["B",2] - - {"acct":"B","state":"on","sub":2}',
  })
  T.same(all(d)[1].key, { "A", 2 }, "the key of a compound key is the list of its values")
  local err = T.raises(function()
    att.diff({ { acct = "A", sub = 1 }, { acct = "A", sub = 1 } }, n, { key = { "acct", "sub" } }):summary()
  end)
  T.eq(err, 'att.diff: duplicate key ["A","1"] in old (rows 1 and 2)', "compound duplicate")
  -- a compound key is not confused with a key holding the separator
  local x = att.diff({ { a = "1:x", b = "y" } }, { { a = "1", b = "x:y" } }, { key = { "a", "b" } })
  T.same(x:summary(), { added = 1, removed = 1, changed = 0, fields = 0, unchanged = 0, mode = "merge" })
end)

T.test("opts.fields compares only those (paths too), opts.ignore leaves some out", function()
  local o = { { id = 1, a = 1, b = 1, s = { state = "X", z = 1 } } }
  local n = { { id = 1, a = 2, b = 2, s = { state = "Y", z = 1 } } }
  T.same(lines(att.diff(o, n, { key = "id", fields = { "s.state", "b" } })), { "changed 1 s.state X Y", "changed 1 b 1 2" })
  T.same(lines(att.diff(o, n, { key = "id", ignore = { "a", "s" } })), { "changed 1 b 1 2" })
  T.same(lines(att.diff(o, n, { key = "id", fields = { "a", "b" }, ignore = { "b" } })), { "changed 1 a 1 2" })
  T.same(lines(att.diff(o, n, { key = "id" })),
    { "changed 1 a 1 2", "changed 1 b 1 2", 'changed 1 s {"state":"X","z":1} {"state":"Y","z":1}' })
  -- a key given as a path
  local k = att.diff({ { acct = { id = 7 }, v = 1 } }, { { acct = { id = 7 }, v = 2 } }, { key = "acct.id" })
  T.same(lines(k), { "changed 7 v 1 2" }, "a key given as a path; equal tables are no change")
end)

---------------------------------------------------------------------------------------------------
-- The canonical form

T.test("canonical form", function()
  local c = diff.canonical
  T.eq(c(nil), null, "nil")
  T.eq(c(null), null, "att.null")
  T.eq(c(true), "true", "true")
  T.eq(c(false), "false", "false")
  T.eq(c(5), "5", "integer")
  T.eq(c(5.0), "5", "a float with no fraction")
  T.eq(c(-0.0), "0", "-0.0")
  T.eq(c(0.1), "0.1", "float")
  T.eq(c(1 / 3), "0.33333333333333", "%.14g")
  T.eq(c(1e300), "1e+300", "a huge float")
  T.eq(c(math.maxinteger), "9223372036854775807", "the largest integer")
  T.eq(c("5"), "5", "a string as it is")
  T.eq(c(" 5"), " 5", "spaces kept")
  T.eq(c({ b = 1, a = { 1, 2 } }), '{"a":[1,2],"b":1}', "tables as JSON, keys sorted")
  -- numbers equal their text; booleans equal "true"/"false"
  local d = att.diff({ { id = 1, a = 5, b = true, c = 2.5, e = 3.0 } },
    { { id = "1", a = "5", b = "true", c = "2.5", e = "3" } }, { key = "id" })
  T.eq(#all(d), 0, "equal across types")
  d = att.diff({ { id = 1, a = 5 } }, { { id = 1, a = "05" } }, { key = "id" })
  T.same(lines(d), { "changed 1 a 5 05" }, '"05" is not 5')
end)

T.test("null and \"\": different in typed inputs, equal when a side is csv or tsv", function()
  local o = { { id = 1, a = null, b = "" } }
  local n = { { id = 1, a = "", b = null } }
  T.same(lines(att.diff(o, n, { key = "id" })), { "changed 1 a  ", "changed 1 b  " }, "arrays")
  T.same(all(att.diff(o, n, { key = "id" }))[1].old, null, "old null as read")
  -- a missing field is null
  T.same(lines(att.diff({ { id = 1 } }, { { id = 1, a = null } }, { key = "id" })), {}, "missing is null")
  local csv = write_file("csv", "id,a,b\r\n1,,\r\n")
  local jl = write_file("jsonl", '{"id":1,"a":null,"b":""}\n')
  T.eq(#all(att.diff(csv, jl, { key = "id" })), 0, "csv vs jsonl: null equals \"\"")
  local tsv = write_file("tsv", "id\ta\tb\n1\t\t\n")
  T.eq(#all(att.diff(jl, tsv, { key = "id" })), 0, "jsonl vs tsv")
  local jl2 = write_file("jsonl", '{"id":1,"a":"","b":null}\n')
  T.same(lines(att.diff(jl, jl2, { key = "id" })), { "changed 1 a  ", "changed 1 b  " }, "jsonl vs jsonl")
  -- but "" is not "x"
  local csv2 = write_file("csv", "id,a,b\r\n1,x,\r\n")
  T.same(lines(att.diff(csv2, jl, { key = "id" })), { "changed 1 a x " }, "csv value vs null")
end)

-- Rows with the values that differ between formats: commas, quotes, line breaks, tabs,
-- backslashes, formula-like strings (defused by the csv/tsv writers), numbers, floats, booleans,
-- nulls, nested values, non-ASCII text.
local HOSTILE = {
  { id = 1, text = "plain", num = 42, flag = true, nested = { a = 1, b = { "x", "y" } } },
  { id = 2, text = "comma, here", num = -5, flag = false, nested = null },
  { id = 3, text = 'say "hi"', num = 0.1, flag = null, nested = { 1.5, 2 } },
  { id = 4, text = "two\r\nlines\nand\rmore", num = 1e300, flag = true, nested = {} },
  { id = 5, text = "=HYPERLINK(\"x\")", num = 2.5, flag = false, nested = "-3" },
  { id = 6, text = "-5", num = -5, flag = true, nested = "+1" },
  { id = 7, text = "@x\ttab\\back", num = 1 / 3, flag = false, nested = "'quoted already" },
  { id = 8, text = " lead and trail ", num = 3.0, flag = true, nested = "Zoë — 東京 🎉" },
  { id = 9, text = null, num = null, flag = null, nested = null },
  { id = 10, text = "\tstarts with tab", num = math.maxinteger, flag = true, nested = "\rcr" },
}
local COLS = { "id", "text", "num", "flag", "nested" }

local EXPORTS = {}
for _, fmt in ipairs { "csv", "tsv", "jsonl", "json" } do
  local p = tmpfile(fmt)
  report.write(fmt, HOSTILE, { columns = COLS, out = p })
  EXPORTS[fmt] = p
end
EXPORTS.ndjson = tmpfile("ndjson")
report.jsonl(HOSTILE, { out = EXPORTS.ndjson })    -- whole rows, no columns

T.test("the same rows exported by att.report as csv, tsv, jsonl, json show no change in any pair", function()
  local names = { "csv", "tsv", "jsonl", "json", "ndjson" }
  for _, a in ipairs(names) do
    T.eq(#all(att.diff(HOSTILE, EXPORTS[a], { key = "id" })), 0, "rows vs " .. a)
    for _, b in ipairs(names) do
      local d = att.diff(EXPORTS[a], EXPORTS[b], { key = "id" })
      local got = lines(d)
      T.same(got, {}, a .. " vs " .. b)
      T.eq(d:summary().unchanged, #HOSTILE, a .. " vs " .. b .. ": unchanged")
      -- indexed: the records kept as their text and decoded when matched (quoted line breaks too)
      for _, side in ipairs { "old", "new" } do
        local di = att.diff(EXPORTS[a], EXPORTS[b], { key = "id", sorted = false, index = side })
        T.same(lines(di), {}, a .. " vs " .. b .. ", " .. side .. " indexed")
        T.eq(di:summary().mode, "index " .. side, "mode")
      end
    end
  end
end)

T.test("the csv reader undoes defuse and reads quoted line breaks", function()
  local rows = {}
  for r in require("att.diff_read").open(EXPORTS.csv, "old").open() do rows[#rows + 1] = r end
  T.eq(#rows, #HOSTILE, "records")
  T.eq(rows[4].text, "two\r\nlines\nand\rmore", "line breaks in a quoted cell")
  T.eq(rows[5].text, '=HYPERLINK("x")', "defused cell read back")
  T.eq(rows[6].text, "-5", "defused -5")
  T.eq(rows[7].nested, "'quoted already", "a leading quote not followed by = + - @ tab CR is kept")
  T.eq(rows[8].text, " lead and trail ", "spaces kept")
  T.eq(rows[2].text, "comma, here", "comma")
  T.eq(rows[3].text, 'say "hi"', "quotes")
  local t = {}
  for r in require("att.diff_read").open(EXPORTS.tsv, "old").open() do t[#t + 1] = r end
  T.eq(t[7].text, "@x\ttab\\back", "tsv unescapes and undoes defuse")
  T.eq(t[10].text, "\tstarts with tab", "tsv: a defused tab")
end)

T.test("indexed files: added and removed records are decoded from their text", function()
  local d = att.diff(EXPORTS.csv, { HOSTILE[1] }, { key = "id", index = "old" })
  local rows = {}
  for r in d:rows() do rows[#rows + 1] = r end
  T.eq(#rows, 9, "removed")
  T.eq(rows[1].change, "removed", "change")
  T.eq(rows[1].old.id, "2", "in the old order")
  T.eq(rows[1].old.text, "comma, here", "row 2 decoded")
  T.eq(rows[3].old.text, "two\r\nlines\nand\rmore", "row 4 (quoted line breaks) decoded")
  T.eq(rows[3].old.flag, "true", "the cell after the line breaks")
  T.eq(rows[4].old.text, '=HYPERLINK("x")', "row 5 decoded (defuse undone)")
  local j = att.diff(EXPORTS.jsonl, { HOSTILE[1] }, { key = "id", index = "old" })
  local r = j:rows()()
  T.eq(r.old.id, 2, "jsonl record decoded")
  T.eq(r.old.text, "comma, here", "jsonl record text")
end)

T.test("changes across formats are found: csv old vs jsonl new", function()
  local changed = {}
  for i, r in ipairs(HOSTILE) do
    local c = {}
    for k, v in pairs(r) do c[k] = v end
    changed[i] = c
  end
  changed[2].text = "comma, there"
  changed[5].num = 2.25
  changed[9].flag = false
  table.remove(changed, 3)
  changed[#changed + 1] = { id = 11, text = "new" }
  local p = tmpfile("jsonl")
  report.jsonl(changed, { columns = COLS, out = p })
  local d = att.diff(EXPORTS.csv, p, { key = "id" })
  local got = lines(d)
  T.eq(got[1], "changed 2 text comma, here comma, there", "text")
  T.match(got[2], "^removed 3 ", "removed")
  T.eq(got[3], "changed 5 num 2.5 2.25", "number")
  T.eq(got[4], "changed 9 flag  false", "null (empty in csv) to false")
  T.match(got[5], "^added 11 ", "added")
  T.eq(#got, 5, "rows")
  T.eq(d:summary().mode, "merge", "both files are sorted")
end)

---------------------------------------------------------------------------------------------------
-- Files: errors name the file and the line

T.test("bad files: unterminated quote, stray quote, field count, bad JSON line, unreadable", function()
  local p = write_file("csv", 'id,a\r\n1,"open\r\n2,b\r\n')
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ":2: unterminated quoted field", "unterminated")
  p = write_file("csv", 'id,a\r\n1,ab"c\r\n')
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ":2: a quote inside an unquoted field", "stray quote")
  p = write_file("csv", 'id,a\r\n1,"x"y\r\n')
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ':2: a quoted field is followed by "y", not a comma', "after a quote")
  p = write_file("csv", "id,a\r\n1,x\r\n2,y,z\r\n")
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ":3: 3 fields, the header has 2", "field count")
  p = write_file("jsonl", '{"id":1}\n\n{"id":2,}\n')
  T.match(T.raises(function() att.diff(OLD, p, { key = "id" }):summary() end),
    "^att%.diff: " .. p:gsub("%p", "%%%0") .. ":3: ", "bad JSON line")
  p = write_file("jsonl", '{"id":1}\n[1]\n')
  T.match(T.raises(function() att.diff(OLD, p, { key = "id" }):summary() end), ":2: not a JSON object$", "an array line")
  p = write_file("json", '[\n{"id":1},\n{"id":2\n]\n')
  T.match(T.raises(function() att.diff(OLD, p, { key = "id" }):summary() end),
    "^att%.diff: " .. p:gsub("%p", "%%%0") .. ":3: ", "bad json line")
  p = write_file("json", '{"id":1}')
  T.eq(T.raises(function() att.diff(OLD, p, { key = "id" }):summary() end),
    "att.diff: " .. p .. ": not a JSON array", "json object")
  p = write_file("csv", "id,a,a\r\n1,x,y\r\n")
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ':1: the column "a" appears twice in the header (columns 2 and 3)', "duplicate column")
  p = write_file("tsv", "id\ta\n1\tx\n2\n")
  T.eq(T.raises(function() att.diff(p, OLD, { key = "id" }):summary() end),
    "att.diff: " .. p .. ":3: 1 fields, the header has 2", "tsv field count")
  T.match(T.raises(function() att.diff("/nonexistent/x.csv", OLD, { key = "id" }) end),
    "^att%.diff: /nonexistent/x%.csv: cannot read: No such file or directory$", "missing file")
  T.match(T.raises(function() att.diff(tmpfile("txt"), OLD, { key = "id" }) end),
    "cannot tell its format from the extension", "unknown extension")
  T.match(T.raises(function() att.diff("x.db", OLD, { key = "id" }) end), "x%.db: cannot read", "missing db")
end)

T.test("a csv with a byte order mark and LF line ends", function()
  local p = write_file("csv", "\239\187\191id,a\n1,x\n2,\"multi\nline\"\n")
  T.same(lines(att.diff(p, { { id = 1, a = "x" }, { id = 2, a = "multi\nline" } }, { key = "id" })), {})
end)

T.test("json in another layout is decoded whole; blank lines; one-column csv", function()
  local p = write_file("json", '[{"id":1,"a":2},\n {"id":2,"a":3}]')
  T.same(lines(att.diff({ { id = 1, a = 2 }, { id = 2, a = 4 } }, p, { key = "id" })), { "changed 2 a 4 3" })
  p = write_file("json", "[]\n")
  T.eq(att.diff(p, {}, { key = "id" }):summary().unchanged, 0, "empty array")
  p = write_file("csv", "id,a\r\nA,1\r\n\r\nB,2\r\n\r\n")
  T.eq(att.diff(p, p, { key = "id" }):summary().unchanged, 2, "blank lines are no records")
  -- in a one-column csv a blank line is a record with one empty cell (att.report.csv writes "" so)
  p = write_file("csv", "id\r\nA\r\n\r\nB\r\n")
  T.eq(T.raises(function() att.diff(p, p, { key = "id" }):summary() end),
    "att.diff: row 2 of old (" .. p .. ') has no key "id"', "one column: a blank line is an empty key")
end)

T.test("defuse is undone, so a string that began with a quote and a formula character is ambiguous", function()
  local rows = { { id = 1, v = "'=x" }, { id = 2, v = "=x" } }
  local p = tmpfile("csv")
  report.csv(rows, { out = p })
  T.eq(T.read_file(p), "id,v\r\n1,'=x\r\n2,'=x\r\n", "the writer writes both the same")
  T.same(lines(att.diff(rows, p, { key = "id" })), { "changed 1 v '=x =x" }, "read back as =x")
end)

T.test("an iterator input is read once; arrays and files again", function()
  local d = att.diff(gen(OLD), NEW, { key = "id" })
  T.eq(#all(d), 4, "first pass")
  T.match(T.raises(function() all(d) end), "old is an iterator and was read already", "second pass")
  local f = att.diff(EXPORTS.csv, EXPORTS.jsonl, { key = "id" })
  T.eq(#all(f), 0, "files once")
  T.eq(#all(f), 0, "files twice")
end)

---------------------------------------------------------------------------------------------------
-- Options

T.test("option errors", function()
  T.eq(T.raises(function() att.diff(OLD, NEW) end), "att.diff: opts must be a table with at least key, got nil", "no opts")
  T.eq(T.raises(function() att.diff(OLD, NEW, {}) end), "att.diff: opts.key is required (the column that identifies a row)", "no key")
  T.match(T.raises(function() att.diff(OLD, NEW, { key = "id", colour = 1 }) end), 'unknown option "colour"', "unknown")
  T.match(T.raises(function() att.diff(OLD, NEW, { key = {} }) end), "opts%.key must be a column name or a non%-empty list", "empty key list")
  T.match(T.raises(function() att.diff(OLD, NEW, { key = "id", fields = "a" }) end), "opts%.fields must be a non%-empty list", "fields")
  T.match(T.raises(function() att.diff(OLD, NEW, { key = "id", sorted = 1 }) end), "opts%.sorted must be a boolean", "sorted")
  T.match(T.raises(function() att.diff(OLD, NEW, { key = "id", index = "both" }) end), 'opts%.index must be "old" or "new"', "index")
  T.eq(T.raises(function() att.diff(42, NEW, { key = "id" }) end),
    "att.diff: old must be a file name, an array of rows or an iterator, got number", "bad input")
end)

T.test("att.diff is the module, callable", function()
  T.eq(att.diff, diff, "lazy loader")
  T.eq(att.diff(OLD, NEW, { key = "id" }):summary().changed, 1, "callable")
  T.eq(diff.diff(OLD, NEW, { key = "id" }):summary().changed, 1, "diff.diff")
end)

---------------------------------------------------------------------------------------------------
-- Output formats

T.test("every att.report format writes the change rows", function()
  local d = att.diff(OLD, NEW, { key = "id" })
  local out = tmpfile("out")
  d:write("csv", { out = out })
  T.eq(T.read_file(out), "change,key,field,old,new\r\nchanged,A-2,n,2,20\r\nchanged,A-2,state,ACTIVE,SUSPENDED\r\n" ..
    'removed,A-3,,"{""id"":""A-3"",""n"":3,""name"":""Cid"",""state"":""LOCKED""}",\r\n' ..
    'added,A-5,,,"{""id"":""A-5"",""n"":5,""name"":""Eve"",""state"":""ACTIVE""}"\r\n', "csv")
  d:write("jsonl", { out = out })
  T.eq(T.read_file(out), '{"change":"changed","key":"A-2","field":"n","old":2,"new":20}\n' ..
    '{"change":"changed","key":"A-2","field":"state","old":"ACTIVE","new":"SUSPENDED"}\n' ..
    '{"change":"removed","key":"A-3","field":null,"old":{"id":"A-3","n":3,"name":"Cid","state":"LOCKED"},"new":null}\n' ..
    '{"change":"added","key":"A-5","field":null,"old":null,"new":{"id":"A-5","n":5,"name":"Eve","state":"ACTIVE"}}\n', "jsonl")
  d:write("json", { out = out })
  T.match(T.read_file(out), '^%[\n{"change":"changed".*}\n%]\n$', "json")
  d:write("tsv", { out = out })
  T.match(T.read_file(out), "^change\tkey\tfield\told\tnew\nchanged\tA%-2\tn\t2\t20\n", "tsv")
  d:write("markdown", { out = out })
  T.match(T.read_file(out), "^| change | key | field | old | new |\n|%-%-%-|", "markdown")
  d:write("table", { out = out })
  T.match(T.read_file(out), "^change   key  field  old +new\n%-+  %-+", "table")
  T.match(T.read_file(out), "\nchanged  A%-2  state  ACTIVE +SUSPENDED\n", "table row")
  d:write("csv", { out = out, columns = { "key", "field" }, header = false })
  T.eq(T.read_file(out), "A-2,n\r\nA-2,state\r\nA-3,\r\nA-5,\r\n", "opts passed to the writer")
  -- the diff itself as rows for a writer
  report.csv(d, { out = out, columns = { "change", "key" } })
  T.eq(T.read_file(out), "change,key\r\nchanged,A-2\r\nchanged,A-2\r\nremoved,A-3\r\nadded,A-5\r\n", "d as rows")
  report.csv(d, { out = out, columns = { "change" }, header = false })
  T.eq(T.read_file(out), "changed\r\nchanged\r\nremoved\r\nadded\r\n", "d as rows, a second time")
  T.match(T.raises(function() d:write("yaml", { out = out }) end), "unknown format", "unknown format")
  T.match(T.raises(function() d:write("csv", { out = out, bogus = 1 }) end), 'unknown option "bogus"', "writer options checked")
end)

T.test("html: a page of its own that highlights changes, escaped, with a CSP", function()
  local o = { { id = "<k>", a = "x&y", b = null }, { id = "r", a = 1 } }
  local n = { { id = "<k>", a = "<b>bold</b>", b = "" }, { id = "s", a = "'q'" } }
  local d = att.diff(o, n, { key = "id" })
  local out = tmpfile("html")
  local shown, read = d:write("html", { out = out, title = "Changes <today>" })
  T.eq(shown, 4, "rows shown")
  T.eq(read, 4, "rows read")
  local page = T.read_file(out)
  T.match(page, "^<!DOCTYPE html>\n", "doctype")
  T.match(page, "<meta http%-equiv=\"Content%-Security%-Policy\" content=\"default%-src 'none'; style%-src 'nonce%-%x+'", "CSP")
  T.ok(not page:find("<script", 1, true), "no script")
  T.ok(not page:find("https?://"), "no external resource")
  T.match(page, "<title>Changes &lt;today&gt;</title>", "title escaped")
  T.match(page, '<tr class="changed"><td class="change">changed</td><td class="key">&lt;k&gt;</td><td class="field">a</td>' ..
    '<td class="value"><del class="old">x&amp;y</del><span class="arrow">→</span><ins class="new">&lt;b&gt;bold&lt;/b&gt;</ins></td></tr>',
    "a changed field: old → new, escaped")
  T.match(page, '<del class="old"><span class="null">null</span></del><span class="arrow">→</span><ins class="new"><span class="empty">""</span></ins>',
    "null → \"\" shows")
  T.match(page, '<tr class="removed"><td class="change">removed</td><td class="key">r</td><td class="field"></td><td class="value"><del class="old">{&quot;a&quot;:1,&quot;id&quot;:&quot;r&quot;}</del>',
    "removed in red (del)")
  T.match(page, '<tr class="added"><td class="change">added</td><td class="key">s</td><td class="field"></td><td class="value"><ins class="new">{&quot;a&quot;:&quot;&#39;q&#39;&quot;,&quot;id&quot;:&quot;s&quot;}</ins>',
    "added in green (ins)")
  T.match(page, "tr%.added { background: var%(%-%-add%); }", "added rows styled")
  T.match(page, "tr%.removed { background: var%(%-%-del%); }", "removed rows styled")
  T.match(page, '<p class="summary" id="summary"><span class="n">1</span> added, <span class="n">1</span> removed, ' ..
    '<span class="n">1</span> changed %(<span class="n">2</span> fields%), <span class="n">0</span> unchanged</p>', "summary")
  local _, r2 = d:write("html", { out = out, limit = 1 })
  T.eq(r2, 4, "limit: every row read")
  T.match(T.read_file(out), '<p class="more">3 more rows not shown</p>', "limit")
  T.match(T.raises(function() d:write("html", { out = out, limit = -1 }) end), "^att%.diff%.html: opts%.limit", "options checked")
end)

T.test("a failed diff keeps the previous output file", function()
  local out = tmpfile("csv")
  local f = assert(io.open(out, "wb")); f:write("before\n"); f:close()
  local dup = { { id = "A-1" }, { id = "A-1" } }
  T.match(T.raises(function() att.diff(gen(OLD), gen(dup), { key = "id", sorted = true }):write("csv", { out = out }) end),
    "duplicate key", "error")
  T.eq(T.read_file(out), "before\n", "untouched")
  os.remove(out .. ".partial")
end)

T.test("errors while iterating d:rows() are raised as they are (no position)", function()
  local dup = { { id = "A-1" }, { id = "A-1" } }
  T.eq(T.raises(function() all(att.diff(gen(OLD), gen(dup), { key = "id", sorted = true })) end),
    'att.diff: duplicate key "A-1" in new (rows 1 and 2)', "through the coroutine")
end)

---------------------------------------------------------------------------------------------------
-- Live result sets (att-sandbox)

local sb = T.sandbox { "--individuals", "40", "--seed", "11" }
att.configure { base_url = sb.url }

T.test("two live result sets: Results objects and att.rows iterators", function()
  local a <close> = att.search { pageSize = 7 }
  local b <close> = att.search { pageSize = 10 }
  local d = att.diff(a, b, { key = "id" })
  T.same(d:summary(), { added = 0, removed = 0, changed = 0, fields = 0, unchanged = 40, mode = "index old" })
  local r1 <close> = att.search { pageSize = 7 }
  local r2 <close> = att.search { pageSize = 10 }
  local accounts = 0
  local r3 <close> = att.search { pageSize = 50 }
  for _ in att.rows(r3, "account") do accounts = accounts + 1 end
  local s = att.diff(att.rows(r1, "account"), att.rows(r2, "account"), { key = "accountId" }):summary()
  T.eq(s.unchanged, accounts, "every account")
  T.ok(accounts > 40, "accounts: " .. accounts)
end)

T.test("yesterday's csv and jsonl exports of a live search vs today's live rows: no change", function()
  local csv, jl = tmpfile("csv"), tmpfile("jsonl")
  local r1 <close> = att.search { pageSize = 50 }
  report.csv(att.rows(r1, "subscriber"), { out = csv })
  local r2 <close> = att.search { pageSize = 50 }
  report.jsonl(att.rows(r2, "subscriber"), { out = jl })
  local key = { "accountId", "subscriberId" }
  local r3 <close> = att.search { pageSize = 50 }
  local s = att.diff(csv, att.rows(r3, "subscriber"), { key = key }):summary()
  T.ok(s.unchanged > 40, "subscribers: " .. s.unchanged)
  T.same(s, { added = 0, removed = 0, changed = 0, fields = 0, unchanged = s.unchanged, mode = "index old" }, "csv vs live")
  T.same(att.diff(csv, jl, { key = key }):summary().changed, 0, "csv vs jsonl")
  -- a change in the export is found
  local text = T.read_file(csv)
  local f = assert(io.open(csv, "wb"))
  f:write((text:gsub("ACTIVE", "GONE", 1)))
  f:close()
  local d = att.diff(csv, jl, { key = key })
  local rows = all(d)
  T.eq(#rows, 1, "one change")
  T.eq(rows[1].old, "GONE", "old")
  T.eq(rows[1].new, "ACTIVE", "new")
end)

T.done()
