#!/bin/sh
# tests/cli/test_xlsx.sh — the Excel writer (att.report.xlsx, att.report.workbook, --out x.xlsx),
# every workbook read back by tests/cli/xlsx_read.py (zipfile + ElementTree, no att code): cell
# types and styles, long integers and ids as text, dates and their serials, text of every kind, the
# layout (bold frozen header, autofilter, widths), several sheets, sheet-name rules, the limits,
# 100k rows in flat memory, failures that leave the previous file (exit 8 on a lost write), --safe,
# standard output (refused on a terminal), and att search --out fiber.xlsx. Prints TAP. Env: ATT.
NAME=xlsx
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ATT=$(cd "$(dirname "$ATT")" && pwd)/$(basename "$ATT")
SANDBOX=$(cd "$(dirname "$SANDBOX")" && pwd)/$(basename "$SANDBOX")
READ="python3 $HERE/xlsx_read.py"
cd "$T" || exit 2
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
# read FILE: the reader's lines in $T/x
read_x() { $READ "$1" >"$T/x" 2>"$T/xerr"; }
has() { grep -qxF -- "$1" "$T/x"; }
hasnt() { ! grep -qF -- "$1" "$T/x"; }
# left: "none" when nothing is left in $TMPDIR and no partial file in the current directory
left() { if [ -z "$(ls -A "$TMPDIR")" ] && [ -z "$(ls | grep -F 'att-partial')" ]; then echo none; else ls -A "$TMPDIR" .; fi; }

# ---- every cell type ----------------------------------------------------------------------------
cat >types.lua <<'LUAEOF'
local report = require "att.report"
local rows = {
  { n = 42, neg = -123456789012345, d15 = 123456789012345, d16 = 1234567890123456, f = 3.5,
    nan = 0 / 0, inf = math.huge, yes = true, no = false, s = "=1+1", plus = "+SUM(A1)",
    day = "2024-06-02", ts = "2024-06-02T00:00:00Z", frac = "2024-06-02T12:00:00.5Z",
    off = "2024-06-02T00:00:00+02:00", neg_off = "2024-06-01T22:30:00-01:30",
    badday = "2024-02-30", badts = "2024-06-02T25:00:00Z", old = "1899-12-31",
    t = { a = 1, b = { 2, "x" } }, arr = { 1, 2 }, u = "Zürich 東京 “q” \"dq\" 'sq'", nl = "line1\nline2\r\nline3",
    ctl = "a\1b", bad = "ok\255end", null = att.null, id = 12345, accountId = 7, subscriber_id = 8,
    sid = "S-1", uuid = "f84fe90e-f98d-4aac-b861-3ab5ef61c285" },
  { n = 1 },
}
print((report.xlsx(rows, { out = "types.xlsx", sheet = "Types", columns = {
  "n", "neg", "d15", "d16", "f", "nan", "inf", "yes", "no", "s", "plus", "day", "ts", "frac", "off",
  "neg_off", "badday", "badts", "old", "t", "arr", "u", "nl", "ctl", "bad", "null", "missing", "id",
  "accountId", "subscriber_id", "sid", "uuid", { "t.a", "Nested A" } } })))
