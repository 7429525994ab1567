-- att.cli — the subcommands of the att command line that are written in Lua:
--   att search KEY=VALUE... [--level L] [--columns A,B] [--where PATH=VALUE]... [--format F]
--                           [--out FILE] [--all] [--limit N] [--max-rows N] [--paging page|record]
-- A one-off search without a script: parameters become the request body, results are flattened at
-- the chosen level (att.rows) and written by att.report. Without --all only the first page is read.
-- --out is checked before the first request and written beside its name, then renamed into place
-- (att.report). The format follows --out's extension unless --format is given. jsonl and json
-- without --columns write whole records. Usage errors exit 2 (the host maps an error raised by
-- att.search's checks; fail() below exits itself).
local M = {}

local DEFAULT_COLUMNS = {
  individual = { "id", "givenName", "familyName", "status", "createdOn" },
  account = { "individualId", "id", "accountType", "serviceType", "billingMarket", "accountLocked", "subscribersCount" },
  subscriber = { "individualId", "accountId", "id", "phoneNumber", "status.state", "subMarket" },
  product = { "individualId", "accountId", "subscriberId", "name", "productOfferingClassification", "status.status" },
}

local USAGE = [[
usage: att search KEY=VALUE... [options]
A one-off search: KEY=VALUE pairs form the request (serviceType=FIBER pageSize=50 ...).
Values that look like integers are sent as integers, true/false as booleans.

  --level L          individual (default), account, subscriber or product
  --columns A,B      columns to show (dotted paths allowed); default: a few useful ones per level,
                     and for jsonl and json the whole records (with their parents' ids)
  --where PATH=VALUE only records whose PATH is VALUE (compared as text; repeat for AND)
  --format F         table, csv, tsv, jsonl, json, markdown, html, sqlite, xlsx or postgres;
                     default: from --out (.csv .tsv .jsonl .ndjson .json .md .html .txt .db
                     .sqlite .sqlite3 .xlsx, postgresql://...), else table
  --out FILE         write to FILE (checked before the first request; replaced only when complete),
                     or load into the PostgreSQL database of a postgresql:// URL
  --table NAME       sqlite, postgres: the table (default: the level, plural: accounts); xlsx: the
                     sheet's name
  --append           sqlite, postgres: add the rows to the table instead of replacing it
  --all              page through every result (default: the first page only)
  --limit N          stop after N individuals
  --max-rows N       rows the table and html formats show (table default 1000; 0: every row)
  --paging MODE      page (default) or record: what pageOffset counts
]]

local function fail(msg)
  io.stdout:flush()
  io.stderr:write("att search: ", msg, "\n")
  os.exit(2)
end

local function value_of(s)
  if s:match("^%-?%d+$") then return math.tointeger(tonumber(s)) or s end
  if s == "true" then return true end
  if s == "false" then return false end
  return s
end

-- Levenshtein distance, case-insensitive (for "did you mean").
local function distance(a, b)
  a, b = a:lower(), b:lower()
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

local function closest(name, candidates)
  local best, bestd
  for _, c in ipairs(candidates) do
    local d = distance(name, c)
    if not bestd or d < bestd or (d == bestd and c < best) then best, bestd = c, d end -- ties: not pairs' order
  end
  if best and bestd <= math.max(2, #name // 4) then return best end
  return nil
end

-- The paths a row of this level can name, from the records read so far: the keys of the rows
-- att.rows builds without columns, and the same with the level's prefix (account.billingMarket).
local function known_paths(rows, level, records)
  local seen, list = {}, {}
  local function add(k)
    if not seen[k] then seen[k] = true; list[#list + 1] = k end
  end
  for _, k in ipairs({ "individualId", "accountId", "subscriberId", "productIndex", "id" }) do add(k) end
  for row in rows(records, level) do
    for k in pairs(row) do add(k) end
  end
  return list
end

-- Fails unless every column (or --where path) gives a value in at least one of the records read
-- (the first page): a misspelled column is an error with a suggestion, not an empty column.
-- For JSON, dotted columns become nested objects ("status.state" -> {"status": {"state": ...}}), so
-- that jq reads .status.state without quoting; a column that is also the parent of another keeps its
-- dotted name. Returns the iterator and the top-level columns, in order.
local function nest(iter, cols)
  local top, seen, plain = {}, {}, {}
  for _, c in ipairs(cols) do plain[c] = true end
  for _, c in ipairs(cols) do
    local head = c:match("^[^.]+")
    local whole = not c:find(".", 1, true) or plain[head]
    local key = whole and c or head
    if not seen[key] then seen[key], top[#top + 1] = true, key end
  end
  return function()
    local row = iter()
    if row == nil then return nil end
    local out = {}
    for _, c in ipairs(cols) do
      local v = row[c]
      if v == nil then v = att.null end
      local head = c:match("^[^.]+")
      if not c:find(".", 1, true) or plain[head] then
        out[c] = v
      else
        local t = out
        local parts = {}
        for part in c:gmatch("[^.]+") do parts[#parts + 1] = part end
        for k = 1, #parts - 1 do
          if type(t[parts[k]]) ~= "table" then t[parts[k]] = {} end
          t = t[parts[k]]
        end
        t[parts[#parts]] = v
      end
    end
    return out
  end, top
end

-- records: the first page as the search built it (only what the columns read); params: the
-- search and its opts, asked again for whole records when a hint is to be found.
local function check_paths(rows, level, records, paths, what, params, opts)
  if #records == 0 then return end
  local missing = {}
  for _, p in ipairs(paths) do
    local found = false
    for row in rows(records, level, { columns = { p }, raw = true }) do
      if row[p] ~= nil then found = true break end
    end
    if not found then missing[#missing + 1] = p end
  end
  if #missing == 0 then return end
  -- The hint comes from whole records: the first page again, every field built.
  local again = {}
  for k, v in pairs(opts) do again[k] = v end
  again.limit, again.project, again.fields = #records, false, nil
  local ok, all = pcall(function()
    local whole <close> = att.search(params, again)
    return whole:collect()
  end)
  local known = known_paths(rows, level, ok and all or records)
  local p = missing[1]
  local hint = closest(p, known)
  fail(string.format("%s %q: no %s of the first page has it%s", what, p, level,
    hint and string.format(" (did you mean %q?)", hint) or " (see the whole records with --format jsonl)"))
end

local function parse(argv)
  local o = { params = {}, opts = {}, level = "individual", where = {}, all = false }
  local i = 1
  local function need(name)
    i = i + 1
    local v = argv[i]
    if v == nil then fail(name .. " needs a value") end
    return v
  end
  local function count(name, v, min)
    local n = math.tointeger(tonumber(v))
    if not n or n < min then fail(string.format("%s expects an integer >= %d, got %s", name, min, v)) end
    return n
  end
  while argv[i] ~= nil do
    local a = argv[i]
    local flag, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    flag = flag or a
    local function val(name) if inline ~= nil then return inline end return need(name) end
    if flag == "--help" or flag == "-h" then io.stdout:write(USAGE) os.exit(0)
    elseif flag == "--level" then o.level = val(flag)
    elseif flag == "--columns" then
      o.columns = {}
      for c in val(flag):gmatch("[^,]+") do o.columns[#o.columns + 1] = c end
      if #o.columns == 0 then fail("--columns needs at least one column name") end
    elseif flag == "--where" then
      local w = val(flag)
      local p, v = w:match("^([^=]+)=(.*)$")
      if not p then fail("--where expects PATH=VALUE, got " .. string.format("%q", w)) end
      o.where[#o.where + 1] = { p, v }
    elseif flag == "--format" then o.format = val(flag)
    elseif flag == "--out" then o.out = val(flag)
    elseif flag == "--table" then o.table = val(flag)
    elseif flag == "--append" then o.append = true
    elseif flag == "--all" then o.all = true
    elseif flag == "--limit" then o.opts.limit = count(flag, val(flag), 0)
    elseif flag == "--max-rows" then o.max_rows = count(flag, val(flag), 0)
    elseif flag == "--paging" then o.opts.paging = val(flag)
    elseif a:sub(1, 2) == "--" then fail("unknown option " .. a .. " (try att search --help)")
    else
      local k, v = a:match("^([%w_.]+)=(.*)$")
      if not k then fail("expected KEY=VALUE or an option, got " .. string.format("%q", a)) end
      o.params[k] = value_of(v)
    end
    i = i + 1
  end
  return o
end

function M.search(argv)
  local o = parse(argv)
  local level, opts, params = o.level, o.opts, o.params
  if not DEFAULT_COLUMNS[level] then
    fail("--level must be individual, account, subscriber or product, got " .. level)
  end
  local report = require "att.report"
  local format = o.format or report.format_of(o.out) or "table"
  local known = false
  for _, f in ipairs(report.formats) do if f == format then known = true end end
  if not known then fail("--format must be one of " .. table.concat(report.formats, ", ") .. ", got " .. format) end
  if (o.table or o.append) and not (format == "sqlite" or format == "postgres" or (format == "xlsx" and not o.append)) then
    fail((o.append and "--append" or "--table") .. " needs the sqlite or postgres format" ..
      (o.append and "" or " (or xlsx, where it names the sheet)") .. ", not " .. format)
  end
  if o.out then                                                     -- before the first request
    local ok, err = pcall(report.check_out, o.out, "--out")
    if not ok then fail((tostring(err):gsub("^[^:\n]+:%d+: ", ""))) end
  end
  local explicit_limit = opts.limit
  if not o.all and not opts.limit then opts.limit = params.pageSize or 50 end

  local results <close> = att.search(params, opts)
  local rows = require "att.rows"
  local json = format == "jsonl" or format == "json"
  local ropts = { where = #o.where > 0 and o.where or nil }
  local columns = o.columns
  if json and not columns then
    ropts.whole = true
  else
    columns = columns or DEFAULT_COLUMNS[level]
    -- the typed writers keep nested values as tables (JSON text, jsonb) themselves
    local typed = format == "sqlite" or format == "xlsx" or format == "postgres"
    ropts.columns, ropts.raw = columns, (json or typed) or nil
  end
  local wpaths = {}
  for i, w in ipairs(o.where) do wpaths[i] = w[1] end
  -- Only what the columns and --where read is built of each record (att.plan).
  local plan = require "att.plan"
  if ropts.whole then
    plan.tell(results, nil, "--format " .. format .. " without --columns writes whole records")
  else
    plan.tell(results, rows.needs(level, columns, wpaths))
  end

  -- The first page, read ahead so that --columns and --where can be checked against it.
  local first, n = {}, math.min(opts.limit or math.huge, math.tointeger(params.pageSize) or 50)
  while #first < n do
    local ind = results()
    if ind == nil then break end
    first[#first + 1] = ind
  end
  if o.columns then check_paths(rows, level, first, o.columns, "--columns", params, opts) end
  if #wpaths > 0 then check_paths(rows, level, first, wpaths, "--where", params, opts) end
  local i = 0
  local function individuals()
    i = i + 1
    if first[i] ~= nil then return first[i] end
    first = {}
    return results()
  end

  local iter = rows(individuals, level, ropts)
  if json and columns then iter, columns = nest(iter, columns) end
  local wopts = { columns = columns, out = o.out }
  if format == "table" or format == "html" then
    if o.max_rows then wopts.limit = o.max_rows == 0 and math.huge or o.max_rows end
  elseif format == "sqlite" or format == "postgres" then
    wopts.table = o.table or (level .. "s")
    wopts.mode = o.append and "append" or "replace"
    wopts.request = params
  elseif format == "xlsx" then
    wopts.sheet = o.table or (level .. "s")
  end
  local shown, read = report.write(format, iter, wopts)

  local st = results:stats()
  if read and shown < read then
    io.stderr:write(string.format("att: the %s shows %d of %d rows; --max-rows 0 shows every row\n",
      format, shown, read))
  end
  if st.total and st.yielded < st.total then
    if not o.all then
      io.stderr:write(string.format("att: %d of %d individuals (the first page); use --all for every page\n",
        st.yielded, st.total))
    elseif explicit_limit then
      io.stderr:write(string.format("att: %d of %d individuals (--limit %d)\n", st.yielded, st.total, explicit_limit))
    end
  end
  return 0
end

return M
