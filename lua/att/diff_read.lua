-- att.diff_read — the file readers of att.diff (lua/att/diff.lua documents them for users).
--
--   open(spec, side, opts) -> source
--
-- spec is a path: .csv, .tsv, .jsonl/.ndjson, .json, or .db/.sqlite/.sqlite3 with a table (opts.table,
-- or "file.db:table"). side is "old" or "new" (for messages). A source is
--   { label = PATH (or PATH:TABLE), size = BYTES, loose = true for csv/tsv (null equals ""),
--     open = function() -> next [, decode] }
-- where next() returns row, n (the record's 1-based number) and, for csv, tsv, jsonl and json read
-- line by line, the record's text: decode(text) gives the row again. (att.diff keeps the text of
-- the side it indexes rather than the row: a few times less memory.)
-- open can be called again to read the file once more (att.diff reads a file twice when it checks
-- whether it is sorted). Every reader streams: one record at a time.
--
-- Errors: "att.diff: PATH: message" for a file that cannot be read, "att.diff: PATH:LINE: message"
-- for a bad CSV/TSV line (an unterminated quote, a stray quote, a wrong number of fields) or a bad
-- JSON line.
--
-- csv and tsv undo att.report's defuse: a cell (header names too) that starts with a single quote
-- followed by = + - @, tab or carriage return loses the quote ("'=x" reads back as "=x"). Cells are
-- strings (an empty cell is ""). tsv unescapes \t \r \n \\.
local M = {}

local att = att or require "att"
local decode = att.json.decode
local format, concat, sub, find = string.format, table.concat, string.sub, string.find

local function fail(msg) error("att.diff: " .. msg, 0) end

-- The message of a decode error, without its Lua position and prefix.
local function reason(e)
  return (tostring(e):gsub("^[^:\n]+:%d+: ", ""):gsub("^att%.json%.decode: ", ""))
end

local byte = string.byte
local function undefuse(s)
  if byte(s, 1) == 39 and find(s, "^'[=+%-@\t\r]") then return sub(s, 2) end
  return s
end

-- io.open, which under --safe raises for a path outside the confinement: nil and a message then.
local function try_open(path)
  local ok, f, err = pcall(io.open, path, "rb")
  if not ok then return nil, (tostring(f):gsub("^[^:\n]+:%d+: ", "")) end
  if not f then return nil, (tostring(err):gsub("^[^:]*: ", "")) end
  return f
end

local function open_file(path)
  local f, err = try_open(path)
  if not f then fail(format("%s: cannot read: %s", path, err)) end
  return f
end

local function file_size(path)
  local f = try_open(path)
  if not f then return nil end
  local size = f:seek("end")
  f:close()
  return size
end

--------------------------------------------------------------------------------------------------
-- csv

