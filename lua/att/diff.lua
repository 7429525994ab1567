-- att.diff — what changed between two sets of rows (two exports, or two live result sets).
--
--   local d = att.diff("yesterday.csv", "today.jsonl", {key = "accountId"})
--   for ch in d:rows() do print(ch.change, ch.key, ch.field, ch.old, ch.new) end
--   print(d:summary().changed)
--   d:write("html", {out = "changes.html"})
--
-- att.diff(old, new, opts) -> Diff    (the module table is callable: att.diff(...) is M.diff(...))
--
-- old, new: a file path (the format from its extension: .csv .tsv .jsonl .ndjson .json, or an SQLite
--   file .db .sqlite .sqlite3 with opts.table or written "file.db:table"), an array of row tables,
--   or an iterator (a function, or a callable such as an att.search Results or an att.rows
--   iterator: anything att.report accepts as rows). Files are read by att.diff_read, one record at
--   a time.
-- opts:
--   key         required: a column name or dotted path, or a list of them (a compound key). A row
--               whose key is missing, null or "" is an error naming the row.
--   fields      compare only these columns (names or paths), in this order
--   ignore      leave these columns out
--   table       the table of both SQLite inputs; old_table, new_table: of one side
--   sorted      true: the inputs are sorted by key (verified while merging; a key out of order
--               is an error naming it); false: do not check; nil: files and arrays are checked
--               with a first pass, iterators are not
--   index       "old" or "new": the side held in memory when the inputs are not both sorted
--
-- A Diff is rows of changes: d:rows() (a generic-for iterator; files and arrays can be read again,
-- an iterator input only once), or d itself passed to an att.report writer (it is callable). Each
-- row is {change = "added"|"removed"|"changed", key = KEY, field = NAME, old = V, new = V}: one per
-- added record (new = the record), one per removed record (old = the record), one per changed
-- field of a record in both (old and new values as read). KEY is the key's value (from the new
-- side, for removed rows the old), or a list of values for a compound key.
-- d:summary() -> {added =, removed =, changed = (records), fields = (changed fields),
--   unchanged =, mode = "merge"|"index old"|"index new"} (reads the inputs if not done yet).
-- d:write(format [, opts]) writes the change rows in any att.report format (columns change, key,
--   field, old, new unless opts.columns), or "html": a page of its own (att.diff_html).
--
-- Order and memory: when both inputs are sorted by key (see "Key order") they are merged in
-- constant memory, and the rows come out by key. Otherwise one side is indexed (held in memory)
-- and the other streamed: the smaller file (by size), the shorter array, an array rather than an
-- iterator, or for two iterators the old side (opts.index chooses). Memory: the indexed side (a
-- file's records as their text, decoded again when matched), plus the keys (not the records) of
-- the streamed side's rows that the index does not hold, to detect duplicate keys. Rows come out
-- in the streamed side's order (changed rows, and added or removed ones), then the indexed side's
-- records the other side lacked, in its order.
--
-- Key order: a key is compared part by part in canonical form (below); parts that read as decimal
-- numbers ("7", "-2.5", "1e3") sort numerically, before all others, which sort by bytes. A
-- duplicate key in an input is an error naming it and the side: att.diff: duplicate key "A-17" in
-- new (rows 3 and 9).
--
-- Canonical form (M.canonical; values are equal when their canonical forms are): nil and att.null
-- → null; booleans → "true"/"false"; integers, and floats with no fraction (below 2^63) → their
-- digits; other floats %.14g; so a number equals its text ("5" == 5, "2.5" == 2.5); tables → the
-- JSON text att.json.encode writes (keys sorted); strings as they are. csv and tsv cannot tell null
-- from "": when either side is csv or tsv, null equals "". The csv and tsv readers undo att.report's
-- defuse ("'=x" reads back as "=x").
local M = {}

local att = att or require "att"
local null = att.json.null
local encode = att.json.encode
local format, concat = string.format, table.concat
local mtype, tointeger = math.type, math.tointeger

local function fail(msg) error("att.diff: " .. msg, 0) end

local function describe(v)
  if v == null then return "att.null" end
  if type(v) == "string" then return format("%q", v) end
  return type(v)
end

--------------------------------------------------------------------------------------------------
-- Canonical form

local TWO63 = 2.0 ^ 63

-- The canonical form of a value: a string, or att.null for nil and att.null.
local function canonical(v)
  if v == nil or v == null then return null end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if mtype(v) == "integer" then return tostring(v) end
    if v == v and v > -TWO63 and v < TWO63 and v == math.floor(v) then return tostring(tointeger(v)) end
    return (format("%.14g", v))
  end
  if t == "boolean" then return v and "true" or "false" end
  if t == "table" then
    local ok, s = pcall(encode, v)
    if ok then return s end
    return tostring(v)
  end
  return tostring(v)
end
M.canonical = canonical

-- Whether two canonical forms are equal (loose: null equals "").
local function same(a, b, loose)
  if a == b then return true end
  return loose and ((a == null and b == "") or (a == "" and b == null)) or false
end

--------------------------------------------------------------------------------------------------
-- Keys

local function numeric(s)
  if not (s:find("^%-?%d+%.?%d*$") or s:find("^%-?%d+%.?%d*[eE][-+]?%d+$")) then return nil end
  return tonumber(s)
end

-- -1, 0 or 1: the order of two key parts (canonical strings; see "Key order").
local function partcmp(x, y)
  if x == y then return 0 end
  local nx, ny = numeric(x), numeric(y)
  if nx and ny then
    if nx < ny then return -1 elseif nx > ny then return 1 end
  elseif nx then return -1
  elseif ny then return 1
  end
  return x < y and -1 or 1
end

-- The order of two keys: a canonical string (a single key), or a list of them (a compound key).
local function keycmp(a, b)
  if type(a) == "string" then return partcmp(a, b) end
  for i = 1, #a do
    local c = partcmp(a[i], b[i])
    if c ~= 0 then return c end
  end
  return 0
end

-- The text of a key for messages: a JSON string, or a JSON list for a compound key.
local function key_text(parts)
  if type(parts) == "string" then return encode(parts) end
  return encode(att.json.array(parts))
end

--------------------------------------------------------------------------------------------------
-- Sources: {name = "old"|"new", label, loose, kind = "file"|"array"|"iter", size, open()}

local function source(input, name, tbl)
  local t = type(input)
  if t == "string" then
    local src = require("att.diff_read").open(input, name, tbl)
    src.name, src.kind = name, "file"
    return src
  end
  local mt = getmetatable(input)
  local callable = type(mt) == "table" and mt.__call ~= nil
  if t == "table" and not callable then
    return { name = name, label = name, kind = "array", size = #input, open = function()
      local i = 0
      return function()
        i = i + 1
        local row = input[i]
        if row ~= nil then return row, i end
      end
    end }
  end
  if t == "function" or callable or (t == "userdata" and mt ~= nil) then
    local used = false
    return { name = name, label = name, kind = "iter", open = function()
      if used then fail(name .. " is an iterator and was read already: a Diff over it can be read once") end
      used = true
      local n = 0
      return function()
        local row = input()
        if row == nil then return nil end
        n = n + 1
        return row, n
      end
    end }
  end
  fail(format("%s must be a file name, an array of rows or an iterator, got %s", name, describe(input)))
end

local function where(src, n)
  if src.kind == "file" then return format("row %d of %s (%s)", n, src.name, src.label) end
  return format("row %d of %s", n, src.name)
end

-- A reader of a source's rows with their keys: next() -> row, key, id, n (key: the canonical
-- string of a single key, or the list of a compound key's; id: a string that is equal for equal keys).
-- A file's reader also gives the record's text (raw), and decode(raw) -> row, as the second value
-- of keyed().
local function keyed(src, keys, getters)
  local nextrow, decode = src.open()
  local nk, k1, g1 = #keys, keys[1], getters[1]
  local raw
  return function()
    local row, n
    row, n, raw = nextrow()
    if row == nil then return nil end
    if type(row) ~= "table" then fail(format("%s is %s, not a table", where(src, n), describe(row))) end
    if nk == 1 then
      local v = row[k1]
      if v == nil and g1 then v = g1(row) end
      local c = canonical(v)
      if c == null or c == "" then fail(format("%s has no key %q", where(src, n), k1)) end
      return row, c, c, n, raw
    end
    local parts, p = {}, {}
    for i = 1, nk do
      local v = row[keys[i]]
      if v == nil and getters[i] then v = getters[i](row) end
      local c = canonical(v)
      if c == null or c == "" then fail(format("%s has no key %q", where(src, n), keys[i])) end
      parts[i], p[i] = c, #c .. ":" .. c
    end
    return row, parts, concat(p), n, raw
  end, decode
end

local function duplicate(src, parts, n1, n2)
  fail(format("duplicate key %s in %s (rows %d and %d)", key_text(parts), src.name, n1, n2))
end

-- Whether a source is sorted by key (strictly: equal neighbours are duplicate keys, an error).
local function is_sorted(src, keys, getters)
  local nextk = keyed(src, keys, getters)
  local _, prev, _, pn = nextk()
  while prev do
    local _, parts, _, n = nextk()
    if not parts then return true end
    local c = keycmp(prev, parts)
    if c == 0 then duplicate(src, parts, pn, n) end
    if c > 0 then return false end
    prev, pn = parts, n
  end
  return true
end

--------------------------------------------------------------------------------------------------
-- Comparing

local function key_value(row, keys, getters)
  if #keys == 1 then
    local v = row[keys[1]]
    if v == nil and getters[1] then v = getters[1](row) end
    return v
  end
  local list = {}
  for i, k in ipairs(keys) do
    local v = row[k]
    if v == nil and getters[i] then v = getters[i](row) end
    list[i] = v
  end
  return att.json.array(list)
end

-- The engine: calls emit(change row) for every change; returns the summary.
local function run(self, emit)
  local o, keys, getters = self.opts, self.keys, self.getters
  local old, new = self.old, self.new
  local loose = old.loose or new.loose
  local skip = {}
  for _, k in ipairs(keys) do skip[k] = true end
  for _, k in ipairs(o.ignore or {}) do skip[k] = true end
  local fields, fget = nil, nil
  if o.fields then
    fields, fget = {}, {}
    local compile = require("att.path").compile
    for _, f in ipairs(o.fields) do
      if not skip[f] then fields[#fields + 1] = f; fget[#fields] = compile(f) end
    end
  end
  local s = { added = 0, removed = 0, changed = 0, fields = 0, unchanged = 0 }

  -- The sorted union of the two records' column names (less the key and ignored ones). Records
  -- of an export have the same columns: the last list is used again while they do.
  local last_set, last_list, last_n = {}, {}, 0
  local function field_list(ro, rn)
    local c, fits = 0, true
    for k in pairs(ro) do
      if type(k) == "string" and not skip[k] then
        if not last_set[k] then fits = false; break end
        c = c + 1
      end
    end
    if fits and c == last_n then
      for k in pairs(rn) do
        if type(k) == "string" and not skip[k] and not last_set[k] then fits = false; break end
      end
      if fits then return last_list end
    end
    local seen, list = {}, {}
    for k in pairs(ro) do
      if type(k) == "string" and not skip[k] then seen[k] = true; list[#list + 1] = k end
    end
    for k in pairs(rn) do
      if type(k) == "string" and not skip[k] and not seen[k] then seen[k] = true; list[#list + 1] = k end
    end
    table.sort(list)
    last_set, last_list, last_n = seen, list, #list
    return list
  end

  local function compare(ro, rn)
    local kv = key_value(rn, keys, getters)
    local list, getf = fields, fget
    if not list then list = field_list(ro, rn) end
    local changed = 0
    for i = 1, #list do
      local f = list[i]
      local vo, vn = ro[f], rn[f]
      if getf then
        if vo == nil then vo = getf[i](ro) end
        if vn == nil then vn = getf[i](rn) end
      end
      if vo ~= vn and not same(canonical(vo), canonical(vn), loose) then
        changed = changed + 1
        emit { change = "changed", key = kv, field = f, old = vo, new = vn }
      end
    end
    if changed > 0 then
      s.changed, s.fields = s.changed + 1, s.fields + changed
    else
      s.unchanged = s.unchanged + 1
    end
  end
  local function added(rn)
    s.added = s.added + 1
    emit { change = "added", key = key_value(rn, keys, getters), new = rn }
  end
  local function removed(ro)
    s.removed = s.removed + 1
    emit { change = "removed", key = key_value(ro, keys, getters), old = ro }
  end

  local sorted = o.sorted
  if sorted == nil then
    sorted = old.kind ~= "iter" and new.kind ~= "iter" and is_sorted(old, keys, getters) and
      is_sorted(new, keys, getters)
  end
  if sorted then
    s.mode = "merge"
    -- a reader that checks the order as it goes
    local function ordered(src)
      local nextk = keyed(src, keys, getters)
      local prev, pn
      return function()
        local row, parts, _, n = nextk()
        if row == nil then return nil end
        if prev then
          local c = keycmp(prev, parts)
          if c == 0 then duplicate(src, parts, pn, n) end
          if c > 0 then
            fail(format("%s is not sorted by key: key %s (row %d) comes after %s (row %d)", src.name,
              key_text(parts), n, key_text(prev), pn))
          end
        end
        prev, pn = parts, n
        return row, parts
      end
    end
    local nexto, nextn = ordered(old), ordered(new)
    local ro, ko = nexto()
    local rn, kn = nextn()
    while ro or rn do
      local c = (ro and rn) and keycmp(ko, kn) or (ro and -1 or 1)
      if c < 0 then
        removed(ro); ro, ko = nexto()
      elseif c > 0 then
        added(rn); rn, kn = nextn()
      else
        compare(ro, rn)
        ro, ko = nexto()
        rn, kn = nextn()
      end
    end
    return s
  end

  -- Index one side, stream the other.
  local which = o.index
  if not which then
    if old.kind == new.kind and old.kind ~= "iter" then
      which = (new.size or 0) < (old.size or 0) and "new" or "old"
    elseif old.kind == "array" or new.kind == "array" then
      which = old.kind == "array" and "old" or "new"
    else
      which = "old"
    end
  end
  s.mode = "index " .. which
  local isrc, ssrc = old, new
  if which == "new" then isrc, ssrc = new, old end
  -- The index: id -> entry number; per entry the record (its text when the reader gives it, which
  -- takes a few times less memory than the row), its row number, and the row number it matched.
  local index, vals, nums, matched = {}, {}, {}, {}
  local nextk, decode = keyed(isrc, keys, getters)
  local count = 0
  for row, parts, id, n, raw in nextk do
    local e = index[id]
    if e then duplicate(isrc, parts, nums[e], n) end
    count = count + 1
    index[id], nums[count], matched[count] = count, n, false
    if raw ~= nil and decode then vals[count] = raw else vals[count] = row end
  end
  local function record(e)
    local v = vals[e]
    vals[e] = false
    if type(v) == "string" then return decode(v) end
    return v
  end
  do -- (others is dropped before the last loop)
    local others = {}     -- id -> row number: streamed rows the index does not hold
    for row, parts, id, n in keyed(ssrc, keys, getters) do
      local e = index[id]
      if e then
        if matched[e] then duplicate(ssrc, parts, matched[e], n) end
        matched[e] = n
        if which == "old" then compare(record(e), row) else compare(row, record(e)) end
      else
        if others[id] then duplicate(ssrc, parts, others[id], n) end
        others[id] = n
        if which == "old" then added(row) else removed(row) end
      end
    end
  end
  for e = 1, count do
    if not matched[e] then
      if which == "old" then removed(record(e)) else added(record(e)) end
    end
  end
  return s
end

--------------------------------------------------------------------------------------------------
-- Diff objects

local Diff = {}
Diff.__index = Diff

-- A generic-for iterator over the change rows.
-- (A coroutine runs the engine; its errors are raised again as they are, without a position.)
function Diff:rows()
  local co = coroutine.create(function()
    self.summary_ = run(self, coroutine.yield)
  end)
  local done = false
  return function()
    if done then return nil end
    local ok, r = coroutine.resume(co)
    if not ok then
      done = true
      error(r, 0)
    end
    if r == nil then done = true end
    return r
  end
end

-- Callable: the next change row (a new pass starts after the end), for att.report writers.
function Diff:__call()
  self.cur_ = self.cur_ or self:rows()
  local r = self.cur_()
  if r == nil then self.cur_ = nil end
  return r
end

function Diff:summary()
  if not self.summary_ then self.summary_ = run(self, function() end) end
  local t = {}
  for k, v in pairs(self.summary_) do t[k] = v end
  return t
end

local COLUMNS = { "change", "key", "field", "old", "new" }

function Diff:write(fmt, opts)
  if type(fmt) == "string" and fmt:lower() == "html" then
    return require("att.diff_html").write(self, opts)
  end
  local o = {}
  if opts ~= nil and type(opts) ~= "table" then fail("opts must be a table, got " .. describe(opts)) end
  for k, v in pairs(opts or {}) do o[k] = v end
  if o.columns == nil then o.columns = COLUMNS end
  return require("att.report").write(fmt, self:rows(), o)
end

--------------------------------------------------------------------------------------------------

local OPTS = { key = true, fields = true, ignore = true, table = true, old_table = true, new_table = true,
  sorted = true, index = true }

local function name_list(v, what, allow_one)
  if allow_one and type(v) == "string" then v = { v } end
  if type(v) ~= "table" or #v == 0 then
    fail(format("opts.%s must be %sa non-empty list of column names, got %s", what,
      allow_one and "a column name or " or "", describe(v)))
  end
  for i, s in ipairs(v) do
    if type(s) ~= "string" or s == "" then
      fail(format("opts.%s[%d] must be a column name, got %s", what, i, describe(s)))
    end
  end
  return v
end

function M.diff(old, new, opts)
  if type(opts) ~= "table" then fail("opts must be a table with at least key, got " .. describe(opts)) end
  for k in pairs(opts) do
    if not OPTS[k] then fail(format("unknown option %s (known: fields, ignore, index, key, new_table, " ..
      "old_table, sorted, table)", describe(k))) end
  end
  if opts.key == nil then fail("opts.key is required (the column that identifies a row)") end
  local keys = name_list(opts.key, "key", true)
  if opts.fields ~= nil then name_list(opts.fields, "fields") end
  if opts.ignore ~= nil then name_list(opts.ignore, "ignore") end
  for _, k in ipairs { "table", "old_table", "new_table" } do
    if opts[k] ~= nil and (type(opts[k]) ~= "string" or opts[k] == "") then
      fail(format("opts.%s must be a table name, got %s", k, describe(opts[k])))
    end
  end
  if opts.sorted ~= nil and type(opts.sorted) ~= "boolean" then
    fail("opts.sorted must be a boolean, got " .. describe(opts.sorted))
  end
  if opts.index ~= nil and opts.index ~= "old" and opts.index ~= "new" then
    fail("opts.index must be \"old\" or \"new\", got " .. describe(opts.index))
  end
  local compile = require("att.path").compile
  local getters = {}
  for i, k in ipairs(keys) do
    if k:find(".", 1, true) then getters[i] = compile(k) end
  end
  local self = setmetatable({ opts = opts, keys = keys, getters = getters }, Diff)
  self.old = source(old, "old", opts.old_table or opts.table)
  self.new = source(new, "new", opts.new_table or opts.table)
  return self
end

setmetatable(M, { __call = function(_, old, new, opts) return M.diff(old, new, opts) end })

--------------------------------------------------------------------------------------------------
-- att diff OLD NEW --key K ... (the command line; arg[0] is "diff")

local USAGE = [[
usage: att diff OLD NEW --key K[,K2] [options]
What changed between two exports (csv, tsv, jsonl, ndjson, json, or an SQLite table: FILE.db:TABLE
or --table): rows added, removed, and changed with the fields that changed (old -> new).

  --key K[,K2]       the column(s) that identify a row (required; dotted paths allowed)
  --fields A,B       compare only these columns
  --ignore A,B       leave these columns out
  --table T          the table of both SQLite inputs (or --old-table T, --new-table T)
  --format F         table (default), csv, tsv, jsonl, json, markdown, html, sqlite, xlsx, postgres;
                     default: from the extension of --out, else table
  --out FILE         write to FILE (replaced only when complete)
  --sorted           the inputs are sorted by key: merge them (a key out of order is an error)
  --exit-code        exit 1 when there are differences (0 when none), like git diff --exit-code
  --help             show this help

A summary goes to stderr: "att diff: 3 added, 1 removed, 5 changed (7 fields), 991 unchanged".
Exit status: 0 (or 1 with --exit-code and differences); 2 for a bad command line, an input that
cannot be read or has duplicate or missing keys; 8 when the output could not be written.
]]

local FLAGS = { sorted = true, ["exit-code"] = true, help = true }
local VALUES = { key = true, fields = true, ignore = true, table = true, ["old-table"] = true,
  ["new-table"] = true, format = true, out = true }

local function usage_error(msg)
  io.stdout:flush()
  io.stderr:write("att diff: ", msg, "\n")
  os.exit(2)
end

local function split_list(s)
  local t = {}
  for part in s:gmatch("[^,]+") do t[#t + 1] = part end
  return t
end

function M.main(argv)
  argv = argv or {}
  local pos, o = {}, {}
  local i = 1
  while argv[i] ~= nil do
    local a = argv[i]
    local name, val = a:match("^%-%-([%w-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w-]+)$") end
    if a == "-h" then name = "help" end
    if name then
      if FLAGS[name] then
        if val then usage_error("--" .. name .. " takes no value") end
        o[name] = true
      elseif VALUES[name] then
        if not val then
          i = i + 1
          val = argv[i]
          if val == nil then usage_error("--" .. name .. " needs a value") end
        end
        if val == "" then usage_error("--" .. name .. " needs a value") end
        o[name] = val
      else
        usage_error("unknown option " .. a .. " (see att diff --help)")
      end
    elseif a:sub(1, 1) == "-" and #a > 1 then
      usage_error("unknown option " .. a .. " (see att diff --help)")
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  if o.help then io.stdout:write(USAGE); return end
  if #pos ~= 2 then usage_error(format("two inputs are needed (OLD NEW), got %d; see att diff --help", #pos)) end
  if not o.key then usage_error("--key is required (the column that identifies a row)") end
  if o.table and (o["old-table"] or o["new-table"]) then
    usage_error("--table names the table of both inputs: give it, or --old-table and --new-table")
  end
  local report = require "att.report"
  local fmt = o.format and o.format:lower() or report.format_of(o.out) or "table"
  local known = fmt == "html"
  for _, f in ipairs(report.formats) do known = known or f == fmt end
  if not known then
    usage_error(format("unknown format %q (known: %s)", o.format, concat(report.formats, ", ")))
  end
  local keys = split_list(o.key)
  local opts = { key = #keys == 1 and keys[1] or keys, table = o.table, old_table = o["old-table"],
    new_table = o["new-table"], sorted = o.sorted or nil }
  if o.fields then opts.fields = split_list(o.fields) end
  if o.ignore then opts.ignore = split_list(o.ignore) end
  local s
  local ok, err = pcall(function()
    if o.out then report.check_out(o.out, "att.diff") end
    local d = M.diff(pos[1], pos[2], opts)
    d:write(fmt, { out = o.out })
    s = d:summary()
  end)
  if not ok then
    -- att.diff's own errors (inputs, keys, --out that cannot be opened) are status 2; others (a
    -- failed write: the host counts it and exits 8) go to the host as they are.
    -- (the confinement of --safe raises with the position of its caller: dropped)
    local msg = type(err) == "string" and err:gsub("^[%w_./-]+%.lua:%d+: ", "") or nil
    if msg and msg:find("^att%.diff: ") then usage_error((msg:gsub("^att%.diff: ", ""))) end
    error(err, 0)
  end
  io.stdout:flush()
  io.stderr:write(format("att diff: %d added, %d removed, %d changed (%d field%s), %d unchanged\n",
    s.added, s.removed, s.changed, s.fields, s.fields == 1 and "" or "s", s.unchanged))
  if o["exit-code"] and s.added + s.removed + s.changed > 0 then os.exit(1) end
end

return M
