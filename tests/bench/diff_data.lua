-- tests/bench/diff_data.lua — the two inputs of the `att diff` benchmark: DIR/old.csv and
-- DIR/new.csv, N account rows each (7 columns, about 100 bytes a row), sorted by the key accountId,
-- and DIR/old_shuffled.csv and DIR/new_shuffled.csv, the same rows in a fixed random order. From old
-- to new: every 100th row changed (billingMarket, or accountLocked), every 200th removed, and as many
-- added between the others. Prints the counts `att diff` must report: "expect A added, R removed,
-- C changed".
--
--   att tests/bench/diff_data.lua N DIR
local N = assert(tonumber(arg[1]), "diff_data.lua: N")
local DIR = assert(arg[2], "diff_data.lua: DIR")
local fmt = string.format
local markets = { "DAL", "HOU", "NYC", "SFO", "CHI", "ATL", "LAX", "SEA" }
local HEADER = "accountId,billingMarket,serviceType,accountLocked,openDate,subscribersCount,name\r\n"

local function line(key, i, changed)
  local market = markets[i % #markets + 1]
  local locked = i % 9 == 0 and "Y" or "N"
  if changed then
    if i % 2 == 0 then market = markets[(i + 3) % #markets + 1] else locked = locked == "Y" and "N" or "Y" end
  end
  return fmt("%d,%s,%s,%s,20%02d-%02d-%02dT00:00:00Z,%d,Customer %d of the diff benchmark\r\n", key,
    market, i % 3 == 0 and "FIBER" or "WIRELESS", locked, 10 + i % 15, 1 + i % 12, 1 + i % 28, 1 + i % 4, i)
end

local old, new = {}, {}
local added, removed, changed = 0, 0, 0
for i = 1, N do
  old[#old + 1] = line(10 * i, i, false)
  if i % 200 == 7 then
    removed = removed + 1
  else
    new[#new + 1] = line(10 * i, i, i % 100 == 3)
    if i % 100 == 3 then changed = changed + 1 end
  end
  if i % 200 == 11 then
    new[#new + 1] = line(10 * i + 5, i + N, false)
    added = added + 1
  end
end

local function save(name, lines)
  local f = assert(io.open(DIR .. "/" .. name, "wb"))
  f:write(HEADER, table.concat(lines))
  assert(f:close())
end
local function shuffled(lines)
  local t = table.move(lines, 1, #lines, 1, {})
  for i = #t, 2, -1 do
    local j = math.random(i)
    t[i], t[j] = t[j], t[i]
  end
  return t
end
save("old.csv", old)
save("new.csv", new)
math.randomseed(1)
save("old_shuffled.csv", shuffled(old))
save("new_shuffled.csv", shuffled(new))
print(fmt("expect %d added, %d removed, %d changed", added, removed, changed))
