#!/bin/sh
# tests/cli/test_outputs.sh — the typed outputs as the command line and the bundled scripts use
# them (issue 14): att search --out FILE.db / .xlsx with the table or sheet named after the level
# (--table, --append), the scripts' format taken from --out's extension, and the daily FIBER
# history example (scripts/fiber-history.lua): a first run, a next day with changed data, and the
# change report it gives. The writers themselves are tested in test_sqlite.sh, test_xlsx.sh,
# test_postgres.sh and test_diff.sh.
NAME=outputs
. "$(dirname "$0")/lib.sh"
ATT=$(cd "$(dirname "$ATT")" && pwd)/$(basename "$ATT")
SANDBOX=$(cd "$(dirname "$SANDBOX")" && pwd)/$(basename "$SANDBOX")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$T" || exit 2
# q DB SQL: the rows of a query as a|b lines, read by python3's sqlite3 (an independent reader).
Q="python3 $ROOT/tests/cli/sqlite_query.py"
q() { $Q "$@"; }

start_sandbox --individuals 300 --seed 11
export ATT_BASE_URL="$URL"

# ---- att search: --table and --append --------------------------------------------------------
run "$ATT" search serviceType=FIBER --table x --format csv
check "--table with csv: exit 2, says which formats take it" sh -c "[ $rc -eq 2 ] && grep -q -- '--table needs the sqlite or postgres format' '$T/err'"
run "$ATT" search serviceType=FIBER --append --out a.xlsx
check "--append with xlsx: exit 2" sh -c "[ $rc -eq 2 ] && grep -q -- '--append needs the sqlite or postgres format' '$T/err'"
run "$ATT" search serviceType=FIBER --all --level account --out fiber.db
accounts=$(q fiber.db "SELECT count(*) FROM accounts")
total=$("$ATT" search serviceType=FIBER --all --level account --format csv | tail -n +2 | wc -l)
check "--out fiber.db: table accounts holds every account row ($total)" sh -c "[ $rc -eq 0 ] && [ '$accounts' = '$total' ] && [ $total -gt 100 ]"
check "--out fiber.db: att_runs says the table, mode replace, the rows and the request" sh -c \
    "[ \"\$($Q fiber.db \"SELECT table_name, mode, rows, json_extract(request, '\$.serviceType') FROM att_runs\")\" = 'accounts|replace|$total|FIBER' ]"
run "$ATT" search serviceType=FIBER --all --level account --out fiber.db --append
check "--append: the rows added to the table, a second att_runs row" sh -c \
    "[ $rc -eq 0 ] && [ \"\$($Q fiber.db 'SELECT count(*) FROM accounts')\" = $((total * 2)) ] && [ \"\$($Q fiber.db 'SELECT group_concat(mode) FROM att_runs')\" = 'replace,append' ]"
run "$ATT" search serviceType=FIBER --all --level subscriber --out fiber.db --table subs
check "--table subs: its own table beside accounts" sh -c \
    "[ $rc -eq 0 ] && [ \"\$($Q fiber.db \"SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)\")\" = 'accounts,att_runs,subs' ]"
run "$ATT" search serviceType=FIBER --all --level account --out fiber.xlsx
check "--out fiber.xlsx: one sheet named accounts" sh -c \
    "[ $rc -eq 0 ] && python3 -c 'import zipfile,sys; z=zipfile.ZipFile(\"fiber.xlsx\"); w=z.read(\"xl/workbook.xml\").decode(); sys.exit(0 if \"name=\\\"accounts\\\"\" in w and w.count(\"<sheet \")==1 else 1)'"

# ---- the scripts: the format follows --out ---------------------------------------------------
run "$ATT" "$ROOT/scripts/fiber-accounts.lua" --out fa.db
check "fiber-accounts.lua --out fa.db writes a SQLite table (not CSV text)" sh -c \
    "[ $rc -eq 0 ] && [ \"\$(head -c 15 fa.db)\" = 'SQLite format 3' ] && [ \"\$($Q fa.db 'SELECT count(*) FROM report')\" -gt 100 ]"
