#!/bin/sh
# tests/cli/test_sandbox_faults.sh — att-sandbox's fault rules, OAuth token endpoint and HTTPS,
# provoked with curl the way the att client meets them (retries, Retry-After, stalls, broken
# transfers, result sets that change mid-scan, token renewal, certificate checks), and the hostile
# answers that check that the client never leaks a credential and always keeps its time limits
# (echoes of the Authorization header, a hang, a silence, a huge page, long tokens); records inserted
# and removed at any position (checked through POST /omni-svcs/_sandbox/ids), totals that drift,
# wrong paging, malformed pages and empty answers.
#
#   sh tests/cli/test_sandbox_faults.sh                      # tests ./att-sandbox
#   SANDBOX=build/asan/att-sandbox sh tests/cli/test_sandbox_faults.sh
#
# Same conventions as test_sandbox.sh: TAP output, every sandbox on --port 0, stopped with SIGTERM
# and its exit status checked (under ASan that catches leaks too), a trap kills any left over.
# The HTTPS tests make a throw-away self-signed certificate with the openssl command.

LC_ALL=C
export LC_ALL
SBNAME=sandbox-faults
. "$(dirname "$0")/sandbox_lib.sh"

"$SANDBOX" --individuals 300 --seed 7 --dump >"$TMP/d7"

# ---- command line ----------------------------------------------------------------------------------

"$SANDBOX" --help >"$TMP/help" 2>&1
rc=$?
missing=""
for word in --oauth-client --token-ttl --tls-cert --tls-key --fault-seed "Fault rules" repeat-pages \
    status=CODE html=CODE bad-json slow=MS stall=MS truncate reset grow=N shrink=N expire-tokens \
    after=K count=N every=N prob=P retry-after=S "date:S" echo-json=CODE echo-html=CODE \
    echo-text=CODE ansi=CODE echo-page hang silence=MS big=BYTES echo-basic=CODE insert=N remove=N at=POS \
    end-K rand total-drift=N offset-as=K offset-mod=M malformed=WHAT empty=CODE individuals-object \
    individuals-null individuals-missing individuals-string item-null item-number item-string item-array \
    no-id id-null id-object id-bool id-empty dup-id total-missing total-float total-negative total-string \
    total-huge total-max total-over page-size-huge page-size-zero page-size-float page-size-string not-object; do
    grep -q -- "$word" "$TMP/help" || missing="$missing $word"
done
same "--help documents the new options, every fault kind and modifier" "$rc:$missing" "0:"

for args in "--fault slow" "--fault slow=x" "--fault stall=600001" "--fault grow=0" "--fault shrink" \
    "--fault truncate=1" "--fault reset=2" "--fault expire-tokens=1" "--fault reset,count=0" \
    "--fault status=503,every=0" "--fault status=503,prob=1.5" "--fault status=503,prob=x" \
    "--fault status=503,prob=" "--fault bad-json,retry-after=1" "--fault stall=10,retry-after=1" \
    "--fault status=503,retry-after=date:" "--fault status=503,retry-after=-1" \
    "--fault status=503,after=1,after=2" "--fault status=503,bogus=1" "--fault-seed -1" \
    "--fault-seed x" "--oauth-client nocolon" "--oauth-client :secret" "--oauth-client id:" \
    "--token-ttl 0" "--token-ttl x" "--tls-cert c.pem" "--tls-key k.pem" \
    "--tls-cert /nonexistent/c.pem --tls-key /nonexistent/k.pem" \
    "--fault echo-json=99" "--fault echo-json" "--fault echo-html=600" "--fault echo-text=x" "--fault ansi" \
    "--fault echo-json=401,retry-after=1" "--fault big=0" "--fault big=2G" "--fault big=1025M" \
    "--fault big=1T" "--fault big=K" "--fault big=99999999999999999999K" "--fault silence=x" \
    "--fault silence" "--fault silence=600001" "--fault hang=1" "--fault echo-page=3" \
    "--fault echo-basic=401" "--fault echo-basic=99 --oauth-client c:s" "--fault insert" "--fault insert=0" \
    "--fault remove=1000001" "--fault insert=1,at=middle" "--fault insert=1,at=end-" "--fault remove=1,at=end-x" \
    "--fault insert=1,at=" "--fault insert=1,at=-1" "--fault grow=1,at=end" "--fault status=503,at=1" \
    "--fault malformed" "--fault malformed=bogus" "--fault malformed=no-id,at=front" "--fault empty" \
    "--fault empty=99" "--fault empty=600" "--fault offset-as=0" "--fault offset-as=9007199254740992" \
    "--fault offset-mod=x" "--fault total-drift" "--fault total-drift=0" "--fault insert=1,at=1,at=2"; do
    # shellcheck disable=SC2086 # word splitting of $args is intended
    same "bad command line '$args' exits 2 with one line on stderr" "$(bad_cli $args)" "2:0:1"
done
"$SANDBOX" --oauth-client 'app:top secret' >/dev/null 2>"$TMP/cli.err"
same "a bad --oauth-client exits 2 without echoing the secret" \
    "$?:$(grep -c 'top secret' "$TMP/cli.err")" "2:0"
same "big=1G and big=1024M are the largest accepted" \
    "$(bad_cli --fault big=1G --help):$(bad_cli --fault big=1024m --help)" "0:$(wc -c <"$TMP/help" | tr -d ' '):0:0:$(wc -c <"$TMP/help" | tr -d ' '):0"

# ---- long bearer tokens ------------------------------------------------------------------------------

# 16 distinct characters, repeated: 16 KiB and 64 KiB tokens, and one character more than the limit.
T16K=$(awk 'BEGIN { for (i = 0; i < 1024; i++) printf "Tok3n-0123456789" }')
T64K=$(awk 'BEGIN { for (i = 0; i < 4096; i++) printf "Tok3n-0123456789" }')
same "the test tokens are 16384 and 65536 characters long" "${#T16K} ${#T64K}" "16384 65536"
same "--token of 65537 characters: exit 2 with one line on stderr" "$(bad_cli --token "${T64K}x")" "2:0:1"
same "... and the error does not show the token" "$(grep -c Tok3n "$TMP/cli.err")" 0
if start t16 --individuals 10 --token "$T16K" -v; then T16=$URL; else T16=; fi
a=$(post "$T16" '{}' -H "Authorization: Bearer $T16K")
b=$(post "$T16" '{}' -H "Authorization: Bearer ${T16K%?}x")
c=$(post "$T16" '{}' -H "Authorization: Bearer ${T16K}9")
same "--token of 16384 characters: that token gets 200, one that differs in the last character or is longer 401" \
    "$a $b $c" "200 401 401"
if start t64 --individuals 10 --token "$T64K" --appname reports; then T64=$URL; else T64=; fi
st=$(post "$T64" '{}' -H "Authorization: Bearer $T64K" -H 'appname: reports' -H 'user-agent: att-test/1.0')
same "--token of 65536 characters: a request with it and other headers gets 200" "$st $(individuals "$TMP/body")" "200 10"

# ---- Retry-After -------------------------------------------------------------------------------------

if start ra --individuals 10 --fault status=503,retry-after=2,count=1 \
    --fault html=429,retry-after=date:120,count=1; then RA=$URL; else RA=; fi
st=$(post "$RA" '{}')
same "status=503,retry-after=2: 503 INJECTED with 'Retry-After: 2'" "$st $(errcode) $(header retry-after)" \
    "503 INJECTED 2"
st=$(post "$RA" '{}')
ra=$(header retry-after)
want=$(($(date +%s) + 120))
got=$(date -d "$ra" +%s 2>/dev/null || echo 0)
if [ "$st" = 429 ] && [ "$(header content-type)" = text/html ] &&
    expr "$ra" : '[A-Z][a-z][a-z], [0-3][0-9] [A-Z][a-z][a-z] 20[0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] GMT$' >/dev/null &&
    [ "$got" -ge $((want - 3)) ] && [ "$got" -le $((want + 1)) ]; then
    ok "html=429,retry-after=date:120: an IMF-fixdate 120 s ahead ($ra)"
else
    not_ok "html=429,retry-after=date:120: an IMF-fixdate 120 s ahead" "status $st, Retry-After '$ra' ($got, want about $want)"
fi
st=$(post "$RA" '{}')
same "count=1 rules are used up: then 200 without Retry-After" "$st:$(header retry-after)" "200:"

# ---- slow, stall, truncate, reset ------------------------------------------------------------------

if start ref --individuals 300 --seed 7; then REF=$URL; else REF=; fi
post "$REF" '{"pageSize":20}' >/dev/null
cp "$TMP/body" "$TMP/full"
full=$(wc -c <"$TMP/full" | tr -d ' ')

if start slow --individuals 300 --seed 7 --fault slow=600,count=1 -v; then SL=$URL; else SL=; fi
t=$(curl -sS --max-time 10 -o "$TMP/body" -w '%{time_starttransfer}' -d '{"pageSize":20}' "$SL/v1/customers/search")
ms=$(echo "$t" | awk '{ printf "%d", $1 * 1000 }')
if [ "$ms" -ge 590 ] && [ "$ms" -lt 2000 ] && cmp -s "$TMP/body" "$TMP/full"; then
    ok "slow=600: the normal answer, its first byte after ${ms} ms"
else
    not_ok "slow=600: the normal answer, its first byte after 600 ms or more" "first byte after $ms ms" "$(head -c 200 "$TMP/body")"
