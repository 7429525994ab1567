-- att.rows (flat rows at every level of individual -> accounts -> subscribers -> products) and
-- att.query (filter, select, sort, group, unique, take, map, count, collect, chains).
--   ./att tests/lua/test_rows.lua        (SANDBOX = the att-sandbox binary, default ./att-sandbox)
local T = dofile("tests/lua/lib.lua")
local rows = require "att.rows"
local q = require "att.query"
local report = require "att.report"
local json = att.json
local null = json.null

local function collect(it)
  local out = {}
  for row in it do out[#out + 1] = row end
  return out
end

local function keys_of(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

-- A source that counts how many times it was pulled.
local function counting(list)
  local src = { pulls = 0 }
  local i = 0
  src.it = function()
    src.pulls = src.pulls + 1
    i = i + 1
    return list[i]
  end
  return src
end

local example = json.decode(T.read_file("tests/fixtures/example-response.json"))
local ID = "7ad6d9b1-1f26-4b7f-a76f-013b1b2d55de"

---------------------------------------------------------------------------------------------------
-- Flattening the contract example, by hand

T.test("module: rows is callable, levels and default meta are exposed", function()
  T.eq(type(rows), "table", "module type")
  T.same(rows.levels, { "individual", "account", "subscriber", "product" }, "levels")
  T.same(rows.meta, {
    individual = { "givenName", "familyName" },
    account = { "billingMarket", "serviceType", "accountLocked" },
    subscriber = {},
  }, "meta")
  T.eq(type(rows(example, "individual")), "function", "rows(...) is an iterator function")
  T.eq(type(rows.rows(example, "individual")), "function", "rows.rows(...)")
end)

T.test("example: individual level", function()
  T.same(collect(rows(example, "individual")), { {
    individualId = ID,
    givenName = "JANE", familyName = "DOE", preferredName = "JANIE",
    ["profile.firstName"] = "JANE", ["profile.lastName"] = "DOE", ["profile.middleInitial"] = "A",
    status = "ACTIVE", createdOn = "2025-01-10T09:00:00Z", updatedOn = "2026-02-15T11:25:00Z",
  } }, "individual rows")
end)

T.test("example: account level", function()
  T.same(collect(rows(example, "account")), { {
    individualId = ID, accountId = "123456789",
    givenName = "JANE", familyName = "DOE", title = "Ms", middleInitial = "A",
    accountType = "Consumer", accountSubType = "Consumer Small Office", ratingType = "STANDARD",
    serviceType = "FIBER", targetSOR = "LS-CRM-DB", subscribersCount = "1",
    createdOn = "2024-06-01T12:00:00Z", lastModified = "2026-02-20T08:30:00Z",
    openDate = "2024-06-02T00:00:00Z", billingMarket = "DAL", billingSubMarket = "DAL-NORTH",
    accountLocked = "N", ["state.state"] = "ACTIVE", isDigitalAccount = true, languagePreference = "en",
    ["smbContactInfo.nameInfo.firstName"] = "JANE", ["smbContactInfo.nameInfo.lastName"] = "DOE",
    ["individual.givenName"] = "JANE", ["individual.familyName"] = "DOE",
  } }, "account rows")
end)

T.test("example: subscriber level", function()
  T.same(collect(rows(example, "subscriber")), { {
    individualId = ID, accountId = "123456789", subscriberId = "SUB-10001",
    phoneNumber = "**********", createdOn = "2024-06-02T00:00:00Z", updatedOn = "2026-02-19T10:10:00Z",
    activationDate = "2024-06-02T00:00:00Z", effectiveDate = "2026-02-19T10:10:00Z",
    subMarket = "DAL-NORTH", ["status.state"] = "ACTIVE",
    ["individual.givenName"] = "JANE", ["individual.familyName"] = "DOE",
    ["account.billingMarket"] = "DAL", ["account.serviceType"] = "FIBER", ["account.accountLocked"] = "N",
  } }, "subscriber rows")
end)

T.test("example: product level (arrays as JSON text, characteristics expanded)", function()
  T.same(collect(rows(example, "product")), { {
    individualId = ID, accountId = "123456789", subscriberId = "SUB-10001", productIndex = 1,
    productOfferingTypeGroup = "BBOffer", isBundle = false, productOfferingClassification = "FIBER_PLAN",
    name = "AT&T Internet 1000", description = "1 GIG speed + unlimited internet data",
    ["status.status"] = "ACTIVE", activationDate = "2024-06-02T00:00:00Z",
    creationDate = "2024-06-01T12:00:00Z", lastUpdate = "2026-02-19T10:10:00Z",
    place = '[{"id":"ADDR-01"}]',
    productCharacteristic = '[{"name":"downloadSpeed","value":"1000 Mbps"},{"name":"usageAllowance","value":"Unlimited"}]',
    ["characteristic.downloadSpeed"] = "1000 Mbps", ["characteristic.usageAllowance"] = "Unlimited",
    ["individual.givenName"] = "JANE", ["individual.familyName"] = "DOE",
    ["account.billingMarket"] = "DAL", ["account.serviceType"] = "FIBER", ["account.accountLocked"] = "N",
  } }, "product rows")
end)

T.test("sources: a response page, an array, an iterator function and a callable give the same rows", function()
  local want = collect(rows(example, "product"))
  T.same(collect(rows(example.individuals, "product")), want, "array")
  local i = 0
  T.same(collect(rows(function()
    i = i + 1
    return example.individuals[i]
  end, "product")), want, "function")
  local j = 0
  local callable = setmetatable({}, { __call = function()
    j = j + 1
    return example.individuals[j]
  end })
  T.same(collect(rows(callable, "product")), want, "callable table")
  T.same(collect(rows(q.from(example.individuals), "product")), want, "a query chain of individuals")
  T.same(collect(rows({}, "account")), {}, "no individuals, no rows")
end)

T.test("rows.columns orders ids, own fields, then parents' fields", function()
  local row = rows(example, "subscriber")()
  T.same(rows.columns(row), {
    "individualId", "accountId", "subscriberId",
    "activationDate", "createdOn", "effectiveDate", "phoneNumber", "status.state", "subMarket", "updatedOn",
    "individual.familyName", "individual.givenName",
    "account.accountLocked", "account.billingMarket", "account.serviceType",
  }, "columns")
end)

---------------------------------------------------------------------------------------------------
-- Columns

T.test("columns: exactly the keys asked for, with ids, parents' paths, own paths and characteristics", function()
  local cols = { "productIndex", "subscriberId", "accountId", "individualId", "name", "status.status",
    "account.state.state", "account.billingMarket", "account.smbContactInfo.nameInfo.firstName",
    "individual.profile.middleInitial", "subscriber.status.state", "product.name",
    "characteristic.downloadSpeed", "characteristic.nope", "place", "place.1.id", "status", "nope",
    "account.subscribers", "isBundle" }
  local got = collect(rows(example, "product", cols))
  T.eq(#got, 1, "one row")
  T.same(got[1], {
    productIndex = 1, subscriberId = "SUB-10001", accountId = "123456789", individualId = ID,
    name = "AT&T Internet 1000", ["status.status"] = "ACTIVE", ["account.state.state"] = "ACTIVE",
    ["account.billingMarket"] = "DAL", ["account.smbContactInfo.nameInfo.firstName"] = "JANE",
    ["individual.profile.middleInitial"] = "A", ["subscriber.status.state"] = "ACTIVE",
    ["product.name"] = "AT&T Internet 1000", ["characteristic.downloadSpeed"] = "1000 Mbps",
    place = '[{"id":"ADDR-01"}]', ["place.1.id"] = "ADDR-01", status = '{"status":"ACTIVE"}',
    isBundle = false,
  }, "row")
  for k in pairs(got[1]) do
    local known = false
    for _, c in ipairs(cols) do known = known or c == k end
    T.ok(known, "unexpected key " .. k)
  end
end)

T.test("columns: levels below the row's, and child arrays, are nil", function()
  local got = collect(rows(example, "account",
    { "accountId", "subscriberId", "productIndex", "subscriber.id", "product.name", "subscribers",
      "account.billingMarket", "id", "individual.id", "individual.accounts" }))
  T.same(got, { { accountId = "123456789", ["account.billingMarket"] = "DAL", id = "123456789",
    ["individual.id"] = ID } }, "account row")
  got = collect(rows(example, "individual", { "individualId", "accounts", "accountId", "profile.firstName" }))
  T.same(got, { { individualId = ID, ["profile.firstName"] = "JANE" } }, "individual row")
end)

T.test("columns: given as opts.columns, and with meta options", function()
  T.same(collect(rows(example, "account", { columns = { "accountId", "state.state" } })),
    { { accountId = "123456789", ["state.state"] = "ACTIVE" } }, "opts.columns")
  local r = rows(example, "product", { meta = { individual = {}, account = { "state.state" },
    subscriber = { "status.state", "phoneNumber" } } })()
  T.eq(r["account.state.state"], "ACTIVE", "custom account meta")
  T.eq(r["subscriber.status.state"], "ACTIVE", "subscriber meta")
  T.eq(r["subscriber.phoneNumber"], "**********", "subscriber meta 2")
  T.eq(r["individual.givenName"], nil, "individual meta replaced")
  T.eq(r["account.billingMarket"], nil, "account meta replaced")
  local bare = rows(example, "subscriber", { meta = false })()
  for k in pairs(bare) do T.ok(not k:find("^individual%.") and not k:find("^account%."), "no meta: " .. k) end
  T.eq(bare.accountId, "123456789", "ids stay")
  local partial = rows(example, "subscriber", { meta = { individual = { "profile.lastName" } } })()
  T.eq(partial["individual.profile.lastName"], "DOE", "dotted meta")
  T.eq(partial["account.billingMarket"], "DAL", "levels not named keep their defaults")
end)

T.test("argument errors", function()
  T.match(T.raises(rows, example, "products"), "att%.rows: level must be \"individual\", \"account\"")
  T.match(T.raises(rows, 42, "account"), "att%.rows: results must be a Results, an iterator or an array")
  T.match(T.raises(rows, example, "account", "x"), "att%.rows: the third argument must be a list")
  T.match(T.raises(rows, example, "account", { colums = {} }), "att%.rows: unknown option colums")
  T.match(T.raises(rows, example, "account", { 1, 2 }), "att%.rows: a column name must be a string")
  T.match(T.raises(rows, example, "account", { meta = { product = {} } }), "unknown parent level product")
  T.match(T.raises(rows, example, "account", { meta = 3 }), "opts%.meta must be a table or false")
end)

---------------------------------------------------------------------------------------------------
-- Types, nulls, odd shapes

local odd = {
  {
    id = 7, givenName = "ÅSA", familyName = null, score = 2.5, vip = true,
    tags = { "a", "b" }, empty = {}, marked = json.array({}), nested = { n = null, deep = { x = 0 } },
    accounts = {
      { id = "A1", billingMarket = "DAL", serviceType = null, accountLocked = "Y", subscribersCount = "3",
        subscribers = {
          { id = "S1", products = {
            { name = "p1", productCharacteristic = {
              { name = "speed", value = "1 Gbps" }, { name = "speed", value = "dup" },
              { name = "limits", value = { up = 5, down = 50 } }, { value = "nameless" }, { name = "novalue" },
            } },
            null,
            { name = "p3", price = 42, ratio = 0.5, id = "P3" },
          } },
          { id = "S2" },                                    -- no products
          { id = "S3", products = null },
        } },
      { id = "A2", subscribers = {} },
      null,
    },
  },
  { id = "I2" },                                            -- no accounts
  { id = "I3", accounts = null },
  null,                                                     -- skipped
  { id = "I5", accounts = { { id = "A5", subscribers = { { id = "S5", products = { { name = "p5" } } } } } } },
}

T.test("types kept: integers, floats, booleans, strings, att.null; arrays as JSON text", function()
  local ind = collect(rows(odd, "individual"))
  T.eq(#ind, 4, "null individual skipped")
  local r = ind[1]
  T.eq(r.individualId, 7, "integer id stays an integer")
  T.eq(r.score, 2.5, "float")
  T.eq(r.vip, true, "boolean")
  T.eq(r.givenName, "ÅSA", "UTF-8 string")
  T.eq(r.familyName, null, "att.null stays att.null")
  T.eq(r["nested.n"], null, "nested att.null")
  T.eq(r["nested.deep.x"], 0, "nested integer")
  T.eq(r.tags, '["a","b"]', "array of scalars as JSON text")
  T.eq(r.marked, "[]", "marked empty array")
  T.eq(r.empty, nil, "empty object adds nothing")
  T.eq(r.accounts, nil, "child array left out")
  T.eq(r.id, nil, "id only as individualId")
  T.same(keys_of(r), { "familyName", "givenName", "individualId", "marked", "nested.deep.x", "nested.n",
    "score", "tags", "vip" }, "keys")
  T.same(ind[2], { individualId = "I2" }, "no accounts")
end)

T.test("odd shapes: missing or null children give no rows; null elements are skipped, positions kept", function()
  local acc = collect(rows(odd, "account"))
  T.same(q.collect(q.select(acc, { "individualId", "accountId" })), {
    { individualId = 7, accountId = "A1" }, { individualId = 7, accountId = "A2" },
    { individualId = "I5", accountId = "A5" } }, "accounts")
  T.eq(acc[1].serviceType, null, "own null")
  T.eq(acc[1].subscribersCount, "3", "subscribersCount stays a string")
  T.eq(acc[1]["individual.familyName"], null, "parent null meta stays att.null")
  local sub = collect(rows(odd, "subscriber"))
  T.same(q.collect(q.select(sub, { "accountId", "subscriberId", "account.serviceType" })), {
    { accountId = "A1", subscriberId = "S1", ["account.serviceType"] = null },
    { accountId = "A1", subscriberId = "S2", ["account.serviceType"] = null },
    { accountId = "A1", subscriberId = "S3", ["account.serviceType"] = null },
    { accountId = "A5", subscriberId = "S5" } }, "subscribers")
  local prod = collect(rows(odd, "product"))
  T.same(q.collect(q.select(prod, { "subscriberId", "productIndex", "name", "id" })), {
    { subscriberId = "S1", productIndex = 1, name = "p1" },
    { subscriberId = "S1", productIndex = 3, name = "p3", id = "P3" },
    { subscriberId = "S5", productIndex = 1, name = "p5" } }, "products (a product's id is kept)")
  T.eq(prod[1]["characteristic.speed"], "1 Gbps", "first characteristic of a name wins")
  T.eq(prod[1]["characteristic.limits"], '{"down":50,"up":5}', "table value as JSON text")
  T.eq(prod[1]["characteristic.novalue"], nil, "no value, no key")
  T.eq(prod[2].price, 42, "integer")
  T.eq(math.type(prod[2].price), "integer", "integer type")
  T.eq(prod[2].ratio, 0.5, "float")
  T.eq(prod[2]["characteristic.speed"], nil, "no characteristics")
  T.eq(prod[1]["account.accountLocked"], "Y", "meta")
end)

T.test("columns give the same values as the rows without columns, key by key", function()
  for _, level in ipairs(rows.levels) do
    local plain = collect(rows(odd, level))
    for i, row in ipairs(plain) do
      local cols = rows.columns(row)
      local picked = collect(rows(odd, level, cols))[i]
      T.same(picked, row, level .. " row " .. i)
    end
  end
end)

---------------------------------------------------------------------------------------------------
-- A generated data set: counts, parent ids, types; the same through the server

local N, SEED = 40, 11
local sandbox_bin = os.getenv("SANDBOX") or "./att-sandbox"
local dumped, dump_err, status = T.run(T.sh_quote(sandbox_bin) .. " --dump --individuals " .. N .. " --seed " .. SEED)
assert(status == 0, "att-sandbox --dump failed: " .. tostring(dump_err))
local data = json.decode(dumped)

-- The expected id tuples at each level, walking the nested data.
local expect = { individual = {}, account = {}, subscriber = {}, product = {} }
for _, ind in ipairs(data) do
  expect.individual[#expect.individual + 1] = { individualId = ind.id }
  for _, acc in ipairs(ind.accounts) do
    expect.account[#expect.account + 1] = { individualId = ind.id, accountId = acc.id }
    for _, sub in ipairs(acc.subscribers) do
      expect.subscriber[#expect.subscriber + 1] = { individualId = ind.id, accountId = acc.id, subscriberId = sub.id }
      for p in ipairs(sub.products) do
        expect.product[#expect.product + 1] = { individualId = ind.id, accountId = acc.id,
          subscriberId = sub.id, productIndex = p }
      end
    end
  end
end

T.test("generated data: one row per record at every level, each with its parents' ids", function()
  T.eq(#expect.individual, N, "individuals")
  T.ok(#expect.product > #expect.subscriber and #expect.subscriber > #expect.account
    and #expect.account > N, "a real hierarchy")
  local ids = { individual = { "individualId" }, account = { "individualId", "accountId" },
    subscriber = { "individualId", "accountId", "subscriberId" },
    product = { "individualId", "accountId", "subscriberId", "productIndex" } }
  for _, level in ipairs(rows.levels) do
    local got = collect(rows(data, level))
    T.eq(#got, #expect[level], level .. " count")
    T.same(q.collect(q.select(got, ids[level])), expect[level], level .. " ids")
    T.same(collect(rows(data, level, ids[level])), expect[level], level .. " ids via columns")
  end
end)

T.test("generated data: parents' fields and types", function()
  local by_acc = {}
  for _, ind in ipairs(data) do
    for _, acc in ipairs(ind.accounts) do by_acc[acc.id] = { acc, ind } end
  end
  local n = 0
  for row in rows(data, "product") do
    n = n + 1
    local acc, ind = by_acc[row.accountId][1], by_acc[row.accountId][2]
    T.eq(row["account.billingMarket"], acc.billingMarket, "billingMarket")
    T.eq(row["account.serviceType"], acc.serviceType, "serviceType")
    T.eq(row["account.accountLocked"], acc.accountLocked, "accountLocked")
    T.eq(row["individual.givenName"], ind.givenName, "givenName")
    T.eq(row["individual.familyName"], ind.familyName, "familyName")
    T.eq(math.type(row.productIndex), "integer", "productIndex integer")
    T.eq(type(row.isBundle), "boolean", "isBundle boolean")
    T.eq(type(row.place), "string", "place JSON text")
    T.eq(json.decode(row.place)[1].id:sub(1, 5), "ADDR-", "place decodes")
  end
  T.eq(n, #expect.product, "rows")
  for row in rows(data, "account", { "subscribersCount", "isDigitalAccount", "account.state.state", "state.state" }) do
    T.eq(type(row.subscribersCount), "string", "subscribersCount stays a string")
    T.eq(type(row.isDigitalAccount), "boolean", "isDigitalAccount boolean")
    T.eq(row["account.state.state"], row["state.state"], "account.X at the account level is its own X")
  end
end)

local sb = T.sandbox { "--individuals", tostring(N), "--seed", tostring(SEED) }
att.configure { base_url = sb.url }

T.test("a Results gives the same rows as the dumped data, at every level", function()
  for _, level in ipairs(rows.levels) do
    local r <close> = att.search { pageSize = 7 }
    T.same(collect(rows(r, level)), collect(rows(data, level)), level)
    T.eq(r:stats().requests, math.ceil(N / 7), level .. ": a full scan")
  end
end)

T.test("lazy: nothing is requested before the first row; 3 product rows take 1 request and 1 ahead", function()
  local r <close> = att.search { pageSize = 10 }
  local it = rows(r, "product")
  T.eq(r:stats().requests, 0, "no request before the first pull")
  local got = { it(), it(), it() }
  T.eq(#got, 3, "three rows")
  -- the page in hand, and (once a second individual is asked for) one page ahead, no more
  T.eq(r:stats().requests, r:stats().yielded > 1 and 2 or 1, "one request, one ahead")
  T.same(q.collect(q.select(got, { "individualId", "accountId", "subscriberId", "productIndex" })),
    { expect.product[1], expect.product[2], expect.product[3] }, "the first three")
  -- individuals are pulled one at a time: only those needed for 3 products
  local needed = {}
  for i = 1, 3 do needed[expect.product[i].individualId] = true end
  local k = 0
  for _ in pairs(needed) do k = k + 1 end
  T.eq(r:stats().yielded, k, "individuals pulled")
end)

T.test("lazy through query stages: take(3) over filter over rows makes 1 request and 1 ahead", function()
  local r <close> = att.search { pageSize = 10 }
  local got = q.from(r):rows("product"):filter(function(row) return row.productIndex >= 1 end):take(3):collect()
  T.eq(#got, 3, "three rows")
  T.eq(r:stats().requests, r:stats().yielded > 1 and 2 or 1, "one request, one ahead")
  local r2 <close> = att.search { pageSize = 10 }
  local got2 = q.collect(q.take(rows(r2, "account"), 3))
  T.eq(#got2, 3, "functional form")
  T.eq(r2:stats().requests, r2:stats().yielded > 1 and 2 or 1, "one request, one ahead")
end)

---------------------------------------------------------------------------------------------------
-- att.query

local people = {
  { id = 1, name = "ann", market = "DAL", n = 3, ["account.billingMarket"] = "DAL", profile = { city = "Dallas" } },
  { id = 2, name = "bob", market = "HOU", n = 1, ["account.billingMarket"] = "HOU", profile = { city = "Houston" } },
  { id = 3, name = "cid", market = "DAL", n = nil, ["account.billingMarket"] = "DAL", profile = { city = "Plano" } },
  { id = 4, name = "dee", market = "NYC", n = 2, ["account.billingMarket"] = "NYC" },
  { id = 5, name = "eve", market = null, n = 3, ["account.billingMarket"] = null },
  { id = 6, name = "fay", market = "HOU", n = 1.0, ["account.billingMarket"] = "HOU" },
}
local ids = T.ids

T.test("filter: by predicate", function()
  T.same(ids(q.collect(q.filter(people, function(r) return r.id % 2 == 0 end))), { 2, 4, 6 }, "even")
  T.same(ids(q.collect(q.filter(people, function() return false end))), {}, "none")
end)

T.test("filter: by field table — equality, any-of lists, dotted keys and paths, functions, att.null", function()
  T.same(ids(q.collect(q.filter(people, { market = "DAL" }))), { 1, 3 }, "equality")
  T.same(ids(q.collect(q.filter(people, { market = { "DAL", "HOU" } }))), { 1, 2, 3, 6 }, "any of")
  T.same(ids(q.collect(q.filter(people, { ["account.billingMarket"] = { "NYC" } }))), { 4 }, "dotted plain key")
  T.same(ids(q.collect(q.filter(people, { ["profile.city"] = "Plano" }))), { 3 }, "dotted path")
  T.same(ids(q.collect(q.filter(people, { market = "DAL", n = 3 }))), { 1 }, "every field must match")
  T.same(ids(q.collect(q.filter(people, { n = 1 }))), { 2, 6 }, "1 == 1.0")
  T.same(ids(q.collect(q.filter(people, { n = "3" }))), {}, "\"3\" ~= 3")
  T.same(ids(q.collect(q.filter(people, { n = function(v) return v and v > 1 end }))), { 1, 4, 5 }, "function")
  T.same(ids(q.collect(q.filter(people, { market = null }))), { 5 }, "att.null")
  T.same(ids(q.collect(q.filter(people, { n = null }))), { 3 }, "att.null matches missing")
  T.same(ids(q.collect(q.filter(people, { market = { "NYC", null } }))), { 4, 5 }, "null in a list")
  T.same(ids(q.collect(q.filter(people, { n = { 2, null } }))), { 3, 4 }, "null in a list matches missing")
  T.same(ids(q.collect(q.filter(people, { market = {} }))), {}, "empty list matches nothing")
  T.match(T.raises(q.filter, people, 5), "att%.query%.filter: pred must be a function or a table")
  T.match(T.raises(q.filter, people, { market = { x = 1 } }), "att%.query%.filter: market: expected a value")
  T.match(T.raises(q.filter, 5, {}), "att%.query%.filter: rows must be an iterator")
end)

T.test("filter over rows of the generated data: markets any-of, locked accounts", function()
  local want = {}
  for _, ind in ipairs(data) do
    for _, acc in ipairs(ind.accounts) do
      if (acc.billingMarket == "DAL" or acc.billingMarket == "HOU") and acc.accountLocked == "Y" then
        want[#want + 1] = acc.id
      end
    end
  end
  T.ok(#want > 0, "some")
  local got = q.from(rows(data, "subscriber"))
      :filter { ["account.billingMarket"] = { "DAL", "HOU" }, ["account.accountLocked"] = "Y" }
      :unique("accountId"):map(function(r) return r.accountId end):collect()
  T.same(got, want, "accounts")
end)

T.test("select: keep, rename, compute; rows have exactly those keys", function()
  local got = q.collect(q.select(people, { "id", { "account.billingMarket", "mkt" }, { "profile.city", "city" },
    { function(r) return r.name:upper() end, "NAME" }, "missing" }))
  T.same(got[1], { id = 1, mkt = "DAL", city = "Dallas", NAME = "ANN" }, "row 1")
  T.same(got[5], { id = 5, mkt = null, NAME = "EVE" }, "row 5")
  T.eq(#got, 6, "all rows")
  T.match(T.raises(q.select, people, {}), "att%.query%.select: columns must be a non%-empty list")
  T.match(T.raises(q.select, people, { { 1, 2 } }), "att%.query%.select: column 1")
end)

T.test("sort: one key, desc, several keys, nil and att.null last, stable, comparator", function()
  T.same(ids(q.collect(q.sort(people, "name", true))), { 6, 5, 4, 3, 2, 1 }, "desc")
  T.same(ids(q.collect(q.sort(people, "n"))), { 2, 6, 4, 1, 5, 3 }, "asc, nil last, ties stable")
  T.same(ids(q.collect(q.sort(people, "n", true))), { 1, 5, 4, 2, 6, 3 }, "desc, nil still last, ties stable")
  T.same(ids(q.collect(q.sort(people, "market"))), { 1, 3, 2, 6, 4, 5 }, "att.null last")
  T.same(ids(q.collect(q.sort(people, "market", true))), { 4, 2, 6, 1, 3, 5 }, "att.null last in desc")
  T.same(ids(q.collect(q.sort(people, { "market", { "id", desc = true } }))), { 3, 1, 6, 2, 4, 5 }, "two keys")
  T.same(ids(q.collect(q.sort(people, { { "market", desc = false }, "id" }, true))), { 3, 1, 6, 2, 4, 5 },
    "per-key desc wins over the default")
  T.same(ids(q.collect(q.sort(people, "profile.city"))), { 1, 2, 3, 4, 5, 6 }, "dotted path, nil last")
  T.same(ids(q.collect(q.sort(people, function(a, b) return #a.name < #b.name end))), { 1, 2, 3, 4, 5, 6 },
    "comparator, stable on ties")
  T.same(ids(q.collect(q.sort(people, function(a, b) return a.id < b.id end, true))), { 6, 5, 4, 3, 2, 1 },
    "comparator reversed by desc")
  -- stability over many equal keys
  local many = {}
  for i = 1, 200 do many[i] = { k = i % 3, i = i } end
  local prev
  for row in q.sort(many, "k") do
    if prev and prev.k == row.k then T.ok(prev.i < row.i, "stable") end
    prev = row
  end
  -- mixed types: numbers < strings < booleans
  local mixed = q.collect(q.sort({ { v = "b" }, { v = true }, { v = 2 }, { v = false }, { v = "a" }, { v = 1 } }, "v"))
  T.same(q.collect(q.map(mixed, function(r) return { r.v } end)),
    { { 1 }, { 2 }, { "a" }, { "b" }, { false }, { true } }, "mixed")
  T.match(T.raises(q.sort, people, 5), "att%.query%.sort: keys must be")
  T.match(T.raises(q.sort, people, "id", "yes"), "att%.query%.sort: desc must be a boolean")
end)

T.test("sort collects only when first pulled", function()
  local src = counting(people)
  local it = q.sort(src.it, "id")
  T.eq(src.pulls, 0, "nothing pulled at setup")
  T.eq(it().id, 1, "first")
  T.eq(src.pulls, 7, "whole source read (6 rows and the end)")
  q.collect(it)
  T.eq(src.pulls, 7, "not pulled again")
end)

T.test("group: count, sum, min, max, avg, distinct; first-seen order", function()
  local got = q.collect(q.group(people, "market",
    { count = true, sum = { "n" }, min = "name", max = { "name" }, avg = "n", distinct = { "n", "name" } }))
  T.same(got, {
    { market = "DAL", count = 2, sum_n = 3, min_name = "ann", max_name = "cid", avg_n = 3.0, distinct_n = 1, distinct_name = 2 },
    { market = "HOU", count = 2, sum_n = 2.0, min_name = "bob", max_name = "fay", avg_n = 1.0, distinct_n = 1, distinct_name = 2 },
    { market = "NYC", count = 1, sum_n = 2, min_name = "dee", max_name = "dee", avg_n = 2.0, distinct_n = 1, distinct_name = 1 },
    { market = null, count = 1, sum_n = 3, min_name = "eve", max_name = "eve", avg_n = 3.0, distinct_n = 1, distinct_name = 1 },
  }, "groups")
  T.eq(math.type(got[1].sum_n), "integer", "integer sum stays an integer")
end)

T.test("group: several keys, nil keys, no keys, defaults, numeric strings, errors", function()
  local rowsx = { { a = 1, b = "x", s = "2" }, { a = 1, b = "y", s = "3" }, { a = 1, b = "x", s = "10" },
    { b = "x", s = null }, { a = 1.0, b = "x" } }
  T.same(q.collect(q.group(rowsx, { "a", "b" }, { count = "rows", sum = "s" })), {
    { a = 1, b = "x", rows = 3, sum_s = 12 }, { a = 1, b = "y", rows = 1, sum_s = 3 },
    { b = "x", rows = 1, sum_s = 0 } }, "two keys; numeric strings summed; 1 and 1.0 one group; nil a group")
  T.same(q.collect(q.group(rowsx, "b")), { { b = "x", count = 4 }, { b = "y", count = 1 } }, "default count")
  T.same(q.collect(q.group(rowsx, nil, { count = true, max = "s" })), { { count = 5, max_s = "3" } },
    "no keys: one row (strings compare as strings)")
  T.same(q.collect(q.group({}, {}, { count = true, sum = "x", avg = "x", min = "x" })), { { count = 0, sum_x = 0 } },
    "empty input, no keys: one row")
  T.same(q.collect(q.group({}, "k")), {}, "empty input with keys: no rows")
  T.match(T.raises(q.group, rowsx, "a", { total = true }), "att%.query%.group: unknown aggregate total")
  T.match(T.raises(q.collect, q.group({ { a = "x" } }, nil, { sum = "a" })), "sum_a: \"x\" is not a number")
end)

T.test("group the generated accounts by market: counts, subscribers, distinct individuals", function()
  local want, order = {}, {}
  for _, ind in ipairs(data) do
    for _, acc in ipairs(ind.accounts) do
      local m = acc.billingMarket
      if not want[m] then
        want[m] = { billingMarket = m, count = 0, sum_subscribersCount = 0, seen = {}, distinct_individualId = 0 }
        order[#order + 1] = want[m]
      end
      local w = want[m]
      w.count = w.count + 1
      w.sum_subscribersCount = w.sum_subscribersCount + tonumber(acc.subscribersCount)
      if not w.seen[ind.id] then
        w.seen[ind.id] = true
        w.distinct_individualId = w.distinct_individualId + 1
      end
    end
  end
  for _, w in ipairs(order) do w.seen = nil end
  local got = q.collect(q.group(rows(data, "account"), "billingMarket",
    { count = true, sum = "subscribersCount", distinct = "individualId" }))
  T.same(got, order, "by market")
  -- sum of subscribersCount equals the number of subscriber rows
  local total = 0
  for _, g in ipairs(got) do total = total + g.sum_subscribersCount end
  T.eq(total, #expect.subscriber, "subscribersCount adds up")
end)

T.test("unique: by field, by fields, by function, by whole row", function()
  T.same(ids(q.collect(q.unique(people, "market"))), { 1, 2, 4, 5 }, "by field")
  T.same(ids(q.collect(q.unique(people, { "market", "n" }))), { 1, 2, 3, 4, 5 }, "by two fields (1 == 1.0)")
  T.same(ids(q.collect(q.unique(people, function(r) return r.id % 2 end))), { 1, 2 }, "by function")
  local dup = { { a = 1, b = "x" }, { a = 1.0, b = "x" }, { a = 1, b = "y" }, { b = "x", a = 1 }, { a = 1 }, {} }
  T.same(q.collect(q.unique(dup)), { { a = 1, b = "x" }, { a = 1, b = "y" }, { a = 1 }, {} }, "whole rows")
  T.match(T.raises(q.unique, people, 5), "att%.query%.unique: key must be")
end)

T.test("take: stops pulling after n; never pulls past the end", function()
  local src = counting(people)
  local it = q.take(src.it, 3)
  T.same(ids(q.collect(it)), { 1, 2, 3 }, "three")
  T.eq(src.pulls, 3, "pulled exactly three")
  T.eq(it(), nil, "still ended")
  T.eq(src.pulls, 3, "still three")
  local src0 = counting(people)
  T.same(q.collect(q.take(src0.it, 0)), {}, "take 0")
  T.eq(src0.pulls, 0, "nothing pulled")
  local short = counting({ { id = 1 } })
  local it2 = q.take(short.it, 5)
  T.eq(#q.collect(it2), 1, "fewer than n")
  T.eq(it2(), nil, "ended")
  T.eq(short.pulls, 2, "the end is read once, not again")
  T.match(T.raises(q.take, people, -1), "att%.query%.take: n must be an integer >= 0")
end)

T.test("map (nil drops), count, collect(n)", function()
  T.same(q.collect(q.map(people, function(r) if r.n == 3 then return { who = r.name } end end)),
    { { who = "ann" }, { who = "eve" } }, "map and drop")
  T.eq(q.count(people), 6, "count")
  T.eq(q.count(q.filter(people, { market = "HOU" })), 2, "count filtered")
  local src = counting(people)
  T.same(ids(q.collect(src.it, 2)), { 1, 2 }, "collect 2")
  T.eq(src.pulls, 2, "collect(n) pulls n")
  T.eq(q.count(rows(data, "product")), #expect.product, "count rows")
  T.match(T.raises(q.map, people, 5), "att%.query%.map: fn must be a function")
end)

T.test("chain: filter/select/sort/take/collect; iterable, callable, iter(), ipairs, columns()", function()
  local function chain()
    return q.from(people):filter { market = { "DAL", "HOU" } }
        :select { "id", { "account.billingMarket", "mkt" }, "n" }
        :sort({ "mkt", { "id", desc = true } }):take(3)
  end
  T.same(chain():collect(), { { id = 3, mkt = "DAL" }, { id = 1, mkt = "DAL", n = 3 }, { id = 6, mkt = "HOU", n = 1.0 } },
    "collect")
  local c = chain()
  T.ok(q.is_chain(c), "is_chain")
  T.same(c:columns(), { "id", "mkt", "n" }, "columns from select")
  T.match(tostring(c), "^att%.query%.Chain{id, mkt, n}$", "tostring")
  local got = {}
  for row in chain() do got[#got + 1] = row.id end
  T.same(got, { 3, 1, 6 }, "generic for")
  local c2 = chain()
  T.eq(c2().id, 3, "callable")
  T.eq(c2:iter()().id, 1, "iter() shares the stream")
  T.eq(c2:count(), 1, "count the rest")
  got = {}
  for i, row in ipairs(chain()) do got[i] = row.id end
  T.same(got, { 3, 1, 6 }, "ipairs reads it in order")
  local c3 = chain()
  T.eq(c3[1].id, 3, "c[1]")
  T.eq(c3[1].id, 3, "c[1] again")
  T.match(T.raises(function() return c3[3] end), "a chain is read in order")
  T.same(q.from(people):map(function(r) return { x = r.id } end):take(2):collect(),
    { { x = 1 }, { x = 2 } }, "map")
  T.same(q.from(people):unique("market"):count(), 4, "unique + count")
  T.same(q.from(people):group("market", { count = true }):sort("count", true):columns(), { "market", "count" },
    "group columns")
  T.same(q.from(people):group("market"):sort({ "count", "market" }, true):collect(), {
    { market = "HOU", count = 2 }, { market = "DAL", count = 2 }, { market = "NYC", count = 1 },
    { market = null, count = 1 } }, "group then sort")
  T.same(q.from(q.from(people):take(2)):collect(2), { people[1], people[2] }, "from(chain)")
  T.match(T.raises(q.from, 5), "att%.query%.from: rows must be")
  T.match(T.raises(function() return q.from(people):take("x") end), "att%.query%.take: n must be")
end)

T.test("chain over a Results: rows(level), filter, group", function()
  local r <close> = att.search { pageSize = 25 }
  local got = q.from(r):rows("account", { "accountId", "billingMarket", "individualId" })
      :group("billingMarket", { count = true, distinct = "individualId" }):collect()
  local want = q.collect(q.group(rows(data, "account"), "billingMarket", { count = true, distinct = "individualId" }))
  T.same(got, want, "groups")
  T.eq(r:stats().requests, 2, "full scan: 2 requests")
end)

T.test("report.csv accepts a chain (and chain:write uses the chain's columns)", function()
  local path = os.tmpname()
  local function build()
    return q.from(rows(data, "account")):filter { billingMarket = { "DAL", "HOU" } }
        :select { "accountId", { "billingMarket", "market" }, "subscribersCount", { "individual.familyName", "family" } }
        :sort("accountId"):take(4)
  end
  local want_rows = build():collect()
  T.eq(#want_rows, 4, "four rows")
  local want = { "accountId,market,subscribersCount,family" }
  for _, r in ipairs(want_rows) do
    local fam = r.family
    if fam:find('[,"]') then fam = '"' .. fam:gsub('"', '""') .. '"' end
    want[#want + 1] = table.concat({ r.accountId, r.market, r.subscribersCount, fam }, ",")
  end
  want = table.concat(want, "\r\n") .. "\r\n"
  local c = build()
  T.eq(report.csv(c, { columns = c:columns(), out = path }), 4, "report.csv row count")
  T.eq(T.read_file(path), want, "report.csv output")
  T.eq(build():write("csv", { out = path }), 4, "chain:write row count")
  T.eq(T.read_file(path), want, "chain:write output")
  T.eq(report.csv(rows(data, "account", { "accountId" }), { columns = { "accountId" }, out = path }),
    #expect.account, "report.csv over a rows iterator")
  os.remove(path)
end)

---------------------------------------------------------------------------------------------------
-- Paths crossing arrays (att.path's rule; before, rows and query gave nil for these)

local family = {
  { id = "i1", accounts = {
    { id = "a1", billingMarket = "DAL", subscribersCount = "2", state = { state = "ACTIVE" },
      subscribers = { { id = "s1", status = { state = "ACTIVE" } }, { id = "s2", status = { state = "CANCELLED" } } } },
    { id = "a2", billingMarket = "HOU", subscribersCount = "1", subscribers = { { id = "s3" } } } } },
  { id = "i2", accounts = { { id = "a3", billingMarket = null, subscribersCount = "0", subscribers = {} } } },
  { id = "i3", accounts = { { id = "a4", billingMarket = "DAL", subscribersCount = "1",
    subscribers = { { id = "s4", status = { state = "ACTIVE" } } } } } },
  { id = "i4" },
}

T.test("rows: a path into the child array or any array crosses it; the child array itself is nil", function()
  local got = collect(rows(family, "individual",
    { "individualId", "accounts", "accounts.billingMarket", "accounts.1.id", "accounts.subscribers.id",
      "accounts.subscribers.status.state" }))
  T.same(got, {
    { individualId = "i1", ["accounts.billingMarket"] = '["DAL","HOU"]', ["accounts.1.id"] = "a1",
      ["accounts.subscribers.id"] = '["s1","s2","s3"]', ["accounts.subscribers.status.state"] = '["ACTIVE","CANCELLED"]' },
    { individualId = "i2", ["accounts.1.id"] = "a3" },
    { individualId = "i3", ["accounts.billingMarket"] = '["DAL"]', ["accounts.1.id"] = "a4",
      ["accounts.subscribers.id"] = '["s4"]', ["accounts.subscribers.status.state"] = '["ACTIVE"]' },
    { individualId = "i4" },
  }, "individual rows: lists as JSON text, nil when only att.null or nothing was found")
  got = collect(rows(family, "account", { "accountId", "subscribers", "subscribers.id", "individual.accounts.id" }))
  T.same(got[1], { accountId = "a1", ["subscribers.id"] = '["s1","s2"]', ["individual.accounts.id"] = '["a1","a2"]' })
  T.same(got[3], { accountId = "a3", ["individual.accounts.id"] = '["a3"]' }, "an empty array: nil")
  got = collect(rows(family, "subscriber", { meta = { individual = { "accounts.billingMarket" }, account = {} } }))
  T.eq(got[1]["individual.accounts.billingMarket"], '["DAL","HOU"]', "meta paths cross too")
  T.eq(got[4]["individual.accounts.billingMarket"], '["DAL"]')
end)

T.test("query filter on a crossed path: ANY value found matches; none found is tested as nil", function()
  local function fids(pred) return ids(q.collect(q.filter(family, pred))) end
  T.same(fids { ["accounts.billingMarket"] = "HOU" }, { "i1" }, "equality with any value")
  T.same(fids { ["accounts.billingMarket"] = "DAL" }, { "i1", "i3" })
  T.same(fids { ["accounts.billingMarket"] = { "HOU", "NYC" } }, { "i1" }, "any of a list")
  T.same(fids { ["accounts.billingMarket"] = null }, { "i2", "i4" }, "att.null: a null value, or no account")
  T.same(fids { ["accounts.subscribers.status.state"] = "CANCELLED" }, { "i1" }, "two crossings")
  T.same(fids { ["accounts.subscribers.id"] = null }, { "i2", "i4" }, "nothing found: tested as nil")
  local seen = {}
  T.same(fids { ["accounts.subscribersCount"] = function(v) seen[#seen + 1] = v or "nil"; return v == "1" end },
    { "i1", "i3" }, "a function tests each value")
  T.same(seen, { "2", "1", "0", "1", "nil" }, "values one by one, stopping at the first match; nil when none")
  T.same(fids { ["accounts.billingMarket"] = "DAL", ["accounts.1.id"] = "a4" }, { "i3" }, "every field must match")
end)

T.test("query select, sort, group, unique on a crossed path: the list; aggregates per value", function()
  local sel = q.collect(q.select(family, { "id", { "accounts.billingMarket", "markets" } }))
  T.same(sel, { { id = "i1", markets = { "DAL", "HOU" } }, { id = "i2" }, { id = "i3", markets = { "DAL" } }, { id = "i4" } },
    "select: the list, nil when it holds only att.null or nothing")
  T.eq(json.encode(sel[1].markets), '["DAL","HOU"]')
  T.same(ids(q.collect(q.sort(family, "accounts.billingMarket"))), { "i3", "i1", "i2", "i4" },
    "sort: lists element by element (a prefix first), nil last")
  T.same(ids(q.collect(q.sort(family, "accounts.billingMarket", true))), { "i1", "i3", "i2", "i4" }, "desc")
  T.same(q.collect(q.group(family, "accounts.state.state")), {
    { ["accounts.state.state"] = { "ACTIVE" }, count = 1 }, { count = 3 } }, "group: the list as the key")
  local two = { { id = 1, l = { { v = "x" }, { v = "y" } } }, { id = 2, l = { { v = "x" }, { v = "y" } } },
    { id = 3, l = { { v = "x" } } }, { id = 4, l = { { v = 1 } } }, { id = 5, l = { { v = 1.0 } } } }
  T.same(q.collect(q.group(two, "l.v")), { { ["l.v"] = { "x", "y" }, count = 2 }, { ["l.v"] = { "x" }, count = 1 },
    { ["l.v"] = { 1 }, count = 2 } }, "lists with equal values are one group (1 == 1.0)")
  T.same(ids(q.collect(q.unique(two, "l.v"))), { 1, 3, 4 }, "unique: by the list's values")
  T.same(ids(q.collect(q.unique(two, { "l.v", "id" }))), { 1, 2, 3, 4, 5 }, "with a second key")
  T.same(q.collect(q.group(family, nil, { count = true, sum = "accounts.subscribersCount",
      distinct = "accounts.billingMarket", min = "accounts.id", max = "accounts.subscribers.id" })),
    { { count = 4, ["sum_accounts.subscribersCount"] = 4, ["distinct_accounts.billingMarket"] = 2,
        ["min_accounts.id"] = "a1", ["max_accounts.subscribers.id"] = "s4" } },
    "aggregates: each value found is one term (att.null skipped)")
  T.same(q.collect(q.group(family, "accounts.1.billingMarket", { avg = "accounts.subscribersCount" })), {
    { ["accounts.1.billingMarket"] = "DAL", ["avg_accounts.subscribersCount"] = 4 / 3 },
    { ["accounts.1.billingMarket"] = null, ["avg_accounts.subscribersCount"] = 0.0 },
    { ["avg_accounts.subscribersCount"] = nil } }, "avg over the values of each group")
end)

-- opts.whole, opts.raw, opts.where (att search's jsonl/json and --where)
local tree = {
  { id = "I1", accounts = {
    { id = "A1", billingMarket = "DAL", state = { state = "ACTIVE" }, subscribers = {
      { id = "S1", status = { state = "ACTIVE" }, products = { { name = "P1" }, { name = "P2" } } } } },
    { id = "A2", billingMarket = "HOU", subscribers = {} } } },
  { id = "I2", accounts = { { id = "A3", billingMarket = "DAL", subscribersCount = "2" } } },
}

T.test("whole: the record as it is, with its parents' ids", function()
  local got = collect(rows(tree, "account", { whole = true }))
  T.eq(#got, 3, "accounts")
  T.eq(got[1].individualId, "I1", "individualId")
  T.eq(got[1].state.state, "ACTIVE", "nested objects stay tables")
  T.eq(got[1].subscribers[1].id, "S1", "child arrays kept")
  T.eq(got[3].subscribersCount, "2", "types kept")
  local p = collect(rows(tree, "product", { whole = true }))
  T.same(p[2], { name = "P2", individualId = "I1", accountId = "A1", subscriberId = "S1", productIndex = 2 })
  T.ok(tree[1].accounts[1].individualId == nil, "the record itself is not changed")
end)

T.test("raw: with columns, tables stay tables", function()
  local got = collect(rows(tree, "individual", { columns = { "id", "accounts.billingMarket", "accounts.1.state" }, raw = true }))
  T.same(got[1]["accounts.billingMarket"], { "DAL", "HOU" })
  T.same(got[1]["accounts.1.state"], { state = "ACTIVE" })
  local text = collect(rows(tree, "individual", { columns = { "accounts.billingMarket" } }))
  T.eq(text[1]["accounts.billingMarket"], '["DAL","HOU"]', "without raw: JSON text")
end)

T.test("where: every {path, value} must match, compared as text", function()
  local ids = function(list, key) local o = {} for i, r in ipairs(list) do o[i] = r[key] end return o end
  T.same(ids(collect(rows(tree, "account", { columns = { "accountId" }, where = { { "billingMarket", "DAL" } } })), "accountId"),
    { "A1", "A3" })
  T.same(ids(collect(rows(tree, "account", { columns = { "accountId" },
    where = { { "billingMarket", "DAL" }, { "individualId", "I2" } } })), "accountId"), { "A3" })
  T.same(ids(collect(rows(tree, "individual", { columns = { "individualId" },
    where = { { "accounts.billingMarket", "HOU" } } })), "individualId"), { "I1" }, "a crossed list: any element")
  T.same(ids(collect(rows(tree, "account", { columns = { "accountId" }, where = { { "state.state", "" } } })), "accountId"),
    { "A2", "A3" }, "a missing value is the empty string")
  T.same(ids(collect(rows(tree, "subscriber", { whole = true, where = { { "account.billingMarket", "DAL" } } })), "id"),
    { "S1" }, "a parent's field")
  local ok, err = pcall(rows, tree, "account", { where = { "billingMarket=DAL" } })
  T.ok(not ok, "a bad where entry is refused")
  T.match(err, "opts.where%[1%] must be {path, value}")
end)

T.done()
