-- att.args — declared, typed script arguments.
--
--   local args = require("att.args").parse {
--     description = "FIBER accounts as CSV",
--     { "service", "string", "FIBER", "service type to search for" },
--     { "limit", "integer", nil, "stop after this many individuals" },
--     { "locked", "boolean", false, "only locked accounts" },
--   }
--
-- Each declaration is { name, type, default, help } with type "string", "integer", "number",
-- "boolean" or "output" (the name of a file the script writes: checked when the arguments are
-- parsed, before anything is fetched: its directory must exist and be writable, it must not be a
-- directory, and under --safe it must be a file the script may write; pass it as opts.out to
-- att.report, which writes it beside its name and renames it into place when complete). The command line (the global arg, or spec.argv) may give --name VALUE, --name=VALUE,
-- and for booleans --name / --no-name. --help prints the usage and exits 0; an unknown argument or a
-- value of the wrong type prints one line naming it and exits 2.
local M = {}

local function script_name(argv)
  return argv and argv[0] or "script"
end

function M.usage(spec, argv)
  local lines = { ("usage: att %s [options]"):format(script_name(argv)) }
  if spec.description then lines[#lines + 1] = spec.description end
  lines[#lines + 1] = ""
  for _, d in ipairs(spec) do
    local name, ty, default, help = d[1], d[2], d[3], d[4]
    local left = ty == "boolean" and ("--" .. name) or ("--%s %s"):format(name, ty == "output" and "FILE" or ty:upper())
    local dflt = default ~= nil and (" (default: %s)"):format(tostring(default)) or ""
    lines[#lines + 1] = ("  %-24s %s%s"):format(left, help or "", dflt)
  end
  lines[#lines + 1] = ("  %-24s %s"):format("--help", "show this help")
  return table.concat(lines, "\n") .. "\n"
end

local convert = {
  string = function(v) return v end,
  integer = function(v) return math.tointeger(tonumber(v)) end,
  number = function(v) return tonumber(v) end,
  output = function(v) if v ~= "" then return v end end,
  boolean = function(v)
    if v == "true" or v == "yes" or v == "1" then return true end
    if v == "false" or v == "no" or v == "0" then return false end
  end,
}

local function fail(msg)
  io.stderr:write("att: ", msg, "\n")
  io.stdout:flush()
  os.exit(2)
end

-- Parses argv (default: the global arg) against spec; returns a table of values by name.
function M.parse(spec, argv)
  argv = argv or spec.argv or arg or {}
  local byname, values = {}, {}
  for _, d in ipairs(spec) do
    assert(convert[d[2]], "att.args: unknown type " .. tostring(d[2]) .. " for " .. tostring(d[1]))
    byname[d[1]] = d
    values[d[1]] = d[3]
  end
  local i = 1
  while argv[i] ~= nil do
    local a = argv[i]
    if a == "--help" or a == "-h" then
      io.stdout:write(M.usage(spec, argv))
      os.exit(0)
    end
    local name, value = a:match("^%-%-([%w_-]+)=(.*)$")
    name = name or a:match("^%-%-([%w_-]+)$")
    if not name then fail(("%s: unexpected argument %q (try --help)"):format(script_name(argv), a)) end
    local d = byname[name]
    if not d and name:sub(1, 3) == "no-" and byname[name:sub(4)] and byname[name:sub(4)][2] == "boolean" then
      d, value = byname[name:sub(4)], value or "false"
    end
    if not d then fail(("%s: unknown argument --%s (try --help)"):format(script_name(argv), name)) end
    if value == nil then
      if d[2] == "boolean" then
        value = "true"
      else
        i = i + 1
        value = argv[i]
        if value == nil then fail(("%s: --%s needs a value"):format(script_name(argv), name)) end
      end
    end
    local v = convert[d[2]](value)
    if v == nil then fail(("%s: --%s expects %s %s, got %q"):format(script_name(argv), name,
      (d[2] == "integer" or d[2] == "output") and "an" or "a", d[2] == "output" and "output file name" or d[2],
      value)) end
    values[d[1]] = v
    i = i + 1
  end
  -- Output files are checked now, before the script fetches anything.
  local outfile = package.loaded["att.outfile"]
  for _, d in ipairs(spec) do
    local v = values[d[1]]
    if d[2] == "output" and type(v) == "string" and outfile then
      local ok, mode, why = pcall(outfile.check, v, "--" .. d[1])
      if not ok then fail(("%s: %s"):format(script_name(argv), tostring(mode))) end
      if not mode then fail(("%s: --%s: cannot write %q: %s"):format(script_name(argv), d[1], v, why)) end
    end
  end
  return values
end

return M
