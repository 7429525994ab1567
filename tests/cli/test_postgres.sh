#!/bin/sh
# test_postgres.sh — att.report.postgres and --out postgresql://... against a real PostgreSQL
# server (tests/cli/pg_lib.sh starts one; a server that cannot start fails the test): types read
# back with psql, replace, append, att_runs, all-or-nothing (an error in the rows, a COPY error), no
# connection or lock during the scan, passwords (refused in the URL, never printed, never in the
# journal), --safe, a spool that cannot be written, and att search against att-sandbox.
NAME=postgres
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
start_pg
start_sandbox
export ATT_BASE_URL="$URL"
S=$T/scripts
mkdir -p "$S"
q() { psql_q "$1" 2>&1; }
q_is() {   # q_is SQL EXPECTED (on a mismatch the result is shown as the "out" of the check)
    got=$(q "$1")
    [ "$got" = "$2" ] && return 0
    printf 'got: %s\n' "$got" >"$T/out"
    return 1
}
no_requests() { [ "$(requests)" -eq 0 ]; }
no_pw() { ! grep -q -- "$PGPW" "$T/err" && ! grep -q -- "$PGPW" "$T/out"; }

# ---- every type, read back ---------------------------------------------------------------------
cat >"$S/types.lua" <<'LUA_END'
local report = require "att.report"
local rows = {
  { id = 1, f = 1.5, b = true, s = "h\u{e9}llo \u{65e5}\u{672c}\t\"q\" 'x'\n\\back\rend", ts = "2024-05-01T10:00:00Z",
    j = { a = { 1, 2 }, s = "t\"ab\\" }, e = "", n = att.null, mix = 1, big = math.maxinteger },
  { id = 2, f = 2, b = false, s = "x", ts = "2024-02-29T23:59:59.25+02:00", j = {}, e = "a", mix = "two",
    big = math.mininteger, nan = 0/0 },
  { id = 3, f = 0.1 + 0.2, s = "\\N", ts = att.null, mix = true, nan = math.huge },
}
print(report.postgres(rows, { out = arg[1], table = "types", columns = { "id", "f", "b", "s", "ts", "j", "e", "n",
  "mix", "big", "nan", { "j.a", "ja" } } }))
LUA_END
run "$ATT" "$S/types.lua" "$DB"
check "types: the writer returns the row count" sh -c '[ "$0" -eq 0 ] && [ "$(head -n 1 "$1" | cut -f1)" = 3 ]' "$rc" "$T/out"
check "types: no notice from the server on stderr" sh -c '! grep -q NOTICE "$0"' "$T/err"
check "types: the column types" q_is "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'types'::regclass AND attnum > 0" \
  "id:bigint,f:double precision,b:boolean,s:text,ts:timestamp with time zone,j:jsonb,e:text,n:text,mix:text,big:bigint,nan:double precision,ja:jsonb"
check "types: text with non-ASCII, tabs, quotes, newlines, CR and backslashes comes back byte for byte" \
  q_is "SELECT s = E'h\\u00e9llo \\u65e5\\u672c\\t\"q\" ''x''\\n\\\\back\\rend' FROM types WHERE id = 1" "t"
check "types: a string \\\\N is text, not NULL" q_is "SELECT s = E'\\\\N' FROM types WHERE id = 3" "t"
check "types: '' and NULL are distinguished" q_is "SELECT e IS NULL, e = '', n IS NULL FROM types ORDER BY id" "f|t|t
f|f|t
t||t"
check "types: floats exact, integers as double in a float column" \
  q_is "SELECT f = 1.5, f = 2, f = 0.1::float8 + 0.2::float8 FROM types ORDER BY id" "t|f|f
f|t|f
f|f|t"
check "types: booleans, NULL for a missing value" q_is "SELECT coalesce(b::text, 'null') FROM types ORDER BY id" "true
false
null"
check "types: timestamps as timestamptz" q_is "SET TIME ZONE 'UTC'; SELECT coalesce(ts::text, 'null') FROM types ORDER BY id" "2024-05-01 10:00:00+00
2024-02-29 21:59:59.25+00
null"
check "types: nested tables as jsonb" q_is "SELECT j->'a'->>1, j->>'s', jsonb_typeof(j), ja::text FROM types WHERE id = 1" '2|t"ab\|object|[1, 2]'
check "types: a mixed column is text" q_is "SELECT mix FROM types ORDER BY id" "1
two
true"
check "types: 64-bit integers exact" q_is "SELECT big FROM types WHERE id < 3 ORDER BY id" "9223372036854775807
-9223372036854775808"
check "types: NaN and infinity" q_is "SELECT nan::text FROM types WHERE id > 1 ORDER BY id" "NaN
Infinity"