fi
t0=$(now_ms)
post "$SL" '{"pageSize":20}' >/dev/null
ms=$(($(now_ms) - t0))
check "slow=600,count=1: the second answer is not delayed (${ms} ms)" test "$ms" -lt 400

if start stall --individuals 300 --seed 7 --fault stall=1500,count=1 --fault stall=700,after=1 -v; then ST=$URL; else ST=; fi
t0=$(now_ms)
got=$(curl -sS --max-time 0.8 -o "$TMP/body" -w '%{http_code} %{size_download}' -d '{"pageSize":20}' \
    "$ST/v1/customers/search" 2>"$TMP/curl.err")
rc=$?
ms=$(($(now_ms) - t0))
part=${got#* }
if [ $rc = 28 ] && [ "${got% *}" = 200 ] && [ "$part" -gt 0 ] && [ "$part" -lt "$full" ] &&
    cmp -s -n "$part" "$TMP/body" "$TMP/full" && [ "$ms" -lt 1400 ]; then
    ok "stall=1500: a client with a 0.8 s limit gives up with part of the body ($part of $full bytes)"
else
    not_ok "stall=1500: a client with a 0.8 s limit gives up with part of the body" \
        "curl rc=$rc '$got' after $ms ms" "$(cat "$TMP/curl.err")"
fi
got=$(curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{time_starttransfer} %{time_total}' \
    -d '{"pageSize":20}' "$ST/v1/customers/search")
first=$(echo "$got" | awk '{ printf "%d", $1 * 1000 }')
all=$(echo "$got" | awk '{ printf "%d", $2 * 1000 }')
if [ "$first" -lt 400 ] && [ "$all" -ge 690 ] && [ "$all" -lt 3000 ] && cmp -s "$TMP/body" "$TMP/full" &&
    [ "$(header content-length)" = "$full" ]; then
    ok "stall=700: headers at once (${first} ms), the whole body after the pause (${all} ms)"
else
    not_ok "stall=700: headers at once, the whole body after the pause" "first byte $first ms, all $all ms" \
        "Content-Length $(header content-length), want $full"
fi
# curl's low-speed check averages over up to 5 s, so after the first half arrives at once a limit
# of 1 byte/s would notice a pause only after about 6 s; a high limit shows the stall within 1-2 s.
if start stall3 --individuals 300 --seed 7 --fault stall=3000; then ST3=$URL; else ST3=; fi
t0=$(now_ms)
got=$(curl -sS --speed-limit 10000000 --speed-time 1 --max-time 10 -o "$TMP/body" -w '%{size_download}' \
    -d '{"pageSize":20}' "$ST3/v1/customers/search" 2>"$TMP/curl.err")
rc=$?
ms=$(($(now_ms) - t0))
if [ $rc = 28 ] && [ "$got" -gt 0 ] && [ "$got" -lt "$full" ] && [ "$ms" -lt 2900 ] &&
    grep -q 'Operation too slow' "$TMP/curl.err"; then
    ok "stall=3000: curl --speed-time 1 gives up during the pause ($got of $full bytes, $ms ms)"
else
    not_ok "stall=3000: curl --speed-time 1 gives up during the pause" "rc=$rc got=$got after $ms ms" \
        "$(cat "$TMP/curl.err")"
fi

if start trunc --individuals 300 --seed 7 --fault truncate,count=1 -v; then TR=$URL; else TR=; fi
got=$(curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code} %{size_download}' \
    -d '{"pageSize":20}' "$TR/v1/customers/search" 2>"$TMP/curl.err")
rc=$?
part=${got#* }
if [ $rc = 18 ] && [ "${got% *}" = 200 ] && [ "$(header content-length)" = "$full" ] &&
    [ "$part" -eq $((full / 2)) ] && cmp -s -n "$part" "$TMP/body" "$TMP/full" &&
    grep -q "transfer closed with $((full - part)) bytes remaining" "$TMP/curl.err"; then
    ok "truncate: 200 with the full Content-Length, half the body, then a transfer error"
else
    not_ok "truncate: 200 with the full Content-Length, half the body, then a transfer error" \
        "curl rc=$rc '$got' Content-Length $(header content-length) full $full" "$(cat "$TMP/curl.err")"
fi
st=$(post "$TR" '{"pageSize":20}')
same "truncate,count=1: the next answer is whole" "$st:$(cmp -s "$TMP/body" "$TMP/full" && echo same)" "200:same"

if start reset --individuals 10 --fault reset,after=1,count=1 -v; then RS=$URL; else RS=; fi
a=$(post "$RS" '{}')
b=$(post "$RS" '{}')
b_rc=$?
b_err=$(cat "$TMP/curl.err")
c=$(post "$RS" '{}')
if [ "$a $b $c" = "200 000 200" ] && echo "$b_err" | grep -q 'Empty reply from server'; then
    ok "reset,after=1,count=1: the second request gets no answer at all, the next one does"
else
    not_ok "reset,after=1,count=1: the second request gets no answer at all, the next one does" \
        "statuses $a $b $c" "curl: $b_err (rc $b_rc)"
fi

# The answer kinds exclude each other; a shadowed rule keeps its count.
if start excl --individuals 5 --fault status=503,count=1 --fault status=502,count=1; then EX=$URL; else EX=; fi
same "two answer rules: the first applies, the second takes the next request" "$(statuses "$EX" 4)" " 503 502 200 200"

# ---- after, count, every, prob -----------------------------------------------------------------------

if start cnt --individuals 5 --fault status=500,count=2; then C=$URL; else C=; fi
same "count=2: two faults, then normal answers" "$(statuses "$C" 4)" " 500 500 200 200"
if start evr --individuals 5 --fault status=500,every=2; then E=$URL; else E=; fi
same "every=2: every second request" "$(statuses "$E" 6)" " 200 500 200 500 200 500"
if start mix --individuals 5 --fault status=503,after=1,every=3,count=4; then M=$URL; else M=; fi
same "status=503,after=1,every=3,count=4: requests 4, 7, 10 and 13" "$(statuses "$M" 15)" \
    " 200 200 200 503 200 200 503 200 200 503 200 200 503 200 200"

if start p1 --individuals 5 --fault status=503,prob=0.5 --fault-seed 42; then P1=$URL; else P1=; fi
if start p2 --individuals 5 --fault status=503,prob=0.5 --fault-seed 42; then P2=$URL; else P2=; fi
if start p3 --individuals 5 --fault status=503,prob=0.5 --fault-seed 43; then P3=$URL; else P3=; fi
if start p4 --individuals 5 --fault status=503,prob=0.5; then P4=$URL; else P4=; fi
if start p5 --individuals 5 --fault status=503,prob=0.5 --fault-seed 1; then P5=$URL; else P5=; fi
s1=$(statuses "$P1" 24)
s2=$(statuses "$P2" 24)
s3=$(statuses "$P3" 24)
same "prob=0.5 with --fault-seed 42 twice: the same faults on the same requests" "$s2" "$s1"
check "prob=0.5: some requests fail and some do not ($s1)" sh -c "echo '$s1' | grep -q 200 && echo '$s1' | grep -q 503"
check "another --fault-seed draws differently" test "$s3" != "$s1"
same "the default --fault-seed is 1" "$(statuses "$P4" 12)" "$(statuses "$P5" 12)"
if start p0 --individuals 5 --fault status=503,prob=0 --fault status=502,prob=1.0; then P0=$URL; else P0=; fi
same "prob=0 never applies, prob=1.0 always" "$(statuses "$P0" 3)" " 502 502 502"

# ---- grow and shrink -------------------------------------------------------------------------------

if start grow --individuals 300 --seed 7 --fault grow=5,after=2 -v; then G=$URL; else G=; fi
page_is "grow=5,after=2: request 1 sees the data set as it was" \
    "$G" '{"pageSize":10,"pageOffset":1}' 1 10 300 10 1
page_is "grow=5,after=2: request 2 too (page 2 is records 11..20)" \
    "$G" '{"pageSize":10,"pageOffset":2}' 11 10 300 10 2
page_is "grow=5: from request 3 on totalCount is 305 and page 3 starts with the last 5 of page 2" \
    "$G" '{"pageSize":10,"pageOffset":3}' 16 10 305 10 3
post "$G" '{"pageSize":10,"pageOffset":1}' >/dev/null
cp "$TMP/body" "$TMP/g1"
ids "$TMP/d7" >"$TMP/d7.ids"
ids "$TMP/g1" >"$TMP/g1.ids"
head -n 5 "$TMP/g1.ids" >"$TMP/new.ids"
if [ "$(total)" = 305 ] && [ "$(sed -n '6,10p' "$TMP/g1.ids")" = "$(head -n 5 "$TMP/d7.ids")" ] &&
    [ "$(sort -u "$TMP/new.ids" | wc -l | tr -d ' ')" = 5 ] &&
    [ "$(grep -cxFf "$TMP/d7.ids" "$TMP/new.ids")" = 0 ]; then
    ok "grow=5: page 1 is 5 new individuals with ids of their own, then records 1..5"
else
    not_ok "grow=5: page 1 is 5 new individuals with ids of their own, then records 1..5" "$(cat "$TMP/g1.ids")"
fi
post "$G" '{"pageSize":5,"pageOffset":1}' >/dev/null
cat "$TMP/d7" "$TMP/body" | grep -oE '"id":"([0-9]{9}|SUB-[0-9]+)"' | sort | uniq -d >"$TMP/dups"
same "grow: the new individuals' account and subscriber ids are unique too" "$(wc -l <"$TMP/dups" | tr -d ' ')" 0
page_is "grow: the last page ends with the data set's last records" \
    "$G" '{"pageSize":10,"pageOffset":31}' 296 5 305 10 31
ndsl=$(grep -c '"serviceType":"DSL"' "$TMP/d7")
post "$G" '{"serviceType":"DSL","pageSize":5}' >/dev/null
ids "$TMP/body" >"$TMP/dsl.ids"
if [ "$(total)" = $((ndsl + 5)) ] && cmp -s "$TMP/dsl.ids" "$TMP/new.ids" &&
    [ "$(grep -o '"serviceType":"DSL"' "$TMP/body" | wc -l | tr -d ' ')" -ge 5 ]; then
    ok "grow: a serviceType filter (DSL) finds the 5 new individuals too ($ndsl + 5)"
else
    not_ok "grow: a serviceType filter (DSL) finds the 5 new individuals too" "totalCount $(total), want $((ndsl + 5))" \
        "$(cat "$TMP/dsl.ids")"
fi
post "$G" '{"serviceType":"SATELLITE"}' >/dev/null
same "grow: an unknown serviceType still matches nothing" "$(total)" 0
if start grow2 --individuals 300 --seed 7 --fault grow=5; then G2=$URL; else G2=; fi
post "$G2" '{"pageSize":10,"pageOffset":1}' >/dev/null
same_file "grow: the new individuals are the same in every run" "$TMP/body" "$TMP/g1"
post "$G2" '{"pageSize":1}' >/dev/null
same "grow without count= happens once" "$(total)" 305
if start grow3 --individuals 300 --seed 7 --fault grow=2,after=1,count=2; then G3=$URL; else G3=; fi
got=""
for _ in 1 2 3 4; do post "$G3" '{"pageSize":1}' >/dev/null; got="$got $(total)"; done
same "grow=2,after=1,count=2: totalCount 300 302 304 304" "$got" " 300 302 304 304"

if start shrink --individuals 300 --seed 7 --fault shrink=4,after=1 -v; then SH=$URL; else SH=; fi
page_is "shrink=4,after=1: request 1 sees the data set as it was" \
    "$SH" '{"pageSize":10,"pageOffset":1}' 1 10 300 10 1
page_is "shrink=4: then totalCount is 296 and page 2 is records 15..24 (11..14 are skipped)" \
    "$SH" '{"pageSize":10,"pageOffset":2}' 15 10 296 10 2
page_is "shrink=4: records 1..4 are gone for good" "$SH" '{"pageSize":10,"pageOffset":1}' 5 10 296 10 1
nfib=$(grep -c '"serviceType":"FIBER"' "$TMP/d7")
post "$SH" '{"serviceType":"FIBER","pageSize":3}' >/dev/null
# shrink is remove at the front of the one order of records: a filtered result set loses those of
# records 1..4 that it has, and keeps its relative order.
kfib=$(sed -n '2,5p' "$TMP/d7" | grep -c '"serviceType":"FIBER"')
sed -n '6,$p' "$TMP/d7" | grep '"serviceType":"FIBER"' | sed 's/,$//' | sed -n '1,3p' |
    awk 'NR > 1 { printf "," } { printf "%s", $0 }' | expect $((nfib - kfib)) 3 1 >"$TMP/want"
same_file "shrink=4: a filtered result set loses those of records 1..4 it has ($kfib)" "$TMP/body" "$TMP/want"

# ---- OAuth 2.0 client credentials --------------------------------------------------------------------

if start oauth --individuals 10 --oauth-client 'sbx-client:s3cr3t-Pa55' -v; then O=$URL; OROOT=$ROOT; else O=; fi
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -d grant_type=client_credentials)
T1=$(json_str access_token)
if [ "$st" = 200 ] && [ ${#T1} -ge 20 ] && [ "$(json_str token_type)" = Bearer ] &&
    grep -q '"expires_in":3600,' "$TMP/body" && [ "$(json_str scope)" != "" ] &&
    [ "$(header cache-control)" = no-store ] && [ "$(header content-type)" = application/json ]; then
    ok "token: HTTP Basic client credentials give a Bearer token for 3600 s, Cache-Control: no-store"
else
    not_ok "token: HTTP Basic client credentials give a Bearer token" "$st $(body)" "$(cat "$TMP/hdr")"
fi
st=$(token "$O" -d 'grant_type=client_credentials&client_id=sbx-client&client_secret=s3cr3t-Pa55&scope=customers%3Aread')
T2=$(json_str access_token)
same "token: credentials in the form body, scope echoed" "$st $(json_str token_type) $(json_str scope)" \
    "200 Bearer customers:read"
check "token: every token is new" test -n "$T2" -a "$T2" != "$T1"
st=$(token "$OROOT" -u 'sbx-client:s3cr3t-Pa55' -d grant_type=client_credentials)
same "token: /oauth/token works as well as /omni-svcs/oauth/token" "$st $(json_str token_type)" "200 Bearer"
st=$(token "$O" -u 'sbx-client:wrong' -d grant_type=client_credentials)
same "token: a wrong secret is 401 invalid_client with WWW-Authenticate: Basic" \
    "$st $(oauth_error) $(header www-authenticate)" "401 invalid_client Basic"
st=$(token "$O" -u 'other:s3cr3t-Pa55' -d grant_type=client_credentials)
same "token: a wrong client id is 401 invalid_client" "$st $(oauth_error)" "401 invalid_client"
st=$(token "$O" -d grant_type=client_credentials)
same "token: no credentials is 401 invalid_client" "$st $(oauth_error) $(header www-authenticate)" \
    "401 invalid_client Basic"
st=$(token "$O" -d 'grant_type=client_credentials&client_id=sbx-client&client_secret=nope')
same "token: a wrong client_secret in the body is 401 invalid_client" "$st $(oauth_error)" "401 invalid_client"
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -d 'grant_type=password&username=a&password=b')
same "token: another grant type is 400 unsupported_grant_type" "$st $(oauth_error)" "400 unsupported_grant_type"
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -d 'scope=x')
same "token: no grant_type is 400 invalid_request" "$st $(oauth_error)" "400 invalid_request"
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -H 'content-type: application/json' -d '{"grant_type":"client_credentials"}')
same "token: a JSON body is 400 invalid_request" "$st $(oauth_error)" "400 invalid_request"
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -d 'grant_type=client_credentials&grant_type=client_credentials')
same "token: a repeated parameter is 400 invalid_request" "$st $(oauth_error)" "400 invalid_request"
st=$(token "$O" -u 'sbx-client:s3cr3t-Pa55' -d 'grant_type=client_credentials&scope=%ZZ')
same "token: a bad %-escape is 400 invalid_request" "$st $(oauth_error)" "400 invalid_request"
st=$(token "$O" -X GET)
same "token: GET is 405" "$st $(errcode)" "405 METHOD_NOT_ALLOWED"

