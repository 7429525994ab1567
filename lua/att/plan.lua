-- att.plan — what a pipeline reads, told to its source before the first page, so that att.search
-- builds only those fields (docs/API.md, "Projection"). Internal to the bundled modules: att.rows,
-- att.query and att.report tell their sources; the Results at the start of the pipeline is told
-- last and decides (r:project).
--
-- A stream that can be told is registered with attach(stream, tell). tell(needs, why) is called at
-- most once, before the stream's first row is asked for:
--   needs  a list of what the consumer reads of each row: a string is a field name in the stream's
--          own vocabulary (a row key or a path, as att.query and att.report resolve it: the row's
--          own key first, then att.path); a table is a list of keys already resolved against the
--          individuals of the search (att.rows turns its columns into those). nil: whole rows.
--   why    with needs nil: what needs whole rows, for --verbose ("map() with a Lua function").
-- A stage that reads its source in the same vocabulary adds its own fields and passes the needs
-- on; a stage whose rows are made of named fields only (select, group, att.rows with columns)
-- tells its own fields whatever its consumer reads.
local M = {}

local path = require "att.path"
local split = path.split

local plans = setmetatable({}, { __mode = "k" })

function M.attach(stream, tell)
  plans[stream] = tell
  return stream
end

function M.plan_of(stream) return plans[stream] end

local function is_results(v)
  if type(v) ~= "userdata" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__name == "att.Results"
end
M.is_results = is_results

-- The keys of a field name read from an individual the way att.query and att.report read a row:
-- the individual's own key equal to the whole name first (a key with dots, from a hostile or odd
-- server), then the att.path walk. A key of digits indexes an array (or names an object's key):
-- the walk is kept whole from there. Adds lists of keys to out; returns false when the name
-- needs the whole record.
local function add_name(out, name)
  if type(name) ~= "string" then return false end
  local keys, walk = split(name), {}
  for _, k in ipairs(keys) do
    if k:find("^%d+$") then
      if #walk == 0 then walk[1] = k end -- an individual is an object: an ordinary key
      break
    end
    walk[#walk + 1] = k
  end
  if #walk == 0 then return false end
  out[#out + 1] = walk
  if name:find(".", 1, true) then out[#out + 1] = { name } end
  return true
end

-- The limits of att.search's projection (bind/proj.c): keys are non-empty, without NUL bytes,
-- at most 1000 bytes in all per path.
local function fits(keys)
  local n = 0
  for _, k in ipairs(keys) do
    if k == "" or k:find("\0", 1, true) then return false end
    n = n + #k + 1
  end
  return n <= 1000
end

-- Tells the Results r what the pipeline reads (needs as in tell above, nil: whole records).
local function project(r, needs, why)
  if needs == nil then return r:project(false, why) end
  local lists, seen = {}, {}
  local function add(keys)
    if not fits(keys) then return false end
    local id = table.concat(keys, "\0")
    if not seen[id] then
      seen[id] = true
      lists[#lists + 1] = keys
    end
    return true
  end
  add({ "id" })
  for _, n in ipairs(needs) do
    if type(n) == "table" then
      if #n == 0 or not add(n) then return r:project(false, "a column reads the whole record") end
    else
      local keys = {}
      if not add_name(keys, n) then
        return r:project(false, string.format("the field %q reads the whole record", tostring(n)))
      end
      for _, k in ipairs(keys) do
        if not add(k) then return r:project(false, string.format("the field %q is too long", n)) end
      end
    end
  end
  table.sort(lists, function(a, b) return table.concat(a, "\0") < table.concat(b, "\0") end)
  return r:project(lists)
end

-- Tells src (a Results, a stream attached here; anything else is ignored) what is read of it.
function M.tell(src, needs, why)
  local t = plans[src]
  if t then return t(needs, why) end
  if is_results(src) then return project(src, needs, why) end
end

-- The field names of a writer's columns (att.report's parsed columns), or nil.
function M.column_paths(cols)
  if cols == nil then return nil end
  local out = {}
  for i, c in ipairs(cols) do out[i] = c.path end
  return out
end

-- A stage between src and its consumer: returns an iterator over inner (the stage's own iterator)
-- that src is told about once, by decide(needs, why) -> needs', why' (what the stage reads of src
-- given what its consumer reads), when the consumer tells it or, failing that, when its first row
-- is asked for (then the consumer is the script itself: whole rows).
function M.stage(src, inner, decide)
  local told = false
  local function tell(needs, why)
    if told then return end
    told = true
    local up, upwhy = decide(needs, why)
    M.tell(src, up, upwhy)
  end
  local function it()
    if not told then tell(nil, "the script reads the rows itself") end
    return inner()
  end
  plans[it] = tell
  return it
end

-- Needs passed on with a stage's own fields added (nil stays nil: whole rows).
function M.add(needs, fields)
  if needs == nil then return nil end
  local out = {}
  for i, n in ipairs(needs) do out[i] = n end
  for _, f in ipairs(fields) do out[#out + 1] = f end
  return out
end

-- builder(names [, firsts]) -> make(f1, ..., fn) -> function(a, b) returning the row
-- {[names[i]] = fi(a, b)} (fi's first value), built by one table constructor, so that the row is
-- allocated at its size at once (a pipeline makes one per record). With firsts (select: a row's
-- own key wins), a[firsts[i]] is taken when it is not nil and a is a table, else fi(a, b).
-- nil for more than 100 names.
local load, format, concat = load, string.format, table.concat
function M.builder(names, firsts)
  local n = #names
  if n > 100 then return nil end
  local fs, locals, parts = {}, {}, {}
  for i, name in ipairs(names) do
    fs[i] = "f" .. i
    if firsts then
      locals[i] = format("local v%d = a[%q] if v%d == nil then v%d = (f%d(a, b)) end", i, firsts[i], i, i, i)
      parts[i] = format("[%q] = v%d", name, i)
    else
      parts[i] = format("[%q] = (f%d(a, b))", name, i)
    end
  end
  local body = concat(locals, "\n") .. "\nreturn { " .. concat(parts, ", ") .. " }"
  if firsts then
    local slow = {}
    for i, name in ipairs(names) do slow[i] = format("[%q] = (f%d(a, b))", name, i) end
    body = "if type(a) ~= 'table' then return { " .. concat(slow, ", ") .. " } end\n" .. body
  end
  local src = format("local %s = ...\nreturn function(a, b)\n%s\nend", concat(fs, ", "), body)
  return assert(load(src, "=att.plan.builder", "t", { type = type }))
end

return M
