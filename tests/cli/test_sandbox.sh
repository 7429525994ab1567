#!/bin/sh
# tests/cli/test_sandbox.sh — runs att-sandbox like a user would and checks it with curl.
#
#   sh tests/cli/test_sandbox.sh                      # tests ./att-sandbox
#   SANDBOX=build/asan/att-sandbox sh tests/cli/test_sandbox.sh
#
# Prints TAP ("ok N - ...", "not ok N - ..." with "# " diagnostics, then "1..N"); exits 0 iff all
# passed. Expected results come from the program's own --dump, the published example response, or
# are written out here; JSON shape is checked with grep/sed so that no JSON tool is needed.
# Every sandbox is started on --port 0 and stopped with SIGTERM (its exit status is checked, which
# under ASan also catches leaks); the trap kills any left over if the script dies.

LC_ALL=C
export LC_ALL
SBNAME=sandbox-test
. "$(dirname "$0")/sandbox_lib.sh"
SEED_RESPONSE=${SEED_RESPONSE:-tests/fixtures/example-response.json}
[ -f "$SEED_RESPONSE" ] || SEED_RESPONSE=tests/fixtures/example-response.json

# ---- command line ----------------------------------------------------------------------------------

"$SANDBOX" --help >"$TMP/help" 2>&1
rc=$?
missing=""
for opt in --host --port --individuals --seed --data --max-page-size --paging --appname --token \
    --latency --fault --verbose --dump --help --version; do
    grep -q -- "$opt" "$TMP/help" || missing="$missing $opt"
done
same "--help exits 0 and lists every option" "$rc:$missing" "0:"

out=$("$SANDBOX" --version 2>&1)
check "--version prints the version" expr "$out" : 'att-sandbox [0-9][0-9.]*$'

for args in "--bogus" "--port abc" "--port 70000" "--individuals 10000001" "--paging book" \
    "--max-page-size 0" "--seed -1" "--latency" "--fault nope" "--fault status=abc" \
    "--fault status=500,after=x" "--fault bad-json=1" "--fault status=500,every=0" "stray" \
    "--data /nonexistent/file.json" "--data x.json --seed 3"; do
    # shellcheck disable=SC2086 # word splitting of $args is intended
    same "bad command line '$args' exits 2 with one line on stderr" "$(bad_cli $args)" "2:0:1"
done
"$SANDBOX" --data /nonexistent/file.json 2>"$TMP/cli.err" >/dev/null
check "a bad --data file is named in the error" grep -q '/nonexistent/file.json' "$TMP/cli.err"

printf '{"individuals": [1, 2' >"$TMP/broken.json"
printf '{"people": []}' >"$TMP/shape.json"
printf '[{"id":"x"}, 7]' >"$TMP/notobj.json"
for f in broken shape notobj; do
    "$SANDBOX" --data "$TMP/$f.json" >/dev/null 2>"$TMP/cli.err"
    rc=$?
    if [ $rc -eq 2 ] && grep -q "$f.json: " "$TMP/cli.err" && [ "$(wc -l <"$TMP/cli.err")" -eq 1 ]; then
        ok "--data with a bad file ($f) exits 2 with one line naming it"
    else
        not_ok "--data with a bad file ($f) exits 2 with one line naming it" "rc=$rc" "$(cat "$TMP/cli.err")"
    fi
done

# ---- generated data (--dump) ---------------------------------------------------------------------

"$SANDBOX" --individuals 300 --seed 7 --dump >"$TMP/d7"
"$SANDBOX" --individuals 300 --seed 7 --dump >"$TMP/d7b"
"$SANDBOX" --individuals 300 --seed 8 --dump >"$TMP/d8"
"$SANDBOX" --individuals 2000 --dump >"$TMP/d1"
same "--dump writes one individual per line inside [ ]" \
    "$(head -n 1 "$TMP/d7")|$(tail -n 1 "$TMP/d7")|$(wc -l <"$TMP/d7" | tr -d ' ')" "[|]|302"
same_file "the same seed gives byte-identical data" "$TMP/d7b" "$TMP/d7"
check "another seed gives other data" sh -c "! cmp -s '$TMP/d7' '$TMP/d8'"
"$SANDBOX" --individuals 0 --dump >"$TMP/d0"
same "--individuals 0 dumps an empty array" "$(tr -d '\n' <"$TMP/d0")" "[]"

