#!/bin/sh
# Installs the Debian packages that building and testing att need, when any is missing.
# Uses apt-get directly as root, through sudo otherwise. Quiet when everything is present.
set -eu
PKGS="build-essential pkg-config liblua5.4-dev lua5.4 lua-cjson lua-cjson-dev libcurl4-openssl-dev
libreadline-dev libmicrohttpd-dev libcjson-dev zlib1g-dev curl cppcheck clang libclang-rt-14-dev openssl chromium
nghttp2-server time tmux clang-format lua-check python3 groff-base man-db bsdutils
libsqlite3-dev sqlite3 libxlsxwriter-dev libpq-dev postgresql postgresql-client"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0
echo "att: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
