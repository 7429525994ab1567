#!/bin/sh
# tests/cli/test_att.sh — runs att like a user: arguments, stdout, stderr, exit status, against
# att-sandbox. Prints TAP. Env: ATT (the att binary), SANDBOX (the att-sandbox binary).
NAME=cli
. "$(dirname "$0")/lib.sh"

start_sandbox --individuals 50 --seed 3
export ATT_BASE_URL="$URL"

run "$ATT" --version
check "--version prints the version" has_out "^att [0-9]*\.[0-9]*\.[0-9]* (Lua 5\.4"
run "$ATT" --help
check "--help prints usage and exits 0" has_out "usage: att \[options\] \[script \[args...\]\]"
check "--help mentions ATT_TOKEN" has_out "ATT_TOKEN"

run "$ATT" -e 'print(1 + 1)'
check "-e runs a chunk" out_is 2

printf 'print(arg[0], arg[1], arg[2], select("#", ...))\n' >"$T/args.lua"
run "$ATT" "$T/args.lua" one two
check "script arguments in arg and ..." out_is "$(printf '%s\tone\ttwo\t2' "$T/args.lua")"
run "$ATT" -e 'x = 5' "$T/args.lua" -e
check "options after the script belong to the script" out_is "$(printf '%s\t-e\tnil\t1' "$T/args.lua")"

run sh -c "printf 'print(\"from stdin\", ...)' | \"$ATT\" - a b"
check "- reads the script from stdin" out_is "$(printf 'from stdin\ta\tb')"
run sh -c "printf 'print(att.version)' | \"$ATT\""
check "no script and stdin not a terminal: runs stdin" has_out "^[0-9]"

printf 'print("before")\nio.write("partial")\nlocal function f() error("boom") end\nf()\n' >"$T/err.lua"
run "$ATT" "$T/err.lua"
check "script error: exit status 1" rc_is 1
check "script error: output before the error is kept" out_is "$(printf 'before\npartial')"
check "script error: one message line first" sh -c "head -n 1 '$T/err' | grep -q '^att: .*err.lua:3: boom$'"
check "script error: traceback" has_err "stack traceback:"
check "script error: traceback names the function" has_err "in local 'f'"

printf 'local t = setmetatable({}, {__tostring = function() return "custom" end}) error(t)\n' >"$T/obj.lua"
run "$ATT" "$T/obj.lua"
check "error object rendered through __tostring" sh -c "head -n 1 '$T/err' | grep -q '^att: custom$'"
run "$ATT" -e 'error({})'
check "non-string error value is described" has_err "error object is a table value"

printf 'x = = 1\n' >"$T/syntax.lua"
run "$ATT" "$T/syntax.lua"
check "syntax error: exit 1 and a message" sh -c "[ $rc -eq 1 ] && grep -q 'syntax.lua:1:' '$T/err'"
run "$ATT" "$T/missing.lua"
check "missing script: exit 1, names the file" sh -c "[ $rc -eq 1 ] && grep -q 'cannot open .*missing.lua' '$T/err'"
printf '\033Lua' >"$T/bin.luac"
run "$ATT" "$T/bin.luac"
check "binary chunks are refused" sh -c "[ $rc -eq 1 ] && grep -q 'attempt to load a binary chunk' '$T/err'"

run "$ATT" --token abc -e 'print(1)'
check "--token is refused (exit 2)" rc_is 2
check "--token refusal explains ATT_TOKEN" has_err "ATT_TOKEN"
run "$ATT" --token=abc -e 'print(1)'
check "--token=VALUE is refused too" rc_is 2
run "$ATT" --bogus
check "unknown option: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'unknown option --bogus' '$T/err'"
run "$ATT" --timeout abc -e ''
check "bad --timeout: exit 2" rc_is 2
run "$ATT" --base-url ftp://x -e ''
check "bad --base-url: exit 2" rc_is 2
run env ATT_TIMEOUT=-1 "$ATT" -e ''
check "bad ATT_TIMEOUT: exit 2 naming the variable" sh -c "[ $rc -eq 2 ] && grep -q ATT_TIMEOUT '$T/err'"

