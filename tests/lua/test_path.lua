-- att.path: the one rule for dotted paths (docs/API.md, "Paths") — scalars, nested objects,
-- numeric indexes, one and two array crossings, missing keys, att.null, empty arrays, non-table
-- values on the way, keyfirst, the cache and compact.
--   ./att tests/lua/test_path.lua
local T = dofile("tests/lua/lib.lua")
local path = require "att.path"
local json = att.json
local null = json.null

-- get(v, p) -> result, crossed, with the compiled and the cached forms checked to agree.
local function get(v, p, keyfirst)
  local a, ca = path.compile(p, keyfirst)(v)
  local b, cb = path.get(v, p, keyfirst)
  T.same(b, a, "path.get and path.compile agree on " .. p)
  T.eq(cb, ca, "crossed flags agree on " .. p)
  return a, ca
end

local IND = json.decode [==[{
  "id": "ind-9", "count": 3, "ratio": 0.5, "ok": false, "gone": null,
  "profile": {"firstName": "JANE", "middleInitial": null, "deep": {"er": {"est": "x"}}},
  "place": [{"id": "ADDR-01"}, {"id": "ADDR-02", "kind": "home"}],
  "accounts": [
    {"id": "A1", "billingMarket": "DAL", "state": {"state": "ACTIVE"},
     "subscribers": [{"id": "S1", "tags": ["a", "b"]}, {"id": "S2"}]},
    {"id": "A2", "billingMarket": null, "subscribers": []},
    {"id": "A3", "billingMarket": "HOU", "subscribers": [{"id": "S3", "tags": ["c"]}]},
    "not an object",
    {"id": "A5"}
  ],
  "matrix": [[{"v": 1}, {"v": 2}], [{"v": 3}], [], [{"w": 4}]],
  "empty": [],
  "obj": {"1": "one", "x": {"2": "two"}}
}]==]

