#!/bin/sh
# tests/fuzz/replay.sh — replays every seed input of each fuzz target (built with ASan+UBSan) once,
# as a regression test. Prints TAP.
n=0
fails=0
for t in fuzz_response fuzz_params fuzz_retry_after fuzz_redact; do
    n=$((n + 1))
    if out=$(build/fuzz/$t -runs=0 "tests/fuzz/corpus/$t" 2>&1); then
        echo "ok $n - $t replays its $(ls "tests/fuzz/corpus/$t" | wc -l) seed inputs"
    else
        fails=$((fails + 1))
        echo "not ok $n - $t"
        echo "$out" | tail -n 30 | sed 's/^/# /'
    fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
