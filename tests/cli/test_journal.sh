#!/bin/sh
# tests/cli/test_journal.sh — what a run keeps, and does not keep, in its journal, seen from the
# outside: no journal for a run that could not be run again the same way (the prompt, a script
# on standard input, att help/check) or whose description would hold a password (a URL with user
# info); a --safe script cannot read any journal; OAuth tokens are fetched by a resume only when a
# request goes live; a resume takes the run's settings, not the caller's, but the caller's
# secrets; bad journal options are bad command lines. The resume matrix (kills, signals, windows,
# outputs byte for byte) is test_resume.sh's. Prints TAP. Env: ATT, SANDBOX.
NAME=journal
. "$(dirname "$0")/lib.sh"

export XDG_STATE_HOME="$T/state"
RUNS="$XDG_STATE_HOME/att/runs"
runs_count() { ls "$RUNS" 2>/dev/null | wc -l; }
# A scan that fails at its third page (the first two answered and journaled).
SCAN='local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 end print(n)'

# One sandbox at a time, fresh for each failing run (the fault counts requests from its start).
sandbox() { [ -n "${SBPID:-}" ] && kill "$SBPID" 2>/dev/null; start_sandbox "$@"; SBPID=$!; }
failing() { sandbox --individuals 50 --fault status=500,after=2; FAIL=$URL; }
failing

# ---- runs that keep no journal ---------------------------------------------------------------
run sh -c "printf '%s\n' \"$SCAN\" | '$ATT' --retries 0 --base-url '$FAIL' -"
check "a script on standard input keeps no journal (it cannot be read again)" \
    sh -c "[ $rc -eq 6 ] && [ $(runs_count) -eq 0 ] && ! grep -q 'resume with' '$T/err'"
failing
run sh -c "printf '%s\n' \"$SCAN\" | '$ATT' --retries 0 --base-url '$FAIL'"
check "standard input without a tty keeps no journal either" sh -c "[ $rc -ne 0 ] && [ \$(ls '$RUNS' 2>/dev/null | wc -l) -eq 0 ]"
failing
run "$ATT" --retries 0 --base-url "http://user:pass-word-12345@${FAIL#http://}" -e "$SCAN"
check "a base URL with a password: no journal (its description would hold the password)" \
    sh -c "[ $rc -eq 6 ] && [ \$(ls '$RUNS' 2>/dev/null | wc -l) -eq 0 ] && ! grep -q 'resume with' '$T/err'"
failing
run env ATT_BASE_URL="http://user:pass-word-12345@${FAIL#http://}" "$ATT" --retries 0 -e "$SCAN"
check "ATT_BASE_URL with a password: no journal" \
    sh -c "[ $rc -eq 6 ] && [ \$(ls '$RUNS' 2>/dev/null | wc -l) -eq 0 ] && ! grep -rq 'pass-word-12345' '$T/state' 2>/dev/null"
printf '%s\n' "$SCAN" >"$T/scan.lua"
run "$ATT" --retries 0 --base-url "$FAIL" help "$T/scan.lua"
check "att help SCRIPT keeps no journal" sh -c "[ \$(ls '$RUNS' 2>/dev/null | wc -l) -eq 0 ]"

# ---- options ------------------------------------------------------------------------------------
run "$ATT" --journal-max 10 -e ''
check "--journal-max below 1M: exit 2, one line" sh -c "[ $rc -eq 2 ] && grep -q 'journal-max: expected a size of at least 1M' '$T/err'"
run env ATT_JOURNAL_MAX=lots "$ATT" -e ''
check "ATT_JOURNAL_MAX not a size: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'ATT_JOURNAL_MAX' '$T/err'"
run "$ATT" --no-jornal -e ''
check "a misspelt --no-journal: did you mean" sh -c "[ $rc -eq 2 ] && grep -q 'did you mean --no-journal' '$T/err'"
run "$ATT" resume a b
check "att resume takes one ID" sh -c "[ $rc -eq 2 ] && grep -q 'usage: att resume' '$T/err'"
run "$ATT" runs extra
check "att runs takes no argument" rc_is 2
run "$ATT" runs
check "att runs with none: says so, exit 0" sh -c "[ $rc -eq 0 ] && grep -q 'no resumable runs' '$T/out'"

