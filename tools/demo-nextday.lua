-- tools/demo-nextday.lua — `make demo`'s "next day": reads a data set att-sandbox dumped (--dump)
-- and writes the same data one day later, changed the way a day changes a partner's customers, for
-- att-sandbox --data to serve: every 25th account is locked or unlocked, every 60th moves to
-- another billing market, every 150th individual is gone, and three new customers appear (copies of
-- existing ones with new ids). The changes are deterministic, so the demo's report is the same on
-- every machine.
--
--   att tools/demo-nextday.lua DAY1.json DAY2.json
local src, dst = arg[1], arg[2]
if not (src and dst) then
  io.stderr:write("usage: att tools/demo-nextday.lua DAY1.json DAY2.json\n")
  os.exit(2)
end
local f = assert(io.open(src, "rb"))
local people = att.json.decode(f:read("a"))
f:close()

local MARKETS = { "ATL", "CHI", "DAL", "HOU", "LAX", "MIA", "NYC", "SEA" } -- the sandbox's markets
local out, account_no = {}, 0
for i, person in ipairs(people) do
  if i % 150 ~= 0 then
    for _, account in ipairs(person.accounts or {}) do
      account_no = account_no + 1
      if account_no % 25 == 0 then account.accountLocked = account.accountLocked == "Y" and "N" or "Y" end
      if account_no % 60 == 0 then
        local m = MARKETS[account_no // 60 % #MARKETS + 1]
        account.billingMarket = m == account.billingMarket and MARKETS[1] or m
      end
    end
    out[#out + 1] = person
  end
end
for k = 1, 3 do
  local copy = att.json.decode(att.json.encode(people[k]))
  copy.id = ("00000000-0000-4000-8000-%012d"):format(k)
  for j, account in ipairs(copy.accounts or {}) do account.id = ("9%08d"):format(k * 10 + j) end
  out[#out + 1] = copy
end
local w = assert(io.open(dst, "wb"))
assert(w:write(att.json.encode(out)))
assert(w:close())
