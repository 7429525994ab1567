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

start_sandbox --individuals 5
run "$ATT" --base-url "$URL" search --level subscriber --columns id,status.state,account.billingMarket --format jsonl
check "jsonl with dotted columns: nested objects, no dotted keys" sh -c "[ $rc -eq 0 ] && head -1 '$T/out' | grep -q '^{\"id\":\"SUB-[0-9]*\",\"status\":{\"state\":\"[A-Z]*\"},\"account\":{\"billingMarket\":\"[A-Z-]*\"}}$'"
F="$T/out" "$ATT" -e 'for line in io.lines(os.getenv("F")) do local v = att.json.decode(line) assert(v.status.state and v.account.billingMarket) end print("ok")' >"$T/chk" 2>&1
check "every jsonl line reads back with .status.state" sh -c "[ \"\$(cat '$T/chk')\" = ok ]"
run "$ATT" --base-url "$URL" search --level subscriber --columns id,status.state --format csv
check "csv keeps the dotted column names" sh -c "head -1 '$T/out' | tr -d '\\r' | grep -q '^id,status.state$'"
finish