cat >"$S/ts.lua" <<'LUA_END'
local rows = { { a = "2024-05-01T10:00:00Z" }, { a = "2024-02-30T10:00:00Z" } } -- no 30 February
if arg[2] == "zone" then rows[2].a = "2024-05-01T10:00:00" end                 -- no zone
print(require("att.report").postgres(rows, { out = arg[1], table = "ts" }))
LUA_END
run "$ATT" "$S/ts.lua" "$DB"
check "types: a column with an impossible date is text" q_is "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ts'::regclass AND attname = 'a'" "text"
run "$ATT" "$S/ts.lua" "$DB" zone
check "types: a column with a timestamp without zone is text" q_is "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ts'::regclass AND attname = 'a'" "text"

# ---- 100k rows -----------------------------------------------------------------------------------
cat >"$S/many.lua" <<'LUA_END'
local n, i = tonumber(arg[2]), 0
local function rows()
  i = i + 1
  if i > n then return nil end
  return { id = i, name = "n\u{e9}" .. i .. (i % 7 == 0 and "\t\n" or ""), v = i / 4, even = i % 2 == 0 }
end
print(require("att.report").postgres(rows, { out = arg[1], table = arg[3] or "many", mode = arg[4] }))
LUA_END
run "$ATT" "$S/many.lua" "$DB" 100000
check "100k rows: written" sh -c '[ "$0" -eq 0 ] && [ "$(cut -f1 "$1")" = 100000 ]' "$rc" "$T/out"
check "100k rows: read back (count, sums, a row)" q_is "SELECT count(*), sum(id), sum(v), count(*) FILTER (WHERE even),
  (SELECT name FROM many WHERE id = 70000) = E'n\\u00e970000\\t\\n' FROM many" "100000|5000050000|1250012500|50000|t"

# ---- replace, append, att_runs -----------------------------------------------------------------
cat >"$S/small.lua" <<'LUA_END'
local rows = {}
for i = 1, tonumber(arg[2]) do rows[i] = { id = i, name = "r" .. i } end
local opts = { out = arg[1], table = arg[3], mode = arg[4] }
if arg[5] == "text" then for _, r in ipairs(rows) do r.id = "id-" .. r.id end end
if arg[5] == "cols" then opts.columns = { "id", "name", "name2" } end
if arg[5] == "req" then opts.request = { serviceType = "FIBER" } end
if arg[5] == "noreq" then opts.request = false end
print(require("att.report").postgres(rows, opts))
LUA_END
run "$ATT" "$S/small.lua" "$DB" 3 acc
check "replace: a new table" q_is "SELECT count(*) FROM acc" "3"
run "$ATT" "$S/small.lua" "$DB" 2 acc replace req
check "replace: the table is replaced" q_is "SELECT string_agg(id::text, ',' ORDER BY id) FROM acc" "1,2"
run "$ATT" "$S/small.lua" "$DB" 4 acc append
check "append: rows added" q_is "SELECT $rc, count(*), sum(id) FROM acc" "0|6|13"
run "$ATT" "$S/small.lua" "$DB" 2 acc_new append noreq
check "append: a missing table is created" q_is "SELECT count(*) FROM acc_new" "2"
check "att_runs: exactly its columns" q_is "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'att_runs'::regclass AND attnum > 0" \
  "run_at:timestamp with time zone,att_version:text,base_url:text,request:text,table_name:text,mode:text,rows:bigint"
check "att_runs: one row per load, with its table, mode, rows and request" \
  q_is "SELECT table_name, mode, rows, coalesce(request, 'NULL'), att_version <> '', run_at > now() - interval '1 hour' FROM att_runs WHERE table_name LIKE 'acc%' ORDER BY table_name, rows" \
  'acc|replace|2|{"serviceType":"FIBER"}|t|t
