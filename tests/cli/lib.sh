# tests/cli/lib.sh — shared by the command-line tests (sourced, not run): TAP output, running a
# command with its stdout, stderr and status captured, and att-sandbox on a free port.
# The sourcing script sets NAME (for its temporary directory) first.
# Env: ATT (the att binary, default ./att), SANDBOX (the att-sandbox binary, default ./att-sandbox).
set -u
ATT=${ATT:-./att}
SANDBOX=${SANDBOX:-./att-sandbox}
T=$(mktemp -d "${TMPDIR:-/tmp}/att-${NAME:-cli}.XXXXXX")
n=0
fails=0
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM
# A clean environment: nothing from the user's configuration leaks into the tests.
unset ATT_BASE_URL ATT_APPNAME ATT_TOKEN ATT_TIMEOUT ATT_CONNECT_TIMEOUT ATT_MAX_RESPONSE ATT_RETRIES \
      ATT_MAX_WAIT ATT_RATE ATT_TOKEN_URL ATT_CLIENT_ID ATT_CLIENT_SECRET ATT_CLIENT_SECRET_FILE ATT_SCOPE \
      ATT_PROFILE ATT_CONFIG ATT_CACERT ATT_CERT ATT_KEY ATT_STALL_TIMEOUT ATT_LUA_PATH ATT_WINDOW
export XDG_CONFIG_HOME="$T/xdg"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check DESCRIPTION COMMAND...: one TAP line from the command's status, with the last run's output
# as diagnostics on failure.
check() {
    d=$1; shift
    if "$@"; then ok "$d"; else notok "$d" "out: $(head -c 600 "$T/out")" "err: $(head -c 1200 "$T/err")" "rc: $rc"; fi
}
rc=0
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
has_out() { grep -q -- "$1" "$T/out"; }
has_err() { grep -q -- "$1" "$T/err"; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
rc_is() { [ "$rc" -eq "$1" ]; }
ms() { date +%s%N | cut -c1-13; }

# start_sandbox ARGS...: att-sandbox -v on a free port; sets URL and SBLOG (its request log).
start_sandbox() {
    SBLOG="$T/sb.$$.$n.$(date +%N).log"
    "$SANDBOX" --port 0 -v "$@" >"$SBLOG.out" 2>"$SBLOG" &
    PIDS="$PIDS $!"
    i=0
    URL=""
    while [ $i -lt 100 ]; do
        URL=$(head -n 1 "$SBLOG.out" 2>/dev/null)
        case "$URL" in http*) break ;; esac
        sleep 0.05
        i=$((i + 1))
    done
}
requests() { grep -c '^att-sandbox: POST /omni-svcs/v1/customers/search' "$SBLOG"; }

# finish: the plan line, and the status.
finish() {
    echo "1..$n"
    [ "$fails" -eq 0 ]
}
