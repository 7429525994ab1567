#!/bin/sh
# tests/cli/test_install.sh — `make install PREFIX=DIR` (and DESTDIR): att and att-sandbox, both man
# pages, docs/API.md and docs/RECORDS.md in share/doc/att/, the example scripts in
# share/doc/att/examples/; the installed att runs an installed example against att-sandbox; both
# man pages render without a warning (groff -man -ww, and mandoc -Tlint when installed); every
# option of `att --help` and `att-sandbox --help` and every ATT_ variable appear in the pages, and
# att(1) lists every exit status. Prints TAP.
set -u
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d "${TMPDIR:-/tmp}/att-install.XXXXXX")
SBPID=
cleanup() { [ -n "$SBPID" ] && kill "$SBPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $2" "got:  $3"; fi; }
finish() { echo "1..$n"; [ "$fails" -eq 0 ] && exit 0; exit 1; }

P="$T/prefix"
if make --no-print-directory install PREFIX="$P" >"$T/make.out" 2>&1; then
    ok "make install PREFIX=$P"
else
    notok "make install PREFIX=DIR" "$(tail -n 20 "$T/make.out")"
    finish
fi
for f in bin/att bin/att-sandbox share/man/man1/att.1 share/man/man1/att-sandbox.1 \
    share/doc/att/API.md share/doc/att/RECORDS.md; do
    if [ -s "$P/$f" ]; then ok "installed: $f"; else notok "installed: $f" "missing or empty"; fi
done
check "the programs are executable, the pages and docs are not" "xx--" \
    "$([ -x "$P/bin/att" ] && echo x)$([ -x "$P/bin/att-sandbox" ] && echo x)$([ -x "$P/share/man/man1/att.1" ] || echo -)$([ -x "$P/share/doc/att/API.md" ] || echo -)"
