-- att.search against att-sandbox: paging, laziness, limits, paging modes, iterators, types.
local T = dofile("tests/lua/lib.lua")
local SANDBOX = os.getenv("SANDBOX") or "./att-sandbox"

local function dump(args)
  local out, err, rc = T.run(SANDBOX .. " --dump " .. args)
  assert(rc == 0, "att-sandbox --dump failed: " .. tostring(err))
  return att.json.decode(out)
end

local function has_service(ind, st)
  for _, a in ipairs(ind.accounts or {}) do
    if a.serviceType:upper() == st then return true end
  end
  return false
end

local N = 137
local data = dump("--individuals " .. N .. " --seed 7")
local fiber = {}
for _, ind in ipairs(data) do if has_service(ind, "FIBER") then fiber[#fiber + 1] = ind end end

local sb = T.sandbox { "--individuals", tostring(N), "--seed", "7" }
att.configure { base_url = sb.url }

local ids = T.ids

T.test("full scan yields every match once, in order, when totalCount is not a multiple of pageSize", function()
  T.ok(#fiber % 7 ~= 0, "fixture: FIBER count should not be a multiple of 7 (" .. #fiber .. ")")
  local before = sb.requests()
  local got = {}
  for person in att.search { serviceType = "FIBER", pageSize = 7 } do got[#got + 1] = person.id end
  T.same(got, ids(fiber), "ids")
  T.eq(sb.requests() - before, (#fiber + 6) // 7, "requests")
end)

T.test("one connection is reused for every request of a run (keep-alive)", function()
  att.configure { base_url = sb.url }   -- a fresh client
  local before = att.stats()
  for _ in att.search({ pageSize = 10 }, { window = 1 }) do end
  local s = att.stats()
  T.eq(s.requests - before.requests, (N + 9) // 10, "requests")
  T.eq(s.connections - before.connections, 1, "connections")
end)

T.test("the default window (8) opens at most 8 connections and reuses them", function()
  att.configure { base_url = sb.url }
  local b = att.stats()   -- att.stats() counts from the start of the run
  for _ in att.search { pageSize = 10 } do end
  local s = att.stats()
  T.eq(s.requests - b.requests, (N + 9) // 10, "requests")
  local c = s.connections - b.connections
  T.ok(c >= 1 and c <= 8, "connections " .. c)
  for _ in att.search { pageSize = 10 } do end     -- a second scan reuses the pool
  T.eq(att.stats().requests - b.requests, 2 * (s.requests - b.requests), "requests of two scans")
  T.ok(att.stats().connections - b.connections <= 8, "two scans, still at most 8 connections")
end)

T.test("no request before first use; one request for the first individual", function()
  local before = sb.requests()
  local r = att.search { serviceType = "FIBER", pageSize = 10 }
  T.eq(sb.requests() - before, 0, "requests after att.search")
  tostring(r)
  T.eq(sb.requests() - before, 0, "requests after tostring")
  local first = r()
  T.eq(first.id, fiber[1].id, "first id")
  T.eq(sb.requests() - before, 1, "requests after first use")
  T.eq(r:total(), #fiber, "total")
  T.eq(sb.requests() - before, 1, "total() reuses page 1")
end)

T.test("exactly total/pageSize requests when totalCount is a multiple of pageSize", function()
  local sb40 = T.sandbox { "--individuals", "40" }
  local n = 0
  T.using({ base_url = sb40.url }, function() for _ in att.search({ pageSize = 10 }) do n = n + 1 end end)
  T.eq(n, 40, "individuals")
  T.eq(sb40.requests(), 4, "requests (a full page that reaches totalCount ends the scan)")
  local r = att.search { pageSize = 1 }
  T.eq(#r:collect(3), 3, "collect(3)")
  T.eq(r:stats().requests, 3, "pageSize 1: one request per individual")
end)

T.test("total() fetches page 1 once and is an integer", function()
  local r = att.search { serviceType = "FIBER" }
  local total = r:total()
  T.eq(math.type(total), "integer", "math.type(total)")
  T.eq(tostring(total), tostring(#fiber), "tostring(total)")
  T.eq(r:stats().requests, 1, "requests")
end)

T.test("opts.limit stops after that many individuals and fetches no more pages than needed", function()
  local before = sb.requests()
  local got = {}
  for p in att.search({ serviceType = "FIBER", pageSize = 2 }, { limit = 5 }) do got[#got + 1] = p.id end
  T.eq(#got, 5, "yielded")
  T.same(got, { fiber[1].id, fiber[2].id, fiber[3].id, fiber[4].id, fiber[5].id }, "ids")
  T.eq(sb.requests() - before, 3, "requests")
  local r = att.search({ serviceType = "FIBER" }, { limit = 0 })
  T.eq(r(), nil, "limit 0")
  T.eq(sb.requests() - before, 3, "limit 0 sends nothing")
end)

T.test("pageOffset start: a scan can start from a later page", function()
  local got = att.search({ serviceType = "FIBER", pageSize = 10, pageOffset = 2 }):collect()
  T.eq(#got, #fiber - 10, "count")
  T.eq(got[1].id, fiber[11].id, "first")
end)

T.test("next, collect, stats and tostring", function()
  local r = att.search { serviceType = "FIBER", pageSize = 4 }
  T.match(tostring(r), "^att%.Results{serviceType=FIBER, pageSize=4, paging=page}: not started$")
  T.eq(r:next().id, fiber[1].id, "next")
  local rest = r:collect(5)
  T.eq(#rest, 5, "collect(5)")
  T.eq(rest[1].id, fiber[2].id, "collect continues")
  T.match(tostring(r), "6 of " .. #fiber .. " yielded, 2 requests")
  local all = r:collect()
  T.eq(#all, #fiber - 6, "collect() takes the rest")
  T.eq(r:next(), nil, "exhausted")
  T.eq(r(), nil, "exhausted (call)")
  local s = r:stats()
  T.eq(s.requests, (#fiber + 3) // 4, "stats.requests")
  T.eq(s.pages, s.requests, "stats.pages")
  T.ok(math.type(s.bytes) == "integer" and s.bytes > 1000, "stats.bytes")
  T.match(tostring(r), "finished")
end)

T.test("accounts, subscribers and products walk the tree with their parents", function()
  local na, ns, np = 0, 0, 0
  for _, ind in ipairs(fiber) do
    for _, a in ipairs(ind.accounts) do
      na = na + 1
      for _, s in ipairs(a.subscribers) do
        ns = ns + 1
        np = np + #s.products
      end
    end
  end
  local ca, cs, cp = 0, 0, 0
  for account, person in att.search({ serviceType = "FIBER", pageSize = 9 }):accounts() do
    ca = ca + 1
    T.eq(type(account.billingMarket), "string", "account.billingMarket")
    T.ok(person.accounts and person.id, "parent individual")
  end
  for sub, account, person in att.search({ serviceType = "FIBER", pageSize = 9 }):subscribers() do
    cs = cs + 1
    T.match(sub.id, "^SUB%-", "subscriber id")
    T.ok(account.subscribers and person.accounts, "parents")
  end
  local last
  for product, sub, account, person in att.search({ serviceType = "FIBER", pageSize = 9 }):products() do
    cp = cp + 1
    T.ok(product.name and sub.products and account.subscribers and person.accounts, "parents")
    last = person.id
  end
  T.eq(ca, na, "accounts")
  T.eq(cs, ns, "subscribers")
  T.eq(cp, np, "products")
  T.eq(last, fiber[#fiber].id, "last individual")
end)

T.test("JSON types: integers are integers, strings stay strings, booleans stay booleans", function()
  local r = att.search { serviceType = "FIBER", pageSize = 3 }
  local p = r()
  local a = p.accounts[1]
  T.eq(math.type(r:total()), "integer", "totalCount")
  T.eq(type(a.subscribersCount), "string", "subscribersCount")
  T.eq(a.subscribersCount, tostring(#a.subscribers), "subscribersCount value")
  T.ok(a.accountLocked == "Y" or a.accountLocked == "N", "accountLocked")
  T.eq(type(a.isDigitalAccount), "boolean", "isDigitalAccount")
  T.eq(type(a.subscribers[1].products[1].isBundle), "boolean", "isBundle")
  T.same(p, fiber[1], "individual equals the data set's")
end)

T.test("att.request reaches the endpoint with the same base URL and decodes JSON", function()
  local body, status = att.request("POST", "/v1/customers/search", { serviceType = "FIBER", pageSize = 2, pageOffset = 1 })
  T.eq(status, 200, "status")
  T.eq(body.totalCount, #fiber, "totalCount")
  T.eq(math.type(body.pageInfo.pageSize), "integer", "pageInfo.pageSize")
  T.eq(#body.individuals, 2, "individuals")
  local raw = att.request("post", "/v1/customers/search", '{"pageSize": 1}')
  T.eq(#raw.individuals, 1, "string body is sent as is")
end)

T.test("<close> and close() release results; a closed Results refuses use", function()
  local r2
  do
    local r <close> = att.search { serviceType = "FIBER" }
    r()
    r2 = r
  end
  T.match(tostring(r2), "closed")
  local err = T.raises(function() return r2() end)
  T.match(err, "closed att%.Results")
  T.raises(function() return r2:total() end)
  r2:close() -- closing twice is harmless
  local r3 = att.search {}
  r3:close()
  T.match(T.raises(r3.collect, r3), "closed")
  T.ok(r3:stats().requests == 0, "stats still readable")
end)

T.test("garbage collection releases abandoned scans", function()
  collectgarbage()
  local base = att.stats().memory
  for _ = 1, 30 do
    for p in att.search { pageSize = 50 } do break end
  end
  collectgarbage(); collectgarbage()
  local after = att.stats().memory
  T.ok(after - base < 200 * 1024, ("memory grew by %d bytes after 30 abandoned scans"):format(after - base))
  local weak = setmetatable({}, { __mode = "k" })
  weak[att.search {}] = true
  collectgarbage(); collectgarbage()
  T.eq(next(weak), nil, "collected")
end)

T.test("errors raised mid-scan stay raised; the scan does not restart", function()
  local bad = T.sandbox { "--fault", "status=400,after=1" }
  local r = T.using({ base_url = bad.url }, att.search, { serviceType = "FIBER", pageSize = 5 })
  T.using({ base_url = bad.url }, r)
  local ok, e = pcall(function() for _ in r do end end)
  T.ok(not ok, "raised")
  T.eq(e.kind, "http", "kind")
  local e2 = T.raises(r.next, r)
  T.ok(rawequal(e, e2), "same error object again")
end)

T.test("non-ASCII text (including \\u escapes) arrives as UTF-8, exactly", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  -- Written with escapes on purpose: the server sends what the file holds.
  f:write([[{"totalCount":2,"individuals":[
    {"id":"u1","givenName":"\u00cbLISE","familyName":"NGUY\u1ec4N","preferredName":"\"CHIP\", JR.",
     "accounts":[{"id":"1","serviceType":"FIBER","billingMarket":"DAL","accountLocked":"N","subscribers":[]}]},
    {"id":"u2","givenName":"ZO\u00cb","familyName":"\u674e","preferredName":null,
     "accounts":[{"id":"2","serviceType":"FIBER","billingMarket":"DAL","accountLocked":"Y","subscribers":[]}]}]}]])
  f:close()
  local s = T.sandbox { "--data", path }
  local got = T.using({ base_url = s.url }, function() return att.search({ serviceType = "FIBER" }):collect() end)
  os.remove(path)
  T.eq(#got, 2, "count")
  T.eq(got[1].givenName, "\u{CB}LISE", "givenName")
  T.eq(got[1].familyName, "NGUY\u{1EC4}N", "familyName")
  T.eq(got[1].preferredName, '"CHIP", JR.', "quotes and commas")
  T.eq(got[2].familyName, "\u{674E}", "CJK")
  T.eq(utf8.len(got[2].givenName), 3, "utf8.len")
  T.eq(got[2].preferredName, att.null, "null is att.null")
end)

T.test("the generated data set has non-ASCII names, commas and quotes", function()
  local non_ascii, comma, quote = false, false, false
  for _, ind in ipairs(data) do
    for _, k in ipairs { "givenName", "familyName", "preferredName" } do
      local v = ind[k]
      if type(v) == "string" then
        if v:find("[\128-\255]") then non_ascii = true end
        if v:find(",") then comma = true end
        if v:find("[\"']") then quote = true end
      end
    end
  end
  T.ok(non_ascii and comma and quote, "non-ASCII, comma, quote")
end)

T.done()