acc|replace|3|NULL|t|t
acc|append|4|NULL|t|t
acc_new|append|2|NULL|t|t'

runs_before=$(q "SELECT count(*) FROM att_runs")
run "$ATT" "$S/small.lua" "$DB" 2 acc append cols
check "append with other columns: an error naming the columns" sh -c '[ "$0" -ne 0 ] && grep -q "table acc has the columns id, name; the report has id, name, name2" "$1" && grep -q "postgresql:///attdb:" "$1"' "$rc" "$T/err"
check "append with other columns: the table and att_runs as before" q_is "SELECT (SELECT count(*) FROM acc), (SELECT count(*) FROM att_runs)" "6|$runs_before"
run "$ATT" "$S/small.lua" "$DB" 2 acc append text
check "append: a COPY error (text into bigint) names the database and the server's message" sh -c '[ "$0" -ne 0 ] && grep -q "postgresql:///attdb: invalid input syntax for type bigint" "$1" && grep -q "nothing was written" "$1"' "$rc" "$T/err"
check "append: after a COPY error the table and att_runs are as before" q_is "SELECT (SELECT count(*) FROM acc), (SELECT count(*) FROM att_runs)" "6|$runs_before"

cat >"$S/empty.lua" <<'LUA_END'
local report = require "att.report"
print(report.postgres({}, { out = arg[1], table = "empty_cols", columns = { "id", { "state.state", "State" } } }))
print(report.postgres(function() return nil end, { out = arg[1], table = "empty_none" }))
LUA_END
run "$ATT" "$S/empty.lua" "$DB"
check "no rows: 0 written" sh -c '[ "$0" -eq 0 ] && [ "$(cut -f1 "$1" | tr "\n" ,)" = "0,0," ]' "$rc" "$T/out"
check "no rows, opts.columns: the table with text columns, empty" q_is "SELECT (SELECT count(*) FROM empty_cols), string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'empty_cols'::regclass AND attnum > 0" "0|id:text,State:text"
check "no rows, no columns: a table without columns, and att_runs says 0 rows" q_is "SELECT (SELECT count(*) FROM empty_none), (SELECT rows FROM att_runs WHERE table_name = 'empty_none')" "0|0"
psql_q "CREATE SCHEMA s1" >/dev/null
run "$ATT" "$S/small.lua" "$DB" 2 s1.tab
check "schema.table: written, att_runs in that schema" q_is "SELECT (SELECT count(*) FROM s1.tab), (SELECT table_name FROM s1.att_runs)" "2|s1.tab"
cat >"$S/quote.lua" <<'LUA_END'
print(require("att.report").postgres({ { ['we"ird col'] = 1, ["x); DROP TABLE acc; --"] = 2 } },
  { out = arg[1], table = 'Odd "Name"' }))
LUA_END
run "$ATT" "$S/quote.lua" "$DB"
check "identifiers are quoted" q_is "SELECT \"we\"\"ird col\", \"x); DROP TABLE acc; --\", (SELECT count(*) FROM acc) FROM \"Odd \"\"Name\"\"\"" "1|2|6"

# ---- all-or-nothing, no lock during the scan ---------------------------------------------------
cat >"$S/boom.lua" <<'LUA_END'
local i = 0
local function rows()
  i = i + 1
  if i == 500 and arg[2] == "fail" then error("boom at row 500") end
  if i == 500 and arg[2] == "alter" then  -- another session, while the rows are produced
    local busy = io.popen("psql -X -A -t -h " .. arg[3] .. " -U attsuper -d attdb -c \"SELECT count(*) FROM " ..
      "pg_stat_activity WHERE application_name = 'att'\""):read("a")
    local ok = os.execute("PGOPTIONS='-c lock_timeout=5000' psql -X -q -h " .. arg[3] ..
      " -U attsuper -d attdb -c 'ALTER TABLE acc ADD COLUMN extra int' >/dev/null 2>&1")
    io.stderr:write("connections of att during the scan: ", busy, "alter: ", tostring(ok), "\n")
  end
  if i > 1000 then return nil end
  return { id = i, name = "b" .. i }
