-- markets.lua — individuals and accounts per billing market, over one service type (default FIBER)
-- or over everything the search returns (--service ALL).
--
--   att scripts/markets.lua
--   att scripts/markets.lua --service ALL --format csv
local args = require("att.args").parse {
  description = "Individuals, accounts, locked accounts and subscribers per billing market.",
  { "service", "string", "FIBER", "service type to search for, or ALL for no filter" },
  { "format", "string", nil, "output format: csv, html, sqlite, xlsx, ... (default: from --out, else table)" },
  { "out", "string", nil, "write to this file (or postgresql:// URL) instead of standard output" },
}
local report = require "att.report"
local format = args.format or report.format_of(args.out) or "table"
local service = args.service:upper()
local params = service == "ALL" and {} or { serviceType = service }

local by_market, order = {}, {}
local results <close> = att.search(params)
for account, person in results:accounts() do
  if service == "ALL" or tostring(account.serviceType):upper() == service then
    local name = account.billingMarket or "(none)"
    local m = by_market[name]
    if not m then
      m = { market = name, individuals = 0, accounts = 0, locked = 0, subscribers = 0, seen = {} }
      by_market[name] = m
      order[#order + 1] = m
    end
    if not m.seen[person.id] then
      m.seen[person.id] = true
      m.individuals = m.individuals + 1
    end
    m.accounts = m.accounts + 1
    if account.accountLocked == "Y" then m.locked = m.locked + 1 end
    m.subscribers = m.subscribers + #(account.subscribers or {})
  end
end

table.sort(order, function(a, b)
  if a.accounts ~= b.accounts then return a.accounts > b.accounts end
  return a.market < b.market
end)
report.write(format, order, {
  columns = { "market", "individuals", "accounts", "locked", "subscribers" },
  out = args.out,
})
io.stderr:write(("%d individuals scanned (totalCount %d), %d requests\n")
  :format(results:stats().yielded, results:total(), results:stats().requests))
