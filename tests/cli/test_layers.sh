#!/bin/sh
# tests/cli/test_layers.sh — tools/layers.sh, the build's check of the layering, on scratch copies
# of src/: each rule, broken on purpose, fails the check with a line naming the file. Prints TAP.
NAME=layers
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

fresh() { rm -rf "$T/tree" && mkdir -p "$T/tree" && cp -r "$ROOT/src" "$T/tree/src"; }
layers() { sh "$ROOT/tools/layers.sh" "$T/tree" >"$T/out" 2>&1; rc=$?; }

fresh
layers
check "the tree as it is passes" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ]"

fresh
printf '#include <lauxlib.h>\n' >>"$T/tree/src/core/retry.c"
layers
check "a core file that includes a Lua header fails" sh -c "[ $rc -eq 1 ] && grep -q 'src/core/retry.c:.* includes a Lua header' '$T/out'"

fresh
printf '#include "host/host.h"\n' >>"$T/tree/src/bind/error.c"
layers
check "bind/ including host/ (upwards) fails" sh -c "[ $rc -eq 1 ] && grep -q 'src/bind/error.c:.* bind/ may not depend on host/' '$T/out'"

fresh
printf '#include "core/http.h"\n' >>"$T/tree/src/sandbox/fault.c"
layers
check "the sandbox including the core fails" sh -c "[ $rc -eq 1 ] && grep -q 'sandbox/ may not depend on core/' '$T/out'"

fresh
printf '#include "core/auth.h"\n' >>"$T/tree/src/core/text.h"
layers
check "a cycle between modules fails (text -> auth -> text)" sh -c "[ $rc -eq 1 ] && grep -q 'a cycle between modules' '$T/out'"

fresh
{ printf 'static int long_one(void)\n{\n'; i=0; while [ $i -lt 90 ]; do echo '    (void)0;'; i=$((i + 1)); done; printf '    return 0;\n}\n'; } >>"$T/tree/src/core/retry.c"
layers
check "a function over 80 lines without a reason fails" sh -c "[ $rc -eq 1 ] && grep -q 'long_one has 9[0-9] lines' '$T/out'"

fresh
finish
