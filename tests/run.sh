#!/bin/sh
# tests/run.sh — runs the whole suite: C unit tests, Lua tests through the host, command-line tests
# against att-sandbox. Runs it once with the normal build and once with the ASan+UBSan build
# (ATT_SUITES="plain asan" by default). Every test program prints TAP lines ("ok N - ...",
# "not ok N - ..."); a program that exits non-zero counts as one more failure. The last line is
# "N passed, N failed", and the exit status is 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.." || exit 2
SUITES=${ATT_SUITES:-"plain asan"}
VERBOSE=${ATT_TEST_VERBOSE:-0}
total_pass=0
total_fail=0
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/att-tests.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT INT TERM

# ASan: leaks are errors; UBSan: stop at the first report. Lua's own library is not instrumented.
# Reports also go to files under $LOGDIR/san, so that a report from a process whose exit status a
# test does not look at (a sandbox, a command run for its output) still fails the suite.
mkdir -p "$LOGDIR/san" "$LOGDIR/state"
# Journals of the runs the tests make (failed ones are kept) stay in the suite's own directory.
XDG_STATE_HOME="$LOGDIR/state"
export XDG_STATE_HOME
unset ATT_JOURNAL ATT_JOURNAL_MAX ATT_RESUME
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86:log_path=$LOGDIR/san/asan"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$LOGDIR/san/ubsan"
export ASAN_OPTIONS UBSAN_OPTIONS

sanitizer_reports() {   # counts and shows reports written since the last call
    found=0
    for r in "$LOGDIR"/san/*; do
        [ -e "$r" ] || continue
        found=$((found + 1))
        echo "not ok - sanitizer report $(basename "$r"):"
        sed 's/^/# /' "$r" | head -40
        rm -f "$r"
    done
    return $found
}

run_one() {   # run_one NAME COMMAND...
    name=$1; shift
    log="$LOGDIR/$(echo "$name" | tr '/ ' '__').log"
    "$@" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >>"$log"
    fi
    if [ "$f" -gt 0 ] || [ "$VERBOSE" = 1 ]; then
        echo "---- $name (status $rc)"
        if [ "$VERBOSE" = 1 ]; then cat "$log"; else grep -v '^ok ' "$log" | head -80; fi
    fi
    printf '  %-40s %4d passed, %d failed\n' "$name" "$p" "$f"
    suite_pass=$((suite_pass + p))
    suite_fail=$((suite_fail + f))
}

for suite in $SUITES; do
    case "$suite" in
        plain) ATT=./att; SANDBOX=./att-sandbox; UNIT=build/unit ;;
        asan)  ATT=build/asan/att; SANDBOX=build/asan/att-sandbox; UNIT=build/asan/unit ;;
        *) echo "unknown suite $suite" >&2; exit 2 ;;
    esac
    ATT=$(pwd)/${ATT#./}
    SANDBOX=$(pwd)/${SANDBOX#./}
    export ATT SANDBOX
    suite_pass=0
    suite_fail=0
    echo "== suite: $suite ($ATT)"
    run_one "$suite/unit" "$UNIT"
    for t in tests/lua/test_*.lua; do
        run_one "$suite/$t" "$ATT" "$t"
    done
    for t in tests/cli/test_*.sh; do
        run_one "$suite/$t" sh "$t"
    done
    if [ "$suite" = asan ]; then
        run_one "$suite/tests/fuzz/replay.sh" sh tests/fuzz/replay.sh
    fi
    sanitizer_reports
    n_reports=$?
    if [ "$n_reports" -gt 0 ]; then
        suite_fail=$((suite_fail + n_reports))
        printf '  %-40s %4d passed, %d failed\n' "$suite/sanitizer reports" 0 "$n_reports"
    fi
    echo "== $suite: $suite_pass passed, $suite_fail failed"
    total_pass=$((total_pass + suite_pass))
    total_fail=$((total_fail + suite_fail))
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