T.test("scalars and nested objects: one value, no crossing", function()
  T.same({ get(IND, "id") }, { "ind-9" })
  T.same({ get(IND, "count") }, { 3 })
  T.eq(math.type((get(IND, "count"))), "integer")
  T.same({ get(IND, "ratio") }, { 0.5 })
  T.same({ get(IND, "ok") }, { false })
  T.same({ get(IND, "profile.firstName") }, { "JANE" })
  T.same({ get(IND, "profile.deep.er.est") }, { "x" })
  T.same(get(IND, "profile.deep"), { er = { est = "x" } }, "an object is one value")
  local place, crossed = get(IND, "place")
  T.eq(crossed, nil, "reaching an array is not crossing it")
  T.eq(#place, 2)
end)

T.test("numeric keys index arrays, 1-based; on objects they are string keys", function()
  T.same({ get(IND, "place.1.id") }, { "ADDR-01" })
  T.same({ get(IND, "place.2.kind") }, { "home" })
  T.same({ get(IND, "place.3.id") }, {}, "past the end")
  T.same({ get(IND, "place.0.id") }, {}, "0 is not an element")
  T.same({ get(IND, "accounts.1.subscribers.1.tags.2") }, { "b" }, "several indexes")
  T.same({ get(IND, "obj.1") }, { "one" }, "the key \"1\" of an object")
  T.same({ get(IND, "obj.x.2") }, { "two" })
  T.same({ get({ ["1"] = "string key", "first" }, "1") }, { "string key" }, "a string key wins")
  T.same({ get({ "first", "second" }, "2") }, { "second" })
end)

T.test("one crossing: the list of the values found, missing ones add nothing", function()
  local v, crossed = get(IND, "place.id")
  T.eq(crossed, true)
  T.same(v, { "ADDR-01", "ADDR-02" })
  T.eq(json.encode(v), '["ADDR-01","ADDR-02"]')
  T.same({ get(IND, "place.kind") }, { { "home" }, true }, "only the elements that have it")
  T.same({ get(IND, "accounts.id") }, { { "A1", "A2", "A3", "A5" }, true }, "a string element adds nothing")
  T.same({ get(IND, "accounts.state.state") }, { { "ACTIVE" }, true })
end)

T.test("att.null: a value at the end of a path, the end of the path on the way", function()
  T.same({ get(IND, "gone") }, { null })
  T.same({ get(IND, "profile.middleInitial") }, { null })
  T.same({ get(IND, "gone.x") }, {}, "att.null on the way")
  T.same({ get(IND, "accounts.billingMarket") }, { { "DAL", null, "HOU" }, true }, "att.null is one of the values")
  T.same({ get({ list = { { a = null }, { a = null } } }, "list.a") }, { { null, null }, true })
  T.eq(path.compact(get({ list = { { a = null }, { a = null } } }, "list.a")), nil, "compact: only att.null")
  T.same(path.compact((get(IND, "accounts.billingMarket"))), { "DAL", null, "HOU" }, "compact keeps a list with a value")
end)

T.test("two crossings: flattened one level at each", function()
  T.same({ get(IND, "accounts.subscribers.id") }, { { "S1", "S2", "S3" }, true })
  T.same({ get(IND, "accounts.subscribers.tags") }, { { { "a", "b" }, { "c" } }, true },
    "arrays found at the end are values, not flattened")
  T.same({ get(IND, "accounts.1.subscribers.id") }, { { "S1", "S2" }, true }, "an index, then a crossing")
  T.same({ get(IND, "accounts.subscribers.1.id") }, { { "S1", "S3" }, true },
    "after a crossing, a number indexes in each element: the first subscriber of each account")
end)

T.test("arrays of arrays: each crossing goes into nested arrays", function()
  T.same({ get(IND, "matrix.v") }, { { 1, 2, 3 }, true })
  T.same({ get(IND, "matrix.w") }, { { 4 }, true })
  T.same({ get(IND, "matrix.2.v") }, { { 3 }, true })
  T.same({ get(IND, "matrix.1.1.v") }, { 1 })
end)

T.test("missing keys and empty arrays", function()
  T.same({ get(IND, "nope") }, {})
  T.same({ get(IND, "nope.deeper.still") }, {})
  T.same({ get(IND, "profile.nope") }, {})
  local v, crossed = get(IND, "place.nope")
  T.eq(crossed, true, "crossing happened")
  T.same(v, {}, "no element has it: an empty list")
  T.eq(json.encode(v), "[]", "marked as a JSON array")
  T.eq(path.compact(v), nil, "compact: empty")
  -- a decoded empty array is an unmarked empty table: nothing to find either way
  T.same({ get(IND, "empty.x") }, {})
  T.same({ get(IND, "accounts.2.subscribers.id") }, {})
  T.same({ get({ list = json.array {} }, "list.x") }, { {}, true }, "a marked empty array is crossed")
end)

T.test("non-table values on the way give nil (strings are not indexed)", function()
  T.same({ get(IND, "id.len") }, {}, "a string's methods are not fields")
  T.same({ get(IND, "count.x") }, {})
  T.same({ get(IND, "ok.x") }, {})
  T.same({ get("a string", "len") }, {})
  T.same({ get(nil, "a") }, {})
  T.same({ get(42, "a.b") }, {})
  T.same({ get(null, "a.b.c") }, {})
  T.same({ get({ "x", "y" }, "len") }, { {}, true }, "strings in a crossed array add nothing")
end)

T.test("path syntax: empty keys ignored, no key gives the value itself", function()
  T.same({ get(IND, "profile..firstName") }, { "JANE" })
  T.same({ get(IND, ".profile.firstName.") }, { "JANE" })
  T.eq((get(IND, "")), IND)
  T.same(path.split("a..b.1"), { "a", "b", "1" })
  T.match(T.raises(path.compile, 5), "att.path: a path must be a string %(got number%)")
end)

T.test("keyfirst: a key equal to the whole path wins over the walk", function()
  local row = { ["a.b"] = "flat", a = { b = "nested" } }
  T.same({ get(row, "a.b", true) }, { "flat" })
  T.same({ get(row, "a.b") }, { "nested" })
  T.same({ get({ a = { b = "nested" } }, "a.b", true) }, { "nested" })
  T.same({ get({ ["x.y"] = false, x = { y = true } }, "x.y", true) }, { false }, "false is a value")
end)

T.test("is_array: an element at 1 or the att.json.array mark", function()
  T.eq(path.is_array({ 1 }), true)
  T.eq(path.is_array(json.array {}), true)
  T.eq(path.is_array({}), false)
  T.eq(path.is_array({ a = 1 }), false)
  T.eq(path.is_array(json.object {}), false)
end)

T.test("compiled getters are reusable across many records", function()
  local g = path.compile("accounts.subscribers.id")
  local recs = {}
  for i = 1, 100 do recs[i] = { accounts = { { subscribers = { { id = i }, { id = -i } } } } } end
  for i = 1, 100 do T.same({ g(recs[i]) }, { { i, -i }, true }) end
  local one = path.compile("id")
  T.same({ one({ { id = 1 }, { id = 2 } }) }, { { 1, 2 }, true }, "one key over an array")
  local two = path.compile("a.id")
  T.same({ two({ a = { { id = 1 }, { x = 2 }, { id = 3 } } }) }, { { 1, 3 }, true }, "two keys, crossing at the second")
  T.same({ two({ { a = { id = 1 } }, { a = { id = 2 } } }) }, { { 1, 2 }, true }, "two keys, crossing at the first")
end)

---------------------------------------------------------------------------------------------------
-- The consumers agree: the same path gives the same values in att.rows columns, att.query filter
-- and select, and att.report columns (each showing a crossed path its documented way).

local rows = require "att.rows"
local q = require "att.query"
local report = require "att.report"

local PEOPLE = json.decode(assert(T.read_file("tests/fixtures/report/individuals.json")))
PEOPLE[#PEOPLE + 1] = IND
local PATHS = { "id", "profile.firstName", "profile.middleInitial", "accounts.billingMarket",
  "accounts.1.id", "accounts.2.billingMarket", "accounts.subscribers.id", "accounts.state.state",
  "accounts.subscribers.1.id", "place.id", "place", "accounts.subscribers.tags", "nope.x", "gone" }

local function collect(it)
  local out = {}
  for row in it do out[#out + 1] = row end
  return out
end

local function csv(src, cols)
  local buf = {}
  report.csv(src, { columns = cols, out = { write = function(_, ...)
    for _, s in ipairs { ... } do buf[#buf + 1] = s end
    return true
  end } })
  return table.concat(buf)
end

T.test("consumers agree: rows columns, query select and report.get give the same values", function()
  local by_rows = collect(rows(PEOPLE, "individual", PATHS))
  local by_select = collect(q.select(PEOPLE, PATHS))
  T.eq(#by_rows, #PEOPLE)
  T.eq(#by_select, #PEOPLE)
  for i, ind in ipairs(PEOPLE) do
    for _, p in ipairs(PATHS) do
      local want = report.get(ind, p)
      local what = ind.id .. " " .. p
      T.same(by_select[i][p], want, "select " .. what)
      T.same(by_rows[i][p], type(want) == "table" and json.encode(want) or want, "rows " .. what)
    end
  end
  -- the crossing case of the issue: gathered everywhere, no longer nil in rows and query
  T.eq(by_rows[1]["accounts.billingMarket"], '["DAL","HOU"]')
  T.same(by_select[1]["accounts.billingMarket"], { "DAL", "HOU" })
  T.same(report.get(PEOPLE[1], "accounts.billingMarket"), { "DAL", "HOU" })
end)

T.test("consumers agree: the same CSV from raw records, from att.rows and from att.query.select", function()
  local want = csv(PEOPLE, PATHS)
  T.eq(csv(rows(PEOPLE, "individual", PATHS), PATHS), want, "att.rows")
  T.eq(csv(q.select(PEOPLE, PATHS), PATHS), want, "att.query.select")
  T.match(want, '\r\nind%-1,JANE,A,"%[""DAL"",""HOU""%]",123456789,HOU,"%[""SUB%-1"",""SUB%-2"",""SUB%-3""%]"')
end)

T.test("consumers agree: query filter keeps a record for each value report and rows show", function()
  for _, p in ipairs(PATHS) do
    for i, ind in ipairs(PEOPLE) do
      local v, crossed = path.get(ind, p)
      local values = crossed and v or { v }
      for _, x in ipairs(values) do
        if type(x) ~= "table" then
          local kept = collect(q.filter(PEOPLE, { [p] = x }))
          local found = false
          for _, r in ipairs(kept) do found = found or r == ind end
          T.ok(found, string.format("filter %s = %s keeps record %d", p, tostring(x), i))
        end
      end
    end
  end
  T.same(collect(q.select(q.filter(PEOPLE, { ["accounts.billingMarket"] = "HOU" }), { "id" })),
    { { id = "ind-1" }, { id = "ind-9" } }, "any of the markets")
  T.same(collect(q.select(q.filter(PEOPLE, { ["accounts.subscribers.id"] = { "SUB-4", "S2" } }), { "id" })),
    { { id = "ind-3" }, { id = "ind-9" } })
  T.eq(#collect(q.filter(PEOPLE, { ["accounts.billingMarket"] = "NOWHERE" })), 0)
end)

T.done()