want=$(cd scripts && ls ./*.lua | sed 's|^\./||' | sort | tr '\n' ' ')
got=$(cd "$P/share/doc/att/examples" 2>/dev/null && ls ./*.lua | sed 's|^\./||' | sort | tr '\n' ' ')
check "every example script is installed in share/doc/att/examples/" "$want" "$got"
check "the installed docs are the tree's" "same" \
    "$(cmp -s docs/API.md "$P/share/doc/att/API.md" && cmp -s docs/RECORDS.md "$P/share/doc/att/RECORDS.md" && echo same)"

D="$T/stage"
make --no-print-directory install DESTDIR="$D" PREFIX=/opt/att >"$T/make2.out" 2>&1
check "DESTDIR stages under DESTDIR/PREFIX" "yes" \
    "$([ -x "$D/opt/att/bin/att" ] && [ -s "$D/opt/att/share/man/man1/att-sandbox.1" ] && [ -s "$D/opt/att/share/doc/att/examples/markets.lua" ] && echo yes)"

# ---- the installed programs work, from another directory ----------------------------------------
cd "$T" || exit 2
"$P/bin/att-sandbox" --port 0 --individuals 50 --seed 3 >"$T/url" 2>"$T/sb.err" &
SBPID=$!
i=0
until grep -q '^http' "$T/url" 2>/dev/null || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.05; done
ATT_BASE_URL=$(head -n 1 "$T/url") "$P/bin/att" "$P/share/doc/att/examples/markets.lua" --format csv >"$T/m.csv" 2>"$T/m.err"
rc=$?
check "the installed att runs an installed example against the installed sandbox" "0 market,individuals,accounts,locked,subscribers" \
    "$rc $(head -n 1 "$T/m.csv" | tr -d '\r')"
cd - >/dev/null || exit 2

# ---- the README's quick start, as written, in the tree (./att, ./att-sandbox after make) ----------
awk '/^```lua/ { f = 1; next } /^```/ { if (f) exit } f' README.md >"$T/fiber.lua"
qs=$(awk '/^```sh/ { f = 1; next } /^```/ { f = 0 } f' README.md | sed -n '3,4p')
check "the quick start runs ./att-sandbox, then ./att fiber.lua (as make leaves them)" \
    "./att-sandbox & ATT_BASE_URL=http://127.0.0.1:8080/omni-svcs ./att fiber.lua" \
    "$(printf '%s\n' "$qs" | sed 's/  *#.*//' | tr '\n' ' ' | sed 's/ *$//')"
# Run it on a free port (8080 may be taken): the script of the quick start, the sandbox's URL.
ATT_BASE_URL=$(head -n 1 "$T/url") "${ATT:-./att}" "$T/fiber.lua" >"$T/fiber.out" 2>"$T/fiber.err"
rc=$?
check "the quick start's fiber.lua runs: one line per FIBER individual, four fields" "0 4" \
    "$rc $(head -n 1 "$T/fiber.out" | awk -F '\t' '{ print NF }')"

# ---- the man pages ------------------------------------------------------------------------------
for page in att.1 att-sandbox.1; do
    f="$P/share/man/man1/$page"
    out=$(groff -man -Tutf8 -ww "$f" 2>&1 >/dev/null)
    check "$page renders with groff -man -ww without a warning" "" "$out"
    if command -v man >/dev/null 2>&1; then
        lines=$(MANWIDTH=80 man -l "$f" 2>"$T/man.err" | wc -l | tr -d ' ')
        check "man -l $page renders, silently" "rendered:" "$([ "$lines" -gt 40 ] && echo rendered):$(cat "$T/man.err")"
    fi
    if command -v mandoc >/dev/null 2>&1; then
        check "$page passes mandoc -Tlint" "" "$(mandoc -Tlint -W warning "$f" 2>&1)"
    else
        ok "$page passes mandoc -Tlint # SKIP mandoc is not installed"
    fi
done

# Rendered text, hyphenation and adjustment off, one long line per paragraph.
render() { groff -man -Tutf8 -rLL=400n -rHY=0 "$1" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g'; }
render "$P/share/man/man1/att.1" >"$T/att.txt"
render "$P/share/man/man1/att-sandbox.1" >"$T/sbx.txt"

missing=""
for o in $("$P/bin/att" --help | grep -o -- '--[a-z][a-z-]*' | sort -u) -e -i -q -v -h; do
    grep -q -F -e "$o" "$T/att.txt" || missing="$missing $o"
done
check "att(1) has every option of att --help" "" "$missing"
missing=""
for v in $("$P/bin/att" --help | grep -o 'ATT_[A-Z_]*' | sort -u) ATT_CONFIG; do
    grep -q -F "$v" "$T/att.txt" || missing="$missing $v"
done
check "att(1) has every ATT_ variable of att --help" "" "$missing"
missing=""
for o in $(ATT_BASE_URL=http://127.0.0.1:9 "$P/bin/att" search --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -F -e "$o" "$T/att.txt" || missing="$missing $o"
done
check "att(1) has every option of att search --help" "" "$missing"
statuses=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/att.txt" | grep -o -E '^ {7}(128\+N|[0-9]+)( |$)' | tr -d ' ' | tr '\n' ' ')
check "att(1) lists exit statuses 0 to 8 and 128+N" "0 1 2 3 4 5 6 7 8 128+N " "$statuses"
missing=""
for o in $("$P/bin/att-sandbox" --help | grep -o -E -- '--[a-z][a-z-]*|^  [a-z][a-z-]+(=| )' | sed 's/[= ]//g' | sort -u); do
    grep -q -F -e "$o" "$T/sbx.txt" || missing="$missing $o"
done
check "att-sandbox(1) has every option, fault kind and modifier of att-sandbox --help" "" "$missing"
check "att-sandbox(1) documents /_sandbox/ids and its exit statuses" "yes 0 1 2 " \
    "$(grep -q '/omni-svcs/_sandbox/ids' "$T/sbx.txt" && echo yes) $(sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/sbx.txt" | grep -o -E '^ {7}[0-9]+( |$)' | tr -d ' ' | tr '\n' ' ')"
finish
