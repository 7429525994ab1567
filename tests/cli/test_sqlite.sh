#!/bin/sh
# tests/cli/test_sqlite.sh — att.report.sqlite's files read back by an independent reader
# (python3's sqlite3 module): every type, non-ASCII text, '' and NULL, quotes and newlines, 64-bit
# integers, JSON for json_extract, 100,000 rows; a full disk (ulimit -f) and Ctrl-C mid-write
# (status 8 and 130, the previous contents or no file at all); --safe scripts attacking the
# filesystem through att.sqlite (each refused with a clear message, nothing created outside the
# current directory); `att search ... --out fiber.db` against the sandbox. Prints TAP. Env: ATT,
# SANDBOX.
NAME=sqlite
. "$(dirname "$0")/lib.sh"
case $ATT in /*) ;; *) ATT=$(pwd)/$ATT ;; esac
case $SANDBOX in /*) ;; *) SANDBOX=$(pwd)/$SANDBOX ;; esac
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
mkdir -p "$T/work" "$T/outside"
cd "$T/work" || exit 2

# py DB CODE: runs CODE with con = sqlite3.connect(DB) (output into $T/py).
py() { "$PY" -c "import sqlite3, sys, json
con = sqlite3.connect(sys.argv[1])
$2" "$1" >"$T/py" 2>&1; }
py_is() { [ "$(cat "$T/py")" = "$1" ]; }

# ---- round trip, read by python3 ---------------------------------------------------------------
cat >"$T/rt.lua" <<'LUA_RT'
local rows = {
  { id = 1, big = math.maxinteger, small = math.mininteger, f = 0.1, ok = true, s = 'q"uo\'te,\r\nline',
    e = "", n = att.null, u = "日本語 ✓ é", j = { a = { 1, 2.5, "x" } }, ["status.state"] = "OPEN" },
  { id = 2, big = 9007199254740993, small = -1, f = -2, ok = false, s = "plain", e = att.null, n = att.null,
    u = "\u{1F600}", j = {}, ["status.state"] = "" },
}
print((att.report.sqlite(rows, { out = arg[1], table = "t", request = { serviceType = "FIBER" } })))
LUA_RT
run "$ATT" "$T/rt.lua" rt.db
check "the round-trip file is written" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 2 ]"
py rt.db 'for r in con.execute("SELECT id, big, small, f, ok, s, e, n, u, j, \"status.state\" FROM t ORDER BY id"): print(repr(r))
print(con.execute("SELECT json_extract(j, \"$.a[1]\"), typeof(e), typeof(n) FROM t WHERE id = 1").fetchone())
print([(c[1], c[2]) for c in con.execute("PRAGMA table_info(t)")])'
check "python3 reads every value back exactly" py_is "(1, 9223372036854775807, -9223372036854775808, 0.1, 1, 'q\"uo\\'te,\\r\\nline', '', None, '日本語 ✓ é', '{\"a\":[1,2.5,\"x\"]}', 'OPEN')
(2, 9007199254740993, -1, -2.0, 0, 'plain', None, None, '😀', '{}', '')
(2.5, 'text', 'null')
[('big', 'INTEGER'), ('e', 'TEXT'), ('f', 'REAL'), ('id', 'INTEGER'), ('j', 'TEXT'), ('n', ''), ('ok', 'BOOLEAN'), ('s', 'TEXT'), ('small', 'INTEGER'), ('status.state', 'TEXT'), ('u', 'TEXT')]"
py rt.db 'print(con.execute("SELECT att_version, table_name, mode, rows, request, run_at GLOB \"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\" FROM att_runs").fetchall())'
check "python3 reads the att_runs row" py_is "[('0.1.0', 't', 'replace', 2, '{\"serviceType\":\"FIBER\"}', 1)]"
check "the sqlite3 shell agrees (json_extract on the nested value)" \
    sh -c "[ \"\$(sqlite3 rt.db \"SELECT json_extract(j, '\$.a[2]') FROM t WHERE id = 1\")\" = x ]"

# ---- 100,000 rows ------------------------------------------------------------------------------
run "$ATT" -e 'local i = 0
print((att.report.sqlite(function() i = i + 1 if i <= 100000 then return { id = i, name = "n" .. i, v = i / 2 } end end,
  { out = "big.db" })))'
check "100,000 rows written" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 100000 ]"
py big.db 'print(con.execute("SELECT count(*), sum(id), sum(v), count(DISTINCT name) FROM report").fetchone())'
check "python3 counts them" py_is "(100000, 5000050000, 2500025000.0, 100000)"

# ---- a full disk, an interrupt -----------------------------------------------------------------
run "$ATT" -e 'att.report.sqlite({{ a = 1, b = "old" }}, { out = "full.db" })'
WRITE='local rows = {} for i = 1, 20000 do rows[i] = { a = i, b = ("x"):rep(100) } end
att.report.sqlite(rows, { out = arg[1] })'
printf '%s\n' "$WRITE" >"$T/many.lua"
(trap '' XFSZ; ulimit -f 200; "$ATT" "$T/many.lua" full.db >"$T/out" 2>"$T/err"); rc=$?
check "over the file size limit: status 8, the write error and SQLite's message" \
    sh -c "[ $rc -eq 8 ] && grep -q '^att: write error on full.db: File too large$' '$T/err' && grep -q 'att.report.sqlite: full.db: row [0-9]*: disk I/O error' '$T/err'"
py full.db 'print(con.execute("SELECT a, b FROM report").fetchall(), con.execute("SELECT count(*) FROM att_runs").fetchone())'
check "python3 reads the previous contents" py_is "[(1, 'old')] (1,)"
(trap '' XFSZ; ulimit -f 200; "$ATT" "$T/many.lua" full.db >"$T/out" 2>"$T/err"); rc=$?
run "$ATT" -e 'for r in att.sqlite.open("full.db", {readonly = true}):rows("SELECT a, b FROM report") do print(r.a, r.b) end'
check "no hot journal is left: a read-only reader sees the previous contents" \
    sh -c "[ ! -e full.db-journal ] && [ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = '1	old' ]"
(trap '' XFSZ; ulimit -f 100; "$ATT" "$T/many.lua" new.db >"$T/out" 2>"$T/err"); rc=$?
check "a file the failed writer created is removed" sh -c "[ $rc -eq 8 ] && [ ! -e new.db ] && [ ! -e new.db-journal ]"

cat >"$T/slow.lua" <<'LUA_SLOW'
local i = 0
att.report.sqlite(function()
  i = i + 1
  if i == 3000 then local f = io.open("started", "w") f:write("x") f:close() end
  if i > 3000 then local x = 0 for _ = 1, 5000 do x = x + 1 end end
  if i > 500000 then return nil end -- a bound, should the interrupt not arrive
  return { id = i }
end, { out = arg[1], table = arg[2] })
LUA_SLOW
for target in int.db full.db; do
    rm -f started
    "$ATT" "$T/slow.lua" "$target" report >"$T/out" 2>"$T/err" &
    p=$!
    i=0
    while [ ! -f started ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    sleep 0.3
    kill -INT "$p"
    wait "$p"; rc=$?
    case $target in
        int.db) check "Ctrl-C mid-write: status 130, the new file removed" sh -c "[ $rc -eq 130 ] && [ ! -e int.db ]" ;;
        full.db)
            py full.db 'print(con.execute("SELECT a, b FROM report").fetchall())'
            check "Ctrl-C mid-write: status 130, the existing table untouched" sh -c "[ $rc -eq 130 ] && [ \"\$(cat '$T/py')\" = \"[(1, 'old')]\" ]" ;;
    esac
done

# ---- --safe ------------------------------------------------------------------------------------
O=$T/outside
# safe NAME EXPECTED-MESSAGE LUA: the script fails (status 1) with the message, nothing in $O.
safe() {
    printf '%s\n' "$3" >"$T/attack.lua"
    run "$ATT" --safe "$T/attack.lua"
    check "--safe $1: refused" sh -c "[ $rc -eq 1 ] && grep -qF -- \"$2\" '$T/err' && [ -z \"\$(ls -A '$O')\" ]"
}
safe "absolute path" "is outside the current directory (--safe)" "att.sqlite.open('$O/a.db')"
safe "absolute path, read-only" "is outside the current directory (--safe)" "att.sqlite.open('$O/a.db', {readonly = true})"
safe "parent directory" "is outside the current directory (--safe)" "att.sqlite.open('../outside/b.db')"
ln -s "$O" link
safe "a symbolic link out" "(--safe)" "att.sqlite.open('link/c.db')"
safe "URI name" "URI file names are not allowed under --safe" "att.sqlite.open('file:$O/d.db?mode=rwc')"
safe "ATTACH" "ATTACH is not allowed under --safe" "att.sqlite.open('ok.db'):exec(\"ATTACH '$O/e.db' AS e\")"
safe "ATTACH in a later statement" "ATTACH is not allowed under --safe" "att.sqlite.open('ok.db'):exec(\"SELECT 1; ATTACH '$O/e.db' AS e\")"
safe "DETACH" "DETACH is not allowed under --safe" "att.sqlite.open('ok.db'):exec('DETACH main')"
safe "VACUUM INTO" "VACUUM is not allowed under --safe" "att.sqlite.open('ok.db'):exec(\"VACUUM INTO '$O/f.db'\")"
safe "VACUUM INTO after a comment" "VACUUM is not allowed under --safe" "for r in att.sqlite.open('ok.db'):rows([[/* x */ -- y
vacuum into '$O/g.db']]) do end"
safe "VACUUM INTO through the writer's inserter" "VACUUM is not allowed under --safe" "local db = att.sqlite.open('ok.db') db:_inserter('VACUUM INTO ?', {'p'}, {}, {'p'})({p = '$O/i.db'})"
safe "load_extension" "load_extension is not allowed under --safe" "att.sqlite.open('ok.db'):exec(\"SELECT load_extension('$O/x.so')\")"
safe "PRAGMA writable_schema" "PRAGMA writable_schema = 1 is not allowed under --safe" "att.sqlite.open('ok.db'):exec('PRAGMA writable_schema = 1')"
safe "PRAGMA journal_mode" "PRAGMA journal_mode = WAL is not allowed under --safe" "att.sqlite.open('ok.db'):exec('PRAGMA journal_mode = WAL')"
safe "PRAGMA temp_store_directory" "PRAGMA temp_store_directory = $O is not allowed" "att.sqlite.open('ok.db'):exec(\"PRAGMA temp_store_directory = '$O'\")"
safe "report.sqlite to an absolute path" "is outside the current directory (--safe)" "att.report.sqlite({{a = 1}}, {out = '$O/h.db'})"
run "$ATT" --safe -e 'local db <close> = att.sqlite.open("s.db")
db:exec("CREATE TABLE t (a)")
for r in db:rows("PRAGMA table_info(t)") do print(r.name) end
for r in db:rows("PRAGMA user_version") do print(r.user_version) end
print((att.report.sqlite({{a = 1}}, {out = "s.db", table = "t", mode = "append"})))'
check "--safe: the cwd's files, schema PRAGMAs and the writer work" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 'a
0
1' ]"

# ---- att search --out fiber.db -----------------------------------------------------------------
start_sandbox
export ATT_BASE_URL=$URL
run "$ATT" search serviceType=FIBER --all --level account --out fiber.db
check "att search --out fiber.db" rc_is 0
run "$ATT" search serviceType=FIBER --all --level account --out fiber.csv
lines=$(($(wc -l <fiber.csv) - 1))
py fiber.db 'print(con.execute("SELECT count(*), count(DISTINCT id) FROM accounts").fetchone()[0], con.execute("SELECT rows, table_name, json_extract(request, \"$.serviceType\") FROM att_runs").fetchone())'
check "a queryable table: as many rows as the CSV export, the run recorded" py_is "$lines ($lines, 'accounts', 'FIBER')"
finish
