-- tests/lua/lib.lua — a small TAP test library for Lua tests run through the att host, and a helper
-- that starts att-sandbox on a free port. Usage:  local T = dofile("tests/lua/lib.lua")
local T = {}
local count, failed = 0, 0
local sandboxes = {}

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  if math.type(v) == "float" then return string.format("%.17g (float)", v) end
  return tostring(v)
end

local function deep_eq(a, b, path)
  if type(a) ~= type(b) then return false, path .. ": " .. fmt(a) .. " ~= " .. fmt(b) end
  if type(a) == "number" and math.type(a) ~= math.type(b) then
    return false, path .. ": " .. fmt(a) .. " ~= " .. fmt(b)
  end
  if type(a) ~= "table" then
    if a == b then return true end
    return false, path .. ": " .. fmt(a) .. " ~= " .. fmt(b)
  end
  for k, v in pairs(a) do
    local ok, why = deep_eq(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k, v in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. ": missing, expected " .. fmt(v) end
  end
  return true
end

function T.eq(got, want, what)
  if got ~= want or math.type(got) ~= math.type(want) then
    error(string.format("%s: got %s, want %s", what or "value", fmt(got), fmt(want)), 2)
  end
end

function T.same(got, want, what)
  local ok, why = deep_eq(got, want, what or "value")
  if not ok then error(why, 2) end
end

function T.ok(cond, what)
  if not cond then error(what or "assertion failed", 2) end
end

function T.match(s, pattern, what)
  if type(s) ~= "string" or not s:find(pattern) then
    error(string.format("%s: %s does not match %q", what or "string", fmt(s), pattern), 2)
  end
end

-- The id of each item of a list (individuals, rows), in order.
function T.ids(list)
  local out = {}
  for i, item in ipairs(list) do out[i] = item.id end
  return out
end

-- Calls fn(...) with att configured by settings (e.g. another sandbox's base_url), then puts those
-- settings back as they were, also when fn raises (the error is raised again): a failing test does
-- not leave its server or limits to the tests after it. Returns what fn returns.
function T.using(settings, fn, ...)
  local before, back = att.config(), {}
  for k in pairs(settings) do
    back[k] = before[k]
    if back[k] == nil then back[k] = false end     -- unset before: unset again (e.g. appname)
  end
  att.configure(settings)
  local res = table.pack(xpcall(fn, debug.traceback, ...))
  att.configure(back)
  if not res[1] then error(res[2], 0) end
  return table.unpack(res, 2, res.n)
end

-- Calls fn and returns the error it raised; fails when it did not raise.
function T.raises(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error, got none", 2) end
  return err
end

function T.test(name, fn)
  count = count + 1
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    print(string.format("ok %d - %s", count, name))
  else
    failed = failed + 1
    print(string.format("not ok %d - %s", count, name))
    print("# " .. tostring(err):gsub("\n", "\n# "))
  end
  io.stdout:flush()
end

-- An iterator over an array, so that a function under test sees a generator rather than a table.
function T.gen(t)
  local i = 0
  return function()
    i = i + 1
    return t[i]
  end
end

-- T.tmpfile(ext): a new temporary file name ending in "." .. ext (not created); every one, and
-- its ".partial" beside it, is removed by T.done().
local tmp_base, tmp_files = nil, {}
function T.tmpfile(ext)
  tmp_base = tmp_base or os.tmpname()
  local p = tmp_base .. "." .. #tmp_files .. "." .. ext
  tmp_files[#tmp_files + 1] = p
  return p
end

function T.done()
  for _, s in ipairs(sandboxes) do s:stop() end
  for _, p in ipairs(tmp_files) do os.remove(p); os.remove(p .. ".partial") end
  if tmp_base then os.remove(tmp_base) end
  print("1.." .. count)
  os.exit(failed == 0 and 0 or 1)
end

local function sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
T.sh_quote = sh_quote

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
T.read_file = read_file

local function sleep(sec) os.execute("sleep " .. sec) end
T.sleep = sleep

-- Starts att-sandbox with the given arguments (a list of strings) and -v, on a free port. Returns
-- an object with url, pid, requests() (requests logged so far) and stop().
function T.sandbox(args)
  local bin = os.getenv("SANDBOX") or "./att-sandbox"
  local base = os.tmpname()
  local out, log, pidf = base .. ".out", base .. ".log", base .. ".pid"
  local argv = { sh_quote(bin), "--port", "0", "-v" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = sh_quote(a) end
  local cmd = string.format("%s >%s 2>%s & echo $! >%s", table.concat(argv, " "), out, log, pidf)
  assert(os.execute(cmd))
  local url
  for _ = 1, 200 do
    local s = read_file(out)
    url = s and s:match("^(http://[^\n]+)\n")
    if url then break end
    sleep(0.05)
  end
  local pid = (read_file(pidf) or ""):match("%d+")
  local sb = { url = url, pid = pid, log = log }
  function sb.requests()
    local n = 0
    for line in (read_file(log) or ""):gmatch("[^\n]+") do
      if line:find("^att%-sandbox: %u+ /") then n = n + 1 end
    end
    return n
  end
  function sb.stop(self)
    if self.pid then os.execute("kill " .. self.pid .. " 2>/dev/null; wait " .. self.pid .. " 2>/dev/null") end
    self.pid = nil
    os.remove(out); os.remove(pidf); os.remove(base)
    os.remove(log)
  end
  sandboxes[#sandboxes + 1] = sb
  if not url then
    error("att-sandbox did not start: " .. (read_file(log) or "no log"))
  end
  return sb
end

-- Runs a shell command, returns stdout, stderr and the exit status.
function T.run(cmd)
  local base = os.tmpname()
  local ok, how, code = os.execute(cmd .. " >" .. base .. ".o 2>" .. base .. ".e")
  local o, e = read_file(base .. ".o"), read_file(base .. ".e")
  os.remove(base .. ".o"); os.remove(base .. ".e"); os.remove(base)
  if how == "signal" then code = 128 + code end
  return o, e, ok and 0 or code
end

return T
