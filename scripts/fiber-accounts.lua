-- fiber-accounts.lua — every account of one service type (default FIBER), optionally in one billing
-- market, one row per account, as CSV (or another format). The search returns whole individuals,
-- so accounts of other service types (or markets) held by the same people are left out here.
--
--   att scripts/fiber-accounts.lua > fiber.csv
--   att scripts/fiber-accounts.lua --market DAL > fiber-dal.csv
--   att scripts/fiber-accounts.lua --service WIRELESS --format table
local args = require("att.args").parse {
  description = "Accounts of one service type as CSV, one row per account.",
  { "service", "string", "FIBER", "service type to search for" },
  { "market", "string", nil, "only accounts of this billing market (e.g. DAL)" },
  { "format", "string", nil, "output format: csv, html, sqlite, xlsx, ... (default: from --out, else csv)" },
  { "out", "string", nil, "write to this file (or postgresql:// URL) instead of standard output" },
  { "page-size", "integer", 50, "individuals per request" },
}
local report = require "att.report"
local format = args.format or report.format_of(args.out) or "csv"
local service = args.service:upper()

local columns = {
  "individualId", "givenName", "familyName", "accountId", "accountType", "accountSubType",
  "billingMarket", "billingSubMarket", "accountLocked", "subscribersCount", "isDigitalAccount",
}

-- Only the fields read below are built from each page (opts.fields): a scan of large records is
-- several times faster that way. The individual's id is always kept.
local fields = {
  "givenName", "familyName", "accounts.id", "accounts.serviceType", "accounts.accountType",
  "accounts.accountSubType", "accounts.billingMarket", "accounts.billingSubMarket", "accounts.accountLocked",
  "accounts.subscribersCount", "accounts.isDigitalAccount",
}

local rows = coroutine.wrap(function()
  local results <close> = att.search({ serviceType = service, pageSize = args["page-size"] }, { fields = fields })
  for account, person in results:accounts() do
    if tostring(account.serviceType):upper() == service
        and (not args.market or tostring(account.billingMarket):upper() == args.market:upper()) then
      coroutine.yield {
        individualId = person.id,
        givenName = person.givenName,
        familyName = person.familyName,
        accountId = account.id,
        accountType = account.accountType,
        accountSubType = account.accountSubType,
        billingMarket = account.billingMarket,
        billingSubMarket = account.billingSubMarket,
        accountLocked = account.accountLocked,
        subscribersCount = account.subscribersCount,
        isDigitalAccount = account.isDigitalAccount,
      }
    end
  end
end)

report.write(format, rows, { columns = columns, out = args.out })
