-- att.rows — flat rows from nested search results, one row per record at a chosen level, carrying
-- the ids and chosen fields of its parents (like pandas.json_normalize with a record path and meta).
--
--   local rows = require "att.rows"
--   for row in rows(att.search{serviceType = "FIBER"}, "product") do
--     print(row.individualId, row.accountId, row.subscriberId, row.productIndex, row.name,
--           row["account.billingMarket"], row["characteristic.downloadSpeed"])
--   end
--   report.csv(rows(r, "account", cols), {columns = cols})
--
-- rows(results, level [, columns_or_opts]) -> iterator function (nil at the end)
--   results  a Results (or anything callable that returns one individual per call, nil at the
--            end: a function, a table or userdata with __call, an att.query chain), an array of
--            individuals, or a decoded response page ({individuals = {...}}).
--   level    "individual", "account", "subscriber" or "product".
--   third argument: a list of column names, or a table of options:
--            columns  the list of column names (as above);
--            meta     parents' fields copied into rows without columns (see below): a table
--                     {individual = {paths...}, account = {...}, subscriber = {...}} replacing the
--                     defaults of the levels it names, or false for no parents' fields.
--            whole    true: each row is the whole record of the level as the API gave it (nested
--                     objects and child arrays included, nothing flattened; a shallow copy) plus
--                     its parents' ids (individualId, accountId, subscriberId; productIndex for
--                     products) where the record has no key of that name. For JSON pipelines.
--            raw      true: with columns, a value that is a table (an object, an array, a crossed
--                     list) stays a table instead of becoming JSON text (jsonl/json nest it).
--            where    a list of {path, value}: only records for which every path (resolved as a
--                     column name is, below) gives value, compared as text (nil and att.null are
--                     "", numbers as written, tables as compact JSON; a crossed list or an array
--                     matches when any of its elements does).
--
-- A row WITHOUT columns holds:
--   * ids under fixed names: individualId, accountId, subscriberId (each parent's and the record's
--     own `id`, as far as the level goes); product rows also get productIndex, the product's 1-based
--     position in its subscriber's products (products have no id in the contract). The record's
--     own `id` is not repeated as `id` (a product's `id`, should one appear, is kept as `id`).
--   * the record's own fields, flattened: a scalar (string, number, boolean, att.null) under its
--     key; a nested object walked with dotted keys (status.state, profile.firstName,
--     smbContactInfo.nameInfo.firstName; an empty object adds nothing); any array, e.g. place or
--     productCharacteristic, as ONE cell holding its compact JSON text (keys sorted), e.g.
--     place = '[{"id":"ADDR-01"}]'. The child arrays (an individual's accounts, an account's
--     subscribers, a subscriber's products) are never included. (JSON decoding cannot tell an
--     empty array from an empty object, so an empty array adds nothing either.)
--   * product rows only: each productCharacteristic entry {name = N, value = V} also as
--     characteristic.N = V (first entry wins when a name repeats; entries without a string name
--     or without a value are skipped; a table value becomes JSON text).
--   * parents' fields, prefixed with the parent's level: by default
--       individual.givenName, individual.familyName                      (account rows and below)
--       account.billingMarket, account.serviceType, account.accountLocked (subscriber rows and below)
--     opts.meta changes these; a meta entry may be a dotted path (account.state.state).
--   Ids and parents' fields win over an own field that happens to flatten to the same key.
--
-- A row WITH columns holds exactly those keys (a missing value is nil, which the report writers
-- print as an empty cell). A column name is resolved, in this order, as:
--   * individualId, accountId, subscriberId, productIndex — as above (nil when the level has none);
--   * LEVEL.path where LEVEL is individual, account, subscriber or product, at or above the row's
--     level: the path in that record (so account.state.state, individual.profile.firstName, and at
--     the account level account.billingMarket is the account's own field);
--   * characteristic.NAME (product rows): as above;
--   * otherwise a dotted path into the record itself (status.state, place, id).
--   Paths (columns, and opts.meta entries) follow the one rule of att.path (docs/API.md, "Paths"):
--   a number indexes an array (place.1.id), and any other key applied to an array crosses it, so
--   at the individual level accounts.billingMarket is the list of its accounts' markets and
--   accounts.subscribers.id that of all its subscribers' ids. A crossed path is one cell: the list
--   as compact JSON text ('["DAL","HOU"]'), or nil when the list holds no value other than
--   att.null (as att.report shows it). A child array itself (the column "accounts" of an
--   individual row, "subscribers" of an account row...) resolves to nil; a longer path into it
--   crosses it like any array. (Changed with att.path: a path that crossed an array, and any path
--   into a child array, used to resolve to nil.) Any other value that is a table (an object or an
--   array) becomes its compact JSON text, so every cell is a scalar.
--   So, for any key K of a row built without columns, the column K gives the same value.
--
-- Values keep their JSON types (integers stay integers, subscribersCount stays a string, booleans
-- stay booleans, att.null stays att.null). Lazy: one individual is pulled from results at a time,
-- only when the rows of the previous one are used up, and no row is built before it is asked for.
local M = {}

local json = require("att").json
local encode = json.encode
local path = require "att.path"
local compile, compact, split = path.compile, path.compact, path.split
local plan = require "att.plan"

local LEVELS = { "individual", "account", "subscriber", "product" }
local DEPTH = { individual = 1, account = 2, subscriber = 3, product = 4 }
local CHILD = { "accounts", "subscribers", "products" }           -- child array key by depth
local IDKEY = { "individualId", "accountId", "subscriberId" }     -- id key by depth
local ID_DEPTH = { individualId = 1, accountId = 2, subscriberId = 3, productIndex = 4 }
local check_where                                                -- defined below
local EMPTY = setmetatable({}, { __newindex = function() error("read-only", 2) end })

M.levels = { "individual", "account", "subscriber", "product" }
M.meta = {
  individual = { "givenName", "familyName" },
  account = { "billingMarket", "serviceType", "accountLocked" },
  subscriber = {},
}

local is_array = path.is_array
M.is_array = is_array

-- A cell from what a path gave (v, and crossed: v is the list of the values found).
local function cell(v, crossed)
  if crossed then v = compact(v) end
  if type(v) == "table" then return encode(v) end
  return v
end

local function children(rec, depth)
  local c = rec[CHILD[depth]]
  if type(c) == "table" then return c end
  return EMPTY
end

-- Flattens the fields of t into row under prefix. top: t is the record itself at depth `depth`.
-- Returns true when two keys flattened to the same name (possible when a key holds a dot: see below).
local function flatten_into(row, t, prefix, depth)
  local twice = false
  for k, v in pairs(t) do
    if type(k) == "string" then
      if prefix == "" and (k == CHILD[depth] or (k == "id" and depth < 4)) then
        -- the child array, or the id (already under individualId etc.)
      elseif type(v) == "table" then
        if is_array(v) then
          local key = prefix .. k
          if row[key] ~= nil then twice = true end
          row[key] = encode(v)
        elseif flatten_into(row, v, prefix .. k .. ".", depth) then
          twice = true
        end
      else
        local key = prefix .. k
        if row[key] ~= nil then twice = true end
        row[key] = v
      end
    end
  end
  return twice
end

-- The same when keys hold dots ({"x.y": 1, "x": {"y": 2}} both flatten to "x.y"): the shallower
-- key wins, then the one first in byte order, whatever order pairs() gives.
local function flatten_sorted(rec, depth)
  local items = {}
  local function collect(t, prefix, level)
    for k, v in pairs(t) do
      if type(k) == "string" and not (level == 0 and (k == CHILD[depth] or (k == "id" and depth < 4))) then
        if type(v) == "table" and not is_array(v) then
          collect(v, prefix .. k .. ".", level + 1)
        else
          items[#items + 1] = { level, prefix .. k, v }
        end
      end
    end
  end
  collect(rec, "", 0)
  table.sort(items, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
  local row = {}
  for _, it in ipairs(items) do
    if row[it[2]] == nil then
      local v = it[3]
      row[it[2]] = type(v) == "table" and encode(v) or v
    end
  end
  return row
end

-- The value of productCharacteristic entry `name` in product p (first match), as a cell.
local function characteristic(p, name)
  local pc = p.productCharacteristic
  if type(pc) ~= "table" then return nil end
  for _, e in ipairs(pc) do
    if type(e) == "table" and e.name == name and e.value ~= nil then return cell(e.value) end
  end
  return nil
end

local function characteristics_into(row, p)
  local pc = p.productCharacteristic
  if type(pc) ~= "table" then return end
  for _, e in ipairs(pc) do
    if type(e) == "table" and type(e.name) == "string" and e.value ~= nil then
      local key = "characteristic." .. e.name
      if row[key] == nil then row[key] = cell(e.value) end
    end
  end
end

-- A value as it is (tables kept: opts.raw), a crossed list compacted.
local function raw_cell(v, crossed)
  if crossed then v = compact(v) end
  return v
end

-- Compiles a path (a string) into a function(rec) -> cell for records at `depth`: the child
-- array itself resolves to nil, anything else by att.path's rule. raw: tables are kept.
local function record_getter(p, depth, raw)
  local keys = split(p)
  if #keys == 1 and keys[1] == CHILD[depth] then return function() return nil end end
  local get = compile(p)
  local cellf = raw and raw_cell or cell
  return function(rec) return cellf(get(rec)) end
end

-- Compiles a column name into a function(recs, pos) -> value for rows at depth L (raw: table
-- values are kept, not turned into JSON text).
-- How the column `name` of rows at depth L resolves (see the header): "id" with its depth, "none"
-- (a level below the row's), "characteristic" with the name, or "path" with the depth of the
-- record it reads and the path's keys. The one rule compile_column and column_needs follow.
local function resolve_column(name, L)
  local d = ID_DEPTH[name]
  if d then return d <= L and "id" or "none", d end
  local parts = split(name)
  local target = L
  local pd = DEPTH[parts[1]]
  if pd and #parts > 1 then
    if pd > L then return "none" end
    target = pd
    table.remove(parts, 1)
  end
  if target == 4 and parts[1] == "characteristic" and #parts > 1 then
    return "characteristic", 4, table.concat(parts, ".", 2)
  end
  return "path", target, parts
end

local function compile_column(name, L, raw)
  if type(name) ~= "string" then
    error("att.rows: a column name must be a string (got " .. type(name) .. ")", 3)
  end
  local kind, d, x = resolve_column(name, L)
  if kind == "none" then return function() return nil end end
  if kind == "id" then
    if d == 4 then return function(_, pos) return pos[4] end end
    return function(recs) return recs[d].id end
  end
  if kind == "characteristic" then
    if raw then
      return function(recs)
        local pc = recs[4].productCharacteristic
        if type(pc) ~= "table" then return nil end
        for _, e in ipairs(pc) do
          if type(e) == "table" and e.name == x and e.value ~= nil then return e.value end
        end
        return nil
      end
    end
    return function(recs) return characteristic(recs[4], x) end
  end
  local get = record_getter(table.concat(x, "."), d, raw)
  return function(recs) return get(recs[d]) end
end

local function iterate_individuals(results)
  local t = type(results)
  if t == "function" then return results end
  local mt = getmetatable(results)
  if t == "userdata" or (t == "table" and type(mt) == "table" and mt.__call) then
    return function() return results() end
  end
  if t == "table" then
    local list = results
    if rawget(results, 1) == nil and type(results.individuals) == "table" then
      list = results.individuals                    -- a decoded response page
    end
    local i = 0
    return function()
      i = i + 1
      return list[i]
    end
  end
  error("att.rows: results must be a Results, an iterator or an array of individuals (got " .. t .. ")", 3)
end

local function check_meta(meta)
  if meta == nil then return M.meta end
  if meta == false then return {} end
  if type(meta) ~= "table" then
    error("att.rows: opts.meta must be a table or false (got " .. type(meta) .. ")", 3)
  end
  local m = {}
  for k, v in pairs(M.meta) do m[k] = v end
  for k, v in pairs(meta) do
    if not DEPTH[k] or DEPTH[k] == 4 then
      error("att.rows: opts.meta: unknown parent level " .. tostring(k) ..
        " (individual, account or subscriber)", 3)
    end
    if type(v) ~= "table" then
      error("att.rows: opts.meta." .. k .. " must be a list of field names", 3)
    end
    m[k] = v
  end
  return m
end

local OPTION = { columns = true, meta = true, raw = true, whole = true, where = true }

-- The text a --where value is compared with: "" for nil and att.null, integers exactly, floats
-- as %.14g, tables as compact JSON, strings as they are.
local function text_of(v)
  if v == nil or v == json.null then return "" end
  if math.type(v) == "float" then return (string.format("%.14g", v)) end
  if type(v) == "table" then return encode(v) end
  return tostring(v)
end

-- opts.where: a list of {path, value} (all must match); a path is resolved as a column. Returns
-- a function(recs, pos) -> true when the record matches, or nil when there is no filter.
check_where = function(where, L)
  if where == nil then return nil end
  if type(where) ~= "table" then error("att.rows: opts.where must be a list of {path, value}", 3) end
  local tests = {}
  for i, w in ipairs(where) do
    if type(w) ~= "table" or type(w[1]) ~= "string" or w[2] == nil then
      error("att.rows: opts.where[" .. i .. "] must be {path, value}", 3)
    end
    local get, want = compile_column(w[1], L, true), text_of(w[2])
    tests[i] = function(recs, pos)
      local v = get(recs, pos)
      if type(v) == "table" and is_array(v) and v[1] ~= nil then
        for _, e in ipairs(v) do
          if text_of(e) == want then return true end
        end
        return false
      end
      return text_of(v) == want
    end
  end
  if #tests == 0 then return nil end
  return function(recs, pos)
    for _, t in ipairs(tests) do
      if not t(recs, pos) then return false end
    end
    return true
  end
end

-- What a row reads of the individuals (att.plan): lists of keys from the individual down.
local PREFIX = { {}, { "accounts" }, { "accounts", "subscribers" }, { "accounts", "subscribers", "products" } }

-- The keys from the individual to keys at depth d, up to the first key of digits (an index: the
-- array, or an object's key of digits, is kept whole from there).
local function keys_under(d, keys)
  local out = {}
  for i, k in ipairs(PREFIX[d]) do out[i] = k end
  for _, k in ipairs(keys) do
    if k:find("^%d+$") then
      -- an individual is an object: its key of digits is an ordinary key
      if #out == 0 then out[1] = k end
      break
    end
    out[#out + 1] = k
  end
  return out
end

-- What the column `name` of rows at depth L reads, as resolve_column resolves it.
local function column_needs(name, L, out)
  if type(name) ~= "string" then return end
  local kind, d, x = resolve_column(name, L)
  if kind == "id" then
    if d < 4 then out[#out + 1] = keys_under(d, { "id" }) end
  elseif kind == "characteristic" then
    out[#out + 1] = keys_under(4, { "productCharacteristic" })
  elseif kind == "path" and not (#x == 1 and x[1] == CHILD[d]) then
    out[#out + 1] = keys_under(d, x)
  end
end

-- What a consumer's field `name` reads of rows at depth L built without columns: the column of
-- that name, and (a row's keys being the record's keys joined by dots) every record key the name
-- can begin with, whole. whole: rows that are the records themselves (opts.whole).
local function name_needs(name, L, whole, out)
  -- a name without a key reads the row itself: every field of it
  local keys = type(name) == "string" and split(name)
  if not keys or #keys == 0 then return false end
  if whole then
    if ID_DEPTH[name] then column_needs(name, L, out) end
    out[#out + 1] = keys_under(L, keys)
  else
    column_needs(name, L, out)
    -- the ids of the row's level and above win over a record's own key of that name
    if ID_DEPTH[name] and ID_DEPTH[name] <= L then return true end
  end
  local i = 0
  while true do
    local j = name:find(".", i + 1, true)
    local key = name:sub(1, (j or 0) - 1)
    if key ~= "" then out[#out + 1] = keys_under(L, { key }) end
    if not j then break end
    i = j
  end
  return true
end

-- The structure a walk down to depth L needs: each record's array of children.
local function walk_needs(L, out)
  if L > 1 then out[#out + 1] = keys_under(L, { "id" }) end
end

-- What rows with these columns (and opts.where paths) read of each individual.
local function own_needs(L, columns, wnames)
  local own = {}
  walk_needs(L, own)
  for _, c in ipairs(columns) do column_needs(c, L, own) end
  for _, w in ipairs(wnames) do column_needs(w, L, own) end
  return own
end

-- rows.needs(level, columns [, where_paths]) -> the lists of keys of each individual that rows of
-- this level with these columns read (att.plan's needs; for `att search`, which reads ahead).
function M.needs(level, columns, wnames)
  return own_needs(DEPTH[level], columns, wnames or {})
end

-- rows(results, level [, columns | opts]) -> iterator
function M.rows(results, level, arg3)
  local L = DEPTH[level]
  if not L then
    error("att.rows: level must be \"individual\", \"account\", \"subscriber\" or \"product\" (got " ..
      tostring(level) .. ")", 2)
  end
  local columns, meta, raw, whole, where
  if arg3 ~= nil then
    if type(arg3) ~= "table" then
      error("att.rows: the third argument must be a list of columns or a table of options (got " ..
        type(arg3) .. ")", 2)
    end
    if arg3[1] ~= nil then
      columns = arg3
    else
      for k in pairs(arg3) do
        if not OPTION[k] then error("att.rows: unknown option " .. tostring(k), 2) end
      end
      columns = arg3.columns
      if columns ~= nil and type(columns) ~= "table" then
        error("att.rows: opts.columns must be a list of column names", 2)
      end
      raw, whole = arg3.raw, arg3.whole
      where = check_where(arg3.where, L)
    end
    meta = arg3.meta
  end
  local next_individual = iterate_individuals(results)
  meta = check_meta(meta)

  local only                                         -- see the rows without columns below
  -- How each row is built from recs[1..L] (the record and its parents) and pos[L].
  local build
  if whole then
    build = function(recs, pos)
      local row = {}
      for k, v in pairs(recs[L]) do row[k] = v end
      for d = 1, L - 1 do
        if row[IDKEY[d]] == nil then row[IDKEY[d]] = recs[d].id end
      end
      if L == 4 and row.productIndex == nil then row.productIndex = pos[4] end
      return row
    end
  elseif columns then
    local getters = {}
    for i, c in ipairs(columns) do getters[i] = compile_column(c, L, raw) end
    local make = plan.builder(columns)
    build = make and make(table.unpack(getters)) or function(recs, pos)
      local row = {}
      for i, c in ipairs(columns) do row[c] = getters[i](recs, pos) end
      return row
    end
  else
    -- only: when the consumer told which keys it reads (att.plan), the ids and parents' fields it
    -- does not read are left out (a row's values are never tables, so no other key is reached).
    local metas = {}                                 -- {depth, key, parts} for parents of L
    for d = 1, L - 1 do
      for _, p in ipairs(meta[LEVELS[d]] or {}) do
        metas[#metas + 1] = { d, LEVELS[d] .. "." .. p, record_getter(p, d) }
      end
    end
    build = function(recs, pos)
      local row = {}
      local rec = recs[L]
      if flatten_into(row, rec, "", L) then row = flatten_sorted(rec, L) end
      if L == 4 then
        characteristics_into(row, rec)
        row.productIndex = pos[4]
      end
      for d = 1, math.min(L, 3) do
        if not only or only[IDKEY[d]] then row[IDKEY[d]] = recs[d].id end
      end
      for _, m in ipairs(metas) do
        if not only or only[m[2]] then row[m[2]] = m[3](recs[m[1]]) end
      end
      return row
    end
  end

  -- Depth-first walk: recs[d] is the current record at depth d, pos[d] its index among its
  -- siblings. Each call advances to the next record at depth L, pulling individuals as needed.
  -- What rows with columns read, whatever their consumer reads (att.plan).
  local wnames = {}
  if arg3 and arg3.where then
    for i, w in ipairs(arg3.where) do wnames[i] = w[1] end
  end
  local told = false
  local function tell(needs, why)
    if told then return end
    told = true
    if columns and not whole then return plan.tell(results, own_needs(L, columns, wnames)) end
    if needs == nil then return plan.tell(results, nil, why) end
    local up = {}
    walk_needs(L, up)
    for _, w in ipairs(wnames) do column_needs(w, L, up) end
    local keys = {}
    for _, n in ipairs(needs) do
      if not name_needs(n, L, whole, up) then
        return plan.tell(results, nil, "a field that is not a name")
      end
      keys[n] = true
    end
    if not whole then only = keys end
    return plan.tell(results, up)
  end

  local recs, pos = {}, {}
  local started, done = false, false
  local function it()
    if done then return nil end
    if not told then tell(nil, "the script reads the rows itself") end
    local k = started and L or 1
    started = true
    while true do
      if k == 1 then
        local ind = next_individual()
        if ind == nil then
          done = true
          recs, pos = nil, nil
          return nil
        end
        if type(ind) == "table" then
          recs[1] = ind
          pos[1] = (pos[1] or 0) + 1
          if L == 1 then
            if not where or where(recs, pos) then return build(recs, pos) end
          else
            k = 2
            pos[2] = 0
          end
        end
      else
        local list = children(recs[k - 1], k - 1)
        local i = pos[k] + 1
        local child = list[i]
        if child == nil then
          k = k - 1
        else
          pos[k] = i
          if type(child) == "table" then
            recs[k] = child
            if k == L then
              if not where or where(recs, pos) then return build(recs, pos) end
            else
              k = k + 1
              pos[k] = 0
            end
          end
        end
      end
    end
  end
  return plan.attach(it, tell)
end

-- The keys of a row in a readable order: ids (individualId, accountId, subscriberId, productIndex),
-- then the record's own fields (sorted), then parents' fields (sorted). Handy as report columns:
--   local first = it(); report.csv(..., {columns = rows.columns(first)})
function M.columns(row)
  local ids, own, parents = {}, {}, {}
  for k in pairs(row or {}) do
    if type(k) == "string" then
      if ID_DEPTH[k] then
        ids[#ids + 1] = k
      else
        local first = k:match("^([^.]+)%.")
        if first and DEPTH[first] then parents[#parents + 1] = k else own[#own + 1] = k end
      end
    end
  end
  table.sort(ids, function(a, b) return ID_DEPTH[a] < ID_DEPTH[b] end)
  table.sort(own)
  table.sort(parents, function(a, b)
    local da, db = DEPTH[a:match("^[^.]+")], DEPTH[b:match("^[^.]+")]
    if da ~= db then return da < db end
    return a < b
  end)
  local out = ids
  for _, k in ipairs(own) do out[#out + 1] = k end
  for _, k in ipairs(parents) do out[#out + 1] = k end
  return out
end

return setmetatable(M, {
  __call = function(_, ...) return M.rows(...) end,
})