# The first individual of any seed is an ordinary FIBER customer with one account, shaped exactly
# like the published example: same keys in the same order, same JSON types.
sed 's/^ *//' "$SEED_RESPONSE" | tr -d '\n' | sed 's/": /":/g' >"$TMP/seed.min"
sed -n 's/.*"individuals":\[\(.*\)\]}$/\1/p' "$TMP/seed.min" >"$TMP/seed.ind"
for s in 7 1 424242; do
    "$SANDBOX" --individuals 1 --seed $s --dump | sed -n 2p >"$TMP/first"
    if [ "$(keys "$TMP/first")" = "$(keys "$TMP/seed.ind")" ] &&
        [ "$(skeleton <"$TMP/first")" = "$(skeleton <"$TMP/seed.ind")" ] &&
        grep -q '"status":"ACTIVE"' "$TMP/first" && grep -q '"serviceType":"FIBER"' "$TMP/first" &&
        grep -q '"accountLocked":"N"' "$TMP/first" && grep -q '"id":"SUB-10001"' "$TMP/first"; then
        ok "seed $s: individual #1 is an ordinary FIBER customer shaped like the example"
    else
        not_ok "seed $s: individual #1 is an ordinary FIBER customer shaped like the example" \
            "$(head -c 400 "$TMP/first")"
    fi
done

distinct() { grep -o "\"$1\":[^,}]*" "$TMP/d1" | sort -u | tr '\n' ' '; }
same "subscribersCount is a string 1..3" "$(distinct subscribersCount)" \
    '"subscribersCount":"1" "subscribersCount":"2" "subscribersCount":"3" '
same "accountLocked is \"N\" or \"Y\"" "$(distinct accountLocked)" '"accountLocked":"N" "accountLocked":"Y" '
same "isDigitalAccount is a boolean" "$(distinct isDigitalAccount)" '"isDigitalAccount":false "isDigitalAccount":true '
same "isBundle is a boolean" "$(distinct isBundle)" '"isBundle":false "isBundle":true '
same "phone numbers are masked" "$(distinct phoneNumber | tr ' ' '\n' | grep -cv '^"phoneNumber":"\*\*\*\*\*\*[0-9]\{4\}"$')" 0
same "service types are FIBER, WIRELESS, DSL, DTV, VOIP" "$(distinct serviceType)" \
    '"serviceType":"DSL" "serviceType":"DTV" "serviceType":"FIBER" "serviceType":"VOIP" "serviceType":"WIRELESS" '
same "dates are YYYY-MM-DDTHH:MM:SSZ" \
    "$(grep -oE '"(createdOn|updatedOn|lastModified|openDate|activationDate|effectiveDate|creationDate|lastUpdate)":"[^"]*"' "$TMP/d1" |
        grep -cvE ':"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z"$')" 0