LUAEOF
run "$ATT" types.lua
read_x types.xlsx
check "types: written, 2 rows, one sheet named Types" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 2 ] && grep -qx 'sheets Types' '$T/x'"
check "integer -> number cell" has 'cell A2 num 42'
check "15-digit negative integer -> number" has 'cell B2 num -123456789012345'
check "15-digit integer -> number" has 'cell C2 num 123456789012345'
check "16-digit integer -> text (Excel would round it)" has 'cell D2 str "1234567890123456"'
check "float -> number" has 'cell E2 num 3.5'
check "NaN and infinity -> empty (no cell)" sh -c "! grep -q '^cell F2 ' '$T/x' && ! grep -q '^cell G2 ' '$T/x'"
check "booleans -> boolean cells" sh -c "grep -qxF 'cell H2 bool true' '$T/x' && grep -qxF 'cell I2 bool false' '$T/x'"
check "formula-like strings stay strings (no <f>)" sh -c "grep -qxF 'cell J2 str \"=1+1\"' '$T/x' && grep -qxF 'cell K2 str \"+SUM(A1)\"' '$T/x' && ! grep -q formula '$T/x'"
check "YYYY-MM-DD -> date cell, serial 45445, numFmt yyyy-mm-dd" has 'cell L2 num fmt=yyyy-mm-dd 45445'
check "ISO timestamp Z -> date-time, numFmt yyyy-mm-dd hh:mm:ss" has 'cell M2 num fmt=yyyy-mm-dd hh:mm:ss 45445'
check "a fraction of a second is kept" has 'cell N2 num fmt=yyyy-mm-dd hh:mm:ss 45445.50000578703'
check "+02:00 converted to UTC (the day before, 22:00)" has 'cell O2 num fmt=yyyy-mm-dd hh:mm:ss 45444.91666666666'
check "-01:30 converted to UTC (midnight)" has 'cell P2 num fmt=yyyy-mm-dd hh:mm:ss 45445'
check "an impossible day, an hour 25 and a date before 1900-03-01 stay text" sh -c "grep -qxF 'cell Q2 str \"2024-02-30\"' '$T/x' && grep -qxF 'cell R2 str \"2024-06-02T25:00:00Z\"' '$T/x' && grep -qxF 'cell S2 str \"1899-12-31\"' '$T/x'"
check "nested tables -> compact JSON text (an object)" has 'cell T2 str "{\"a\":1,\"b\":[2,\"x\"]}"'
check "nested tables -> compact JSON text (an array)" has 'cell U2 str "[1,2]"'
check "non-ASCII and quotes kept" has 'cell V2 str "Zürich 東京 “q” \"dq\" '"'"'sq'"'"'"'
check "newlines kept (CR as Excel's _x000D_)" has 'cell W2 str "line1\nline2_x000D_\nline3"'
check "a control character escaped as Excel does (_x0001_)" has 'cell X2 str "a_x0001_b"'
check "an invalid UTF-8 byte -> U+FFFD" has 'cell Y2 str "ok�end"'
check "att.null and a missing key -> no cell" sh -c "! grep -q '^cell Z2 ' '$T/x' && ! grep -q '^cell AA2 ' '$T/x'"
check "columns id, accountId, subscriber_id: integers as text" sh -c "grep -qxF 'cell AB2 str \"12345\"' '$T/x' && grep -qxF 'cell AC2 str \"7\"' '$T/x' && grep -qxF 'cell AD2 str \"8\"' '$T/x'"
check "a dotted path with its own header" sh -c "grep -qxF 'cell AG1 str bold \"Nested A\"' '$T/x' && grep -qxF 'cell AG2 num 1' '$T/x'"
check "a second row with one value" sh -c "grep -qxF 'cell A3 num 1' '$T/x' && ! grep -q '^cell B3 ' '$T/x'"

# ---- layout ---------------------------------------------------------------------------------------
check "bold header cells" sh -c "grep -qxF 'cell A1 str bold \"n\"' '$T/x' && [ \$(grep -c '^cell [A-Z]*1 str bold ' '$T/x') -eq 33 ]"
check "the header row is frozen" has 'pane ySplit=1 topLeftCell=A2 state=frozen'
check "the autofilter covers the header and the rows" has 'autofilter A1:AG3'
check "widths: the header + 2 when it is the longest (n: 3)" has 'col 1 3.71'
check "widths: the longest text (uuid: 36)" has 'col 32 36.71'
check "widths: dates as their formatted length (19, 10)" sh -c "grep -qxF 'col 13 19.71' '$T/x' && grep -qxF 'col 12 10.71' '$T/x'"
check "widths: wide characters count 2 (Zürich 東京 ...: 25)" has 'col 22 25.71'
check "widths: a multi-line cell by its longest line (5)" has 'col 23 5.71'
check "nothing left in TMPDIR, no partial file" [ "$(left)" = none ]

cat >wide.lua <<'LUAEOF'
require("att.report").xlsx({ { text = ("x"):rep(200), a = "ab" } }, { out = "wide.xlsx" })
LUAEOF
run "$ATT" wide.lua
read_x wide.xlsx
check "widths capped at 60; default sheet name Report; columns sorted" sh -c "grep -qxF 'col 2 60.71' '$T/x' && grep -qxF 'col 1 3.71' '$T/x' && grep -qxF 'sheets Report' '$T/x' && grep -qxF 'cell B1 str bold \"text\"' '$T/x'"

