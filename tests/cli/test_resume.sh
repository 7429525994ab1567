#!/bin/sh
# tests/cli/test_resume.sh — the journal of a run and att resume, as a user meets them: a run stopped
# any way (SIGKILL, Ctrl-C, SIGTERM, the server gone, --max-time, a full disk) and resumed writes
# byte for byte what an uninterrupted run writes and asks the server only for what its journal does
# not hold; the failure line's resume hint; readings (time, clock, random, nonce) replayed; data
# changed under a resume; the journal's files, modes, secrets, removal, options and expiry; old
# JSON-lines recordings still replay. Prints TAP. Env: ATT, SANDBOX.
NAME=resume
. "$(dirname "$0")/lib.sh"
unset ATT_JOURNAL ATT_JOURNAL_MAX ATT_RESUME
XDG_STATE_HOME="$T/state"
export XDG_STATE_HOME
RUNS="$T/state/att/runs"
# att on PATH, for running the printed resume command as it is
mkdir -p "$T/bin"
ln -s "$(cd "$(dirname "$ATT")" && pwd)/$(basename "$ATT")" "$T/bin/att"
ATT="$T/bin/att"

# One sandbox at a time: the previous one is stopped first. PORT is its port.
sandbox() {
    [ -n "${SBPID:-}" ] && kill "$SBPID" 2>/dev/null && wait "$SBPID" 2>/dev/null
    start_sandbox "$@"
    SBPID=$!
    PORT=${URL#http://127.0.0.1:}
    PORT=${PORT%%/*}
}
# sandbox_again ARGS...: a new sandbox on the same PORT (a resumed run uses the stored base URL).
sandbox_again() {
    [ -n "${SBPID:-}" ] && kill "$SBPID" 2>/dev/null && wait "$SBPID" 2>/dev/null
    SBLOG="$T/sb.again.$n.$(date +%N).log"
    "$SANDBOX" --port "$PORT" -v "$@" >"$SBLOG.out" 2>"$SBLOG" &
    SBPID=$!
    PIDS="$PIDS $SBPID"
    i=0
    while [ $i -lt 100 ] && ! head -n 1 "$SBLOG.out" 2>/dev/null | grep -q '^http'; do
        sleep 0.05
        i=$((i + 1))
    done
}
# The most recent run's ID (the runs directory holds one at a time here), its ANSWERS and STOPPED.
runid() { ls -t "$RUNS" 2>/dev/null | head -n 1; }
answers() { "$ATT" runs | awk -v id="$1" '$1 == id { print $3 }'; }
stopped() { "$ATT" runs | awk -v id="$1" '$1 == id { print substr($0, 28, 44) }'; }
clean_runs() { rm -rf "$RUNS"; }
# resume_counted ID: att resume ID, with the requests the sandbox saw meanwhile in $asked.
resume_counted() { : >"$SBLOG"; run "$ATT" resume "$1"; asked=$(requests); }

cat >"$T/scan.lua" <<'EOF'
for p in att.search{pageSize = 50} do print(p.id) end
EOF
cat >"$T/par.lua" <<'EOF'
local items = {}
for i = 1, 30 do items[i] = {pageSize = 20, pageOffset = i} end
local pages, errors = att.parallel(items)
for i = 1, 30 do
  assert(pages[i], tostring(errors[i]))
  for _, p in ipairs(pages[i].individuals) do print(p.id) end
end
EOF

# ---- 1. stopped any way and resumed: the same bytes, no page asked twice ---------------------------
# verify LABEL PAGES WANT_RC STOPPED_PATTERN [SEAM]: after the interrupted run (its status in prc),
# checks the status, att runs' STOPPED, resumes (stdout to $T/res) and compares with $T/full. A
# resumed scan reads the last page its journal answered once more, live, to see that the data did
# not change meanwhile (SEAM 1, the default; 0 for att.parallel, which is no scan).
verify() {
    label=$1 pages=$2 want=$3 pat=$4 seam=${5:-1}
    id=$(runid)
    check "$label: exit $want, the journal kept" sh -c "[ $prc -eq $want ] && [ -n '$id' ] && [ -f '$RUNS/$id/journal' ]"
    st=$(stopped "$id")
    held=$(answers "$id")
    check "$label: att runs says '$pat' ($st)" sh -c "echo '$st' | grep -q '$pat'"
    : >"$SBLOG"
    run "$ATT" resume "$id"
    cp "$T/out" "$T/res"
    asked=$(requests)
    check "$label: the resume writes what an uninterrupted run writes" \
        sh -c "[ $rc -eq 0 ] && cmp -s '$T/res' '$T/full' && grep -q '^att: resuming run $id ($held answers' '$T/err'"
    [ "${held:-0}" -lt "$pages" ] || seam=0
    check "$label: the resume asked only what the journal lacked ($asked = $pages - $held + $seam)" \
        sh -c "[ '$held' -gt 0 ] && [ $asked -eq $((pages - ${held:-0} + seam)) ]"
    check "$label: its journal is gone after the resume" sh -c "[ ! -e '$RUNS/$id' ]"
    clean_runs
}
# signal SIG DELAY CMD...: runs CMD in the background (stdout $T/part), sends SIG after DELAY; prc.
signal() {
    sig=$1 delay=$2
    shift 2
    "$@" >"$T/part" 2>"$T/perr" &
    p=$!
    sleep "$delay"
    kill -s "$sig" "$p"
    wait "$p" 2>/dev/null
    prc=$?
    sleep "$SETTLE" # the killed run's requests in flight are logged when answered
}

for W in 1 8; do
    export ATT_WINDOW=$W
    if [ $W = 1 ]; then LAT=20 KILLS="0.25 0.6 0.95" STOP=0.5; else LAT=150 KILLS="0.45 0.7 0.95" STOP=0.6; fi
    SETTLE=$(echo "$LAT" | awk '{ printf "%.2f", $1 / 1000 + 0.25 }')
    sandbox --individuals 3000 --latency $LAT
    "$ATT" --base-url "$URL" "$T/scan.lua" >"$T/full"
    for d in $KILLS; do
        signal KILL "$d" "$ATT" --base-url "$URL" "$T/scan.lua"
        verify "1a w$W SIGKILL after ${d}s" 60 137 'killed (no end recorded)'
    done
    signal INT $STOP "$ATT" --base-url "$URL" "$T/scan.lua"
    verify "1b w$W SIGINT" 60 130 'exit 130: interrupted'
    signal TERM $STOP "$ATT" --base-url "$URL" "$T/scan.lua"
    verify "1c w$W SIGTERM" 60 143 'exit 143: terminated'
    # the server goes away mid-scan, retries exhausted; back on the same port
    "$ATT" --retries 1 --base-url "$URL" "$T/scan.lua" >"$T/part" 2>"$T/perr" &
    p=$!
    sleep 0.5
    kill "$SBPID"
    wait "$p"
    prc=$?
    sandbox_again --individuals 3000 --latency $LAT
    verify "1d w$W server gone (--retries 1)" 60 3 'exit 3: network error at page'
    # --max-time on a slow server; the resume (with the same --max-time) meets a fast one
    sandbox_again --individuals 3000 --latency 100
    run "$ATT" --max-time 0.5 --base-url "$URL" "$T/scan.lua"
    prc=$rc
    sandbox_again --individuals 3000
    verify "1e w$W --max-time 0.5" 60 7 'exit 7: '
    # a full disk: the journal holds every page, the resume asks none and writes it all
    "$ATT" --base-url "$URL" "$T/scan.lua" >/dev/full 2>"$T/perr"
    prc=$?
    check "1f w$W stdout on /dev/full: a write error, a resume hint" \
        sh -c "grep -q 'write error on standard output' '$T/perr' && grep -q 'resume with: att resume $(runid)\$' '$T/perr'"
    verify "1f w$W full disk" 60 8 'exit 8: a write failed'
done

# att.parallel, killed mid-way at window 8
export ATT_WINDOW=8
SETTLE=0.45
sandbox --individuals 600 --latency 200
"$ATT" --base-url "$URL" "$T/par.lua" >"$T/full"
for d in 0.4 0.6; do
    signal KILL "$d" "$ATT" --base-url "$URL" "$T/par.lua"
    verify "1a att.parallel SIGKILL after ${d}s" 30 137 'killed (no end recorded)' 0
done
signal INT 0.6 "$ATT" --base-url "$URL" "$T/par.lua"
verify "1b att.parallel SIGINT" 30 130 'exit 130: interrupted' 0

# att search --all, CSV, window 1
export ATT_WINDOW=1
SETTLE=0.25
sandbox --individuals 2000 --latency 20
"$ATT" --base-url "$URL" search --all pageSize=50 --format csv >"$T/full"
signal KILL 0.4 "$ATT" --base-url "$URL" search --all pageSize=50 --format csv
verify "1a att search --all --format csv SIGKILL" 40 137 'killed (no end recorded)'
signal TERM 0.5 "$ATT" --base-url "$URL" search --all pageSize=50 --format csv
verify "1c att search --all --format csv SIGTERM" 40 143 'exit 143: terminated'
unset ATT_WINDOW

# ---- 2. the failure line ----------------------------------------------------------------------------
sandbox --individuals 500 --fault status=500,after=4,count=1
run "$ATT" --window 1 --retries 0 --base-url "$URL" "$T/scan.lua"
id=$(runid)
check "2 stdout a regular file: the line ends '; resume with: att resume $id > $T/out'" \
    sh -c "[ $rc -eq 6 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^att: HTTP 500 at page 5 of 10 .*; resume with: att resume $id > $T/out\$' '$T/err'"
clean_runs
sandbox --individuals 500 --fault status=500,after=4,count=1
"$ATT" --window 1 --retries 0 --base-url "$URL" "$T/scan.lua" 2>"$T/err" | cat >/dev/null
id=$(runid)
hint=$(sed -n 's/.*; resume with: //p' "$T/err")
check "2 stdout a pipe: the line ends 'resume with: att resume $id', no '>'" \
    sh -c "grep -q '; resume with: att resume $id\$' '$T/err' && [ '$hint' = 'att resume $id' ]"
rc=0
PATH="$T/bin:$PATH" sh -c "$hint" >"$T/out" 2>"$T/err" || rc=$?
check "2 the printed command, run as it is, finishes the run" \
    sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 500 ] && [ ! -e '$RUNS/$id' ]"
clean_runs
sandbox --individuals 500 --fault status=500,after=4,count=1
run "$ATT" --window 1 --retries 0 --base-url "$URL" "$T/scan.lua"
id=$(runid)
hint=$(sed -n 's/.*; resume with: //p' "$T/err")
rc=0
PATH="$T/bin:$PATH" sh -c "$hint" 2>"$T/err" || rc=$?
check "2 the printed command with its '> FILE' rewrites the file whole" \
    sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 500 ] && [ \$(sort -u '$T/out' | wc -l) -eq 500 ] && [ ! -e '$RUNS/$id' ]"
clean_runs

# ---- 3. readings: the clock, the seed and att.nonce are the first run's -----------------------------
cat >"$T/read.lua" <<'EOF'
io.write(os.time(), " ", os.date("%c"), " ", os.clock(), " ", math.random(1e9), " ", att.nonce(), "\n")
io.stdout:flush()
for p in att.search{pageSize = 50} do print(p.id) end
EOF
sandbox --individuals 500 --fault status=500,after=4,count=1
run "$ATT" --window 1 --retries 0 --base-url "$URL" "$T/read.lua"
first=$(head -n 1 "$T/out")
id=$(runid)
sleep 1.1
run "$ATT" resume "$id"
check "3 resumed after 1.1 s: the first line is the first run's ($first)" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(head -n 1 '$T/out')\" = '$first' ] && [ \$(wc -l <'$T/out') -eq 501 ]"
clean_runs
sandbox --individuals 10
run "$ATT" --base-url "$URL" -e 'print(att.nonce(), math.random(1e9))'
a=$(cat "$T/out")
run "$ATT" --base-url "$URL" -e 'print(att.nonce(), math.random(1e9))'
b=$(cat "$T/out")
a1=$(echo "$a" | cut -f1) a2=$(echo "$a" | cut -f2) b1=$(echo "$b" | cut -f1) b2=$(echo "$b" | cut -f2)
check "3 runs that succeed read new values each time ($a / $b)" \
    sh -c "[ -n '$a1' ] && [ -n '$a2' ] && [ '$a1' != '$b1' ] && [ '$a2' != '$b2' ]"

# ---- 4. the data changed under a resume: every id once, or a drift error ---------------------------
sandbox --individuals 1000
"$ATT" --base-url "$URL" "$T/scan.lua" | sort >"$T/orig"
for F in "--fault insert=7,at=0" "--fault insert=7,at=end" "--fault remove=3,at=0" "--seed 2"; do
    sandbox_again --individuals 1000 --fault status=500,after=6,count=1
    run "$ATT" --window 1 --retries 0 --base-url "$URL" "$T/scan.lua"
    prc=$rc
    id=$(runid)
    # shellcheck disable=SC2086 # F is several words
    sandbox_again --individuals 1000 $F
    run "$ATT" resume "$id"
    dups=$(sort "$T/out" | uniq -d | wc -l)
    missing=$(sort "$T/out" | comm -23 "$T/orig" - | wc -l)
    case "$F" in *insert*) need=0 ;; *) need=$missing ;; esac
    check "4 resumed over changed data ($F): exit 0 with every id once ($dups doubled, $missing missing), or exit 6 'drift'" \
        sh -c "[ $prc -eq 6 ] && { { [ $rc -eq 0 ] && [ $dups -eq 0 ] && [ $missing -eq $need ]; } || { [ $rc -eq 6 ] && grep -q drift '$T/err'; }; }"
    case "$F" in *seed*)
        check "4 resumed over another data set ($F): the re-read page shows it, a drift error, exit 6, no silent mix" \
            sh -c "[ $rc -eq 6 ] && grep -q 'the data changed since the run was interrupted: the page at pageOffset [0-9]*, read again, holds 50 records (of 50) the run was never sent' '$T/err'" ;;
    esac
    clean_runs
done

# ---- 5. the journal's files -------------------------------------------------------------------------
sandbox --individuals 150 --token s3cr3t-t0ken --fault status=500,after=2,count=1 --fault echo-page
ATT_TOKEN=s3cr3t-t0ken run "$ATT" --window 1 --retries 0 --base-url "$URL" "$T/scan.lua"
id=$(runid)
check "5 a failed run keeps its journal: directory 700, files 600" \
    sh -c "[ $rc -eq 6 ] && [ \$(stat -c %a '$RUNS/$id') = 700 ] && [ -s '$RUNS/$id/journal' ] && [ \$(stat -c %a '$RUNS/$id/journal') = 600 ] && [ \$(stat -c %a '$RUNS/$id/run.json') = 600 ] && [ \$(stat -c %a '$RUNS/$id/status.json') = 600 ]"
check "5 the token (echoed into the records by the server) is in no file of the journal" \
    sh -c "[ \$(grep -a -c '^@J x ' '$RUNS/$id/journal') -eq 2 ] && ! grep -r -q s3cr3t-t0ken '$RUNS' && ! grep -q ATT_TOKEN '$RUNS/$id/run.json'"
ATT_TOKEN=s3cr3t-t0ken run "$ATT" resume "$id"
check "5 the resume takes the token from its own environment, and its journal is removed" \
    sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 150 ] && [ -z \"\$(ls -A '$RUNS')\" ]"
sandbox --individuals 300
run "$ATT" --base-url "$URL" "$T/scan.lua"
check "5 a run that succeeds leaves nothing" sh -c "[ $rc -eq 0 ] && [ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ]"
sandbox --individuals 300 --fault status=500,after=2,count=1
run "$ATT" --no-journal --retries 0 --window 1 --base-url "$URL" "$T/scan.lua"
check "5 --no-journal: nothing kept after a failure, no resume hint" \
    sh -c "[ $rc -eq 6 ] && [ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ] && ! grep -q 'resume with' '$T/err'"
sandbox --individuals 300 --fault status=500,after=2,count=1
ATT_JOURNAL=off run "$ATT" --retries 0 --window 1 --base-url "$URL" "$T/scan.lua"
check "5 ATT_JOURNAL=off: nothing kept after a failure, no resume hint" \
    sh -c "[ $rc -eq 6 ] && [ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ] && ! grep -q 'resume with' '$T/err'"
sandbox --individuals 300 --fault status=500,after=2,count=1
"$ATT" --journal "$T/jd" --retries 0 --window 1 --base-url "$URL" "$T/scan.lua" 2>"$T/err" | cat >/dev/null
id=$(ls "$T/jd" 2>/dev/null | head -n 1)
check "5 --journal DIR: the run is in DIR, the hint says 'att --journal DIR resume ID'" \
    sh -c "[ -n '$id' ] && [ -f '$T/jd/$id/journal' ] && [ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ] && grep -q 'resume with: att --journal $T/jd resume $id\$' '$T/err'"
run "$ATT" --journal "$T/jd" resume "$id"
check "5 att --journal DIR resume ID finishes it" sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 300 ] && [ ! -e '$T/jd/$id' ]"
# expiry
sandbox --individuals 300 --fault status=500,after=2,count=1
run "$ATT" --retries 0 --window 1 --base-url "$URL" "$T/scan.lua"
old=$(runid)
touch -d '8 days ago' "$RUNS/$old/run.json" "$RUNS/$old/journal"
sandbox --individuals 300 --fault status=500,after=2,count=1
run "$ATT" --retries 0 --window 1 --base-url "$URL" "$T/scan.lua"
new=$(ls "$RUNS" | grep -v "$old")
touch -d '6 days ago' "$RUNS/$new/run.json" "$RUNS/$new/journal"
run "$ATT" runs
check "5 att runs removes a journal 8 days old, keeps one 6 days old" \
    sh -c "[ -n '$old' ] && [ -n '$new' ] && [ ! -e '$RUNS/$old' ] && [ -d '$RUNS/$new' ] && grep -q '^$new ' '$T/out' && ! grep -q '^$old ' '$T/out'"
clean_runs
# the size cap
sandbox --individuals 500 --fault big=300K
run "$ATT" --journal-max 1M --window 1 --base-url "$URL" "$T/scan.lua"
check "5 --journal-max 1M, 10 pages of 300K: a warning about the cap, the run succeeds" \
    sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$T/out') -eq 500 ] && grep -q 'reached its size cap' '$T/err' && [ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ]"
sandbox_again --individuals 500 --fault status=500,after=8,count=1 --fault big=300K
run "$ATT" --journal-max 1M --window 1 --retries 0 --base-url "$URL" "$T/scan.lua"
id=$(runid)
held=$(answers "$id")
resume_counted "$id"
check "5 after a failure past the cap the resume asks again for what was not journaled ($asked = 10 - $held + 1 seam check)" \
    sh -c "[ $rc -eq 0 ] && [ '$held' -gt 0 ] && [ '$held' -lt 8 ] && [ $asked -eq $((10 - ${held:-0} + 1)) ] && [ \$(wc -l <'$T/out') -eq 500 ]"
clean_runs
# a torn journal: a SIGKILL, the last record cut by a few bytes
SETTLE=0.25
sandbox --individuals 3000 --latency 20
"$ATT" --window 1 --base-url "$URL" "$T/scan.lua" >"$T/full"
signal KILL 0.6 "$ATT" --window 1 --base-url "$URL" "$T/scan.lua"
id=$(runid)
held=$(answers "$id")
truncate -s -5 "$RUNS/$id/journal"
left=$(answers "$id")
resume_counted "$id"
check "5 a torn journal ($held answers, $left whole after the cut) resumes, asking only the cut page again ($asked = 60 - $left + 1 seam check)" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/full' && [ '$held' -gt 1 ] && [ $left -eq $((held - 1)) ] && [ $asked -eq $((60 - left + 1)) ]"
clean_runs
# no such run; a run still going; a changed script
run "$ATT" resume nosuchid
check "5 att resume nosuchid: exit 2, one clear line" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q \"^att resume: no run 'nosuchid' in .*(att runs lists them)\" '$T/err'"
sandbox --individuals 300 --fault hang,after=2
"$ATT" --window 1 --base-url "$URL" "$T/scan.lua" >"$T/part" 2>"$T/perr" &
p=$!
sleep 0.5
id=$(runid)
st=$(stopped "$id")
run "$ATT" resume "$id"
check "5 att resume of a run still going: exit 2, it is in use; att runs says running" \
    sh -c "[ $rc -eq 2 ] && grep -q 'run $id is still going' '$T/err' && echo '$st' | grep -q '^running'"
kill -INT "$p"
wait "$p" 2>/dev/null
clean_runs
cp "$T/scan.lua" "$T/scan2.lua"
sandbox --individuals 300 --fault status=500,after=2,count=1
run "$ATT" --retries 0 --window 1 --base-url "$URL" "$T/scan2.lua"
id=$(runid)
echo "-- changed" >>"$T/scan2.lua"
run "$ATT" resume "$id"
check "5 a script changed since the run: the resume warns 'changed since run'" \
    sh -c "[ $rc -eq 0 ] && grep -q 'scan2.lua changed since run $id' '$T/err' && [ \$(wc -l <'$T/out') -eq 300 ]"
clean_runs

# ---- 6. a hand-written JSON-lines recording still replays -----------------------------------------
mkdir -m 700 "$T/rec"
"$ATT" - "$T/rec" <<'EOF'
local page = att.json.encode{totalCount = 2, pageInfo = {pageSize = 50, pageOffset = 1},
  individuals = {{id = "a1", givenName = "ANN"}, {id = "b2", givenName = "BOB"}}}
local f = assert(io.open(arg[1] .. "/session.jsonl", "w"))
f:write(att.json.encode{method = "POST", path = "/v1/customers/search", body = "{\"pageOffset\":1,\"pageSize\":50}",
                        status = 200, contentType = "application/json", response = page}, "\n")
f:close()
EOF
run "$ATT" --replay "$T/rec" "$T/scan.lua"
check "6 --replay of a hand-written session.jsonl" out_is "$(printf 'a1\nb2')"
check "6 a replay keeps no journal" sh -c "[ -z \"\$(ls -A '$RUNS' 2>/dev/null)\" ]"

finish
