#!/bin/sh
# tests/cli/test_scripts.sh — the shipped scripts and the developer features around them: declared
# arguments and `att help`, every output format, `att search`, record and replay (a report
# reproduced byte for byte offline), user module directories, quiet output when not on a terminal.
# Prints TAP. Env: ATT, SANDBOX.
NAME=scripts
. "$(dirname "$0")/lib.sh"

start_sandbox --individuals 150 --seed 5 --token 'rec-Secret-Token-1'
export ATT_BASE_URL="$URL" ATT_TOKEN=rec-Secret-Token-1

SCRIPTS="fiber-accounts markets locked-accounts cross-service product-mix"

# ---- declared arguments and att help ------------------------------------------------------------
for s in $SCRIPTS; do
    run "$ATT" help "scripts/$s.lua"
    check "att help scripts/$s.lua: usage with --format and --out" sh -c "[ $rc -eq 0 ] && grep -q '^usage: att scripts/$s.lua' '$T/out' && grep -q -- '--format' '$T/out' && grep -q -- '--out' '$T/out'"
    run "$ATT" "scripts/$s.lua" --help
    check "scripts/$s.lua --help is the same usage" has_out "^usage: att scripts/$s.lua"
    run "$ATT" "scripts/$s.lua" --no-such-arg
    check "scripts/$s.lua: an unknown argument exits 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q 'unknown argument --no-such-arg' '$T/err'"
done
run "$ATT" scripts/fiber-accounts.lua --page-size abc
check "a wrongly typed argument exits 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q -- '--page-size expects an integer, got \"abc\"' '$T/err'"
run "$ATT" scripts/fiber-accounts.lua --page-size
check "a missing value exits 2" sh -c "[ $rc -eq 2 ] && grep -q -- '--page-size needs a value' '$T/err'"
run "$ATT" scripts/fiber-accounts.lua stray
check "a stray positional argument exits 2" sh -c "[ $rc -eq 2 ] && grep -q 'unexpected argument' '$T/err'"
run "$ATT" scripts/fiber-accounts.lua --format nope
check "an unknown format is an error naming the known ones" sh -c "[ $rc -ne 0 ] && grep -q 'known: csv' '$T/err'"
cat >"$T/decl.lua" <<'EOF'
local a = require("att.args").parse {
  description = "demo", { "n", "integer", 3, "a number" }, { "x", "number", 0.5, "a float" },
  { "on", "boolean", false, "a flag" }, { "name", "string", "z", "a name" } }
print(a.n, math.type(a.n), a.x, a.on, a.name)
EOF
run "$ATT" "$T/decl.lua"
check "declared defaults" out_is "$(printf '3\tinteger\t0.5\tfalse\tz')"
run "$ATT" "$T/decl.lua" --n=7 --x 2 --on --name "a b"
check "declared values, both --k=v and --k v" out_is "$(printf '7\tinteger\t2\ttrue\ta b')"
run "$ATT" "$T/decl.lua" --on --no-on
check "--no-flag turns a boolean off" has_out "false"
printf 'print("side effect")\nlocal r = att.search{}\nprint(r:total())\n' >"$T/nodecl.lua"
run "$ATT" help "$T/nodecl.lua"
check "att help on a script without declarations never reaches the API" sh -c "grep -q 'declar' '$T/out' '$T/err' && ! grep -q '^[0-9]' '$T/out'"

# ---- every script in every format ---------------------------------------------------------------
for s in $SCRIPTS; do
    for f in csv tsv jsonl json table markdown html; do
        run "$ATT" "scripts/$s.lua" --format "$f" --out "$T/$s.$f"
        check "scripts/$s.lua --format $f --out FILE" sh -c "[ $rc -eq 0 ] && [ -s '$T/$s.$f' ] && [ ! -s '$T/out' ]"
    done
done
check "csv output is CRLF RFC 4180 with a header" sh -c "head -n 1 '$T/fiber-accounts.csv' | grep -q '^individualId,givenName,familyName,accountId,.*'\$(printf '\r')'\$'"
check "json output decodes" sh -c "'$ATT' -e 'local f = io.open(\"$T/markets.json\") local t = att.json.decode(f:read(\"a\")) assert(#t > 0 and t[1].market)'"
check "html output is one self-contained page" sh -c "grep -q '<svg' '$T/product-mix.html' && ! grep -q 'src=\"http' '$T/product-mix.html'"
run "$ATT" scripts/fiber-accounts.lua --market DAL --format csv
check "--market filters accounts" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -gt 1 ] && ! tail -n +2 '$T/out' | cut -d, -f7 | grep -qv '^DAL\$'"

