-- att.report_pg — the PostgreSQL writer: att.report.postgres(rows, opts), report.write("postgres",
-- ...), att search --out postgresql://... (loaded on first use; built on the host's att.pg_c, libpq).
--
--   report.postgres(rows, {out = "postgresql:///analytics?host=/run/postgresql", table = "fiber.accounts"})
--
-- opts (besides columns, as every writer):
--   out      the connection URI (postgresql:// or postgres://, libpq's syntax, passed to libpq as
--            it is). A password in it (user:pass@, password=, a dbname that is a connection string
--            with one) is refused: passwords come from libpq's own sources only (PGPASSWORD,
--            PGPASSFILE, ~/.pgpass, a service file). Under --safe the URI must be one of att's
--            arguments (exactly, or as the value of --name=URI).
--   table    "report" by default; "schema.table" names the schema too (no other dot allowed).
--   mode     "replace" (default: the table is dropped and created again) or "append" (created
--            when missing; an existing table must have exactly the report's column names).
--   request  what att_runs.request records: a table (as JSON), a string, or false (NULL);
--            default the JSON of att.last_search(), the params of the run's most recent search.
--
-- How: check(url, who) (report.check_out calls it before the first request) refuses what is
-- refused above and connects once, so that a wrong host, database or password fails before the
-- scan. While rows arrive they are written to an unlinked temporary file in $TMPDIR in COPY's text
-- format, and no connection is open. At the end, in one transaction (att's loads into one database
-- take turns: a transaction-scoped advisory lock): the table (replace: DROP
-- TABLE IF EXISTS and CREATE TABLE; append: CREATE TABLE IF NOT EXISTS and the column check), COPY
-- FROM STDIN, CREATE TABLE IF NOT EXISTS att_runs (in the table's schema when one is given) and
-- one row in it, COMMIT. Any error rolls it back: the database is as it was. Errors name the
-- database as the URI without user info or query, and give the server's message.
--
-- Column types, from every row's value of the column (nil and att.null are NULL): Lua integers
-- only → bigint; numbers (some floats) → double precision (NaN and infinities as PostgreSQL's);
-- booleans → boolean; ISO-8601 timestamps with a zone (2024-05-01T10:00:00Z, ...+02:00, fractions
-- allowed) → timestamptz; other strings → text; tables → jsonb; a mix, or no value at all → text.
-- In text, floats are written in their shortest exact form (%.14g, else %.17g). A string with a
-- NUL byte is an error naming its row and column (PostgreSQL cannot store it).
local M = {}

local att = att or require "att"
local report = require "att.report"
local pg = require "att.pg_c"
local kit = report._html_kit
local fail, describe = kit.fail, kit.describe
local concat, format, mtype = table.concat, string.format, math.type
local null = att.json.null

local WHO = "att.report.postgres"
local BATCH = 256 -- rows per spool write

local checked = {} -- URIs this run has connected to already (check connects once per URI)

-- check(url [, who]): raises "WHO: why" unless url may be written; connects once.
function M.check(url, who)
  who = who or WHO
  if type(url) ~= "string" then fail(who, "the database URL must be a string, got " .. describe(url)) end
  local ok, why = pg.check(url)
  if not ok then fail(who, why) end
  if not checked[url] then
    local c, err = pg.connect(url)
    if not c then fail(who, format("cannot connect to %s: %s", pg.name(url), err)) end
    c:close()
    checked[url] = true
  end
  return url
end

--------------------------------------------------------------------------------------------------
-- Values

local ESC = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n", ["\r"] = "\\r" }

local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- 1 when s is an ISO-8601 timestamp with a zone that PostgreSQL's timestamptz accepts.
local function is_timestamp(s)
  local y, mo, d, h, mi, se, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return false end
  rest = rest:gsub("^%.%d+", "", 1)
  local oh, om = rest:match("^[+-](%d%d):?(%d%d)$")
  if rest ~= "Z" and not (oh and tonumber(oh) <= 15 and tonumber(om) <= 59) then return false end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if y < 1 or mo < 1 or mo > 12 or d < 1 then return false end
  local dim = DAYS[mo]
  if mo == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then dim = 29 end
  return d <= dim and tonumber(h) <= 23 and tonumber(mi) <= 59 and tonumber(se) <= 59
end

local function float_text(v)
  if v ~= v then return "NaN" end
  if v == math.huge then return "Infinity" end
  if v == -math.huge then return "-Infinity" end
  local s = format("%.14g", v)
  if tonumber(s) ~= v then s = format("%.17g", v) end
  return s
end

-- Kinds of values, as bits: a column's type comes from the union over every row.
local INT, REAL, BOOL, TS, TEXT, JSON = 1, 2, 4, 8, 16, 32
local TYPE = { [INT] = "bigint", [REAL] = "double precision", [INT | REAL] = "double precision",
  [BOOL] = "boolean", [TS] = "timestamptz", [JSON] = "jsonb" }

-- The COPY text of one cell, and its kind bit (0 for NULL).
local function copy_cell(row, col, n)
  local s, v = kit.cell(row, col, n, WHO)
  if v == nil or v == null then return "\\N", 0 end
  local t = type(v)
  if t == "number" then
    if mtype(v) == "integer" then return s, INT end
    return float_text(v), REAL
  elseif t == "boolean" then
    return s, BOOL
  end
  if s:find("\0", 1, true) then
    fail(WHO, format("row %d, column %q: the text holds a NUL byte, which PostgreSQL cannot store", n, col.header))
  end
  local kind = t == "table" and JSON or (is_timestamp(s) and TS or TEXT)
  return (s:gsub("[\\\t\n\r]", ESC)), kind
end

--------------------------------------------------------------------------------------------------
-- Options

local function options(opts)
  opts = kit.check_opts(opts, WHO)
  local url = opts.out
  if not report.is_database_url(url) then
    fail(WHO, "opts.out must be a postgresql:// or postgres:// URI, got " .. describe(url))
  end
  local tbl = opts.table
  if tbl == nil then tbl = "report" end
  if type(tbl) ~= "string" then fail(WHO, "opts.table must be a string, got " .. describe(tbl)) end
  local schema, name = tbl:match("^([^.]+)%.([^.]+)$")
  if not schema then name = tbl:match("^[^.]+$") end
  if not name then fail(WHO, format("opts.table must be TABLE or SCHEMA.TABLE, got %q", tbl)) end
  for _, part in ipairs({ schema or "x", name }) do
    if #part > 63 then fail(WHO, format("opts.table: %q is longer than PostgreSQL's 63 bytes", part)) end
  end
  local mode = opts.mode
  if mode == nil then mode = "replace" end
  if mode ~= "replace" and mode ~= "append" then
    fail(WHO, "opts.mode must be \"replace\" or \"append\", got " .. describe(mode))
  end
  local req = opts.request
  if req ~= nil and req ~= false and type(req) ~= "table" and type(req) ~= "string" then
    fail(WHO, "opts.request must be a table, a string or false, got " .. describe(req))
  end
  return { url = url, table = tbl, schema = schema, name = name, mode = mode, request = req, columns = opts.columns }
end

-- The text att_runs.request records.
local function request_text(req)
  if req == false then return nil end
  if req == nil then
    local ok, last = pcall(att.last_search)
    req = ok and last or nil
    if req == nil then return nil end
  end
  if type(req) == "string" then return req end
  local ok, s = pcall(att.json.encode, req)
  if not ok then fail(WHO, "opts.request cannot be written as JSON: " .. tostring(s)) end
  return s
end

local function public_url(u)
  if type(u) ~= "string" then return nil end
  return (u:gsub("[?#].*$", ""):gsub("^(%a[%w+.-]*://)[^/@]*@", "%1"))
end

--------------------------------------------------------------------------------------------------
-- The spool

-- Reads every row into the spool. Returns the columns, the types and the row count.
local function spool_rows(rows, cols, spool)
  local nextrow = kit.row_reader(rows, WHO, cols)
  local row, n = nextrow()
  cols = cols or kit.default_columns(row)
  local ncol, kinds, buf, nb = #cols, {}, {}, 0
  for i = 1, ncol do
    kinds[i] = 0
    if #cols[i].header > 63 then
      fail(WHO, format("column %q: the name is longer than PostgreSQL's 63 bytes", cols[i].header))
    end
  end
  local cells = {}
  local function flush()
    local ok, err = spool:write(concat(buf, "", 1, nb))
    if not ok then fail(WHO, err) end
    nb = 0
  end
  while row do
    for i = 1, ncol do
      local s, k = copy_cell(row, cols[i], n)
      cells[i] = s
      kinds[i] = kinds[i] | k
    end
    nb = nb + 1
    buf[nb] = concat(cells, "\t", 1, ncol) .. "\n"
    if nb == BATCH then flush() end
    row, n = nextrow()
  end
  if nb > 0 then flush() end
  local ok, err = spool:flush()
  if not ok then fail(WHO, err) end
  local types = {}
  for i = 1, ncol do types[i] = TYPE[kinds[i]] or "text" end
  return cols, types, n and n - 1 or 0
end

--------------------------------------------------------------------------------------------------
-- The load

-- Runs the transaction on c; raises a bare message on failure.
local function load(c, o, cols, types, spool, count)
  local function exec(sql, ...)
    local r, err = c:exec(sql, ...)
    if not r then error({ msg = err }) end
    return r
  end
  local qtable = (o.schema and c:quote(o.schema) .. "." or "") .. c:quote(o.name)
  local qcols, defs = {}, {}
  for i, col in ipairs(cols) do
    qcols[i] = c:quote(col.header)
    defs[i] = qcols[i] .. " " .. types[i]
  end
  exec("BEGIN")
  -- att's loads into one database take turns for their short transactions, so that two first
  -- loads do not both create att_runs (or the same new table) at once
  exec("SELECT pg_advisory_xact_lock(hashtext('att.report.postgres'))")
  if o.mode == "replace" then
    exec("DROP TABLE IF EXISTS " .. qtable)
    exec(format("CREATE TABLE %s (%s)", qtable, concat(defs, ", ")))
  else
    exec(format("CREATE TABLE IF NOT EXISTS %s (%s)", qtable, concat(defs, ", ")))
    local have = exec("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 " ..
      "AND NOT attisdropped ORDER BY attnum", qtable)
    local want, same = {}, #have == #cols
    for i, col in ipairs(cols) do want[col.header], want[i] = true, col.header end
    for _, h in ipairs(have) do same = same and want[h] end
    if not same then
      error({ msg = format("table %s has the columns %s; the report has %s (mode \"append\" needs the same " ..
        "names)", o.table, concat(have, ", "), concat(want, ", ")) })
    end
  end
  local copied = count
  if #cols > 0 then
    local err
    copied, err = c:copy(format("COPY %s (%s) FROM STDIN", qtable, concat(qcols, ", ")), spool)
    if not copied then error({ msg = err }) end
  end
  local runs = (o.schema and c:quote(o.schema) .. "." or "") .. "att_runs"
  exec("CREATE TABLE IF NOT EXISTS " .. runs .. " (run_at timestamptz NOT NULL, att_version text, " ..
    "base_url text, request text, table_name text, mode text, rows bigint)")
  local okc, cfg = pcall(att.config)
  exec("INSERT INTO " .. runs .. " (run_at, att_version, base_url, request, table_name, mode, rows) " ..
    "VALUES ($1, $2, $3, $4, $5, $6, $7)", os.date("!%Y-%m-%dT%H:%M:%SZ", os.time()), att.version,
    public_url(okc and type(cfg) == "table" and cfg.base_url or nil), request_text(o.request), o.table,
    o.mode, tostring(copied))
  exec("COMMIT")
  return copied
end

function M.write(rows, opts)
  local o = options(opts)
  local cols = kit.parse_columns(o.columns, WHO)
  request_text(o.request) -- an opts.request that cannot be encoded fails before the scan
  M.check(o.url, WHO)
  local spool <close>, err = pg.spool()
  if not spool then fail(WHO, err) end
  local types, count
  cols, types, count = spool_rows(rows, cols, spool)
  local name = pg.name(o.url)
  local c <close>, cerr = pg.connect(o.url)
  if not c then fail(WHO, format("cannot connect to %s: %s", name, cerr)) end
  local ok, res = pcall(load, c, o, cols, types, spool, count)
  if not ok then
    c:exec("ROLLBACK")
    if type(res) == "table" then fail(WHO, format("%s: %s (nothing was written)", name, res.msg)) end
    error(res, 0)
  end
  return res
end

return M
