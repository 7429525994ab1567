#!/bin/sh
# tests/cli/test_adaptive.sh — the adaptive window (the default, no --window) returns exactly what
# --window 1 returns, under 429 bursts, --rate-limit, 503s, resets, slow answers and data changes,
# the same CSV bytes too; --rate stays a hard ceiling.
#
#   ATT=$PWD/att SANDBOX=$PWD/att-sandbox sh tests/cli/test_adaptive.sh

LC_ALL=C
export LC_ALL
SBNAME=adaptive
. "$(dirname "$0")/sandbox_lib.sh"
ATT=${ATT:-./att}
export XDG_STATE_HOME="$TMP/state"

SCRIPT='local r = att.search({pageSize = 10}, {drift = "warn"})
for ind in r do print(ind.id) end
local s = r:stats()
io.stderr:write(string.format("stats adaptive=%s window=%d window_max=%d throttled=%d timeline=%d\n",
  tostring(s.adaptive), s.window, s.window_max, s.throttled, #s.timeline))'

# scan NAME WINDOW_ARGS SANDBOX_ARGS...: runs the scan against a fresh sandbox; ids in $TMP/NAME.ids
scan() {
    name=$1 wargs=$2
    shift 2
    start "$name" --individuals 400 "$@" || return 1
    # shellcheck disable=SC2086 # $wargs is empty or "--window 1"
    ATT_BASE_URL=$URL "$ATT" $wargs --retries 8 -e "$SCRIPT" >"$TMP/$name.ids" 2>"$TMP/$name.att"
    echo $? >"$TMP/$name.rc"
    stop "$name"
}

for faults in "--fault status=429,retry-after=1,after=3,count=4" "--rate-limit 30,burst=5" \
    "--fault status=503,every=7,count=5" "--fault reset,every=9,count=3" "--fault slow=300,every=5" \
    "--fault insert=3,after=10,count=2" "--fault remove=2,after=12,count=2" "--fault grow=5,after=8,count=2"; do
    # shellcheck disable=SC2086 # $faults is split into arguments on purpose
    scan a "" $faults
    # shellcheck disable=SC2086
    scan one "--window 1" $faults
    same "$faults: the adaptive scan exits 0" "$(cat "$TMP/a.rc")" 0
    same "$faults: --window 1 exits 0" "$(cat "$TMP/one.rc")" 0
    check "$faults: the adaptive scan read some records" test -s "$TMP/a.ids"
    same_file "$faults: the adaptive window returns exactly what --window 1 returns" "$TMP/a.ids" "$TMP/one.ids"
    check "$faults: r:stats() says adaptive" grep -q 'stats adaptive=true' "$TMP/a.att"
    check "$faults: --window 1 is not adaptive" grep -q 'stats adaptive=false window=1 window_max=1' "$TMP/one.att"
done

# The same report bytes (CSV over account rows with columns, projected) under a rate limit and 503s.
CSV='local cols = {"individualId", "accountId", "billingMarket", "subscribers.id"}
att.report.csv(att.rows(att.search{pageSize = 10}, "account", {columns = cols}), {columns = cols})'
for faults in "--rate-limit 25,burst=3" "--fault status=503,every=5,count=6"; do
    for w in adaptive one; do
        # shellcheck disable=SC2086 # $faults is split into arguments on purpose
        start "csv$w" --individuals 300 $faults || not_ok "$faults: sandbox"
        if [ "$w" = one ]; then wargs="--window 1"; else wargs=""; fi
        # shellcheck disable=SC2086
        ATT_BASE_URL=$URL "$ATT" $wargs --retries 8 -e "$CSV" >"$TMP/csv.$w" 2>"$TMP/csv.$w.err"
        echo $? >"$TMP/csv.$w.rc"
        stop "csv$w"
    done
    same "$faults: the adaptive CSV report exits 0" "$(cat "$TMP/csv.adaptive.rc")" 0
    check "$faults: it wrote rows" test "$(wc -l <"$TMP/csv.adaptive")" -gt 300
    same_file "$faults: the adaptive CSV report is byte for byte the --window 1 one" "$TMP/csv.adaptive" "$TMP/csv.one"
done

# --rate is a hard ceiling in the adaptive mode: 41 requests at --rate 20 take at least 2 s (the
# first goes at once), however fast the server is; a lower bound, so a slow machine cannot fail it.
start rate --individuals 410 || not_ok "rate: sandbox"
t0=$(date +%s%N)
ATT_BASE_URL=$URL "$ATT" --rate 20 -e 'local n = 0
for _ in att.search{pageSize = 10} do n = n + 1 end
print(n)' >"$TMP/rate.out" 2>"$TMP/rate.err"
rc=$?
t1=$(date +%s%N)
stop rate
same "--rate 20, adaptive: the scan exits 0" "$rc" 0
check "--rate 20, adaptive: 41 requests took at least 1.95 s ($(( (t1 - t0) / 1000000 )) ms)" \
    test $(( (t1 - t0) / 1000000 )) -ge 1950

echo "1..$n"
[ "$failed" -eq 0 ]
