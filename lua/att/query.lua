-- att.query — filter, select, sort, group, unique, take, map, count and collect over ANY stream of
-- rows (an iterator function, an array, a Results, an att.rows iterator, a chain), applied to the
-- whole stream (never per page). Two forms:
--
--   local q = require "att.query"
--   local it = q.take(q.sort(q.filter(rows(r, "account"), {["account.billingMarket"] = {"DAL", "HOU"}}),
--                            "accountId"), 10)
--
--   q.from(att.search{serviceType = "FIBER"}):rows("account")
--     :filter{ accountLocked = "Y" }
--     :group("billingMarket", { count = true, sum = { "subscribersCount" } })
--     :sort("count", true)
--     :write("csv", { out = "markets.csv" })
--
-- Streams. A source `src` is an iterator function (nil at the end), a table or userdata with __call
-- (e.g. a Results, a chain), or an array of rows. Every function returns a plain iterator function.
-- filter, select, unique, take and map are lazy: they pull one row from their source per row they
-- give. sort and group read their whole source (at their first pull, not when they are set up) and
-- hold it (sort: the rows; group: one record per group). No stage pulls again after its source
-- returned nil, and take stops pulling as soon as it has given n rows.
--
-- Fields. Wherever a field is named it may be a dotted path: a row's own key wins ("account.x" as a
-- plain key, as att.rows writes them), otherwise the path is followed by the one rule of att.path
-- (docs/API.md, "Paths"): a number indexes an array ("place.1.id"), any other key applied to an
-- array crosses it and gives the list of the values found in its elements ("accounts.billingMarket"
-- on an individual: {"DAL", "HOU"}). What each stage does with such a crossed path:
--   filter     the test holds when it holds for ANY value found (for nil when none was found), so
--              {["accounts.billingMarket"] = "DAL"} keeps the individuals with an account in DAL;
--   select     the list (an array marked att.json.array), or nil when it holds no value other than
--              att.null, as att.report and att.rows show it;
--   sort       that same value; two arrays compare element by element (then the shorter first);
--   group, unique  that same value as the key, lists being equal when their values are;
--   aggregates (sum, avg, min, max, distinct) take each value found as one term.
-- (Changed with att.path: a path that crossed an array used to give nil.)
--
-- q.iter(src) -> iterator                         the source as an iterator function
-- q.filter(src, pred) -> iterator                 rows for which pred holds; pred is
--      function(row) -> truthy, or a table {field = expected, ...} where every field must match:
--      expected a scalar: equality (==, so "1" ~= 1 and 1 == 1.0);
--      expected a list {"DAL", "HOU"}: any of (an empty list matches nothing);
--      expected a function(value) -> truthy: a test of the value;
--      expected att.null: the value is missing (nil) or att.null.
-- q.select(src, columns) -> iterator              new rows holding exactly these columns, in order;
--      an entry is "field" (kept under its own name), {"field", "newname"} (renamed), or
--      {function(row) ... end, "name"} (computed).
-- q.sort(src, keys [, desc]) -> iterator          stable sort. keys: "field", a list of fields (each
--      "field" or {"field", desc = true}), or a comparator function(a, b) -> a before b. desc (boolean)
--      is the default direction of every key (a key's own desc wins; with a comparator, it reverses
--      it). nil, att.null and NaN sort last in either direction. Values of different types order
--      numbers < strings < booleans < others; false < true.
-- q.group(src, keys, aggregates) -> iterator      one row per distinct combination of the key fields
--      (nil and att.null are keys like any other), in the order each group was first seen (pipe into
--      sort for another order). keys: "field", a list of fields, or nil / {} for one group of all
--      rows (then exactly one row, even for an empty source). A row holds the key fields under their
--      names, then
--        count = true        count         number of rows (count = "name" names it)
--        sum = {"f", ...}    sum_f         sum of the numbers (numeric strings such as subscribersCount
--                                          count as numbers; nil/null skipped; 0 when none; anything
--                                          else is an error); integer when every term is
--        avg = {...}         avg_f         sum_f / number of terms (a float), nil when none
--        min = {...}         min_f         least value in sort order (strings compare as strings),
--        max = {...}         max_f         nil/null skipped; nil when none
--        distinct = {...}    distinct_f    number of distinct values, nil/null not counted
--      each list may also be a single "f". Default aggregates: { count = true }.
-- q.unique(src [, key]) -> iterator               the first row of each distinct key: key is a field,
--      a list of fields, or a function(row) -> value; without key, the whole row (same keys and
--      values; 1 and 1.0 are equal).
-- q.take(src, n) -> iterator                      the first n rows; pulls no more than n from src
-- q.map(src, fn) -> iterator                      fn(row) for each row; when fn returns nil the row
--      is dropped (so map also filters)
-- q.count(src) -> integer                         consumes the stream
-- q.collect(src [, n]) -> array                   the rows (the first n with n)
--
-- Chains: q.from(src) -> chain, with the methods filter, select, sort, group, unique, take, map (each
-- returns a new chain reading this one: a chain is a one-pass stream), rows(level [, columns|opts])
-- (att.rows over a chain of individuals), and the terminal methods collect([n]), count(), iter()
-- (an iterator function), columns() (the column list known from the last select, group or rows
-- with columns, else nil) and write(format [, opts]) (att.report.write, with opts.columns defaulting
-- to chain:columns()). A chain is itself an iterator: chain() returns the next row, so
-- `for row in chain do` works, and it reads as an array in order (chain[1], chain[2], ...; ipairs),
-- which is how the report writers read tables, so report.csv(chain, opts) streams it too.
--
-- Length: about 770 lines, because this header is the module's whole reference (85 lines) and the
-- stages share private helpers (iter, the getters, the order of values, the trie of keys of group
-- and unique) that the chain methods, one line each, reuse; splitting it would make them public.
local M = {}

