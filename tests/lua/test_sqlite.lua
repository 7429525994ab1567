-- tests/lua/test_sqlite.lua — att.sqlite (open, exec, rows, close, errors) and att.report.sqlite
-- (typed columns, round trips, replace and append, att_runs, rollback on failure, a created file
-- removed, streaming memory). The independent reader (python3's sqlite3) is in
-- tests/cli/test_sqlite.sh. Run from the repository root:  ./att tests/lua/test_sqlite.lua
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local sqlite = att.sqlite
local null = att.null

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p " .. T.sh_quote(dir)))
local seq = 0
local function fresh(name)
  seq = seq + 1
  return string.format("%s/%d-%s", dir, seq, name or "t.db")
end
local function exists(p)
  local f = io.open(p, "rb")
  if f then f:close() end
  return f ~= nil
end
local function all(db, sql, ...)
  local out = {}
  for r in db:rows(sql, ...) do out[#out + 1] = r end
  return out
end
local function one(path, sql, ...)
  local db <close> = sqlite.open(path, { readonly = true })
  return all(db, sql, ...)[1]
end
local gen = T.gen

--------------------------------------------------------------------------------------------------
-- att.sqlite

T.test("att.sqlite is the preloaded module, also through att's lazy loader", function()
  T.ok(require("att.sqlite") == sqlite, "require and att.sqlite are one table")
  T.eq(type(sqlite.open), "function", "open")
  T.match(sqlite.version, "^3%.", "SQLite's version")
end)

T.test("exec and rows: every type bound and read back", function()
  local db <close> = sqlite.open(fresh())
  db:exec("CREATE TABLE v (i INTEGER, r REAL, t TEXT, b BOOLEAN, x BLOB, u)")
  T.eq(db:exec("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?)", math.maxinteger, 0.1, "héllo “x” 日本", true, "a\0b", null), 1,
    "rows changed")
  db:exec("INSERT INTO v VALUES (?, ?, ?, ?, ?, ?)", math.mininteger, -1.5e300, "", false, nil, 7)
  db:exec("INSERT INTO v VALUES (9007199254740993, 0/0, 'it''s\nmulti', 2, x'00ff', 2.5)")
  local rows = all(db, "SELECT * FROM v ORDER BY rowid")
  T.same(rows[1], { i = math.maxinteger, r = 0.1, t = "héllo “x” 日本", b = true, x = "a\0b", u = null }, "row 1")
  T.same(rows[2], { i = math.mininteger, r = -1.5e300, t = "", b = false, x = null, u = 7 }, "row 2")
  T.same(rows[3], { i = 9007199254740993, r = null, t = "it's\nmulti", b = 2, x = "\0\255", u = 2.5 }, "row 3: "
    .. "BOOLEAN gives booleans for 0/1 only, a blob is a string")
  T.eq(math.type(all(db, "SELECT r FROM v WHERE rowid = 2")[1].r), "float", "REAL is a float")
  T.same(all(db, "SELECT ? AS a, ? AS b, ? AS c", 1.0, "1", 3 > 2), { { a = 1.0, b = "1", c = 1 } },
    "1.0 stays a float, '1' text, true binds 1")
  T.same(all(db, "SELECT typeof(?) AS t", 0 / 0), { { t = "null" } }, "NaN binds NULL")
end)

T.test("rows: a to-be-closed 4th value; the statement is finalized at the end and at a break", function()
  local db <close> = sqlite.open(fresh())
  db:exec("CREATE TABLE t (a); INSERT INTO t VALUES (1), (2), (3)")
  T.eq(select("#", db:rows("SELECT a FROM t")), 4, "four values, as io.lines")
  for r in db:rows("SELECT a FROM t ORDER BY a") do
    if r.a == 1 then break end
  end
  -- an unfinalized SELECT on t would make DROP fail with "database table is locked"
  db:exec("DROP TABLE t")
  T.same(all(db, "SELECT name FROM sqlite_master"), {}, "dropped")
  local seen = 0
  for _ in db:rows("SELECT 1 UNION ALL SELECT 2") do seen = seen + 1 end
  T.eq(seen, 2, "every row")
end)

T.test("errors: pcall-able, 'att.sqlite: PATH: message', the problem named", function()
  local p = fresh()
  local db <close> = sqlite.open(p)
  local pre = "^att%.sqlite: " .. p:gsub("%p", "%%%0") .. ": "
  T.match(T.raises(db.exec, db, "SELEC 1"), pre .. 'near "SELEC": syntax error$', "syntax")
  T.match(T.raises(db.rows, db, "SELECT * FROM nope"), pre .. "no such table: nope$", "no table")
  T.match(T.raises(db.exec, db, "SELECT ?", 1, 2), pre .. "2 parameters given, the statement takes 1$", "count")
  T.match(T.raises(db.rows, db, "SELECT ?, ?", 1), pre .. "1 parameter given, the statement takes 2$", "count")
  T.match(T.raises(db.exec, db, "SELECT ?", {}), pre .. "parameter 1 is table", "type")
  T.match(T.raises(db.exec, db, "SELECT 1; SELECT ?", 1), pre .. "parameters are bound to one statement", "several")
  T.match(T.raises(db.rows, db, "SELECT 1; SELECT 2"), pre .. "db:rows takes one statement", "rows: several")
  db:exec("CREATE TABLE u (a UNIQUE); INSERT INTO u VALUES (1)")
  T.match(T.raises(db.exec, db, "INSERT INTO u VALUES (1)"), pre .. "UNIQUE constraint failed: u.a$", "constraint")
  T.match(T.raises(sqlite.open, dir .. "/no/such/dir.db"), "^att%.sqlite: .*/no/such/dir%.db: unable to open", "open")
  T.match(T.raises(sqlite.open, fresh("missing.db"), { readonly = true }), "unable to open database file", "readonly")
  T.ok(not exists(dir .. "/" .. seq .. "-missing.db"), "readonly does not create")
  T.match(T.raises(sqlite.open, fresh("nocreate.db"), { create = false }), "unable to open", "create = false")
  T.match(T.raises(sqlite.open, ""), "^att%.sqlite: the database name is empty$", "empty name")
  local ro <close> = sqlite.open(p, { readonly = true })
  T.match(T.raises(ro.exec, ro, "INSERT INTO u VALUES (2)"), "attempt to write a readonly database", "readonly")
  local notdb = fresh("text.db")
  local f = assert(io.open(notdb, "w"))
  f:write("id,name\n1,x\n")
  f:close()
  local bad <close> = sqlite.open(notdb)
  T.match(T.raises(bad.exec, bad, "SELECT * FROM sqlite_master"), "file is not a database", "not a database")
end)

T.test("close: idempotent, __close, __gc; a closed db says so", function()
  local p = fresh()
  local db = sqlite.open(p)
  db:exec("CREATE TABLE t (a)")
  db:close()
  db:close()
  T.match(T.raises(db.exec, db, "SELECT 1"), "^att%.sqlite: .*: the database is closed$", "closed")
  T.match(tostring(db), "closed", "tostring")
  do
    local d2 <close> = sqlite.open(p)
    d2:exec("BEGIN; INSERT INTO t VALUES (1)") -- left open: __close rolls it back
  end
  T.eq(one(p, "SELECT count(*) AS n FROM t").n, 0, "an open transaction is rolled back on close")
  local d3 = sqlite.open(p)
  local it, s, c = d3:rows("SELECT a FROM t")
  d3:close()
  T.match(T.raises(it, s, c), "the database was closed during the loop", "a loop after close")
  d3 = nil -- luacheck: ignore
  collectgarbage()
  collectgarbage()
  T.eq(sqlite.open(p):exec("INSERT INTO t VALUES (2)"), 1, "the file is free after __gc")
end)

--------------------------------------------------------------------------------------------------
-- att.report.sqlite

local ROWS = {
  { id = 1, big = math.maxinteger, score = 1.5, ok = true, name = 'say "hi",\nthere', empty = "",
    ["status.state"] = "OPEN", tags = { "a", "b" }, obj = { k = 1 }, mixed = 1, nothing = null, num = 1 },
  { id = 2, big = math.mininteger, score = 2, ok = false, name = "日本語 ✓", empty = null,
    ["status.state"] = "CLOSED", tags = {}, obj = { k = 2, deep = { x = true } }, mixed = "one", num = 2.25 },
}

T.test("report.sqlite: declared types from the values, every value read back", function()
  local p = fresh()
  T.eq(report.sqlite(ROWS, { out = p, table = "accounts", request = false }), 2, "rows written")
  local sql = one(p, "SELECT sql FROM sqlite_master WHERE name = 'accounts'").sql
  T.eq(sql, 'CREATE TABLE "accounts" ("big" INTEGER, "empty" TEXT, "id" INTEGER, "mixed", "name" TEXT, ' ..
    '"nothing", "num" REAL, "obj" TEXT, "ok" BOOLEAN, "score" REAL, "status.state" TEXT, "tags" TEXT)', "schema")
  local db <close> = sqlite.open(p, { readonly = true })
  local rows = all(db, "SELECT * FROM accounts ORDER BY id")
  T.same(rows[1], { id = 1, big = math.maxinteger, score = 1.5, ok = true, name = 'say "hi",\nthere', empty = "",
    ["status.state"] = "OPEN", tags = '["a","b"]', obj = '{"k":1}', mixed = 1, nothing = null, num = 1.0 }, "row 1")
  T.same(rows[2], { id = 2, big = math.mininteger, score = 2.0, ok = false, name = "日本語 ✓", empty = null,
    ["status.state"] = "CLOSED", tags = "{}", obj = '{"deep":{"x":true},"k":2}', mixed = "one", nothing = null,
    num = 2.25 }, "row 2")
  T.same(all(db, "SELECT json_extract(obj, '$.deep.x') AS x, json_extract(tags, '$[1]') AS t FROM accounts ORDER BY id"),
    { { x = null, t = "b" }, { x = 1, t = null } }, "nested values are JSON for json_extract")
  T.same(all(db, "SELECT count(*) AS n FROM accounts WHERE empty = ''"), { { n = 1 } }, "'' is not NULL")
  T.same(all(db, "SELECT typeof(big) AS t FROM accounts"), { { t = "integer" }, { t = "integer" } }, "64-bit")
end)

T.test("report.sqlite: opts.columns with paths and headers; crossed paths as JSON lists", function()
  local p = fresh()
  local rows = { { id = 7, status = { state = "OPEN" }, accounts = { { m = "DAL" }, { m = "HOU" } } },
                 { id = 8, status = { state = "X" }, accounts = {} } }
  report.sqlite(rows, { out = p, columns = { "id", { "status.state", "State" }, "accounts.m" } })
  local db <close> = sqlite.open(p)
  T.same(all(db, 'SELECT * FROM report ORDER BY id'), {
    { id = 7, State = "OPEN", ["accounts.m"] = '["DAL","HOU"]' },
    { id = 8, State = "X", ["accounts.m"] = null } }, "values through paths")
end)

T.test("report.sqlite: later values of another kind follow SQLite's affinity; NaN is NULL", function()
  local p = fresh()
  local rows = {}
  for i = 1, 1000 do rows[i] = { n = i, t = "s" .. i, f = i + 0.5 } end -- the types: the first 1,000
  rows[1001] = { n = "007", t = 42, f = 0 / 0 }
  rows[1002] = { n = "x7", t = true, f = "2.5" }
  report.sqlite(rows, { out = p })
  local db <close> = sqlite.open(p)
  T.eq(all(db, "SELECT sql FROM sqlite_master WHERE name = 'report'")[1].sql,
    'CREATE TABLE "report" ("f" REAL, "n" INTEGER, "t" TEXT)', "types from the first 1,000 rows")
  local got = all(db, "SELECT n, typeof(n) AS tn, t, typeof(t) AS tt, f, typeof(f) AS tf FROM report WHERE rowid > 1000 ORDER BY rowid")
  T.same(got, { { n = 7, tn = "integer", t = "42", tt = "text", f = null, tf = "null" },
                { n = "x7", tn = "text", t = "1", tt = "text", f = 2.5, tf = "real" } }, "affinity")
end)

T.test("report.sqlite: replace (default) drops and creates; append adds, or creates", function()
  local p = fresh()
  report.sqlite({ { a = 1, b = "x" }, { a = 2, b = "y" } }, { out = p })
  report.sqlite({ { c = 3 } }, { out = p })
  T.same(one(p, "SELECT group_concat(name) AS n FROM pragma_table_info('report')"), { n = "c" }, "replaced")
  T.eq(report.sqlite({ { c = 4 }, { c = 5 } }, { out = p, mode = "append" }), 2, "appended")
  T.eq(one(p, "SELECT count(*) AS n, sum(c) AS s FROM report").s, 12, "3 + 4 + 5")
  T.eq(report.sqlite({ { z = 1 } }, { out = p, table = "other", mode = "append" }), 1, "append creates")
  T.eq(one(p, "SELECT z FROM other").z, 1, "the new table")
  T.eq(one(p, "SELECT count(*) AS n FROM report").n, 3, "the other table is left alone")
end)

T.test("report.sqlite: append to a table with other columns names the missing and extra ones", function()
  local p = fresh()
  report.sqlite({ { a = 1, b = 2 } }, { out = p })
  local err = T.raises(report.sqlite, { { a = 1, c = 3 } }, { out = p, mode = "append" })
  T.match(err, '^att%.report%.sqlite: mode "append": table "report" does not have the report\'s columns: ' ..
    'it has no column "c"; the report has no column "b"$', "message")
  T.eq(one(p, "SELECT count(*) AS n FROM report").n, 1, "nothing added")
  T.eq(one(p, "SELECT count(*) AS n FROM att_runs").n, 1, "no run recorded")
end)

T.test("report.sqlite: one att_runs row per call, in the same transaction", function()
  local p = fresh()
  local t0 = os.time()
  report.sqlite({ { a = 1 } }, { out = p, table = "x", request = { serviceType = "FIBER", b = { 1, 2 } } })
  report.sqlite({ { a = 2 }, { a = 3 } }, { out = p, table = "x", mode = "append", request = "by hand" })
  report.sqlite({}, { out = p, table = "x", mode = "append", request = false })
  local db <close> = sqlite.open(p)
  local runs = all(db, "SELECT * FROM att_runs ORDER BY rowid")
  T.eq(#runs, 3, "three runs")
  T.same(all(db, "SELECT sql FROM sqlite_master WHERE name = 'att_runs'"), { { sql =
    "CREATE TABLE att_runs (run_at TEXT, att_version TEXT, base_url TEXT, request TEXT, table_name TEXT, " ..
    "mode TEXT, rows INTEGER)" } }, "schema")
  T.eq(runs[1].request, '{"b":[1,2],"serviceType":"FIBER"}', "request as JSON")
  T.eq(runs[2].request, "by hand", "request as given")
  T.eq(runs[3].request, null, "request = false")
  T.same({ runs[1].mode, runs[2].mode, runs[1].rows, runs[2].rows, runs[3].rows, runs[1].table_name },
    { "replace", "append", 1, 2, 0, "x" }, "mode, rows, table")
  T.eq(runs[1].att_version, att.version, "version")
  T.eq(runs[1].run_at, os.date("!%Y-%m-%dT%H:%M:%SZ", t0), "run_at (UTC, from os.time())")
  T.eq(runs[1].base_url, (att.config().base_url:gsub("[?#].*$", "")), "base_url")
end)

T.test("report.sqlite: default request is att.last_search() as JSON, or NULL", function()
  local p = fresh()
  report.sqlite({ { a = 1 } }, { out = p })
  local want = att.last_search() and att.json.encode(att.last_search()) or null
  T.eq(one(p, "SELECT request FROM att_runs").request, want, "request")
end)

T.test("report.sqlite: an error in the middle rolls back; the previous contents stay", function()
  local p = fresh()
  report.sqlite({ { a = 1, b = "old" } }, { out = p, table = "t" })
  for _, at in ipairs({ 10, 1500 }) do -- inside the first 1,000 (buffered) and after them (streaming)
    local i = 0
    local err = T.raises(report.sqlite, function()
      i = i + 1
      if i == at then error("source failed at " .. i, 0) end
      return { a = i, b = "new" }
    end, { out = p, table = "t" })
    T.eq(err, "source failed at " .. at, "the source's error, unchanged")
    T.same(one(p, "SELECT group_concat(a || b) AS v, count(*) AS n FROM t"), { v = "1old", n = 1 }, "untouched " .. at)
    T.eq(one(p, "SELECT count(*) AS n FROM att_runs").n, 1, "no run recorded")
  end
  local err = T.raises(report.sqlite, { { a = 1 }, { a = { f = print } } }, { out = p, table = "t" })
  T.match(err, '^att%.report%.sqlite: .*: row 2, column "a": ', "a value that cannot be encoded names row and column")
  T.eq(one(p, "SELECT b FROM t").b, "old", "untouched")
  err = T.raises(report.sqlite, { { a = 1, A = 2 } }, { out = p, table = "t" })
  T.match(err, "^att%.report%.sqlite: .*duplicate column name", "SQLite's error")
  T.eq(one(p, "SELECT b FROM t").b, "old", "untouched")
end)

T.test("report.sqlite: a database file the writer created is removed when it fails", function()
  local p = fresh("created.db")
  T.raises(report.sqlite, function() error("nope", 0) end, { out = p })
  T.ok(not exists(p), "no file")
  T.ok(not exists(p .. "-journal"), "no journal")
  local i = 0
  T.raises(report.sqlite, function()
    i = i + 1
    if i > 2000 then error("late", 0) end
    return { a = i }
  end, { out = p })
  T.ok(not exists(p), "no file after rows were written")
end)

T.test("report.sqlite: options and their errors", function()
  local p = fresh()
  T.match(T.raises(report.sqlite, {}, {}), "^att%.report%.sqlite: opts%.out must name the database file", "out")
  T.match(T.raises(report.sqlite, {}, { out = p, table = "" }), "opts%.table must be a non%-empty string", "table")
  T.match(T.raises(report.sqlite, {}, { out = p, table = "ATT_RUNS" }), "att_runs is the table of the runs", "att_runs")
  T.match(T.raises(report.sqlite, {}, { out = p, mode = "merge" }), 'opts%.mode must be "replace" or "append"', "mode")
  T.match(T.raises(report.sqlite, {}, { out = p, request = 5 }), "opts%.request must be a table, a string or false",
    "request")
  T.match(T.raises(report.sqlite, { {} }, { out = p }), "no columns: give opts%.columns", "no columns")
  T.match(T.raises(report.sqlite, {}, { out = p, bogus = 1 }), "unknown option", "unknown option")
  T.match(T.raises(report.sqlite, {}, { out = dir .. "/none/x.db" }), "cannot open .* for writing", "bad directory")
  T.ok(not exists(p), "no file made by a refused call")
  T.eq(report.sqlite({ { ['we"ird'] = 1 } }, { out = p, table = 'my "table"' }), 1, "quoted identifiers")
  T.eq(one(p, 'SELECT "we""ird" AS v FROM "my ""table"""').v, 1, "read back")
  T.eq(report.sqlite({}, { out = p, table = 'my "table"' }), 0, "no rows")
  T.eq(one(p, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'my \"table\"'").n, 0,
    "replace with no rows and no columns drops the table")
  T.eq(report.sqlite({}, { out = p, columns = { "a", "b" } }), 0, "no rows, columns given")
  T.eq(one(p, "SELECT sql FROM sqlite_master WHERE name = 'report'").sql, 'CREATE TABLE "report" ("a", "b")', "empty")
  T.eq(report.write("sqlite", gen({ { a = 1 } }), { out = p }), 1, "report.write and an iterator")
  T.eq(report.format_of(p), "sqlite", "the .db name")
end)

T.test("report.sqlite: 100,000 rows stream in flat memory", function()
  local p = fresh("big.db")
  local N, i, early, peak = 100000, 0, nil, 0
  local n = report.sqlite(function()
    i = i + 1
    if i > N then return nil end
    local kb = collectgarbage("count")
    if i == 10000 then early = kb elseif i > 10000 and kb > peak then peak = kb end
    return { id = i, name = "name " .. i, v = i / 4, flag = i % 2 == 0, j = { i } }
  end, { out = p })
  T.eq(n, N, "rows written")
  -- the rows kept would take tens of MB; the garbage collector's slack is a few MB at most
  T.ok(peak - early < 6 * 1024, string.format("Lua heap at row 10,000: %.0f KB, peak after: %.0f KB", early, peak))
  local r = one(p, "SELECT count(*) AS n, sum(id) AS s, sum(flag) AS f, max(json_extract(j, '$[0]')) AS m FROM report")
  T.same(r, { n = N, s = N * (N + 1) // 2, f = N // 2, m = N }, "every row")
end)

os.execute("rm -rf " .. T.sh_quote(dir))
T.done()
