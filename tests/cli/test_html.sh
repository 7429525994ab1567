#!/bin/sh
# tests/cli/test_html.sh — the HTML report of att.report rendered by headless Chromium: rows and bars
# as rendered, escaping (a market named with <script> and &), no injected script, sorting by the
# URL fragment (#sort=COL) and by clicking a header, the layout at 400 and 1280 px wide (no chart
# label or value clipped, cut or run into the bars, nothing wider than the window: measured in the
# page with getBoundingClientRect), stacked and grouped series, the footer, and screenshots at
# both widths. Prints TAP; skips (one TAP SKIP line) only when Chromium can be neither found nor
# installed (apt-get, as root) nor started.
# Env: ATT (the att binary, default ./att), CHROMIUM (default: chromium on the PATH), ATT_HTML_SHOTS
# (a directory to keep the screenshots at 400 and 1280 px in).
set -u
case "${ATT:-./att}" in
    /*) ATT=${ATT:-./att} ;;
    *) ATT=$(pwd)/${ATT:-./att} ;;
esac
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d "${TMPDIR:-/tmp}/att-html.XXXXXX")
n=0
fails=0

# Every Chromium run gets its own profile directory under $T; whatever is left running with it
# is killed by PID at the end.
cleanup() {
    if command -v pgrep >/dev/null 2>&1; then
        for p in $(pgrep -f -- "--user-data-dir=$T/" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    fi
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
finish() { echo "1..$n"; [ "$fails" -eq 0 ] && exit 0; exit 1; }
# check DESCRIPTION WANT GOT
check() { if [ "$2" = "$3" ]; then ok "$1"; else notok "$1" "want: $2" "got:  $3"; fi; }

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    # tools/deps.sh lists chromium; a machine set up without it gets it here, when it can.
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends chromium \
        >"$T/apt.log" 2>&1 || true
    CHROMIUM=$(command -v chromium || true)
fi
if [ -z "$CHROMIUM" ] || ! "$CHROMIUM" --version >/dev/null 2>&1; then
    ok "the HTML report in headless Chromium # SKIP chromium cannot be installed or started (Debian package 'chromium'; set CHROMIUM to use another)"
    finish
fi

runs=0
# chrome OUT URL [FLAGS...] — runs headless Chromium on URL with stdout to OUT (at most 15 s).
chrome() {
    out=$1; url=$2; shift 2
    runs=$((runs + 1))
    timeout -k 2 15 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T/profile$runs/" "$@" "$url" >"$out" 2>"$T/chrome$runs.err"
}

# ---- the report ---------------------------------------------------------------------------------
REPORT="$T/report.html"
OUT="$REPORT" "$ATT" -e '
local report = require "att.report"
local f = assert(io.open("tests/fixtures/report/markets.json"))
local rows = att.json.decode(f:read("a"))
f:close()
local n = report.html(rows, {
  title = "Markets <&> report",
  columns = { "market", "individuals", "accounts", "locked", "growth" },
  chart = { label = "market", value = "accounts" },
  out = os.getenv("OUT"),
})
print(n)' >"$T/gen.out" 2>"$T/gen.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$T/gen.out")" = 8 ] && [ -s "$REPORT" ]; then
    ok "att writes the HTML report (8 rows)"
else
    notok "att writes the HTML report (8 rows)" "rc: $rc" "out: $(head -c 300 "$T/gen.out")" "err: $(head -c 600 "$T/gen.err")"
    finish
fi

# count FILE STRING — occurrences of a fixed string
count() { grep -o -F -- "$2" "$1" | wc -l | tr -d ' '; }
# column FILE N — the N-th cell of every body row, in document order, joined with |
column() {
    tr -d '\n' <"$1" | awk -v col="$2" '{
        s = $0; out = ""; first = 1
        while ((i = index(s, "<tr>")) > 0) {
            s = substr(s, i + 4); j = index(s, "</tr>"); row = substr(s, 1, j - 1); s = substr(s, j + 5)
            if (row !~ /^<td/) continue
            k = 0
            while (match(row, /<td[^>]*>[^<]*<\/td>/)) {
                k++; cell = substr(row, RSTART, RLENGTH); row = substr(row, RSTART + RLENGTH)
                if (k == col) {
                    sub(/^<td[^>]*>/, "", cell); sub(/<\/td>$/, "", cell)
                    out = out (first ? "" : "|") cell; first = 0
                    break
                }
            }
        }
        print out
    }'
}

check "the file declares <meta charset=\"utf-8\">" 1 "$(count "$REPORT" '<meta charset="utf-8">')"
ext=$(grep -c -E ' (src|href)=|url\(|@import|<link|<iframe|<img' "$REPORT")
check "the file loads nothing from outside (no src, href, url(), @import, link)" 0 "$ext"

# ---- rendered ---------------------------------------------------------------------------------
DOM="$T/dom.html"
chrome "$DOM" "file://$REPORT" --dump-dom
rc=$?
if [ "$rc" -eq 0 ] && grep -q '</html>' "$DOM"; then
    ok "Chromium renders the report"
else
    notok "Chromium renders the report" "rc: $rc" "stderr: $(tail -c 800 "$T/chrome$runs.err")"
fi
tbody=$(tr -d '\n' <"$DOM" | sed 's/.*<tbody>//; s/<\/tbody>.*//')
check "8 <tr> in the rendered tbody" 8 "$(printf '%s' "$tbody" | grep -o '<tr>' | wc -l | tr -d ' ')"
check "8 bars (rect class=\"bar\") in the rendered chart" 8 "$(count "$DOM" '<rect class="bar"')"
check "8 bar tooltips (<title> in each bar)" 8 "$(grep -o '<rect class="bar"[^>]*><title>[^<]*</title></rect>' "$DOM" | wc -l | tr -d ' ')"
check "the row count is shown" 1 "$(count "$DOM" '<p class="count" id="count">8 rows</p>')"
check "the hostile market name is rendered as text" 1 \
    "$(printf '%s' "$tbody" | grep -o -F "<td>&lt;script&gt;document.title='pwned'&lt;/script&gt; &amp; Co</td>" | wc -l | tr -d ' ')"
