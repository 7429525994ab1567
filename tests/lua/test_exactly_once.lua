-- A scan's guarantee, the same at every window: never a duplicate; every individual that exists for
-- the whole scan yielded exactly once while the server keeps its order and its totalCount follows its
-- inserts and removals; otherwise a "drift" error that says how many may be missing. Each case asserts
-- the ids yielded against what the server held for the whole scan: the ids it had at the start and
-- still has at the end (att-sandbox: removed ids never come back, inserted ids are new), read
-- through its inspection endpoint (POST {base}/_sandbox/ids, not a search request).
local T = dofile("tests/lua/lib.lua")
local WINDOWS = { 1, 8, 64 }

local function ids_of(sb, st)
  return T.using({ base_url = sb.url }, function()
    local v = att.request("POST", "/_sandbox/ids", st and { serviceType = st } or {})
    return v.ids
  end)
end

local function set(list)
  local s = {}
  for _, id in ipairs(list) do s[id] = true end
  return s
end

-- Runs a full scan; returns the ids in order (or nil and the error) and the scan's stats.
local function scan(sb, window, params, opts)
  return T.using({ base_url = sb.url }, function()
    local o = { window = window }
    for k, v in pairs(opts or {}) do o[k] = v end
    local r = att.search(params or { pageSize = 10 }, o)
    local got = {}
    local ok, e = pcall(function() for p in r:each() do got[#got + 1] = p.id end end)
    if not ok then return nil, e, r:stats() end
    return got, nil, r:stats()
  end)
end

-- The guarantee: no duplicate; every id held from start to end yielded; nothing from nowhere.
local function check_exactly_once(got, start, finish, label)
  local seen, dups = {}, 0
  for _, id in ipairs(got) do
    if seen[id] then dups = dups + 1 end
    seen[id] = true
  end
  T.eq(dups, 0, label .. ": duplicates")
  local fin, missing = set(finish), 0
  for _, id in ipairs(start) do
    if fin[id] and not seen[id] then missing = missing + 1 end
  end
  T.eq(missing, 0, label .. ": individuals that existed throughout, missing")
end

-- 1. Inserts and removals during a windowed scan, at chosen positions and times.
local CHANGES = {
  { "insert=5,at=front,after=3,count=1", "5 inserted at the front after 3 requests" },
  { "insert=5,at=rand,after=2,every=3,count=4", "inserts at random positions, 4 times" },
  { "insert=10,at=end,after=1", "10 inserted at the end of the data on every request" },
  { "remove=5,at=front,after=3,count=1", "5 removed at the front" },
  { "remove=3,at=rand,after=2,every=2,count=5", "removals at random positions, 5 times" },
  { "remove=7,at=end-20,after=4,count=2", "removals near the end" },
  { "insert=12,at=40,after=2,count=1", "an insert just behind the scan's position" },
  { "remove=12,at=30,after=5,count=1", "a removal behind the scan's position" },
}
for _, w in ipairs(WINDOWS) do
  for _, c in ipairs(CHANGES) do
    T.test(("window %d: %s: every original individual exactly once"):format(w, c[2]), function()
      local sb = T.sandbox { "--individuals", "300", "--fault", c[1] }
      local start = ids_of(sb)
      local got, err, st = scan(sb, w)
      T.ok(got, "scan finished: " .. tostring(err))
      check_exactly_once(got, start, ids_of(sb), c[2])
      -- a page cancelled after its request was sent counts, though the server may not log it
      T.ok(st.requests >= sb.requests() and st.requests <= sb.requests() + 2 * w, ("r:stats().requests %d, "
        .. "requests the server saw %d"):format(st.requests, sb.requests()))
    end)
  end
  T.test(("window %d: totalCount growing by 10 on every request (inserts at the end)"):format(w), function()
    local sb = T.sandbox { "--individuals", "500", "--fault", "insert=10,at=end,after=1,count=1000" }
    local start = ids_of(sb)
    local got, err = scan(sb, w, { pageSize = 50 })
    T.ok(got, "scan finished: " .. tostring(err))
    check_exactly_once(got, start, ids_of(sb), "growing")
    T.ok(#got >= 500, "at least the original 500: " .. #got)
  end)
  T.test(("window %d: the same with a serviceType filter and pageSize 7"):format(w), function()
    local sb = T.sandbox { "--individuals", "400", "--fault", "remove=3,at=rand,after=1,every=2,count=6",
      "--fault", "remove=2,at=front,after=4,every=5,count=2" }
    local start = ids_of(sb, "FIBER")
    local got, err = scan(sb, w, { serviceType = "FIBER", pageSize = 7 })
    T.ok(got, "scan finished: " .. tostring(err))
    check_exactly_once(got, start, ids_of(sb, "FIBER"), "FIBER")
  end)
  T.test(("window %d: record paging with an overlap sees count-neutral changes"):format(w), function()
    local sb = T.sandbox { "--individuals", "200", "--paging", "record",
      "--fault", "insert=3,at=rand,after=2,every=3,count=3", "--fault", "remove=3,at=rand,after=2,every=3,count=3" }
    local start = ids_of(sb)
    local got, err, st = scan(sb, w, { pageSize = 10 }, { paging = "record", overlap = 2 })
    T.ok(got, "scan finished: " .. tostring(err))
    check_exactly_once(got, start, ids_of(sb), "record paging")
    T.ok(st.changes + st.rereads >= 1, "changes seen: " .. st.changes)
  end)
  -- totalCount that grows without the data changing: the server does not follow its own count.
  T.test(("window %d: a totalCount that lies (grows, data unchanged) is never duplicates"):format(w), function()
    local sb = T.sandbox { "--individuals", "120", "--fault", "total-drift=10,after=1" }
    local got, err = scan(sb, w)
    if got then
      check_exactly_once(got, ids_of(sb), ids_of(sb), "lying totalCount")
    else
      T.eq(err.kind, "drift", "or a drift error: " .. tostring(err))
    end
  end)
  -- Removals on every request at the front: no page can be placed after what was read; loud.
  T.test(("window %d: a server that removes before the scan on every request fails with drift"):format(w),
    function()
      local sb = T.sandbox { "--individuals", "1000", "--fault", "remove=2,at=front,after=1,count=1000" }
      local got, err = scan(sb, w)
      T.eq(got, nil, "not finished quietly")
      T.eq(err.kind, "drift", "kind: " .. tostring(err))
      T.ok(math.type(err.missing) == "integer" and err.missing > 0, "err.missing " .. tostring(err.missing))
      T.match(tostring(err), "may be missing")
      local got2, err2, st = scan(T.sandbox { "--individuals", "1000", "--fault", "remove=2,at=front,after=1,count=1000" }, w,
        nil, { drift = "warn" })
      T.ok(got2, "opts.drift = 'warn' finishes: " .. tostring(err2))
      T.ok(st.missed > 0, "r:stats().missed " .. st.missed)
      local seen = {}
      for _, id in ipairs(got2) do
        T.ok(not seen[id], "no duplicate even then")
        seen[id] = true
      end
    end)
end

-- Nothing changes: the fewest requests, no re-reads.
for _, w in ipairs(WINDOWS) do
  T.test(("window %d: nothing changes: ceil(total/pageSize) requests, no re-read"):format(w), function()
    local sb = T.sandbox { "--individuals", "95" }
    local got, err, st = scan(sb, w)
    T.ok(got, tostring(err))
    T.eq(#got, 95, "all")
    T.eq(sb.requests(), 10, "requests")
    T.eq(st.requests, 10, "r:stats().requests")
    T.eq(st.rereads, 0, "rereads")
    T.eq(st.changes, 0, "changes")
  end)
end

-- The property: random insert/remove schedules, many seeds, every window. With page numbers a scan
-- sees the net change of totalCount, so a removal hidden by more inserts between two pages cannot be
-- seen (docs/API.md): page-number schedules insert only or remove only; schedules that mix both are
-- read with paging = "record" and an overlap, which sees every change.
T.test("property: random insert/remove schedules, windows 1, 8, 64, page and record paging", function()
  local seeds = tonumber(os.getenv("ATT_PROPERTY_SEEDS") or "12")
  local ok_runs, drift_runs = 0, 0
  for seed = 1, seeds do
    math.randomseed(seed)
    local record = seed % 2 == 0
    local only = math.random() < 0.5 and "insert" or "remove"
    local args = { "--individuals", tostring(math.random(50, 400)), "--fault-seed", tostring(seed) }
    if record then table.insert(args, "--paging") table.insert(args, "record") end
    for _ = 1, math.random(1, 3) do
      local kind = record and (math.random() < 0.5 and "insert" or "remove") or only
      local at = ({ "front", "end", "rand", "rand", "end-" .. math.random(0, 30), tostring(math.random(0, 200)) })[
        math.random(1, 6)]
      args[#args + 1] = "--fault"
      args[#args + 1] = ("%s=%d,at=%s,after=%d,every=%d,count=%d"):format(kind, math.random(1, 8), at,
        math.random(0, 6), math.random(1, 4), math.random(1, 5))
    end
    local w = WINDOWS[seed % 3 + 1]
    local size = math.random(4, 25)
    local opts = record and { paging = "record", overlap = math.random(1, 3) } or nil
    local sb = T.sandbox(args)
    local start = ids_of(sb)
    local got, err = scan(sb, w, { pageSize = size }, opts)
    local label = ("seed %d window %d pageSize %d %s %s"):format(seed, w, size, record and "record" or "page",
      table.concat(args, " "))
    if got then
      ok_runs = ok_runs + 1
      check_exactly_once(got, start, ids_of(sb), label)
    else
      drift_runs = drift_runs + 1
      T.eq(err.kind, "drift", label .. ": only a drift error may end it: " .. tostring(err))
      T.ok(err.missing and err.missing > 0, label .. ": says how many may be missing")
    end
    sb:stop()
  end
  T.ok(ok_runs >= seeds * 3 // 4, ("most schedules recover: %d of %d (%d drift errors)"):format(ok_runs, seeds,
    drift_runs))
end)

T.done()
