-- fiber-history.lua — a daily history of FIBER accounts in SQLite, and what changed since the
-- previous run: accounts that appeared, accounts that went, and the fields that changed (an account
-- locked, a market moved, subscribers added), old → new.
--
--   att scripts/fiber-history.lua                          # history in fiber-history.db
--   att scripts/fiber-history.lua --db h.db --out changes.html
--   att scripts/fiber-history.lua --service WIRELESS --db wireless.db --format csv
--
-- Each run appends one snapshot to the table `accounts` (a column `snapshot` numbers the runs, 1,
-- 2, ...; `taken_at` says when, UTC) and att records the run in the table `att_runs`; the change
-- report compares the new snapshot with the one before, both read back from the database sorted by
-- accountId (so that the comparison streams in constant memory). Query the history with any SQLite
-- client:  sqlite3 fiber-history.db "SELECT snapshot, count(*) FROM accounts GROUP BY snapshot"
local args = require("att.args").parse {
  description = "Adds today's accounts of a service type to a SQLite history and reports what changed.",
  { "db", "output", "fiber-history.db", "the history database (created by the first run)" },
  { "service", "string", "FIBER", "service type to search for" },
  { "format", "string", nil, "change report format: table, csv, html, ... (default: from --out, else table)" },
  { "out", "output", nil, "write the change report to this file instead of standard output" },
  { "page-size", "integer", 50, "individuals per request" },
}
local report = require "att.report"
local service = args.service:upper()
local format = args.format or report.format_of(args.out) or "table"

local COLUMNS = {
  "snapshot", "taken_at", "accountId", "individualId", "givenName", "familyName", "accountType",
  "billingMarket", "accountLocked", "subscribersCount", "isDigitalAccount",
}

-- The number of the previous snapshot (0 when the history is new).
local db <close> = att.sqlite.open(args.db)
local previous = 0
for row in db:rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'accounts'") do
  if row.name then
    for r in db:rows("SELECT coalesce(max(snapshot), 0) AS n FROM accounts") do previous = r.n end
  end
end
local snapshot, taken_at = previous + 1, os.date("!%Y-%m-%dT%H:%M:%SZ")

-- Today's accounts of the service type, one row each (only the fields written are built).
local params = { serviceType = service, pageSize = args["page-size"] }
local rows = coroutine.wrap(function()
  local results <close> = att.search(params, { fields = {
    "givenName", "familyName", "accounts.id", "accounts.serviceType", "accounts.accountType",
    "accounts.billingMarket", "accounts.accountLocked", "accounts.subscribersCount",
    "accounts.isDigitalAccount",
  } })
  for account, person in results:accounts() do
    if tostring(account.serviceType):upper() == service then
      coroutine.yield {
        snapshot = snapshot, taken_at = taken_at, accountId = account.id, individualId = person.id,
        givenName = person.givenName, familyName = person.familyName, accountType = account.accountType,
        billingMarket = account.billingMarket, accountLocked = account.accountLocked,
        subscribersCount = account.subscribersCount, isDigitalAccount = account.isDigitalAccount,
      }
    end
  end
end)
local written = report.sqlite(rows, { out = args.db, table = "accounts", mode = "append", columns = COLUMNS,
                                      request = params })
io.stderr:write(("fiber-history: snapshot %d of %s: %d %s accounts\n"):format(snapshot, args.db, written, service))
if previous == 0 then
  io.stderr:write("fiber-history: the first snapshot; the next run reports what changed since this one\n")
  return
end

-- What changed between the previous snapshot and this one, both sorted by accountId.
local function snapshot_rows(n)
  local step, statement = db:rows("SELECT * FROM accounts WHERE snapshot = ? ORDER BY accountId", n)
  return function() return step(statement) end
end
local changes = att.diff(snapshot_rows(previous), snapshot_rows(snapshot),
  { key = "accountId", ignore = { "snapshot", "taken_at" }, sorted = true })
local title = ("%s accounts: snapshot %d against %d"):format(service, snapshot, previous)
changes:write(format, { out = args.out, title = title })
local s = changes:summary()
io.stderr:write(("fiber-history: since snapshot %d: %d added, %d removed, %d changed (%d fields), %d unchanged\n")
  :format(previous, s.added, s.removed, s.changed, s.fields, s.unchanged))