end
print(require("att.report").postgres(rows, { out = arg[1], table = "acc", mode = "replace" }))
LUA_END
runs_before=$(q "SELECT count(*) FROM att_runs")
run "$ATT" "$S/boom.lua" "$DB" fail
check "an error in the rows after 500: the error, status 1" sh -c '[ "$0" -eq 1 ] && grep -q "boom at row 500" "$1"' "$rc" "$T/err"
check "an error in the rows after 500: the table and att_runs as before" q_is "SELECT (SELECT count(*) FROM acc), (SELECT count(*) FROM att_runs)" "6|$runs_before"
run "$ATT" "$S/boom.lua" "$DB" alter "$PGSOCK"
check "during the scan att holds no connection, and another session can ALTER the table" sh -c 'grep -q "connections of att during the scan: 0" "$0" && grep -q "alter: true" "$0"' "$T/err"
check "after the scan the table is replaced" q_is "SELECT count(*), count(*) FILTER (WHERE name = 'b1000') FROM acc" "1000|1"

# ---- the spool ----------------------------------------------------------------------------------
# A spool that cannot be written (the file size limit, SIGXFSZ ignored: write fails with EFBIG).
psql_q "SELECT count(*) FROM many" >"$T/before"
run sh -c 'trap "" XFSZ; ulimit -f 400; exec "$0" "$1" "$2" 100000' "$ATT" "$S/many.lua" "$DB"
check "a spool that cannot be written: an error before the database, status 8" sh -c '[ "$0" -eq 8 ] && grep -q "cannot write the spool file" "$1" && grep -q "att: write error on the PostgreSQL spool file: File too large" "$1"' "$rc" "$T/err"
check "a spool that cannot be written: the table as before" q_is "SELECT count(*) FROM many" "$(cat "$T/before")"
cat >"$S/nul.lua" <<'LUA_END'
print(require("att.report").postgres({ { a = "x" }, { a = "a\0b" } }, { out = arg[1], table = "nul" }))
LUA_END
run "$ATT" "$S/nul.lua" "$DB"
check "a NUL byte in text: an error naming row and column" sh -c '[ "$0" -ne 0 ] && grep -q "row 2, column \"a\": the text holds a NUL byte" "$1"' "$rc" "$T/err"
check "a spool file is never left in TMPDIR" sh -c '! ls /tmp/att-pg-spool.* >/dev/null 2>&1'