same "individual ids are lowercase UUIDs" \
    "$(grep -oE '^\{"id":"[^"]*"' "$TMP/d1" | grep -cvE '"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$')" 0
# Accounts are the only objects whose "id" is followed by "givenName" and is not a UUID.
grep -oE '\{"id":"[^"]*","givenName"' "$TMP/d1" | grep -v '"[0-9a-f]*-' >"$TMP/acct_ids"
same "account ids are unique 9-digit strings" \
    "$(sort "$TMP/acct_ids" | uniq -d | wc -l | tr -d ' '):$(grep -cvE '"[0-9]{9}"' "$TMP/acct_ids"):$(grep -c . "$TMP/acct_ids")" \
    "0:0:$(grep -o '"accountLocked":' "$TMP/d1" | wc -l | tr -d ' ')"
same "subscriber ids are unique SUB-n" "$(grep -o '"id":"SUB-[0-9]*"' "$TMP/d1" | sort | uniq -d | wc -l | tr -d ' ')" 0
nacct=$(grep -o '"accountLocked":' "$TMP/d1" | wc -l)
nlock=$(grep -o '"accountLocked":"Y"' "$TMP/d1" | wc -l)
check "about 10-15% of accounts are locked ($nlock of $nacct)" \
    test $((nlock * 100)) -ge $((nacct * 8)) -a $((nlock * 100)) -le $((nacct * 17))
check "names include non-ASCII (é, ö, ø...)" grep -q 'Ë\|É\|Ö\|Ø\|Ü' "$TMP/d1"
check "names include CJK" grep -q '美咲\|伟\|王\|佐藤' "$TMP/d1"
check "names include commas" grep -q '"familyName":"[^"]*, [^"]*"' "$TMP/d1"
check "names include apostrophes and double quotes" sh -c \
    "grep -q \"O'BRIEN\\|D'ANGELO\" '$TMP/d1' && grep -q '\"preferredName\":\"[^\"]*\\\\\"' '$TMP/d1'"

# ---- the endpoint ----------------------------------------------------------------------------------

if start a --individuals 300 --seed 7; then A=$URL; AROOT=$ROOT; else A=; fi
check "sandbox starts and prints its URL as the first line" sh -c "[ -n '$A' ]"
check "the URL line is http://127.0.0.1:PORT/omni-svcs" expr "$A" : 'http://127\.0\.0\.1:[1-9][0-9]*/omni-svcs$'
same "nothing else is printed on stdout" "$(wc -l <"$TMP/a.out" | tr -d ' ')" 1

st=$(post "$A" '{"serviceType":"FIBER","pageSize":1,"pageOffset":1}')
if [ "$st" = 200 ] && [ "$(keys "$TMP/body")" = "$(keys "$TMP/seed.min")" ] &&
    [ "$(skeleton <"$TMP/body")" = "$(skeleton <"$TMP/seed.min")" ]; then
    ok "a one-individual page has the example response's keys, order and JSON types"
else
    not_ok "a one-individual page has the example response's keys, order and JSON types" "status $st" "$(body)"
fi
same "200 responses are application/json" "$(header content-type)" "application/json"

st=$(post "$A" '{"serviceType":"FIBER","pageSize":5,"pageOffset":1}')
nfiber=$(grep -c '"serviceType":"FIBER"' "$TMP/d7")
grep '"serviceType":"FIBER"' "$TMP/d7" | sed 's/,$//' | head -n 5 | awk 'NR > 1 { printf "," } { printf "%s", $0 }' |
    expect "$nfiber" 5 1 >"$TMP/want"
same_file "serviceType FIBER: totalCount and the page match the --dump" "$TMP/body" "$TMP/want"

post "$A" '{"serviceType":"fiber","pageSize":5}' >/dev/null
same_file "serviceType is matched case-insensitively" "$TMP/body" "$TMP/want"

st=$(post "$A" '{"serviceType":"WIRELESS","pageSize":100,"pageOffset":1}')
nwl=$(grep -c '"serviceType":"WIRELESS"' "$TMP/d7")
grep '"serviceType":"WIRELESS"' "$TMP/d7" | sed 's/,$//' | head -n 100 |
    awk 'NR > 1 { printf "," } { printf "%s", $0 }' | expect "$nwl" 100 1 >"$TMP/want"
same_file "serviceType WIRELESS: whole individuals, all their accounts" "$TMP/body" "$TMP/want"
check "filtered and unfiltered totals differ ($nfiber FIBER of 300)" test "$nfiber" -gt 0 -a "$nfiber" -lt 300

post "$A" '{"serviceType":"SATELLITE"}' >/dev/null
same "an unknown serviceType matches nothing" "$(body)" \
    '{"totalCount":0,"pageInfo":{"pageSize":50,"pageOffset":1},"individuals":[]}'

page_is "no filter: totalCount is everyone, default page is 50" "$A" '{}' 1 50 300 50 1

page_is "page paging: pageOffset 3 of size 7 is records 15..21" \
    "$A" '{"pageSize":7,"pageOffset":3}' 15 7 300 7 3

page_is "the last page is partial (6 of 7)" "$A" '{"pageSize":7,"pageOffset":43}' 295 7 300 7 43

post "$A" '{"pageSize":7,"pageOffset":44}' >/dev/null
same "a page past the end is empty" "$(body)" \
    '{"totalCount":300,"pageInfo":{"pageSize":7,"pageOffset":44},"individuals":[]}'
post "$A" '{"pageSize":100,"pageOffset":9007199254740991}' >/dev/null
same "a huge pageOffset is just past the end" "$(body)" \
    '{"totalCount":300,"pageInfo":{"pageSize":100,"pageOffset":9007199254740991},"individuals":[]}'

st=$(post "$A" '{"pageSize":2,"pageOffset":1,"somethingElse":[1,{"x":null}],"sort":"name"}')
same "unknown request fields are ignored" "$st:$(individuals "$TMP/body")" "200:2"

# Keep-alive: curl reuses one connection for two requests to the same host.
conns=$(curl -sS --max-time 10 -o /dev/null -o /dev/null -w '%{num_connects} ' -H 'content-type: application/json' \
    --data-binary '{"pageSize":3}' "$A/v1/customers/search" "$A/v1/customers/search")
same "HTTP/1.1 keep-alive: the second request reuses the connection" "$conns" "1 0 "

bad() { # bad BODY CODE [MESSAGE]
    st=$(post "$A" "$1")
    got="$st $(errcode)"
    if [ -n "$3" ]; then got="$got $(sed -n 's/.*"message":"\([^"]*\)"}$/\1/p' "$TMP/body")"; fi
    want="400 $2${3:+ $3}"
    same "400 $2 for $1" "$got" "$want"
}
bad '{"pageSize":' INVALID_JSON "request body is not valid JSON"
bad '' INVALID_JSON
bad '{"pageSize":5} trailing' INVALID_JSON
bad '[1,2]' INVALID_REQUEST
bad '"FIBER"' INVALID_REQUEST
bad '{"serviceType":""}' INVALID_SERVICE_TYPE
bad '{"serviceType":5}' INVALID_SERVICE_TYPE
bad '{"serviceType":null}' INVALID_SERVICE_TYPE
bad '{"pageSize":0}' INVALID_PAGE_SIZE "pageSize must be an integer between 1 and 100"
bad '{"pageSize":101}' INVALID_PAGE_SIZE
bad '{"pageSize":2.5}' INVALID_PAGE_SIZE
bad '{"pageSize":"5"}' INVALID_PAGE_SIZE
bad '{"pageOffset":0}' INVALID_PAGE_OFFSET
bad '{"pageOffset":-1}' INVALID_PAGE_OFFSET
bad '{"pageOffset":"2"}' INVALID_PAGE_OFFSET
same "error bodies are application/json" "$(header content-type)" "application/json"
st=$(post "$A" '{"pageSize":5.0}')
same "an integral float pageSize (5.0) is accepted" "$st:$(individuals "$TMP/body")" "200:5"

st=$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' "$AROOT/nope")
same "404 for another path" "$st $(body)" '404 {"code":"NOT_FOUND","message":"no such endpoint: /nope"}'
st=$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' -X POST -d '{}' "$AROOT/omni-svcs/v1/customers")
same "404 for a POST to a neighbouring path" "$st $(errcode)" "404 NOT_FOUND"
st=$(curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$A/v1/customers/search")
same "405 for GET on the search path, with Allow: POST" "$st $(errcode) $(header allow)" "405 METHOD_NOT_ALLOWED POST"
st=$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' -X PUT -d '{}' "$A/v1/customers/search")
same "405 for PUT" "$st $(errcode)" "405 METHOD_NOT_ALLOWED"

head -c 1100000 /dev/zero | tr '\0' ' ' >"$TMP/big"
st=$(post "$A" "@$TMP/big")
same "413 for a body over 1 MiB" "$st $(errcode)" "413 PAYLOAD_TOO_LARGE"
st=$(post "$A" '{"pageSize":1}')
same "the server still answers after a 413" "$st" 200

if start a2 --individuals 300 --seed 7; then A2=$URL; else A2=; fi
check "two sandboxes on --port 0 get different ports" test -n "$A2" -a "$A2" != "$A"
post "$A" '{"serviceType":"DTV","pageSize":20,"pageOffset":2}' >/dev/null
cp "$TMP/body" "$TMP/p1"
post "$A2" '{"serviceType":"DTV","pageSize":20,"pageOffset":2}' >/dev/null
same_file "the same seed serves byte-identical pages" "$TMP/body" "$TMP/p1"
port=${A#http://127.0.0.1:}
port=${port%%/*}
"$SANDBOX" --port "$port" >/dev/null 2>"$TMP/inuse.err"
same "a port in use: exit 1 with a message" "$?:$(wc -l <"$TMP/inuse.err" | tr -d ' ')" "1:1"

# ---- paging by record, page-size limit ---------------------------------------------------------------

if start r --individuals 300 --seed 7 --paging record --max-page-size 20; then R=$URL; else R=; fi
page_is "record paging: pageOffset 15 starts at record 15" "$R" '{"pageSize":7,"pageOffset":15}' 15 7 300 7 15
post "$R" '{"pageSize":7,"pageOffset":298}' >/dev/null
same "record paging: the tail holds the last 3" "$(individuals "$TMP/body")" 3
post "$R" '{}' >/dev/null
same "the default pageSize is min(50, --max-page-size)" "$(sed 's/.*"pageSize":\([0-9]*\).*/\1/' "$TMP/body" | head -c 10)" 20
bad_r=$(post "$R" '{"pageSize":21}')
same "--max-page-size 20 rejects 21 with the limit in the message" "$bad_r $(body)" \
    '400 {"code":"INVALID_PAGE_SIZE","message":"pageSize must be an integer between 1 and 20"}'

# ---- appname and token -----------------------------------------------------------------------------

if start auth --individuals 10 --appname demo-app --token 's3cret-T0ken' -v; then AU=$URL; else AU=; fi
st=$(post "$AU" '{}' -H 'Authorization: Bearer s3cret-T0ken')
same "a missing appname header: 400 MISSING_APPNAME" "$st $(errcode)" "400 MISSING_APPNAME"
st=$(post "$AU" '{}' -H 'Authorization: Bearer s3cret-T0ken' -H 'appname: other')
same "a wrong appname: 400 MISSING_APPNAME" "$st $(errcode)" "400 MISSING_APPNAME"
st=$(post "$AU" '{}' -H 'appname: demo-app')
same "no token: 401 UNAUTHORIZED with WWW-Authenticate: Bearer" "$st $(errcode) $(header www-authenticate)" \
    "401 UNAUTHORIZED Bearer"
st=$(post "$AU" '{}' -H 'appname: demo-app' -H 'Authorization: Bearer wrong')
same "a wrong token: 401" "$st $(errcode)" "401 UNAUTHORIZED"
st=$(post "$AU" '{}' -H 'appname: demo-app' -H 'Authorization: Bearer s3cret-T0ken')
same "the right appname and token: 200" "$st $(individuals "$TMP/body")" "200 10"
check "the token never appears in the log" sh -c "! grep -q s3cret '$TMP/auth.err'"

# ---- --data ----------------------------------------------------------------------------------------

if start seed --data "$SEED_RESPONSE"; then S=$URL; else S=; fi
post "$S" "$(cat "${SEED_RESPONSE%response.json}request.json" 2>/dev/null || echo '{"serviceType":"FIBER","pageSize":5,"pageOffset":1}')" >/dev/null
same_file "--data example-response.json serves the example back, byte for byte (compact)" "$TMP/body" "$TMP/seed.min"

"$SANDBOX" --data "$TMP/d7" --dump >"$TMP/d7r"
same_file "--data of a --dump dumps the same bytes (generated text = cJSON's rendering)" "$TMP/d7r" "$TMP/d7"
if start dd --data "$TMP/d7"; then DD=$URL; else DD=; fi
post "$DD" '{"serviceType":"DTV","pageSize":20,"pageOffset":2}' >/dev/null
same_file "--data of a --dump serves the same pages as the generator" "$TMP/body" "$TMP/p1"

# ---- faults ----------------------------------------------------------------------------------------

if start frp --individuals 300 --seed 7 --fault repeat-pages; then F=$URL; else F=; fi
post "$F" '{"pageSize":10,"pageOffset":1}' >/dev/null
cp "$TMP/body" "$TMP/f1"
post "$F" '{"pageSize":10,"pageOffset":2}' >/dev/null
same_file "fault repeat-pages: page 2 repeats page 1" "$TMP/body" "$TMP/f1"

if start fst --individuals 10 --fault status=503; then F=$URL; else F=; fi
st=$(post "$F" '{}')
same "fault status=503" "$st $(body) $(header content-type)" \
    '503 {"code":"INJECTED","message":"injected fault: HTTP 503"} application/json'

if start fht --individuals 10 --fault html=502; then F=$URL; else F=; fi
st=$(post "$F" '{}')
if [ "$st" = 502 ] && [ "$(header content-type)" = text/html ] && grep -q '<title>502 Bad Gateway</title>' "$TMP/body"; then
    ok "fault html=502: a gateway's HTML error page"
else
    not_ok "fault html=502: a gateway's HTML error page" "$st $(header content-type)" "$(body)"
fi

if start fbj --individuals 300 --seed 7 --fault bad-json; then F=$URL; else F=; fi
post "$A" '{"pageSize":10}' >/dev/null
cp "$TMP/body" "$TMP/good"
st=$(post "$F" '{"pageSize":10}')
cut=$(wc -c <"$TMP/body" | tr -d ' ')
full=$(wc -c <"$TMP/good" | tr -d ' ')
if [ "$st" = 200 ] && [ "$(header content-type)" = application/json ] && [ "$cut" -lt "$full" ] &&
    cmp -s -n "$cut" "$TMP/body" "$TMP/good"; then
    ok "fault bad-json: 200 application/json with a truncated body ($cut of $full bytes)"
else
    not_ok "fault bad-json: 200 application/json with a truncated body" "$st $cut $full"
fi

if start fa --individuals 300 --seed 7 --fault status=500,after=2 -v; then F=$URL; else F=; fi
got=""
for _ in 1 2 3 4; do got="$got $(post "$F" '{"pageSize":1}')"; done
same "fault status=500,after=2: two answers, then 500s" "$got" " 200 200 500 500"

if start fmix --individuals 300 --seed 7 --fault repeat-pages,after=1 --fault html=504,after=3; then F=$URL; else F=; fi
post "$F" '{"pageSize":10,"pageOffset":2}' >/dev/null
page "$TMP/d7" 11 10 | expect 300 10 2 >"$TMP/want"
cmp -s "$TMP/body" "$TMP/want" && first=honoured || first=ignored
post "$F" '{"pageSize":10,"pageOffset":2}' >/dev/null
cp "$TMP/body" "$TMP/m2"
post "$F" '{"pageSize":10,"pageOffset":3}' >/dev/null
cp "$TMP/body" "$TMP/m3"
page "$TMP/d7" 1 10 | expect 300 10 1 >"$TMP/want"
st=$(post "$F" '{"pageSize":10,"pageOffset":4}')
if [ "$first" = honoured ] && cmp -s "$TMP/m2" "$TMP/want" && cmp -s "$TMP/m3" "$TMP/want" && [ "$st" = 504 ]; then
    ok "faults combine: paging honoured once, then ignored, then 504 HTML"
else
    not_ok "faults combine: paging honoured once, then ignored, then 504 HTML" "status $st"
fi

# ---- logging, latency, shutdown ------------------------------------------------------------------

if start v --individuals 300 --seed 7 -v; then V=$URL; VROOT=$ROOT; else V=; fi
post "$V" '{"serviceType":"FIBER","pageSize":5,"pageOffset":2}' >/dev/null
curl -sS --max-time 10 -o /dev/null "$VROOT/nope"
post "$V" '{"pageSize":0}' >/dev/null
sleep 0.1
same "-v logs one line per request" "$(wc -l <"$TMP/v.err" | tr -d ' ')" 3
check "-v line for a search has method, path, status, parameters and sizes" \
    grep -qE '^att-sandbox: POST /omni-svcs/v1/customers/search 200 serviceType=FIBER pageSize=5 pageOffset=2 individuals=5 bytes=[0-9]+$' "$TMP/v.err"
check "-v line for a 404" grep -qE '^att-sandbox: GET /nope 404 .*bytes=[0-9]+$' "$TMP/v.err"
check "-v line for a 400 names the code" grep -q ' 400 .*code=INVALID_PAGE_SIZE' "$TMP/v.err"
check "-v line for an injected fault names it" grep -q ' 500 .*fault=status=500,after=2' "$TMP/fa.err"
same "without -v nothing is logged" "$(cat "$TMP/a.err")" ""

if start lat --individuals 10 --latency 300; then L=$URL; else L=; fi
t0=$(date +%s%N)
post "$L" '{}' >/dev/null &
p1=$!
post "$L" '{}' >/dev/null &
p2=$!
wait $p1
wait $p2
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "--latency 300: two parallel requests take 300..580 ms in all (took $ms)" test "$ms" -ge 300 -a "$ms" -lt 580

# A sandbox with a connection open and a request in flight still stops at once.
# It answers that request first (cutting the latency short), then refuses new connections.
curl -sS --max-time 10 -o "$TMP/inflight" -w '%{http_code}' -d '{}' "$L/v1/customers/search" >"$TMP/inflight.st" &
pc=$!
sleep 0.1
t0=$(date +%s%N)
stop lat
t1=$(date +%s%N)
wait $pc
ms=$(((t1 - t0) / 1000000))
same "SIGTERM during a request: exit 0 within a second (${ms} ms)" "$STOP_RC:$([ $ms -lt 1000 ] && echo fast)" "0:fast"
same "the request in flight at SIGTERM is still answered" "$(cat "$TMP/inflight.st") $(individuals "$TMP/inflight")" "200 10"
st=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -d '{}' "$L/v1/customers/search")
same "after SIGTERM the port no longer answers" "$st" "000"
stop v INT
same "SIGINT: exit 0" "$STOP_RC" 0

stop_all
reports=$(grep -l 'Sanitizer\|runtime error\|libmicrohttpd' "$TMP"/*.err 2>/dev/null | tr '\n' ' ')
same "no sanitizer or libmicrohttpd reports on stderr" "$reports" ""
PIDS=""

echo "1..$n"
[ "$failed" -eq 0 ]
