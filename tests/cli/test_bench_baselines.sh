#!/bin/sh
# tests/cli/test_bench_baselines.sh — the benchmark's clients write the same report: the Python
# baselines (tests/bench/report_keepalive.py, report_pool.py) against report.py in jq's dialect, and
# with --att-csv against the idiomatic att forms (report_query.lua, report_rows.lua, att search);
# attcsv.py's att dialect against att.report.csv on cells that need its quoting and defusing; the
# pool through 429s and 503s; the att diff data's counts. Not timed: speed is `make bench`'s.
NAME=bench
. "$(dirname "$0")/lib.sh"
B=$(cd "$(dirname "$0")/../bench" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
    echo "ok 1 # skip no python3"
    echo "1..1"
    exit 0
fi
export XDG_STATE_HOME="$T/state"
COLS=individualId,accountId,billingMarket,serviceType,accountLocked
same() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "got: $2" "expected: $3"; fi; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# att's dialect: attcsv.py against att.report.csv, cell by cell kinds that att quotes or defuses.
"$ATT" -e 'att.report.csv({
  {a = "=1+2", b = " lead", c = "a,b", d = "say \"hi\"", e = "-5", f = "two\nlines"},
  {a = -5, b = 1.5, c = true, d = "trail ", e = "\tx", f = att.null},
  {a = "@x", b = "+1", c = "", d = "\rcr", e = 1e300, f = "plain"},
}, {columns = {"a", "b", "c", "d", "e", "f"}})' > "$T/lua.csv" 2> "$T/err"
"$PY" - "$B" > "$T/py.csv" 2>> "$T/err" <<'ZZPY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import attcsv
w = attcsv.Writer(sys.stdout, "att")
w.writerow(list("abcdef"))
w.writerow(["=1+2", " lead", "a,b", 'say "hi"', "-5", "two\nlines"])
w.writerow([-5, 1.5, True, "trail ", "\tx", None])
w.writerow(["@x", "+1", "", "\rcr", 1e300, "plain"])
ZZPY
same "attcsv.py's att dialect is att.report.csv's, byte for byte (defuse, whitespace, quotes, numbers, null)" \
    "$(sha "$T/py.csv")" "$(sha "$T/lua.csv")"
has() { grep -q -- "$1" "$T/lua.csv"; }
if has "'=1+2" && has '" lead"' && has "'-5" && has '"trail "'; then ok "the differential data exercises defuse and whitespace quoting"
else notok "the differential data exercises defuse and whitespace quoting" "$(cat "$T/lua.csv")"; fi

# Every client, one sandbox of 250 individuals (3 pages, the last one short).
start_sandbox --individuals 250 --seed 3
export ATT_BASE_URL="$URL"
"$PY" "$B/report.py" "$URL" > "$T/urllib.csv"
"$PY" "$B/report_keepalive.py" "$URL" > "$T/ka.csv"
"$PY" "$B/report_pool.py" "$URL" > "$T/pool.csv" 2> "$T/pool.err"
lines=$(wc -l < "$T/urllib.csv" | tr -d ' ')
if [ "$lines" -gt 250 ]; then ok "report.py wrote every account ($lines lines)"; else notok "report.py wrote every account" "$lines lines"; fi
same "report_keepalive.py writes report.py's CSV byte for byte" "$(sha "$T/ka.csv")" "$(sha "$T/urllib.csv")"
same "report_pool.py writes report.py's CSV byte for byte (rows in page order)" "$(sha "$T/pool.csv")" "$(sha "$T/urllib.csv")"
same "report_pool.py's 429 and 503 count, none here" "$(cat "$T/pool.err")" "pool: 0 429s, 0 503s"

