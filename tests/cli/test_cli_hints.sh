#!/bin/sh
# tests/cli/test_cli_hints.sh — the small things a new user meets first (issue: no silently wrong
# report): att help for the subcommands, a "did you mean" for a mistyped option, values shown as
# typed in messages, JSON output of att search with dotted columns that jq reads without quoting.
# Prints TAP. Env: ATT, SANDBOX.
NAME=hints
. "$(dirname "$0")/lib.sh"

run "$ATT" help search
check "att help search: the options of att search, status 0" sh -c "[ $rc -eq 0 ] && grep -q '^usage: att search KEY=VALUE' '$T/out' && grep -q -- '--where' '$T/out'"
run "$ATT" help check
check "att help check: what att check does" sh -c "[ $rc -eq 0 ] && grep -q '^usage: att check SCRIPT' '$T/out'"
run "$ATT" --verbos -e 1
check "--verbos: did you mean --verbose, exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'unknown option --verbos (did you mean --verbose?)' '$T/err'"
run "$ATT" --stall-timout=1 -e 1
check "--stall-timout=1: did you mean --stall-timeout" sh -c "[ $rc -eq 2 ] && grep -q 'did you mean --stall-timeout?' '$T/err'"
run "$ATT" --zzzzzz -e 1
check "an option far from every other: no suggestion" sh -c "[ $rc -eq 2 ] && grep -q 'unknown option --zzzzzz$' '$T/err'"
run "$ATT" -e 'att.search{serviceType = ""}'
check "serviceType=\"\": the empty string is shown quoted" has_err 'serviceType must be a non-empty string (got "")'

printf 'local x = 1\n' >"$T/noargs.lua"
run "$ATT" help "$T/noargs.lua"
check "att help on a script without att.args: says so, status 0, no traceback" \
    sh -c "[ $rc -eq 0 ] && grep -q 'declares no arguments' '$T/out' && ! grep -q traceback '$T/err' '$T/out'"

# att help runs a script's top level to reach its att.args declaration, under --safe: nothing else of
# a script you did not write runs with your rights.
mkdir -p "$T/elsewhere"
cat >"$T/evil.lua" <<LUA
pcall(os.execute, "touch pwned-by-help")
local ok, f = pcall(io.open, "$T/elsewhere/pwned-file", "w")
if ok and f then f:write("x") f:close() end
local args = require("att.args").parse { description = "an innocent report", { "--market", "string", "a market" } }
LUA
(cd "$T" && "$ATT" help ./evil.lua >"$T/out" 2>"$T/err"); rc=$?
check "att help on a hostile script: its usage, and none of its code ran with your rights" \
    sh -c "grep -q 'an innocent report' '$T/out' && [ ! -e '$T/pwned-by-help' ] && [ ! -e '$T/elsewhere/pwned-file' ]"
run "$ATT" help scripts/fiber-accounts.lua
check "att help on a bundled example still prints its usage" sh -c "[ $rc -eq 0 ] && grep -q -- '--market' '$T/out'"

start_sandbox --individuals 5 --token good-token-123
run env ATT_TOKEN=bad-token-4567 "$ATT" --verbose --base-url "$URL" -e 'att.search{}:total()'
sent=$(requests)
check "a static token refused: one 401, exit 4, no talk of renewing it" \
    sh -c "[ $rc -eq 4 ] && grep -q '^att: HTTP 401 from ' '$T/err' && ! grep -qi 'renew' '$T/err' && [ $sent -eq 1 ]"

start_sandbox --individuals 5
run "$ATT" --base-url "$URL" search --level subscriber --columns id,status.state,account.billingMarket --format jsonl
check "jsonl with dotted columns: nested objects, no dotted keys" sh -c "[ $rc -eq 0 ] && head -1 '$T/out' | grep -q '^{\"id\":\"SUB-[0-9]*\",\"status\":{\"state\":\"[A-Z]*\"},\"account\":{\"billingMarket\":\"[A-Z-]*\"}}$'"
F="$T/out" "$ATT" -e 'for line in io.lines(os.getenv("F")) do local v = att.json.decode(line) assert(v.status.state and v.account.billingMarket) end print("ok")' >"$T/chk" 2>&1
check "every jsonl line reads back with .status.state" sh -c "[ \"\$(cat '$T/chk')\" = ok ]"
run "$ATT" --base-url "$URL" search --level subscriber --columns id,status.state --format csv
check "csv keeps the dotted column names" sh -c "head -1 '$T/out' | tr -d '\\r' | grep -q '^id,status.state$'"
finish