st=$(post "$O" '{}')
same "search without a token: 401 UNAUTHORIZED, WWW-Authenticate: Bearer" "$st $(errcode) $(header www-authenticate)" \
    "401 UNAUTHORIZED Bearer"
st=$(post "$O" '{}' -H 'Authorization: Bearer not-a-token')
same "search with a made-up token: 401, Bearer error=\"invalid_token\"" "$st $(errcode) $(header www-authenticate)" \
    '401 UNAUTHORIZED Bearer error="invalid_token"'
st=$(post "$O" '{}' -H "Authorization: Bearer $T1")
same "search with an issued token: 200" "$st $(individuals "$TMP/body")" "200 10"
st=$(post "$O" '{}' -H "Authorization: bearer $T2")
same "search with the other token (scheme in lower case): 200" "$st" 200
sleep 0.1
check "the log names the client and counts tokens: POST /omni-svcs/oauth/token 200 client=ID tokens=N" \
    grep -qx 'att-sandbox: POST /omni-svcs/oauth/token 200 client=sbx-client tokens=2' "$TMP/oauth.err"
check "the log line of a refused client names the error" \
    grep -q '^att-sandbox: POST /omni-svcs/oauth/token 401 error=invalid_client client=sbx-client tokens=3$' "$TMP/oauth.err"
check "neither the secret nor a token is ever logged" \
    sh -c "! grep -q -e 's3cr3t' -e '$T1' -e '$T2' '$TMP/oauth.err'"

if start ttl --individuals 10 --oauth-client 'c:s' --token-ttl 1; then TT=$URL; else TT=; fi
token "$TT" -u c:s -d grant_type=client_credentials >/dev/null
T=$(json_str access_token)
same "--token-ttl 1: expires_in is 1" "$(grep -o '"expires_in":[0-9]*' "$TMP/body")" '"expires_in":1'
st=$(post "$TT" '{}' -H "Authorization: Bearer $T")
same "--token-ttl 1: the token works at once" "$st" 200
sleep 1.1
st=$(post "$TT" '{}' -H "Authorization: Bearer $T")
same "--token-ttl 1: a second later it is 401, 'expired', invalid_token" \
    "$st $(errcode) $(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$TMP/body") $(header www-authenticate)" \
    '401 UNAUTHORIZED the access token has expired Bearer error="invalid_token"'
token "$TT" -u c:s -d grant_type=client_credentials >/dev/null
st=$(post "$TT" '{}' -H "Authorization: Bearer $(json_str access_token)")
same "--token-ttl 1: a fresh token works again" "$st" 200

