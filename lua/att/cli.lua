-- att.cli — the subcommands of the att command line that are written in Lua:
--   att search KEY=VALUE... [--level L] [--columns A,B] [--format F] [--out FILE] [--all] [--limit N]
--                           [--paging page|record]
-- A one-off search without a script: parameters become the request body, results are flattened at
-- the chosen level (att.rows) and written by att.report. Without --all only the first page is read.
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

  --level L        individual (default), account, subscriber or product
  --columns A,B    columns to show (dotted paths allowed); default: a few useful ones per level
  --format F       table (default), csv, tsv, jsonl, json, markdown or html
  --out FILE       write to FILE instead of standard output
  --all            page through every result (default: the first page only)
  --limit N        stop after N individuals
  --paging MODE    page (default) or record: what pageOffset counts
]]

local function fail(msg)
  io.stderr:write("att search: ", msg, "\n")
  os.exit(2)
end

local function value_of(s)
  if s:match("^%-?%d+$") then return math.tointeger(tonumber(s)) or s end
  if s == "true" then return true end
  if s == "false" then return false end
  return s
end

function M.search(argv)
  local params, opts = {}, {}
  local level, columns, format, out, all = "individual", nil, "table", nil, false
  local i = 1
  local function need(name)
    i = i + 1
    local v = argv[i]
    if v == nil then fail(name .. " needs a value") end
    return v
  end
  while argv[i] ~= nil do
    local a = argv[i]
    local flag, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    flag = flag or a
    local function val(name) if inline ~= nil then return inline end return need(name) end
    if flag == "--help" or flag == "-h" then io.stdout:write(USAGE) os.exit(0)
    elseif flag == "--level" then level = val(flag)
    elseif flag == "--columns" then
      columns = {}
      for c in val(flag):gmatch("[^,]+") do columns[#columns + 1] = c end
    elseif flag == "--format" then format = val(flag)
    elseif flag == "--out" then out = val(flag)
    elseif flag == "--all" then all = true
    elseif flag == "--limit" then
      local v = val(flag)
      opts.limit = math.tointeger(tonumber(v))
      if not opts.limit or opts.limit < 0 then fail("--limit expects an integer >= 0, got " .. v) end
    elseif flag == "--paging" then opts.paging = val(flag)
    elseif a:sub(1, 2) == "--" then fail("unknown option " .. a .. " (try att search --help)")
    else
      local k, v = a:match("^([%w_.]+)=(.*)$")
      if not k then fail("expected KEY=VALUE or an option, got " .. string.format("%q", a)) end
      params[k] = value_of(v)
    end
    i = i + 1
  end
  if not DEFAULT_COLUMNS[level] then
    fail("--level must be individual, account, subscriber or product, got " .. level)
  end
  local report = require "att.report"
  local known = false
  for _, f in ipairs(report.formats) do if f == format then known = true end end
  if not known then fail("--format must be one of " .. table.concat(report.formats, ", ") .. ", got " .. format) end
  if not all and not opts.limit then opts.limit = params.pageSize or 50 end

  local results <close> = att.search(params, opts)
  columns = columns or DEFAULT_COLUMNS[level]
  local rows = require("att.rows")(results, level, columns)
  report.write(format, rows, { columns = columns, out = out })
  return 0
end

return M
