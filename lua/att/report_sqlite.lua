-- att.report_sqlite — the sqlite writer of att.report (report.sqlite, report.write("sqlite", ...),
-- att search --out FILE.db): rows into a table of a SQLite database, through att.sqlite.
--
--   report.sqlite(rows, {out = "r.db", table = "accounts", mode = "append"}) -> rows written
--
-- opts (besides columns, as for every writer; keys meant for other writers are ignored):
--   out      the database file (required). Created when missing (and removed again when the write
--            fails); an existing file must be a SQLite database.
--   table    the table (default "report"); any text (quoted as an identifier); not "att_runs".
--   mode     "replace" (default): the table is dropped and created again; "append": the rows are
--            added to the table, which must have exactly the report's column names (an error names
--            the missing and the extra ones), or is created.
--   request  what att_runs.request records: a table (as JSON), a string, false (NULL). Default: the
--            JSON of att.last_search() (the params of the run's most recent att.search), or NULL.
--
-- Columns: named by the headers (quoted identifiers: "status.state" is a column name). Their
-- declared types come from the non-null values of the first rows (up to 1,000, held in memory;
-- after them the rows stream, one at a time): all integers INTEGER; numbers with a float REAL;
-- booleans BOOLEAN (stored 0/1; att.sqlite reads them back as true/false); strings TEXT; nested
-- tables TEXT holding their JSON (json_extract works on it); all null, or a mix of kinds: no
-- declared type (every value kept as given). A later value of another kind is stored under
-- SQLite's affinity rules: in an INTEGER or REAL column a string that reads as a number becomes
-- that number ("007" becomes 7), in a TEXT column a number becomes its text, in an untyped column
-- every value stays as it is. NaN is stored as NULL. In append mode the table's own types stand.
--
-- Everything happens in one transaction (BEGIN IMMEDIATE ... COMMIT) with one prepared INSERT: the
-- table (replace: DROP TABLE IF EXISTS and CREATE; append: CREATE when missing), the rows, and a
-- row of the table att_runs (run_at TEXT as "YYYY-MM-DDTHH:MM:SSZ" from os.time(), att_version,
-- base_url without user info, query or fragment, request, table_name, mode, rows INTEGER).
-- Any failure (an error from the rows, a value that cannot be written, SQLite's, a full disk, an
-- interrupt) rolls the transaction back: the database is as it was, and a file the writer created
-- is removed. A failed write of the file also counts as a lost write (the run ends with status 8).
-- No rows and no opts.columns: there are no columns, so replace drops the table and creates none.
local M = {}

local att = att or require "att"
local kit = require("att.report")._html_kit
local sqlite = require "att.sqlite"
local path = require "att.path"

local WHO = "att.report.sqlite"
local BUFFERED = 1000
local fail, describe = kit.fail, kit.describe
local null = att.json.null
local format, concat = string.format, table.concat
local mtype = math.type

local function ident(s) return '"' .. s:gsub('"', '""') .. '"' end

-- A base URL without user info, query or fragment (they may hold a credential or a key).
local function public_url(u)
  if type(u) ~= "string" then return nil end
  u = u:gsub("[?#].*$", "")
  u = u:gsub("^(%a[%w+.-]*://)[^/@]*@", "%1")
  return u
end

-- The text att_runs.request records (nil: NULL).
local function request_text(req)
  if req == false then return nil end
  if type(req) == "string" then return req end
  if req == nil then
    req = att.last_search and att.last_search() or nil
    if req == nil then return nil end
  end
  if type(req) ~= "table" then
    fail(WHO, "opts.request must be a table, a string or false, got " .. describe(req))
  end
  local ok, s = pcall(att.json.encode, req)
  if not ok then fail(WHO, "opts.request cannot be encoded as JSON: " .. tostring(s)) end
  return s
end

-- The value of column c in row, as the inserter takes it (a plain key wins over the path).
local function value(row, c)
  local v = row[c.path]
  if v == nil then v = c.getter(row) end
  return v
end

-- The kind of a value, for the declared type: nil for nil, att.null and NaN.
local function kind(v)
  local t = type(v)
  if t == "number" then
    if mtype(v) == "integer" then return "INTEGER" end
    if v ~= v then return nil end
    return "REAL"
  end
  if t == "boolean" then return "BOOLEAN" end
  if v == nil or v == null then return nil end
  return "TEXT"
end

-- The declared type of each column from the buffered rows ("" for none).
local function column_types(cols, buffer)
  local types = {}
  for i, c in ipairs(cols) do
    local seen
    for _, row in ipairs(buffer) do
      local k = kind(value(row, c))
      if k and k ~= seen then
        if seen == nil then
          seen = k
        elseif (seen == "INTEGER" and k == "REAL") or (seen == "REAL" and k == "INTEGER") then
          seen = "REAL"
        else
          seen = ""
          break
        end
      end
    end
    types[i] = seen or ""
  end
  return types
end

-- The names of the columns of table name, or nil when there is no such table.
local function table_columns(db, name)
  local names, any = {}, false
  for r in db:rows("SELECT name FROM pragma_table_info(?)", name) do
    names[#names + 1] = r.name
    any = true
  end
  return any and names or nil
end

-- Raises unless the existing table has exactly the report's column names.
local function check_same(name, have, cols)
  local want, got, missing, extra = {}, {}, {}, {}
  for _, c in ipairs(cols) do want[c.header] = true end
  for _, n in ipairs(have) do
    got[n] = true
    if not want[n] then extra[#extra + 1] = format("%q", n) end
  end
  for _, c in ipairs(cols) do
    if not got[c.header] then missing[#missing + 1] = format("%q", c.header) end
  end
  if #missing > 0 or #extra > 0 then
    local parts = {}
    if #missing > 0 then parts[#parts + 1] = "it has no column " .. concat(missing, ", ") end
    if #extra > 0 then parts[#parts + 1] = "the report has no column " .. concat(extra, ", ") end
    fail(WHO, format("mode \"append\": table %q does not have the report's columns: %s", name,
      concat(parts, "; ")))
  end
end

local function create(db, name, cols, types)
  local defs = {}
  for i, c in ipairs(cols) do
    defs[i] = types[i] ~= "" and ident(c.header) .. " " .. types[i] or ident(c.header)
  end
  db:exec("CREATE TABLE " .. ident(name) .. " (" .. concat(defs, ", ") .. ")")
end

local function inserter(db, name, cols)
  local names, marks, keys, getters, headers = {}, {}, {}, {}, {}
  for i, c in ipairs(cols) do
    names[i], marks[i], keys[i], headers[i] = ident(c.header), "?", c.path, c.header
    getters[i] = c.getter
  end
  local sql = format("INSERT INTO %s (%s) VALUES (%s)", ident(name), concat(names, ", "), concat(marks, ", "))
  return db:_inserter(sql, keys, getters, headers)
end

local RUNS = "CREATE TABLE IF NOT EXISTS att_runs (run_at TEXT, att_version TEXT, base_url TEXT, " ..
  "request TEXT, table_name TEXT, mode TEXT, rows INTEGER)"

local function record_run(db, name, mode, request, count)
  local ok, conf = pcall(att.config)
  local base = ok and type(conf) == "table" and public_url(conf.base_url) or nil
  db:exec(RUNS)
  db:exec("INSERT INTO att_runs (run_at, att_version, base_url, request, table_name, mode, rows) " ..
    "VALUES (?, ?, ?, ?, ?, ?, ?)", os.date("!%Y-%m-%dT%H:%M:%SZ", os.time()), att.version, base,
    request, name, mode, count)
end

-- Long because it is the writer's one transaction, step by step.
local function write_all(db, state, nextrow, cols, name, mode, request)
  db:exec("BEGIN IMMEDIATE")
  local have = table_columns(db, name)
  local buffer, ended = {}, false
  local keep = (mode == "append" and have) and 1 or BUFFERED -- an existing table has its types
  while #buffer < keep do
    local r = nextrow()
    if r == nil then ended = true; break end
    buffer[#buffer + 1] = r
  end
  cols = cols or kit.default_columns(buffer[1])
  for _, c in ipairs(cols) do
    local get, compact = c.get, path.compact
    c.getter = function(r)
      local v, crossed = get(r)
      if crossed then return compact(v) end
      return v
    end
  end
  if #cols == 0 and buffer[1] ~= nil then
    fail(WHO, "the first row has no string keys, so there are no columns: give opts.columns")
  end
  if mode == "append" and have then
    if #cols > 0 then check_same(name, have, cols) end
  elseif #cols > 0 then
    local types = column_types(cols, buffer)
    if have then db:exec("DROP TABLE " .. ident(name)) end
    create(db, name, cols, types)
  elseif have and mode == "replace" then
    db:exec("DROP TABLE " .. ident(name))
  end
  local count = 0
  if #cols > 0 then
    local ins = inserter(db, name, cols)
    state.ins = ins
    for i = 1, #buffer do
      ins(buffer[i], i)
      count = i
    end
    buffer = nil -- luacheck: ignore (the first rows are not kept while the rest stream)
    if not ended then
      for r, k in nextrow do
        ins(r, k)
        count = count + 1
      end
    end
  end
  record_run(db, name, mode, request, count)
  db:exec("COMMIT")
  return count
end

function M.write(rows, opts)
  opts = kit.check_opts(opts, WHO)
  local out = opts.out
  if type(out) ~= "string" or out == "" then
    fail(WHO, "opts.out must name the database file, got " .. describe(out))
  end
  local name = opts.table
  if name == nil then name = "report" end
  if type(name) ~= "string" or name == "" then
    fail(WHO, "opts.table must be a non-empty string, got " .. describe(name))
  end
  if name:lower() == "att_runs" then fail(WHO, "opts.table: att_runs is the table of the runs") end
  local mode = opts.mode
  if mode == nil then mode = "replace" end
  if mode ~= "replace" and mode ~= "append" then
    fail(WHO, "opts.mode must be \"replace\" or \"append\", got " .. describe(mode))
  end
  local request = request_text(opts.request)
  local cols = kit.parse_columns(opts.columns, WHO)
  local nextrow = kit.row_reader(rows, WHO, cols)
  kit.check_path(out, WHO)
  local ok, db = pcall(sqlite.open, out)
  if not ok then error((tostring(db):gsub("^att%.sqlite: ", WHO .. ": ", 1)), 0) end
  local state = {}
  local done, res = pcall(write_all, db, state, nextrow, cols, name, mode, request)
  if not done then
    db:_discard(state.ins)
    if type(res) == "string" then res = res:gsub("^att%.sqlite: ", WHO .. ": ", 1) end
    error(res, 0)
  end
  db:close()
  return res
end

return M
