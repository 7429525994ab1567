#!/bin/sh
# tests/cli/test_http2.sh — against an HTTP/2 server (nghttpd from Debian's nghttp2-server, TLS
# with ALPN), the requests att has in flight together share one connection: att.parallel and a
# windowed scan multiplex their transfers instead of opening one connection each. nghttpd serves
# a fixed file for every request, so the "API" here is one page with one individual.
NAME=http2
. tests/cli/lib.sh

if ! command -v nghttpd >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    notok "nghttpd (Debian package nghttp2-server) and openssl are needed (make deps installs them)"
    finish
    exit 1
fi
mkdir -p "$T/docs/omni-svcs/v1/customers"
printf '{"totalCount":1,"pageInfo":{"pageSize":1,"pageOffset":1},"individuals":[{"id":"h2-1","accounts":[]}]}' \
    >"$T/docs/omni-svcs/v1/customers/search"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1

# nghttpd takes a fixed port: try a few random ones until one answers.
H2URL=""
for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    nghttpd -a 127.0.0.1 -d "$T/docs" "$port" "$T/key.pem" "$T/cert.pem" >"$T/nghttpd.log" 2>&1 &
    PIDS="$PIDS $!"
    i=0
    while [ $i -lt 40 ]; do
        if curl -s -o /dev/null --cacert "$T/cert.pem" "https://127.0.0.1:$port/omni-svcs/v1/customers/search"; then
            H2URL="https://127.0.0.1:$port/omni-svcs"
            break 2
        fi
        sleep 0.05
        i=$((i + 1))
    done
done
if [ -z "$H2URL" ]; then
    notok "nghttpd did not start" "$(tail -n 5 "$T/nghttpd.log")"
    finish
    exit 1
fi

run "$ATT" --base-url "$H2URL" --cacert "$T/cert.pem" -e '
local list = {}
for i = 1, 12 do list[i] = { serviceType = "FIBER", pageSize = 1 } end
local res, errs = att.parallel(list, { concurrency = 8 })
local ids = 0
for i = 1, 12 do if res[i] and res[i].individuals[1].id == "h2-1" then ids = ids + 1 end end
local s = att.stats()
print(ids, errs == nil or next(errs) == nil, s.requests, s.connections)'
check "HTTP/2: att.parallel, 12 requests 8 at a time, all answered on one connection" out_is "$(printf '12\ttrue\t12\t1')"

run "$ATT" --base-url "$H2URL" --cacert "$T/cert.pem" --window 8 -e '
local n = 0
for p in att.search { pageSize = 1 } do n = n + 1 end
print(n, att.stats().connections)'
check "HTTP/2: a scan works (one page, one individual, one connection)" out_is "$(printf '1\t1')"

finish
