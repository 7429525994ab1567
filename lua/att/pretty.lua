-- att.pretty — readable renderings of Lua values for the interactive prompt.
--   pretty(value [, opts]) -> string
-- Tables print as Lua constructors with sorted keys and indentation, up to opts.depth levels
-- (default 4; deeper tables show as {...}) and opts.items entries per table (default 40); an
-- array of flat records (rows) prints as an aligned table; strings are quoted; att.null prints
-- as null; userdata through tostring (a Results shows its state).
local M = {}
local null = att.json.null

local function is_ident(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

-- Strings are quoted as Lua would read them back, with the escapes people read (\n, \t, \r),
-- other control characters as \d (\ddd before a digit, as %q), and UTF-8 left as it is (not %q's "\9" and "\<newline>").
local ESC = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }
local function quote(s)
  return '"' .. s:gsub('([%c"\\])(%d?)', function(c, d)
    return (ESC[c] or (d == "" and "\\%d" or "\\%03d"):format(c:byte())) .. d -- \0012 is \001 then 2
  end) .. '"'
end

local function scalar(v)
  if v == null then return "null" end
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "number" and math.type(v) == "float" then return string.format("%.14g", v) end
  return tostring(v)
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

-- An array of tables whose values are all scalars: shown as rows.
local function is_rows(t)
  local n = #t
  if n < 2 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  if count ~= n then return false end
  for i = 1, n do
    local row = t[i]
    if type(row) ~= "table" or getmetatable(row) ~= nil then return false end
    for _, v in pairs(row) do
      if type(v) == "table" then return false end
    end
  end
  return true
end

local function render(v, depth, opts, indent, seen)
  if type(v) ~= "table" then return scalar(v) end
  if seen[v] then return "<cycle>" end
  if getmetatable(v) and getmetatable(v).__tostring then return tostring(v) end
  if next(v) == nil then return "{}" end
  if depth >= opts.depth then return "{...}" end
  seen[v] = true
  local parts, n = {}, 0
  local pad = indent .. "  "
  local keys = sorted_keys(v)
  local len = #v
  for _, k in ipairs(keys) do
    n = n + 1
    if n > opts.items then
      parts[#parts + 1] = pad .. ("... %d more"):format(#keys - opts.items)
      break
    end
    local key
    if math.type(k) == "integer" and k >= 1 and k <= len then key = ""
    elseif is_ident(k) then key = k .. " = "
    else key = "[" .. scalar(k) .. "] = " end
    parts[#parts + 1] = pad .. key .. render(v[k], depth + 1, opts, pad, seen)
  end
  seen[v] = nil
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

function M.pretty(v, opts)
  opts = opts or {}
  opts.depth = opts.depth or 4
  opts.items = opts.items or 40
  if type(v) == "table" and is_rows(v) then
    local chunks = {}
    local sink = { write = function(self, ...) for _, s in ipairs { ... } do chunks[#chunks + 1] = s end return self end,
                   flush = function() end }
    require("att.report").table(v, { out = sink, limit = opts.items })
    return (table.concat(chunks):gsub("\n$", ""))
  end
  return render(v, 0, opts, "", {})
end

return setmetatable(M, { __call = function(_, v, opts) return M.pretty(v, opts) end })
