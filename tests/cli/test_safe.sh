#!/bin/sh
# tests/cli/test_safe.sh — restricted mode (--safe), memory and time limits, interrupts, profiles,
# and secrets kept out of every output. Prints TAP. Env: ATT, SANDBOX.
NAME=safe
. "$(dirname "$0")/lib.sh"
nowhere() { ! grep -q -- "$1" "$T/out" "$T/err"; }

# ---- --safe -------------------------------------------------------------------------------------
mkdir -p "$T/work" "$T/outside"
cd "$T/work" || exit 1
safe() { run "$ATT" --safe -e "$1"; }

safe 'for _, f in ipairs{os.execute, io.popen, package.loadlib, os.tmpname, os.remove, io.tmpfile, debug.getinfo, string.dump} do print(select(2, pcall(f))) end'
check "--safe: denied functions raise 'att: NAME is disabled by --safe'" out_is "$(printf 'att: os.execute is disabled by --safe\natt: io.popen is disabled by --safe\natt: package.loadlib is disabled by --safe\natt: os.tmpname is disabled by --safe\natt: os.remove is disabled by --safe\natt: io.tmpfile is disabled by --safe\natt: debug.getinfo is disabled by --safe\natt: string.dump is disabled by --safe')"
safe 'os.execute("touch pwned")'
check "--safe: calling one names it and the line, exit 1" sh -c "[ $rc -eq 1 ] && grep -q '^att: (command line):1: att: os.execute is disabled by --safe' '$T/err' && [ ! -e pwned ]"
safe 'local f = assert(io.open("inside.txt", "w")) f:write("ok") f:close() print(io.open("inside.txt"):read("a"))'
check "--safe: files in the current directory can be written and read" out_is ok
safe 'assert(io.open("'"$T"'/outside/x.txt", "w"))'
check "--safe: an absolute path outside is refused" sh -c "[ $rc -eq 1 ] && grep -q 'outside the current directory (--safe)' '$T/err' && [ ! -e '$T/outside/x.txt' ]"
safe 'assert(io.open("../outside/y.txt", "w"))'
check "--safe: a ../ path is refused" sh -c "[ $rc -eq 1 ] && [ ! -e '$T/outside/y.txt' ]"
ln -s "$T/outside" link
safe 'assert(io.open("link/z.txt", "w"))'
check "--safe: a symlink leading outside is refused" sh -c "[ $rc -eq 1 ] && grep -q 'leads outside' '$T/err' && [ ! -e '$T/outside/z.txt' ]"
safe 'io.output("'"$T"'/outside/w.txt")'
check "--safe: io.output outside is refused" sh -c "[ $rc -eq 1 ] && [ ! -e '$T/outside/w.txt' ]"
safe 'os.remove("/etc/hostname")'
check "--safe: os.remove outside is refused" sh -c "[ $rc -eq 1 ] && grep -q 'os.remove' '$T/err'"
safe 'for l in io.lines("/etc/passwd") do print(l) end'
check "--safe: reading outside is refused too" sh -c "[ $rc -eq 1 ] && ! grep -q root '$T/out'"
safe 'print(load("\27Lua\84\0"))'
check "--safe: binary chunks are refused by load" has_out "attempt to load a binary chunk"
run "$ATT" -e 'print(load(string.dump(function() return 1 end)))'
check "without --safe, binary chunks are refused too" has_out "attempt to load a binary chunk"
printf '\033Lua' > bin.lua
run "$ATT" --safe --lua-path . -e 'print(pcall(require, "bin"))'
check "--safe: require refuses a binary module" has_out "binary chunk"
safe 'print(package.cpath, #package.searchers)'
check "--safe: no C modules" out_is "$(printf '\t2')"
run env ATT_TOKEN=leak-me-123 LANG=C.UTF-8 "$ATT" --safe -e 'print(os.getenv("ATT_TOKEN"), os.getenv("HOME"), os.getenv("LANG"))'
check "--safe: os.getenv reads only allowed names (LANG, TZ, LC_*)" out_is "$(printf 'nil\tnil\tC.UTF-8')"
check "--safe: and says once per name that others read as unset" sh -c "[ \$(grep -c 'os.getenv(\"HOME\") reads as unset under --safe (allow it with --allow-env HOME)' '$T/err') -eq 1 ]"
run "$ATT" -q --safe -e 'print(os.getenv("HOME"))'
check "-q silences that warning (warnings go through one hook)" sh -c "[ \"\$(cat '$T/out')\" = nil ] && [ ! -s '$T/err' ]"
run env ATT_TOKEN=leak-me-123 "$ATT" --safe --allow-env HOME -e 'print(os.getenv("HOME") == os.getenv("HOME") and os.getenv("HOME") ~= nil)'
check "--safe --allow-env HOME: HOME can be read" out_is true
run env ATT_TOKEN=leak-me-123 "$ATT" --safe --allow-env ATT_TOKEN -e ''
check "--allow-env ATT_TOKEN is refused (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'never given to a --safe script' '$T/err'"
safe 'print(att.config().safe, type(att.search))'
check "--safe: att still works and says so" out_is "$(printf 'true\tfunction')"

