-- locked-accounts.lua — locked accounts (accountLocked "Y") with their subscribers: one row per
-- subscriber of each locked account, so that an operations analyst can follow up line by line.
--
--   att scripts/locked-accounts.lua
--   att scripts/locked-accounts.lua --service ALL --format csv --out locked.csv
local args = require("att.args").parse {
  description = "Locked accounts with their subscribers, one row per subscriber.",
  { "service", "string", "FIBER", "service type to search for, or ALL for no filter" },
  { "format", "string", nil, "output format: csv, html, sqlite, xlsx, ... (default: from --out, else table)" },
  { "out", "string", nil, "write to this file (or postgresql:// URL) instead of standard output" },
}
local report = require "att.report"
local format = args.format or report.format_of(args.out) or "table"
local service = args.service:upper()
local params = service == "ALL" and {} or { serviceType = service }

local rows = {}
local results <close> = att.search(params)
for sub, account, person in results:subscribers() do
  if account.accountLocked == "Y" and (service == "ALL" or tostring(account.serviceType):upper() == service) then
    rows[#rows + 1] = {
      accountId = account.id,
      name = ("%s %s"):format(person.givenName or "", person.familyName or ""),
      serviceType = account.serviceType,
      billingMarket = account.billingMarket,
      accountState = account.state and account.state.state,
      subscriberId = sub.id,
      phoneNumber = sub.phoneNumber,
      subscriberState = sub.status and sub.status.state,
    }
  end
end

report.write(format, rows, {
  columns = { "accountId", "name", "serviceType", "billingMarket", "accountState",
              "subscriberId", "phoneNumber", "subscriberState" },
  out = args.out,
})
