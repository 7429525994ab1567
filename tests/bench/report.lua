-- tests/bench/report.lua — the benchmark report, as a user would write it with att.
--
-- Every account of every individual (no serviceType filter), pageSize 100, one CSV row per
-- account: individualId, accountId, billingMarket, serviceType, accountLocked. The CSV dialect is
-- the one the curl+jq variant gets from jq's @csv (every string quoted, quotes doubled, LF line
-- ends), so that the four implementations can be compared byte for byte.
--
-- With the argument "fields" the search builds only the fields the report reads (opts.fields);
-- the output is the same. At the end one line goes to standard error, "att-stats window=W
-- window_max=M requests=R retries=T" (r:stats(); window_max when att reports it), which the harness
-- reads for the latency targets.
--
--   ATT_BASE_URL=http://127.0.0.1:PORT/omni-svcs att [--window N] tests/bench/report.lua [fields] > out.csv

local find, gsub = string.find, string.gsub
local write = io.write

local function q(v)
  if v == nil or v == att.null then return "" end
  if type(v) ~= "string" then return tostring(v) end
  if find(v, '"', 1, true) then v = gsub(v, '"', '""') end
  return '"' .. v .. '"'
end

io.stdout:setvbuf("full", 1 << 16)
write('"individualId","accountId","billingMarket","serviceType","accountLocked"\n')
local opts = nil
if arg[1] == "fields" then
  opts = { fields = { "accounts.id", "accounts.billingMarket", "accounts.serviceType", "accounts.accountLocked" } }
end
local r = att.search({ pageSize = 100 }, opts)
for account, person in r:accounts() do
  write(q(person.id), ",", q(account.id), ",", q(account.billingMarket), ",",
        q(account.serviceType), ",", q(account.accountLocked), "\n")
end
io.stdout:flush()
local st = r:stats()
io.stderr:write(string.format("att-stats window=%s window_max=%s requests=%s retries=%s\n",
  tostring(st.window), tostring(st.window_max), tostring(st.requests), tostring(st.retries)))