t0=$(ms)
run "$ATT" --safe --max-time 1 -e 'while true do end'
t1=$(ms)
check "--max-time 1 stops 'while true do end' within 2 s, exit 7" sh -c "[ $rc -eq 7 ] && [ $((t1 - t0)) -lt 2000 ]"
check "--max-time: a clear message" has_err "script stopped: --max-time of 1"
run "$ATT" --max-time 1 -e 'pcall(function() while true do end end) print("swallowed")'
check "--max-time cannot be swallowed by pcall for long" sh -c "[ $rc -ne 0 ] || ! grep -q swallowed '$T/out'"

run "$ATT" --safe --max-memory 64M -e 'local s = string.rep("x", 1e10)'
check "string.rep('x', 1e10) fails cleanly (Lua refuses the size first)" sh -c "[ $rc -eq 1 ] && grep -q 'string.rep' '$T/err'"
run "$ATT" --safe --max-memory 64M -e 'local s = string.rep("x", 1e9)'
check "--max-memory reached and not caught: exit 7" sh -c "[ $rc -eq 7 ] && grep -q 'not enough memory' '$T/err'"
run "$ATT" --safe --max-memory 64M -e 'local ok, e = pcall(string.rep, "x", 1e9) print(ok, e) print(#string.rep("z", 10))'
check "--max-memory: string.rep('x', 1e9) fails as out of memory, the host carries on" out_is "$(printf 'false\tnot enough memory\n10')"
run "$ATT" --max-memory 16M -e 'local ok, e = pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end) print(ok, e) print("host fine", #string.rep("y", 1000))'
check "--max-memory: a runaway table fails and the host carries on" sh -c "[ $rc -eq 0 ] && grep -q 'false.*not enough memory' '$T/out' && grep -q 'host fine.1000' '$T/out'"
run "$ATT" --max-memory 1k -e ''
check "--max-memory below 1M is refused" rc_is 2
run "$ATT" --safe -e 'local co = coroutine.wrap(function() while true do coroutine.yield() end end) for i = 1, 10 do co() end print("ok")'
check "--safe: ordinary scripts still run" out_is ok
cd - >/dev/null || exit 1

# ---- secrets and visibility ---------------------------------------------------------------------
start_sandbox --individuals 30 --token 'tok-Very-Secret-42' --appname reports
TURL=$URL
run env ATT_BASE_URL="$TURL" ATT_TOKEN=tok-Very-Secret-42 ATT_APPNAME=reports "$ATT" --trace -e 'print(#att.search{pageSize=10}:collect())'
check "--trace: the scan works" out_is 30
check "--trace: shows request headers" has_err "> POST /omni-svcs/v1/customers/search"
check "--trace: shows the response status and body" sh -c "grep -q '< HTTP/1.1 200' '$T/err' && grep -q '< body: {\"totalCount\"' '$T/err'"
check "--trace: Authorization is [REDACTED]" has_err "Authorization: \[REDACTED\]"
check "--trace: the token appears nowhere" nowhere "tok-Very-Secret-42"
run env ATT_BASE_URL="$TURL" ATT_TOKEN=tok-Very-Secret-42 ATT_APPNAME=reports "$ATT" --verbose -e 'for p in att.search{pageSize=10} do end'
check "--verbose: one line per request" sh -c "[ \$(grep -c '^att: POST .*/v1/customers/search -> 200, [0-9]* bytes, [0-9.]* s, attempt 1$' '$T/err') -eq 3 ]"
run env ATT_BASE_URL="$TURL" ATT_TOKEN=wrong-Secret-77 ATT_APPNAME=reports "$ATT" --trace -e 'att.search{}:total()'
check "a 401 with --trace: exit 4, no secret anywhere" sh -c "[ $rc -eq 4 ] && ! grep -q 'wrong-Secret-77' '$T/out' '$T/err'"

