#!/bin/sh
# tests/cli/test_sandbox_ratelimit.sh — att-sandbox --rate-limit R[,burst=B]: a token bucket in
# front of the search endpoint (429 RATE_LIMITED with Retry-After when empty), checked with curl.
#
#   sh tests/cli/test_sandbox_ratelimit.sh
#   SANDBOX=build/asan/att-sandbox sh tests/cli/test_sandbox_ratelimit.sh
#
# The waits below are Retry-After honoured (a refill), never a measured speed.

LC_ALL=C
export LC_ALL
SBNAME=sandbox-ratelimit
. "$(dirname "$0")/sandbox_lib.sh"

# ---- command line ----------------------------------------------------------------------------------

"$SANDBOX" --help >"$TMP/help" 2>&1
check "--help lists --rate-limit" grep -q -- '--rate-limit R\[,burst=B\]' "$TMP/help"

for spec in 0 0.0 -1 -0.5 abc 40x inf nan 1e3 0x10 "" "40," "40,burst=" "40,burst=0" "40,burst=-2" \
    "40,burst=abc" "40,bogus=3" "40,burst=2,burst=3" "1.2.3" "." "2000000"; do
    same "--rate-limit '$spec' is refused: exit 2, one line on stderr" "$(bad_cli --rate-limit "$spec")" "2:0:1"
    grep -q "^att-sandbox: --rate-limit '" "$TMP/cli.err" || not_ok "the message for '$spec' names the option" \
        "$(cat "$TMP/cli.err")"
done
bad_cli --rate-limit 40,burst=0 >/dev/null
check "the message says what a burst must be" grep -q 'burst=B.*from 1' "$TMP/cli.err"
bad_cli --rate-limit 0 >/dev/null
check "the message says what a rate must be" grep -q 'above 0' "$TMP/cli.err"

# ---- a burst, then 429 with Retry-After ----------------------------------------------------------

# 0.2 a second, 3 held: three answers, then refusals until a token is due in 5 s.
if start burst --individuals 20 --rate-limit 0.2,burst=3 -v; then B=$URL; else B=; fi
got=$(statuses "$B" 3)
same "a full bucket of 3 answers 3 searches" "$got" " 200 200 200"
st=$(post "$B" '{"pageSize":1}')
same "the 4th search is refused with 429" "$st" 429
same "its code is RATE_LIMITED (the sandbox's JSON error body)" "$(errcode)" RATE_LIMITED
check "its message says a rate limit was exceeded" grep -q '"message":"rate limit exceeded' "$TMP/body"
same "its Content-Type is application/json" "$(header content-type)" application/json
ra=$(header retry-after)
check "its Retry-After is whole seconds until a token is due, 1..5 (got '$ra')" \
    expr "$ra" : '[1-5]$'
got=$(statuses "$B" 2)
same "the next searches are refused too" "$got" " 429 429"
st=$(curl -sS --max-time 10 -o "$TMP/body" -w '%{http_code}' -X POST -d '{}' "$B/_sandbox/ids")
same "the inspection endpoint is not limited" "$st" 200
stop burst
same "--rate-limit: exit 0 on SIGTERM" "$STOP_RC" 0
check "the summary line counts the refused searches" grep -qx 'att-sandbox: rate limit: 3 requests refused' \
    "$TMP/burst.err"
same "-v logs each refusal like any request" \
    "$(grep -c '^att-sandbox: POST /omni-svcs/v1/customers/search 429 code=RATE_LIMITED bytes=' "$TMP/burst.err")" 3
same "-v logs the answered ones" "$(grep -c '^att-sandbox: POST /omni-svcs/v1/customers/search 200 ' "$TMP/burst.err")" 3

# ---- refill, and a refusal takes no token ----------------------------------------------------------

# 1 a second, 1 held. Refusals in between must not push the bucket below empty: after waiting the
# Retry-After the next search is answered.
if start refill --individuals 20 --rate-limit 1,burst=1; then R=$URL; else R=; fi
same "1/s: one answer, then refusals" "$(statuses "$R" 4)" " 200 429 429 429"
same "Retry-After is 1 s" "$(header retry-after)" 1
sleep 1.2
same "after Retry-After: answered again, once" "$(statuses "$R" 2)" " 200 429"
stop refill

# Without --rate-limit there is no limit and no summary line.
if start free --individuals 5; then F=$URL; else F=; fi
same "no --rate-limit: 12 searches in a row are answered" "$(statuses "$F" 12 | tr -d ' ')" \
    "200200200200200200200200200200200200"
stop free
check "no --rate-limit: no summary line" sh -c "! grep -q 'rate limit' '$TMP/free.err'"

# ---- with --latency and --fault ----------------------------------------------------------------------

# A gateway refuses at once: the 429 does not wait for --latency (3 s here; curl gives up after 2).
if start lat --individuals 5 --latency 3000 --rate-limit 0.1,burst=1; then L=$URL; else L=; fi
post "$L" '{"pageSize":1}' >/dev/null
st=$(curl -sS --max-time 2 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X POST -d '{"pageSize":1}' \
    "$L/v1/customers/search" 2>/dev/null)
same "with --latency 3000 the 429 comes before the latency" "$st:$(errcode)" 429:RATE_LIMITED
stop lat

# The limiter stands before the fault table: a refused search is not one of the fault's requests.
if start flt --individuals 5 --rate-limit 1,burst=1 --fault status=503,after=1,count=1; then G=$URL; else G=; fi
same "fault after=1: the 1st search is answered, the 2nd refused by the limiter" "$(statuses "$G" 2)" " 200 429"
sleep 1.2
st=$(post "$G" '{"pageSize":1}')
same "after the refill the fault's 2nd search gets the injected 503" "$st:$(errcode)" 503:INJECTED
stop flt

stop_all
reports=$(grep -l 'Sanitizer\|runtime error' "$TMP"/*.err 2>/dev/null | tr '\n' ' ')
same "no sanitizer reports on stderr" "$reports" ""
PIDS=""

echo "1..$n"
[ "$failed" -eq 0 ]