-- Splits one CSV record that starts with line (which may continue on the next lines when a quoted
-- cell holds a line break). Returns the list of cells and the number of lines it took.
local function csv_record(line, eol, more, path, lineno)
  if not find(line, '"', 1, true) then
    local cells, i = {}, 0
    for s in (line .. ","):gmatch("([^,]*),") do i = i + 1; cells[i] = s end
    return cells, 0
  end
  local cells, cur, pos, extra = {}, {}, 1, 0
  while true do
    local c = sub(line, pos, pos)
    if c == '"' then
      -- a quoted cell: up to the closing quote, doubled quotes are one quote
      pos = pos + 1
      while true do
        local q = find(line, '"', pos, true)
        if not q then
          cur[#cur + 1] = sub(line, pos) .. eol
          local nxt, nxt_eol = more()
          if nxt == nil then fail(format("%s:%d: unterminated quoted field", path, lineno)) end
          extra = extra + 1
          line, eol, pos = nxt, nxt_eol, 1
        elseif sub(line, q + 1, q + 1) == '"' then
          cur[#cur + 1] = sub(line, pos, q)
          pos = q + 2
        else
          cur[#cur + 1] = sub(line, pos, q - 1)
          pos = q + 1
          break
        end
      end
      local after = sub(line, pos, pos)
      if after ~= "," and after ~= "" then
        fail(format("%s:%d: a quoted field is followed by %q, not a comma", path, lineno + extra, after))
      end
    else
      local comma = find(line, ",", pos, true) or #line + 1
      local s = sub(line, pos, comma - 1)
      if find(s, '"', 1, true) then
        fail(format("%s:%d: a quote inside an unquoted field", path, lineno + extra))
      end
      cur[1] = s
      pos = comma
    end
    cells[#cells + 1] = concat(cur)
    cur = {}
    if sub(line, pos, pos) ~= "," then break end
    pos = pos + 1
  end
  return cells, extra
end

local function tsv_unescape(s)
  if not find(s, "\\", 1, true) then return s end
  return (s:gsub("\\(.)", { t = "\t", r = "\r", n = "\n", ["\\"] = "\\" }))
end

local function tsv_record(line)  -- a TSV record is one line
  local cells, i = {}, 0
  for s in (line .. "\t"):gmatch("([^\t]*)\t") do i = i + 1; cells[i] = tsv_unescape(s) end
  return cells, 0
end

-- Reads delimited text: the first record is the header.
local function delimited(path, record)
  return function()
    local f = open_file(path)
    local lineno, n, header = 0, 0, nil
    local function more()
      local l = f:read("L")
      if l == nil then return nil end
      lineno = lineno + 1
      return l
    end
    -- the next line without its line end, and the line end ("\r\n", "\n" or "")
    local function line()
      local l = more()
      if l == nil then return nil end
      local len = #l
      if byte(l, len) ~= 10 then return l, "" end
      if byte(l, len - 1) == 13 then return sub(l, 1, len - 2), "\r\n" end
      return sub(l, 1, len - 1), "\n"
    end
    local function read_record()
      while true do
        local l, eol = line()
        if l == nil then return nil end
        -- a blank line is no record, unless the header has one column (it is then one empty cell)
        if l ~= "" or (header and #header == 1) then
          local start, raw, pending = lineno, l, eol
          local function continued()       -- the next line of a record; raw gets it too
            local b, e = line()
            if b ~= nil then raw, pending = raw .. pending .. b, e end
            return b, e
          end
          return (record(l, eol, continued, path, start)), start, raw
        end
      end
    end
    local cells = read_record()
    if cells == nil then f:close(); return function() return nil end end
    header = {}
    local seen = {}
    for i, h in ipairs(cells) do
      if i == 1 then h = h:gsub("^\239\187\191", "") end   -- a UTF-8 byte order mark (Excel's)
      h = undefuse(h)
      if seen[h] then
        f:close()
        fail(format("%s:1: the column %q appears twice in the header (columns %d and %d)", path, h, seen[h], i))
      end
      header[i], seen[h] = h, i
    end
    local width = #header
    local function make_row(cl)
      local row = {}
      for i = 1, width do row[header[i]] = undefuse(cl[i]) end
      return row
    end
    local function nomore() return nil end
    return function()
      if not f then return nil end
      local cl, at, raw = read_record()
      if cl == nil then f:close(); f = nil; return nil end
      if #cl ~= width then
        f:close(); f = nil
        fail(format("%s:%d: %d fields, the header has %d", path, at, #cl, width))
      end
      n = n + 1
      return make_row(cl), n, raw
    end, function(raw) return make_row((record(raw, "", nomore, path, 0))) end
  end
end

--------------------------------------------------------------------------------------------------
-- jsonl, json

local function json_line(l, path, lineno)
  local ok, v = pcall(decode, l)
  if not ok then fail(format("%s:%d: %s", path, lineno, reason(v))) end
  if type(v) ~= "table" or v[1] ~= nil then fail(format("%s:%d: not a JSON object", path, lineno)) end
  return v
end

local function jsonl(path)
  return function()
    local f = open_file(path)
    local lineno, n = 0, 0
    return function()
      if not f then return nil end
      while true do
        local l = f:read("l")
        if l == nil then f:close(); f = nil; return nil end
        lineno = lineno + 1
        if find(l, "%S") then
          local ok, row = pcall(json_line, l, path, lineno)
          if not ok then f:close(); f = nil; error(row, 0) end
          n = n + 1
          return row, n, l
        end
      end
    end, decode
  end
end

-- A JSON array of objects. The shape att.report.json writes ("[", one object per line with a comma
-- after each but the last, "]") is read line by line; any other layout is decoded whole.
local function json_array(path)
  return function()
    local f = open_file(path)
    local first = f:read("l")
    if first and first:match("^%s*%[%s*$") then
      local lineno, n, done = 1, 0, false
      return function()
        if done then return nil end
        while true do
          local l = f:read("l")
          lineno = lineno + 1
          if l == nil then
            f:close(); done = true
            fail(format("%s:%d: unexpected end of file (no closing ])", path, lineno - 1))
          end
          if l:match("^%s*%]%s*$") then f:close(); done = true; return nil end
          if find(l, "%S") then
            l = l:gsub(",%s*$", "")
            local ok, row = pcall(json_line, l, path, lineno)
            if not ok then f:close(); done = true; error(row, 0) end
            n = n + 1
            return row, n, l
          end
        end
      end, decode
    end
    local text = (first or "") .. "\n" .. (f:read("a") or "")
    f:close()
    local ok, v = pcall(decode, text)
    if not ok then fail(format("%s: %s", path, reason(v))) end
    if type(v) ~= "table" or (next(v) ~= nil and v[1] == nil) then fail(path .. ": not a JSON array") end
    local i = 0
    return function()
      i = i + 1
      local row = v[i]
      if row == nil then return nil end
      if type(row) ~= "table" or row[1] ~= nil then fail(format("%s: element %d is not a JSON object", path, i)) end
      return row, i
    end
  end
end

--------------------------------------------------------------------------------------------------
-- sqlite (att.sqlite: open(path, {readonly = true}) -> db; db:rows(sql); db:close())

local function quote_ident(s) return '"' .. s:gsub('"', '""') .. '"' end

-- An error of att.sqlite ("att.sqlite: PATH: message") as att.diff's, with the table named.
local function sqlite_fail(path, tbl, e)
  e = tostring(e):gsub("^att%.sqlite: ", "")
  if not e:find(path, 1, true) then e = path .. ": " .. e end
  fail(format("%s (table %q)", e, tbl))
end

local function sqlite_table(path, tbl)
  return function()
    local okm, sqlite = pcall(function() return att.sqlite end)
    if not okm or sqlite == nil then
      fail(format("%s: reading an SQLite file needs att.sqlite: %s", path, tostring(sqlite)))
    end
    local ok, db = pcall(sqlite.open, path, { readonly = true })
    if not ok then sqlite_fail(path, tbl, db) end
    local it, st, ctl, tbc
    ok, it, st, ctl, tbc = pcall(db.rows, db, "SELECT * FROM " .. quote_ident(tbl))
    if not ok then db:close(); sqlite_fail(path, tbl, it) end
    local n = 0
    local function close()
      local mt = tbc ~= nil and getmetatable(tbc)
      if type(mt) == "table" and mt.__close then pcall(mt.__close, tbc) end
      tbc = nil
      if db then db:close(); db = nil end
    end
    return function()
      if not db then return nil end
      local okr, row = pcall(it, st, ctl)
      if not okr then close(); sqlite_fail(path, tbl, row) end
      if row == nil then close(); return nil end
      ctl = row
      n = n + 1
      return row, n
    end
  end
end

--------------------------------------------------------------------------------------------------

local KIND = {
  csv = "csv", tsv = "tsv", jsonl = "jsonl", ndjson = "jsonl", json = "json",
  db = "sqlite", sqlite = "sqlite", sqlite3 = "sqlite",
}

-- The format of a path by its extension, or nil.
function M.kind(path)
  local ext = path:match("%.([%w]+)$")
  return ext and KIND[ext:lower()] or nil
end

-- Splits "file.db:table" when file.db names an SQLite file (and the whole name is not a file).
local function split_table(spec)
  if file_size(spec) then return spec, nil end
  local file, tbl = spec:match("^(.+%.[%w]+):([^/]+)$")
  if file and M.kind(file) == "sqlite" then return file, tbl end
  return spec, nil
end

function M.open(spec, side, table_name)
  local path, tbl = split_table(spec)
  local kind = M.kind(path)
  if not kind then
    fail(format("%s: cannot tell its format from the extension (known: .csv .tsv .jsonl .ndjson " ..
      ".json .db .sqlite .sqlite3)", path))
  end
  local size = file_size(path)
  if not size then open_file(path):close() end       -- raises with the reason
  local src = { label = path, size = size, kind = kind }
  if kind == "csv" then
    src.open, src.loose = delimited(path, csv_record), true
  elseif kind == "tsv" then
    src.open, src.loose = delimited(path, tsv_record), true
  elseif kind == "jsonl" then
    src.open = jsonl(path)
  elseif kind == "json" then
    src.open = json_array(path)
  else
    tbl = tbl or table_name
    if not tbl then
      fail(format("%s: an SQLite file needs a table (opts.table, opts.%s_table, --table or %s:TABLE)",
        path, side, path))
    end
    src.open, src.label = sqlite_table(path, tbl), path .. ":" .. tbl
  end
  return src
end

return M