# ---- profiles -----------------------------------------------------------------------------------
mkdir -p "$XDG_CONFIG_HOME/att"
cat >"$XDG_CONFIG_HOME/att/config.lua" <<EOF
return {
  default = { base_url = "$TURL", appname = "reports", token = "tok-Very-Secret-42", retries = 1 },
  other = { base_url = "http://127.0.0.1:1/omni-svcs", appname = "x", timeout = 7 },
  broken = { base_url = "ftp://nope" },
  typo = { base_ur = "x" },
}
EOF
chmod 644 "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" -e 'print(att.config().appname)'
check "a profile file readable by others is refused" sh -c "[ $rc -eq 2 ] && grep -q 'refusing .*config.lua.*chmod 600' '$T/err'"
chmod 600 "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" -e 'print(att.search{}:total(), att.config().retries)'
check "the default profile is used (URL, appname, token from the file)" out_is "$(printf '30\t1')"
run "$ATT" --profile other -e 'local c = att.config() print(c.appname, c.timeout)'
check "--profile selects a profile" out_is "$(printf 'x\t7.0')"
run env ATT_APPNAME=fromenv "$ATT" --profile other -e 'print(att.config().appname)'
check "environment beats profile" out_is fromenv
run env ATT_APPNAME=fromenv "$ATT" --profile other --appname fromcli -e 'print(att.config().appname)'
check "command line beats environment" out_is fromcli
run env ATT_PROFILE=other "$ATT" -e 'print(att.config().appname)'
check "ATT_PROFILE selects a profile" out_is x
run "$ATT" --profile nosuch -e ''
check "an unknown profile is an error" sh -c "[ $rc -eq 2 ] && grep -q \"has no profile 'nosuch'\" '$T/err'"
run "$ATT" --profile broken -e ''
check "a bad value in a profile names the file, profile and key" sh -c "[ $rc -eq 2 ] && grep -q \"profile 'broken': base_url\" '$T/err'"
run "$ATT" --profile typo -e ''
check "an unknown key in a profile is an error" sh -c "[ $rc -eq 2 ] && grep -q \"unknown setting 'base_ur'\" '$T/err'"
rm -f "$XDG_CONFIG_HOME/att/config.lua"

# ---- command line refuses secrets ---------------------------------------------------------------
run "$ATT" --client-secret abc -e ''
check "--client-secret is refused" sh -c "[ $rc -eq 2 ] && grep -q ATT_CLIENT_SECRET '$T/err'"
run "$ATT" --token-url http://127.0.0.1:1/t -e ''
check "--token-url without credentials is a clear error" sh -c "[ $rc -eq 2 ] && grep -q 'needs a client id' '$T/err'"
run "$ATT" --insecure -e ''
check "--insecure warns loudly" has_err "WARNING: --insecure"

# ---- interrupts ---------------------------------------------------------------------------------
start_sandbox --individuals 4000 --latency 200
SLOW=$URL
"$ATT" --base-url "$SLOW" -e 'io.stdout:setvbuf("full") for p in att.search{pageSize=10} do print(p.id) end' >"$T/out" 2>"$T/err" &
APID=$!
sleep 1.2
t0=$(ms)
kill -INT $APID
wait $APID
rc=$?
t1=$(ms)
check "SIGINT: exit status 130" rc_is 130
check "SIGINT: stops promptly (under 1 s)" sh -c "[ $((t1 - t0)) -lt 1000 ]"
check "SIGINT: what was printed is flushed (whole pages of ids)" sh -c "l=\$(wc -l <'$T/out'); [ \$l -ge 10 ] && [ \$((l % 10)) -eq 0 ]"
check "SIGINT: says it was interrupted" has_err "interrupted"

finish
