#!/bin/sh
# tests/cli/test_adversarial.sh — att against hostile servers and hostile scripts: --safe, the
# credentials, and the limits of the run. Each numbered section is one item of what was seen when
# att was tried as an attacker would (issue 9), through the real binary. Prints TAP.
# Env: ATT, SANDBOX.
NAME=adversarial
. "$(dirname "$0")/lib.sh"
nowhere() { ! grep -q -- "$1" "$T/out" "$T/err"; }
# absent FILE... : no run of 40 or more base64url characters (an OAuth access token of the sandbox
# is 43) in the files.
no_token() { ! grep -qE '[A-Za-z0-9_-]{40,}' "$@"; }
# no_piece TOKEN FILE...: no 8-character piece of TOKEN in the files.
no_piece() {
    tok=$1
    shift
    i=1
    while [ $i -le $((${#tok} - 7)) ]; do
        piece=$(printf '%s' "$tok" | cut -c"$i-$((i + 7))")
        if grep -qF -- "$piece" "$@"; then return 1; fi
        i=$((i + 1))
    done
    return 0
}
elapsed_ms() { echo $(($(ms) - t0)); }
search_posts() { grep -c 'POST /omni-svcs/v1/customers/search' "$1"; }
case "$ATT" in *asan*) SANITIZED=1 ;; *) SANITIZED=0 ;; esac

mkdir -p "$T/work" "$T/outside" "$T/home"
export HOME="$T/home"

# ---- 1. the token goes only where it belongs --------------------------------------------------------
start_sandbox --individuals 20 --token tok-A-12345678
A=$URL
start_sandbox --individuals 20 --token tok-A-12345678    # a second host that would accept the token
B=$URL
BLOG=$SBLOG
run env ATT_TOKEN=tok-A-12345678 "$ATT" --safe --base-url "$A" -e "att.configure{base_url = '$B'} print(att.search{}:total())"
check "1 --safe: att.configure{base_url=} is refused" sh -c "[ $rc -eq 1 ] && grep -q 'base_url cannot be changed under --safe' '$T/err'"
check "1 --safe: the other host saw no request at all" [ "$(search_posts "$BLOG")" -eq 0 ]
run env ATT_TOKEN=tok-A-12345678 "$ATT" --base-url "$A" -e "
  print(att.search{}:total())
  att.configure{base_url = '$B'}
  local ok, e = pcall(function() return att.search{}:total() end)
  print(ok, e.status, att.config().auth)"
check "1 without --safe: the token stays with its origin (the other host answers 401, auth none)" \
    out_is "$(printf '20\nfalse\t401\tnone')"
start_sandbox --individuals 5 --fault echo-json=200
ECHO=$URL
run env ATT_TOKEN=tok-A-12345678 "$ATT" --base-url "$A" -e "
  att.search{}:total()
  att.configure{base_url = '$ECHO'}
  print(att.request('POST', '/v1/customers/search', {}).echo)"
check "1 what the other host received: no Authorization header" out_is "(none)"
start_sandbox --individuals 20 --oauth-client 'app-client-1:client-secret-A1'
O=$URL
run env ATT_TOKEN_URL="$O/oauth/token" ATT_CLIENT_ID=app-client-1 ATT_CLIENT_SECRET=client-secret-A1 "$ATT" --base-url "$O" -e "
  print(att.search{}:total())
  att.configure{base_url = '$ECHO'}
  print(att.request('POST', '/v1/customers/search', {}).echo, att.stats().token_fetches)"
check "1 OAuth: the access token does not follow the base URL to another host (one token fetched, for its origin)" \
    out_is "$(printf '20\n(none)\t1')"
run env ATT_TOKEN_URL="$O/oauth/token" ATT_CLIENT_ID=app-client-1 ATT_CLIENT_SECRET=client-secret-A1 "$ATT" --base-url "$ECHO" \
    -e "print(att.request('POST', '/v1/customers/search', {}).echo, att.stats().token_fetches)"
check "3 OAuth: the access token the API echoes in a 200 answer reaches the script redacted" \
    out_is "$(printf 'Bearer [REDACTED]\t1')"
# A profile's credentials belong to that profile's base URL.
start_sandbox --individuals 7 --token tok-B-87654321
PB=$URL
mkdir -p "$XDG_CONFIG_HOME/att"
cat >"$XDG_CONFIG_HOME/att/config.lua" <<EOF
return {
  default = { base_url = "$A", token = "tok-A-12345678" },
  other = { base_url = "$PB", token = "tok-B-87654321" },
}
EOF
chmod 600 "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" -e "print(att.search{}:total()) att.configure{base_url = '$PB'} print(att.search{}:total(), att.config().auth)
  att.configure{base_url = '$ECHO'} print(att.request('POST', '/v1/customers/search', {}).echo)"
check "1 a request to another profile's origin carries that profile's token, and only there" \
    out_is "$(printf '20\n7\ttoken\n(none)')"
rm -f "$XDG_CONFIG_HOME/att/config.lua"

# ---- 2. a --safe script loads and reads only what it may ------------------------------------------------
cd "$T/work" || exit 1
printf 'print("ran outside")\nreturn {}\n' >"$T/outside/x.lua"
run "$ATT" --safe -e "package.path = '$T/outside/?.lua' require 'x'"
check "2 package.path is read-only under --safe" sh -c "[ $rc -eq 1 ] && grep -q 'package is read-only under --safe' '$T/err'"
run "$ATT" --safe -e 'print(pcall(require, "x"))'
check "2 require does not find modules outside the bundled ones and --lua-path" sh -c "grep -q 'module .x. not found' '$T/out' && ! grep -q 'ran outside' '$T/out'"
run "$ATT" --safe --lua-path "$T/outside" -e 'require "x"'
check "2 a directory named with --lua-path is searched" out_is "ran outside"
run "$ATT" --safe -e 'print(package.searchpath("x", "/etc/?"))'
check "2 package.searchpath is disabled" has_err "att: package.searchpath is disabled by --safe"
run "$ATT" --safe -e 'package.searchers[1] = print'
check "2 package.searchers is read-only" has_err "package.searchers is read-only under --safe"
run "$ATT" --safe -e 'print(package.loaded._G == _G, require("os").execute == os.execute, package.loaded.debug.getinfo == debug.getinfo)'
check "2 package.loaded holds the safe libraries, not the full ones" out_is "$(printf 'true\ttrue\ttrue')"
mkdir -p "$XDG_CONFIG_HOME/att"
printf 'return { default = { token = "profile-secret-token-1", client_secret = "profile-client-secret" } }\n' \
    >"$XDG_CONFIG_HOME/att/config.lua"
chmod 600 "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" --safe --lua-path "$XDG_CONFIG_HOME/att" -e 'print(pcall(require, "config"))'
check "2 the profile cannot be required, even from a --lua-path directory" \
    sh -c "grep -q 'keeps to itself' '$T/out' && ! grep -q 'profile-secret' '$T/out' '$T/err'"
cd "$XDG_CONFIG_HOME/att" || exit 1
run "$ATT" --safe -e 'for _, f in ipairs{io.open, io.lines, loadfile, dofile} do print((select(2, pcall(f, "config.lua")))) end'
check "2 in the profile's own directory: io.open, io.lines, loadfile, dofile all refuse it" \
    sh -c "[ \$(grep -c 'keeps to itself' '$T/out') -eq 4 ] && ! grep -q 'profile-secret' '$T/out' '$T/err'"
cd "$T/work" || exit 1
ln "$XDG_CONFIG_HOME/att/config.lua" innocent.lua
run "$ATT" --safe --lua-path . -e 'print(pcall(io.open, "innocent.lua")) print(pcall(require, "innocent"))'
check "2 a hard link to the profile inside the working directory is refused too" \
    sh -c "[ \$(grep -c 'keeps to itself' '$T/out') -eq 2 ] && ! grep -q 'profile-secret' '$T/out' '$T/err'"
rm -f innocent.lua
printf 'client-secret-from-file\n' >secret.txt
chmod 600 secret.txt
printf 'history line\n' >"$HOME/.att_history"
printf 'cert\n' >ca.pem
run env ATT_TOKEN_URL=http://127.0.0.1:1/t ATT_CLIENT_ID=app ATT_CLIENT_SECRET_FILE=secret.txt "$ATT" --safe --cacert ca.pem \
    -e 'for _, p in ipairs{"secret.txt", "ca.pem", "'"$HOME"'/.att_history"} do print((select(2, pcall(io.open, p)))) end'
check "2 the client secret file and the TLS files are refused inside the working directory" \
    sh -c "[ \$(grep -c 'keeps to itself' '$T/out') -eq 2 ] && ! grep -q 'client-secret-from-file' '$T/out'"
cd "$HOME" || exit 1
run "$ATT" --safe -e 'print((select(2, pcall(io.open, ".att_history"))))'
check "2 the prompt's history is refused" has_out "keeps to itself"
cd "$T/work" || exit 1
mkdir -p rec && chmod 700 rec
run "$ATT" --safe --record rec -e 'print((select(2, pcall(io.open, "rec/journal", "w"))))'
check "2 the recording directory is refused" has_out "keeps to itself"
run "$ATT" --safe -e 'print(io.open("ok.txt", "w"):write("fine") and "written")'
check "2 a report file in the working directory is still fine" out_is written
rm -f "$XDG_CONFIG_HOME/att/config.lua"

# ---- 3. no credential shown, whatever the server echoes ------------------------------------------------
OAUTH_ENV="ATT_CLIENT_ID=app-client-1 ATT_CLIENT_SECRET=client-secret-A1"
BASIC=$(printf 'app-client-1:client-secret-A1' | base64)
# every generation of access token (a 401 renews it once), every body kind, every place
for fault in echo-json=500 echo-html=502 echo-text=401 echo-json=401; do
    start_sandbox --individuals 20 --oauth-client 'app-client-1:client-secret-A1' --fault "$fault"
    rm -rf "$T/rec" && mkdir -m 700 "$T/rec"
    # shellcheck disable=SC2086
    run env ATT_TOKEN_URL="$URL/oauth/token" $OAUTH_ENV "$ATT" --trace --retries 0 --record "$T/rec" --base-url "$URL" -e '
      local ok, e = pcall(function() return att.search{}:total() end)
      print(tostring(e)) print(e.message) print(e.body) print(att.stats().token_fetches)'
    check "3 $fault: tostring(err), err.message, err.body, --trace, --record show no access token" \
        sh -c "no_token() { ! grep -qE '[A-Za-z0-9_-]{40,}' \"\$@\"; }; no_token '$T/out' '$T/err' '$T/rec/journal' && grep -q 'REDACTED' '$T/out'"
done
check "3 echo-json=401: the renewed (second) token was redacted too" sh -c "tail -n 1 '$T/out' | grep -qx 2"
start_sandbox --individuals 20 --oauth-client 'app-client-1:client-secret-A1' --fault echo-page
# shellcheck disable=SC2086
run env ATT_TOKEN_URL="$URL/oauth/token" $OAUTH_ENV "$ATT" --trace --base-url "$URL" -e '
  for p in att.search{pageSize = 5} do print(p.preferredName) end'
check "3 echo-page: the page data a script sees is redacted (20 x 'Bearer [REDACTED]')" \
    sh -c "[ \$(grep -cx 'Bearer \[REDACTED\]' '$T/out') -eq 20 ] && ! grep -qE '[A-Za-z0-9_-]{40,}' '$T/out' '$T/err'"
run env ATT_TOKEN_URL="$URL/oauth/token" ATT_CLIENT_ID=app-client-1 ATT_CLIENT_SECRET=client-secret-A1 "$ATT" --safe --base-url "$URL" \
    -e 'for p in att.search{pageSize = 5} do print(p.preferredName) end'
check "3 echo-page under --safe: the same" sh -c "[ \$(grep -cx 'Bearer \[REDACTED\]' '$T/out') -eq 20 ]"
start_sandbox --individuals 5 --oauth-client 'app-client-1:client-secret-A1' --fault echo-basic=401
# shellcheck disable=SC2086
run env ATT_TOKEN_URL="$URL/oauth/token" $OAUTH_ENV "$ATT" --trace --base-url "$URL" -e '
  local ok, e = pcall(function() return att.search{}:total() end) print(tostring(e)) print(e.message)'
check "3 the token endpoint echoing the Basic header (base64 of id:secret): redacted" \
    sh -c "grep -q 'bad client credentials: Basic \[REDACTED\]' '$T/out' && ! grep -qF '$BASIC' '$T/out' '$T/err' && ! grep -q 'client-secret-A1' '$T/out' '$T/err'"
SLASH='tok/with/slash-9'
start_sandbox --individuals 5 --token "$SLASH" --fault echo-json=500
run env ATT_TOKEN="$SLASH" "$ATT" --trace --retries 0 --base-url "$URL" -e '
  local ok, e = pcall(function() return att.search{}:total() end) print(e.message) print(e.body)'
check "3 a token with '/' echoed JSON-escaped as \\/: redacted in err.message (decoded) and err.body (escaped)" \
    sh -c "grep -qx 'received Authorization: Bearer \[REDACTED\]' '$T/out' && grep -qF 'Bearer [REDACTED]\"' '$T/out' && ! grep -q 'slash-9' '$T/out' '$T/err'"
SPLIT='tok-SPLIT-abcdefghij-0123456789'
start_sandbox --individuals 5 --token "$SPLIT" --fault echo-page
run env ATT_TOKEN="$SPLIT" "$ATT" --trace --base-url "$URL" -e 'print(#att.search{}:collect())'
check "3 --trace: a token split across two reads is not shown (no 8-character piece of it)" \
    sh -c "grep -q '< body: ' '$T/err' && [ \"\$(cat '$T/out')\" = 5 ]"
check "3 --trace: ... checked piece by piece" no_piece "$SPLIT" "$T/out" "$T/err"
start_sandbox --individuals 5 --fault echo-json=500
UI=$(echo "$URL" | sed 's#http://#http://user:pa55word-9999@#')
run "$ATT" --verbose --retries 0 --base-url "$UI" -e '
  print(att.config().base_url) local ok, e = pcall(function() return att.search{}:total() end) print(tostring(e)) print(e.body)'
check "3 a user:password@ base URL: no password in att.config(), errors, --verbose or the echoed Basic header" \
    sh -c "! grep -q 'pa55word' '$T/out' '$T/err' && ! grep -qF '$(printf 'user:pa55word-9999' | base64)' '$T/out' '$T/err' && head -n 1 '$T/out' | grep -q '^http://127.0.0.1:'"
run env ATT_TOKEN=short "$ATT" -e ''
check "3 a credential shorter than 8 characters is refused (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'shorter than 8 characters' '$T/err'"
run "$ATT" --base-url "http://user:pw@127.0.0.1:1/x" -e ''
check "3 so is a password of a URL shorter than 8 (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'password in the base URL is shorter' '$T/err'"

# ---- 6. no header can be injected ------------------------------------------------------------------------
start_sandbox --individuals 5
H=$URL
HLOG=$SBLOG
run "$ATT" --base-url "$H" -e 'att.configure{appname = "x\r\nX-Injected: yes"} att.search{}:total()'
check "6 att.configure{appname} with CR LF is refused, naming the setting" \
    sh -c "[ $rc -eq 1 ] && grep -q 'att.configure: appname must be a string without control characters' '$T/err'"
check "6 ... and nothing was sent" [ "$(search_posts "$HLOG")" -eq 0 ]
run env ATT_APPNAME="$(printf 'x\ny')" "$ATT" --base-url "$H" -e ''
check "6 ATT_APPNAME with a line break: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'appname .* contains control characters' '$T/err'"
run env ATT_TOKEN="$(printf 'tok-12345678\r\nX-Injected: yes')" "$ATT" --base-url "$H" -e ''
check "6 ATT_TOKEN with CR LF: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'bearer token .* contains control characters' '$T/err'"
run env ATT_CLIENT_ID="$(printf 'id\tx')" ATT_CLIENT_SECRET=client-secret-1 ATT_TOKEN_URL=http://127.0.0.1:1/t "$ATT" -e ''
check "6 a client id with a tab: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'client id .* contains control characters' '$T/err'"

# ---- 7. long tokens go whole, too long ones are refused ---------------------------------------------------
T8K=$(head -c 8192 /dev/zero | tr '\0' 'k')
T16K=$(head -c 16384 /dev/zero | tr '\0' 'm')
start_sandbox --individuals 3 --token "$T8K"
run env ATT_TOKEN="$T8K" "$ATT" --base-url "$URL" -e 'print(att.search{}:total())'
check "7 an 8 KiB token is sent whole (the server accepts it)" out_is 3
start_sandbox --individuals 4 --token "$T16K"
run env ATT_TOKEN="$T16K" "$ATT" --base-url "$URL" -e 'print(att.search{}:total())'
check "7 a 16 KiB token (the documented cap) is sent whole" out_is 4
run env ATT_TOKEN="${T16K}m" "$ATT" --base-url "$URL" -e 'print(att.search{}:total())'
check "7 a token over 16384 characters is refused clearly (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'longer than 16384 characters' '$T/err'"

# ---- 8. recordings and process hygiene ----------------------------------------------------------------------
start_sandbox --individuals 3 --token tok-REC-12345678 --fault echo-json=200
R=$URL
mkdir -m 755 "$T/open"
run env ATT_TOKEN=tok-REC-12345678 "$ATT" --record "$T/open" --base-url "$R" -e 'att.search{}:total()'
check "8 --record into a directory others can read is refused before any request (exit 2)" \
    sh -c "[ $rc -eq 2 ] && grep -q 'open to other users' '$T/err' && [ ! -e '$T/open/journal' ]"
mkdir -m 700 "$T/closed"
printf 'keep me\n' >"$T/victim"
ln -s "$T/victim" "$T/closed/journal"
run env ATT_TOKEN=tok-REC-12345678 "$ATT" --record "$T/closed" --base-url "$R" -e 'print(att.request("POST", "/v1/customers/search", {}).echo)'
check "8 a symlink planted at journal is replaced, never written through" \
    sh -c "[ \"\$(cat '$T/victim')\" = 'keep me' ] && [ -f '$T/closed/journal' ] && [ ! -L '$T/closed/journal' ]"
check "8 the recording is 0600 and holds no credential" \
    sh -c "[ \"\$(stat -c %a '$T/closed/journal')\" = 600 ] && grep -q 'REDACTED' '$T/closed/journal' && ! grep -q 'tok-REC' '$T/closed/journal'"
run env ATT_TOKEN=tok-REC-12345678 "$ATT" --record "$T/newrec" --base-url "$R" -e 'att.search{}:total()'
check "8 a new recording directory is made 0700" sh -c "[ \"\$(stat -c %a '$T/newrec')\" = 700 ]"
# core dumps: RLIMIT_CORE 0 always; not dumpable while a credential is held (/proc/PID/environ then
# belongs to root: checked as an unprivileged user)
mkfifo "$T/fifo"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then AS="setpriv --reuid=65534 --regid=65534 --clear-groups"; WHO=65534; else AS=""; WHO=$(id -u); fi
chmod 755 "$T"
# (started with core dumps allowed, as far as the hard limit lets us)
# shellcheck disable=SC2086
(ulimit -S -c "$(ulimit -H -c)" 2>/dev/null; exec env ATT_TOKEN=tok-CORE-12345678 $AS "$ATT" -e 'io.read()') <"$T/fifo" >/dev/null 2>&1 &
P=$!
exec 9>"$T/fifo"
sleep 0.3
lim=$(awk '/Max core file size/ {print $5}' "/proc/$P/limits")
own=$(stat -c %u "/proc/$P/environ")
exec 9>&-
wait $P
check "8 core dumps are off (RLIMIT_CORE 0)" [ "$lim" = 0 ]
if [ "$SANITIZED" = 1 ]; then
    ok "8 not dumpable while a credential is held # SKIP sanitizer build (LeakSanitizer attaches to the process)"
else
    check "8 not dumpable while a credential is held (/proc/PID/environ is not its user's: uid $own, user $WHO)" [ "$own" = 0 ] && [ "$WHO" != 0 ]
fi
chmod 700 "$T"

# ---- 9. nothing the server sends reaches the terminal raw ---------------------------------------------------
start_sandbox --individuals 3 --fault ansi=502
run "$ATT" --trace --retries 0 --base-url "$URL" -e 'att.search{}:total()'
check "9 --trace and the error line: no ESC, BEL, DEL or C1 byte from the server, shown escaped" \
    sh -c "! grep -q \"\$(printf '\\033')\" '$T/err' && ! grep -q \"\$(printf '\\007')\" '$T/err' && ! grep -q \"\$(printf '\\302\\233')\" '$T/err' && ! grep -q \"\$(printf '\\177')\" '$T/err' && grep -qF '\\e]0;owned' '$T/err' && grep -q 'HTTP 502' '$T/err'"

printf 'return "a\\27]0;t\\7\\194\\155b", {x = "\\127"}\n' | "$ATT" -i >"$T/out" 2>"$T/err"
check "9 the prompt shows values with control characters escaped (C0, DEL, C1)" \
    sh -c "grep -qF '\"a\\27]0;t\\7\\xc2\\x9bb\"' '$T/out' && grep -qF 'x = \"\\127\"' '$T/out' && ! grep -q \"\$(printf '\\302\\233')\" '$T/out'"

# ---- 10. requests stay under the base path ------------------------------------------------------------------
start_sandbox --individuals 3
P10=$URL
P10LOG=$SBLOG
for p in "/../../admin/secret" "/v1/../../admin/secret" "/%2e%2e/admin/secret" "/.%2E/admin/secret" \
    "//evil.example/admin" "http://evil.example/admin" "/v1/%2f..%2fadmin"; do
    run "$ATT" --base-url "$P10" -e "att.request('GET', '$p')"
    check "10 att.request('GET', '$p') is refused (exit 1)" sh -c "[ $rc -eq 1 ] && grep -q \"bad argument #2 to '[a-z.]*request'\" '$T/err'"
done
run "$ATT" --safe --base-url "$P10" -e "att.parallel{{'GET', '/v1/../../admin/secret'}}"
check "10 att.parallel refuses it too (and under --safe)" sh -c "[ $rc -eq 1 ] && grep -q 'request path .* must not contain' '$T/err'"
check "10 the server never saw a request outside the base path" sh -c "! grep -q 'admin' '$P10LOG'"
run "$ATT" --safe --base-url "$P10" -e "att.request('DELETE', '/v1/customers/1')"
check "10 --safe: att.request uses GET and POST only unless --allow-method says more" \
    sh -c "[ $rc -eq 1 ] && grep -q 'method DELETE is not allowed under --safe' '$T/err'"
run "$ATT" --safe --allow-method delete --base-url "$P10" -e "print(pcall(att.request, 'DELETE', '/v1/customers/1'))"
check "10 --safe --allow-method DELETE: allowed (the sandbox answers 404)" has_out "HTTP 404"

# ---- --safe: how requests go, and the limits, are the user's ---------------------------------------------------
run "$ATT" --safe --base-url "$P10" --timeout 10 --retries 2 --window 4 --rate 20 -e '
  for _, t in ipairs{{timeout = 60}, {retries = 9}, {max_response = math.tointeger(1e12)}, {max_wait = 1e6}, {rate = 0},
                     {stall_timeout = 1e4}, {connect_timeout = 1e4}, {appname = "other"}} do
    print((select(2, pcall(att.configure, t))))
  end
  att.configure{timeout = 5, retries = 1, max_response = 1000000, rate = 10}
  print(att.config().timeout, att.config().retries, att.config().rate)
  print((select(2, pcall(att.search, {}, {window = 8}))))
  print((select(2, pcall(att.parallel, {{}}, {concurrency = 16}))))
  print(#att.search({}, {window = 2}):collect())'
check "--safe: limits can only be lowered, appname is frozen, windows cannot grow" sh -c "
  [ \$(grep -c 'can only be lowered under --safe' '$T/out') -eq 7 ] && grep -q 'appname cannot be changed under --safe' '$T/out' &&
  grep -qx \"\$(printf '5.0\t1\t10.0')\" '$T/out' && grep -q 'opts.window 8 is above the window of 4' '$T/out' &&
  grep -q 'concurrency 16 is above the window of 4' '$T/out' && tail -n 1 '$T/out' | grep -qx 3"

# ---- 4. --max-time and signals cannot be escaped ---------------------------------------------------------
cd "$T/work" || exit 1
mkfifo "$T/silent"
exec 8<>"$T/silent"                       # a standard input that stays open and never says anything
GC='setmetatable({}, {__gc = function() while true do end end}) collectgarbage()'
HANDLER='xpcall(error, function() while true do end end)'
FIND='string.find(string.rep("a", 3000), ".-.-.-.-b")'
CO='coroutine.wrap(function() while true do end end)()'
i=0
for script in "$GC" "$HANDLER" "$FIND" "$CO" 'io.read()' 'while true do pcall(function() while true do end end) end'; do
    i=$((i + 1))
    t0=$(ms)
    "$ATT" --max-time 1 -e "io.write('done before\n', 'partial') $script" <&8 >"$T/out" 2>"$T/err"
    rc=$?
    took=$(elapsed_ms)
    check "4.$i --max-time 1 ends [$script] within 2 s (${took} ms), exit 7, a clear message" \
        sh -c "[ $rc -eq 7 ] && [ $took -lt 2000 ] && grep -q -- '--max-time of 1 seconds exceeded' '$T/err'"
    check "4.$i ... after writing the complete lines, and no partial one" out_is "done before"
done
start_sandbox --individuals 3 --fault hang
t0=$(ms)
run "$ATT" --max-time 2 --base-url "$URL" -e 'print(att.search{}:total())'
took=$(elapsed_ms)
check "4 waiting on a server that never answers counts: --max-time 2 ends within 3 s (${took} ms), exit 7" \
    sh -c "[ $rc -eq 7 ] && [ $took -lt 3000 ] && grep -q -- '--max-time' '$T/err'"
start_sandbox --individuals 3 --fault silence=20000
t0=$(ms)
run "$ATT" --max-time 1 --base-url "$URL" -e 'print(att.search{}:total())'
took=$(elapsed_ms)
check "4 ... and so does a body that comes after a long pause (${took} ms)" sh -c "[ $rc -eq 7 ] && [ $took -lt 2000 ]"
# Ctrl-C, SIGTERM and SIGHUP in the same places: the run ends within about a second
i=0
for script in "$GC" "$HANDLER" "$FIND" 'io.read()' 'while true do end'; do
    for sig in INT TERM HUP; do
        i=$((i + 1))
        "$ATT" -e "io.write('line one\n', 'half') $script" <&8 >"$T/out" 2>"$T/err" &
        P=$!
        sleep 0.4
        t0=$(ms)
        kill -$sig $P
        wait $P
        rc=$?
        took=$(elapsed_ms)
        case $sig in INT) want=130 ;; TERM) want=143 ;; HUP) want=129 ;; esac
        check "4.s$i SIG$sig ends [$script] within 1.5 s (${took} ms) with $want and the complete lines" \
            sh -c "[ $rc -eq $want ] && [ $took -lt 1500 ] && [ \"\$(cat '$T/out')\" = 'line one' ]"
    done