if start exp --individuals 10 --oauth-client 'c:s' --fault expire-tokens,after=1 -v; then X=$URL; else X=; fi
token "$X" -u c:s -d grant_type=client_credentials >/dev/null
T=$(json_str access_token)
a=$(post "$X" '{}' -H "Authorization: Bearer $T")
b=$(post "$X" '{}' -H "Authorization: Bearer $T")
c=$(post "$X" '{}' -H "Authorization: Bearer $T")
msg=$(sed -n 's/.*"message":"\([^"]*\)".*/\1/p' "$TMP/body")
token "$X" -u c:s -d grant_type=client_credentials >/dev/null
T=$(json_str access_token)
d=$(post "$X" '{}' -H "Authorization: Bearer $T")
e=$(post "$X" '{}' -H "Authorization: Bearer $T")
same "expire-tokens,after=1: 200, 200 (the fault), then 401 expired; a new token works from then on" \
    "$a $b $c ($msg) $d $e" "200 200 401 (the access token has expired) 200 200"
sleep 0.1
check "expire-tokens: the log names the fault on the request it applied to" \
    grep -q ' 200 .*fault=expire-tokens,after=1' "$TMP/exp.err"
check "expire-tokens: renewals show in the log as tokens=2" grep -q 'oauth/token 200 client=c tokens=2$' "$TMP/exp.err"

if start both --individuals 10 --oauth-client 'c:s' --token static-T0ken; then B=$URL; else B=; fi
token "$B" -u c:s -d grant_type=client_credentials >/dev/null
T=$(json_str access_token)
same "--token with --oauth-client: the static token and issued tokens are both accepted" \
    "$(post "$B" '{}' -H 'Authorization: Bearer static-T0ken') $(post "$B" '{}' -H "Authorization: Bearer $T") $(post "$B" '{}' -H 'Authorization: Bearer x')" \
    "200 200 401"
st=$(token "$REF" -u c:s -d grant_type=client_credentials)
same "without --oauth-client there is no token endpoint (404)" "$st $(errcode)" "404 NOT_FOUND"

# ---- log lines of the new faults -------------------------------------------------------------------

sleep 0.1
check "-v names slow" grep -q ' 200 .*fault=slow=600,count=1 bytes=' "$TMP/slow.err"
check "-v names stall" grep -q ' 200 .*fault=stall=700,after=1 bytes=' "$TMP/stall.err"
check "-v names truncate, with the bytes actually sent" grep -q " 200 .*fault=truncate,count=1 bytes=$((full / 2))\$" "$TMP/trunc.err"
check "-v names reset (status 000: no answer)" grep -q ' 000 fault=reset,after=1,count=1 bytes=0$' "$TMP/reset.err"
check "-v names grow" grep -q 'pageOffset=3 individuals=10 fault=grow=5,after=2 bytes=' "$TMP/grow.err"
check "-v names shrink" grep -q 'pageOffset=2 individuals=10 fault=shrink=4,after=1 bytes=' "$TMP/shrink.err"

# ---- HTTPS -----------------------------------------------------------------------------------------

if command -v openssl >/dev/null 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/k.pem" -out "$TMP/c.pem" -days 2 \
        -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost >/dev/null 2>&1; then
    if start tls --individuals 300 --seed 7 --tls-cert "$TMP/c.pem" --tls-key "$TMP/k.pem"; then H=$URL; else H=; fi
    check "--tls-cert/--tls-key: the URL line is https://127.0.0.1:PORT/omni-svcs" \
        expr "$H" : 'https://127\.0\.0\.1:[1-9][0-9]*/omni-svcs$'
    st=$(post "$H" '{"pageSize":20}')
    same "HTTPS: curl without the CA fails verification (60)" "$st:$(grep -c 'certificate' "$TMP/curl.err")" "000:1"
    st=$(post "$H" '{"pageSize":20}' --cacert "$TMP/c.pem")
    same "HTTPS: curl --cacert gets the same page as over HTTP" "$st:$(cmp -s "$TMP/body" "$TMP/full" && echo same)" "200:same"
    conns=$(curl -sS --max-time 10 --cacert "$TMP/c.pem" -o /dev/null -o /dev/null -w '%{num_connects} ' \
        --data-binary '{"pageSize":3}' "$H/v1/customers/search" "$H/v1/customers/search")
    same "HTTPS: keep-alive reuses the TLS connection" "$conns" "1 0 "
    if start tlso --individuals 10 --tls-cert "$TMP/c.pem" --tls-key "$TMP/k.pem" --oauth-client 'c:s' \
        --fault truncate,count=1; then HO=$URL; else HO=; fi
    token "$HO" --cacert "$TMP/c.pem" -u c:s -d grant_type=client_credentials >/dev/null
    T=$(json_str access_token)
    a=$(post "$HO" '{}' --cacert "$TMP/c.pem" -H "Authorization: Bearer $T")
    a_rc=$(grep -c 'transfer closed' "$TMP/curl.err")
    b=$(post "$HO" '{}' --cacert "$TMP/c.pem" -H "Authorization: Bearer $T")
    same "HTTPS with OAuth and a truncate fault: token, broken transfer, then 200" "$a:$a_rc $b" "200:1 200"
    "$SANDBOX" --port 0 --tls-cert "$TMP/k.pem" --tls-key "$TMP/k.pem" >/dev/null 2>"$TMP/cli.err"
    same "a key given as the certificate: exit 2, one line naming the file" \
        "$?:$(wc -l <"$TMP/cli.err" | tr -d ' '):$(grep -c 'k.pem' "$TMP/cli.err")" "2:1:1"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/k2.pem" -out "$TMP/c2.pem" -days 2 \
        -subj /CN=other >/dev/null 2>&1
    "$SANDBOX" --port 0 --tls-cert "$TMP/c.pem" --tls-key "$TMP/k2.pem" >/dev/null 2>"$TMP/cli.err"
    same "a key that does not match the certificate: exit 2, one line" \
        "$?:$(wc -l <"$TMP/cli.err" | tr -d ' ')" "2:1"
else
    skip "HTTPS tests" "no openssl command to make a test certificate"
fi

# ---- hostile answers: echoes of the credentials ---------------------------------------------------------

# A value with the characters that JSON, HTML and the \/ form of PHP treat specially.
AUTH='Bearer abc/def"gh\ij'
AUTH_JSON='Bearer abc\/def\"gh\\ij'
if start echo --individuals 300 --seed 7 -v --fault echo-json=401,count=1 --fault echo-json=500,count=1 \
    --fault echo-json=200,count=1; then EC=$URL; else EC=; fi
st=$(post "$EC" '{"pageSize":20}' -H "Authorization: $AUTH")
printf '%s' "{\"code\":\"ECHO\",\"message\":\"received Authorization: $AUTH_JSON\"}" >"$TMP/want"
same "echo-json=401: status and content type" "$st $(header content-type)" "401 application/json"
same_file "echo-json=401: the header value JSON-escaped as PHP does it (a backslash before / \" and backslash)" \
    "$TMP/body" "$TMP/want"
st=$(post "$EC" '{"pageSize":20}' -H "Authorization: $AUTH")
same_file "echo-json=500,count=1 after echo-json=401,count=1: the second request gets 500, the same body" \
    "$TMP/body" "$TMP/want"
same "... with status 500" "$st" 500
st=$(post "$EC" '{"pageSize":20}' -H "Authorization: $AUTH")
{ head -c $((full - 1)) "$TMP/full"; printf '%s' ",\"echo\":\"$AUTH_JSON\"}"; } >"$TMP/want"
same "echo-json=200: status 200, application/json" "$st $(header content-type)" "200 application/json"
same_file "echo-json=200: the normal page plus a top-level \"echo\" with the escaped value" "$TMP/body" "$TMP/want"
same "echo-json=200: the page is valid JSON and \"echo\" decodes to the header value" \
    "$(jlua "$TMP/body" 'print(j and j.echo, j and #j.individuals)')" "$(printf '%s\t20' "$AUTH")"
st=$(post "$EC" '{"pageSize":20}' -H "Authorization: $AUTH")
same "every echo-json rule had count=1: the fourth request is answered normally" \
    "$st:$(cmp -s "$TMP/body" "$TMP/full" && echo same)" "200:same"

if start echo2 --individuals 5 --fault echo-json=403 --fault-seed 3; then E2=$URL; else E2=; fi
post "$E2" '{}' >/dev/null
same "echo-json without an Authorization header echoes (none)" "$(body)" \
    '{"code":"ECHO","message":"received Authorization: (none)"}'
post "$E2" '{}' -H "$(printf 'Authorization: Bearer a\001b\tc\177d')" >/dev/null
same "echo-json: control characters as \\u00XX (tab included), DEL as it is" "$(body)" \
    "$(printf '{"code":"ECHO","message":"received Authorization: Bearer a\\u0001b\\u0009c\177d"}')"
post "$E2" '{}' -H "$(printf 'Authorization: Bearer \303\251\360\237\230\200\377x')" >/dev/null
same "echo-json: non-ASCII as \\uXXXX (a surrogate pair above U+FFFF), a byte that is not UTF-8 as \\ufffd" \
    "$(body)" '{"code":"ECHO","message":"received Authorization: Bearer \u00e9\ud83d\ude00\ufffdx"}'