check "non-ASCII text survives (São Paulo / 東京)" 1 "$(printf '%s' "$tbody" | grep -o -F '<td>São Paulo / 東京</td>' | wc -l | tr -d ' ')"
check "no injected script element: only the page's own <script>" 1 "$(count "$DOM" '<script')"
check "the injected script did not run (title intact)" "<title>Markets &lt;&amp;&gt; report</title>" \
    "$(grep -o '<title>[^<]*</title>' "$DOM" | head -n 1)"
check "rows in their original order before any sort" "DAL|HOU|NYC|LAX|CHI|ATL|&lt;script&gt;document.title='pwned'&lt;/script&gt; &amp; Co|São Paulo / 東京" \
    "$(column "$DOM" 1)"

# ---- sorting by the URL fragment ----------------------------------------------------------------
VT="--run-all-compositor-stages-before-draw --virtual-time-budget=2000"
# shellcheck disable=SC2086
chrome "$T/asc.html" "file://$REPORT#sort=accounts" $VT --dump-dom
check "#sort=accounts sorts numerically, ascending" "2|9|15|22|44|57|88|100" "$(column "$T/asc.html" 3)"
check "#sort=accounts marks the header aria-sort=ascending" 1 \
    "$(count "$T/asc.html" 'data-name="accounts" aria-sort="ascending"')"
check "#sort=accounts keeps 8 rows" 8 "$(tr -d '\n' <"$T/asc.html" | sed 's/.*<tbody>//; s/<\/tbody>.*//' | grep -o '<tr>' | wc -l | tr -d ' ')"
# shellcheck disable=SC2086
chrome "$T/desc.html" "file://$REPORT#sort=growth:desc" $VT --dump-dom
check "#sort=growth:desc sorts negative and fractional numbers, descending" "7|3.125|2.25|0.5|0|-0.25|-1.5|-12" \
    "$(column "$T/desc.html" 5)"
# shellcheck disable=SC2086
chrome "$T/minus.html" "file://$REPORT#sort=-accounts" $VT --dump-dom
check "#sort=-accounts sorts descending" "100|88|57|44|22|15|9|2" "$(column "$T/minus.html" 3)"
# shellcheck disable=SC2086
chrome "$T/text.html" "file://$REPORT#sort=market" $VT --dump-dom
check "#sort=market sorts text (the plain names in order)" "ATL|CHI|DAL|HOU|LAX|NYC|São Paulo / 東京" \
    "$(column "$T/text.html" 1 | tr '|' '\n' | grep -v script | tr '\n' '|' | sed 's/|$//')"

