# tests/cli/sandbox_lib.sh — shared by the att-sandbox tests (sourced, not run): TAP output, starting
# and stopping sandboxes on free ports, and curl helpers for the endpoint and the token endpoint.
# The sourcing script may set SBNAME (for its temporary directory) first.
SANDBOX=${SANDBOX:-./att-sandbox}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/att-${SBNAME:-sandbox}.XXXXXX") || exit 1
PIDS=""
n=0
failed=0

cleanup() {
    for p in $PIDS; do
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}

# not_ok DESCRIPTION [DIAGNOSTIC]...
not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | head -c 600 | sed 's/^/# /'
        echo
    done
}

skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds (its output is discarded).
check() {
    desc=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

alive() {
    kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" 2>/dev/null | grep -q Z
}

# same DESCRIPTION GOT WANT
same() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# same_file DESCRIPTION GOT_FILE WANT_FILE
same_file() {
    if cmp -s "$2" "$3"; then
        ok "$1"
    else
        not_ok "$1" "$(cmp "$2" "$3" 2>&1)" "got:  $(head -c 300 "$2")" "want: $(head -c 300 "$3")"
    fi
}

# start NAME ARGS...: starts a sandbox on a free port; sets URL and ROOT (URL without /omni-svcs)
# and leaves the pid in $TMP/NAME.pid. Returns 1 when no URL line appears within 10 s.
start() {
    name=$1
    shift
    : >"$TMP/$name.out"
    "$SANDBOX" --port 0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    PIDS="$PIDS $pid"
    echo "$pid" >"$TMP/$name.pid"
    tries=0
    while [ "$(wc -l <"$TMP/$name.out")" -lt 1 ]; do
        tries=$((tries + 1))
        if [ $tries -gt 200 ] || ! alive "$pid"; then
            URL=
            ROOT=
            return 1
        fi
        sleep 0.05
    done
    URL=$(head -n 1 "$TMP/$name.out")
    ROOT=${URL%/omni-svcs}
    return 0
}

# stop NAME [SIGNAL]: signals the sandbox and reaps it; STOP_RC is its exit status, or "hung".
stop() {
    pid=$(cat "$TMP/$1.pid")
    rm -f "$TMP/$1.pid"
    kill "-${2:-TERM}" "$pid" 2>/dev/null
    (
        sleep 5
        kill -KILL "$pid" 2>/dev/null && echo hung >"$TMP/$1.hung"
    ) >/dev/null 2>&1 &
    dog=$!
    wait "$pid"
    STOP_RC=$?
    kill "$dog" 2>/dev/null
    wait "$dog" 2>/dev/null
    [ -f "$TMP/$1.hung" ] && STOP_RC=hung
}

# post BASE_URL BODY [CURL_ARGS...]: POSTs to the search endpoint; body in $TMP/body, headers in
# $TMP/hdr, curl's message in $TMP/curl.err; prints the HTTP status. CURL_RC is curl's exit status.
post() {
    base=$1
    data=$2
    shift 2
    curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' -X POST \
        -H 'accept: application/json' -H 'content-type: application/json' \
        --data-binary "$data" "$@" "$base/v1/customers/search" 2>"$TMP/curl.err"
}

# token BASE_URL [CURL_ARGS...]: POSTs to the token endpoint (form body via the args).
token() {
    base=$1
    shift
    curl -sS --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@" "$base/oauth/token" \
        2>"$TMP/curl.err"
}

body() { cat "$TMP/body"; }

header() {
    tr -d '\r' <"$TMP/hdr" | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'
}

# json_str NAME: the string value of a top-level field of the body in $TMP/body.
json_str() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$TMP/body"; }

errcode() { sed -n 's/^{"code":"\([A-Z_]*\)".*/\1/p' "$TMP/body"; }
oauth_error() { sed -n 's/^{"error":"\([a-z_]*\)".*/\1/p' "$TMP/body"; }

individuals() { grep -o '"preferredName":' "$1" | wc -l | tr -d ' '; }

# ids FILE: the individuals' ids (the only UUIDs), one per line, in order.
ids() { grep -oE '"id":"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"' "$1" | cut -d'"' -f4; }

total() { sed -n 's/^{"totalCount":\([0-9]*\),.*/\1/p' "$TMP/body"; }

# page DUMP FIRST COUNT: individuals FIRST..FIRST+COUNT-1 (1-based) of a --dump, joined by commas.
page() {
    awk -v f="$2" -v c="$3" 'NR > 1 && $0 != "]" {
        i++; sub(/,$/, ""); if (i >= f && i < f + c) { printf "%s%s", (i > f ? "," : ""), $0 } }' "$1"
}