if start ehtml --individuals 5 --fault echo-html=502,count=1 --fault echo-html=200 -v; then EH=$URL; else EH=; fi
st=$(post "$EH" '{}' -H 'Authorization: Bearer <a>&b"c/d\e')
title=$(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$TMP/body")
same "echo-html=502: 502, text/html" "$st $(header content-type)" "502 text/html"
same "echo-html: the title is 'CODE Echo: VALUE' with < > & \" escaped, nothing else" "$title" \
    '502 Echo: Bearer &lt;a&gt;&amp;b&quot;c/d\e'
check "echo-html: the body of the page shows the value too" grep -qF '<h1>502 Echo: Bearer &lt;a&gt;&amp;b&quot;c/d\e</h1>' "$TMP/body"
st=$(post "$EH" '{}')
same "echo-html=200: 200, and (none) without the header" \
    "$st $(header content-type) $(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$TMP/body")" "200 text/html 200 Echo: (none)"

if start etext --individuals 5 --fault echo-text=401,every=2 -v; then ET=$URL; else ET=; fi
a=$(post "$ET" '{}' -H "Authorization: $AUTH")
b=$(post "$ET" '{}' -H "Authorization: $AUTH")
printf 'unauthorized request with Authorization: %s\n' "$AUTH" >"$TMP/want"
same "echo-text=401,every=2: requests 1 and 2 get 200 and 401, text/plain" "$a $b $(header content-type)" \
    "200 401 text/plain"
same_file "echo-text: the raw value and a newline" "$TMP/body" "$TMP/want"
same "echo-text,every=2: then 200, 401 again" "$(statuses "$ET" 2)" " 200 401"

if start ansi --individuals 5 --fault ansi=502,count=1; then AN=$URL; else AN=; fi
st=$(post "$AN" '{}')
printf '\033]0;owned\007\033[2J\033[31mgateway\302\2331mrefused\177\r\n' >"$TMP/want"
same "ansi=502: 502, text/plain" "$st $(header content-type)" "502 text/plain"
same_file "ansi: OSC title, clear screen, colour, the 8-bit CSI and DEL, byte for byte" "$TMP/body" "$TMP/want"
same "ansi,count=1: then normal answers" "$(statuses "$AN" 1)" " 200"

# ---- hostile answers: echo-page, in two parts ------------------------------------------------------------

