-- Projection from what a pipeline declares (att.plan): att.rows with columns, att.query chains
-- naming their fields, att.report writers with columns build only those fields of each record
-- (r:projection() says which), and every report is byte for byte what it is from whole records
-- (opts.project = false): on the sandbox's data, on hostile shapes (keys with dots, scalars where
-- objects or arrays belong, keys of digits, nulls, empty objects), under faults and windows. A step
-- that needs whole records turns projection off. r:project's own errors.
local T = dofile("tests/lua/lib.lua")
local report, rows, q = att.report, require "att.rows", require "att.query"
local null = att.json.null

-- A sink for the writers: collects what they write.
local function sink()
  local parts = {}
  local s = { parts = parts }
  function s.write(self, ...)
    for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function s.flush() return true end
  function s.text() return table.concat(parts) end
  return s
end

-- Hostile but valid shapes: every one must report the same with and without projection.
local HOSTILE = {
  { id = "h1", ["a.b"] = "literal dotted", a = { b = "nested", c = 1 }, ["accounts.id"] = "literal",
    givenName = "ANN", status = { state = "X", code = { deep = 1 } }, place = { ["1"] = { id = "objkey" } },
    accounts = {
      { id = "A1", billingMarket = "DAL", ["x.y"] = 1, x = { y = 2, z = 3 }, status = "scalar",
        place = { { id = "P1", k = { 1, 2 } }, { id = "P2" } }, serviceType = "FIBER", subscribersCount = "2",
        subscribers = {
          { id = "S1", status = { state = "ACTIVE" }, products = {
            { name = "p1", place = { { id = "PL1" } }, productCharacteristic = {
              { name = "speed", value = "1G" }, { name = "speed", value = "dup" }, "notatable",
              { name = 5, value = 1 }, { name = "obj", value = { n = 1 } } } },
            "scalar-product",
            { name = "p3", productCharacteristic = "nope" },
            { 1, 2 },
            { name = "p5" } } },
          "scalar-subscriber",
          { id = "S2", products = "not-an-array" } } },
      "string-account", 42, null,
      { id = "A3", subscribers = "notarray", billingMarket = "SEA", serviceType = "DSL" },
      { id = "A4", billingMarket = null, x = "scalar-x", subscribers = { { id = "S4", products = {} } } },
      { id = "A5", billingMarket = { "DAL", "HOU" }, individualId = "shadow", accountId = "shadow-acc" } } },
  { id = "h2", accounts = "not-an-array", status = "ACTIVE", a = "scalar-a", ["1"] = "digit key",
    place = { { id = "P1" }, { id = "P2", k = { 1, 2 } } }, individualId = "shadow-ind" },
  { id = "h3", accounts = {}, empty = {}, status = null, a = { b = { c = { d = "deep" } } }, accountId = "own",
    subscriberId = { x = 1 } },
  { id = "h4", accounts = { id = "an object, not an array" }, givenName = null },
  { id = "h5", accounts = { { id = "A6", billingMarket = "DAL", subscribers = { { id = "S6", products = {
    { name = "only", productCharacteristic = { { name = "speed", value = "10M" } } } } } } } } },
}

local data = T.tmpfile("json")
do
  local f = assert(io.open(data, "wb"))
  f:write(att.json.encode(HOSTILE))
  f:close()
end

local gen = T.sandbox { "--individuals", "70", "--seed", "7" }
local hostile = T.sandbox { "--data", data }
local faulty = T.sandbox { "--individuals", "70", "--seed", "7", "--fault", "status=503,count=3,after=2",
  "--fault", "reset,after=6,count=2", "--fault", "slow=30,after=3,count=4" }

