#!/bin/sh
# tests/cli/test_scan_faults.sh — what a scan does with a server that misbehaves, as a user meets it
# (one line on stderr, the exit status of att(1), nothing silently short or doubled), at --window 1,
# 8 and 64: pages that repeat in any pattern, HTTP errors with empty bodies, malformed pages, values
# that would overflow, 64-bit integers, att.configure during a scan, loops left early. The exactly-once
# guarantee under inserts and removals is tests/lua/test_exactly_once.lua's. Prints TAP. Env: ATT, SANDBOX.
NAME=scanfaults
. "$(dirname "$0")/lib.sh"

# One sandbox at a time: the previous one is stopped first.
sandbox() { [ -n "${SBPID:-}" ] && kill "$SBPID" 2>/dev/null; start_sandbox "$@"; SBPID=$!; }

COUNT='local n, seen, dup = 0, {}, 0
for p in att.search{pageSize = 10} do n = n + 1 if seen[p.id] then dup = dup + 1 end seen[p.id] = true end
print(n, dup)'
CATCH='local ok, e = pcall(function() for _ in att.search{pageSize = 10} do end end)
print(ok, type(e), type(e) == "table" and e.kind, type(e) == "table" and e.status, type(e) == "table" and e.message)'

for W in 1 8 64; do
    # ---- 2. a server that ignores pageOffset, in any pattern ---------------------------------------
    for F in offset-mod=2 offset-mod=3 offset-as=1 offset-as=2 repeat-pages; do
        sandbox --individuals 100 --fault "$F"
        run "$ATT" --window $W --base-url "$URL" -e "$COUNT"
        check "w$W $F: a protocol error, exit 6, no duplicate yielded" \
            sh -c "[ $rc -eq 6 ] && grep -q 'unexpected response from .*repeats the .*(the server ignores pageOffset)' '$T/err' && [ ! -s '$T/out' ]"
    done
    sandbox --individuals 100 --paging record
    run "$ATT" --window $W --base-url "$URL" -e "$COUNT"
    check "w$W record-offset server read by page numbers: overlap is a protocol error with a hint" \
        sh -c "[ $rc -eq 6 ] && grep -q 'overlaps the previous page.*paging = \"record\"' '$T/err'"
    run "$ATT" --window $W --base-url "$URL" -e 'local n = 0 for _ in att.search({pageSize = 10}, {paging = "record"}) do n = n + 1 end print(n)'
    check "w$W record paging reads it all" out_is "100"
done

