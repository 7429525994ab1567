-- tests/bench/writer.lua — the speed of one att.report writer itself, apart from any scan: N rows of
-- 10 columns of mixed types (integers, a 64-bit id, floats, short and longer text, booleans, a
-- nested table as JSON, nulls, a dotted header) built in memory first, then written to a new file
-- RUNS times (a fresh file each time), timed by the wall clock (for sqlite the commit's fsync, for
-- xlsx the zip and att's check of it, included). Prints one line per run, "rows_per_s R", and last
-- "median R" (rows per second, the median of the runs). The file is checked once: sqlite read back
-- (count and sum of the ids); xlsx by the harness (the rows of its sheet), from the path printed as
-- "file PATH".
--
--   att tests/bench/writer.lua FORMAT [N [RUNS [DIR]]]   (sqlite or xlsx; 200000 rows, 5 runs, build/bench)
local report = require "att.report"
local FORMAT = arg[1]
local N = tonumber(arg[2]) or 200000
local RUNS = tonumber(arg[3]) or 5
local DIR = arg[4] or "build/bench"
assert(FORMAT == "sqlite" or FORMAT == "xlsx", "writer.lua: FORMAT must be sqlite or xlsx")

local markets = { "DAL", "HOU", "NYC", "SFO", "CHI", "ATL" }
local rows = {}
for i = 1, N do
  rows[i] = {
    id = i,
    accountId = 1000000000000 + i * 7,
    billingMarket = markets[i % #markets + 1],
    serviceType = i % 3 == 0 and "FIBER" or "DSL",
    accountLocked = i % 5 == 0,
    balance = i * 0.25,
    name = "Customer number " .. i .. " of the benchmark",
    ["status.state"] = i % 7 == 0 and att.null or "ACTIVE",
    tags = i % 10 == 0 and { "vip", i } or att.null,
    score = (i * 37) % 1000,
  }
end
local COLS = { "id", "accountId", "billingMarket", "serviceType", "accountLocked", "balance", "name",
               "status.state", "tags", "score" }

-- Wall-clock seconds (date(1): the Lua host has no wall clock finer than os.time()).
local function now()
  local p = assert(io.popen("date +%s%N"))
  local ns = assert(tonumber(p:read("l")))
  p:close()
  return ns / 1e9
end

local path = DIR .. "/writer." .. (FORMAT == "sqlite" and "db" or "xlsx")
local rates = {}
for r = 1, RUNS do
  os.remove(path)
  local t0 = now()
  local n
  if FORMAT == "sqlite" then
    n = report.sqlite(rows, { out = path, table = "bench", request = false })
  else
    n = report.xlsx(rows, { out = path, sheet = "Bench", columns = COLS })
  end
  local dt = now() - t0
  assert(n == N, "wrote " .. tostring(n))
  rates[r] = N / dt
  print(string.format("rows_per_s %.0f", rates[r]))
end
table.sort(rates)

if FORMAT == "sqlite" then
  local db <close> = att.sqlite.open(path, { readonly = true })
  for row in db:rows("SELECT count(*) AS n, sum(id) AS s FROM bench") do
    assert(row.n == N and row.s == N * (N + 1) // 2, "the database does not hold the rows")
  end
end
print("file " .. path)
print(string.format("median %.0f", rates[(RUNS + 1) // 2]))