run "$ATT" -e 'os.time = function() return 1717286400 end
for _, f in ipairs{"same1.xlsx", "same2.xlsx"} do require("att.report").xlsx({{a = 1, b = "x"}}, {out = f}) end'
check "the creation time is the run's clock (os.time): the same rows give the same bytes" sh -c "[ $rc -eq 0 ] && cmp -s same1.xlsx same2.xlsx && python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(\"docProps/core.xml\").decode())' same1.xlsx | grep -q '>2024-06-02T00:00:00Z<'"

# ---- several sheets -------------------------------------------------------------------------------
cat >book.lua <<'LUAEOF'
local report = require "att.report"
do
  local wb <close> = report.workbook("book.xlsx")
  print(wb:sheet({ { a = 1 }, { a = 2 } }, { sheet = "Accounts" }))
  print(wb:sheet({ { m = "DAL", n = 3 } }, { sheet = "Markets", columns = { "m", "n" } }))
  print(wb:sheet({}, { sheet = "Empty", columns = { "x" } }))
end
print(io.open("book.xlsx") ~= nil)
LUAEOF
run "$ATT" book.lua
read_x book.xlsx
check "workbook: three sheets, rows returned, committed at the end of the scope" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = \"\$(printf '2\n1\n0\ntrue')\" ] && grep -qxF 'sheets Accounts|Markets|Empty' '$T/x'"
check "workbook: each sheet its own rows and layout" sh -c "grep -qxF 'autofilter A1:A3' '$T/x' && grep -qxF 'autofilter A1:B2' '$T/x' && grep -qxF 'autofilter A1' '$T/x' && grep -qxF 'cell A2 str \"DAL\"' '$T/x' && [ \$(grep -c '^pane ySplit=1' '$T/x') -eq 3 ]"
cp book.xlsx book.before
run "$ATT" -e 'local wb <close> = require("att.report").workbook("book.xlsx") wb:sheet({{a = 1}}) error("boom")'
check "workbook: an error in the scope discards it, the previous file untouched" sh -c "[ $rc -eq 1 ] && cmp -s book.xlsx book.before && grep -q boom '$T/err'"
check "workbook: nothing left behind" [ "$(left)" = none ]
run "$ATT" -e 'local wb = require("att.report").workbook("gc.xlsx") wb:sheet({{a = 1}}) wb = nil collectgarbage() collectgarbage() print(io.open("gc.xlsx") ~= nil)'
check "workbook: one collected unclosed is committed" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = true ]"
run "$ATT" -e 'ATT_WB = require("att.report").workbook("exit.xlsx") ATT_WB:sheet({{a = 1}}, {sheet = "S"})'
read_x exit.xlsx
check "workbook: one still open at exit is committed" sh -c "[ $rc -eq 0 ] && grep -qxF 'sheets S' '$T/x'"
run "$ATT" -e 'local wb = require("att.report").workbook("c.xlsx") wb:sheet({{a = 1}}) print(wb:close()) print(pcall(wb.close, wb)) print(pcall(wb.sheet, wb, {}))'
check "workbook: close returns true; closing twice or a sheet after close raise" sh -c "[ $rc -eq 0 ] && grep -qxF true '$T/out' && [ \$(grep -c 'the workbook is closed' '$T/out') -eq 2 ]"
run "$ATT" -e 'local wb = require("att.report").workbook("s.xlsx") print(pcall(wb.sheet, wb, {{a = 1}, 5})) print(pcall(wb.close, wb))'
check "workbook: a bad row spoils the workbook; close raises, nothing written" sh -c "grep -q 'row 2 is number, not a table' '$T/out' && grep -q 'the workbook cannot be written: sheet \"Report\" failed' '$T/out' && [ ! -e s.xlsx ]"

# ---- sheet names --------------------------------------------------------------------------------
names() { run "$ATT" -e "local wb <close> = require('att.report').workbook('n.xlsx') wb:sheet({{a = 1}}, {sheet = 'Data'}) wb:sheet({{a = 1}}, {sheet = $1})"; }
names '""'
check "sheet name empty: 1 to 31 characters" sh -c "[ $rc -eq 1 ] && grep -q 'Excel allows 1 to 31 characters, it has 0' '$T/err'"
names '("x"):rep(32)'
check "sheet name of 32 characters refused" sh -c "[ $rc -eq 1 ] && grep -q 'it has 32' '$T/err'"
names '("é"):rep(31)'
check "sheet name of 31 non-ASCII characters accepted" rc_is 0
for ch in '[' ']' ':' '*' '?' '/' '\\'; do
    names "'a${ch}b'"
    check "sheet name with $ch refused" sh -c "[ $rc -eq 1 ] && grep -q 'Excel forbids the character' '$T/err'"
