#!/bin/sh
# tests/cli/test_search_cli.sh — `att search` and scripts as a new user meets them (issue 12):
# output files checked before the first request and replaced only when complete (the partial
# output kept and named), --replay checked at start, formats from file names, errors as one line
# with the user's place (--verbose: the traceback; script bugs keep theirs), usage errors exit 2,
# whole records in jsonl/json, --columns and --where checked with a suggestion, --where, the
# first-page hint and --max-rows.
NAME=search-cli
. "$(dirname "$0")/lib.sh"
ATT=$(cd "$(dirname "$ATT")" && pwd)/$(basename "$ATT")
SANDBOX=$(cd "$(dirname "$SANDBOX")" && pwd)/$(basename "$SANDBOX")
cd "$T" || exit 2
lines() { [ "$(wc -l <"$T/err")" -eq "$1" ]; }

start_sandbox
export ATT_BASE_URL="$URL"

# ---- 1. output files: checked first, replaced only when complete --------------------------------
run "$ATT" search --all --out /nonexistent/x.csv
check "--out in a missing directory: exit 2, one line, no request" sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q \"^att search: --out: cannot open \\\"/nonexistent/x.csv\\\" for writing: directory '/nonexistent'\" '$T/err' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 0 ]"
mkdir adir
run "$ATT" search --all --out adir
check "--out naming a directory: exit 2, 'it is a directory', no request" sh -c "[ $rc -eq 2 ] && grep -q 'it is a directory' '$T/err' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 0 ]"
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
    run "$ATT" search --out ro/x.csv
    check "--out in a read-only directory: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'Permission denied' '$T/err'"
else
    ok "--out in a read-only directory: skipped (root)"
fi
run "$ATT" --safe search --out ../x.csv
check "--safe: --out outside the current directory: exit 2, no request" sh -c "[ $rc -eq 2 ] && grep -q 'outside the current directory' '$T/err' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 0 ]"
run "$ATT" search serviceType=FIBER pageSize=5 --out ok.csv
check "--out: written and renamed into place, nothing left beside it" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <ok.csv) -eq 6 ] && ! ls | grep -q 'att-partial\\|\\.partial'"
echo previous >keep.csv
start_sandbox --fault status=500,after=2
export ATT_BASE_URL="$URL"
run "$ATT" --retries 0 search --all pageSize=10 --out keep.csv
check "a failed scan: the previous file untouched, exit 6, one line naming the partial output" sh -c "[ $rc -eq 6 ] && [ \"\$(cat keep.csv)\" = previous ] &&
    [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^att: HTTP 500 at page 3 of 100 (20 of 1,000 individuals): .*; partial output kept in keep.csv.partial; resume with: att resume [0-9a-f]* > out$' '$T/err' && [ \$(wc -l <keep.csv.partial) -ge 2 ]"
check "no traceback through att's modules" sh -c "! grep -q 'lua/att/\\|traceback' '$T/err'"
run "$ATT" --retries 0 --verbose search --all pageSize=10 --out keep.csv
check "--verbose: the full traceback" sh -c "[ $rc -eq 6 ] && grep -q 'stack traceback' '$T/err' && grep -q 'lua/att/' '$T/err'"
cat >rep.lua <<'LUA'
local args = require("att.args").parse { { "out", "output", "rep.csv", "where the report goes" } }
local report = require "att.report"
report.csv(require("att.rows")(att.search { pageSize = 10 }, "individual", { "id" }), { out = args.out })
LUA
start_sandbox
export ATT_BASE_URL="$URL"
run "$ATT" rep.lua --out /nonexistent/r.csv
check "att.args output argument: checked at parse time, exit 2, no request" sh -c "[ $rc -eq 2 ] && grep -q '^att: rep.lua: --out: cannot write' '$T/err' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 0 ]"
run "$ATT" rep.lua --help
check "att.args output argument: shown as FILE in the usage" has_out "--out FILE"
run "$ATT" -e 'require("att.report").csv(require("att.rows")(att.search{pageSize = 10}, "individual", {"id"}), {out = "/nonexistent/r.csv"})'
check "a writer's opts.out: refused before the first request, one line with the user's place" sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q '^att: (command line):1: att.report.csv: cannot open' '$T/err' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 0 ]"
run "$ATT" -e 'require("att.report").table({{a = 1}}, {out = "/nonexistent/r.txt"})'
check "the table writer checks opts.out before reading rows" has_err "att.report.table: cannot open"
run "$ATT" --replay "$T/nowhere" search
check "--replay of a missing directory: exit 2, one line" sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'nowhere/journal' '$T/err'"
mkdir emptyrec
run "$ATT" --replay emptyrec -e 'print(1)'
check "--replay of a directory without a recording: exit 2 before the script runs" sh -c "[ $rc -eq 2 ] && ! [ -s '$T/out' ] && grep -q 'no recording in it' '$T/err'"

