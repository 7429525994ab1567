#!/bin/sh
# tests/cli/test_output.sh — nothing written is lost, and a lost write is never exit 0: standard
# output, standard error, files a script opens (io.open, io.output, --safe), att.report's writers
# on a full disk (/dev/full) or over the file size limit (ulimit -f) end with
# "att: write error on NAME: reason" and status 8 (the script's own status when it failed);
# closed standard streams; SIGTERM and SIGHUP mid-report write complete lines only (143, 129);
# a reader that closes the pipe (att | head) ends it quietly with 141. Prints TAP. Env: ATT.
NAME=output
. "$(dirname "$0")/lib.sh"
case $ATT in /*) ;; *) ATT=$(pwd)/$ATT ;; esac
cd "$T" || exit 2
FULL="No space left on device"
BIG='("x"):rep(100000)'
err_is() { [ "$(cat "$T/err")" = "$1" ]; }
lost() { # lost DESCRIPTION STATUS NAME REASON: the status, and the write error line on stderr
    check "$1" sh -c "[ $rc -eq $2 ] && grep -qxF 'att: write error on $3: $4' '$T/err'"
}
# complete_lines FILE: not empty, and every line is a whole row of the loop below
ROWS='for i = 1, 1e9 do print(i, ("x"):rep(50)) end'
complete_lines() { [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] &&
    ! grep -qvE '^[0-9]+	x{50}$' "$1"; }

# ---- standard output on a full disk -------------------------------------------------------------
for w in 'print("a")' 'io.write("a")' 'io.stdout:write("a")' "io.write($BIG)"; do
    "$ATT" -e "$w" >/dev/full 2>"$T/err"; rc=$?
    lost "$w >/dev/full: status 8 and the message" 8 "standard output" "$FULL"
done
"$ATT" -e 'io.stdout:setvbuf("no") print("a") print(io.stdout:write("b"))' >/dev/full 2>"$T/err"; rc=$?
lost "unbuffered standard output on /dev/full: 8" 8 "standard output" "$FULL"

# ---- files the script opens ---------------------------------------------------------------------
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write($BIG) f:close()"
lost "io.open /dev/full, a big write and its error ignored: 8" 8 /dev/full "$FULL"
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write('a\n') print(f:close())"
lost "f:close() fails: 8" 8 /dev/full "$FULL"
check "f:close() gives the script nil, message, errno" out_is "$(printf 'nil\t%s\t28' "$FULL")"
run "$ATT" -e "local f = io.open('/dev/full', 'a') f:write('a\n')"
lost "a file left open at the end (mode a): 8" 8 /dev/full "$FULL"
run "$ATT" -e "do local f = io.open('/dev/full', 'w+') f:write('a\n') end collectgarbage() collectgarbage() print('after')"
lost "a file collected by the GC (mode w+): 8" 8 /dev/full "$FULL"
check "the GC's lost write is reported when it happens, the run goes on" out_is after
run "$ATT" -e "io.output('/dev/full') io.write('a\n')"
lost "io.output(name) on /dev/full: 8" 8 /dev/full "$FULL"
run "$ATT" -e "io.output('/dev/full') io.write($BIG) io.close()"
lost "io.output, a big io.write ignored, io.close(): 8" 8 /dev/full "$FULL"
check "one line per lost write" sh -c "[ \$(grep -c 'write error' '$T/err') -eq 1 ]"

# ---- att.report's writers -----------------------------------------------------------------------
RROWS='{{id = 1, name = "a"}, {id = 2, name = "b"}}'
for fmt in csv tsv jsonl json markdown table html; do
    run "$ATT" -e "require('att.report').write('$fmt', $RROWS, {out = '/dev/full'})"
    lost "report.$fmt to the path /dev/full: 8" 8 /dev/full "$FULL"
    "$ATT" -e "require('att.report').write('$fmt', $RROWS)" >/dev/full 2>"$T/err"; rc=$?
    lost "report.$fmt to standard output on /dev/full: 8" 8 "standard output" "$FULL"
done
run "$ATT" -e "require('att.report').csv($RROWS, {out = io.open('/dev/full', 'w')})"
lost "report.csv to a handle on /dev/full: 8" 8 /dev/full "$FULL"

# ---- the success case: everything there, byte for byte ------------------------------------------
run "$ATT" -e "local f = io.open('a.txt', 'w') f:write('one\n', 2, '\n') f:close()
io.output('b.txt') io.write('three\n')
local g = io.open('c.txt', 'w') g:write('left open\n')
require('att.report').csv($RROWS, {out = 'r.csv', columns = {'id', 'name'}})
print('stdout')"
check "success: status 0, nothing on stderr" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/err' ]"
check "success: io.open file" sh -c "[ \"\$(cat a.txt)\" = \"\$(printf 'one\n2')\" ]"
check "success: io.output file (never closed)" sh -c "[ \"\$(cat b.txt)\" = three ]"
check "success: a file left open is written at the end" sh -c "[ \"\$(cat c.txt)\" = 'left open' ]"
check "success: report.csv file" sh -c "printf 'id,name\r\n1,a\r\n2,b\r\n' | cmp -s - r.csv"
check "success: standard output" out_is stdout

# ---- the script failed too: its status, both messages -------------------------------------------
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write('a\n') error('boom')"
lost "script error + lost write: status 1, the write error line" 1 /dev/full "$FULL"
check "script error + lost write: the script's error too" has_err "^att: (command line):1: boom"
"$ATT" -e "print('a') error('boom')" >/dev/full 2>"$T/err"; rc=$?
lost "script error + lost standard output: status 1" 1 "standard output" "$FULL"
check "... and the script's error" has_err "boom"

# ---- os.exit is no way around the check ---------------------------------------------------------
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write('a\n') os.exit(0)"
lost "os.exit(0) after an unflushed write to /dev/full: 8" 8 /dev/full "$FULL"
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write('a\n') os.exit(true, true)"
lost "os.exit(true, true): 8" 8 /dev/full "$FULL"
run "$ATT" -e "local f = io.open('/dev/full', 'w') f:write('a\n') os.exit(3)"
lost "os.exit(3) with a lost write: the script's 3, and the message" 3 /dev/full "$FULL"
"$ATT" -e "print('a') os.exit(0)" >/dev/full 2>"$T/err"; rc=$?
lost "os.exit(0) after print to /dev/full: 8" 8 "standard output" "$FULL"
run "$ATT" -e "local f = io.open('e.txt', 'w') f:write('kept\n') os.exit(0)"
check "os.exit(0) after a good write: 0, the file written" sh -c "[ $rc -eq 0 ] && [ \"\$(cat e.txt)\" = kept ]"

# ---- the file size limit (ulimit -f: 100 blocks of 512 bytes) -----------------------------------
sh -c "ulimit -f 100; exec \"\$0\" -e 'for i = 1, 2e4 do print(i, (\"x\"):rep(50)) end'" "$ATT" >fsize.txt 2>"$T/err"; rc=$?
lost "ulimit -f, standard output: 8 (not SIGXFSZ)" 8 "standard output" "File too large"
check "ulimit -f: standard output holds complete lines only" complete_lines fsize.txt
sh -c "ulimit -f 100; exec \"\$0\" --safe -e 'local f = io.open(\"s1.txt\", \"w\") for i = 1, 1e4 do f:write(i, (\"x\"):rep(50), \"\\n\") end f:close()'" "$ATT" 2>"$T/err"; rc=$?
lost "--safe io.open over the file size limit: 8" 8 s1.txt "File too large"
sh -c "ulimit -f 100; exec \"\$0\" --safe -e 'io.output(\"s2.txt\") for i = 1, 1e4 do io.write(i, (\"x\"):rep(50), \"\\n\") end'" "$ATT" 2>"$T/err"; rc=$?
lost "--safe io.output over the file size limit, never closed: 8" 8 s2.txt "File too large"
sh -c "ulimit -f 100; exec \"\$0\" --safe -e 'local r = {} for i = 1, 2000 do r[i] = {id = i, n = (\"x\"):rep(40)} end require(\"att.report\").csv(r, {out = \"s3.csv\"})'" "$ATT" 2>"$T/err"; rc=$?
check "--safe report.csv over the file size limit: 8, the partial output kept and named" sh -c "[ $rc -eq 8 ] &&
    grep -qx 'att: write error on s3.csv.att-partial-[0-9]*: File too large' '$T/err' &&
    grep -q 'partial output kept in s3.csv.partial' '$T/err' && [ ! -e s3.csv ] && [ -s s3.csv.partial ]"
"$ATT" --safe -e 'print("a")' >/dev/full 2>"$T/err"; rc=$?
lost "--safe print to /dev/full: 8" 8 "standard output" "$FULL"

# ---- standard error; closed standard streams ----------------------------------------------------
"$ATT" -e 'io.stderr:write("a\n")' 2>/dev/full; rc=$?
check "io.stderr:write to /dev/full: 8" rc_is 8
"$ATT" --safe -e 'os.getenv("HOME")' 2>/dev/full; rc=$?
check "a warning on a full standard error: 8" rc_is 8
"$ATT" --safe -e 'os.getenv("HOME")' 2>"$T/err"; rc=$?
check "(the same warning on a good standard error: 0)" sh -c "[ $rc -eq 0 ] && grep -q warning '$T/err'"
"$ATT" -e 'print("a")' >&- 2>"$T/err"; rc=$?
lost "closed standard output (>&-): 8" 8 "standard output" "Bad file descriptor"
"$ATT" -e 'io.stderr:write("a\n")' 2>&-; rc=$?
check "closed standard error (2>&-) written to: 8" rc_is 8
"$ATT" -e 'error("boom")' 2>&-; rc=$?
check "closed standard error, a script error: 1, no crash" rc_is 1
"$ATT" -e 'local f = io.open("fd.txt", "w") print("meant for stdout") f:write("file\n") f:close()' >&- 2>"$T/err"; rc=$?
check "closed standard output: a file the script opens does not receive print's output" \
    sh -c "[ $rc -eq 8 ] && [ \"\$(cat fd.txt)\" = file ]"
"$ATT" -e 'local f = io.open("fd2.txt", "w") io.stderr:write("meant for stderr\n") f:write("file\n") f:close()' 2>&-; rc=$?
check "closed standard error: a file the script opens does not receive stderr's output" \
    sh -c "[ $rc -eq 8 ] && [ \"\$(cat fd2.txt)\" = file ]"

# ---- SIGTERM and SIGHUP mid-report --------------------------------------------------------------
for s in TERM:143 HUP:129 INT:130; do
    sig=${s%:*} want=${s#*:}
    "$ATT" -e "$ROWS" >"sig$sig.txt" 2>"$T/err" &
    P=$!
    sleep 0.3
    kill -"$sig" $P
    wait $P
    rc=$?
    check "SIG$sig mid-report: status $want" rc_is "$want"
    check "SIG$sig mid-report: the file holds complete lines only" complete_lines "sig$sig.txt"
done

"$ATT" --help >/dev/full 2>"$T/err"; rc=$?
lost "att --help >/dev/full: 8" 8 "standard output" "$FULL"
"$ATT" --version >/dev/full 2>"$T/err"; rc=$?
lost "att --version >/dev/full: 8" 8 "standard output" "$FULL"

# ---- a reader that closes the pipe: quietly 141 -------------------------------------------------
{ "$ATT" -e "$ROWS" 2>"$T/err"; echo $? >"$T/rc"; } | head -1 >"$T/out"
rc=$(cat "$T/rc")
check "att | head -1: status 141" rc_is 141
check "att | head -1: nothing on stderr" sh -c "[ ! -s '$T/err' ]"
check "att | head -1: the first line" sh -c "grep -qE '^1	x{50}$' '$T/out'"

finish