if start epage --individuals 300 --seed 7 --fault echo-page,count=2 -v; then EP=$URL; else EP=; fi
got=$(curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" --trace-ascii "$TMP/trace" --trace-time \
    -w '%{http_code} %{time_starttransfer} %{time_total}' -H "Authorization: $AUTH" \
    -d '{"pageSize":20}' "$EP/v1/customers/search")
pause=$(echo "$got" | awk '{ printf "%d", ($3 - $2) * 1000 }')
same "echo-page: 200 application/json" "${got%% *} $(header content-type)" "200 application/json"
check "echo-page: the body ends at least 250 ms after the first byte (${pause} ms)" test "$pause" -ge 250
same "echo-page: valid JSON, 20 individuals of 300, every preferredName the header value" \
    "$(JV=$AUTH jlua "$TMP/body" 'local bad = 0
for _, i in ipairs(j.individuals) do if i.preferredName ~= os.getenv("JV") then bad = bad + 1 end end
print(#j.individuals, math.tointeger(j.totalCount), bad)')" "$(printf '20\t300\t0')"
ids "$TMP/body" >"$TMP/ep.ids"
ids "$TMP/full" >"$TMP/full.ids"
check "echo-page: the same individuals as a normal page" cmp -s "$TMP/ep.ids" "$TMP/full.ids"
check "echo-page: the values are escaped with \\/ in the body" \
    test "$(grep -oF "\"preferredName\":\"$AUTH_JSON\"" "$TMP/body" | wc -l | tr -d ' ')" = 20
parts=$(recv_parts "$TMP/trace" 0.25)
first=${parts%% *}
same "echo-page: the body arrives in two parts, 250 ms or more apart" "$(echo "$parts" | wc -w | tr -d ' ')" 2
same "echo-page: the first part ends in the middle of the token of the first preferredName" \
    "$(head -c "$first" "$TMP/body" | tail -c 32)" '"preferredName":"Bearer abc\/def'
post "$EP" '{"pageSize":3,"pageOffset":2}' >/dev/null
same "echo-page without an Authorization header: every preferredName is (none)" \
    "$(grep -o '"preferredName":"[^"]*"' "$TMP/body" | sort | uniq -c | tr -s ' ')" ' 3 "preferredName":"(none)"'
post "$EP" '{"pageSize":20}' -H "Authorization: $AUTH" >/dev/null
same "echo-page,count=2: the third page is the normal one" "$(cmp -s "$TMP/body" "$TMP/full" && echo same)" same

# ---- hostile answers: hang, silence, big -----------------------------------------------------------------

if start hang --individuals 300 --seed 7 --fault hang,count=1 -v; then HG=$URL; else HG=; fi
t0=$(now_ms)
got=$(curl -sS --max-time 1 -o /dev/null -w '%{http_code}' -d '{"pageSize":20}' "$HG/v1/customers/search" 2>"$TMP/curl.err")
rc=$?
ms=$(($(now_ms) - t0))
same "hang: curl --max-time 1 times out with nothing (rc 28, status 000)" "$rc $got" "28 000"
check "hang: ... after about a second (${ms} ms)" test "$ms" -ge 950 -a "$ms" -lt 2500
sleep 0.2
check "hang: the sandbox lets go once the client has gone, and logs the request as 000 fault=hang" \
    grep -qx 'att-sandbox: POST /omni-svcs/v1/customers/search 000 fault=hang,count=1 bytes=0' "$TMP/hang.err"
post "$HG" '{"pageSize":20}' >/dev/null
same "hang,count=1: the next request is answered" "$(cmp -s "$TMP/body" "$TMP/full" && echo same)" same

if start silence --individuals 300 --seed 7 --fault silence=500,count=1 -v; then SI=$URL; else SI=; fi
got=$(curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" --trace-ascii "$TMP/trace" --trace-time \
    -w '%{http_code} %{time_starttransfer} %{time_total}' -d '{"pageSize":20}' "$SI/v1/customers/search")
first=$(echo "$got" | awk '{ printf "%d", $2 * 1000 }')
all=$(echo "$got" | awk '{ printf "%d", $3 * 1000 }')
same "silence=500: 200 with the full Content-Length, and the whole normal body" \
    "${got%% *} $(header content-length) $(cmp -s "$TMP/body" "$TMP/full" && echo same)" "200 $full same"
check "silence=500: the headers arrive at once (${first} ms)" test "$first" -lt 300
check "silence=500: the body only after the pause (${all} ms)" test "$all" -ge 450 -a "$all" -lt 3000
same "silence=500: no body byte before the pause (one run of reads, the whole body)" "$(recv_parts "$TMP/trace" 0.25)" "$full"
t0=$(now_ms)
post "$SI" '{"pageSize":20}' >/dev/null
ms=$(($(now_ms) - t0))
check "silence=500,count=1: the next answer comes at once (${ms} ms)" test "$ms" -lt 400

if start big --individuals 300 --seed 7 --fault big=2M,count=1 --fault big=1K,count=1 --fault big=64M,count=1 -v; then BG=$URL; else BG=; fi
st=$(post "$BG" '{"pageSize":20}')
size=$(wc -c <"$TMP/body" | tr -d ' ')
same "big=2M: 200, application/json, a body of 2 MiB = 2097152 bytes, Content-Length too" \
    "$st $(header content-type) $size $(header content-length)" "200 application/json 2097152 2097152"
same "big=2M: valid JSON, 20 individuals of 300, a padding of x's only" \
    "$(jlua "$TMP/body" 'print(#j.individuals, math.tointeger(j.totalCount), #j.padding, (j.padding:gsub("x", "")))')" \
    "$(printf '20\t300\t%s\t' $((2097152 - full - 13)))"
ids "$TMP/body" >"$TMP/big.ids"
check "big=2M: the same individuals as a normal page" cmp -s "$TMP/big.ids" "$TMP/full.ids"
{ head -c $((full - 1)) "$TMP/full"; printf ',"padding":""}'; } >"$TMP/want"
post "$BG" '{"pageSize":20}' >/dev/null
same_file "big=1K, smaller than the page: the page with an empty padding" "$TMP/body" "$TMP/want"
t0=$(now_ms)
got=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code} %{size_download}' -d '{"pageSize":20}' "$BG/v1/customers/search")
ms=$(($(now_ms) - t0))
same "big=64M: 64 MiB arrive (in ${ms} ms)" "$got" "200 67108864"
check "big=64M: made and sent within 10 s" test "$ms" -lt 10000

# ---- hostile answers: echo-basic on the token endpoint ------------------------------------------------

# 'sbx-c:???-Pa55' is c2J4LWM6Pz8/LVBhNTU= in base64: the Basic credentials hold a '/'.
if start ebasic --individuals 5 --oauth-client 'sbx-c:???-Pa55' -v --fault echo-basic=401,count=1 \
    --fault echo-basic=200,after=2,count=1 --fault status=503,count=1; then EB=$URL; else EB=; fi
st=$(token "$EB" -H 'Authorization: Basic x"y/z' -d grant_type=client_credentials)
same "echo-basic=401: token request 1 gets 401 invalid_client, WWW-Authenticate: Basic, application/json" \
    "$st $(oauth_error) $(header www-authenticate) $(header content-type)" "401 invalid_client Basic application/json"
same "echo-basic=401: error_description quotes the Authorization header, escaped with \\/ and \\\"" "$(body)" \
    '{"error":"invalid_client","error_description":"bad client credentials: Basic x\"y\/z"}'
st=$(post "$EB" '{}')
same "echo-basic: a search without a token is refused before the fault rules (and not numbered)" "$st" 401
st=$(token "$EB" -u 'sbx-c:???-Pa55' -d grant_type=client_credentials)
TB=$(json_str access_token)
same "echo-basic: token request 2 is answered normally" "$st $(grep -c '"echo"' "$TMP/body")" "200 0"
st=$(post "$EB" '{}' -H "Authorization: Bearer $TB")
same "searches are numbered apart from token requests: search 1 gets the status=503,count=1 fault" \
    "$st $(errcode)" "503 INJECTED"
st=$(token "$EB" -u 'sbx-c:???-Pa55' -d grant_type=client_credentials)
TB3=$(json_str access_token)
same "echo-basic=200,after=2: token request 3 is the usual token response plus \"echo\"" \
    "$st $(sed -n 's/.*,"echo":"\([^"]*\)"}$/\1/p' "$TMP/body")" '200 Basic c2J4LWM6Pz8\/LVBhNTU='
same "echo-basic=200: valid JSON whose echo decodes to the header, and the token works" \
    "$(jlua "$TMP/body" 'print(j.echo, j.token_type)') $(post "$EB" '{}' -H "Authorization: Bearer $TB3")" \
    "$(printf 'Basic c2J4LWM6Pz8/LVBhNTU=\tBearer') 200"
st=$(token "$EB" -d 'grant_type=client_credentials&client_id=sbx-c&client_secret=%3F%3F%3F-Pa55')
same "echo-basic: both rules used up, request 4 is normal" "$st $(grep -c '"echo"' "$TMP/body")" "200 0"
if start ebasic2 --individuals 5 --oauth-client 'c:s' --fault echo-basic=400; then EB2=$URL; else EB2=; fi
st=$(token "$EB2" -d 'grant_type=client_credentials&client_id=c&client_secret=s')
same "echo-basic=400 without an Authorization header: 400, (none), no WWW-Authenticate" "$st $(body) $(header www-authenticate)" \
    '400 {"error":"invalid_client","error_description":"bad client credentials: (none)"} '
sleep 0.1
check "echo-basic: the log names the fault and the token count (no client: the credentials are malformed)" \
    grep -qx 'att-sandbox: POST /omni-svcs/oauth/token 401 error=invalid_client client=- tokens=0 fault=echo-basic=401,count=1' "$TMP/ebasic.err"
check "echo-basic=200: its log line" \
    grep -qx 'att-sandbox: POST /omni-svcs/oauth/token 200 client=sbx-c tokens=2 fault=echo-basic=200,after=2,count=1' "$TMP/ebasic.err"

# ---- the -v log never shows what the echoes send ----------------------------------------------------

if start paths --individuals 5 -v --fault echo-json=401; then PA=$URL; PROOT=$ROOT; else PA=; fi
curl -s -o /dev/null -X POST -d 'x' -H "Authorization: $AUTH" "$PROOT/admin/secret"
curl -s -o /dev/null "$PROOT/admin/secret?x=1"
curl -s -o /dev/null -X DELETE "$PA/v1/customers/1"
sleep 0.1
check "-v: a request to another path shows its method and path (POST /admin/secret 404)" \
    grep -qE '^att-sandbox: POST /admin/secret 404 code=NOT_FOUND bytes=[0-9]+$' "$TMP/paths.err"
check "-v: GET /admin/secret 404 (the query is not part of the path)" \
    grep -qE '^att-sandbox: GET /admin/secret 404 ' "$TMP/paths.err"
check "-v: DELETE /omni-svcs/v1/customers/1 404" \
    grep -qE '^att-sandbox: DELETE /omni-svcs/v1/customers/1 404 ' "$TMP/paths.err"
sleep 0.1
leaks=$(grep -l -e 'abc' -e 'Tok3n' -e 'c2J4' -e 'Pa55' -e 'x"y' "$TMP"/echo.err "$TMP"/echo2.err "$TMP"/ehtml.err \
    "$TMP"/etext.err "$TMP"/epage.err "$TMP"/t16.err "$TMP"/t64.err "$TMP"/paths.err "$TMP"/ebasic.err \
    "$TMP"/ebasic2.err 2>/dev/null | tr '\n' ' ')
same "-v logs of the echo faults and long tokens show no credential" "$leaks" ""
check "-v: the echo faults are named in the log" grep -q ' 401 code=ECHO fault=echo-json=401,count=1 bytes=' "$TMP/echo.err"

# ---- shutdown --------------------------------------------------------------------------------------

# A stall in progress does not hold up SIGTERM.
if start late --individuals 300 --seed 7 --fault stall=20000; then LT=$URL; else LT=; fi
curl -s --max-time 30 -o /dev/null -d '{"pageSize":20}' "$LT/v1/customers/search" &
pc=$!
sleep 0.3
t0=$(now_ms)
stop late
ms=$(($(now_ms) - t0))
wait $pc
same "SIGTERM during a 20 s stall: exit 0 within a second (${ms} ms)" "$STOP_RC:$([ $ms -lt 1000 ] && echo fast)" "0:fast"

# Nor does a hang, which would otherwise last for ever.
if start hang2 --individuals 300 --seed 7 --fault hang -v; then HG2=$URL; else HG2=; fi
curl -s --max-time 30 -o /dev/null -d '{"pageSize":20}' "$HG2/v1/customers/search" 2>/dev/null &
pc=$!
sleep 0.3
t0=$(now_ms)
stop hang2
ms=$(($(now_ms) - t0))
wait $pc
pc_rc=$?
same "SIGTERM during a hang: exit 0 within a second (${ms} ms), the client sees the connection close (52)" \
    "$STOP_RC:$([ $ms -lt 1000 ] && echo fast):$pc_rc" "0:fast:52"

# ---- the order of records: insert, remove, /_sandbox/ids ---------------------------------------------

# sids BASE [BODY]: the ids that POST BASE/_sandbox/ids lists, one per line (its answer in $TMP/sids).
sids() {
    if [ $# -ge 2 ]; then sbody=$2; else sbody='{}'; fi
    curl -sS --max-time 10 -o "$TMP/sids" -w '%{http_code}' --data-binary "$sbody" "$1/_sandbox/ids" \
        >"$TMP/sids.code" 2>"$TMP/curl.err"
    sed 's/^{"totalCount":[0-9]*,"ids":\[//; s/\]}$//' "$TMP/sids" | tr ',' '\n' | tr -d '"' | awk 'NF'
}
sids_total() { sed -n 's/^{"totalCount":\([0-9]*\),"ids":\[.*/\1/p' "$TMP/sids"; }
# new_lines FILE: the line numbers of the ids of FILE that the data set $TMP/d7 does not have.
new_lines() { awk 'NR == FNR { old[$0] = 1; next } !($0 in old) { printf "%s%d", (n++ ? " " : ""), FNR }' "$TMP/d7.ids" "$1"; }
# own_of FILE: the ids of FILE that the data set has, in order.
own_of() { grep -xFf "$TMP/d7.ids" "$1"; }
# svc_ids SVC: the ids of the records of $TMP/d7 with an account of serviceType SVC, in order.
svc_ids() { grep "\"serviceType\":\"$1\"" "$TMP/d7" | grep -oE '^\{"id":"[^"]*"' | cut -d'"' -f4; }
AUTH='Authorization: Bearer sbx-tok'

if start ids0 --individuals 300 --seed 7 --token sbx-tok --appname app --fault status=503,after=1 -v; then
    I0=$URL
else I0=; fi
sids "$I0" >"$TMP/i0.ids"
same "/_sandbox/ids: 200, totalCount 300, the data set's ids in order (no token, no appname needed)" \
    "$(cat "$TMP/sids.code") $(sids_total) $(cmp -s "$TMP/i0.ids" "$TMP/d7.ids" && echo same)" "200 300 same"
sids "$I0" '{"serviceType":"dsl"}' >"$TMP/i0.dsl"
svc_ids DSL >"$TMP/d7.dsl"
same "/_sandbox/ids with a serviceType: that result set, as a search filters it" \
    "$(sids_total) $(cmp -s "$TMP/i0.dsl" "$TMP/d7.dsl" && echo same)" "$(wc -l <"$TMP/d7.dsl" | tr -d ' ') same"
sids "$I0" '{"serviceType":"SATELLITE"}' >/dev/null
same "/_sandbox/ids with an unknown serviceType: nothing" "$(cat "$TMP/sids")" '{"totalCount":0,"ids":[]}'
sids "$I0" '{"serviceType":""}' >/dev/null
same "/_sandbox/ids with a bad serviceType: 400 INVALID_SERVICE_TYPE" "$(cat "$TMP/sids.code") $(sed -n 's/^{"code":"\([A-Z_]*\)".*/\1/p' "$TMP/sids")" \
    "400 INVALID_SERVICE_TYPE"
sids "$I0" '' >/dev/null
same "/_sandbox/ids with an empty body: as {}" "$(sids_total)" 300
got=$(post "$I0" '{"pageSize":1}' -H "$AUTH" -H 'appname: app') 
got="$got $(post "$I0" '{"pageSize":1}' -H "$AUTH" -H 'appname: app')"
same "/_sandbox/ids is no search: status=503,after=1 still spares search 1, not search 2" "$got" "200 503"
same "/_sandbox/ids: -v logs it as 'att-sandbox: inspect ids ...', unlike the 2 searches" \
    "$(grep -c '^att-sandbox: inspect ids ' "$TMP/ids0.err") $(grep -cE '^att-sandbox: [A-Z]+ /' "$TMP/ids0.err")" "5 2"
same "/_sandbox/ids: GET is 405" "$(curl -s -o /dev/null -w '%{http_code}' "$I0/_sandbox/ids")" 405

# insert_at POS NAME: insert=3 at POS after search 1; RES is "unchanged before|total|lines of the new
# ids|old ones in order|distinct new ids". Not in a subshell: the sandbox must be this shell's child.
insert_at() {
    if start "ins$2" --individuals 300 --seed 7 --fault "insert=3,at=$1,after=1"; then B=$URL; else B=; fi
    sids "$B" >"$TMP/ins.before"
    post "$B" '{"pageSize":3}' >/dev/null
    sids "$B" >"$TMP/ins.mid"
    post "$B" '{"pageSize":3}' >/dev/null
    cp "$TMP/body" "$TMP/ins.page"
    sids "$B" >"$TMP/ins.after"
    own_of "$TMP/ins.after" >"$TMP/ins.own"
    RES=$(printf '%s|%s|%s|%s|%s' "$(cmp -s "$TMP/ins.before" "$TMP/d7.ids" && cmp -s "$TMP/ins.mid" "$TMP/d7.ids" && echo same)" \
        "$(sids_total)" "$(new_lines "$TMP/ins.after")" "$(cmp -s "$TMP/ins.own" "$TMP/d7.ids" && echo kept)" \
        "$(grep -v -xFf "$TMP/d7.ids" "$TMP/ins.after" | sort -u | wc -l | tr -d ' ')")
}
for row in "front:1 2 3" "end:301 302 303" "end-2:299 300 301" "end-300:1 2 3" "0:1 2 3" "5:6 7 8" "299:300 301 302" \
    "1000:301 302 303"; do
    pos=${row%%:*}
    insert_at "$pos" "$(echo "$pos" | tr -c 'a-z0-9\n' _)"
    same "insert=3,at=$pos,after=1: unchanged until search 2, then 303 with 3 new ids at $(echo ${row#*:} | tr ' ' ,), the old in order" \
        "$RES" "same|303|${row#*:}|kept|3"
done
insert_at front f2
same "insert at=front: search 2 already sees the 3 new individuals" "$(ids "$TMP/ins.page")" "$(head -n 3 "$TMP/ins.after")"
insert_at rand r1
got=$RES
lines=$(echo "$got" | cut -d'|' -f3)
set -- $lines
same "insert=3,at=rand: 303 ids, 3 new together at one position ($lines), the old in order" \
    "$(echo "$got" | cut -d'|' -f1,2,4,5):$(($2 - $1)):$(($3 - $2))" "same|303|kept|3:1:1"
insert_at rand r2
same "insert at=rand: the same --fault-seed draws the same position" "$(echo "$RES" | cut -d'|' -f3)" "$lines"
svc_ids DSL | cat - "$TMP/ins.after" | sort | uniq -d >"$TMP/keep"
grep -v -xFf "$TMP/d7.ids" "$TMP/ins.after" >>"$TMP/keep"
grep -xFf "$TMP/keep" "$TMP/ins.after" >"$TMP/ins.dslwant"
sids "$B" '{"serviceType":"DSL"}' >"$TMP/ins.dsl"
same "insert: a filtered result set is the unfiltered order's part that matches (the new match DSL)" \
    "$(cmp -s "$TMP/ins.dsl" "$TMP/ins.dslwant" && echo same)" same

# remove_at POS NAME: remove=4 at POS after search 1; RES is "unchanged before|total|the data-set
# lines where the runs of kept records start".
remove_at() {
    if start "rm$2" --individuals 300 --seed 7 --fault "remove=4,at=$1,after=1"; then B=$URL; else B=; fi
    post "$B" '{"pageSize":3}' >/dev/null
    sids "$B" >"$TMP/rm.mid"
    post "$B" '{"pageSize":3}' >/dev/null
    sids "$B" >"$TMP/rm.after"
    RES=$(printf '%s|%s|%s' "$(cmp -s "$TMP/rm.mid" "$TMP/d7.ids" && echo same)" "$(sids_total)" \
        "$(awk 'NR == FNR { at[$0] = FNR; next } { printf "%s%d", (n++ ? " " : ""), at[$0] }' "$TMP/d7.ids" "$TMP/rm.after" |
            awk '{ for (i = 1; i <= NF; i++) if (i == 1 || $i != $(i - 1) + 1) { printf "%s%d", (r++ ? " " : ""), $i } }')")
}
for row in "front:5" "end:1" "end-3:1 298" "end-298:3" "10:1 15" "298:1" "0:5"; do
    pos=${row%%:*}
    remove_at "$pos" "$(echo "$pos" | tr -c 'a-z0-9\n' _)"
    same "remove=4,at=$pos,after=1: unchanged until search 2, then those 4 records are gone, the rest in order" \
        "$RES" "same|$( [ "$pos" = end-298 ] && echo 298 || ([ "$pos" = 298 ] && echo 298 || echo 296))|${row#*:}"
done
remove_at rand r1
got=$RES
runs=$(echo "$got" | cut -d'|' -f3)
case "$runs" in "1 "*) nruns=2 ;; *) nruns=1 ;; esac
same "remove=4,at=rand: 296 left, 4 consecutive records gone ($runs)" "$(echo "$got" | cut -d'|' -f1,2):$(echo "$runs" | wc -w | tr -d ' ')" "same|296:$nruns"

# Events at random positions, again and again: removed ids never come back, inserted ids are new,
# and every snapshot keeps one relative order.
if start churn --individuals 300 --seed 7 --fault remove=3,at=rand,count=6 --fault insert=2,at=rand,count=6 \
    --fault remove=1,at=end,count=6 --fault-seed 11; then CH=$URL; else CH=; fi
sids "$CH" >"$TMP/snap0"
k=1
while [ $k -le 7 ]; do
    post "$CH" '{"pageSize":1}' >/dev/null
    sids "$CH" >"$TMP/snap$k"
    k=$((k + 1))
done
churn=$(awk '
    FNR == 1 { f++ }
    { rank[f, $0] = FNR; seen[$0] = 1; if (FNR > 1) { na++; ca[na] = prev; cb[na] = $0 } prev = $0; ids[f] = ids[f] " " $0 }
    END {
        bad = 0
        for (i = 2; i <= f; i++) {                 # gone from snapshot i-1 to i: never again
            split(ids[i - 1], a, " ")
            for (x in a) if (!((i, a[x]) in rank)) for (j = i; j <= f; j++) if ((j, a[x]) in rank) bad++
        }
        for (c = 1; c <= na; c++) for (j = 1; j <= f; j++)
            if ((j, ca[c]) in rank && (j, cb[c]) in rank && rank[j, ca[c]] > rank[j, cb[c]]) bad++
        printf "%d", bad
    }' "$TMP"/snap0 "$TMP"/snap1 "$TMP"/snap2 "$TMP"/snap3 "$TMP"/snap4 "$TMP"/snap5 "$TMP"/snap6 "$TMP"/snap7)
cat "$TMP"/snap[0-7] | grep -v -xFf "$TMP/d7.ids" | sort -u >"$TMP/churn.new"
same "insert/remove at rand, 6 times each: $(wc -l <"$TMP/snap7" | tr -d ' ') left (300 - 24 + 12), nothing comes back, one order throughout" \
    "$(wc -l <"$TMP/snap7" | tr -d ' '):$churn" "288:0"
same "insert/remove at rand: 12 inserted ids in all, each new" "$(wc -l <"$TMP/churn.new" | tr -d ' ')" 12

# ---- total-drift, offset-as, offset-mod ----------------------------------------------------------------

if start drift --individuals 300 --seed 7 --fault total-drift=7,after=1 --fault total-drift=5,every=2; then
    DR=$URL
else DR=; fi
got=""
for _ in 1 2 3 4 5; do post "$DR" '{"pageSize":10}' >/dev/null; got="$got $(total)"; done
same "total-drift=7,after=1 plus total-drift=5,every=2: totalCount 300 312 314 331 328" "$got" " 300 312 314 331 328"
page "$TMP/d7" 1 10 | expect 328 10 1 >"$TMP/want"
same_file "total-drift: the page itself is the true one" "$TMP/body" "$TMP/want"
sids "$DR" >/dev/null
same "total-drift: /_sandbox/ids tells the truth" "$(sids_total)" 300

if start oas --individuals 300 --seed 7 --fault offset-as=3; then OA=$URL; else OA=; fi
page_is "offset-as=3: pageOffset 1 is answered as page 3" "$OA" '{"pageSize":10,"pageOffset":1}' 21 10 300 10 3
page_is "offset-as=3: pageOffset 7 too" "$OA" '{"pageSize":10,"pageOffset":7}' 21 10 300 10 3
if start oas2 --individuals 300 --seed 7 --fault offset-as=31; then OA2=$URL; else OA2=; fi
page_is "offset-as=31: an empty page past the end" "$OA2" '{"pageSize":10,"pageOffset":2}' 1 0 300 10 31
if start omod --individuals 300 --seed 7 --fault repeat-pages,count=1 --fault offset-mod=2; then OM=$URL; else OM=; fi
page_is "repeat-pages,count=1 shadows offset-mod for request 1" "$OM" '{"pageSize":10,"pageOffset":3}' 1 10 300 10 1
got=""
for off in 1 2 3 4 5 6; do post "$OM" "{\"pageSize\":10,\"pageOffset\":$off}" >/dev/null; got="$got $(ids "$TMP/body" | head -n 1)"; done
want=""
for rec in 1 11 1 11 1 11; do want="$want $(sed -n "${rec}p" "$TMP/d7.ids")"; done
same "offset-mod=2: pageOffset 1..6 serve pages 1 2 1 2 1 2" "$got" "$want"
page_is "offset-mod=2: pageOffset 4 answers as 2" "$OM" '{"pageSize":10,"pageOffset":4}' 11 10 300 10 2

# ---- malformed pages -------------------------------------------------------------------------------------

# Request k+1 gets the k-th kind: each rule spares the requests before it and applies once.
MALFORMED="individuals-object individuals-null individuals-missing individuals-string item-null item-number
item-string item-array no-id id-null id-object id-bool id-empty dup-id total-missing total-float
total-negative total-string total-huge total-max total-over page-size-huge page-size-zero page-size-float
page-size-string not-object"
set --
k=0
for w in $MALFORMED; do
    set -- "$@" --fault "malformed=$w,at=1,after=$k,count=1"
    k=$((k + 1))
done
if start malformed --individuals 300 --seed 7 "$@"; then MF=$URL; else MF=; fi
r1=$(page "$TMP/d7" 1 1)
r2=$(page "$TMP/d7" 2 1)
r3=$(page "$TMP/d7" 3 1)
id1=$(sed -n 1p "$TMP/d7.ids")
id2=$(sed -n 2p "$TMP/d7.ids")
env='"pageInfo":{"pageSize":3,"pageOffset":1}'
# with_id VALUE: record 2 with its id (its first member) VALUE; "" drops the member.
with_id() {
    if [ -z "$1" ]; then printf '%s' "$r2" | sed 's/^{"id":"[^"]*",/{/'; else printf '%s' "$r2" | sed "s/^{\"id\":\"[^\"]*\"/{\"id\":$1/"; fi
}
for w in $MALFORMED; do
    items="[$r1,$r2,$r3]"
    tc=300
    ps=3
    case $w in
    item-null) items="[$r1,null,$r3]" ;;
    item-number) items="[$r1,42,$r3]" ;;
    item-string) items="[$r1,\"individual\",$r3]" ;;
    item-array) items="[$r1,[$r2],$r3]" ;;
    no-id) items="[$r1,$(with_id ''),$r3]" ;;
    id-null) items="[$r1,$(with_id null),$r3]" ;;
    id-object) items="[$r1,$(with_id "{\"value\":\"$id2\"}"),$r3]" ;;
    id-bool) items="[$r1,$(with_id true),$r3]" ;;
    id-empty) items="[$r1,$(with_id '""'),$r3]" ;;
    dup-id) items="[$r1,$(with_id "\"$id1\""),$r3]" ;;
    total-float) tc=300.5 ;;
    total-negative) tc=-300 ;;
    total-string) tc='"300"' ;;
    total-huge) tc=9000000000000000000 ;;
    total-max) tc=9223372036854775807 ;;
    total-over) tc=18446744073709551616 ;;
    page-size-huge) ps=4000000000000000000 ;;
    page-size-zero) ps=0 ;;
    page-size-float) ps=4e18 ;;
    page-size-string) ps='"3"' ;;
    esac
    env="\"pageInfo\":{\"pageSize\":$ps,\"pageOffset\":1}"
    case $w in
    individuals-object) want="{\"totalCount\":300,$env,\"individuals\":{\"0\":$r1,\"1\":$r2,\"2\":$r3}}" ;;
    individuals-null) want="{\"totalCount\":300,$env,\"individuals\":null}" ;;
    individuals-missing) want="{\"totalCount\":300,$env}" ;;
    individuals-string) want="{\"totalCount\":300,$env,\"individuals\":\"not an array\"}" ;;
    total-missing) want="{$env,\"individuals\":$items}" ;;
    not-object) want="$items" ;;
    *) want="{\"totalCount\":$tc,$env,\"individuals\":$items}" ;;
    esac
    printf '%s' "$want" >"$TMP/want"
    code=$(post "$MF" '{"pageSize":3}')
    if [ "$code" = 200 ] && cmp -s "$TMP/body" "$TMP/want"; then
        ok "malformed=$w,at=1: 200 and exactly the page so broken"
    else
        not_ok "malformed=$w,at=1: 200 and exactly the page so broken" "status $code" "$(cmp "$TMP/body" "$TMP/want" 2>&1)" \
            "got:  $(head -c 200 "$TMP/body")" "want: $(head -c 200 "$TMP/want")"
    fi
