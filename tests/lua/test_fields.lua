-- opts.fields: a scan builds only the listed fields of each individual (and always its id); what
-- it returns is exactly the full scan with the other fields removed, with or without a window,
-- under injected faults too; bad lists and level iterators that need a missing field fail.
local T = dofile("tests/lua/lib.lua")
local N = 123

local sb = T.sandbox { "--individuals", tostring(N), "--seed", "5" }
att.configure { base_url = sb.url }

-- The reference: the projection applied in Lua to the full records. Arrays are crossed.
local function project(v, node)
  if node == true or type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do
    if math.type(k) == "integer" then out[k] = project(x, node)
    elseif node[k] ~= nil then out[k] = project(x, node[k]) end
  end
  return out
end

local function trie(fields)
  local root = { id = true }
  for _, f in ipairs(fields) do
    local at, keys = root, {}
    for key in f:gmatch("[^.]+") do keys[#keys + 1] = key end
    for i, key in ipairs(keys) do
      if at[key] == true then break end
      if i == #keys then at[key] = true else at[key] = at[key] or {}; at = at[key] end
    end
  end
  return root
end

local function scan(params, opts)
  local t = {}
  for p in att.search(params, opts) do t[#t + 1] = p end
  return t
end

local full = scan({ pageSize = 10 }, { window = 1 })
T.ok(#full == N, "full scan")

local cases = {
  { "accounts.id", "accounts.billingMarket", "accounts.serviceType", "accounts.accountLocked" },
  { "givenName", "familyName" },
  { "accounts.subscribers" },                                  -- a whole subtree
  { "accounts.subscribers.products.productName", "accounts.id" },
  { "accounts", "accounts.id" },                               -- a prefix keeps all of it
  { "id" },
  { "noSuchField", "accounts.noSuchField" },
}

for _, fields in ipairs(cases) do
  local name = table.concat(fields, ",")
  T.test("fields {" .. name .. "}: the full records with only those fields", function()
    local want = {}
    for i, p in ipairs(full) do want[i] = project(p, trie(fields)) end
    T.same(scan({ pageSize = 10 }, { fields = fields, window = 1 }), want, "window 1")
    T.same(scan({ pageSize = 7 }, { fields = fields, window = 4 }), want, "window 4")
  end)
end

T.test("fields: the id is always there, other fields only when listed", function()
  local p = att.search({ pageSize = 5 }, { fields = { "givenName" } })()
  T.eq(p.id, full[1].id, "id")
  T.eq(p.givenName, full[1].givenName, "givenName")
  T.eq(p.familyName, nil, "familyName not built")
  T.eq(p.accounts, nil, "accounts not built")
end)

T.test("fields: the page's own fields (totalCount, stats) are unaffected", function()
  local r = att.search({ serviceType = "FIBER", pageSize = 10 }, { fields = { "accounts.id" } })
  local n = 0
  for _ in r do n = n + 1 end
  T.eq(r:total(), n, "total")
  local s = r:stats()
  T.eq(s.yielded, n, "yielded")
  T.ok(s.bytes > 0, "bytes counted")
end)

T.test("fields with accounts(): every account, its listed fields only", function()
  local got, want = {}, {}
  local fields = { "accounts.id", "accounts.accountLocked" }
  for a, p in att.search({ pageSize = 9 }, { fields = fields }):accounts() do
    got[#got + 1] = { p.id, a.id, a.accountLocked, a.billingMarket }
  end
  for a, p in att.search({ pageSize = 9 }, { window = 1 }):accounts() do
    want[#want + 1] = { p.id, a.id, a.accountLocked }
  end
  T.same(got, want, "accounts")
  local products = 0
  for _ in att.search({ pageSize = 50 }, { fields = { "accounts.subscribers.products.productName" } }):products() do
    products = products + 1
  end
  local all = 0
  for _ in att.search({ pageSize = 50 }):products() do all = all + 1 end
  T.eq(products, all, "products()")
end)

T.test("fields: a level iterator whose level is not kept is an error, not an empty scan", function()
  local r = att.search({ pageSize = 5 }, { fields = { "accounts.id" } })
  local e = T.raises(r.subscribers, r)
  T.match(e, "subscribers%(%): opts.fields keeps nothing under accounts.subscribers")
  e = T.raises(att.search({}, { fields = { "givenName" } }).accounts, att.search({}, { fields = { "givenName" } }))
  T.match(e, "accounts%(%): opts.fields keeps nothing under accounts")
end)

T.test("fields: bad lists are refused when the search is made, with what was wrong", function()
  local before = sb.requests()
  T.match(T.raises(att.search, {}, { fields = "accounts.id" }), "opts.fields must be a list of field paths.*got string")
  T.match(T.raises(att.search, {}, { fields = {} }), "opts.fields is empty")
  T.match(T.raises(att.search, {}, { fields = { "id", 7 } }), "opts.fields%[2%] must be a string %(got number%)")
  for _, bad in ipairs { "", ".id", "id.", "accounts..id" } do
    T.match(T.raises(att.search, {}, { fields = { bad } }), "opts.fields%[1%] is not a field path", bad)
  end
  T.match(T.raises(att.search, {}, { fieldz = { "id" } }), "unknown option fieldz %(known: limit, paging, window, fields, overlap, drift, fields_ok, project%)")
  T.eq(sb.requests() - before, 0, "no request")
end)

T.test("fields: invalid JSON in a field that is not built is still an error", function()
  local s = T.sandbox { "--individuals", "30", "--fault", "bad-json,after=1,count=1" }
  local ok, e = T.using({ base_url = s.url }, pcall, scan, { pageSize = 10 }, { fields = { "id" }, window = 1 })
  T.ok(not ok, "failed")
  T.eq(e.kind, "json", "kind")
end)

T.test("fields under injected faults: the same records as a clean full scan", function()
  local s = T.sandbox { "--individuals", tostring(N), "--seed", "5",
    "--fault", "status=503,after=1,every=3,count=3", "--fault", "truncate,after=2,every=4,count=2" }
  local fields = { "accounts.id", "givenName" }
  local got = T.using({ base_url = s.url, retries = 8, max_wait = 20 }, scan, { pageSize = 10 }, { fields = fields, window = 4 })
  local want = {}
  for i, p in ipairs(full) do want[i] = project(p, trie(fields)) end
  T.same(got, want, "records")
end)

T.done()
