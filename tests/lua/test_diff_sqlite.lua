-- tests/lua/test_diff_sqlite.lua — att.diff over SQLite tables (read through att.sqlite, written by
-- att.sqlite and att.report.sqlite): "file.db:table", opts.table / old_table / new_table, a
-- SQLite export vs csv and jsonl exports of the same rows (no change), BOOLEAN columns, changes
-- found, errors (no table given, a missing table, not a database), and att diff on .db files.
-- Needs att.sqlite (src/host/sqlite.c) and att.report.sqlite (lua/att/report_sqlite.lua).
-- Run from the repository root:  ./att tests/lua/test_diff_sqlite.lua
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local null = att.null

local tmpfile = T.tmpfile

local function lines(d)
  local t = {}
  for r in d:rows() do
    local function txt(v) return v == nil and "-" or report.cell_text(v) end
    t[#t + 1] = table.concat({ r.change, txt(r.key), r.field or "-", txt(r.old), txt(r.new) }, " ")
  end
  return t
end

local ROWS = {
  { id = 1, text = "plain", num = 42, real = 0.5, flag = true, nested = { a = 1, b = { "x" } } },
  { id = 2, text = "comma, \"quoted\"", num = -5, real = 1 / 3, flag = false, nested = null },
  { id = 3, text = "two\r\nlines", num = math.maxinteger, real = 2.0, flag = null, nested = { 1.5 } },
  { id = 4, text = "=formula", num = null, real = null, flag = true, nested = "-x" },
  { id = 5, text = "Zoë — 東京", num = 0, real = -0.25, flag = false, nested = "" },
  { id = 6, text = "", num = 7, real = 1e300, flag = true, nested = "y" },
}
local COLS = { "id", "text", "num", "real", "flag", "nested" }

local DB = tmpfile("db")
report.sqlite(ROWS, { out = DB, table = "accounts", columns = COLS })
local CSV, JL = tmpfile("csv"), tmpfile("jsonl")
report.csv(ROWS, { out = CSV, columns = COLS })
report.jsonl(ROWS, { out = JL, columns = COLS })

T.test("an att.report.sqlite table equals the csv and jsonl exports of the same rows", function()
  for _, other in ipairs { CSV, JL } do
    local d = att.diff(DB .. ":accounts", other, { key = "id" })
    T.same(lines(d), {}, "db vs " .. other)
    T.eq(d:summary().unchanged, #ROWS, "unchanged")
    T.same(lines(att.diff(other, DB, { key = "id", table = "accounts" })), {}, other .. " vs db (opts.table)")
  end
  T.same(lines(att.diff(ROWS, DB, { key = "id", new_table = "accounts" })), {}, "rows vs db (new_table)")
end)

T.test("two tables, one file; old_table and new_table", function()
  local db = att.sqlite.open(DB)
  db:exec('CREATE TABLE t2 (id INTEGER, text TEXT, active BOOLEAN)')
  db:exec("INSERT INTO t2 VALUES (1, 'a', 1), (2, 'b', 0), (3, 'c', NULL)")
  db:exec('CREATE TABLE t3 (id INTEGER, text TEXT, active BOOLEAN)')
  db:exec("INSERT INTO t3 VALUES (3, 'c', 0), (1, 'A', 1), (4, 'd', 1)")
  db:close()
  local d = att.diff(DB, DB, { key = "id", old_table = "t2", new_table = "t3" })
  T.same(lines(d), {
    "changed 3 active  false",
    "changed 1 text a A",
    "added 4 - - " .. '{"active":true,"id":4,"text":"d"}',
    "removed 2 - " .. '{"active":false,"id":2,"text":"b"}' .. " -",
  })
  T.eq(d:summary().mode, "index old", "t3 is not sorted")
  -- BOOLEAN columns read as true/false equal csv text
  local csv = tmpfile("csv")
  local f = assert(io.open(csv, "wb"))
  f:write("id,text,active\r\n1,a,true\r\n2,b,false\r\n3,c,\r\n")
  f:close()
  T.same(lines(att.diff(DB .. ":t2", csv, { key = "id" })), {}, "BOOLEAN vs csv true/false, NULL vs empty")
end)

T.test("SQLite errors name the file and the table", function()
  T.match(T.raises(function() att.diff(DB, CSV, { key = "id" }) end),
    "^att%.diff: .*%.db: an SQLite file needs a table", "no table")
  local err = T.raises(function() att.diff(DB .. ":nope", CSV, { key = "id" }):summary() end)
  T.match(err, "^att%.diff: .*%.db.*no such table", "a missing table")
  T.match(err, '%(table "nope"%)', "the table named")
  local notdb = tmpfile("db")
  local f = assert(io.open(notdb, "wb"))
  f:write(string.rep("not a database\n", 100))
  f:close()
  T.match(T.raises(function() att.diff(notdb .. ":t", CSV, { key = "id" }):summary() end),
    "^att%.diff: .*%.db", "not a database")
end)

T.test("att diff on .db files: FILE.db:TABLE, --table, --old-table/--new-table", function()
  local att_bin = os.getenv("ATT") or "./att"
  local q = T.sh_quote
  local out, err, rc = T.run(q(att_bin) .. " diff " .. q(DB .. ":accounts") .. " " .. q(CSV) .. " --key id")
  T.eq(rc, 0, "status: " .. tostring(err))
  T.eq(err, "att diff: 0 added, 0 removed, 0 changed (0 fields), 6 unchanged\n", "summary")
  out, err, rc = T.run(q(att_bin) .. " diff " .. q(DB) .. " " .. q(DB) .. " --key id --old-table t2 --new-table t3 --format csv --exit-code")
  T.eq(rc, 1, "differences: " .. tostring(err))
  T.match(out, "\r\nchanged,1,text,a,A\r\n", "csv")
  T.eq(err, "att diff: 1 added, 1 removed, 2 changed (2 fields), 0 unchanged\n", "summary")
  out, err, rc = T.run(q(att_bin) .. " diff " .. q(DB) .. " " .. q(CSV) .. " --key id")
  T.eq(rc, 2, "no table: 2")
  T.match(err, "^att diff: .*an SQLite file needs a table", "no table: message")
end)

T.done()
