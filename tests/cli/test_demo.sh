#!/bin/sh
# tests/cli/test_demo.sh — tools/demo.sh (make demo) as a user runs it: it succeeds, prints plain
# text into a pipe (no bold or other escape sequences), bold headings on a terminal (through
# script(1)'s pseudo-terminal) unless NO_COLOR is set, and labels the market table FIBER only, as
# scripts/markets.lua computes it by default. The demo runs ./att and ./att-sandbox of the tree.
# Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d "${TMPDIR:-/tmp}/att-demo.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $2" "got:  $3"; fi; }
ESC=$(printf '\033')

timeout 120 sh tools/demo.sh >"$T/pipe.out" 2>"$T/pipe.err"
check "the demo succeeds with its output in a pipe" "0" "$?"
check "no escape sequence in a pipe" 0 "$(grep -c "$ESC" "$T/pipe.out")"
check "the market table says it is FIBER only" 1 "$(grep -c '^== FIBER accounts per billing market: .*(FIBER only' "$T/pipe.out")"
check "the commands shown are runnable from the tree (./att)" 0 "$(grep -c '^\$ att ' "$T/pipe.out")"
# The market table holds FIBER accounts only: its account counts add up to the FIBER accounts of
# the same data (the CSV step's count).
total=$(sed -n '/^== FIBER accounts per billing market/,/^==/p' "$T/pipe.out" | awk '$1 ~ /^[A-Z]+$/ && $3 ~ /^[0-9]+$/ { s += $3 } END { print s + 0 }')
csv=$(sed -n 's/^\.\.\. \([0-9]*\) accounts$/\1/p' "$T/pipe.out")
check "the market table's accounts are the FIBER accounts ($csv)" "$csv" "$total"

# The outputs of issue 14: a workbook and a database that open, a history whose second day reports
# what changed, and the HTML diff page.
check "the demo wrote a workbook (a zip with a sheet)" 0 "$(python3 -c 'import zipfile; zipfile.ZipFile("build/demo/fiber.xlsx").read("xl/worksheets/sheet1.xml")' >/dev/null 2>&1; echo $?)"
check "the demo's SQLite query printed its header" 1 "$(grep -c '^billingMarket  *accounts  *locked' "$T/pipe.out")"
check "the history's first run is the first snapshot" 1 "$(grep -c 'the first snapshot' "$T/pipe.err")"
check "the next day reports changes (added, removed and changed rows)" 3 "$(for c in added removed changed; do grep -q "^$c " build/demo/fiber-changes.txt && echo "$c"; done | wc -l)"
check "the next day's summary is on standard error" 1 "$(grep -c 'fiber-history: since snapshot 1: [1-9][0-9]* added, [1-9][0-9]* removed, [1-9][0-9]* changed' "$T/pipe.err")"
check "att diff wrote the HTML page of the changes" 1 "$(grep -c '<html' build/demo/fiber-changes.html)"

if command -v script >/dev/null 2>&1; then
    timeout 120 script -qec "sh tools/demo.sh" /dev/null >"$T/tty.out" 2>&1 </dev/null
    check "on a terminal the headings are bold" 1 "$(grep -c "${ESC}\[1m== FIBER accounts per billing market" "$T/tty.out")"
    NO_COLOR=1 timeout 120 script -qec "sh tools/demo.sh" /dev/null >"$T/nocolor.out" 2>&1 </dev/null
    check "NO_COLOR: no bold on a terminal either" 0 "$(grep -c "${ESC}\[1m" "$T/nocolor.out")"
else
    ok "on a terminal the headings are bold # SKIP script(1) is not installed"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