done
"$ATT" -e "io.write('x\n') $GC" >"$T/out" 2>"$T/err" &
P=$!
sleep 0.4
t0=$(ms)
kill -INT $P
sleep 0.1
kill -INT $P
wait $P
rc=$?
took=$(elapsed_ms)
check "4 a second Ctrl-C ends the run at once (${took} ms), 130" sh -c "[ $rc -eq 130 ] && [ $took -lt 500 ]"

# ---- 5. --max-memory bounds the process, not just the Lua heap ------------------------------------------
# Peak RSS stays under the limit plus a fixed overhead: the process itself (about 10 MiB: Lua,
# libcurl, OpenSSL), malloc's slack, and 96 KiB per connection (documented: 32 MiB in all).
rss_kb() { tail -n 1 "$T/rss"; }
OVER_KB=$((32 * 1024))
if command -v /usr/bin/time >/dev/null; then
    /usr/bin/time -o "$T/rss" -f '%M' "$ATT" --max-memory 64M -e '
      local s = string.rep("x", 1 << 20) local t = {} for i = 1, 2000 do t[i] = s end
      local ok, e = pcall(att.json.encode, t) print(ok, e)' >"$T/out" 2>"$T/err"
    rc=$?
    check "5 att.json.encode of 2000 x 1 MiB under --max-memory 64M fails cleanly" \
        sh -c "[ $rc -eq 0 ] && grep -q 'false.*not enough memory (--max-memory)' '$T/out'"
    check "5 ... with peak RSS under 64 MiB + 32 MiB ($(rss_kb) KiB)" [ "$(rss_kb)" -lt $((64 * 1024 + OVER_KB)) ]
    start_sandbox --individuals 5
    BODYLOG=$SBLOG
    /usr/bin/time -o "$T/rss" -f '%M' "$ATT" --max-memory 64M --base-url "$URL" -e '
      local s = string.rep("x", 1 << 20) local t = {} for i = 1, 2000 do t[i] = s end
      att.request("POST", "/v1/customers/search", t)' >"$T/out" 2>"$T/err"
    rc=$?
    check "5 the same table as an att.request body: refused before sending, exit 7 ($(rss_kb) KiB)" \
        sh -c "[ $rc -eq 7 ] && grep -q 'not enough memory' '$T/err' && [ $(rss_kb) -lt $((64 * 1024 + OVER_KB)) ] && [ \$(grep -c POST '$BODYLOG') -eq 0 ]"
    start_sandbox --individuals 3000 --fault big=60M
    /usr/bin/time -o "$T/rss" -f '%M' "$ATT" --max-memory 32M --window 32 --base-url "$URL" -e '
      local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 end' >"$T/out" 2>"$T/err"
    rc=$?
    check "5 a window of 32 pages of 60 MB under --max-memory 32M: a limit error, exit 7 ($(rss_kb) KiB)" \
        sh -c "[ $rc -eq 7 ] && grep -q 'does not fit in --max-memory' '$T/err' && [ $(rss_kb) -lt $((32 * 1024 + OVER_KB)) ]"