run "$ATT" -e 'print(att.search{serviceType="FIBER"}:total() > 0)'
check "ATT_BASE_URL points att at the sandbox" out_is true
run env ATT_BASE_URL=http://127.0.0.1:1/x "$ATT" --base-url "$URL" -e 'print(att.config().base_url)'
check "--base-url overrides ATT_BASE_URL" out_is "$URL"
run "$ATT" --appname reports --timeout 5 -e 'local c = att.config() print(c.appname, c.timeout)'
check "--appname and --timeout" out_is "$(printf 'reports\t5.0')"
run "$ATT" -e 'print(require("att") == att)'
check "require 'att' is the global att" out_is true

run env ATT_BASE_URL=http://127.0.0.1:1/omni-svcs "$ATT" -e 'print("started")' -e 'att.search{}:total()'
check "connection refused: exit 3 (network)" rc_is 3
check "connection refused: one clear line" sh -c "head -n 1 '$T/err' | grep -q '^att: network error on http://127.0.0.1:1/omni-svcs/v1/customers/search: '"
check "connection refused: earlier output kept" out_is started

# Authentication: the token goes in the Authorization header, and never into messages.
start_sandbox --individuals 5 --token 'tok-Secret-123' --appname billing
TOKURL=$URL
run env ATT_BASE_URL="$TOKURL" ATT_TOKEN=tok-Secret-123 ATT_APPNAME=billing "$ATT" -e 'print(att.search{}:total())'
check "ATT_TOKEN and ATT_APPNAME are sent" out_is 5
run env ATT_BASE_URL="$TOKURL" ATT_TOKEN=wrong-Secret-999 ATT_APPNAME=billing "$ATT" -e 'att.search{}:total()'
check "wrong token: HTTP 401 error, exit 4 (authentication)" sh -c "[ $rc -eq 4 ] && grep -q '^att: HTTP 401 from ' '$T/err'"
check "wrong token: the token is not printed" sh -c "! grep -q 'wrong-Secret-999' '$T/err' '$T/out'"
run env ATT_BASE_URL="$TOKURL" ATT_TOKEN=tok-Secret-123 ATT_APPNAME=billing "$ATT" -e 'for k, v in pairs(att.config()) do print(k, v) end'
check "att.config() does not reveal the token" sh -c "! grep -q 'tok-Secret' '$T/out' && grep -q 'token_set.true' '$T/out'"

# The prompt on a terminal (a tmux pane): shown at once, Ctrl-C stops a chunk, not the prompt.
if command -v tmux >/dev/null; then
    TM="att-test-$$"
    pane() { tmux capture-pane -p -t "$TM"; }
    wait_pane() {   # wait_pane TEXT: up to 5 s for TEXT to show
        i=0
        while [ $i -lt 50 ] && ! pane | grep -qF -- "$1"; do sleep 0.1; i=$((i + 1)); done
        pane | grep -qF -- "$1"
    }
    tmux -L "$TM" kill-server 2>/dev/null
    tmux new-session -d -s "$TM" -x 120 -y 30 "env HOME='$T' '$ATT'"
    check "prompt: 'att>' shows before any line is typed" wait_pane "att>"
    tmux send-keys -t "$TM" 'while true do end' Enter
    sleep 0.5
    tmux send-keys -t "$TM" C-c
    check "prompt: Ctrl-C interrupts the running chunk" wait_pane "interrupted"
    tmux send-keys -t "$TM" 'print(40 + 2)' Enter
    check "prompt: and the next command runs" wait_pane "42"
    tmux send-keys -t "$TM" C-d
    sleep 0.3
    tmux kill-session -t "$TM" 2>/dev/null
else
    ok "prompt on a terminal # SKIP tmux is not installed"
fi

finish