local COLS = {
  individual = { "individualId", "givenName", "a.b", "a", "a.b.c", "status", "status.state", "place",
    "place.1.id", "1", "accounts", "accounts.id", "accounts.billingMarket", "accounts.subscribers.id",
    "accounts.1.id", "accounts.x.y", "empty", "noSuch", "individual.givenName", "account.id" },
  account = { "individualId", "accountId", "billingMarket", "status", "place", "place.1.id", "place.id",
    "x.y", "x", "individual.givenName", "individual.a.b", "account.billingMarket", "subscribers",
    "subscribers.id", "subscribers.products.name", "state.state", "subscriberId" },
  subscriber = { "individualId", "accountId", "subscriberId", "products.name", "account.billingMarket",
    "status.state", "account.x.y", "individual.status", "productIndex" },
  product = { "subscriberId", "productIndex", "name", "characteristic.speed", "characteristic.obj",
    "characteristic.downloadSpeed", "productCharacteristic", "place.id", "place.1.id", "account.x.y",
    "subscriber.status.state", "individual.a" },
}
-- Names of rows built without columns (att.rows' flattened keys, and some that are not keys).
local FLAT = {
  individual = { "individualId", "givenName", "a.b", "a.b.c", "status", "status.state", "place", "1", "accountId",
    "subscriberId", "subscriberId.x" },
  account = { "accountId", "billingMarket", "individual.givenName", "x.y", "x", "status", "place",
    "state.state", "smbContactInfo.nameInfo.firstName", "a.b", "subscribers", "individualId" },
  subscriber = { "subscriberId", "account.billingMarket", "account.serviceType", "status.state", "products" },
  product = { "productIndex", "name", "characteristic.speed", "characteristic.downloadSpeed", "place",
    "status.status" },
}

-- Each pipeline: {name, function(r, out) ... end, projects}: projects is true when the search
-- must build only what the pipeline reads, false when the pipeline needs whole records.
local PIPES = {}
local function pipe(name, projects, fn) PIPES[#PIPES + 1] = { name, fn, projects } end

for _, L in ipairs(rows.levels) do
  pipe("att.rows " .. L .. " with columns -> csv", true, function(r, out)
    report.csv(rows(r, L, { columns = COLS[L] }), { columns = COLS[L], out = out })
  end)
  pipe("att.rows " .. L .. " with columns, raw -> jsonl", true, function(r, out)
    report.jsonl(rows(r, L, { columns = COLS[L], raw = true }), { columns = COLS[L], out = out })
  end)
  pipe("att.rows " .. L .. " without columns -> tsv with columns", true, function(r, out)
    report.tsv(rows(r, L), { columns = FLAT[L], out = out })
  end)
  pipe("att.rows " .. L .. " whole -> jsonl with columns", true, function(r, out)
    report.jsonl(rows(r, L, { whole = true }), { columns = FLAT[L], out = out })
  end)
end
pipe("att.rows with where", true, function(r, out)
  report.csv(rows(r, "account", { columns = { "accountId", "serviceType" }, where = { { "billingMarket", "DAL" } } }),
    { columns = { "accountId", "serviceType" }, out = out })
end)
pipe("chain rows/filter/select/sort -> csv", true, function(r, out)
  q.from(r):rows("account"):filter { billingMarket = { "DAL", "SEA", "HOU" } }
    :select { "accountId", { "individual.givenName", "name" }, "state.state", "x.y" }:sort("accountId")
    :write("csv", { out = out })
end)
pipe("chain rows/select of the row itself (\".\") -> jsonl", false, function(r, out)
  q.from(r):rows("subscriber"):select { "subscriberId", { ".", "self" } }:write("jsonl", { out = out })
end)
pipe("chain rows with columns -> write", true, function(r, out)
  q.from(r):rows("account", { columns = { "individualId", "accountId", "billingMarket" } }):write("csv", { out = out })
end)
pipe("chain group with aggregates -> json", true, function(r, out)
  q.from(r):rows("account"):group("billingMarket", { count = true, sum = { "subscribersCount" },
    distinct = { "serviceType" }, max = "accountId" }):sort("billingMarket"):write("json", { out = out })
end)
pipe("chain over individuals filter/select -> jsonl", true, function(r, out)
  q.from(r):filter { ["accounts.billingMarket"] = "DAL" }
    :select { "id", "givenName", { "accounts.id", "accts" }, "a.b", "accounts.id" }:write("jsonl", { out = out })
end)
pipe("chain unique/take -> markdown with columns", true, function(r, out)
  q.from(r):rows("subscriber"):unique("accountId"):take(7)
    :write("markdown", { columns = { "accountId", "subscriberId", "status.state" }, out = out })
end)
pipe("chain sort with a desc key, take -> tsv", true, function(r, out)
  q.from(r):rows("product"):sort({ { "name", desc = true }, "subscriberId" }):take(9)
    :write("tsv", { columns = { "name", "subscriberId", "characteristic.speed" }, out = out })
end)
pipe("count over product rows", true, function(r, out)
  out:write(tostring(q.from(r):rows("product"):count()))
end)
pipe("att.report.csv over the Results with columns", true, function(r, out)
  report.csv(r, { columns = { "id", "givenName", "accounts.billingMarket", "a.b", "accounts.id", "place.1.id" },
    out = out })
end)
pipe("att.report.html over rows with columns", true, function(r, out)
  report.html(rows(r, "account", { columns = { "accountId", "billingMarket" } }),
    { columns = { "accountId", "billingMarket" }, out = out, footer = false })
end)
pipe("map() with a Lua function", false, function(r, out)
  q.from(r):rows("account"):map(function(x) return x end):write("csv", { columns = { "accountId" }, out = out })
end)
pipe("filter() with a Lua function", false, function(r, out)
  q.from(r):rows("account"):filter(function(x) return x.accountId ~= nil end)
    :write("csv", { columns = { "accountId" }, out = out })
end)
pipe("a writer without columns", false, function(r, out)
  report.csv(rows(r, "account"), { out = out })
end)
pipe("select() with a computed column", false, function(r, out)
  q.from(r):rows("account"):select { "accountId", { function(x) return x.billingMarket end, "m" } }
    :write("csv", { out = out })
end)
pipe("sort() with a comparator", false, function(r, out)
  q.from(r):rows("account"):sort(function(a, b) return tostring(a.accountId) < tostring(b.accountId) end)
    :write("csv", { columns = { "accountId" }, out = out })
end)
pipe("unique() of whole rows", false, function(r, out)
  q.from(r):rows("account"):unique():write("csv", { columns = { "accountId" }, out = out })
end)
pipe("a for loop over rows with columns", true, function(r, out)
  local got = {}
  for row in q.from(r):rows("account", { columns = { "accountId" } }):take(1000) do got[#got + 1] = row end
  report.csv(got, { columns = { "accountId" }, out = out })
end)
pipe("a for loop over rows without columns", false, function(r, out)
  local got = {}
  for row in q.from(r):rows("account"):take(1000) do got[#got + 1] = row end
  report.csv(got, { columns = { "accountId", "x.y" }, out = out })
end)

local function run(sb, fn, opts)
  att.configure { base_url = sb.url }
  local r = att.search({ pageSize = 4 }, opts)
  local out = sink()
  fn(r, out)
  local proj = r:projection()
  r:close()
  return (out.text():gsub("nonce%-?=?\"?%x+", "nonce")), proj
end

for _, sb in ipairs({ gen, hostile, faulty }) do
  local what = sb == gen and "generated data" or sb == hostile and "hostile shapes" or "faults"
  for _, p in ipairs(PIPES) do
    T.test(what .. ": " .. p[1], function()
      local want = run(sb, p[2], { project = false, window = 1 })
      local got, proj = run(sb, p[2], { window = 4 })
      T.eq(got, want, "the same bytes as from whole records")
      T.ok(#want > 0, "something was written")
      if p[3] then
        T.ok(proj ~= nil, "only what the pipeline reads was built")
        T.ok(#proj >= 1 and proj[1] ~= nil, "r:projection() lists the paths")
      else
        T.eq(proj, nil, "whole records were built")
      end
    end)
  end
end

-- Each column alone (so that no other column's path keeps what it reads): rows with that column,
-- and rows without columns read by a writer with that column.
for _, sb in ipairs({ gen, hostile }) do
  local what = sb == gen and "generated data" or "hostile shapes"
  for _, L in ipairs(rows.levels) do
    T.test(what .. ": every column of " .. L .. " rows alone", function()
      local names, seen = {}, {}
      for _, list in ipairs({ COLS[L], FLAT[L] }) do
        for _, c in ipairs(list) do
          if not seen[c] then seen[c], names[#names + 1] = true, c end
        end
      end
      for _, c in ipairs(names) do
        for _, mode in ipairs({ "columns", "flat" }) do
          local fn = function(r, out)
            local it = mode == "columns" and rows(r, L, { columns = { c } }) or rows(r, L)
            report.jsonl(it, { columns = { c }, out = out })
          end
          local want = run(sb, fn, { project = false, window = 1 })
          local got, proj = run(sb, fn, { window = 3 })
          T.eq(got, want, mode .. " " .. c .. ": the same bytes")
          T.ok(proj ~= nil, mode .. " " .. c .. ": projected")
        end
      end
    end)
  end
end

T.test("a projected scan builds only what was declared", function()
  att.configure { base_url = gen.url }
  local r = att.search { pageSize = 10 }
  local it = rows(r, "account", { columns = { "accountId", "billingMarket" } })
  local row = it()
  T.ok(row.accountId ~= nil, "a row")
  T.same(r:projection(), { "accounts.billingMarket", "accounts.id", "id" }, "the paths, sorted")
  r:close()
  local r2 = att.search { pageSize = 10 }
  local seen = q.from(r2):rows("account", { columns = { "accountId" } }):iter()()
  T.ok(seen ~= nil and seen.accountId ~= nil, "a row from the chain")
  T.same(r2:projection(), { "accounts.id", "id" }, "what the chain's rows read")
  r2:close()
end)

T.test("opts.fields wins; a started scan and opts.project = false are not projected", function()
  att.configure { base_url = gen.url }
  local r = att.search({ pageSize = 10 }, { fields = { "accounts.id", "givenName" } })
  local first = rows(r, "account", { columns = { "accountId" } })()
  T.ok(first.accountId ~= nil, "the rows read what opts.fields kept")
  T.same(r:projection(), { "accounts.id", "givenName" }, "opts.fields as given")
  r:close()
  local r2 = att.search { pageSize = 10 }
  local ind = r2()
  T.ok(ind.givenName ~= nil, "a whole record read first")
  local ok, why = r2:project({ { "id" } })
  T.eq(ok, false, "too late")
  T.match(why, "started", "says the scan has started")
  T.eq(r2:projection(), nil, "still whole records")
  r2:close()
  local r3 = att.search({ pageSize = 10 }, { project = false })
  local ok3, why3 = r3:project({ { "id" } })
  T.eq(ok3, false, "opts.project = false")
  T.match(why3, "opts.project", "names it")
  T.ok(r3().accounts ~= nil, "whole records")
  r3:close()
end)

T.test("r:project: only the first decision counts; bad paths are errors", function()
  att.configure { base_url = gen.url }
  local r = att.search { pageSize = 10 }
  T.eq(r:project({ { "accounts", "id" } }), true, "first call decides")
  local ok, why = r:project({ { "givenName" } })
  T.eq(ok, false, "second call refused")
  T.match(why, "decided", "says so")
  T.eq(r().givenName, nil, "the first decision holds")
  r:close()
  local r2 = att.search { pageSize = 10 }
  T.eq(r2:project(false, "test"), false, "whole records decided")
  T.eq(r2:project({ { "id" } }), false, "then nothing else")
  T.ok(r2().givenName ~= nil, "whole records")
  r2:close()
  for _, bad in ipairs({ { {} }, { { "" } }, { { "a\0b" } }, { { 1 } }, {}, { "accounts.id" } }) do
    local r3 = att.search { pageSize = 10 }
    local okp, err = pcall(r3.project, r3, bad)
    T.eq(okp, false, "refused")
    T.match(tostring(err), "att.Results:project", "names the method")
    r3:close()
  end
  local many = {}
  for i = 1, 1001 do many[i] = "k" end
  local r4 = att.search { pageSize = 10 }
  T.eq(pcall(r4.project, r4, { many }), false, "a path of 1001 keys")
  local okl, errl = pcall(r4.project, r4, { { string.rep("a", 600), string.rep("b", 600) } })
  T.eq(okl, false, "a path of more than 1000 bytes")
  T.match(tostring(errl), "longer than 1000 bytes", "says why")
  T.eq(r4:project({ { string.rep("a", 500), string.rep("b", 499) } }), true, "a path of 1000 bytes")
  T.raises(function() att.search({}, { project = "yes" }) end)
  r4:close()
end)

T.done()