else
    ok "5 peak RSS # SKIP /usr/bin/time is not installed"
fi
# The decoder never sizes a table beyond what the rest of the input could hold: one object of
# 100,000 keys, then 200 empty objects (a recording, answered by --replay).
mkdir -m 700 "$T/presize"
"$ATT" - "$T/presize" <<'EOF'
  local keys = {} for i = 1, 100000 do keys[#keys + 1] = string.format("%q:1", "k" .. i) end
  local empties = {} for i = 1, 200 do empties[#empties + 1] = string.format("%q:{}", "e" .. i) end
  local page = "{\"totalCount\":1,\"pageInfo\":{\"pageSize\":50,\"pageOffset\":1},\"individuals\":[{\"id\":\"x\",\"a\":{" ..
    table.concat(keys, ",") .. "},\"b\":[" .. string.rep("{},", 199) .. "{}]," .. table.concat(empties, ",") .. "}]}"
  local f = assert(io.open(arg[1] .. "/session.jsonl", "w"))
  f:write(att.json.encode{method = "POST", path = "/v1/customers/search", body = "{\"pageOffset\":1,\"pageSize\":50}",
                          status = 200, contentType = "application/json", response = page}, "\n")
  f:close()
EOF
run "$ATT" --replay "$T/presize" -e 'local p = att.search{}:collect()[1] print(p.id) print(att.stats().peak_memory < 64 * 1024 * 1024)'
check "5 a hostile page of one big object and 200 empty ones stays small in memory" out_is "$(printf 'x\ntrue')"
# RLIMIT_DATA is the last line under --safe (plain builds)
if [ "$SANITIZED" = 1 ]; then
    ok "5 RLIMIT_DATA under --safe # SKIP sanitizer build (shadow memory needs the address space)"
else
    (exec "$ATT" --safe --max-memory 64M -e 'io.read()') <"$T/fifo" >/dev/null 2>&1 &
    P=$!
    exec 9>"$T/fifo"
    sleep 0.3
    lim=$(awk '/Max data size/ {print $4}' "/proc/$P/limits")
    exec 9>&-
    wait $P
    check "5 under --safe the kernel's data limit is set behind --max-memory ($lim bytes)" \
        sh -c "[ '$lim' != unlimited ] && [ $lim -gt $((64 * 1024 * 1024)) ] && [ $lim -lt $((256 * 1024 * 1024)) ]"
fi

finish