"$ATT" "$B/report_query.lua" > "$T/q.csv" 2> "$T/err"
"$ATT" "$B/report_query.lua" select > "$T/qs.csv" 2>> "$T/err"
"$ATT" "$B/report_rows.lua" > "$T/r.csv" 2>> "$T/err"
"$ATT" search --all --level account --columns "$COLS" --format csv pageSize=100 > "$T/s.csv" 2>> "$T/err"
"$PY" "$B/report_keepalive.py" "$URL" --att-csv > "$T/ka_att.csv"
"$PY" "$B/report_pool.py" --att-csv "$URL" > "$T/pool_att.csv" 2> /dev/null
want=$(sha "$T/q.csv")
same "report_query.lua select writes report_query.lua's CSV" "$(sha "$T/qs.csv")" "$want"
same "report_rows.lua writes report_query.lua's CSV" "$(sha "$T/r.csv")" "$want"
same "att search --columns --format csv writes report_query.lua's CSV" "$(sha "$T/s.csv")" "$want"
same "report_keepalive.py --att-csv writes att's CSV byte for byte" "$(sha "$T/ka_att.csv")" "$want"
same "report_pool.py --att-csv writes att's CSV byte for byte" "$(sha "$T/pool_att.csv")" "$want"
same "att's dialect has as many lines as jq's" "$(wc -l < "$T/q.csv" | tr -d ' ')" "$lines"
if head -n 1 "$T/q.csv" | od -c | grep -q '\\r  \\n'; then ok "att's dialect ends lines with CRLF"; else notok "att's dialect ends lines with CRLF" "$(head -n 1 "$T/q.csv" | od -c)"; fi

# The pool through a rate limit (1 search a second, a burst of 1: most of its first requests are
# refused with Retry-After) and through two 503s: the same CSV, each 429 counted by both sides.
if "$SANDBOX" --help 2>&1 | grep -q -- --rate-limit; then
    start_sandbox --individuals 250 --seed 3 --rate-limit 1,burst=1
    "$PY" "$B/report_pool.py" "$URL" > "$T/pool_rl.csv" 2> "$T/pool_rl.err"
    same "report_pool.py through 429s writes report.py's CSV" "$(sha "$T/pool_rl.csv")" "$(sha "$T/urllib.csv")"
    refused=$(grep -c '/customers/search 429 ' "$SBLOG")
    said=$(sed -n 's/^pool: \([0-9]*\) 429s.*/\1/p' "$T/pool_rl.err")
    if [ "$refused" -gt 0 ] && [ "$said" = "$refused" ]; then ok "report_pool.py retried each of the sandbox's $refused 429s"
    else notok "report_pool.py retried each 429" "sandbox refused $refused; pool says $(cat "$T/pool_rl.err")"; fi
else
    ok "# skip att-sandbox has no --rate-limit"
    ok "# skip att-sandbox has no --rate-limit"
fi
start_sandbox --individuals 250 --seed 3 --fault status=503,after=1,count=2
"$PY" "$B/report_pool.py" "$URL" > "$T/pool_503.csv" 2> "$T/pool_503.err"
same "report_pool.py through two 503s writes report.py's CSV" "$(sha "$T/pool_503.csv")" "$(sha "$T/urllib.csv")"
same "report_pool.py counted the two 503s" "$(cat "$T/pool_503.err")" "pool: 0 429s, 2 503s"
start_sandbox --individuals 250 --seed 3 --fault status=500,after=1,count=1
if "$PY" "$B/report_pool.py" "$URL" > /dev/null 2> "$T/pool_500.err"; then notok "report_pool.py fails on a 500" "$(cat "$T/pool_500.err")"
else ok "report_pool.py fails on a 500 (no retry, no partial success)"; fi

# The att diff benchmark's data: att diff finds exactly the changes diff_data.lua made.
mkdir -p "$T/diff"
expect=$("$ATT" "$B/diff_data.lua" 2000 "$T/diff" 2> "$T/err")
same "diff_data.lua says what it changed" "$expect" "expect 10 added, 10 removed, 20 changed"
for pair in "old.csv new.csv" "old_shuffled.csv new_shuffled.csv"; do
    set -- $pair
    "$ATT" diff "$T/diff/$1" "$T/diff/$2" --key accountId --format csv > "$T/d.out" 2> "$T/d.err"
    same "att diff $1 $2 reports diff_data.lua's counts" "$(sed -n 's/^att diff: \(.*\) (.*/\1/p' "$T/d.err")" "${expect#expect }"
done

# The writers' benchmark script runs for both formats on a few rows.
for f in sqlite xlsx; do
    if "$ATT" "$B/writer.lua" "$f" 50 1 "$T" > "$T/w.out" 2> "$T/err" && grep -q '^median [0-9]' "$T/w.out"; then
        ok "writer.lua $f writes 50 rows and prints its median"
    else
        notok "writer.lua $f writes 50 rows and prints its median" "$(cat "$T/w.out" "$T/err")"
    fi
done
"$ATT" "$B/writer.lua" csv 5 1 "$T" > /dev/null 2> "$T/err"
same "writer.lua refuses a format it does not measure" "$?:$(grep -c 'FORMAT must be sqlite or xlsx' "$T/err")" "1:1"

finish