local att = require "att"
local null = att.json.null
local encode = att.json.encode

local path = require "att.path"
local plan = require "att.plan"
local compile, compact, is_array = path.compile, path.compact, path.is_array

local ChainMT = { __name = "att.query.Chain" }
local Chain = {}

---------------------------------------------------------------------------------------------------
-- Helpers

-- A getter for a field name (a dotted path allowed), checked; lvl is the error level. The getter
-- returns the value and, when the path crossed an array, true (the value is then the list).
local function getter(field, what, lvl)
  if type(field) ~= "string" or field == "" then
    error(what .. ": a field name must be a non-empty string (got " .. type(field) .. ")", lvl + 1)
  end
  return compile(field, true)
end
M.getter = function(field) return getter(field, "att.query.getter", 2) end

-- A getter of the value select, sort, group and unique use: a crossed path's list, or nil when it
-- holds no value other than att.null. Returns true as a second value for a list.
local function value_getter(field, what, lvl)
  local get = getter(field, what, lvl + 1)
  return function(row)
    local v, crossed = get(row)
    if crossed then return compact(v), true end
    return v
  end
end

-- A check of one value applied to a field: over a crossed path it holds when it holds for any value
-- found, or for nil when none was.
local function any_of(get, test)
  return function(row)
    local v, crossed = get(row)
    if not crossed then return test(v) end
    local n = #v
    if n == 0 then return test(nil) end
    for i = 1, n do
      if test(v[i]) then return true end
    end
    return false
  end
end

-- The source as an iterator that is never called again after it returned nil.
local function iter(src, what, lvl)
  local t = type(src)
  local nxt
  if t == "function" then
    nxt = src
  elseif t == "table" then
    local mt = getmetatable(src)
    if mt == ChainMT then
      return rawget(src, "_next")
    elseif type(mt) == "table" and mt.__call then
      nxt = function() return src() end
    else
      local i = 0
      nxt = function()
        i = i + 1
        return src[i]
      end
    end
  elseif t == "userdata" then
    nxt = function() return src() end -- e.g. a Results
  else
    error(what .. ": rows must be an iterator, an array or a Results (got " .. t .. ")", lvl + 1)
  end
  local done = false
  return plan.attach(function()
    if done then return nil end
    local row = nxt()
    if row == nil then done = true end
    return row
  end, function(needs, why) return plan.tell(src, needs, why) end)