done
page "$TMP/d7" 1 3 | expect 300 3 1 >"$TMP/want"
post "$MF" '{"pageSize":3}' >/dev/null
same_file "malformed, each with count=1: then pages are whole again" "$TMP/body" "$TMP/want"
if start mf2 --individuals 300 --seed 7 --fault malformed=item-null,at=9,count=2 --fault malformed=dup-id,after=2; then
    MF2=$URL
else MF2=; fi
post "$MF2" '{"pageSize":3}' >/dev/null
printf '%s,%s,null' "$r1" "$r2" | expect 300 3 1 >"$TMP/want"
same_file "malformed=item-null,at=9: on a page of 3, the last item" "$TMP/body" "$TMP/want"
post "$MF2" '{"pageSize":3,"pageOffset":101}' >/dev/null
same "malformed=item-null: an empty page stays empty" "$(body)" '{"totalCount":300,"pageInfo":{"pageSize":3,"pageOffset":101},"individuals":[]}'
post "$MF2" '{"pageSize":2}' >/dev/null
same "malformed=dup-id (at=0): item 1 repeats item 0's id" "$(ids "$TMP/body" | tr '\n' ' ')" "$id1 $id1 "

# ---- empty answers -----------------------------------------------------------------------------------------

set --
k=0
for c in 401 404 418 500 503 301 302 304; do
    set -- "$@" --fault "empty=$c,after=$k,count=1"
    k=$((k + 1))
