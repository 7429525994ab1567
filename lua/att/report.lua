-- att.report — writers for report rows: csv, tsv, jsonl, json, markdown, table.
--
-- Every writer is  writer(rows, opts)  where rows is an array of row tables or an iterator function
-- returning one row per call (nil at the end), and opts may hold:
--   columns  list of column names, in order; a name may be a dotted path ("profile.firstName").
--            Default: the sorted keys of the first row.
--   out      a file handle or a path (default io.stdout). A path is opened, written and closed.
--   header   false to leave out the header line (csv, tsv, markdown, table).
-- Streaming writers (csv, tsv, jsonl, markdown) hold one row at a time; json and table collect the
-- rows first because the format needs them all (an array, column widths).
-- Values: nil and att.null are written as empty cells (null in JSON); booleans as true/false.
local M = {}

local null = att.json.null
local encode = att.json.encode

-- Turns rows (array or iterator) into an iterator.
local function iterate(rows)
  local t = type(rows)
  if t == "function" then return rows end
  if t == "table" then
    local i = 0
    return function()
      i = i + 1
      return rows[i]
    end
  end
  if t == "userdata" then return function() return rows() end end -- e.g. a Results
  error("att.report: rows must be an array of tables or an iterator, got " .. t, 3)
end
M.iterate = iterate

-- Looks up a dotted path in a row; a plain key wins over a path.
local function get(row, col)
  local v = row[col]
  if v ~= nil or not col:find(".", 1, true) then return v end
  v = row
  for part in col:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    v = v[part]
  end
  return v
end
M.get = get

