#!/bin/sh
# tools/layers.sh — checks the layering of src/ (docs/DESIGN.md); run on every build of att.
#
#   common/  small pure helpers (host and sandbox)        rank 0
#   core/    HTTP, retries, auth, redaction: no Lua        rank 1
#   bind/    module att: Results, errors, JSON <-> Lua     rank 2
#   host/    the Lua state, --safe, limits, stdout         rank 3
#   cli/     the command line, settings, the prompt        rank 4
#   sandbox/ att-sandbox, beside them: common/ only
#
#   sh tools/layers.sh [ROOT]      (ROOT: the repository, default the one this script is in)
#
# Rules: no Lua header under common/, core/ or sandbox/; a file includes only its own layer or
# lower ones; no cycle between modules (a .c, its .h and its private _impl.h are one module); no C file over 600 lines
# and no function over 80 lines unless a comment at its top says "Long because". Prints one line
# per violation and exits 1 when there is any.
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
edges=$(mktemp "${TMPDIR:-/tmp}/att-layers.XXXXXX")
trap 'rm -f "$edges"' EXIT
files=$(ls src/common/*.[ch] src/core/*.[ch] src/bind/*.[ch] src/host/*.[ch] src/cli/*.[ch] src/sandbox/*.[ch] 2>/dev/null)
# shellcheck disable=SC2086
awk -v edges="$edges" '
BEGIN { rank["common"] = 0; rank["core"] = 1; rank["bind"] = 2; rank["host"] = 3; rank["cli"] = 4; rank["sandbox"] = 1 }
function module(path) { sub(/\.[ch]$/, "", path); sub(/_impl$/, "", path); return path }
function finish_file() {
    if (file != "" && lines > 600 && !long_file) { printf "layers: %s has %d lines (over 600, and no \"Long because\" at its top)\n", file, lines; bad = 1 }
}
FNR == 1 {
    finish_file()
    file = FILENAME; lines = 0; long_file = 0; fn = ""; fn_long = 0; recent = ""
    split(FILENAME, p, "/"); layer = p[2]; dir = p[1] "/" p[2]; mod = module(FILENAME)
}
{ lines++ }
FNR <= 20 && /Long because/ { long_file = 1 }
# a comment just above a function may give its reason
/\/\*|\*\// || /^ \*/ { recent = recent $0 }
/^[A-Za-z].*\(/ && !/;[ \t]*$/ && file ~ /\.c$/ { fn = $0; fn_start = FNR; fn_long = (recent ~ /Long because/) }
/^[^ \t\/*#]/ && !/\/\*/ && !/^[A-Za-z].*\(/ && !/^\{/ { recent = "" }
/^\}/ && fn != "" {
    if (FNR - fn_start > 80 && !fn_long) { sub(/\(.*/, "", fn); printf "layers: %s:%d: %s has %d lines (over 80, and no \"Long because\" above it)\n", file, fn_start, fn, FNR - fn_start; bad = 1 }
    fn = ""; recent = ""
}
/^[ \t]*#[ \t]*include/ {
    if ((layer == "common" || layer == "core" || layer == "sandbox") && $0 ~ /[<"](lua|lauxlib|lualib|lua-cjson)\.h[>"]/) {
        printf "layers: %s:%d includes a Lua header (%s/ stays free of Lua)\n", file, FNR, layer; bad = 1
    }
    if (match($0, /"[^"]+"/)) {
        inc = substr($0, RSTART + 1, RLENGTH - 2)
        if (inc ~ /\//) { split(inc, q, "/"); tl = q[1]; tmod = module("src/" inc) } else { tl = layer; tmod = module(dir "/" inc) }
        if (!(tl in rank)) next
        ok = (layer == "sandbox") ? (tl == "sandbox" || tl == "common") : (tl != "sandbox" && rank[tl] <= rank[layer])
        if (!ok) { printf "layers: %s:%d includes %s: %s/ may not depend on %s/\n", file, FNR, inc, layer, tl; bad = 1 }
        if (tmod != mod) print mod, tmod > edges
    }
}
END { finish_file(); exit bad }
' $files
rc=$?
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
    echo "layers: a cycle between modules:"
    grep -v '^tsort: .*input contains a loop' "$edges.err" | sed 's/^tsort: /  /'
    rc=1
fi
rm -f "$edges.err"
exit $rc
