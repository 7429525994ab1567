-- Windowed paging and parallel requests return exactly what sequential mode returns, in order and
-- once, also under injected faults; they request no more pages than the scan needs.
local T = dofile("tests/lua/lib.lua")
local N = 137

local function ids(opts, params)
  local r = att.search(params or { serviceType = "FIBER", pageSize = 7 }, opts)
  local t = {}
  for p in r do t[#t + 1] = p.id end
  return t, r:stats()
end

local sb = T.sandbox { "--individuals", tostring(N), "--seed", "9" }
att.configure { base_url = sb.url }
local seq, seq_stats = ids { window = 1 }

T.test("window 1 is sequential: one request per page", function()
  T.eq(seq_stats.requests, (#seq + 6) // 7, "requests")
  T.eq(seq_stats.window, 1, "window")
end)

for _, w in ipairs { 2, 4, 8, 64 } do
  T.test("window " .. w .. ": the same individuals in the same order, each once", function()
    local before = sb.requests()
    local got, st = ids { window = w }
    T.same(got, seq, "ids")
    T.eq(st.requests, seq_stats.requests, "requests counted by the scan")
    T.eq(sb.requests() - before, seq_stats.requests, "requests seen by the server: no page asked twice or past the end")
  end)
end

T.test("window with opts.limit asks only for the pages the limit needs", function()
  local before = sb.requests()
  local got = ids { window = 8, limit = 10 }
  T.eq(#got, 10, "yielded")
  T.same(got, { table.unpack(seq, 1, 10) }, "ids")
  T.eq(sb.requests() - before, 2, "requests")
end)

T.test("window with record paging", function()
  local s = T.sandbox { "--individuals", tostring(N), "--seed", "9", "--paging", "record" }
  local got = T.using({ base_url = s.url }, ids, { window = 4, paging = "record" })
  T.same(got, seq, "ids")
end)

T.test("breaking out of a windowed scan cancels the pages in flight", function()
  local r = att.search({ serviceType = "FIBER", pageSize = 7 }, { window = 8 })
  local n = 0
  for _ in r do n = n + 1 if n == 8 then break end end
  r:close()
  T.match(tostring(r), "closed")
  -- the client is still usable afterwards
  T.eq(att.search({ serviceType = "FIBER" }):total(), #seq, "total")
end)

T.test("opts.window is checked", function()
  T.match(T.raises(att.search, {}, { window = 0 }), "opts.window must be an integer from 1 to 64")
  T.match(T.raises(att.search, {}, { window = 65 }), "opts.window must be an integer from 1 to 64")
  T.match(T.raises(att.search, {}, { window = "4" }), "opts.window must be an integer")
end)

-- Faults: the windowed scan ends with exactly the sequential result.
local faults = {
  { "--fault", "status=503,after=1,every=3,count=4" },
  { "--fault", "status=429,retry-after=0,after=2,every=2,count=3" },
  { "--fault", "truncate,after=1,every=4,count=2" },
  { "--fault", "reset,after=3,count=1" },
  { "--fault", "status=500,after=1,count=2", "--fault", "truncate,after=5,count=1", "--fault", "status=429,after=7,count=1" },
}
for i, f in ipairs(faults) do
  T.test("window 4 under faults (" .. table.concat(f, " ", 2) .. "): identical to sequential", function()
    local args = { "--individuals", tostring(N), "--seed", "9" }
    for _, a in ipairs(f) do args[#args + 1] = a end
    local s = T.sandbox(args)
    local got, st = T.using({ base_url = s.url, retries = 8, max_wait = 20 }, ids, { window = 4 })
    T.same(got, seq, "ids")
    -- (libcurl itself repeats a request whose reused connection was reset, so a reset may not
    -- show up as one of our retries)
    if not f[2]:find("^reset") then T.ok(st.retries > 0, "faults were retried (" .. st.retries .. ")") end
  end)
end

T.test("a window that hits a permanent error fails cleanly after the pages before it", function()
  local s = T.sandbox { "--individuals", tostring(N), "--seed", "9", "--fault", "status=400,after=3" }
  local seen = 0
  local ok, e = T.using({ base_url = s.url }, pcall, function()
    for _ in att.search({ serviceType = "FIBER", pageSize = 7 }, { window = 4 }) do seen = seen + 1 end
  end)
  T.ok(not ok and att.is_error(e) and e.status == 400, "HTTP 400 error object")
  -- The 4th request to arrive fails. Page 1 goes alone, then pages 2, 3 and 4 together, so the
  -- failing one is page 2, 3 or 4 (whichever of them arrives last): the pages before it are
  -- yielded, in order, and nothing after it.
  T.ok(seen % 7 == 0 and seen >= 7 and seen <= 21, "whole pages before the failure (" .. seen .. ")")
end)

T.test("records inserted mid-scan: a windowed scan yields no duplicates", function()
  local s = T.sandbox { "--individuals", tostring(N), "--seed", "9", "--fault", "grow=2,after=2,count=1" }
  local got = T.using({ base_url = s.url }, ids, { window = 4 })
  local seen, dup = {}, 0
  for _, id in ipairs(got) do
    if seen[id] then dup = dup + 1 end
    seen[id] = true
  end
  T.eq(dup, 0, "duplicates")
end)

T.test("att.parallel: results in input order, errors per item, others kept", function()
  local items = {}
  for i = 1, 12 do items[i] = { serviceType = "FIBER", pageSize = 1, pageOffset = i } end
  items[4] = { "POST", "/v1/nope", {} }
  items[9] = { method = "POST", path = "/v1/customers/search", body = { pageSize = 0 } }
  local before = sb.requests()
  local res, err = att.parallel(items, { concurrency = 5 })
  T.eq(sb.requests() - before, 12, "requests")
  for i = 1, 12 do
    if i == 4 then
      T.ok(res[i] == nil and err[i].status == 404, "item 4: 404")
    elseif i == 9 then
      T.ok(res[i] == nil and err[i].status == 400, "item 9: 400")
    else
      T.ok(err[i] == nil, "item " .. i .. " ok")
      T.eq(res[i].individuals[1].id, seq[i], "item " .. i)
    end
  end
end)

T.test("att.parallel: concurrency is bounded and checked", function()
  local res = att.parallel({}, { concurrency = 1 })
  T.eq(#res, 0, "empty list")
  T.match(T.raises(att.parallel, { {} }, { concurrency = 0 }), "concurrency must be an integer from 1 to 64")
  T.match(T.raises(att.parallel, { 5 }), "item 1 is not a table")
  T.match(T.raises(att.parallel, { { "post", "x" } }), "upper%-case method and a path")
end)

T.test("att.parallel overlaps latency", function()
  local s = T.sandbox { "--individuals", "40", "--latency", "200" }
  local items = {}
  for i = 1, 8 do items[i] = { pageSize = 1, pageOffset = i } end
  local t0 = os.time()
  local c0 = os.clock()
  local res = T.using({ base_url = s.url }, att.parallel, items, { concurrency = 8 })
  T.eq(#res, 8, "results")
  T.ok(os.time() - t0 <= 1, "8 requests of 200 ms overlapped (took " .. (os.time() - t0) .. " s)")
  T.ok(os.clock() - c0 < 1, "no busy waiting")
end)

T.done()
