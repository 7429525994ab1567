-- cross-service.lua — a multi-step lookup: which customers hold more than one service type?
--
-- Step 1 asks the API how many individuals each candidate service type has (totalCount of a
-- one-individual page), all at once with att.parallel. Step 2 scans every service type that has
-- any, with att.search (att's window keeps several pages in flight; opts.fields builds only the
-- names and the accounts' service types and ids). Step 3 joins the scans on the
-- individual id and reports the people found under two or more service types, with the service
-- types and their account ids.
--
--   att scripts/cross-service.lua
--   att scripts/cross-service.lua --types FIBER,WIRELESS --format csv
local args = require("att.args").parse {
  description = "Customers found under two or more service types (a multi-step lookup).",
  { "types", "string", "FIBER,WIRELESS,DSL,DTV,VOIP", "comma-separated service types to look at" },
  { "format", "string", nil, "output format: csv, html, sqlite, xlsx, ... (default: from --out, else table)" },
  { "out", "string", nil, "write to this file (or postgresql:// URL) instead of standard output" },
}
local report = require "att.report"
local format = args.format or report.format_of(args.out) or "table"

-- Step 1: how many individuals per service type (one tiny request each, all concurrently).
local types, probes, present = {}, {}, {}
for st in args.types:upper():gmatch("[^,%s]+") do
  types[#types + 1] = st
  probes[#probes + 1] = { serviceType = st, pageSize = 1, pageOffset = 1 }
end
local pages, errors = att.parallel(probes)
for i, st in ipairs(types) do
  if errors[i] then error(errors[i]) end
  io.stderr:write(("%-10s %6d individuals\n"):format(st, pages[i].totalCount))
  if pages[i].totalCount > 0 then present[#present + 1] = st end
end

-- Step 2: scan each service type that has customers; remember who holds which.
local people, order = {}, {}
for _, st in ipairs(present) do
  local fields = { "givenName", "familyName", "accounts.serviceType", "accounts.id" }
  for person in att.search({ serviceType = st, pageSize = 100 }, { fields = fields }) do
    local p = people[person.id]
    if not p then
      p = { id = person.id, name = ("%s %s"):format(person.givenName or "", person.familyName or ""),
            types = {}, ntypes = 0, accounts = {} }
      people[person.id] = p
      order[#order + 1] = p
    end
    if not p.types[st] then
      p.types[st] = true
      p.ntypes = p.ntypes + 1
    end
    for _, a in ipairs(person.accounts or {}) do
      if tostring(a.serviceType):upper() == st then p.accounts[#p.accounts + 1] = st .. ":" .. a.id end
    end
  end
end

-- Step 3: people found under two or more service types.
local rows = {}
for _, p in ipairs(order) do
  if p.ntypes >= 2 then
    local types = {}
    for _, st in ipairs(present) do if p.types[st] then types[#types + 1] = st end end
    rows[#rows + 1] = { individualId = p.id, name = p.name, serviceTypes = table.concat(types, " "),
                        accounts = table.concat(p.accounts, " ") }
  end
end
report.write(format, rows, { columns = { "individualId", "name", "serviceTypes", "accounts" }, out = args.out })
io.stderr:write(("%d of %d individuals hold two or more service types\n"):format(#rows, #order))