# ---- passwords -----------------------------------------------------------------------------------
PWURL="postgresql://attpw:$PGPW@/attdb?host=$PGSOCK"
run "$ATT" search serviceType=FIBER --all --level account --out "$PWURL"
check "a password in the URL (user:pass@): refused, status 2, the password not shown" sh -c '[ "$0" -eq 2 ] && grep -q "a password in the database URL is refused; use PGPASSFILE, PGPASSWORD or a service file" "$1"' "$rc" "$T/err"
check "a password in the URL (user:pass@): the message does not hold it" no_pw
run "$ATT" search serviceType=FIBER --out "$DBPW&password=$PGPW"
check "a password in the URL (password=): refused, status 2, not shown" sh -c '[ "$0" -eq 2 ] && grep -q "password in the database URL is refused" "$1"' "$rc" "$T/err"
check "a password in the URL (password=): the message does not hold it" no_pw
cat >"$S/pwurl.lua" <<'LUA_END'
local ok, err = pcall(require("att.report").postgres, { { a = 1 } }, { out = arg[1] .. "&pass" .. "word=" .. arg[2] })
print(ok, err)
ok, err = pcall(require("att.report").check_out, "postgresql://u:" .. arg[2] .. "@h/db")
print(ok, err)
ok, err = pcall(require("att.report").check_out, "postgresql:///db?bogus=1")
print(ok, err)
LUA_END
printf '%s' "$PGPW" >"$T/pwfile.txt"
run "$ATT" "$S/pwurl.lua" "$DBPW" "$(cat "$T/pwfile.txt")x"
check "a script's URL with a password (password=, user:pass@): refused" sh -c '[ "$(grep -c "false	att.report.*a password in the database URL is refused" "$0")" = 2 ]' "$T/out"
check "a script's URL that is not a valid URI: refused" grep -q 'false	att.report.check_out: not a valid PostgreSQL connection URI: invalid URI query parameter: "bogus"' "$T/out"
check "a script's URL with a password: the messages do not hold it" sh -c '! grep -q "$0" "$1"' "${PGPW}x" "$T/out"
run "$ATT" search serviceType=FIBER --all --level account --out "$DBPW"
check "no password anywhere: the connection fails before the scan, status 2" sh -c '[ "$0" -eq 2 ] && grep -q "cannot connect to postgresql:///attdb: .*no password supplied" "$1"' "$rc" "$T/err"
check "no password anywhere: no request was made" no_requests
PGPASSWORD="wrong-$PGPW" run "$ATT" search serviceType=FIBER --all --level account --out "$DBPW"
check "a wrong PGPASSWORD: the server's message, status 2" sh -c '[ "$0" -eq 2 ] && grep -q "password authentication failed for user \"attpw\"" "$1"' "$rc" "$T/err"
check "a wrong PGPASSWORD: no request was made (before the scan)" no_requests
check "a wrong PGPASSWORD: the message does not hold it" sh -c '! grep -q "wrong-" "$0"' "$T/err"
PGPASSWORD="$PGPW" run "$ATT" --verbose search serviceType=FIBER --level account --out "$DBPW"
check "PGPASSWORD: loaded (in attpw's schema pw, its search_path)" q_is "SELECT $rc, count(*) > 0 FROM pw.accounts" "0|t"
check "PGPASSWORD: --verbose does not show it" no_pw
# PGPASSWORD is a credential of the run: even a message that would hold it (here the name of a
# database that does not exist) shows [REDACTED].
PGPASSWORD="$PGPW" run "$ATT" "$S/small.lua" "postgresql:///$PGPW?host=$PGSOCK&user=attsuper" 1 t
check "PGPASSWORD is redacted from every message of the run" sh -c '[ "$0" -ne 0 ] && grep -q "cannot connect to postgresql:///\[REDACTED\]: .*database \"\[REDACTED\]\" does not exist" "$1"' "$rc" "$T/err"
check "PGPASSWORD is redacted: the message does not hold it" no_pw
printf '*:*:attdb:attpw:%s\n' "$PGPW" >"$T/pgpass"
chmod 600 "$T/pgpass"
PGPASSFILE="$T/pgpass" run "$ATT" "$S/small.lua" "$DBPW" 5 frompassfile
check "PGPASSFILE: loaded" q_is "SELECT count(*) FROM pw.frompassfile" "5"
# A failed run keeps its journal: its run.json must not hold the password either.
PGPASSWORD="$PGPW" run "$ATT" --verbose search serviceType=FIBER --level account --out "postgresql:///attdb?host=$PGSOCK&user=attpw&dbname=attdb&options=-c%20default_transaction_read_only%3Don"
check "a failed load as attpw: an error with the server's message" sh -c '[ "$0" -ne 0 ] && grep -q "postgresql:///attdb: cannot execute DROP TABLE in a read-only transaction (nothing was written)" "$1"' "$rc" "$T/err"
check "a failed load: its journal is kept" sh -c 'ls "$0"/att/runs/*/run.json >/dev/null 2>&1' "$XDG_STATE_HOME"
check "the journals and run.json hold no password" sh -c '! grep -r -q -- "$0" "$1/att"' "$PGPW" "$XDG_STATE_HOME"
check "the failed load's messages hold no password" no_pw

# ---- --safe --------------------------------------------------------------------------------------
cat >"$S/safe.lua" <<'LUA_END'
local report = require "att.report"
local url = arg[1]
if arg[2] == "other" then url = url .. "&application_name=other" end
print(report.postgres({ { id = 7 } }, { out = url, table = "safe" }))
LUA_END
run "$ATT" --safe "$S/safe.lua" "$DB"
check "--safe: a URI on the command line may be written" q_is "SELECT $rc, id FROM safe" "0|7"
run "$ATT" --safe "$S/safe.lua" "$DB" other
check "--safe: a URI that is not on the command line is refused" sh -c '[ "$0" -ne 0 ] && grep -q "under --safe only a database named on att.s command line may be written" "$1"' "$rc" "$T/err"
cat >"$S/safe_c.lua" <<'LUA_END'
local pg = require "att.pg_c"
print(pg.connect(arg[1] .. "&application_name=other"))
LUA_END
run "$ATT" --safe "$S/safe_c.lua" "$DB"
check "--safe: the internal module refuses it too" grep -q "under --safe only a database named" "$T/out"

