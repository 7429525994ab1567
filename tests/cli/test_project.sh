#!/bin/sh
# tests/cli/test_project.sh — projection from what is declared, as a user meets it: att search
# --columns and the idiomatic report scripts write the same bytes as from whole records
# (opts.project = false), --verbose says what each search builds or what needs whole records, a
# misspelled column still gets its hint, and a projected run stopped by the server and resumed
# writes what an uninterrupted run writes. Prints TAP. Env: ATT, SANDBOX.
NAME=project
. "$(dirname "$0")/lib.sh"
unset ATT_JOURNAL ATT_JOURNAL_MAX ATT_RESUME
XDG_STATE_HOME="$T/state"
export XDG_STATE_HOME

start_sandbox --individuals 300 --seed 11
COLS=individualId,accountId,billingMarket,serviceType,accountLocked,state.state,subscribers.id

# The same report, from whole records, by a script.
cat >"$T/whole.lua" <<'EOF'
local cols = {}
for c in arg[1]:gmatch("[^,]+") do cols[#cols + 1] = c end
local r = att.search({ pageSize = 20 }, { project = false })
att.report.write(arg[2], att.rows(r, "account", { columns = cols, raw = arg[2] == "jsonl" or nil }), { columns = cols })
assert(r:projection() == nil)
EOF
for f in csv tsv markdown; do
    "$ATT" --base-url "$URL" "$T/whole.lua" "$COLS" "$f" >"$T/want.$f" 2>"$T/werr"
    run "$ATT" --verbose --base-url "$URL" search --all --level account --columns "$COLS" --format "$f" pageSize=20
    check "att search --columns --format $f: the same bytes as from whole records" \
        sh -c "[ $rc -eq 0 ] && [ -s '$T/want.$f' ] && cmp -s '$T/out' '$T/want.$f'"
done
check "--verbose: att search builds only what its columns read" \
    sh -c "grep -q '^att: the search builds only the 7 fields the script reads: accounts.accountLocked, accounts.billingMarket, accounts.id, accounts.serviceType, accounts.state.state, accounts.subscribers.id, id\$' '$T/err'"

run "$ATT" --verbose --base-url "$URL" search --format jsonl pageSize=5
check "--verbose: jsonl without --columns builds whole records, and says why" \
    sh -c "[ $rc -eq 0 ] && grep -q '^att: the search builds whole records: --format jsonl without --columns writes whole records\$' '$T/err' && grep -q '\"accounts\"' '$T/out'"

run "$ATT" --base-url "$URL" search --level account --columns accountId,bilingMarket pageSize=20
check "a misspelled column still gets its hint (from whole records), exit 2" \
    sh -c "[ $rc -eq 2 ] && grep -q 'did you mean \"billingMarket\"' '$T/err'"

# The idiomatic report scripts: projected, and the same bytes as with opts.project = false.
cat >"$T/idiom.lua" <<'EOF'
local q = require "att.query"
local cols = { "individualId", "accountId", "billingMarket", "serviceType", "accountLocked" }
local opts = arg[2] == "whole" and { project = false } or nil
local r = att.search({ pageSize = 20 }, opts)
if arg[1] == "query" then
  q.from(r):rows("account"):select(cols):write("csv")
elseif arg[1] == "rows" then
  att.report.csv(att.rows(r, "account", { columns = cols }), { columns = cols })
elseif arg[1] == "group" then
  q.from(r):rows("account"):group("billingMarket", { count = true }):sort("billingMarket"):write("csv")
else
  q.from(r):rows("account"):map(function(x) return x end):write("csv", { columns = cols })
end
io.stderr:write("projection: ", r:projection() and table.concat(r:projection(), " ") or "none", "\n")
EOF
for form in query rows group map; do
    "$ATT" --base-url "$URL" "$T/idiom.lua" "$form" whole >"$T/want" 2>"$T/werr"
    run "$ATT" --verbose --base-url "$URL" "$T/idiom.lua" "$form"
    case $form in
        map) expect='builds whole records: map() with a Lua function' proj='projection: none' ;;
        group) expect='builds only the 3 fields' proj='projection: accounts.billingMarket accounts.id id' ;;
        *) expect='builds only the 5 fields' proj='projection: accounts.accountLocked accounts.billingMarket accounts.id accounts.serviceType id' ;;
    esac
    check "the $form report: the same bytes as from whole records; --verbose: '$expect'" \
        sh -c "[ $rc -eq 0 ] && [ -s '$T/want' ] && cmp -s '$T/out' '$T/want' && grep -q '$expect' '$T/err' && grep -q '^$proj\$' '$T/err'"
done

# A projected run stopped by the server (HTTP 500, no retries) and resumed against a healthy one.
PORT=${URL#http://127.0.0.1:}
PORT=${PORT%%/*}
"$ATT" --base-url "$URL" --window 1 "$T/idiom.lua" rows whole >"$T/want" 2>"$T/werr"
kill_sandbox() { for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; PIDS=""; }
kill_sandbox
"$SANDBOX" --port "$PORT" -v --individuals 300 --seed 11 --fault status=500,after=6,count=1 >"$T/sb2.out" 2>"$T/sb2.log" &
PIDS="$!"
i=0; while [ $i -lt 100 ] && ! head -n 1 "$T/sb2.out" 2>/dev/null | grep -q '^http'; do sleep 0.05; i=$((i + 1)); done
run "$ATT" --base-url "$URL" --window 1 --retries 0 "$T/idiom.lua" rows
id=$(ls -t "$T/state/att/runs" 2>/dev/null | head -n 1)
check "a projected run stopped by HTTP 500 fails (exit 6) and keeps its journal" sh -c "[ $rc -eq 6 ] && [ -n '$id' ]"
kill_sandbox
"$SANDBOX" --port "$PORT" -v --individuals 300 --seed 11 >"$T/sb3.out" 2>"$T/sb3.log" &
PIDS="$!"
i=0; while [ $i -lt 100 ] && ! head -n 1 "$T/sb3.out" 2>/dev/null | grep -q '^http'; do sleep 0.05; i=$((i + 1)); done
run "$ATT" resume "$id"
asked=$(grep -c '^att-sandbox: POST /omni-svcs/v1/customers/search' "$T/sb3.log")
check "resumed: the same bytes as an uninterrupted run, and only the pages not journaled were asked for" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/want' && [ $asked -lt 15 ] && [ $asked -gt 0 ]"

finish