done
names "\"'quoted\""
check "sheet name starting with an apostrophe refused" sh -c "[ $rc -eq 1 ] && grep -q 'apostrophe' '$T/err'"
names "\"quoted'\""
check "sheet name ending with an apostrophe refused" sh -c "[ $rc -eq 1 ] && grep -q 'apostrophe' '$T/err'"
names '"DATA"'
check "sheet name used already (case-insensitive) refused" sh -c "[ $rc -eq 1 ] && grep -q 'has a sheet of that name already' '$T/err'"
names '42'
check "sheet name not a string refused" sh -c "[ $rc -eq 1 ] && grep -q 'opts.sheet must be a string' '$T/err'"
run "$ATT" -e 'local wb <close> = require("att.report").workbook("n2.xlsx") print(pcall(wb.sheet, wb, {{a = 1}}, {sheet = "a:b"})) wb:sheet({{a = 1}}, {sheet = "ok"})'
read_x n2.xlsx
check "a refused name spoils nothing: the next sheet is written" sh -c "[ $rc -eq 0 ] && grep -qxF 'sheets ok' '$T/x'"

# ---- limits ---------------------------------------------------------------------------------------
run "$ATT" -e 'print((require("att.report").xlsx({{s = ("x"):rep(32767)}}, {out = "max.xlsx"})))'
read_x max.xlsx
check "a string of 32,767 characters is written whole" sh -c "[ $rc -eq 0 ] && [ \$(grep '^cell A2 str' '$T/x' | wc -c) -eq 32782 ]"
cp max.xlsx max.before
run "$ATT" -e 'require("att.report").xlsx({{s = "a"}, {s = ("x"):rep(32768)}}, {out = "max.xlsx"})'
check "32,768 characters: error naming row, column and limit; previous file untouched" sh -c "[ $rc -eq 1 ] && grep -q 'row 2, column \"s\": 32768 characters; an Excel cell holds at most 32,767' '$T/err' && cmp -s max.xlsx max.before"
run "$ATT" -e 'require("att.report").xlsx({{s = ("😀"):rep(16384)}}, {out = "emoji.xlsx"})'
check "characters counted as Excel does (an emoji is 2)" sh -c "[ $rc -eq 1 ] && grep -q '32768 characters' '$T/err' && [ ! -e emoji.xlsx ]"
cat >rowmax.lua <<'LUAEOF'
local i, n = 0, tonumber(arg[1])
local ok, err = pcall(require("att.report").xlsx, function() i = i + 1 if i <= n then return {v = i} end end,
  {out = "rowmax.xlsx"})
print(ok, err)
LUAEOF
run "$ATT" rowmax.lua 1048576
check "row 1,048,576 (past the header) is an error naming the limit" sh -c "grep -q 'false.*row 1048576: a sheet holds at most 1048575 rows after the header' '$T/out' && [ ! -e rowmax.xlsx ] && [ \"$(left)\" = none ]"

# ---- 100k rows, memory flat -----------------------------------------------------------------------
cat >big.lua <<'LUAEOF'
local n = tonumber(arg[1])
local i = 0
local function rows()
  i = i + 1
  if i > n then return nil end
  return { accountId = "A" .. i, n = i, f = i / 3, ok = i % 2 == 0, name = "name " .. i, market = "DAL",
    when = "2024-06-02T10:20:30Z", day = "2024-06-02", state = "ACTIVE", big = 1234567890123456 + i }
end
local written = require("att.report").xlsx(rows, { out = "big.xlsx" })
print(written .. "\t" .. att.stats().peak_memory)
LUAEOF
run "$ATT" big.lua 10000
small=$(cut -f2 "$T/out")
run "$ATT" big.lua 100000
large=$(cut -f2 "$T/out")
check "100,000 rows written" sh -c "[ $rc -eq 0 ] && [ \"\$(cut -f1 '$T/out')\" = 100000 ]"
check "peak Lua memory flat from 10k to 100k rows ($small, $large)" sh -c "[ $large -lt \$(( $small + 1048576 )) ]"
$READ big.xlsx >"$T/x"
check "read back: 100,001 rows, the last one typed" sh -c "grep -qxF 'rows 100001' '$T/x' && grep -qxF 'cell F100001 num 100000' '$T/x' && grep -qxF 'cell J100001 num fmt=yyyy-mm-dd hh:mm:ss 45445.43090277778' '$T/x' && grep -qxF 'autofilter A1:J100001' '$T/x'"