# ---- a --safe script cannot read a journal ---------------------------------------------------------
failing
run "$ATT" --retries 0 --base-url "$FAIL" "$T/scan.lua"
ID=$(ls "$RUNS" | head -n 1)
check "a failed run keeps its journal (0700, files 0600)" sh -c "[ $rc -eq 6 ] && [ -n '$ID' ] &&
    [ \"\$(stat -c %a '$RUNS/$ID')\" = 700 ] && [ \"\$(stat -c %a '$RUNS/$ID/journal')\" = 600 ] &&
    [ \"\$(stat -c %a '$RUNS/$ID/run.json')\" = 600 ]"
cd "$RUNS/$ID" || exit 1
run "$ATT" --safe -e 'print((select(2, pcall(io.open, "journal"))))'
check "a --safe script run inside a journal's directory cannot open it" has_out "keeps to itself"
cd "$T" || exit 1
run "$ATT" --safe --journal "$T/elsewhere" -e 'print((select(2, pcall(io.open, "'"$T"'/elsewhere/x"))))'
check "nor the directory --journal names" sh -c "grep -q 'keeps to itself\|outside' '$T/out'"

# ---- a resume takes the run's settings and the caller's secrets; OAuth only when live -----------
SECRET=client-secret-J1-abcdef
sandbox --individuals 40 --oauth-client "app-1:$SECRET" --fault status=503,after=3,count=1
OA=$URL
cat >"$T/oauth.lua" <<'EOF'
local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 end
print(n, att.config().timeout, att.stats().token_fetches)
EOF
cd "$T" || exit 1
run env ATT_TOKEN_URL="$OA/oauth/token" ATT_CLIENT_ID=app-1 ATT_CLIENT_SECRET="$SECRET" ATT_TIMEOUT=17 \
    "$ATT" --retries 0 --base-url "$OA" oauth.lua
ID=$(ls -t "$RUNS" | head -n 1)
check "an OAuth run failing at page 4 keeps 3 answers" sh -c "[ $rc -eq 6 ] && [ \$(grep -c '^@J x ' '$RUNS/$ID/journal') -eq 3 ]"
check "no client secret and no access token in the journal or its description" \
    sh -c "! grep -rq '$SECRET' '$RUNS/$ID' && ! grep -q 'ATT_CLIENT_SECRET' '$RUNS/$ID/run.json' && ! grep -aq 'access_token' '$RUNS/$ID/journal'"
run env -u ATT_CLIENT_SECRET ATT_TIMEOUT=5 "$ATT" resume "$ID"
check "a resume without the secret in its environment is refused like the run would be (exit 2)" \
    sh -c "[ $rc -eq 2 ] && grep -q 'ATT_CLIENT_SECRET' '$T/err' && [ -d '$RUNS/$ID' ]"
run env ATT_CLIENT_SECRET="$SECRET" ATT_TIMEOUT=5 "$ATT" resume "$ID"
check "with it: the run finishes with the run's timeout (17, not the caller's 5), one token fetched for the live pages" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = \"\$(printf '40\t17.0\t1')\" ] && [ ! -d '$RUNS/$ID' ]"
# every page journaled: the resume asks for no token at all
sandbox --individuals 20 --oauth-client "app-1:$SECRET"
OB=$URL
printf 'local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 end\nio.write(n, " ", att.stats().token_fetches, "\\n")\n' >"$T/all.lua"
run env ATT_TOKEN_URL="$OB/oauth/token" ATT_CLIENT_ID=app-1 ATT_CLIENT_SECRET="$SECRET" sh -c "'$ATT' --base-url '$OB' all.lua >/dev/full"
ID=$(ls -t "$RUNS" | head -n 1)
check "a run whose output was lost (/dev/full, exit 8) keeps every page" sh -c "[ $rc -eq 8 ] && [ -n '$ID' ] && grep -q 'resume with: att resume $ID' '$T/err'"
run env ATT_CLIENT_SECRET="$SECRET" "$ATT" resume "$ID"
check "its resume answers everything from the journal: no token fetched" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/out')\" = '20 0' ]"

# ---- a page built by opts.fields is journaled as built; another projection does not reuse it ------
cat >"$T/pf.lua" <<'EOF'
local r = att.search({pageSize = 10}, {fields = {"accounts.id"}})
for p in r do for _, a in ipairs(p.accounts) do print(p.id, a.id, a.billingMarket) end end
EOF
sandbox --individuals 60
"$ATT" --no-journal --window 1 --base-url "$URL" "$T/pf.lua" >"$T/pf.full"
sed 's/{"accounts.id"}/{"accounts.id", "accounts.billingMarket"}/' "$T/pf.lua" >"$T/pf2.lua"
"$ATT" --no-journal --window 1 --base-url "$URL" "$T/pf2.lua" >"$T/pf2.full"
sandbox --individuals 60 --fault status=500,after=3,count=1
PF=$URL
run "$ATT" --window 1 --retries 0 --base-url "$PF" "$T/pf.lua"
ID=$(ls -t "$RUNS" | head -n 1)
check "a projected scan journals its pages as built: a fraction of the bytes, keyed by the projection" \
    sh -c "[ $rc -eq 6 ] && [ \$(grep -ac '^@J x ' '$RUNS/$ID/journal') -eq 3 ] && grep -aq 'fields=[0-9a-f]\{16\}' '$RUNS/$ID/journal' &&
        ! grep -aq 'givenName' '$RUNS/$ID/journal'"
cp -r "$RUNS/$ID" "$T/saved-run"
: >"$SBLOG"
run "$ATT" resume "$ID"
check "the same script resumes from them: the same bytes, 3 pages fewer asked (and the seam page again)" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/pf.full' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 4 ]"
cp -r "$T/saved-run" "$RUNS/$ID"
cp "$T/pf2.lua" "$T/pf.lua"
: >"$SBLOG"
run "$ATT" resume "$ID"
check "a script that builds more of each page does not reuse them: every page asked, its own output" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/pf2.full' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 6 ] && grep -q 'changed since run' '$T/err'"

# ---- att.request resumes too: each request by its path, body and occurrence -----------------------
cat >"$T/req.lua" <<'LUA'
for i = 1, 6 do
  local page = att.request("POST", "/v1/customers/search", {pageSize = 5, pageOffset = (i - 1) % 3 + 1})
  print(i, page.individuals[1].id)
end
LUA
sandbox --individuals 40
"$ATT" --no-journal --base-url "$URL" "$T/req.lua" >"$T/req.full"
sandbox --individuals 40 --fault status=500,after=4,count=1
rm -rf "$RUNS"
run "$ATT" --retries 0 --base-url "$URL" "$T/req.lua"
ID=$(ls "$RUNS" 2>/dev/null | head -n 1)
check "att.request: the same request asked twice is journaled twice (occurrences 1 and 2)" \
    sh -c "[ $rc -eq 6 ] && [ \$(grep -ac '^@J x ' '$RUNS/$ID/journal') -eq 4 ] && grep -aq '\"n\":2' '$RUNS/$ID/journal'"
: >"$SBLOG"
run "$ATT" resume "$ID"
check "att.request: the resume answers the first four from the journal, asks the last two, the same output" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/req.full' && [ \$(grep -c 'POST /omni-svcs/v1/customers/search' '$SBLOG') -eq 2 ]"

# ---- readings: the first ATT_JOURNAL_READINGS of each kind are journaled, later ones are live ---
cat >"$T/seeds.lua" <<'LUA'
local r = {}
-- att seeds math.random at start: that seed is reading 1, these are 2 .. 10001
for i = 1, 10000 do math.randomseed() r[i] = math.random(1, 1000000000) end
print(r[1], r[9999], r[10000])
io.stdout:flush()
for _ in att.search{pageSize = 10} do end
LUA
sandbox --individuals 60 --fault status=500,after=3,count=1
rm -rf "$RUNS"
run "$ATT" --retries 0 --window 1 --base-url "$URL" "$T/seeds.lua"
cp "$T/out" "$T/seeds.first"
ID=$(ls "$RUNS" 2>/dev/null | head -n 1)
check "10,001 seeds: the journal keeps 10,000 of them (a loop of readings does not grow it without bound)" \
    sh -c "[ $rc -eq 6 ] && [ \$(grep -ac '^@J t ' '$RUNS/$ID/journal') -eq 10000 ]"
run "$ATT" resume "$ID"
check "the resume reads the first 10,000 back (the same values) and the 10,001st live (another)" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(cut -f1,2 '$T/out')\" = \"\$(cut -f1,2 '$T/seeds.first')\" ] && [ \"\$(cut -f3 '$T/out')\" != \"\$(cut -f3 '$T/seeds.first')\" ]"

# ---- os.exit ends the run where it is called: the journal is settled there too --------------------
sandbox --individuals 100
rm -rf "$RUNS"
run "$ATT" --base-url "$URL" -e 'local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 if n == 50 then os.exit(0) end end'
check "os.exit(0) in the middle of a scan: a success, its journal removed" sh -c "[ $rc -eq 0 ] && [ \$(ls '$RUNS' 2>/dev/null | wc -l) -eq 0 ]"
run "$ATT" --base-url "$URL" -e 'local n = 0 for _ in att.search{pageSize = 10} do n = n + 1 if n == 50 then os.exit(3) end end'
ID=$(ls "$RUNS" 2>/dev/null | head -n 1)
check "os.exit(3): the journal kept, the hint printed, att runs says the script called os.exit(3)" \
    sh -c "[ $rc -eq 3 ] && [ -n '$ID' ] && grep -q 'resume with: att resume $ID' '$T/err' && '$ATT' runs | grep -q 'exit 3: the script called os.exit(3)'"

finish