# ---- sorting by clicking a header (the report in a frame, clicked by the harness page) ----------
cat >"$T/click.html" <<'EOF'
<!DOCTYPE html>
<meta charset="utf-8">
<title>click harness</title>
<iframe id="f" src="report.html" width="1000" height="700"></iframe>
<pre id="result">no result</pre>
<script>
var frame = document.getElementById("f");
frame.addEventListener("load", function () {
  var out = [];
  try {
    var d = frame.contentDocument;
    var th = d.querySelector('th[data-name="accounts"]');
    var order = function () {
      return Array.prototype.map.call(d.querySelectorAll("#report tbody tr"),
        function (r) { return r.cells[2].textContent; }).join(",");
    };
    th.querySelector("button").click();
    out.push("first:" + order() + ":" + th.getAttribute("aria-sort"));
    th.querySelector("button").click();
    out.push("second:" + order() + ":" + th.getAttribute("aria-sort"));
    out.push("hash:" + frame.contentWindow.location.hash);
  } catch (e) {
    out.push("error:" + e);
  }
  document.getElementById("result").textContent = out.join(";");
});
</script>
EOF
# shellcheck disable=SC2086
chrome "$T/clicked.html" "file://$T/click.html" $VT --allow-file-access-from-files --dump-dom
got=$(grep -o '<pre id="result">[^<]*</pre>' "$T/clicked.html" | sed 's/<[^>]*>//g')
check "clicking a header sorts ascending, clicking again descending; the fragment follows" \
    "first:2,9,15,22,44,57,88,100:ascending;second:100,88,57,44,22,15,9,2:descending;hash:#sort=accounts:desc" "$got"

# ---- layout at 400 and 1280 px: nothing clipped, nothing wider than the window ------------------
# Reports with several series: plans per sub-market (names like HOU-NORTH, whose H the old chart
# cut off), stacked and grouped, and a long label cut to 32 columns.
OUT_DIR="$T" "$ATT" -e '
local report = require "att.report"
local mix = {}
local markets = { "HOU-NORTH", "DAL-SOUTH", "WWWWMMMM-WIDE-CAPITALS", "São Paulo / 東京", "NYC",
  "A market with a name much longer than thirty-two columns" }