# ---- att search ---------------------------------------------------------------------------------
run "$ATT" search serviceType=FIBER pageSize=5 --level account --columns id,billingMarket,accountLocked --format csv
check "att search: account level, chosen columns" sh -c "[ $rc -eq 0 ] && head -n 1 '$T/out' | grep -q '^id,billingMarket,accountLocked'"
run "$ATT" search serviceType=FIBER pageSize=5 --format csv
check "att search without --all reads the first page only" sh -c "[ \$(wc -l <'$T/out') -eq 6 ]"
FIBER=$("$ATT" -e 'print(att.search{serviceType="FIBER"}:total())')
run "$ATT" search serviceType=FIBER pageSize=20 --all --format csv
check "att search --all pages through everything" sh -c "[ \$(wc -l <'$T/out') -eq $((FIBER + 1)) ]"
run "$ATT" search serviceType=FIBER --level product --limit 2 --format jsonl
check "att search --level product --format jsonl" sh -c "[ $rc -eq 0 ] && head -n 1 '$T/out' | grep -q '\"subscriberId\"'"
run "$ATT" search serviceType=FIBER --level nope
check "att search: a bad level exits 2" sh -c "[ $rc -eq 2 ] && grep -q 'level must be' '$T/err'"
run "$ATT" search pageSize=0
check "att search: a bad parameter is att.search's clear error, exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'pageSize must be an integer from 1 to 2147483647' '$T/err'"
run "$ATT" search --help
check "att search --help" has_out "usage: att search"

# ---- record and replay --------------------------------------------------------------------------
run "$ATT" --record "$T/rec" scripts/fiber-accounts.lua --page-size 20
cp "$T/out" "$T/recorded.csv"
check "--record: the report runs and is saved" sh -c "[ $rc -eq 0 ] && [ -s '$T/rec/journal' ]"
check "--record: one exchange per page" sh -c "[ \$(grep -c '^@J x ' '$T/rec/journal') -eq $(( (FIBER + 19) / 20 )) ]"
check "--record: no credential in the recording" sh -c "! grep -q 'rec-Secret-Token-1' '$T/rec/journal'"
run env -u ATT_TOKEN ATT_BASE_URL=http://127.0.0.1:1/offline "$ATT" --replay "$T/rec" scripts/fiber-accounts.lua --page-size 20
check "--replay: the report reproduced byte for byte, offline" sh -c "[ $rc -eq 0 ] && cmp -s '$T/recorded.csv' '$T/out'"
run env -u ATT_TOKEN "$ATT" --replay "$T/rec" scripts/fiber-accounts.lua --page-size 25
check "--replay: a request that was not recorded fails clearly" sh -c "[ $rc -eq 1 ] && grep -q 'att: replay error .*no recorded response for POST /v1/customers/search' '$T/err'"
run "$ATT" --replay "$T/nowhere" -e 'att.search{}:total()'
check "--replay of a missing recording names the file, exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'nowhere/journal' '$T/err'"
run "$ATT" --record "$T/a" --replay "$T/b" -e ''
check "--record and --replay together are refused" rc_is 2

# ---- user modules ------------------------------------------------------------------------------
mkdir -p "$T/mods/att" "$XDG_CONFIG_HOME/att/lua"
printf 'return { hello = function() return "from --lua-path" end }\n' >"$T/mods/mine.lua"
printf 'return { hello = function() return "from config dir" end }\n' >"$XDG_CONFIG_HOME/att/lua/cfgmod.lua"
printf 'local M = {} function M.write() print("my report") end M.formats = {} return M\n' >"$T/mods/att/report.lua"
run "$ATT" --lua-path "$T/mods" -e 'print(require("mine").hello(), require("cfgmod").hello()) require("att.report").write()'
check "--lua-path and ~/.config/att/lua add modules; a user module overrides a bundled one" out_is "$(printf 'from --lua-path\tfrom config dir\nmy report')"
run env ATT_LUA_PATH="$T/mods" "$ATT" -e 'print(require("mine").hello())'
check "ATT_LUA_PATH" out_is "from --lua-path"
run "$ATT" -e 'print(require("att.report").csv ~= nil)'
check "without it, the bundled module" out_is true
run "$ATT" --verbose -e 'require("att.report").csv({{a=1}}, {out = "/nonexistent-dir/x.csv"})'
check "--verbose: a bundled module's error names its real file in the traceback" has_err "lua/att/report.lua:"

# ---- no progress line when stderr is not a terminal ---------------------------------------------
run "$ATT" -e 'for p in att.search{pageSize=10} do end'
check "no progress output when stderr is not a terminal" sh -c "[ ! -s '$T/err' ]"

finish