# ---- 2. formats follow file names ----------------------------------------------------------------
for ext in csv tsv jsonl ndjson json md html txt; do
    "$ATT" search pageSize=3 --out "f.$ext" 2>/dev/null
done
check ".csv is CSV" sh -c "head -n 1 f.csv | grep -q '^id,givenName,familyName,status,createdOn'"
check ".tsv is TSV" sh -c "head -n 1 f.tsv | grep -q '^id	givenName'"
check ".jsonl and .ndjson are JSON lines" sh -c "[ \$(wc -l <f.jsonl) -eq 3 ] && head -c 1 f.jsonl | grep -q '{' && cmp -s f.jsonl f.ndjson"
check ".json is one array" sh -c "head -c 1 f.json | grep -q '\\['"
check ".md is a Markdown table" sh -c "head -n 2 f.md | tail -n 1 | grep -q '^|---|'"
check ".html is HTML" sh -c "grep -qi '<!doctype html' f.html"
check ".txt is the aligned table" sh -c "sed -n 2p f.txt | grep -q '^---'"
"$ATT" search pageSize=3 --out g.csv --format jsonl 2>/dev/null
check "--format wins over the extension" sh -c "head -c 1 g.csv | grep -q '{'"
run "$ATT" -e 'require("att.report").write(nil, {{a = 1}}, {out = "w.tsv"}) io.write(io.open("w.tsv"):read("a"))'
check "report.write(nil, rows, {out = 'x.tsv'}) picks tsv" out_is "a
1"
run "$ATT" -e 'require("att.report").write(nil, {{a = 1}}, {out = "w.xyz"})'
check "report.write(nil, ...) with an unknown extension: a clear error" has_err "extension of \"w.xyz\" names none"

# ---- 3. errors a user can act on -----------------------------------------------------------------
run "$ATT" search pageSize=0
check "att search pageSize=0: one line without att's file, exit 2" sh -c "[ $rc -eq 2 ] && [ \"\$(cat '$T/err')\" = 'att: att.search: pageSize must be an integer from 1 to 2147483647 (got 0)' ]"
run "$ATT" search --nope
check "att search: an unknown option exits 2" sh -c "[ $rc -eq 2 ] && grep -q 'unknown option --nope' '$T/err'"
run env ATT_BASE_URL=http://127.0.0.1:1/omni-svcs "$ATT" --retries 0 search
check "att search, network error: one line, exit 3" sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^att: network error on ' '$T/err'"
cat >net.lua <<'LUA'
local function go()
  return att.search{}:total()
end
go()
LUA
run env ATT_BASE_URL=http://127.0.0.1:1/omni-svcs "$ATT" --retries 0 net.lua
check "a script's network error: one line with the script's place, exit 3" sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^att: network error on .* (at net.lua:2)$' '$T/err'"
cat >bad.lua <<'LUA'
local report = require "att.report"
report.csv({ { a = 1 } }, { out = 42 })
LUA
run "$ATT" bad.lua
check "a usage error in a script: one line at the script's line, not att's module" sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^att: bad.lua:2: att.report.csv: opts.out must be' '$T/err'"
cat >bug.lua <<'LUA'
local t = nil
print(t.x)
LUA
run "$ATT" bug.lua
check "a script bug keeps its traceback, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'bug.lua:2: attempt to index' '$T/err' && grep -q 'stack traceback' '$T/err'"
run "$ATT" -e 'att.search{pageSize = 0}'
check "a bad parameter from a script: its place, one line, exit 1" sh -c "[ $rc -eq 1 ] && [ \"\$(cat '$T/err')\" = 'att: (command line):1: att.search: pageSize must be an integer from 1 to 2147483647 (got 0)' ]"

