#!/bin/sh
# tools/demo.sh — `make demo`: starts att-sandbox on a free port and runs the example reports of
# scripts/ against it. Reports that are files go to build/demo/.
set -eu
cd "$(dirname "$0")/.."
OUT=build/demo
mkdir -p "$OUT"
URLFILE=$(mktemp)
SBPID=
trap 'kill $SBPID 2>/dev/null; rm -f "$URLFILE"' EXIT INT TERM
# start_sandbox ARGS...: (re)starts att-sandbox on a free port and points ATT_BASE_URL at it.
start_sandbox() {
    if [ -n "$SBPID" ]; then kill "$SBPID" 2>/dev/null; wait "$SBPID" 2>/dev/null || true; fi
    : >"$URLFILE"
    ./att-sandbox --port 0 "$@" >"$URLFILE" 2>>"$OUT/sandbox.log" &
    SBPID=$!
    i=0
    until grep -q '^http' "$URLFILE" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then echo "demo: att-sandbox did not start" >&2; cat "$OUT/sandbox.log" >&2; exit 1; fi
        sleep 0.05
    done
    ATT_BASE_URL=$(head -n 1 "$URLFILE")
    export ATT_BASE_URL
}
: >"$OUT/sandbox.log"
start_sandbox --individuals 2000 --seed 42
ATT_APPNAME=att-demo
export ATT_APPNAME
unset ATT_TOKEN

# Headings in bold only on a terminal (and not with NO_COLOR set): a pipe or a file gets plain text.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$(printf '\033[1m'); PLAIN=$(printf '\033[0m'); else BOLD=; PLAIN=; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$BOLD" "$1" "$PLAIN" "$2"; }

echo "att-sandbox: 2000 generated individuals at $ATT_BASE_URL"

step "FIBER accounts as CSV (first lines; whole file in $OUT/fiber-accounts.csv)" \
     "./att scripts/fiber-accounts.lua --out $OUT/fiber-accounts.csv"
./att scripts/fiber-accounts.lua --out "$OUT/fiber-accounts.csv"
head -n 6 "$OUT/fiber-accounts.csv"
echo "... $(($(wc -l <"$OUT/fiber-accounts.csv") - 1)) accounts"

step "FIBER accounts per billing market: individuals, accounts, locked, subscribers (FIBER only; --service ALL for every type)" \
     "./att scripts/markets.lua"
./att scripts/markets.lua

step "Locked FIBER accounts with their subscribers (first 15 rows)" "./att scripts/locked-accounts.lua"
./att scripts/locked-accounts.lua | head -n 17

step "Multi-step lookup: customers under two or more service types (first 10)" \
     "./att scripts/cross-service.lua --format markdown"
./att scripts/cross-service.lua --format markdown | head -n 12

step "Product mix of FIBER accounts by billing market: stacked bars in HTML ($OUT/product-mix.html; here as a table)" \
     "./att scripts/product-mix.lua --out $OUT/product-mix.html"
./att scripts/product-mix.lua --out "$OUT/product-mix.html"
./att scripts/product-mix.lua --format table | head -n 12

step "A one-off search without a script" \
     "./att search serviceType=FIBER pageSize=5 --level account --columns id,billingMarket,accountLocked"
./att search serviceType=FIBER pageSize=5 --level account --columns id,billingMarket,accountLocked

step "A one-liner" "./att -e 'local r = att.search{serviceType=\"FIBER\"} print(r:total(), r:next().familyName)'"
./att -e 'local r = att.search{serviceType="FIBER"} print(r:total(), r:next().familyName)'

step "FIBER accounts as an Excel sheet: typed cells, bold frozen header, filters ($OUT/fiber.xlsx)" \
     "./att search serviceType=FIBER --all --level account --out $OUT/fiber.xlsx"
./att search serviceType=FIBER --all --level account --out "$OUT/fiber.xlsx"
echo "$(wc -c <"$OUT/fiber.xlsx") bytes"

step "The same as a SQLite table, queried with sqlite3 ($OUT/fiber.db, table accounts)" \
     "./att search serviceType=FIBER --all --level account --out $OUT/fiber.db"
./att search serviceType=FIBER --all --level account --out "$OUT/fiber.db"
sqlite3 -column -header "$OUT/fiber.db" \
    "SELECT billingMarket, count(*) AS accounts, sum(accountLocked = 'Y') AS locked FROM accounts
     WHERE serviceType = 'FIBER' GROUP BY billingMarket ORDER BY accounts DESC LIMIT 4"

rm -f "$OUT/fiber-history.db"
step "A daily history of FIBER accounts in SQLite: the first run ($OUT/fiber-history.db)" \
     "./att scripts/fiber-history.lua --db $OUT/fiber-history.db"
./att scripts/fiber-history.lua --db "$OUT/fiber-history.db"
./att scripts/fiber-accounts.lua --out "$OUT/fiber-day1.csv"

# The next day: the same customers, some accounts locked or unlocked, some moved, a few gone, a
# few new (tools/demo-nextday.lua), served by a new sandbox.
./att-sandbox --individuals 2000 --seed 42 --dump >"$OUT/day1.json"
./att tools/demo-nextday.lua "$OUT/day1.json" "$OUT/day2.json"
start_sandbox --data "$OUT/day2.json"
step "The next day: what changed since the previous run (first 14 lines)" \
     "./att scripts/fiber-history.lua --db $OUT/fiber-history.db"
./att scripts/fiber-history.lua --db "$OUT/fiber-history.db" >"$OUT/fiber-changes.txt"
head -n 14 "$OUT/fiber-changes.txt"

step "att diff of two CSV exports a day apart, as an HTML page that highlights the changes ($OUT/fiber-changes.html)" \
     "./att diff $OUT/fiber-day1.csv $OUT/fiber-day2.csv --key accountId --out $OUT/fiber-changes.html"
./att scripts/fiber-accounts.lua --out "$OUT/fiber-day2.csv"
./att diff "$OUT/fiber-day1.csv" "$OUT/fiber-day2.csv" --key accountId --out "$OUT/fiber-changes.html"

echo
echo "Done. Point ATT_BASE_URL (and ATT_TOKEN, ATT_APPNAME) at a real server to run the same scripts."