local plans = { "AT&T Internet 1000", "AT&T Internet 300", "Unlimited <Premium>", "DTV Choice" }
for i, m in ipairs(markets) do
  for j, p in ipairs(plans) do mix[#mix + 1] = { market = m, product = p, products = (i * 7 + j * 13) % 40 + 1 } end
end
local dir = os.getenv("OUT_DIR")
local opts = { columns = { "market", "product", "products" }, footer = { filters = { serviceType = "FIBER" } } }
opts.title, opts.out = "Stacked", dir .. "/stacked.html"
opts.chart = { label = "market", value = "products", series = "product" }
report.html(mix, opts)
opts.title, opts.out = "Grouped", dir .. "/grouped.html"
opts.chart = { label = "market", value = "products", series = "product", stacked = false }
report.html(mix, opts)
-- One series, sub-market names only (the case that showed HOU-NORTH as IOU-NORTH).
report.html({ { m = "HOU-NORTH", n = 57 }, { m = "DAL-SOUTH", n = 44 }, { m = "WWW-MMM", n = 9 },
  { m = "NYC-MANHATTAN", n = 88 } }, { chart = { label = "m", value = "n" }, out = dir .. "/submarkets.html" })' >"$T/gen2.out" 2>"$T/gen2.err"
check "att writes the stacked, grouped and sub-market reports" "0:" "$?:$(head -c 300 "$T/gen2.err")"
check "the stacked report: one segment per market and plan, a legend of 4 plans" "24 4" \
    "$(count "$T/stacked.html" '<rect class="bar s') $(count "$T/stacked.html" '<span class="swatch')"
check "the page's footer names the filter" 1 "$(count "$T/stacked.html" '<span class="filters">serviceType=FIBER</span>')"

# layout PAGE WIDTH — loads PAGE in a frame WIDTH px wide and prints what the page measured:
# "texts=N labels=N" and one line per problem found.
layout() {
    cat >"$T/layout.html" <<EOF
<!DOCTYPE html>
<meta charset="utf-8">
<title>layout harness</title>
<style>body { margin: 0 } iframe { border: 0; display: block }</style>
<iframe id="f" src="$1" width="$2" height="900"></iframe>
<pre id="result">no result</pre>
<script>
var frame = document.getElementById("f");
frame.addEventListener("load", function () {
  var out = [], texts = 0, labels = 0, small = 99;
  try {
    var d = frame.contentDocument, vw = d.documentElement.clientWidth;
    var name = function (t) { return t.getAttribute("class") + " '" + t.textContent + "'"; };
    var outside = function (b, r) {
      return b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5;
    };
    Array.prototype.forEach.call(d.querySelectorAll(".chart svg"), function (svg) {
      var sr = svg.getBoundingClientRect();
      if (sr.left < -0.5 || sr.right > vw + 0.5) out.push("the chart is wider than the window: " + sr.left + ".." + sr.right + " > " + vw);
      var barLeft = Infinity;
      Array.prototype.forEach.call(svg.querySelectorAll("rect.bar"), function (r) {
        var b = r.getBoundingClientRect();
        if (b.width > 0 && b.left < barLeft) barLeft = b.left;
        if (outside(b, sr)) out.push("a bar outside the chart");
      });
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
        var b = t.getBoundingClientRect();
        texts++;
        if (outside(b, sr)) out.push(name(t) + " clipped by the chart: " + [b.left, b.right, b.top, b.bottom].join(",") + " in " + [sr.left, sr.right, sr.top, sr.bottom].join(","));
        if (b.left < -0.5 || b.right > vw + 0.5) out.push(name(t) + " outside the window");
        if (t.getAttribute("class") === "label") {
          labels++;
          if (b.right > barLeft + 0.5) out.push(name(t) + " runs into the bars: " + b.right + " > " + barLeft);
          if (b.height < small) small = b.height;
        }
      });
    });
    Array.prototype.forEach.call(d.querySelectorAll(".legend li, #source, h1, #count"), function (e) {
      var b = e.getBoundingClientRect();
      if (b.left < -0.5 || b.right > vw + 0.5) out.push(e.tagName + " '" + e.textContent.slice(0, 40) + "' wider than the window");
    });
    var fig = d.querySelector("figure.chart");
    if (fig && fig.scrollWidth > fig.clientWidth + 1) out.push("the chart scrolls sideways");
    if (!d.getElementById("source")) out.push("no footer");
  } catch (e) {
    out.push("error:" + e);
  }
  out.unshift("texts=" + texts + " labels=" + labels + " lineheight>=" + (small >= 8 ? "8" : small));
  document.getElementById("result").textContent = out.join("\\n");
});
</script>
EOF
    # shellcheck disable=SC2086
    chrome "$T/layout.out" "file://$T/layout.html" $VT --allow-file-access-from-files --window-size="$2",1000 --dump-dom
    tr '\n' '\001' <"$T/layout.out" | sed 's/.*<pre id="result">//; s/<\/pre>.*//' | tr '\001' '\n' |
        sed 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g; s/&amp;/\&/g'
    echo
}
for page in report:8 submarkets:4 stacked:6 grouped:6; do
    file=${page%%:*}; nlab=${page#*:}
    for w in 400 1280; do
        got=$(layout "$file.html" "$w")
        check "$file.html at $w px: every label and value inside the chart and the window, none into the bars" \
            "labels=$nlab lineheight>=8" "$(printf '%s\n' "$got" | sed -n '1s/^texts=[0-9]* //p')$(printf '%s\n' "$got" | sed -n '2,$p')"
    done
done
# The labels are whole (the old chart showed HOU-NORTH as IOU-NORTH: cut, not missing).
check "the label HOU-NORTH is there whole" 1 "$(grep -o '<text class="label"[^>]*>HOU-NORTH</text>' "$T/stacked.html" | wc -l | tr -d ' ')"
check "a label longer than 32 columns is cut with … and whole in its tooltip" 1 \
    "$(grep -c '<g><title>A market with a name much longer than thirty-two columns</title><text class="label"[^>]*>A market with a name much longe…</text>' "$T/stacked.html")"
for w in 400 1280; do
    # shellcheck disable=SC2086
    (cd "$T" && chrome "$T/shot$w.out" "file://$T/stacked.html" $VT --screenshot="$T/stacked$w.png" --window-size=$w,900)
    dims=$(od -A n -t u1 -j 16 -N 8 "$T/stacked$w.png" 2>/dev/null | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4 "x" $5*16777216 + $6*65536 + $7*256 + $8 }')
    check "a screenshot of the stacked report at $w px wide" "${w}x900" "$dims"
done
[ -n "${ATT_HTML_SHOTS:-}" ] && mkdir -p "$ATT_HTML_SHOTS" && cp "$T"/stacked*.png "$ATT_HTML_SHOTS"/

# ---- screenshot ---------------------------------------------------------------------------------
# shellcheck disable=SC2086
(cd "$T" && chrome "$T/shot.out" "file://$REPORT#sort=accounts" $VT --screenshot="$T/shot.png" --window-size=1200,900)
size=$(wc -c <"$T/shot.png" 2>/dev/null | tr -d ' ')
if [ -n "$size" ] && [ "$size" -gt 20000 ]; then
    ok "screenshot taken ($size bytes)"
else
    notok "screenshot taken" "size: ${size:-missing}" "stderr: $(tail -c 600 "$T/chrome$runs.err")"
fi
magic=$(od -A n -t x1 -N 8 "$T/shot.png" 2>/dev/null | tr -d ' \n')
dims=$(od -A n -t u1 -j 16 -N 8 "$T/shot.png" 2>/dev/null | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4 "x" $5*16777216 + $6*65536 + $7*256 + $8 }')
check "the screenshot is a 1200x900 PNG" "89504e470d0a1a0a 1200x900" "$magic $dims"

finish
