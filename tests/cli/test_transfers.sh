#!/bin/sh
# tests/cli/test_transfers.sh — the transfers of the HTTP core as a user meets them: the stall
# clock (from the start of an attempt, reset by every header and body byte), retries under a
# window at --window 1, 8 and 64, and requests counted when they start (a page queued and then
# cancelled counts nothing). Prints TAP. Env: ATT, SANDBOX.
NAME=xfer
. "$(dirname "$0")/lib.sh"

SCAN='local n = 0 for p in att.search{} do n = n + 1 end local s = att.stats() print(n, s.requests, s.attempts)'
TOTAL='print(att.search{}:total())'
CATCH='local ok, e = pcall(function() return att.search{}:total() end) print(ok, type(e) == "table" and e.kind or e)'

# ---- 1. stall: headers, then silence ----------------------------------------------------------------
# The server sends 200 and its headers at once, then nothing for 3 s: with --stall-timeout 0.5 the
# attempt is abandoned 0.5 s after the headers (it used to wait for the whole --timeout).
start_sandbox --fault silence=3000
t0=$(ms)
run "$ATT" --base-url "$URL" --stall-timeout 0.5 --retries 0 -e "$TOTAL"
t1=$(ms)
STALL_RC=$rc
check "silence after the headers: fails within 1 s ($((t1 - t0)) ms)" sh -c "[ $rc -ne 0 ] && [ $((t1 - t0)) -lt 1000 ]"
check "silence: a clear stall error" has_err "transfer stalled: nothing received for 0.5 s (--stall-timeout)"
check "silence: nothing on stdout" sh -c "[ ! -s '$T/out' ]"
run "$ATT" --base-url "$URL" --stall-timeout 0.5 --retries 0 -e "$CATCH"
check "silence: the error object is of kind network" out_is "false	network"
# Exit status: DESIGN.md gives 3 to network errors: a stall exits exactly as a refused connection does.
run "$ATT" --base-url "http://127.0.0.1:1/omni-svcs" --retries 0 -e "$TOTAL"
check "silence: exits as any network error does ($STALL_RC; a refused connection: $rc)" sh -c "[ $STALL_RC -eq $rc ]"
check "silence: exit status 3 (network)" sh -c "[ $STALL_RC -eq 3 ]"

# With retries, each attempt is abandoned after 0.5 s: 3 attempts well under one silence of 3 s.
t0=$(ms)
run "$ATT" --base-url "$URL" --stall-timeout 0.5 --retries 2 --max-wait 1 -e "$TOTAL"
t1=$(ms)
check "silence, 2 retries: gives up in 3 attempts in under 3 s ($((t1 - t0)) ms)" \
    sh -c "[ $rc -ne 0 ] && [ $((t1 - t0)) -lt 3000 ] && grep -q '(3 attempts)' '$T/err'"

# A body that trickles stays alive: 300 ms before the headers, half the body, 300 ms of nothing, the
# rest; each pause is under the 0.5 s limit, the whole answer is not.
for W in 1 8 64; do
    start_sandbox --individuals 150 --latency 300 --fault stall=300
    t0=$(ms)
    run "$ATT" --base-url "$URL" --stall-timeout 0.5 --retries 0 --window "$W" -e "$SCAN"
    t1=$(ms)
    check "trickling pages at --window $W: the full scan, no stall ($((t1 - t0)) ms)" out_is "150	3	3"
done

# A server that takes longer than the limit before its headers is stalled too: the clock runs
# from the start of the attempt.
start_sandbox --fault slow=2000
t0=$(ms)
run "$ATT" --base-url "$URL" --stall-timeout 0.5 --retries 0 -e "$TOTAL"
t1=$(ms)
check "nothing at all for 2 s: a stall after 0.5 s ($((t1 - t0)) ms)" \
    sh -c "[ $rc -ne 0 ] && [ $((t1 - t0)) -lt 1500 ] && grep -q 'transfer stalled' '$T/err'"

# ---- 3 and 4. retries within the window; requests counted as they start -------------------------------
# Every second search is answered 503 (30 times in all). The default of 4 retries is enough: a
# page's retry is the next request but one at most a few times in a row even at --window 64.
for W in 1 8 64; do
    start_sandbox --individuals 2000 --fault status=503,every=2,count=30
    t0=$(ms)
    run "$ATT" --base-url "$URL" --window "$W" -e 'local n=0 for p in att.search{} do n=n+1 end print(n)'
    t1=$(ms)
    check "503 every 2nd request at --window $W: 2000 individuals, exit 0 ($((t1 - t0)) ms)" \
        sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = 2000 ]"
    start_sandbox --individuals 2000 --fault status=503,every=2,count=30
    run "$ATT" --base-url "$URL" --window "$W" -e "$SCAN"
    sent=$(requests)
    check "--window $W: 40 requests, one attempt per request the server saw ($sent)" \
        sh -c "[ \"\$(cut -f1,2 '$T/out')\" = '2000	40' ] && [ \"\$(cut -f3 '$T/out')\" = $sent ] && [ $sent = 70 ]"
done

# Pages requested ahead and then cancelled before they started count nothing: under --rate 1 the
# pages after the second wait for their turn when the loop breaks.
for W in 1 8 64; do
    start_sandbox --individuals 200
    run "$ATT" --base-url "$URL" --rate 1 --window "$W" -e 'local i = 0
for p in att.search{pageSize=10} do i = i + 1 if i == 12 then break end end
local s = att.stats() print(s.requests, s.attempts)'
    sent=$(requests)
    check "--window $W: a break cancels the queued pages; requests = attempts = what the server saw ($sent)" \
        sh -c "[ \"\$(cat '$T/out')\" = '$sent	$sent' ] && [ $sent -eq 2 ]"
done

finish
