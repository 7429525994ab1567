-- att.path — the one path walker: how att.rows (columns and meta), att.query (the fields of
-- select, filter, group, sort and unique) and att.report (columns, chart) read a dotted path such
-- as "accounts.billingMarket" from a record. The rule (docs/API.md, "Paths"):
--
--   * A path is a list of keys joined by "." ("status.state"); empty keys are ignored ("a..b" is
--     "a.b").
--   * A key of digits only ("place.1.id") indexes an array, 1-based; on an object it is an
--     ordinary key (the string "1"), which is looked up first.
--   * Any other key applied to an array (a JSON array: a table with an element at 1, or one marked
--     with att.json.array) crosses it: the rest of the path, this key included, is followed in each
--     element, and the result is the list of the values found, in order. An element that is itself
--     a list's worth of values (because the rest crossed another array, or because the element is
--     an array) adds its values one by one, so arrays of arrays are flattened one level at each
--     crossing; an element where the rest of the path is missing adds nothing. A value found that
--     is an array is one value (it is not flattened: nothing was crossed to reach it).
--   * A path that crosses no array gives one value, or nil when a key is missing or a value on the
--     way is not a table (a string, a number, att.null). A path with no key ("") gives the value
--     itself.
--   * att.null is a value like any other: found at the end of a path it is the value (or, after a
--     crossing, one of the values); on the way it ends the path (nil).
--
-- This is the rule of the C projection opts.fields ("arrays crossed implicitly"). How a list is
-- shown is each consumer's choice (see compact below and the three modules' header comments).
--
--   local path = require "att.path"
--   local get = path.compile("accounts.billingMarket")
--   local v, crossed = get(individual)    -- {"DAL", "HOU"}, true  (a list marked att.json.array)
--   path.get(individual, "accounts.1.id") -- "123456789"           (compiled once, then cached)
--
-- compile(path [, keyfirst]) -> get(value) -> result, crossed
--   crossed is true when the path crossed an array (result is then the list, possibly empty) and
--   nil otherwise. With keyfirst, a table's own key equal to the whole path ("account.x" as att.rows
--   writes it) wins over the walk. Paths are compiled once into closures specialised for one or
--   two keys, because they are applied to every row of a report.
-- get(value, path [, keyfirst]) -> result, crossed   the same, compiled on first use and cached
-- compact(list) -> list or nil               nil when the list holds no value other than att.null:
--   how att.rows, att.report and att.query's select, sort, group and unique show a crossed path
-- split(path) -> list of keys
-- is_array(t) -> boolean                     the test used for "an array" above
local M = {}

local att = att or require "att"
local null = att.json.null
local json_array = att.json.array
local mtoint = math.tointeger

-- A JSON array: a table with an element at 1, or one marked with att.json.array. (Decoded empty
-- arrays are unmarked empty tables, indistinguishable from empty objects: they hold no value either
-- way.)
local function is_array(t)
  if rawget(t, 1) ~= nil then return true end
  local mt = getmetatable(t)
  return type(mt) == "table" and mt.__jsontype == "array"
end
M.is_array = is_array

local function split(path)
  local keys = {}
  for k in path:gmatch("[^.]+") do keys[#keys + 1] = k end
  return keys
end
M.split = split

-- keys[i] is the string key, idx[i] its integer form when it is all digits (else false).
local function parse(path)
  local keys, idx = split(path), {}
  for i, k in ipairs(keys) do idx[i] = k:find("^%d+$") and mtoint(tonumber(k)) or false end
  return keys, idx
end

local cross

-- Follows keys[i..n] from v. Returns the value, and true when an array was crossed.
local function walk(v, keys, idx, i, n)
  while i <= n do
    if type(v) ~= "table" then return nil end
    local nv = v[keys[i]]
    if nv == nil then
      local ix = idx[i]
      if ix then
        nv = v[ix]
      elseif is_array(v) then
        return cross(v, keys, idx, i, n)
      else
        return nil
      end
    end
    v = nv
    i = i + 1
  end
  return v
end

-- keys[i] is not a number and arr is an array: the list of what keys[i..n] gives in each element.
cross = function(arr, keys, idx, i, n)
  local list, m, j = {}, 0, 1
  local e = arr[1]
  while e ~= nil do
    local x, many = walk(e, keys, idx, i, n)
    if many then
      for k = 1, #x do list[m + k] = x[k] end
      m = m + #x
    elseif x ~= nil then
      m = m + 1
      list[m] = x
    end
    j = j + 1
    e = arr[j]
  end
  return json_array(list), true
end

local function compile(path, keyfirst)
  if type(path) ~= "string" then
    error("att.path: a path must be a string (got " .. type(path) .. ")", 2)
  end
  local keys, idx = parse(path)
  local n = #keys
  local get
  if n == 1 and not idx[1] then
    local k1 = keys[1]
    get = function(v)
      if type(v) ~= "table" then return nil end
      local x = v[k1]
      if x ~= nil then return x end
      if is_array(v) then return cross(v, keys, idx, 1, 1) end
      return nil
    end
  elseif n == 2 and not idx[1] and not idx[2] then
    local k1, k2 = keys[1], keys[2]
    get = function(v)
      if type(v) ~= "table" then return nil end
      local x = v[k1]
      if x == nil then
        if is_array(v) then return cross(v, keys, idx, 1, 2) end
        return nil
      end
      if type(x) ~= "table" then return nil end
      local y = x[k2]
      if y ~= nil then return y end
      if is_array(x) then return cross(x, keys, idx, 2, 2) end
      return nil
    end
  elseif n == 0 then
    get = function(v) return v end                 -- no key: the value itself
  else
    get = function(v) return walk(v, keys, idx, 1, n) end
  end
  if keyfirst and path:find(".", 1, true) then
    local walk_get = get
    get = function(v)
      if type(v) ~= "table" then return nil end
      local x = v[path]
      if x ~= nil then return x end
      return walk_get(v)
    end
  end
  return get
end
M.compile = compile

local cache = { [false] = setmetatable({}, { __mode = "v" }), [true] = setmetatable({}, { __mode = "v" }) }
function M.get(v, path, keyfirst)
  local c = cache[keyfirst and true or false]
  local get = c[path]
  if not get then
    get = compile(path, keyfirst)
    c[path] = get
  end
  return get(v)
end

function M.compact(list)
  for i = 1, #list do
    if list[i] ~= null then return list end
  end
  return nil
end

return M
