#!/bin/sh
# tests/cli/test_fields.sh — request fields checked forward-compatibly, undefined globals and
# att check: a near miss of a known field (serviceType, pageSize, pageOffset and the declared ones)
# is an error with a suggestion; declared fields (--field, ATT_FIELDS, a profile's extra_fields,
# opts.fields_ok) are sent silently; other unknown fields are sent with one warning per name;
# a search with no filter says so on a terminal (through script(1)); att-sandbox --strict answers
# 400 UNKNOWN_FIELD; reads of undefined globals warn once per name with file:line (not at the
# prompt; off with --no-global-warnings or ATT_GLOBAL_WARNINGS=0); att check runs luacheck
# (0 clean, 1 problems, 2 missing). Prints TAP. Env: ATT, SANDBOX.
NAME=fields
. "$(dirname "$0")/lib.sh"
case $ATT in /*) ;; *) ATT=$(pwd)/$ATT ;; esac
case $SANDBOX in /*) ;; *) SANDBOX=$(pwd)/$SANDBOX ;; esac
cd "$T" || exit 2
unset ATT_FIELDS ATT_GLOBAL_WARNINGS
nerr() { c=$(grep -c -- "$1" "$T/err"); [ "$c" -eq "$2" ]; }
no_warning() { ! grep -q 'warning' "$T/err"; }
TYPO="att.search: unknown request field 'servicetype' (did you mean 'serviceType'? declare new fields with --field NAME)"

start_sandbox
PLAIN=$URL
start_sandbox --strict
STRICT=$URL

# ---- a near miss is an error with a suggestion ----------------------------------------------------
run "$ATT" --base-url "$PLAIN" search servicetype=FIBER
check "att search servicetype=FIBER: a bad command line, exit 2" rc_is 2
check "... says: did you mean 'serviceType'" has_err "$TYPO"
run "$ATT" --base-url "$PLAIN" -e 'att.search{servicetype = "FIBER"}'
check "att.search{servicetype=...}: exit 1" rc_is 1
check "... with the suggestion and the user's line" has_err "(command line):1: $TYPO"
run "$ATT" --base-url "$PLAIN" -e 'att.search{PAGESIZE = 5}'
check "a field differing only by case: the suggestion" has_err "unknown request field 'PAGESIZE' (did you mean 'pageSize'?"
run "$ATT" --base-url "$PLAIN" -e 'att.search{serviceTyep = "FIBER"}'
check "two letters swapped: the suggestion" has_err "'serviceTyep' (did you mean 'serviceType'?"
run "$ATT" --base-url "$PLAIN" --field market -e 'att.search{markte = "DAL"}'
check "a near miss of a declared field suggests it" has_err "'markte' (did you mean 'market'?"
check "... exit 1" rc_is 1
run "$ATT" --base-url "$PLAIN" -e 'att.search({mraket = "DAL"}, {fields_ok = {"market"}})'
check "a near miss of an opts.fields_ok field suggests it" has_err "'mraket' (did you mean 'market'?"

# ---- declared fields are sent, silently --------------------------------------------------------
SEARCH='for r in att.search({serviceType = "FIBER", market = "DAL", pageSize = 2}, OPTS) do end print("done")'
one() { printf '%s' "$SEARCH" | sed "s/OPTS/${1:-nil}/"; }
run "$ATT" --base-url "$PLAIN" --field market -e "$(one '{limit = 2}')"
check "--field market: the search runs" out_is done
check "... without a warning" no_warning
run "$ATT" --base-url "$STRICT" --field market -e "$(one '{limit = 2}')"
check "... and market is sent (--strict sandbox: 400 UNKNOWN_FIELD 'market')" has_err "unknown request field 'market'"
check "... exit 5 (HTTP 4xx)" rc_is 5
ATT_FIELDS=region,market run "$ATT" --base-url "$PLAIN" -e "$(one '{limit = 2}')"
check "ATT_FIELDS=region,market: no warning" sh -c "grep -qx done '$T/out' && ! grep -q warning '$T/err'"
run "$ATT" --base-url "$PLAIN" --field 'a b' -e '1'
check "--field 'a b': exit 2" rc_is 2
check "... the reason" has_err "expected request field names"
mkdir -p "$XDG_CONFIG_HOME/att"
printf 'return { default = { extra_fields = {"market", "region"} } }\n' >"$XDG_CONFIG_HOME/att/config.lua"
chmod 600 "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" --base-url "$PLAIN" -e "$(one '{limit = 2}')"
check "a profile's extra_fields: no warning" sh -c "grep -qx done '$T/out' && ! grep -q warning '$T/err'"
printf 'return { default = { extra_fields = {1} } }\n' >"$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" -e '1'
check "extra_fields = {1}: exit 2 with the reason" sh -c "[ $rc -eq 2 ] && grep -q 'extra_fields: expected a list of names' '$T/err'"
rm -f "$XDG_CONFIG_HOME/att/config.lua"
run "$ATT" --base-url "$PLAIN" -e "$(one '{limit = 2, fields_ok = {"market"}}')"
check "opts.fields_ok = {\"market\"}: no warning" sh -c "grep -qx done '$T/out' && ! grep -q warning '$T/err'"
run "$ATT" --base-url "$STRICT" -e "$(one '{limit = 2, fields_ok = {"market"}}')"
check "... and market is sent" has_err "unknown request field 'market'"
run "$ATT" --base-url "$PLAIN" -e 'att.search({serviceType = "FIBER"}, {fields_ok = "market"})'
check "opts.fields_ok not a list: an error" has_err "att.search: opts.fields_ok must be a list of field names (got string)"

# ---- other unknown fields: sent, with one warning per name -----------------------------------------
run "$ATT" --base-url "$PLAIN" -e "$(one '{limit = 2}') $(one '{limit = 2}')"
check "an undeclared field (market): the searches run" sh -c "[ $rc -eq 0 ] && [ \$(grep -c done '$T/out') -eq 2 ]"
check "... one warning for two searches" nerr "att: warning: unknown request field 'market' sent as is (declare it with --field market)" 1
run "$ATT" --base-url "$STRICT" -e "$(one '{limit = 2}')"
check "... and it is sent" has_err "HTTP 400 .*unknown request field 'market'"
run "$ATT" --base-url "$PLAIN" search serviceType=FIBER market=DAL --limit 2
check "att search market=DAL: runs, with the warning" sh -c "[ $rc -eq 0 ] && grep -q \"unknown request field 'market' sent as is\" '$T/err'"
run "$ATT" -q --base-url "$PLAIN" -e "$(one '{limit = 2}')"
check "-q: no warning" no_warning

# ---- att-sandbox --strict ---------------------------------------------------------------------------
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"serviceType":"FIBER","x":1}' "$STRICT/v1/customers/search")
check "att-sandbox --strict: 400 to an unknown field" [ "$code" = 400 ]
check "... {\"code\":\"UNKNOWN_FIELD\",\"message\":\"unknown request field 'x'\"}" out_is '{"code":"UNKNOWN_FIELD","message":"unknown request field '"'x'"'"}'
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"serviceType":"FIBER","pageSize":1,"pageOffset":1}' "$STRICT/v1/customers/search")
check "... 200 to the contract's fields" [ "$code" = 200 ]
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"x":1}' "$PLAIN/v1/customers/search")
check "without --strict: unknown fields ignored (200)" [ "$code" = 200 ]
run "$SANDBOX" --help
check "att-sandbox --help lists --strict" has_out "--strict"

# ---- a search with no filter, on a terminal ----------------------------------------------------------
NOFILTER="a search with no filter matches every customer"
run "$ATT" --base-url "$PLAIN" -e 'for r in att.search({}, {limit = 1}) do end'
check "no filter, stderr not a terminal: no hint" no_warning
if command -v script >/dev/null 2>&1; then
    script -qc "$ATT --base-url $PLAIN -e 'for r in att.search({serviceType = FIBER}, {limit = 1}) do end for r in att.search({}, {limit = 1}) do end'" /dev/null >"$T/err" 2>&1
    check "serviceType = FIBER (nil) on a terminal: the no-filter hint, once" nerr "$NOFILTER" 1
    check "... and the read of FIBER warned" has_err "(command line):1: read of undefined global 'FIBER'"
    script -qc "$ATT --base-url $PLAIN -e 'for r in att.search({serviceType = \"FIBER\"}, {limit = 1}) do end'" /dev/null >"$T/err" 2>&1
    check "a filter on a terminal: no hint" sh -c "! grep -q 'no filter' '$T/err'"
else
    ok "# SKIP script(1) missing: the terminal hint is not tested"
fi

# ---- undefined globals --------------------------------------------------------------------------------
printf 'local a = 1\nprint(FIBER)\nprint(FIBER, OTHER)\ny = nil\nprint(y, _G.print ~= nil, rawget(_G, "NOPE"))\nfunction f() return LATER end\nf() f()\n' >g.lua
run "$ATT" g.lua
check "a script reading undefined globals runs (exit 0)" rc_is 0
check "FIBER: one warning, at its first read (g.lua:2)" sh -c "[ \$(grep -c FIBER '$T/err') -eq 1 ] && grep -qxF \"att: warning: g.lua:2: read of undefined global 'FIBER'\" '$T/err'"
check "OTHER: its own warning (g.lua:3)" has_err "g.lua:3: read of undefined global 'OTHER'"
check "in a function: its line (g.lua:6), once" nerr "g.lua:6: read of undefined global 'LATER'" 1
check "assigned nil, _G fields, rawget: no warning" sh -c "[ \$(grep -c warning '$T/err') -eq 3 ]"
run "$ATT" --no-global-warnings g.lua
check "--no-global-warnings: none" no_warning
ATT_GLOBAL_WARNINGS=0 run "$ATT" g.lua
check "ATT_GLOBAL_WARNINGS=0: none" no_warning
run "$ATT" --safe g.lua
check "--safe: warned too" has_err "g.lua:2: read of undefined global 'FIBER'"
printf 'print(PIPED)\n' | "$ATT" >"$T/out" 2>"$T/err"
check "a script on standard input: stdin:1" has_err "stdin:1: read of undefined global 'PIPED'"
if command -v script >/dev/null 2>&1; then
    printf 'function g() return INFN end\n' >h.lua
    printf 'print(TYPED)\ng()\n' | script -qc "$ATT -i h.lua" /dev/null >"$T/err" 2>&1
    check "at the prompt: a typed line reading TYPED does not warn" sh -c "! grep -q 'undefined global .TYPED' '$T/err'"
    check "... a script's function called from the prompt does (h.lua:1)" has_err "h.lua:1: read of undefined global 'INFN'"
else
    ok "# SKIP script(1) missing: the prompt is not tested"
fi

# ---- att check -----------------------------------------------------------------------------------------
printf 'for r in att.search{serviceType = "FIBER"} do print(r.id, arg[0]) end\n' >clean.lua
printf 'local n = att.search{serviceType = FIBER}\n' >dirty.lua
printf 'x = = 1\n' >broken.lua
if command -v luacheck >/dev/null 2>&1; then
    run "$ATT" check clean.lua
    check "att check on a clean script: exit 0" rc_is 0
    check "... luacheck's report" has_out "Checking clean.lua"
    run "$ATT" check clean.lua dirty.lua
    check "att check with problems: exit 1" rc_is 1
    check "... the undefined FIBER reported with file:line" has_out "dirty.lua:1:36: accessing undefined variable 'FIBER'"
    check "... and the unused local" has_out "unused variable 'n'"
    run "$ATT" check broken.lua
    check "att check on a syntax error: exit 1" rc_is 1
    run "$ATT" check nosuch.lua
    check "att check on a missing file: exit 1" rc_is 1
else
    ok "# SKIP luacheck missing (install lua-check): att check is not run"
fi
mkdir -p empty
PATH="$T/empty" run "$ATT" check clean.lua
check "att check without luacheck: exit 2" rc_is 2
check "... saying to install lua-check" has_err "install the Debian package lua-check"
run "$ATT" check
check "att check with no script: exit 2 and the usage" sh -c "[ $rc -eq 2 ] && grep -q 'usage: att check SCRIPT' '$T/err'"

finish