local function columns_of(row, opts)
  if opts.columns then return opts.columns end
  local cols = {}
  for k in pairs(row or {}) do
    if type(k) == "string" then cols[#cols + 1] = k end
  end
  table.sort(cols)
  return cols
end

local function cell_text(v)
  if v == nil or v == null then return "" end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return (string.format("%.14g", v))
  end
  if t == "boolean" then return tostring(v) end
  if t == "table" then return encode(v) end
  return tostring(v)
end
M.cell_text = cell_text

-- Opens opts.out; returns the handle and a function that finishes the output.
local function open_out(opts)
  local out = opts.out
  if out == nil then return io.stdout, function() io.stdout:flush() end end
  if type(out) == "string" then
    local f, err = io.open(out, "wb")
    if not f then error("att.report: cannot open " .. err, 3) end
    return f, function() assert(f:close()) end
  end
  return out, function() out:flush() end
end

local function csv_cell(s, sep)
  if s:find('[' .. sep .. '"\r\n]') or s:find("^%s") or s:find("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local function tsv_cell(s)
  return (s:gsub("[\t\r\n\\]", { ["\t"] = "\\t", ["\r"] = "\\r", ["\n"] = "\\n", ["\\"] = "\\\\" }))
end

-- Streams delimited text: RFC 4180 for csv (CRLF line ends unless opts.eol says otherwise).
local function delimited(rows, opts, sep, cellf, eol)
  opts = opts or {}
  local out, finish = open_out(opts)
  local nextrow = iterate(rows)
  local row = nextrow()
  local cols = columns_of(row, opts)
  local line = {}
  eol = opts.eol or eol
  if opts.header ~= false then
    for i, c in ipairs(cols) do line[i] = cellf(c, sep) end
    out:write(table.concat(line, sep), eol)
  end
  local n = 0
  while row ~= nil do
    for i, c in ipairs(cols) do line[i] = cellf(cell_text(get(row, c)), sep) end
    out:write(table.concat(line, sep), eol)
    n = n + 1
    row = nextrow()
  end
  finish()
  return n
end

function M.csv(rows, opts) return delimited(rows, opts, ",", csv_cell, "\r\n") end
function M.tsv(rows, opts) return delimited(rows, opts, "\t", tsv_cell, "\n") end

local function pick(row, cols)
  local o = {}
  for _, c in ipairs(cols) do
    local v = get(row, c)
    if v == nil then v = null end
    o[c] = v
  end
  return o
end

-- JSON Lines: one object per row with the chosen columns (all fields when no columns are given).
function M.jsonl(rows, opts)
  opts = opts or {}
  local out, finish = open_out(opts)
  local n = 0
  for row in iterate(rows) do
    out:write(encode(opts.columns and pick(row, opts.columns) or row), "\n")
    n = n + 1
  end
  finish()
  return n
end

-- One JSON array (the rows are collected first).
function M.json(rows, opts)
  opts = opts or {}
  local all = {}
  for row in iterate(rows) do all[#all + 1] = opts.columns and pick(row, opts.columns) or row end
  local out, finish = open_out(opts)
  out:write(encode(att.json.array(all)), "\n")
  finish()
  return #all
end

local function md_cell(s)
  return (s:gsub("\\", "\\\\"):gsub("|", "\\|"):gsub("\r?\n", "<br>"))
end

-- A GitHub-flavoured Markdown table, streamed.
function M.markdown(rows, opts)
  opts = opts or {}
  local out, finish = open_out(opts)
  local nextrow = iterate(rows)
  local row = nextrow()
  local cols = columns_of(row, opts)
  local line = {}
  for i, c in ipairs(cols) do line[i] = md_cell(c) end
  out:write("| ", table.concat(line, " | "), " |\n")
  for i = 1, #cols do line[i] = "---" end
  out:write("|", table.concat(line, "|"), "|\n")
  local n = 0
  while row ~= nil do
    for i, c in ipairs(cols) do line[i] = md_cell(cell_text(get(row, c))) end
    out:write("| ", table.concat(line, " | "), " |\n")
    n = n + 1
    row = nextrow()
  end
  finish()
  return n
end

-- Display width in characters (UTF-8 aware; invalid UTF-8 counts bytes).
local function width(s)
  return utf8.len(s) or #s
end
M.width = width

-- Aligned plain text. opts.limit (default 1000) caps the rows shown; the rest are counted in a
-- final "... N more" line. Numbers are right-aligned.
function M.table(rows, opts)
  opts = opts or {}
  local limit = opts.limit or 1000
  local shown, more, cols = {}, 0, nil
  for row in iterate(rows) do
    cols = cols or columns_of(row, opts)
    if #shown < limit then
      local cells = {}
      for i, c in ipairs(cols) do
        local v = get(row, c)
        cells[i] = { cell_text(v):gsub("[\r\n\t]", " "), type(v) == "number" }
      end
      shown[#shown + 1] = cells
    else
      more = more + 1
    end
  end
  cols = cols or opts.columns or {}
  local w = {}
  for i, c in ipairs(cols) do w[i] = width(c) end
  for _, cells in ipairs(shown) do
    for i, cell in ipairs(cells) do
      local cw = width(cell[1])
      if cw > w[i] then w[i] = cw end
    end
  end
  local out, finish = open_out(opts)
  local function pad(s, n, right)
    local fill = string.rep(" ", n - width(s))
    return right and fill .. s or s .. fill
  end
  local line = {}
  if opts.header ~= false then
    for i, c in ipairs(cols) do line[i] = pad(c, w[i]) end
    out:write((table.concat(line, "  "):gsub("%s+$", "")), "\n")
    for i = 1, #cols do line[i] = string.rep("-", w[i]) end
    out:write(table.concat(line, "  "), "\n")
  end
  for _, cells in ipairs(shown) do
    for i, cell in ipairs(cells) do line[i] = pad(cell[1], w[i], cell[2]) end
    out:write((table.concat(line, "  "):gsub("%s+$", "")), "\n")
  end
  if more > 0 then out:write(string.format("... %d more\n", more)) end
  finish()
  return #shown + more
end

M.formats = { "csv", "tsv", "jsonl", "json", "markdown", "table" }
local is_format = {}
for _, f in ipairs(M.formats) do is_format[f] = true end

-- Writes rows in the named format.
function M.write(format, rows, opts)
  if not is_format[format] then
    error("att.report: unknown format " .. tostring(format) .. " (known: " .. table.concat(M.formats, ", ") .. ")", 2)
  end
  return M[format](rows, opts)
end

return M