run "$ATT" "$ROOT/scripts/markets.lua" --out m.xlsx
check "markets.lua --out m.xlsx writes a workbook" sh -c "[ $rc -eq 0 ] && python3 -c 'import zipfile; zipfile.ZipFile(\"m.xlsx\").read(\"xl/worksheets/sheet1.xml\")'"
run "$ATT" "$ROOT/scripts/markets.lua" --out m.csv
check "markets.lua --out m.csv still writes CSV" sh -c "[ $rc -eq 0 ] && head -n 1 m.csv | grep -q '^market,'"

# ---- the daily FIBER history ------------------------------------------------------------------
run "$ATT" "$ROOT/scripts/fiber-history.lua" --db h.db
first=$(q h.db "SELECT count(*) FROM accounts WHERE snapshot = 1")
check "history, day 1: snapshot 1 written, 'the first snapshot' said, no report" sh -c \
    "[ $rc -eq 0 ] && [ $first -gt 50 ] && grep -q 'the first snapshot' '$T/err' && ! [ -s '$T/out' ]"
"$SANDBOX" --individuals 300 --seed 11 --dump >day1.json
"$ATT" "$ROOT/tools/demo-nextday.lua" day1.json day2.json
start_sandbox --data day2.json
export ATT_BASE_URL="$URL"
run "$ATT" "$ROOT/scripts/fiber-history.lua" --db h.db --format csv
# What changed, computed independently from the two snapshots in the database.
added=$(q h.db "SELECT count(*) FROM accounts n WHERE snapshot = 2 AND accountId NOT IN (SELECT accountId FROM accounts WHERE snapshot = 1)")
removed=$(q h.db "SELECT count(*) FROM accounts o WHERE snapshot = 1 AND accountId NOT IN (SELECT accountId FROM accounts WHERE snapshot = 2)")
locked=$(q h.db "SELECT count(*) FROM accounts o JOIN accounts n USING (accountId) WHERE o.snapshot = 1 AND n.snapshot = 2 AND o.accountLocked <> n.accountLocked")
market=$(q h.db "SELECT count(*) FROM accounts o JOIN accounts n USING (accountId) WHERE o.snapshot = 1 AND n.snapshot = 2 AND o.billingMarket <> n.billingMarket")
check "history, day 2: some of every kind of change happened ($added added, $removed removed, $locked lock changes, $market moves)" \
    sh -c "[ $added -gt 0 ] && [ $removed -gt 0 ] && [ $locked -gt 0 ] && [ $market -gt 0 ]"
check "history, day 2: the report lists exactly the added accounts" sh -c "[ \$(grep -c '^added,' '$T/out') -eq $added ]"
check "history, day 2: ... exactly the removed ones" sh -c "[ \$(grep -c '^removed,' '$T/out') -eq $removed ]"
check "history, day 2: ... exactly the lock changes" sh -c "[ \$(grep -c '^changed,[^,]*,accountLocked,' '$T/out') -eq $locked ]"
check "history, day 2: ... exactly the market moves" sh -c "[ \$(grep -c '^changed,[^,]*,billingMarket,' '$T/out') -eq $market ]"
check "history, day 2: nothing else changed (snapshot and taken_at are not changes)" sh -c \
    "[ \$(tail -n +2 '$T/out' | wc -l) -eq $((added + removed + locked + market)) ]"
check "history, day 2: the summary line" sh -c "grep -q \"since snapshot 1: $added added, $removed removed\" '$T/err'"
check "history: att_runs holds both runs, appended" sh -c "[ \"\$($Q h.db \"SELECT group_concat(mode || ':' || rows) FROM att_runs\")\" = \"append:$first,append:\$($Q h.db 'SELECT count(*) FROM accounts WHERE snapshot = 2')\" ]"

finish
