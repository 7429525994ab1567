-- att.report_xlsx — the Excel writer of att.report (report.xlsx, report.workbook), over
-- libxlsxwriter (the host's internal module att.xlsx_c, src/host/xlsx.c). Loaded on first use.
--
--   report.xlsx(rows, {out = "accounts.xlsx", sheet = "Accounts", columns = {...}})  --> rows written
--   local wb <close> = report.workbook("weekly.xlsx")
--   wb:sheet(accounts, {sheet = "Accounts"})        --> rows written; one sheet per call
--   wb:sheet(markets, {sheet = "Markets", columns = {"market", "accounts"}})
--   wb:close()                                      -- or let <close> do it
--
-- opts: columns (as the other writers; default: the string keys of the first row, sorted), out
-- (report.xlsx: a path, written beside its name and renamed into place when complete; a file
-- handle; default io.stdout, refused when it is a terminal), sheet (the sheet name, default
-- "Report"). Other writers' options are ignored.
--
-- Cells: integers of at most 15 digits are numbers, longer ones text (Excel keeps 15 significant
-- digits); a column named id, or ending in Id or _id, is text always (identifiers are not
-- quantities); floats are numbers (NaN and infinities: empty); booleans are boolean cells;
-- strings are text, never formulas; an ISO-8601 timestamp ("2024-06-02T00:00:00Z", an optional
-- fraction, Z or +hh:mm/-hh:mm, converted to UTC) is a date-time cell "yyyy-mm-dd hh:mm:ss", a
-- "YYYY-MM-DD" string a date cell "yyyy-mm-dd" (years 1900-03-01 to 9999; others stay text);
-- tables are compact JSON text; nil and att.null are empty cells. Invalid UTF-8 bytes become
-- U+FFFD. A string longer than 32,767 characters (UTF-16 units, as Excel counts) or a row past
-- 1,048,576 is an error naming the row and column.
--
-- Layout: a bold header row, frozen; an autofilter over the header and the rows; each column as
-- wide as its longest text (terminal columns, report.width; dates as their formatted length; the
-- header + 2 for the filter button), at most 60.
--
-- The workbook's creation time (docProps/core.xml) is os.time(), the run's journaled clock.
-- Files: constant-memory mode (rows go to temporary files in $TMPDIR as they are written); the
-- file itself is written when the workbook closes. A failure to write it (disk full, ulimit -f)
-- raises "WHO: cannot write "NAME": reason" and counts a lost write (exit status 8); the previous
-- file is untouched and nothing is kept. A workbook: wb:close() commits; as a <close> variable,
-- the end of the scope commits, an error discards; one never closed is committed when it is
-- collected or at exit. An error in wb:sheet (a bad row) spoils the workbook: close raises and
-- keeps nothing. A bad sheet name is refused before anything is written.
local M = {}

local report = require "att.report"
local C = require "att.xlsx_c"
local kit = report._html_kit
local compact = require("att.path").compact
local fail, describe, cell, width = kit.fail, kit.describe, kit.cell, kit.width
local null = att.json.null
local byte, find, format, match = string.byte, string.find, string.format, string.match
local concat, mtype, tointeger = table.concat, math.type, math.tointeger
local utf8len = utf8.len

local MAX_ROWS = 1048576   -- rows of a sheet, the header included
local MAX_CHARS = 32767    -- characters of a cell (UTF-16 units)
local MAX_WIDTH = 60
local MAX_EXACT = 999999999999999   -- 15 digits: Excel keeps them all
local DATETIME_WIDTH, DATE_WIDTH = 19, 10

--------------------------------------------------------------------------------------------------
-- Dates

-- Days from 1970-01-01 to y-m-d (proleptic Gregorian).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local EXCEL_EPOCH = days_from_civil(1899, 12, 30)
local FIRST_DAY = days_from_civil(1900, 3, 1)      -- before it, Excel's 1900 leap-year bug
local LAST_DAY = days_from_civil(9999, 12, 31)

local function valid_day(y, m, d)
  if m < 1 or m > 12 or d < 1 then return false end
  local dim = (m == 2) and ((y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28)
    or ((m == 4 or m == 6 or m == 9 or m == 11) and 30 or 31)
  return d <= dim
end

-- The Excel serial of "YYYY-MM-DD", or nil.
local function date_serial(s)
  local y, m, d = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, m, d = tointeger(y), tointeger(m), tointeger(d)
  if not valid_day(y, m, d) then return nil end
  local day = days_from_civil(y, m, d)
  if day < FIRST_DAY or day > LAST_DAY then return nil end
  return day - EXCEL_EPOCH
end

-- The Excel serial (UTC) of an ISO-8601 timestamp "YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm)",
-- or nil.
local function datetime_serial(s)
  local y, mo, d, h, mi, sec, frac, zone =
    match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(%.?%d*)([Zz+%-][%d:]*)$")
  if not y then return nil end
  y, mo, d, h, mi, sec = tointeger(y), tointeger(mo), tointeger(d), tointeger(h), tointeger(mi), tointeger(sec)
  if not valid_day(y, mo, d) or h > 23 or mi > 59 or sec > 59 then return nil end
  if frac == "." then return nil end
  local offset = 0
  if zone ~= "Z" and zone ~= "z" then
    local sign, oh, om = match(zone, "^([+%-])(%d%d):(%d%d)$")
    if not sign then return nil end
    oh, om = tointeger(oh), tointeger(om)
    if oh > 23 or om > 59 then return nil end
    offset = (oh * 60 + om) * 60
    if sign == "-" then offset = -offset end
  end
  local secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
  local day = secs // 86400
  if day < FIRST_DAY or day > LAST_DAY then return nil end
  local f = frac ~= "" and tonumber("0" .. frac) or 0
  return (secs - EXCEL_EPOCH * 86400 + f) / 86400
end
M._date_serial, M._datetime_serial = date_serial, datetime_serial  -- for the tests

--------------------------------------------------------------------------------------------------
-- Names and text

local FORBIDDEN = "[%[%]:%*%?/\\]"

-- Raises unless name is a sheet name Excel accepts and the workbook (names: lower-case set) has
-- not used yet.
local function check_sheet_name(name, names, who)
  if type(name) ~= "string" then fail(who, "opts.sheet must be a string, got " .. describe(name)) end
  local n = utf8len(name)
  if not n then fail(who, format("sheet name %q is not valid UTF-8", name)) end
  if n < 1 or n > 31 then
    fail(who, format("sheet name %q: Excel allows 1 to 31 characters, it has %d", name, n))
  end
  local bad = match(name, FORBIDDEN)
  if bad then
    fail(who, format("sheet name %q: Excel forbids the character %s in a sheet name (none of [ ] : * ? / \\)", name, bad))
  end
  if find(name, "^'") or find(name, "'$") then
    fail(who, format("sheet name %q: Excel forbids an apostrophe (') at the start or the end of a sheet name", name))
  end
  if find(name, "[%z\1-\31]") then
    fail(who, format("sheet name %q: Excel forbids control characters in a sheet name", name))
  end
  local key = name:lower()
  if key == "history" then fail(who, format("sheet name %q: Excel reserves the name History", name)) end
  if names[key] then
    fail(who, format("sheet name %q: the workbook has a sheet of that name already (Excel ignores case)", name))
  end
end

-- Valid UTF-8 text without NUL (libxlsxwriter takes C strings): invalid bytes and NUL as U+FFFD.
local function clean(s)
  if utf8len(s) and not find(s, "%z") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local ok, c = pcall(utf8.codepoint, s, i)
    if ok and c ~= 0 then
      local len = #utf8.char(c)
      out[#out + 1] = s:sub(i, i + len - 1)
      i = i + len
    else
      out[#out + 1] = kit.REPLACEMENT
      i = i + 1
    end
  end
  return concat(out)
end

-- Characters of s as Excel counts them (UTF-16 code units); s is valid UTF-8.
local function excel_length(s)
  local _, astral = s:gsub("[\240-\244]", "")
  return utf8len(s) + astral
end

local function is_id(name)
  local last = match(name, "([^.]*)$")
  return last == "id" or find(last, "Id$") ~= nil or find(last, "_id$") ~= nil
end

--------------------------------------------------------------------------------------------------
-- A sheet

-- Writes rows as a new sheet of book (names: the names used so far, lower-case). Returns the rows
-- written.
-- Long because it is the one loop over every cell: typing, limits and widths in one pass.
local function write_sheet(book, names, rows, opts, who)
  opts = kit.check_opts(opts, who)
  local name = opts.sheet or "Report"
  check_sheet_name(name, names, who)
  local cols = kit.parse_columns(opts.columns, who)
  local nextrow = kit.row_reader(rows, who, cols)
  local row, n = nextrow()
  cols = cols or kit.default_columns(row)
  local ncols = #cols
  if ncols > 16384 then fail(who, format("%d columns: a sheet holds at most 16,384", ncols)) end
  C.sheet(book, name)
  names[name:lower()] = true
  local widths, idcol, kinds, vals = {}, {}, {}, {}
  for i, c in ipairs(cols) do
    local h = clean(c.header)
    vals[i], kinds[i] = h, "h"
    widths[i] = width(h) + 2
    idcol[i] = is_id(c.path) or is_id(c.header)
  end
  if ncols > 0 then C.row(book, 0, concat(kinds), table.unpack(vals, 1, ncols)) end
  local count = 0
  while row ~= nil do
    if n >= MAX_ROWS then
      fail(who, format("row %d: a sheet holds at most %d rows after the header (Excel's limit is 1,048,576 rows)",
        n, MAX_ROWS - 1))
    end
    for i = 1, ncols do
      local c = cols[i]
      local v = row[c.path]                     -- a plain key wins over the path (kit.cell)
      if v == nil then
        local crossed
        v, crossed = c.get(row)
        if crossed then v = compact(v) end
      end
      local k, w, s = "s", nil, v
      local t = type(v)
      if v == nil or v == null then
        k, v, w = "e", false, 0
      elseif t == "string" then
        if byte(s, 5) == 45 and not idcol[i] then  -- "-": maybe a date
          local serial = #s == 10 and date_serial(s) or nil
          if serial then
            k, v, w = "d", serial, DATE_WIDTH
          else
            serial = #s >= 20 and datetime_serial(s) or nil
            if serial then k, v, w = "t", serial, DATETIME_WIDTH end
          end
        end
      elseif t == "number" then
        if mtype(v) == "integer" then
          if not idcol[i] and v >= -MAX_EXACT and v <= MAX_EXACT then
            k = "n"
            if widths[i] < 16 then w = #tostring(v) else w = 0 end
          else
            s = tostring(v)
          end
        elseif v ~= v or v == math.huge or v == -math.huge then
          k, v, w = "e", false, 0
        elseif not idcol[i] then
          k = "n"
          if widths[i] < 22 then w = #format("%.14g", v) else w = 0 end
        else
          s = format("%.14g", v)
        end
      elseif t == "boolean" then
        k, w = "b", v and 4 or 5
      else
        s = cell(row, c, n, who)                  -- JSON text; an error names the row and column
      end
      if k == "s" then
        if find(s, "[%z\128-\255]") then s = clean(s) end
        if #s > MAX_CHARS and excel_length(s) > MAX_CHARS then
          fail(who, format("row %d, column %q: %d characters; an Excel cell holds at most 32,767",
            n, c.header, excel_length(s)))
        end
        v = s
      end
      kinds[i], vals[i] = k, v
      if w == nil then
        w = widths[i]
        if #s > w then
          if find(s, "\n", 1, true) then            -- the longest line
            w = 0
            for line in s:gmatch("[^\r\n]*") do
              local lw = width(line)
              if lw > w then w = lw end
            end
          else
            w = width(s)
          end
        end
      end
      if w > widths[i] then widths[i] = w end
    end
    C.row(book, n, concat(kinds, "", 1, ncols), table.unpack(vals, 1, ncols))
    count = count + 1
    row, n = nextrow()
  end
  for i = 1, ncols do
    if widths[i] > MAX_WIDTH then widths[i] = MAX_WIDTH end
  end
  C.finish(book, count, widths)
  return count
end

--------------------------------------------------------------------------------------------------
-- report.xlsx

local function is_terminal(f)
  return f == io.stdout and C.stdout_is_terminal()
end

function M.write(rows, opts)
  local who = "att.report.xlsx"
  opts = kit.check_opts(opts, who)
  local out = opts.out
  local book
  if type(out) == "string" then
    book = C.open(kit.check_path(out, who), out, who, os.time())
  else
    if out == nil then out = io.stdout end
    local ok, w = pcall(function() return out.write end)
    if io.type(out) == "closed file" then fail(who, "opts.out is a closed file") end
    if not (ok and (type(w) == "function" or io.type(out) == "file")) then
      fail(who, "opts.out must be a file name or a file handle, got " .. describe(out))
    end
    if is_terminal(out) then
      fail(who, "not writing a binary workbook to a terminal; use --out FILE or redirect")
    end
    book = C.open("temp", nil, who, os.time())
  end
  local b <close> = book
  local count = write_sheet(book, {}, rows, opts, who)
  if type(opts.out) == "string" then
    book:close()
  else
    book:close(function(chunk)
      local ok, err = out:write(chunk)
      if not ok and err then fail(who, "write failed: " .. tostring(err)) end
    end)
    if out.flush then out:flush() end
  end
  return count
end

--------------------------------------------------------------------------------------------------
-- report.workbook

local spoiled = setmetatable({}, { __mode = "k" })  -- book -> the sheet whose error spoiled it
local used = setmetatable({}, { __mode = "k" })     -- book -> names used (lower-case)

function C.methods.sheet(book, rows, opts)
  local who = "att.report.workbook"
  if spoiled[book] then
    fail(who, format("the workbook cannot be written: sheet %q failed", spoiled[book]))
  end
  if not C.is_open(book) then fail(who, "the workbook is closed") end
  local names = used[book]
  local name = type(opts) == "table" and opts.sheet or "Report"
  kit.check_opts(opts, who)
  check_sheet_name(name, names, who)
  local ok, r = pcall(write_sheet, book, names, rows, opts, who)
  if not ok then
    spoiled[book] = name
    C.discard(book)
    error(r, 0)
  end
  return r
end

local close = C.methods.close
function C.methods.close(book, ...)
  if spoiled[book] then
    fail("att.report.workbook", format("the workbook cannot be written: sheet %q failed", spoiled[book]))
  end
  return close(book, ...)
end

function M.workbook(path_, opts)
  local who = "att.report.workbook"
  if type(path_) ~= "string" then fail(who, "the path must be a string, got " .. describe(path_)) end
  if opts ~= nil and type(opts) ~= "table" then fail(who, "opts must be a table, got " .. describe(opts)) end
  for k in pairs(opts or {}) do fail(who, format("unknown option %s (none yet)", describe(k))) end
  local book = C.open(kit.check_path(path_, who), path_, who, os.time())
  used[book] = {}
  return book
end

return M