# expect TOTAL SIZE OFFSET: writes a response envelope around stdin to stdout.
expect() {
    printf '{"totalCount":%s,"pageInfo":{"pageSize":%s,"pageOffset":%s},"individuals":[' "$1" "$2" "$3"
    cat
    printf ']}'
}

# page_is DESC BASE BODY FROM COUNT TOTAL SIZE OFFSET: POSTs BODY to BASE; the answer must be records
# FROM..FROM+COUNT-1 of the dump $TMP/d7, in the envelope of expect TOTAL SIZE OFFSET.
page_is() {
    post "$2" "$3" >/dev/null
    page "$TMP/d7" "$4" "$5" | expect "$6" "$7" "$8" >"$TMP/want"
    same_file "$1" "$TMP/body" "$TMP/want"
}

# stop_all: stops every sandbox still running (SIGTERM); one check that each exited 0.
stop_all() {
    bad_stop=""
    for f in "$TMP"/*.pid; do
        [ -f "$f" ] || continue
        name=$(basename "$f" .pid)
        stop "$name"
        [ "$STOP_RC" = 0 ] || bad_stop="$bad_stop $name:$STOP_RC"
    done
    same "every sandbox exits 0 on SIGTERM" "$bad_stop" ""
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# statuses BASE_URL COUNT: the HTTP statuses of COUNT searches in a row, space-separated.
statuses() {
    out=""
    i=0
    while [ $i -lt "$2" ]; do
        out="$out $(post "$1" '{"pageSize":1}')"
        i=$((i + 1))
    done
    echo "$out"
}


# jlua FILE CHUNK: runs the Lua CHUNK with `j` the JSON of FILE as lua-cjson decodes it (nil when
# it is not valid JSON, with the reason in `why`); prints what the chunk prints.
jlua() {
    JLUA_FILE=$1 lua5.4 -e 'local cjson = require "cjson"
local f = assert(io.open(os.getenv("JLUA_FILE"), "rb"))
local text = f:read("a")
f:close()
local ok, v = pcall(cjson.decode, text)
if ok then j = v else why = v end' -e "$2"
}

# recv_parts TRACE GAP: from a curl --trace-ascii --trace-time file, the body bytes received in
# each run of reads with no pause of GAP seconds or more between them, space-separated.
recv_parts() {
    awk -v gap="$2" '/<= Recv data, [0-9]+ bytes/ {
        split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
        if (seen && s - last >= gap) { printf "%d ", sum; sum = 0 }
        for (i = 1; i <= NF; i++) if ($i == "data,") sum += $(i + 1)
        last = s; seen = 1 }
        END { if (seen) printf "%d", sum }' "$1"
}

# keys FILE: the sequence of object keys, one per line.
keys() { grep -o '"[A-Za-z]*":' "$1"; }

# skeleton: JSON on stdin with every string replaced by "" and every number by 0 — what is left is
# the structure and the JSON types.
skeleton() { sed -E 's/"([^"\\]|\\.)*"/""/g; s/-?[0-9][0-9.eE+-]*/0/g'; }

# bad_cli ARGS...: prints "status:stdout bytes:stderr lines" of att-sandbox ARGS (a bad command
# line should give 2:0:1).
bad_cli() {
    "$SANDBOX" "$@" >"$TMP/cli.out" 2>"$TMP/cli.err"
    rc=$?
    printf '%s:%s:%s' "$rc" "$(wc -c <"$TMP/cli.out" | tr -d ' ')" "$(wc -l <"$TMP/cli.err" | tr -d ' ')"
}