# ---- 4. att search for pipelines -----------------------------------------------------------------
run "$ATT" search serviceType=FIBER pageSize=4 --format jsonl
check "jsonl without --columns: whole individuals, nested accounts as JSON (not strings)" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 4 ] &&
    head -n 1 '$T/out' | grep -q '\"accounts\":\\[{' && ! grep -q '\"{' '$T/out'"
run "$ATT" search serviceType=FIBER pageSize=4 --level subscriber --format json
check "json at the subscriber level: whole subscribers with individualId and accountId" sh -c "[ $rc -eq 0 ] && grep -q '\"individualId\":' '$T/out' && grep -q '\"accountId\":' '$T/out' && grep -q '\"status\":{\"state\":' '$T/out'"
run "$ATT" search pageSize=3 --format jsonl --columns id,accounts.billingMarket
check "jsonl with --columns: a crossed list as a JSON array, not a string, nested (jq .accounts.billingMarket)" sh -c "[ $rc -eq 0 ] && head -n 1 '$T/out' | grep -q '\"accounts\":{\"billingMarket\":\\[\"'"
run "$ATT" search pageSize=5 --level account --columns id,billingMarkt
check "--columns with an unknown path: exit 2 and a suggestion" sh -c "[ $rc -eq 2 ] && grep -q 'did you mean \"billingMarket\"' '$T/err' && ! [ -s '$T/out' ]"
run "$ATT" search --all pageSize=100 --level account --where billingMarket=DAL --where serviceType=FIBER --format csv --columns billingMarket,serviceType
check "--where (repeated: AND) keeps only matching records" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -gt 1 ] && [ \$(grep -vc '^DAL,FIBER' '$T/out') -eq 1 ]"
n_all=$(grep -c . "$T/out")
run "$ATT" -e 'local n = 0 for a in att.search{}:accounts() do if a.billingMarket == "DAL" and a.serviceType == "FIBER" then n = n + 1 end end print(n + 1)'
check "--where gives as many rows as the same filter in Lua" out_is "$n_all"
run "$ATT" search --where biilingMarket=DAL --level account
check "--where with an unknown path: exit 2 and a suggestion" sh -c "[ $rc -eq 2 ] && grep -q 'did you mean \"billingMarket\"' '$T/err'"
run "$ATT" search --where nothing
check "--where without =: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'PATH=VALUE' '$T/err'"
run "$ATT" search pageSize=50 --format csv
total=$("$ATT" -e 'print(att.search{}:total())')
check "first page only: a hint on stderr with the total" sh -c "[ $rc -eq 0 ] && grep -qx 'att: 50 of $total individuals (the first page); use --all for every page' '$T/err'"
run "$ATT" search --all --format csv
check "--all: no hint" sh -c "[ $rc -eq 0 ] && ! [ -s '$T/err' ]"
run "$ATT" search --all --limit 7 --format csv
check "--limit cuts: a note on stderr" sh -c "[ $rc -eq 0 ] && grep -qx 'att: 7 of $total individuals (--limit 7)' '$T/err'"
run "$ATT" search --all --level account
check "the table stops at 1000 rows and says how to lift it" sh -c "[ $rc -eq 0 ] && grep -q '^\\.\\.\\. [0-9]* more' '$T/out' && grep -q 'the table shows 1000 of [0-9]* rows; --max-rows 0 shows every row' '$T/err'"
accounts=$("$ATT" -e 'local n = 0 for _ in att.search{}:accounts() do n = n + 1 end print(n)')
run "$ATT" search --all --level account --max-rows 0
check "--max-rows 0: every row, no note" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq $((accounts + 2)) ] && ! grep -q 'more' '$T/out' && ! [ -s '$T/err' ]"
run "$ATT" search pageSize=10 --max-rows 3
check "--max-rows 3" sh -c "[ $rc -eq 0 ] && grep -q '^\\.\\.\\. 7 more' '$T/out' && grep -q 'shows 3 of 10 rows' '$T/err'"
run "$ATT" search --max-rows -1
check "--max-rows -1: exit 2" rc_is 2

finish
