-- att.report — writers for report rows: csv, tsv, jsonl, json, markdown, table, html; and the
-- typed outputs sqlite, xlsx and postgres (each its own module, documented there: report_sqlite,
-- report_xlsx, report_pg; report.workbook(path) for several sheets in one workbook).
--
--   local report = require "att.report"
--   report.csv(rows, {columns = {"id", {"state.state", "State"}}, out = "accounts.csv"})
--   report.write("html", rows, {title = "Markets", chart = {label = "market", value = "accounts"}})
--
-- Every writer is  writer(rows [, opts])  and returns the number of rows written; table and html,
-- which can stop at opts.limit, also return the number of rows read as a second value.
-- report.write(format, rows [, opts]) picks the writer by name (case-insensitive) and rejects
-- unknown names; report.formats lists them. Helpers: report.iterate(rows) → iterator function,
-- report.get(row, path), report.cell_text(value), report.width(string) (terminal columns),
-- report.html_escape(string).
--
-- The html writer is the module att.report_html (lua/att/report_html.lua), loaded the first time
-- report.html, report.write("html", ...) or report.html_escape is called, so that the other
-- writers do not carry its CSS, JS and SVG code; it is documented here with the others. Paths
-- (columns, chart) are read with att.path.
--
-- Length: about 800 lines, because this header is the reference of every text writer (90 lines)
-- and the code holds six writers over one set of row, column, option, output, cell and
-- display-width helpers that att.report_html and the typed writers use too (report._html_kit),
-- plus the dispatch to the typed writers' modules; so it stays one module.
--
-- rows: an array of row tables (read up to the first nil), or an iterator: a function returning one
-- row per call and nil at the end (e.g. coroutine.wrap), or a callable userdata or table such as an
-- att.search Results. Only the first value of each call is used. Every row must be a table.
--
-- opts (all optional; an unknown key is an error, a key meant for another writer is ignored, so one
-- opts table can serve every format):
--   columns    list of columns, in order. A column is a key ("id"), a dotted path ("state.state",
--              "accounts.1.billingMarket"), or {path, header} to name it ({"state.state", "State"}).
--              A plain key wins over a path. Paths follow the one rule of att.path (docs/API.md,
--              "Paths"): a key that is not a number applied to an array crosses it, so
--              "accounts.billingMarket" on an individual gives the list of its accounts' markets,
--              shown as JSON text in text cells (["DAL","HOU"]) and as a JSON array in jsonl and
--              json; a list with no value other than att.null is an empty cell (null in JSON). An
--              element without the rest of the path adds nothing to the list (it used to add null).
--              Header names must be unique.
--              Default: the string keys of the first row, sorted (jsonl and json: the whole row).
--   out        a file handle (anything with :write), or a path, opened, written and closed (an error
--              names the path when it cannot be opened). Default io.stdout (flushed, not closed).
--   header     false to leave out the header line (csv, tsv, markdown — an empty header row, since
--              GFM needs one — and table).
--   defuse     csv, tsv: default TRUE. A string cell (header names too) starting with = + - @, tab or
--              carriage return is prefixed with a single quote ' so that a spreadsheet does not run
--              it as a formula ("=HYPERLINK(...)" → "'=HYPERLINK(...)"; the string "-5" → "'-5").
--              Lua numbers are never changed (-5 stays -5). defuse = false writes strings as they are.
--   eol        csv, tsv: the line end (csv "\r\n" as RFC 4180 says, tsv "\n").
--   limit      table: rows shown (default 1000), then a line "... N more"; html: rows shown (default
--              all), then a "N more rows not shown" note. Rows past the limit are read and counted.
--   max_width  table: longest cell in columns (default 60); longer cells end with "…".
--   title      html: the page title and heading (default "att report").
--   chart      html: {label = COLUMN, value = COLUMN} adds an inline SVG bar chart, one bar per row
--              (label on the axis, value as the bar length, a <title> tooltip per bar). COLUMN is a
--              header name or path of opts.columns, or any path of the row. No chart without it.
--              Several series: series = COLUMN (rows of the same label are one bar, a segment per
--              value of COLUMN) or value = {COLUMN, ...} (a segment per column); stacked = false
--              draws a group of bars per label instead of one stacked bar. A legend names them.
--   table, mode, request   sqlite, postgres: the table, "replace" or "append", what att_runs
--              records as the request (see att.report_sqlite and att.report_pg).
--   sheet      xlsx: the sheet's name (see att.report_xlsx).
--   footer     html: the footer says when (UTC), by which att, from which base URL (without user
--              info, query or fragment) and with which filters the page was made; a table
--              {filters = PARAMS or string, time = EPOCH, base_url = URL or false, note = TEXT}
--              sets its parts (default: now, att.config().base_url, "filters: not given"); false
--              leaves it out.
--
-- Memory: csv, tsv, jsonl, json and markdown stream — they hold one row at a time, so a report over
-- millions of rows runs in constant memory (json writes "[", the objects one per line, then "]").
-- table collects the rows it shows (at most opts.limit) because column widths need them; html
-- collects every row shown (as one string of HTML each) because the count, the column types and the
-- chart come before or around the table.
--
-- Cells: nil and att.null are empty (null in JSON); booleans true/false; integers as integers;
-- floats as %.14g in text (JSON keeps the shortest exact form; NaN and infinities are null);
-- tables (nested objects, arrays) as compact JSON text, or nested JSON in jsonl/json.
--
-- Formats:
--   csv       RFC 4180: header row, CRLF line ends, cells with commas, quotes, CR, LF or leading or
--             trailing spaces quoted, quotes doubled; UTF-8 passed through; defuse (above).
--   tsv       tab-separated, LF line ends; tab, CR, LF and backslash in cells written as \t \r \n \\.
--   jsonl     one JSON object per line; with opts.columns, keys are the header names in column order.
--   json      one JSON array of such objects, one object per line.
--   markdown  a GitHub-flavoured table: \ | and < escaped (\\ \| &lt;), line breaks as <br>.
--   table     aligned text for terminals: widths in terminal columns (East Asian wide characters
--             and most emoji count 2, combining marks 0); numbers right-aligned; control characters
--             shown as spaces (tab, CR, LF) or U+FFFD, as are invalid UTF-8 bytes.
--   html      one self-contained HTML5 file (inline CSS and JS, no external resources; a
--             Content-Security-Policy forbids any): title, row count, optional SVG bar chart, and a
--             table sortable by clicking a header (ascending, then descending; numeric columns sort
--             numerically, empty cells last). All text is escaped (& < > " '). The URL fragment
--             selects the initial sort: page.html#sort=market, #sort=accounts:desc (or
--             #sort=-accounts); a column is named by its header or its 1-based position. Clicking a
--             header updates the fragment, so a sorted view can be bookmarked.
local M = {}

local att = att or require "att"
local path = require "att.path"
local plan = require "att.plan"
local null = att.json.null
local encode = att.json.encode
local byte, concat, format = string.byte, table.concat, string.format
local mtype = math.type

local REPLACEMENT = "\u{FFFD}"
local ELLIPSIS = "\u{2026}"

local function fail(who, msg) error(who .. ": " .. msg, 0) end

-- The message of an error from att.json.encode, without its position and prefix.
local function reason(e)
  return (tostring(e):gsub("^[^:\n]+:%d+: ", ""):gsub("^att%.json%.encode: ", ""))
end

local function describe(v)
  if v == null then return "att.null" end
  if type(v) == "string" then return format("%q", v) end
  return type(v)
end

--------------------------------------------------------------------------------------------------
-- Rows

-- Turns rows (array, iterator function, callable userdata/table) into an iterator function.
local function iterate(rows, who)
  who = who or "att.report"
  local t = type(rows)
  if t == "function" then return rows end
  local mt = getmetatable(rows)
  local callable = type(mt) == "table" and mt.__call ~= nil
  if t == "table" and not callable then
    local i = 0
    return function()
      i = i + 1
      return rows[i]
    end
  end
  if callable or (t == "userdata" and mt ~= nil and type(mt) ~= "table") then
    return function() return (rows()) end
  end
  fail(who, "rows must be an array of tables or an iterator (a function or a callable), got " .. describe(rows))
end
M.iterate = iterate

-- Returns a function that yields the next row, checked to be a table, and the count so far.
local function row_reader(rows, who, cols)
  plan.tell(rows, plan.column_paths(cols), who .. " without opts.columns")
  local nextrow = iterate(rows, who)
  local n = 0
  return function()
    local row = nextrow()
    if row == nil then return nil end
    n = n + 1
    if type(row) ~= "table" then
      fail(who, format("row %d is %s, not a table", n, describe(row)))
    end
    return row, n
  end
end

--------------------------------------------------------------------------------------------------
-- Paths and columns

local compile, compact = path.compile, path.compact

-- Looks up a column (a key or a dotted path) in a row; a plain key wins over a path. A crossed
-- path gives its list, or nil when the list holds no value other than att.null.
local function get(row, col)
  if type(col) ~= "string" then return row[col] end
  local v, crossed = path.get(row, col, true)
  if crossed then return compact(v) end
  return v
end
M.get = get

-- Checks opts.columns and returns a list of {path=, header=, get=}, or nil when not given (get:
-- the compiled path, applied when the row has no key equal to the whole path).
local function parse_columns(spec, who)
  if spec == nil then return nil end
  if type(spec) ~= "table" then
    fail(who, "opts.columns must be a list of column names, got " .. describe(spec))
  end
  local n = #spec
  for k in pairs(spec) do
    if mtype(k) ~= "integer" or k < 1 or k > n then
      fail(who, "opts.columns must be a list (an array) of column names; it has the key " .. describe(k))
    end
  end
  if n == 0 then fail(who, "opts.columns is empty") end
  local cols, seen = {}, {}
  for i = 1, n do
    local c, p, header = spec[i], nil, nil
    if type(c) == "string" then
      p, header = c, c
    elseif type(c) == "table" then
      p, header = c[1], c[2]
      if header == nil then header = p end
      if type(p) ~= "string" or type(header) ~= "string" or #c > 2 then
        fail(who, format("opts.columns[%d] must be {path, header} with two strings", i))
      end
    else
      fail(who, format("opts.columns[%d] must be a column name or {path, header}, got %s", i, describe(c)))
    end
    if p == "" or not p:find("[^.]") then
      fail(who, format("opts.columns[%d] is an empty column name", i))
    end
    if seen[header] then
      fail(who, format("opts.columns[%d]: duplicate column name %q", i, header))
    end
    seen[header] = true
    cols[i] = { path = p, header = header, get = compile(p) }
  end
  return cols
end

-- The columns of a report: opts.columns, or the sorted string keys of the first row.
local function default_columns(row)
  local keys = {}
  for k in pairs(row or {}) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local cols = {}
  for i, k in ipairs(keys) do cols[i] = { path = k, header = k, get = compile(k) } end
  return cols
end

--------------------------------------------------------------------------------------------------
-- Options

local OPTION = {
  columns = true, out = true, header = true, defuse = true, eol = true, limit = true,
  max_width = true, title = true, chart = true, footer = true,
  -- sqlite and postgres (att.report_sqlite, att.report_pg)
  table = true, mode = true, request = true,
  -- xlsx (att.report_xlsx)
  sheet = true,
}
local known_options = {}
for k in pairs(OPTION) do known_options[#known_options + 1] = k end
table.sort(known_options)

local function check_opts(opts, who)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail(who, "opts must be a table, got " .. describe(opts)) end
  for k in pairs(opts) do
    if not OPTION[k] then
      fail(who, format("unknown option %s (known: %s)", describe(k), concat(known_options, ", ")))
    end
  end
  local function kind(key, want)
    local v = opts[key]
    if v ~= nil and type(v) ~= want then
      fail(who, format("opts.%s must be a %s, got %s", key, want, describe(v)))
    end
  end
  kind("header", "boolean")
  kind("defuse", "boolean")
  kind("eol", "string")
  kind("title", "string")
  kind("chart", "table")
  local function count_like(key, min)
    local v = opts[key]
    if v ~= nil and not (type(v) == "number" and v >= min and (v == math.huge or v == math.floor(v))) then
      fail(who, format("opts.%s must be an integer >= %d, got %s", key, min,
        type(v) == "number" and tostring(v) or describe(v)))
    end
  end
  count_like("limit", 0)
  count_like("max_width", 1)
  return opts
end

--------------------------------------------------------------------------------------------------
-- Output

-- Output files (att.outfile, the host's): check(path, who) returns "rename" when the file can be
-- written beside its name and renamed into place, "direct" for a path that exists and is not a
-- regular file (such as /dev/null), or nil and the reason it cannot be written (under --safe a
-- path the script may not write raises); partial(path) is the name written until the output is
-- complete; commit(partial, path) renames it into place; keep(partial, path) keeps a failed
-- writer's output as path.partial, which the error message names.
local outfile = package.loaded["att.outfile"]

-- Raises "WHO: cannot open "path" for writing: reason" unless path can be written. Returns the
-- mode of att.outfile.check (or "direct" without the host's helpers).
local function check_path(path, who)
  if not outfile then return "direct" end
  local mode, why = outfile.check(path, who)
  if not mode then fail(who, format("cannot open %q for writing: %s", path, why)) end
  return mode
end

-- A PostgreSQL connection URI (postgresql:// or postgres://) names a database, not a file.
local function is_database_url(s)
  return type(s) == "string" and (s:find("^[Pp][Oo][Ss][Tt][Gg][Rr][Ee][Ss]://") or
    s:find("^[Pp][Oo][Ss][Tt][Gg][Rr][Ee][Ss][Qq][Ll]://")) ~= nil
end
M.is_database_url = is_database_url

-- Raises unless opts.out, when it is a path, can be written: called before anything is read, so
-- that a bad path fails before the first request. A database URL is checked by att.report_pg.
local function check_out(opts, who)
  if is_database_url(opts.out) then
    require("att.report_pg").check(opts.out, who)
  elseif type(opts.out) == "string" then
    check_path(opts.out, who)
  end
end

-- report.check_out(path [, who]): the same check for a script's own output file or database URL.
function M.check_out(path, who)
  who = who or "att.report.check_out"
  if type(path) ~= "string" then fail(who, "the path must be a string, got " .. describe(path)) end
  check_out({ out = path }, who)
  return path
end

-- Opens opts.out. Returns a write function that checks for errors, a finish function, and a
-- to-be-closed value: a file opened from a path is written beside it (outfile.partial) and renamed
-- into place by finish; when the writer fails, the closer closes it and keeps it as PATH.partial.
local function open_out(opts, who)
  local out = opts.out
  local closer = setmetatable({}, { __close = function(self)
    if self.file then self.file:close() end
    if self.partial then outfile.keep(self.partial, self.path) end
  end })
  if out == nil then
    out = io.stdout
  elseif type(out) == "string" then
    local name = out
    if check_path(out, who) == "rename" then
      name = outfile.partial(out)
      closer.partial, closer.path = name, out
    end
    local f, err = io.open(name, "wb")
    if not f then
      closer.partial = nil
      fail(who, format("cannot open %q for writing: %s", out, err))
    end
    closer.file, out = f, f
  else
    local it = io.type(out)
    if it == "closed file" then fail(who, "opts.out is a closed file") end
    local ok, w = pcall(function() return out.write end)
    if it ~= "file" and not (ok and (type(w) == "function" or getmetatable(w) ~= nil)) then
      fail(who, "opts.out must be a file name or a file handle, got " .. describe(out))
    end
  end
  local function write(...)
    local ok, err = out:write(...)
    if not ok and err then fail(who, "write failed: " .. tostring(err)) end
  end
  local function finish()
    if closer.file then
      closer.file = nil
      local ok, err = out:close()
      if not ok then fail(who, "closing " .. tostring(opts.out) .. " failed: " .. tostring(err)) end
      if closer.partial then
        local done, why = outfile.commit(closer.partial, closer.path)
        if not done then fail(who, why) end
        closer.partial = nil
      end
    elseif out.flush then
      out:flush()
    end
  end
  return write, finish, closer
end

--------------------------------------------------------------------------------------------------
-- Cells

local function json_value(v)
  if v == nil or v == null then return "null" end
  if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then return "null" end
  return encode(v)
end

-- The text of a cell: "" for nil/att.null, integers exactly, floats %.14g, JSON for tables.
local function cell_text(v)
  if v == nil or v == null then return "" end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if mtype(v) == "integer" then return tostring(v) end
    return (format("%.14g", v))
  end
  if t == "boolean" then return tostring(v) end
  if t == "table" then return encode(v) end
  return tostring(v)
end
M.cell_text = cell_text

-- cell_text, with the row and column named when a table cannot be encoded as JSON. cell_at: the
-- same for v = row[col.path], read by the caller (att.cells's fallback).
local function cell_at(v, row, col, n, who, f)
  local crossed
  if v == nil then                                     -- a plain key wins over the path
    v, crossed = col.get(row)
    if crossed then v = compact(v) end
  end
  if f == nil and type(v) ~= "table" then return cell_text(v), v end
  local ok, s = pcall(f or cell_text, v)
  if not ok then
    fail(who, format("row %d, column %q: %s", n, col.header, reason(s)))
  end
  return s, v
end

local function cell(row, col, n, who, f) return cell_at(row[col.path], row, col, n, who, f) end

--------------------------------------------------------------------------------------------------
-- Display width (terminal columns)

-- Decodes the UTF-8 character at byte i; returns its code point (nil for an invalid byte) and the
-- index of the next character.
local function decode(s, i)
  local b = byte(s, i)
  if b < 0x80 then return b, i + 1 end
  if b >= 0xC2 and b <= 0xDF then
    local b2 = byte(s, i + 1)
    if b2 and b2 >= 0x80 and b2 <= 0xBF then return ((b & 0x1F) << 6) | (b2 & 0x3F), i + 2 end
  elseif b >= 0xE0 and b <= 0xEF then
    local b2, b3 = byte(s, i + 1, i + 2)
    if b3 and b2 >= 0x80 and b2 <= 0xBF and b3 >= 0x80 and b3 <= 0xBF then
      local c = ((b & 0x0F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
      if c >= 0x800 and (c < 0xD800 or c > 0xDFFF) then return c, i + 3 end
    end
  elseif b >= 0xF0 and b <= 0xF4 then
    local b2, b3, b4 = byte(s, i + 1, i + 3)
    if b4 and b2 >= 0x80 and b2 <= 0xBF and b3 >= 0x80 and b3 <= 0xBF and b4 >= 0x80 and b4 <= 0xBF then
      local c = ((b & 0x07) << 18) | ((b2 & 0x3F) << 12) | ((b3 & 0x3F) << 6) | (b4 & 0x3F)
      if c >= 0x10000 and c <= 0x10FFFF then return c, i + 4 end
    end
  end
  return nil, i + 1
end

-- Columns taken by one code point: 2 for East Asian wide characters and most emoji, 0 for
-- combining marks, zero-width spaces and joiners and variation selectors, 1 otherwise.
local function cp_width(c)
  if c < 0x300 then return 1 end
  if c <= 0x36F then return 0 end                       -- combining diacritical marks
  if c < 0x1100 then return 1 end
  if c <= 0x115F then return 2 end                      -- Hangul Jamo
  if c >= 0x1AB0 and c <= 0x1AFF then return 0 end
  if c >= 0x1DC0 and c <= 0x1DFF then return 0 end
  if c >= 0x200B and c <= 0x200F then return 0 end      -- zero-width space, joiners, marks
  if c >= 0x20D0 and c <= 0x20FF then return 0 end
  if c >= 0x2E80 and c <= 0xA4CF then return 2 end      -- CJK radicals ... Yi
  if c >= 0xAC00 and c <= 0xD7A3 then return 2 end      -- Hangul syllables
  if c >= 0xF900 and c <= 0xFAFF then return 2 end      -- CJK compatibility ideographs
  if c >= 0xFE00 and c <= 0xFE0F then return 0 end      -- variation selectors
  if c >= 0xFE20 and c <= 0xFE2F then return 0 end
  if c >= 0xFE30 and c <= 0xFE4F then return 2 end      -- CJK compatibility forms
  if c >= 0xFF00 and c <= 0xFF60 then return 2 end      -- full-width forms
  if c >= 0xFFE0 and c <= 0xFFE6 then return 2 end
  if c >= 0x1F300 and c <= 0x1F64F then return 2 end    -- pictographs, emoticons
  if c >= 0x1F680 and c <= 0x1F6FF then return 2 end    -- transport and map symbols
  if c >= 0x1F900 and c <= 0x1F9FF then return 2 end    -- supplemental symbols and pictographs
  if c >= 0x20000 and c <= 0x3FFFD then return 2 end    -- CJK extensions
  return 1
end

-- Display width of a string in terminal columns (an invalid UTF-8 byte counts 1).
local function width(s)
  if not s:find("[\128-\255]") then return #s end
  local w, i, n = 0, 1, #s
  while i <= n do
    local c
    c, i = decode(s, i)
    w = w + (c and cp_width(c) or 1)
  end
  return w
end
M.width = width

-- Makes a cell safe for a terminal and at most maxw columns wide. Returns the text and its width.
local function fit(s, maxw)
  if not s:find("[^\32-\126]") then
    if #s <= maxw then return s, #s end
    return s:sub(1, maxw - 1) .. ELLIPSIS, maxw
  end
  local pieces, widths, w, i, n = {}, {}, 0, 1, #s
  while i <= n do
    local c, j = decode(s, i)
    local piece, cw
    if c == nil or (c < 32 and c ~= 9 and c ~= 10 and c ~= 13) or (c >= 0x7F and c <= 0x9F) then
      piece, cw = REPLACEMENT, 1
    elseif c < 32 then
      piece, cw = " ", 1
      if c == 13 and byte(s, j) == 10 then j = j + 1 end -- CRLF is one space
    else
      piece, cw = s:sub(i, j - 1), cp_width(c)
    end
    i = j
    pieces[#pieces + 1], widths[#widths + 1] = piece, cw
    w = w + cw
    if w > maxw then
      while w > maxw - 1 do
        w = w - widths[#widths]
        pieces[#pieces], widths[#widths] = nil, nil
      end
      pieces[#pieces + 1] = ELLIPSIS
      return concat(pieces), w + 1
    end
  end
  return concat(pieces), w
end

--------------------------------------------------------------------------------------------------
-- csv, tsv

local function needs_defuse(s) return s:find("^[=+%-@\t\r]") ~= nil end

local function csv_cell(s)
  if s:find('[,"\r\n]') or s:find("^%s") or s:find("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local TSV_ESC = { ["\t"] = "\\t", ["\r"] = "\\r", ["\n"] = "\\n", ["\\"] = "\\\\" }
local function tsv_cell(s)
  return (s:gsub("[\t\r\n\\]", TSV_ESC))
end

-- The rows of delimited() encoded by att.cells (the host's C encoder, src/host/cells.c): the
-- bytes of the Lua loop in delimited(), which stays the reference (report._reference), written in
-- chunks of about 64 KB. A cell that is not a string, number, boolean or att.null (nil: a path; a
-- table) comes back to cell_at. When a row fails, the complete lines before it are written.
local cencode = package.loaded["att.cells"]
local function encode_rows(row, n, nextrow, cols, write, who, spec)
  spec.keys = {}
  for i, c in ipairs(cols) do spec.keys[i] = c.path end
  spec.fallback = function(r, i, m, v) return cell_at(v, r, cols[i], m, who) end
  local enc = cencode.delimited(spec)
  local _ <close> = setmetatable({}, { __close = function()
    local text = enc:flush()
    if text then pcall(write, text) end
  end })
  local count = 0
  while row ~= nil do
    local chunk = enc:row(row, n)
    if chunk then write(chunk) end
    count = count + 1
    row, n = nextrow()
  end
  local text = enc:flush()
  if text then write(text) end
  return count
end

-- Streams delimited text (lua: the reference loop, without att.cells).
local function delimited(who, rows, opts, sep, cellf, eol, lua)
  opts = check_opts(opts, who)
  local cols = parse_columns(opts.columns, who)
  local defuse = opts.defuse ~= false
  eol = opts.eol or eol
  local nextrow = row_reader(rows, who, cols)
  local write, finish, closer <close> = open_out(opts, who)
  local row, n = nextrow()
  cols = cols or default_columns(row)
  local line = {}
  local function text(s, isstring)
    if defuse and isstring and needs_defuse(s) then s = "'" .. s end
    return cellf(s)
  end
  if opts.header ~= false and #cols > 0 then
    for i, c in ipairs(cols) do line[i] = text(c.header, true) end
    write(concat(line, sep), eol)
  end
  local count = 0
  if cencode and not lua then
    count = encode_rows(row, n, nextrow, cols, write, who,
      { kind = cellf == csv_cell and "csv" or "tsv", sep = sep, eol = eol, defuse = defuse })
    row = nil
  end
  while row ~= nil do
    for i, c in ipairs(cols) do
      local s, v = cell(row, c, n, who)
      line[i] = text(s, type(v) == "string")
    end
    write(concat(line, sep), eol)
    count = count + 1
    row, n = nextrow()
  end
  finish()
  return count
end

function M.csv(rows, opts) return delimited("att.report.csv", rows, opts, ",", csv_cell, "\r\n") end
function M.tsv(rows, opts) return delimited("att.report.tsv", rows, opts, "\t", tsv_cell, "\n") end

-- The reference writers, all in Lua (what the tests compare att.cells's bytes with): not a public
-- API.
M._reference = {
  csv = function(rows, opts) return delimited("att.report.csv", rows, opts, ",", csv_cell, "\r\n", true) end,
  tsv = function(rows, opts) return delimited("att.report.tsv", rows, opts, "\t", tsv_cell, "\n", true) end,
}

--------------------------------------------------------------------------------------------------
-- jsonl, json

-- A JSON object with the columns in order (header names as keys).
local function json_object(row, cols, n, who)
  if not cols then
    local ok, s = pcall(encode, row)
    if not ok then fail(who, format("row %d: %s", n, reason(s))) end
    return s
  end
  local parts = {}
  for i, c in ipairs(cols) do
    parts[i] = c.json_key .. cell(row, c, n, who, json_value)
  end
  return "{" .. concat(parts, ",") .. "}"
end

local function json_columns(opts, who)
  local cols = parse_columns(opts.columns, who)
  if cols then
    for _, c in ipairs(cols) do
      local ok, k = pcall(encode, c.header)
      if not ok then fail(who, format("column name %q: %s", c.header, reason(k))) end
      c.json_key = k .. ":"
    end
  end
  return cols
end

-- jsonl and json stream the same objects; they differ only in what goes around and between them.
-- frame = {first, between, none, last}: text before the first object, between two, when there
-- is none at all, and after the last.
local function json_stream(rows, opts, who, frame)
  opts = check_opts(opts, who)
  local cols = json_columns(opts, who)
  local nextrow = row_reader(rows, who, cols)
  local write, finish, closer <close> = open_out(opts, who)
  local count = 0
  for row, n in nextrow do
    write(count == 0 and frame[1] or frame[2], json_object(row, cols, n, who))
    count = count + 1
  end
  write(count == 0 and frame[3] or frame[4])
  finish()
  return count
end

-- JSON Lines: one object per row.
function M.jsonl(rows, opts)
  return json_stream(rows, opts, "att.report.jsonl", { "", "\n", "", "\n" })
end

-- One JSON array, streamed: "[", one object per line, "]".
function M.json(rows, opts)
  return json_stream(rows, opts, "att.report.json", { "[\n", ",\n", "[]\n", "\n]\n" })
end

--------------------------------------------------------------------------------------------------
-- markdown

local MD_ESC = { ["\\"] = "\\\\", ["|"] = "\\|", ["<"] = "&lt;" }
local function md_cell(s)
  return (s:gsub("[\\|<]", MD_ESC):gsub("\r\n", "<br>"):gsub("[\r\n]", "<br>"))
end

-- A GitHub-flavoured Markdown table, streamed.
function M.markdown(rows, opts)
  local who = "att.report.markdown"
  opts = check_opts(opts, who)
  local cols = parse_columns(opts.columns, who)
  local nextrow = row_reader(rows, who, cols)
  local write, finish, closer <close> = open_out(opts, who)
  local row, n = nextrow()
  cols = cols or default_columns(row)
  local count = 0
  if #cols > 0 then
    local line = {}
    for i, c in ipairs(cols) do line[i] = opts.header == false and "" or md_cell(c.header) end
    write("| ", concat(line, " | "), " |\n")
    for i = 1, #cols do line[i] = "---" end
    write("|", concat(line, "|"), "|\n")
    while row ~= nil do
      for i, c in ipairs(cols) do line[i] = md_cell((cell(row, c, n, who))) end
      write("| ", concat(line, " | "), " |\n")
      count = count + 1
      row, n = nextrow()
    end
  else
    while row ~= nil do count = count + 1; row = nextrow() end
  end
  finish()
  return count
end

--------------------------------------------------------------------------------------------------
-- table

-- Aligned plain text. Returns the rows written (shown) and the rows read.
function M.table(rows, opts)
  local who = "att.report.table"
  opts = check_opts(opts, who)
  local cols = parse_columns(opts.columns, who)
  local limit = opts.limit or 1000
  local maxw = opts.max_width or 60
  local nextrow = row_reader(rows, who, cols)
  local write, finish, closer <close> = open_out(opts, who)  -- before any row is read
  local shown, more = {}, 0
  local numeric, other = {}, {}  -- per column: any number, any non-empty non-number
  for row, n in nextrow do
    cols = cols or default_columns(row)
    if #shown < limit then
      local cells = {}
      for i, c in ipairs(cols) do
        local s, v = cell(row, c, n, who)
        local text, w = fit(s, maxw)
        local isnum = type(v) == "number"
        if isnum then numeric[i] = true elseif s ~= "" then other[i] = true end
        cells[i] = { text, w, isnum }
      end
      shown[#shown + 1] = cells
    else
      more = more + 1
    end
  end
  cols = cols or {}
  local heads, w = {}, {}
  for i, c in ipairs(cols) do
    local text, hw = fit(c.header, maxw)
    heads[i] = { text, hw, numeric[i] and not other[i] }
    w[i] = opts.header ~= false and hw or 0
  end
  for _, cells in ipairs(shown) do
    for i, cl in ipairs(cells) do
      if cl[2] > w[i] then w[i] = cl[2] end
    end
  end
  local line = {}
  local function emit(cells)
    for i, cl in ipairs(cells) do
      local fill = string.rep(" ", w[i] - cl[2])
      line[i] = cl[3] and fill .. cl[1] or cl[1] .. fill
    end
    write((concat(line, "  "):gsub(" +$", "")), "\n")
  end
  if #cols > 0 then
    if opts.header ~= false then
      emit(heads)
      local dashes = {}
      for i = 1, #cols do dashes[i] = string.rep("-", w[i]) end
      write(concat(dashes, "  "), "\n")
    end
    for _, cells in ipairs(shown) do emit(cells) end
  end
  if more > 0 then write(format("... %d more\n", more)) end
  finish()
  return #shown, #shown + more
end

--------------------------------------------------------------------------------------------------
-- html: the writer is att.report_html, loaded on first use (most reports never write HTML).

local require = require

function M.html(rows, opts)
  if type(opts) == "table" then check_out(opts, "att.report.html") end
  local shown, read = require("att.report_html").html(rows, opts)
  return shown, read
end

function M.html_escape(s)
  local t = require("att.report_html").escape(s)
  return t
end

-- What att.report_html, att.report_sqlite, att.report_xlsx and att.report_pg build on: not a
-- public API.
M._html_kit = {
  fail = fail, describe = describe, check_opts = check_opts, parse_columns = parse_columns,
  default_columns = default_columns, row_reader = row_reader, open_out = open_out, cell = cell,
  width = width, fit = fit, compile = compile, REPLACEMENT = REPLACEMENT, check_out = check_out,
  check_path = check_path, get = get, cell_text = cell_text, json_value = json_value,
}

-- sqlite, xlsx and postgres: each writer is its own module, loaded on first use (it carries a
-- library binding most reports never need).
local WRITER_MODULE = { sqlite = "att.report_sqlite", xlsx = "att.report_xlsx", postgres = "att.report_pg" }
for name, module in pairs(WRITER_MODULE) do
  M[name] = function(rows, opts) return require(module).write(rows, opts) end
end

-- report.workbook(path [, opts]): an xlsx workbook a script writes several sheets to (see
-- att.report_xlsx).
function M.workbook(path_, opts)
  local wb = require("att.report_xlsx").workbook(path_, opts)
  return wb
end

--------------------------------------------------------------------------------------------------

M.formats = { "csv", "tsv", "jsonl", "json", "markdown", "table", "html", "sqlite", "xlsx", "postgres" }
local is_format = {}
for _, f in ipairs(M.formats) do is_format[f] = true end

-- The format a file name asks for by its extension (case-insensitive), or nil.
local BY_EXTENSION = {
  csv = "csv", tsv = "tsv", jsonl = "jsonl", ndjson = "jsonl", json = "json", md = "markdown",
  markdown = "markdown", html = "html", htm = "html", txt = "table",
  db = "sqlite", sqlite = "sqlite", sqlite3 = "sqlite", xlsx = "xlsx",
}
function M.format_of(name)
  if type(name) ~= "string" then return nil end
  if is_database_url(name) then return "postgres" end
  local ext = name:match("%.([%w]+)$")
  return ext and BY_EXTENSION[ext:lower()] or nil
end

-- Writes rows in the named format (case-insensitive); with no format (nil or "auto"), the one
-- opts.out's extension names.
function M.write(fmt, rows, opts)
  local out = type(opts) == "table" and opts.out or nil
  if (fmt == nil or fmt == "auto") and type(out) == "string" then
    fmt = M.format_of(out)
    if not fmt then
      fail("att.report", format("no format given, and the extension of %q names none " ..
        "(known: .csv .tsv .jsonl .ndjson .json .md .html .txt .db .sqlite .sqlite3 .xlsx, " ..
        "postgresql://)", out))
    end
  end
  local name = type(fmt) == "string" and fmt:lower() or nil
  if not is_format[name] then
    fail("att.report", format("unknown format %s (known: %s)", describe(fmt), concat(M.formats, ", ")))
  end
  return M[name](rows, opts)
end

return M