# ---- 3. every failure is an error object, whatever the body; exit statuses by kind ------------------
for C in 401:4 403:4 404:5 418:5 429:6 500:6 503:6 301:6 302:6 304:6; do
    code=${C%%:*} want=${C#*:}
    sandbox --fault "empty=$code"
    run "$ATT" --retries 0 --base-url "$URL" -e "$CATCH"
    check "empty body, HTTP $code: pcall returns an error object of kind http with a message" \
        sh -c "grep -q '^false	table	http	$code	.' '$T/out'"
    run "$ATT" --retries 0 --base-url "$URL" -e 'att.search{}:total()'
    check "empty body, HTTP $code uncaught: one clear line, exit $want" \
        sh -c "[ $rc -eq $want ] && grep -q '^att: HTTP $code from ' '$T/err' && ! grep -q 'nil value' '$T/err'"
done
sandbox --fault html=502
run "$ATT" --retries 0 --base-url "$URL" -e "$CATCH"
check "an HTML error page is an error object too" sh -c "grep -q '^false	table	http	502	' '$T/out'"
run "$ATT" --retries 0 --base-url "http://127.0.0.1:1/omni-svcs" -e "$CATCH"
check "a transport failure is an error object of kind network" sh -c "grep -q '^false	table	network' '$T/out'"

# ---- 6. malformed pages: protocol errors naming the page and the index -----------------------------
for M in individuals-object:'individuals is not an array' individuals-null:'no individuals array' \
    individuals-missing:'no individuals array' individuals-string:'no individuals array' \
    item-null:'individual 4 of the page at pageOffset 2 is not an object' \
    item-number:'individual 4 of the page at pageOffset 2 is not an object' \
    item-string:'individual 4 of the page at pageOffset 2 is not an object' \
    item-array:'individual 4 of the page at pageOffset 2 is not an object' \
    no-id:'individual 4 of the page at pageOffset 2 has no id' id-null:'individual 4 of the page at pageOffset 2 has no id' \
    id-object:'individual 4 of the page at pageOffset 2 has no id' id-bool:'individual 4 of the page at pageOffset 2 has no id' \
    id-empty:'individual 4 of the page at pageOffset 2 has no id' dup-id:'pageOffset 2 holds the id of individual 4 twice' \
    total-missing:'no totalCount' total-float:'no totalCount' total-negative:'no totalCount' total-string:'no totalCount' \
    total-over:'no totalCount' page-size-zero:'pageInfo.pageSize is not an integer' \
    page-size-huge:'pageInfo.pageSize is not an integer' page-size-float:'pageInfo.pageSize is not an integer' \
    page-size-string:'pageInfo.pageSize is not an integer' not-object:'not a JSON object'; do
    what=${M%%:*} msg=${M#*:}
    sandbox --individuals 60 --fault "malformed=$what,after=1,at=3"
    run "$ATT" --base-url "$URL" -e "$COUNT"
    check "malformed $what: protocol error, exit 6: '$msg'" \
        sh -c "[ $rc -eq 6 ] && grep -q '^att: unexpected response from .*$msg' '$T/err' && [ ! -s '$T/out' ]"
done
# pcall gets the object: kind protocol, the page's status
sandbox --individuals 60 --fault "malformed=item-null,after=1,at=3"
run "$ATT" --base-url "$URL" -e "$CATCH"
check "malformed item under pcall: an error object of kind protocol" sh -c "grep -q '^false	table	protocol	200	individual 4 of the page at pageOffset 2' '$T/out'"

# ---- 7. and 10. values that would overflow; 64-bit integers exactly -------------------------------
sandbox --individuals 30 --fault "malformed=total-huge"
run "$ATT" --base-url "$URL" -e 'local r = att.search{pageSize = 10} local n = 0 for _ in r do n = n + 1 end print(n, r:total(), math.type(r:total()))'
check "totalCount 9e18: no overflow, the scan ends at its short page" sh -c "[ $rc -eq 0 ] && grep -q '^30	9000000000000000000	integer' '$T/out'"
sandbox --individuals 30 --fault "malformed=total-max"
run "$ATT" --base-url "$URL" -e 'local r = att.search{pageSize = 10} print(r:total(), math.type(r:total())) local n = 0 for _ in r do n = n + 1 end print(n)'
check "totalCount 9223372036854775807 (19 digits): exact, an integer, no overflow" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(head -1 '$T/out')\" = '9223372036854775807	integer' ] && [ \"\$(tail -1 '$T/out')\" = 30 ]"
run "$ATT" --base-url "$URL" -e 'print(att.search{pageOffset = math.maxinteger}:total())'
check "pageOffset = math.maxinteger: a clear parameter error, no overflow" \
    sh -c "[ $rc -eq 1 ] && grep -q 'pageOffset must be an integer from 1 to 9007199254740992' '$T/err'"
run "$ATT" --base-url "$URL" -e 'print(att.search{pageOffset = 2^40, pageSize = 2^20}:total())'
check "pageOffset x pageSize past 2^53: a clear parameter error" sh -c "[ $rc -eq 1 ] && grep -q 'past the last position att can address' '$T/err'"
run "$ATT" --base-url "$URL" -e 'print(att.search{pageSize = math.maxinteger}:total())'
check "pageSize = math.maxinteger: a clear parameter error" sh -c "[ $rc -eq 1 ] && grep -q 'pageSize must be an integer from 1 to 2147483647' '$T/err'"
run "$ATT" --base-url "$URL" -e 'local r = att.search({pageSize = 10}, {limit = math.maxinteger}) local n = 0 for _ in r do n = n + 1 end print(n)'
check "opts.limit = math.maxinteger: no overflow" out_is "30"

# ---- 11. att.configure during a windowed scan: the scan keeps its settings ------------------------
sandbox --individuals 200 --latency 5
run "$ATT" --window 8 --base-url "$URL" -e 'local n = 0
for p in att.search{pageSize = 10} do
  n = n + 1
  if n == 15 then att.configure{ base_url = "http://127.0.0.1:1/omni-svcs", timeout = 1 } end
end
print(n)
print(pcall(function() return att.search{}:total() end))'
check "att.configure mid-scan: the scan finishes with the settings it started with" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(head -1 '$T/out')\" = 200 ] && ! grep -q 'was closed' '$T/err'"
check "att.configure mid-scan: a new scan uses the new settings" sh -c "tail -1 '$T/out' | grep -q '^false	att: network error'"

# ---- 12. loops that release what they hold -------------------------------------------------------
for W in 1 8 64; do
    sandbox --individuals 500 --latency 20
    run "$ATT" --window $W --base-url "$URL" -e 'local r = att.search{pageSize = 5}
local n = 0
for p in r:each() do n = n + 1 if n == 75 then break end end
local s = r:stats()
-- the pages in flight were cancelled at the break: nothing more reaches the server
local t0 = os.time() while os.time() - t0 < 1 do end
print(n, s.requests, r:stats().requests)'
    sent=$(requests)
    check "w$W break out of r:each(): r:stats().requests equals what the server saw ($sent)" \
        sh -c "[ $rc -eq 0 ] && [ \"\$(cut -f1 '$T/out')\" = 75 ] && [ \"\$(cut -f3 '$T/out')\" = $sent ]"
    check "w$W break: the window was cancelled (at most 15 pages + window requests)" sh -c "[ $sent -le $((15 + W)) ]"
done
sandbox --individuals 500
run "$ATT" --window 64 --base-url "$URL" -e 'local r = att.search{pageSize = 10}
for p in r do break end
print(r:stats().requests)'
check "bare for-in form, break after the first: one request (the window opens gradually)" out_is "1"
run "$ATT" --window 64 --base-url "$URL" -e 'local r = att.search{pageSize = 10}
local n = 0
for p in r do n = n + 1 if n == 25 then break end end
print(r:stats().requests)'
check "bare form, 25 of 500 read: pages 1-3 and at most 4 ahead" sh -c "[ \$(cat '$T/out') -le 7 ]"
run "$ATT" --base-url "$URL" -e 'local f, s, c, close = att.search{pageSize = 10}:each()
print(type(f), getmetatable(close) ~= nil and getmetatable(close).__close ~= nil)
local a, b, c2, d = att.search{}:accounts()
print(type(a), d ~= nil)
print(select("#", att.search{}))'
check "r:each() and the walkers return the to-be-closed fourth value; att.search one value" \
    out_is "function	true
function	true
1"
run "$ATT" --window 8 --base-url "$URL" -e 'local r = att.search{pageSize = 10}
local n = 0
for p in r:each() do n = n + 1 if n == 30 then break end end
for p in r:each() do n = n + 1 end
print(n)'
check "a loop left early keeps the scan usable: a second loop goes on where it stopped" out_is "500"
run "$ATT" --window 8 --base-url "$URL" -e 'local r = att.search{pageSize = 10}
local ok = pcall(function() for p in r:each() do error("stop") end end)
print(ok, r:stats().requests)'
check "an error inside r:each() cancels the pages in flight" sh -c "[ \"\$(cut -f1 '$T/out')\" = false ] && [ \$(cut -f2 '$T/out') -le 8 ]"

finish