end

function M.iter(src)
  local it = iter(src, "att.query.iter", 2)
  return it
end

local function is_list(t)
  return type(t) == "table" and getmetatable(t) == nil and (t[1] ~= nil or next(t) == nil)
end

local function is_missing(v)
  return v == nil or v == null or v ~= v
end

-- Order between two present values (see q.sort).
local RANK = { number = 1, string = 2, boolean = 3 }
local function less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = RANK[ta] or 4, RANK[tb] or 4
    if ra ~= rb then return ra < rb end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  if ta == "boolean" then return (not a) and b end
  if ta == "table" and is_array(a) and is_array(b) then  -- e.g. the lists of crossed paths
    for i = 1, math.min(#a, #b) do
      local x, y = a[i], b[i]
      if x ~= y then
        if less(x, y) then return true end
        if less(y, x) then return false end
      end
    end
    return #a < #b
  end
  return tostring(a) < tostring(b)
end
M.less = less

local function check_integer(n, what, lvl)
  local i = math.tointeger(n)
  if not i or i < 0 then
    error(what .. " must be an integer >= 0 (got " .. tostring(n) .. ")", lvl + 1)
  end
  return i
end

local function check_fn(fn, what, lvl)
  if type(fn) ~= "function" then
    error(what .. " must be a function (got " .. type(fn) .. ")", lvl + 1)
  end
end

-- Tree-keyed sets: node[k1][k2]...; nil and NaN get sentinel keys (1.0 and 1 share a key).
local NILK, NANK = {}, {}
local function tkey(v)
  if v == nil then return NILK end
  if v ~= v then return NANK end
  return v
end

---------------------------------------------------------------------------------------------------
-- Stages. Each *_ function is called from exactly one level below the caller (the public function
-- or the chain method), so `lvl` = 3 designates the user's call.

local function filter_(src, pred)
  local W = "att.query.filter"
  local nxt = iter(src, W, 3)
  local test
  if type(pred) == "function" then
    test = pred
  elseif type(pred) == "table" then
    local checks = {}
    for field, expected in pairs(pred) do
      local get = getter(field, W, 3)
      local one
      if type(expected) == "function" then
        one = expected
      elseif expected == null then
        one = function(v) return v == nil or v == null end
      elseif type(expected) == "table" then
        if not is_list(expected) then
          error(W .. ": " .. tostring(field) .. ": expected a value, a list of values or a function", 3)
        end
        local set, nullok = {}, false
        for _, v in ipairs(expected) do
          if v == null then nullok = true end
          if v == v then set[v] = true end
        end
        one = function(v)
          if v == nil then return nullok end
          if v ~= v then return false end
          return set[v] == true
        end
      else
        one = function(v) return v == expected end
      end
      checks[#checks + 1] = any_of(get, one)
    end
    test = function(row)
      for i = 1, #checks do
        if not checks[i](row) then return false end
      end
      return true
    end
  else
    error(W .. ": pred must be a function or a table of field = value (got " .. type(pred) .. ")", 3)
  end
  local fields = {}
  if type(pred) == "table" then
    for field in pairs(pred) do fields[#fields + 1] = field end
  end
  return plan.stage(src, function()
    while true do
      local row = nxt()
      if row == nil then return nil end
      if test(row) then return row end
    end
  end, function(needs, why)
    if type(pred) == "function" then return nil, "filter() with a Lua function" end
    return plan.add(needs, fields), why
  end)
end

local function select_(src, columns)
  local W = "att.query.select"
  local nxt = iter(src, W, 3)
  if not is_list(columns) or columns[1] == nil then
    error(W .. ": columns must be a non-empty list (got " .. type(columns) .. ")", 3)
  end
  local gets, names = {}, {}
  for i, c in ipairs(columns) do
    local from, to
    if type(c) == "table" then
      from, to = c[1], c[2]
      if to == nil and type(from) == "string" then to = from end
    else
      from, to = c, c
    end
    if type(to) ~= "string" then
      error(W .. ": column " .. i .. ": expected \"field\", {\"field\", \"name\"} or {function, \"name\"}", 3)
    end
    gets[i] = type(from) == "function" and from or value_getter(from, W, 3)
    names[i] = to
  end
  local n = #names
  local fields = {}
  for i, c in ipairs(columns) do
    local from = type(c) == "table" and c[1] or c
    if type(from) == "function" then fields = nil break end
    fields[i] = from
  end
  local make = fields and plan.builder(names, fields)
  local build = make and make(table.unpack(gets)) or function(row)
    local out = {}
    for i = 1, n do out[names[i]] = gets[i](row) end
    return out
  end
  return plan.stage(src, function()
    local row = nxt()
    if row == nil then return nil end
    return build(row)
  end, function()
    if not fields then return nil, "select() with a computed column" end
    return fields
  end), names
end

local function sort_(src, keys, desc)
  local W = "att.query.sort"
  local nxt = iter(src, W, 3)
  if desc ~= nil and type(desc) ~= "boolean" then
    error(W .. ": desc must be a boolean (got " .. type(desc) .. ")", 3)
  end
  local cmp, decorate                                -- items are {row, index, key values...}
  if type(keys) == "function" then
    local before = keys
    if desc then before = function(a, b) return keys(b, a) end end
    cmp = function(x, y)
      if before(x[1], y[1]) then return true end
      if before(y[1], x[1]) then return false end
      return x[2] < y[2]
    end
  else
    if type(keys) == "string" then keys = { keys } end
    if not is_list(keys) or keys[1] == nil then
      error(W .. ": keys must be a field, a list of fields or a comparator function (got " .. type(keys) .. ")", 3)
    end
    local gets, descs = {}, {}
    for i, k in ipairs(keys) do
      local field, d = k, desc or false
      if type(k) == "table" then
        field = k[1]
        if k.desc ~= nil then d = k.desc and true or false end
      end
      gets[i], descs[i] = value_getter(field, W, 3), d
    end
    local nk = #gets
    decorate = function(item)
      for i = 1, nk do
        local v = (gets[i](item[1]))
        if is_missing(v) then v = NILK end
        item[i + 2] = v
      end
    end
    cmp = function(x, y)
      for i = 3, nk + 2 do
        local a, b = x[i], y[i]
        if a ~= b then
          if a == NILK then return false end
          if b == NILK then return true end
          if less(a, b) then return not descs[i - 2] end
          if less(b, a) then return descs[i - 2] end
        end
      end
      return x[2] < y[2]
    end
  end
  local fields = {}
  if type(keys) ~= "function" then
    for k, key in ipairs(keys) do fields[k] = type(key) == "table" and key[1] or key end
  end
  local items, i, n
  return plan.stage(src, function()
    if not items then
      items, n, i = {}, 0, 0
      for row in nxt do
        n = n + 1
        local item = { row, n }
        if decorate then decorate(item) end
        items[n] = item
      end
      table.sort(items, cmp)
    end
    i = i + 1
    if i > n then return nil end
    local row = items[i][1]
    items[i] = false
    return row
  end, function(needs, why)
    if type(keys) == "function" then return nil, "sort() with a comparator function" end
    return plan.add(needs, fields), why
  end)
end

local function tonum(v, name)
  if type(v) == "number" then return v end
  local n = type(v) == "string" and tonumber(v)
  if not n then
    error(string.format("att.query.group: %s: %s is not a number", name,
      type(v) == "string" and string.format("%q", v) or tostring(v)), 0)
  end
  return n
end

local AGGS = { count = true, sum = true, min = true, max = true, avg = true, distinct = true }
local AGG_ORDER = { "sum", "min", "max", "avg", "distinct" }

-- A canonical text of a whole row, for unique without a key.
local function repr(v)
  local t = type(v)
  if t == "number" then
    local iv = math.tointeger(v)
    if iv then return "n" .. string.format("%d", iv) end
    return "n" .. string.format("%.17g", v)
  elseif t == "string" then
    return "s" .. #v .. ":" .. v
  elseif t == "boolean" then
    return v and "T" or "F"
  elseif v == null then
    return "z"
  elseif t == "table" then
    local ok, s = pcall(encode, v)
    return "t" .. (ok and (#s .. ":" .. s) or tostring(v))
  end
  return "o" .. tostring(v)
end

-- The table key of a crossed path's list in the trie under root: one per distinct list of values
-- (kept in root[LISTS], text of the list -> key), so that lists with equal values share a key.
local LISTS = {}
local function list_key(root, list)
  local interned = root[LISTS]
  if not interned then
    interned = {}
    root[LISTS] = interned
  end
  local parts = {}
  for i = 1, #list do parts[i] = repr(list[i]) end
  local text = table.concat(parts, ",")
  local k = interned[text]
  if not k then
    k = {}
    interned[text] = k
  end
  return k
end

-- group and unique keep a trie of the key values seen, one level per key. Walks root along the
-- values of row under gets[1..n] (making the inner nodes it lacks) and returns the innermost node
-- and the table key of the last value; vals, when given, receives the values. A getter returns
-- the value and true when it is the list of a crossed path (see value_getter).
local function trie_slot(root, gets, row, vals)
  local node, n = root, #gets
  for k = 1, n - 1 do
    local v, list = gets[k](row)
    if vals then vals[k] = v end
    local tk = list and v ~= nil and list_key(root, v) or tkey(v)
    local child = node[tk]
    if not child then
      child = {}
      node[tk] = child
    end
    node = child
  end
  local v, list = gets[n](row)
  if vals then vals[n] = v end
  return node, list and v ~= nil and list_key(root, v) or tkey(v)
end

local function group_(src, keys, aggs)
  local W = "att.query.group"
  local nxt = iter(src, W, 3)
  if keys == nil then keys = {} elseif type(keys) == "string" then keys = { keys } end
  if not is_list(keys) then
    error(W .. ": keys must be a field, a list of fields or nil (got " .. type(keys) .. ")", 3)
  end
  if aggs == nil then aggs = { count = true } end
  if type(aggs) ~= "table" then error(W .. ": aggregates must be a table (got " .. type(aggs) .. ")", 3) end
  local names, kgets = {}, {}
  for i, k in ipairs(keys) do
    kgets[i] = value_getter(k, W, 3)
    names[i] = k
  end
  local nkeys = #kgets
  for k in pairs(aggs) do
    if not AGGS[k] then
      error(W .. ": unknown aggregate " .. tostring(k) .. " (count, sum, min, max, avg, distinct)", 3)
    end
  end
  local count_name
  if aggs.count then
    count_name = type(aggs.count) == "string" and aggs.count or "count"
    names[#names + 1] = count_name
  end
  local specs = {}                                   -- {kind, get, outname}
  for _, kind in ipairs(AGG_ORDER) do
    local fields = aggs[kind]
    if fields ~= nil then
      if type(fields) == "string" then fields = { fields } end
      if not is_list(fields) then
        error(W .. ": " .. kind .. " must be a field or a list of fields", 3)
      end
      for _, f in ipairs(fields) do
        local s = { kind, getter(f, W, 3), kind .. "_" .. f, f }
        specs[#specs + 1] = s
        names[#names + 1] = s[3]
      end
    end
  end
  local nspecs = #specs

  local function new_group(kv)
    local g = { keys = kv, count = 0, acc = {}, n = {}, set = {} }
    for j = 1, nspecs do
      local kind = specs[j][1]
      if kind == "sum" or kind == "avg" then g.acc[j] = 0 end
      g.n[j] = 0
      if kind == "distinct" then g.set[j] = {} end
    end
    return g
  end

  -- Adds one value v to aggregate j of group g.
  local function add_value(g, j, s, v)
    if is_missing(v) then return end
    local kind = s[1]
    if kind == "sum" or kind == "avg" then
      g.acc[j] = g.acc[j] + tonum(v, s[3])
      g.n[j] = g.n[j] + 1
    elseif kind == "min" then
      if g.acc[j] == nil or less(v, g.acc[j]) then g.acc[j] = v end
    elseif kind == "max" then
      if g.acc[j] == nil or less(g.acc[j], v) then g.acc[j] = v end
    else -- distinct
      if not g.set[j][v] then
        g.set[j][v] = true
        g.n[j] = g.n[j] + 1
      end
    end
  end

  local function add(g, row)
    g.count = g.count + 1
    for j = 1, nspecs do
      local s = specs[j]
      local v, crossed = s[2](row)
      if crossed then                                -- each value found is one term
        for k = 1, #v do add_value(g, j, s, v[k]) end
      else
        add_value(g, j, s, v)
      end
    end
  end

  local function result(g)
    local out = {}
    for i = 1, nkeys do out[names[i]] = g.keys[i] end
    if count_name then out[count_name] = g.count end
    for j = 1, nspecs do
      local kind, name = specs[j][1], specs[j][3]
      if kind == "avg" then
        out[name] = g.n[j] > 0 and g.acc[j] / g.n[j] or nil
      elseif kind == "distinct" then
        out[name] = g.n[j]
      else
        out[name] = g.acc[j]
      end
    end
    return out
  end

  local fields = {}
  for _, k in ipairs(keys) do fields[#fields + 1] = k end
  for _, spec in ipairs(specs) do fields[#fields + 1] = spec[4] end
  local groups, i
  return plan.stage(src, function()
    if not groups then
      groups, i = {}, 0
      local tree = {}
      if nkeys == 0 then groups[1] = new_group({}) end
      for row in nxt do
        local g
        if nkeys == 0 then
          g = groups[1]
        else
          local kv = {}
          local node, tk = trie_slot(tree, kgets, row, kv)
          g = node[tk]
          if not g then
            g = new_group(kv)
            node[tk] = g
            groups[#groups + 1] = g
          end
        end
        add(g, row)
      end
    end
    i = i + 1
    local g = groups[i]
    if g == nil then return nil end
    groups[i] = false
    return result(g)
  end, function() return fields end), names
end

local function row_key(row)
  if type(row) ~= "table" then return repr(row) end
  local ks = {}
  for k in pairs(row) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return repr(a) < repr(b) end)
  local parts = {}
  for i, k in ipairs(ks) do parts[i] = repr(k) .. "=" .. repr(row[k]) end
  return table.concat(parts, ";")
end

local function unique_(src, key)
  local W = "att.query.unique"
  local nxt = iter(src, W, 3)
  local gets
  if key == nil then
    gets = { row_key }
  elseif type(key) == "function" then
    gets = { function(row) return (key(row)) end }
  elseif type(key) == "string" then
    gets = { value_getter(key, W, 3) }
  elseif is_list(key) and key[1] ~= nil then
    gets = {}
    for i, k in ipairs(key) do gets[i] = value_getter(k, W, 3) end
  else
    error(W .. ": key must be a field, a list of fields or a function (got " .. type(key) .. ")", 3)
  end
  local seen = {}
  local fields = {}
  if type(key) == "string" then fields = { key } elseif is_list(key) then fields = key end
  return plan.stage(src, function()
    while true do
      local row = nxt()
      if row == nil then return nil end
      local node, tk = trie_slot(seen, gets, row)
      if not node[tk] then
        node[tk] = true
        return row
      end
    end
  end, function(needs, why)
    if key == nil then return nil, "unique() of whole rows" end
    if type(key) == "function" then return nil, "unique() with a key function" end
    return plan.add(needs, fields), why
  end)
end

local function take_(src, n)
  local W = "att.query.take"
  local nxt = iter(src, W, 3)
  n = check_integer(n, W .. ": n", 3)
  local given = 0
  return plan.stage(src, function()
    if given >= n then return nil end
    local row = nxt()
    if row == nil then
      given = n
      return nil
    end
    given = given + 1
    return row
  end, function(needs, why) return needs, why end)
end

local function map_(src, fn)
  local W = "att.query.map"
  local nxt = iter(src, W, 3)
  check_fn(fn, W .. ": fn", 3)
  return plan.stage(src, function()
    while true do
      local row = nxt()
      if row == nil then return nil end
      local out = fn(row)
      if out ~= nil then return out end
    end
  end, function() return nil, "map() with a Lua function" end)
end

local function count_(src)
  local nxt = iter(src, "att.query.count", 3)
  plan.tell(src, {})
  local n = 0
  while nxt() ~= nil do n = n + 1 end
  return n
end

local function collect_(src, n)
  local W = "att.query.collect"
  local nxt = iter(src, W, 3)
  plan.tell(src, nil, "collect() hands the rows to the script")
  if n ~= nil then n = check_integer(n, W .. ": n", 3) end
  local out = {}
  local k = 0
  while n == nil or k < n do
    local row = nxt()
    if row == nil then break end
    k = k + 1
    out[k] = row
  end
  return out
end

---------------------------------------------------------------------------------------------------
-- Public functions (no tail calls, so that error levels point at the caller).

function M.filter(src, pred) local it = filter_(src, pred) return it end
function M.select(src, columns) local it = select_(src, columns) return it end
function M.sort(src, keys, desc) local it = sort_(src, keys, desc) return it end
function M.group(src, keys, aggs) local it = group_(src, keys, aggs) return it end
function M.unique(src, key) local it = unique_(src, key) return it end
function M.take(src, n) local it = take_(src, n) return it end
function M.map(src, fn) local it = map_(src, fn) return it end
function M.count(src) local n = count_(src) return n end
function M.collect(src, n) local t = collect_(src, n) return t end

---------------------------------------------------------------------------------------------------
-- Chains

local function new_chain(nxt, columns)
  local chain = setmetatable({ _next = nxt, _columns = columns, _n = 0 }, ChainMT)
  return plan.attach(chain, plan.plan_of(nxt))
end

function M.from(src)
  if getmetatable(src) == ChainMT then return new_chain(rawget(src, "_next"), rawget(src, "_columns")) end
  local it = iter(src, "att.query.from", 2)
  return new_chain(it)
end

function M.is_chain(v) return getmetatable(v) == ChainMT end

function Chain:filter(pred) local it = filter_(self, pred) return new_chain(it, self._columns) end
function Chain:select(columns)
  local it, names = select_(self, columns)
  return new_chain(it, names)
end
function Chain:sort(keys, desc) local it = sort_(self, keys, desc) return new_chain(it, self._columns) end
function Chain:group(keys, aggs)
  local it, names = group_(self, keys, aggs)
  return new_chain(it, names)
end
function Chain:unique(key) local it = unique_(self, key) return new_chain(it, self._columns) end
function Chain:take(n) local it = take_(self, n) return new_chain(it, self._columns) end
function Chain:map(fn) local it = map_(self, fn) return new_chain(it) end
function Chain:rows(level, arg)
  local it = require("att.rows").rows(self, level, arg)
  local cols
  if type(arg) == "table" then cols = arg[1] ~= nil and arg or arg.columns end
  return new_chain(it, cols)
end
function Chain:collect(n) local t = collect_(self, n) return t end
function Chain:count() local n = count_(self) return n end
function Chain:iter() return self._next end
function Chain:columns() return self._columns end
function Chain:write(format, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  if o.columns == nil then o.columns = self._columns end
  local n = require("att.report").write(format, self._next, o)
  return n
end

-- chain[i] reads the stream in order (so that writers reading an array see the rows one by one).
ChainMT.__index = function(self, k)
  local m = Chain[k]
  if m ~= nil then return m end
  if math.type(k) == "integer" then
    local n = rawget(self, "_n")
    if k == n + 1 then
      local row = rawget(self, "_next")()
      rawset(self, "_n", k)
      rawset(self, "_last", row)
      return row
    elseif k == n and n > 0 then
      return rawget(self, "_last")
    end
    error("att.query: a chain is read in order: row " .. k .. " asked for after row " .. n ..
      " (use :collect() for random access)", 2)
  end
  return nil
end
ChainMT.__call = function(self) return rawget(self, "_next")() end
ChainMT.__tostring = function(self)
  return "att.query.Chain" .. (self._columns and ("{" .. table.concat(self._columns, ", ") .. "}") or "")
end

return M