# ---- failures: the previous file untouched, exit 8 on a lost write ----------------------------------
cp types.xlsx prev.xlsx
cp prev.xlsx prev.before
run "$ATT" -e 'require("att.report").xlsx({{a = 1}, {a = 2}, "oops"}, {out = "prev.xlsx"})'
check "an error mid-rows: status 1, the previous file untouched, nothing left" sh -c "[ $rc -eq 1 ] && grep -q 'row 3 is \"oops\", not a table' '$T/err' && cmp -s prev.xlsx prev.before && [ \"$(left)\" = none ]"
run "$ATT" -e 'require("att.report").xlsx({{a = 1}}, {out = "/dev/full"})'
check "a workbook to /dev/full: exit 8, the lost write named" sh -c "[ $rc -eq 8 ] && grep -qxF 'att: write error on /dev/full: No space left on device' '$T/err' && grep -q 'cannot write \"/dev/full\"' '$T/err'"
"$ATT" -e 'require("att.report").xlsx({{a = 1}})' >/dev/full 2>"$T/err"; rc=$?
check "a workbook to standard output on /dev/full: exit 8" sh -c "[ $rc -eq 8 ] && grep -q 'write error on standard output' '$T/err'"
cp big.xlsx big.before
run sh -c "ulimit -f 512; exec \"$ATT\" big.lua 100000"
check "over ulimit -f: exit 8, File too large, the previous file untouched, nothing left" sh -c "[ $rc -eq 8 ] && grep -qxF 'att: write error on big.xlsx: File too large' '$T/err' && cmp -s big.xlsx big.before && [ \"$(left)\" = none ]"
# The sheet's rows fit under the file size limit, the sheet assembled at close does not (100
# columns make its <cols> part 7 KB): libxlsxwriter would zip it cut short without a word.
cat >wide100.lua <<'LUAEOF'
local cols = {}
for c = 1, 100 do cols[c] = "column_" .. c end
local i = 0
require("att.report").xlsx(function()
  i = i + 1
  if i > 200 then return nil end
  local r = {}
  for c = 1, 100 do r["column_" .. c] = i * c end
  return r
end, { out = "w.xlsx", columns = cols })
LUAEOF
run "$ATT" wide100.lua
whole=$(python3 -c 'import zipfile, sys; print(zipfile.ZipFile(sys.argv[1]).getinfo("xl/worksheets/sheet1.xml").file_size)' w.xlsx)
cp w.xlsx w.before
fsize() { python3 -c 'import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2); os.execv(sys.argv[2], sys.argv[2:])' "$@"; }
run fsize $((whole - 3000)) "$ATT" wide100.lua
check "a sheet cut short at close (its rows fit): exit 8, File too large, the previous file untouched" sh -c "[ $rc -eq 8 ] && grep -qxF 'att: write error on w.xlsx: File too large' '$T/err' && grep -q 'a sheet came out short' '$T/err' && cmp -s w.xlsx w.before && [ \"$(left)\" = none ]"
run "$ATT" -e 'local wb = require("att.report").workbook("/dev/full") wb:sheet({{a = 1}}) wb = nil collectgarbage()'
check "an unclosed workbook failing at collection counts a lost write: exit 8" sh -c "[ $rc -eq 8 ] && grep -qxF 'att: write error on /dev/full: No space left on device' '$T/err'"
mkdir -p ro && chmod 555 ro
run "$ATT" -e 'require("att.report").xlsx({{a = 1}}, {out = "nodir/x.xlsx"})'
check "a missing directory: refused before any row is read" sh -c "[ $rc -eq 1 ] && grep -q 'cannot open \"nodir/x.xlsx\" for writing' '$T/err'"
cat >fds.lua <<'LUAEOF'
local i = 0
require("att.report").xlsx(function()
  i = i + 1
  if i == 2 then os.execute("ls -l /proc/$PPID/fd > fds.txt") end
  if i <= 3 then return { a = i } end
end, { out = "fds.xlsx" })
LUAEOF
run "$ATT" fds.lua
check "the rows' temporary file is in \$TMPDIR (open, already unlinked)" sh -c "[ $rc -eq 0 ] && grep -q '$TMPDIR/.* (deleted)' fds.txt && [ \"$(left)\" = none ]"

