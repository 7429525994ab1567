#!/bin/sh
# tests/cli/test_prompt.sh — the interactive prompt on a pseudo-terminal (tests/cli/pty_drive.py):
# Ctrl-C at the prompt and while a chunk runs, Ctrl-D, Tab completion, values shown, the history
# file (its place, modes, bound, and the lines it never keeps). TAP.
NAME=prompt
. "$(dirname "$0")/lib.sh"
DRIVE="$(cd "$(dirname "$0")" && pwd)/pty_drive.py"

if ! command -v python3 >/dev/null; then
    ok "prompt on a pseudo-terminal # SKIP python3 is not installed"
    finish
    exit
fi

mkdir -p "$T/home" "$T/state"
# drive ENV... < STEPS: att on a terminal with HOME and XDG_STATE_HOME under $T; the screen in $T/tr.
drive() {
    env HOME="$T/home" XDG_STATE_HOME="$T/state" TERM=xterm "$@" python3 "$DRIVE" "$T/tr" "$ATT" >"$T/out" 2>"$T/err"
    rc=$?
}
# drive_args ENV... -- ARGS... < STEPS: the same with arguments for att.
drive_args() {
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    # shellcheck disable=SC2086
    env HOME="$T/home" XDG_STATE_HOME="$T/state" TERM=xterm $envs python3 "$DRIVE" "$T/tr" "$ATT" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
screen() { tr -d '\r' <"$T/tr" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g'; }   # the transcript, no escapes
screen_line() { screen | grep -q -- "$1"; }   # a regular expression, per line
screen_has() { grep -qF -- "$1" "$T/tr"; }
screen_lacks() { ! grep -qF -- "$1" "$T/tr"; }
fail_info() { echo "screen: $(screen | tail -c 900)"; }
chk() {   # chk DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok "$d"; else notok "$d" "$(fail_info)" "err: $(head -c 400 "$T/err")" "rc: $rc"; fi
}
mode_of() { stat -c %a "$1" 2>/dev/null; }

# Ctrl-C at the prompt: the line goes, the next command works; the same for a pending chunk.
drive <<'EOF'
wait att>
send print(1
sleep 0.2
send \x03
wait ^C
sleep 0.2
send print(6*7)\r
wait 42
sleep 0.1
send for i = 1, 2 do\r
wait >>
sleep 0.2
send \x03
wait ^C
sleep 0.2
send print(7*7)\r
wait 49
sleep 0.1
send \x04
end
EOF
chk "Ctrl-C at the prompt clears the line: the next command runs" screen_line '^42$'
chk "Ctrl-C at the prompt poisons nothing (no 'interrupted')" screen_lacks "interrupted"
chk "Ctrl-C in a pending chunk discards it: the next command runs alone" screen_line '^49$'
chk "Ctrl-D on an empty line exits 0" sh -c "[ $rc -eq 0 ]"

# Ctrl-C while a chunk runs interrupts it; the globals stay; more Ctrl-C do not end the prompt.
drive <<'EOF'
wait att>
send x = 5\r
sleep 0.2
send while true do end\r
sleep 0.5
send \x03
wait att: interrupted
sleep 0.3
send \x03
sleep 0.2
send \x03
sleep 0.2
send print(x * 11)\r
wait 55
sleep 0.1
send while true do end\r
sleep 0.3
send \x03
sleep 0.2
send \x03
wait interrupted
sleep 0.3
send print(x * 13)\r
wait 65
sleep 0.1
send \x04
end
EOF
chk "Ctrl-C interrupts a running chunk: 'att: interrupted'" screen_has "att: interrupted"
chk "the interrupt prints no traceback" screen_lacks "stack traceback"
chk "after it the globals are still there" screen_line '^55$'
cleared_3() { [ "$(screen | grep -c '^att> ^C$')" -ge 3 ] && screen_lacks watchdog; }
chk "Ctrl-C twice at the prompt does not end it" cleared_3
survived() { screen_line '^65$' && [ "$rc" -eq 0 ]; }
chk "Ctrl-C, a chunk interrupted, Ctrl-C again: the prompt and its state survive" survived

# Tab completion over the live state.
drive <<'EOF'
wait att>
send att.se\t
wait att.search(
sleep 0.2
send \x03
wait ^C
sleep 0.2
send target = {field1 = 1, other = 2}\r
sleep 0.2
send target.fi\t
wait field1
sleep 0.2
send \r
wait 1
sleep 0.2
send r = att.search{}\r
sleep 0.2
send r:col\t
wait r:collect(
sleep 0.2
send \x03
wait ^C
sleep 0.2
send att.rep\t
wait att.report
sleep 0.2
send \x03
wait ^C
sleep 0.2
send targ\t
wait target
sleep 0.2
send \x03
wait ^C
sleep 0.1
send \x04
end
EOF
chk "Tab: att.se completes to att.search(" sh -c "[ $rc -eq 0 ] && grep -qF 'att.search(' '$T/tr'"
chk "Tab: a field of a global table (target.fi -> target.field1)" screen_has "target.field1"
chk "Tab: a method after ':' (r:col -> r:collect()" screen_has "r:collect("
chk "Tab: a bundled module not yet loaded (att.rep -> att.report)" screen_has "att.report"
chk "Tab: a global (targ -> target)" sh -c "grep -c 'target' '$T/tr' | grep -qv '^[01]$'"

# Values: tables nested to a depth, strings quoted readably, att.pretty(x) as its text.
drive <<'EOF'
wait att>
send {a = {b = {c = {d = {e = 1}}}}, s = "café\\tx"}\r
wait }
sleep 0.2
send att.pretty({k = "v"})\r
wait att>
sleep 0.2
send \x04
end
EOF
chk "values: nested tables shown to depth 4, then {...}" sh -c "grep -qF 'd = {...}' '$T/tr'"
chk "values: strings quoted with readable escapes, UTF-8 as it is" screen_has 's = "café\tx"'
chk "att.pretty(x) at the prompt shows the text, not a quoted string" sh -c "grep -q '^  k = \"v\"' '$T/tr' && ! grep -qF '\"{\\\\n' '$T/tr'"

# History: the place, the modes, what it holds and what it never does.
rm -rf "$T/state" "$T/home/.local"
drive_args ATT_TOKEN=tok-Secret-1234567890 -- <<'EOF'
wait att>
send first_cmd = 1\r
sleep 0.2
send half_typed
sleep 0.2
send \x03
wait ^C
sleep 0.2
send s = "tok-Secret-1234567890"\r
sleep 0.2
send cfg = {password = "hunter2hunter2"}\r
sleep 0.2
send  hidden_cmd = 2\r
sleep 0.2
send print(first_cmd + 41)\r
wait 42
sleep 0.1
send \x04
end
EOF
H="$T/state/att/history"
chk "history: created at \$XDG_STATE_HOME/att/history" test -f "$H"
chk "history: the file is 0600" sh -c "[ '$(mode_of "$H")' = 600 ]"
chk "history: the directory is 0700" sh -c "[ '$(mode_of "$T/state/att")' = 700 ]"
chk "history: holds the commands entered" sh -c "grep -qx 'first_cmd = 1' '$H' && grep -qxF 'print(first_cmd + 41)' '$H'"
chk "history: not a line cleared by Ctrl-C" sh -c "! grep -q half_typed '$H'"
chk "history: never a line holding the run's token" sh -c "! grep -q 'tok-Secret' '$H'"
chk "history: never a literal assigned to a password" sh -c "! grep -q hunter2 '$H'"
chk "history: not a line starting with a space" sh -c "! grep -q hidden_cmd '$H'"

# The next session reads it back (Up recalls the last line) and the file stays bounded.
i=0
while [ $i -lt 1500 ]; do echo "old_$i = $i"; i=$((i + 1)); done >>"$H"
drive <<'EOF'
wait att>
send \x1b[A
wait old_1499
sleep 0.2
send \r
wait att>
sleep 0.2
send \x04
end
EOF
chk "history: read back by the next session (Up recalls the last line)" screen_has "old_1499 = 1499"
chk "history: bounded to 1000 lines" sh -c "[ \$(wc -l <'$H') -le 1000 ] && tail -n 1 '$H' | grep -qx 'old_1499 = 1499'"

# Without XDG_STATE_HOME: ~/.local/state/att/history; under --safe: no file at all.
rm -rf "$T/home/.local"
printf 'wait att>\nsend y = 1\\r\nsleep 0.2\nsend \\x04\nend\n' >"$T/steps"
env -u XDG_STATE_HOME HOME="$T/home" TERM=xterm python3 "$DRIVE" "$T/tr" "$ATT" <"$T/steps" >"$T/out" 2>"$T/err"
rc=$?
chk "history: ~/.local/state/att/history without XDG_STATE_HOME, 0600" \
    sh -c "grep -qx 'y = 1' '$T/home/.local/state/att/history' && [ '$(mode_of "$T/home/.local/state/att/history")' = 600 ]"
rm -rf "$T/state2"
env HOME="$T/home" XDG_STATE_HOME="$T/state2" TERM=xterm python3 "$DRIVE" "$T/tr" "$ATT" --safe <"$T/steps" >"$T/out" 2>"$T/err"
rc=$?
chk "history: --safe writes none (the session's history stays in memory)" sh -c "[ $rc -eq 0 ] && [ ! -e '$T/state2/att/history' ]"

finish