cat >"$S/opts.lua" <<'LUA_END'
local report = require "att.report"
local function try(opts)
  local ok, err = pcall(report.postgres, { { a = 1 } }, opts)
  print(ok, (tostring(err):gsub("\n.*", "")))
end
try({ out = arg[1], mode = "merge" })
try({ out = arg[1], table = "a.b.c" })
try({ out = arg[1], table = 5 })
try({ out = arg[1], table = string.rep("x", 64) })
try({ out = arg[1], request = 7 })
try({ out = "accounts.csv" })
try({ out = arg[1], colour = "red" })
try({ out = arg[1] .. "&dbname=nosuchdb" })
LUA_END
run "$ATT" "$S/opts.lua" "$DB"
check "options: each bad one named" sh -c '[ "$(grep -c "^false	att.report.postgres: " "$0")" = 8 ] &&
  grep -q "opts.mode must be \"replace\" or \"append\", got \"merge\"" "$0" &&
  grep -q "opts.table must be TABLE or SCHEMA.TABLE, got \"a.b.c\"" "$0" && grep -q "opts.table must be a string, got number" "$0" &&
  grep -q "is longer than PostgreSQL.s 63 bytes" "$0" && grep -q "opts.request must be a table, a string or false, got number" "$0" &&
  grep -q "opts.out must be a postgresql:// or postgres:// URI, got \"accounts.csv\"" "$0" && grep -q "unknown option \"colour\"" "$0" &&
  grep -q "cannot connect to postgresql:///attdb: .*database \"nosuchdb\" does not exist" "$0"' "$T/out"
cat >"$S/safe_eq.lua" <<'LUA_END'
print(require("att.report").postgres({ { id = 8 } }, { out = arg[1]:match("^%-%-db=(.*)$"), table = "safe" }))
LUA_END
run "$ATT" --safe "$S/safe_eq.lua" "--db=$DB"
check "--safe: the value of a --name=URI argument may be written" q_is "SELECT $rc, id FROM safe" "0|8"
run "$ATT" -e 'print(1)' "postgres://someone:$PGPW@localhost/x"
check "a database URL with a password anywhere on the command line: refused at once, status 2" sh -c '[ "$0" -eq 2 ] && ! [ -s "$1" ] && grep -q "^att: a password in the database URL is refused" "$2"' "$rc" "$T/out" "$T/err"

# ---- att search --out postgresql://... -----------------------------------------------------------
run "$ATT" search serviceType=FIBER --all --level account --out "$T/fiber.csv"
csv_rows=$(($(wc -l <"$T/fiber.csv") - 1))
run "$ATT" search serviceType=FIBER --all --level account --out "$DB"
check "att search --all --level account --out postgresql://: status 0" sh -c '[ "$0" -eq 0 ]' "$rc"
check "att search: every row (as many as --out fiber.csv)" q_is "SELECT count(*) = $csv_rows AND count(*) > 0 FROM accounts" "t"
check "att search: the columns (the API gives accountLocked as Y/N and subscribersCount as a string)" q_is "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0" \
  "individualId:text,id:text,accountType:text,serviceType:text,billingMarket:text,accountLocked:text,subscribersCount:text"
check "att search: the rows as the CSV export has them" q_is "SELECT count(*) FILTER (WHERE \"accountLocked\" IN ('Y', 'N')), count(DISTINCT id) FROM accounts" "$csv_rows|$csv_rows"
check "att search: att_runs records the base URL and the request" q_is "SELECT base_url = '$URL', request LIKE '%\"serviceType\":\"FIBER\"%', rows = $csv_rows FROM att_runs WHERE table_name = 'accounts' ORDER BY run_at DESC, rows DESC LIMIT 1" "t|t|t"
run "$ATT" search serviceType=FIBER --all --level account --columns id,createdOn,isDigitalAccount,state.state --out "$DB"
check "att search --columns: typed columns (timestamptz, boolean)" q_is "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum)
  FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0" \
  "id:text,createdOn:timestamp with time zone,isDigitalAccount:boolean,state.state:text"
check "att search --columns: the rows" q_is "SELECT $rc, count(*) = $csv_rows, count(*) FILTER (WHERE \"createdOn\" < now()) = $csv_rows FROM accounts" "0|t|t"

finish