done
if start empty --individuals 30 "$@" -v; then EM=$URL; else EM=; fi
got=""
for c in 401 404 418 500 503 301 302 304; do
    st=$(post "$EM" '{"pageSize":3}')
    got="$got $st:$(wc -c <"$TMP/body" | tr -d ' '):$(header content-length):$(header location)$(header content-type)"
done
same "empty=CODE: status CODE, no body byte, Content-Length 0, no Location, no Content-Type" "$got" \
    " 401:0:0: 404:0:0: 418:0:0: 500:0:0: 503:0:0: 301:0:0: 302:0:0: 304:0:0:"
same "empty=CODE: -v logs them" "$(grep -c 'fault=empty=' "$TMP/empty.err")" 8
st=$(post "$EM" '{"pageSize":3}')
same "empty=CODE,count=1: then the normal answer" "$st $(total)" "200 30"

# ---- silence: the headers, then not one body byte ---------------------------------------------------------

if start silence2 --individuals 300 --seed 7 --fault silence=1500,count=1; then SI2=$URL; else SI2=; fi
rm -f "$TMP/body" # curl makes no file when no body byte comes
got=$(curl -sS --max-time 0.6 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -d '{"pageSize":20}' \
    "$SI2/v1/customers/search" 2>/dev/null)
rc=$?
same "silence=1500: a client that gives up at 0.6 s has the status and headers, and 0 body bytes" \
    "$rc $got $(header content-length) $(cat "$TMP/body" 2>/dev/null | wc -c | tr -d ' ')" "28 200 $full 0"

# stop_all_fast: stop_all for the many sandboxes of this file, all at once: SIGTERM to each, then
# each is polled (20 ms) until it exits, SIGKILL after 5 s ("hung"). Without the watchdog subshell
# of stop, whose 'sleep 5' a kill cannot cut short, stopping 70 sandboxes takes a moment.
stop_all_fast() {
    bad_stop=""
    for f in "$TMP"/*.pid; do
        [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    for f in "$TMP"/*.pid; do
        [ -f "$f" ] || continue
        name=$(basename "$f" .pid)
        pid=$(cat "$f")
        rm -f "$f"
        tries=0
        while alive "$pid" && [ $tries -lt 250 ]; do
            sleep 0.02
            tries=$((tries + 1))
        done
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            bad_stop="$bad_stop $name:hung"
        else
            wait "$pid"
            rc=$?
            [ "$rc" = 0 ] || bad_stop="$bad_stop $name:$rc"
        fi
    done
    same "every sandbox exits 0 on SIGTERM" "$bad_stop" ""
}

stop_all_fast
reports=$(grep -l 'Sanitizer\|runtime error' "$TMP"/*.err 2>/dev/null | tr '\n' ' ')
same "no sanitizer reports on stderr" "$reports" ""
mhd=$(grep -l 'libmicrohttpd' "$TMP"/slow.err "$TMP"/stall.err "$TMP"/trunc.err "$TMP"/reset.err \
    "$TMP"/grow.err "$TMP"/shrink.err "$TMP"/oauth.err "$TMP"/exp.err "$TMP"/echo.err "$TMP"/ehtml.err \
    "$TMP"/etext.err "$TMP"/epage.err "$TMP"/hang.err "$TMP"/hang2.err "$TMP"/silence.err "$TMP"/big.err \
    "$TMP"/ebasic.err "$TMP"/paths.err "$TMP"/t16.err 2>/dev/null | tr '\n' ' ')
same "no libmicrohttpd complaints in the -v logs (deliberate closes are our own log lines)" "$mhd" ""
PIDS=""

echo "1..$n"
[ "$failed" -eq 0 ]