# ---- --safe -------------------------------------------------------------------------------------
mkdir -p "$T/outside"
run "$ATT" --safe -e "require('att.report').xlsx({{a = 1}}, {out = '$T/outside/x.xlsx'})"
check "--safe: a path outside the current directory is refused" sh -c "[ $rc -eq 1 ] && grep -q 'outside the current directory (--safe)' '$T/err' && [ ! -e '$T/outside/x.xlsx' ]"
run "$ATT" --safe -e "local wb = require('att.report').workbook('../outside/y.xlsx')"
check "--safe: a workbook outside is refused" sh -c "[ $rc -eq 1 ] && [ ! -e '$T/outside/y.xlsx' ]"
run "$ATT" --safe -e "require('att.xlsx_c').open('rename', '$T/outside/z.xlsx', 'x')"
check "--safe: the internal module confines its paths too" sh -c "[ $rc -eq 1 ] && grep -q 'outside the current directory' '$T/err' && [ ! -e '$T/outside/z.xlsx' ]"
run "$ATT" --safe -e "print(require('att.report').xlsx({{a = 1}}, {out = 'inside.xlsx'}))"
check "--safe: a workbook in the current directory is written" sh -c "[ $rc -eq 0 ] && $READ inside.xlsx >/dev/null"

# ---- standard output ----------------------------------------------------------------------------
"$ATT" -e 'require("att.report").xlsx({{a = 1, b = "x"}})' >stdout.xlsx 2>"$T/err"; rc=$?
read_x stdout.xlsx
check "to standard output (redirected): a whole workbook, nothing left in TMPDIR" sh -c "[ $rc -eq 0 ] && grep -qxF 'cell B2 str \"x\"' '$T/x' && [ \"$(left)\" = none ]"
"$ATT" -e 'require("att.report").xlsx({{a = 1}}, {out = io.open("handle.xlsx", "wb")})' 2>"$T/err"; rc=$?
check "to a file handle" sh -c "[ $rc -eq 0 ] && $READ handle.xlsx >/dev/null"
printf 'end\n' | python3 "$HERE/pty_drive.py" "$T/pty" "$ATT" -e 'require("att.report").xlsx({{a = 1}})' >/dev/null 2>&1; rc=$?
check "to a terminal: refused, status 1" sh -c "[ $rc -eq 1 ] && grep -q 'not writing a binary workbook to a terminal; use --out FILE or redirect' '$T/pty'"

# ---- att search --out fiber.xlsx --------------------------------------------------------------
start_sandbox
export ATT_BASE_URL="$URL"
run "$ATT" search serviceType=FIBER --all --level account --out fiber.jsonl
accounts=$(wc -l <fiber.jsonl)
run "$ATT" search serviceType=FIBER --all --level account --out fiber.xlsx
read_x fiber.xlsx
last=$((accounts + 1))
check "att search --out fiber.xlsx: every account, a filtered frozen sheet" sh -c "[ $rc -eq 0 ] && [ $accounts -gt 100 ] && grep -qxF 'rows $last' '$T/x' && grep -qxF 'autofilter A1:G$last' '$T/x' && grep -qxF 'pane ySplit=1 topLeftCell=A2 state=frozen' '$T/x' && grep -qxF 'cell B1 str bold \"id\"' '$T/x'"
check "att search --out fiber.xlsx: ids as text" sh -c "grep -q '^cell B2 str \"[0-9]*\"$' '$T/x'"
run "$ATT" search serviceType=FIBER --all --level account --columns id,openDate,isDigitalAccount,state.state --out typed.xlsx
read_x typed.xlsx
check "att search --columns ...: dates as dates, booleans as booleans" sh -c "[ $rc -eq 0 ] && grep -q '^cell B2 num fmt=yyyy-mm-dd hh:mm:ss [0-9.]*$' '$T/x' && grep -q '^cell C2 bool ' '$T/x' && grep -q '^cell D1 str bold \"state.state\"$' '$T/x'"

finish
