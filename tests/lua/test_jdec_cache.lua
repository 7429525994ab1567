-- The decoder's shortcuts change costs, never values: keys pushed from the key cache (jdec.c),
-- table sizes guessed from the last table under the same key, numbers read by jnum.c. Each test
-- decodes texts made to defeat a shortcut (keys that share a slot, keys of every length around
-- the 40-byte limit, escaped keys, shapes that change under one key) and compares the result with
-- the table the text was written from.
local T = dofile("tests/lua/lib.lua")
local json = att.json

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

-- A JSON text of v written here (not by att.json.encode), keys sorted.
local function write(v, out)
  local t = type(v)
  if t == "table" and v[1] ~= nil then
    out[#out + 1] = "["
    for i, x in ipairs(v) do
      if i > 1 then out[#out + 1] = "," end
      write(x, out)
    end
    out[#out + 1] = "]"
  elseif t == "table" then
    out[#out + 1] = "{"
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = quote(k) .. ":"
      write(v[k], out)
    end
    out[#out + 1] = "}"
  elseif t == "string" then
    out[#out + 1] = quote(v)
  else
    out[#out + 1] = tostring(v)
  end
  return out
end
local function text(v) return table.concat(write(v, {})) end

-- 600 keys: every length from 0 to 45 (around the 40 bytes Lua interns), look-alikes that differ
-- only in a middle byte or in length, and keys with quotes, backslashes and control characters.
local keys = {}
for n = 0, 45 do keys[#keys + 1] = string.rep("k", n) end
for i = 1, 300 do keys[#keys + 1] = "createdOn" .. i .. "x" end
for i = 1, 200 do keys[#keys + 1] = string.rep("a", i % 30) .. string.char(97 + i % 26) .. string.rep("b", i % 7) end
for _, k in ipairs { 'a"b', "a\\b", "tab\there", "nl\n", "\"", "\\", "\1" } do keys[#keys + 1] = k end
local seen, uniq = {}, {}
for _, k in ipairs(keys) do
  if not seen[k] then seen[k], uniq[#uniq + 1] = true, k end
end
keys = uniq

T.test("keys of every length, look-alikes and escaped keys: the same table as written", function()
  for round = 1, 3 do
    local doc = {}
    for i = 1, 40 do -- records of ever other keys, nested at several depths
      local rec, inner = {}, {}
      for j = 1, 25 do
        local k = keys[(i * 7 + j * 13 + round) % #keys + 1]
        rec[k] = k .. "=" .. j
        inner[keys[(i + j * 31) % #keys + 1]] = { [k] = j }
      end
      rec.inner = inner
      doc[i] = rec
    end
    T.same(json.decode(text(doc)), doc, "round " .. round)
    collectgarbage("collect") -- the cache's strings must survive a full collection
  end
end)

T.test("a key that replaced another in the cache is read right, then the first one again", function()
  -- the same slot (same length, depth, first, middle and last bytes) for both keys of a pair
  local a, b = "xaaaaaaaamy", "xaabaaaaamy"
  local da = text({ { [a] = 1 }, { [b] = 2 }, { [a] = 3 }, { [a] = 4, [b] = 5 } })
  T.same(json.decode(da), { { [a] = 1 }, { [b] = 2 }, { [a] = 3 }, { [a] = 4, [b] = 5 } })
  T.same(json.decode(da), { { [a] = 1 }, { [b] = 2 }, { [a] = 3 }, { [a] = 4, [b] = 5 } }, "again")
end)

T.test("shapes that change under one key: every table holds all its keys and elements", function()
  local doc, sizes = {}, { 1, 50, 2, 0, 7, 300, 1, 1, 3, 0, 64, 65 }
  for i, n in ipairs(sizes) do
    local arr, obj = {}, {}
    for j = 1, n do
      arr[j] = j * i
      obj["f" .. j] = j
    end
    doc[i] = { list = n > 0 and arr or nil, rec = n > 0 and obj or nil, n = n }
  end
  local got = json.decode(text(doc))
  T.same(got, doc)
  for i, n in ipairs(sizes) do
    if n > 0 then
      T.eq(#got[i].list, n, "#list " .. i)
      local c = 0
      for _ in pairs(got[i].rec) do c = c + 1 end
      T.eq(c, n, "keys of rec " .. i)
      got[i].list[n + 1] = "more" -- a table made to a guessed size still grows
      T.eq(#got[i].list, n + 1)
    end
  end
end)

T.test("decoding under memory pressure: after 'not enough memory', the next decode is right", function()
  local doc = {}
  for i = 1, 200 do
    local rec = {}
    for j = 1, 20 do rec[keys[(i * 3 + j) % #keys + 1]] = i * 100 + j end
    doc[i] = rec
  end
  local s = text(doc)
  local script = "local s = " .. string.format("%q", s) .. [[
    local keep, ok, err = {}, true, nil
    while ok do ok, err = pcall(function() keep[#keep + 1] = att.json.decode(s) end) end
    local failed_with = err
    keep = nil
    collectgarbage("collect")
    local again = att.json.decode(s)
    print(failed_with:find("not enough memory", 1, true) and "oom" or failed_with)
    print(att.json.encode(again) == att.json.encode(att.json.decode(s)) and "same" or "differs")
    print(again[200][next(again[200])] ~= nil and "keys" or "nokeys")
  ]]
  local f = T.tmpfile("lua")
  local h = assert(io.open(f, "w"))
  h:write(script)
  h:close()
  local out, err, rc = T.run((os.getenv("ATT") or "./att") .. " --max-memory 4M " .. f)
  T.eq(rc, 0, "exit status; stderr: " .. err)
  T.eq(out, "oom\nsame\nkeys\n")
  local want = json.decode(s)
  T.same(want, doc)
end)

T.test("numbers through jnum.c: the syntax errors keep their messages and positions", function()
  for _, c in ipairs {
    { "[01]", "invalid number %(leading zero%) at character 2" },
    { "[1.]", "invalid number at character 2" },
    { "[-]", "invalid number at character 2" },
    { "[1e+]", "invalid number at character 2" },
    { '{"a":-x}', "invalid number at character 6" },
  } do
    T.match(T.raises(json.decode, c[1]), c[2], c[1])
  end
  T.same(json.decode("[0,-0,1e2,1.5,-9223372036854775808,9223372036854775808]"),
    { 0, 0, 100, 1.5, math.mininteger, 2 ^ 63 })
  T.eq(math.type(json.decode("[1e2]")[1]), "integer")
  T.eq(math.type(json.decode("[" .. string.rep("1", 70) .. "]")[1]), "float") -- past the 64-byte buffer
end)

T.done()
