#!/bin/sh
# tests/bench/curljq.sh — the benchmark report the way users script it today: curl for each page,
# jq's @csv for the rows, until totalCount individuals have been read.
#
#   sh tests/bench/curljq.sh http://127.0.0.1:PORT/omni-svcs > out.csv
set -eu
url="${1:-$ATT_BASE_URL}/v1/customers/search"
size=100
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

echo '"individualId","accountId","billingMarket","serviceType","accountLocked"'
page=1
pages=1
while [ "$page" -le "$pages" ]; do
    curl -sS --fail -X POST -H 'content-type: application/json' -H 'accept: application/json' \
        -d "{\"pageSize\":$size,\"pageOffset\":$page}" "$url" -o "$tmp"
    if [ "$page" -eq 1 ]; then
        total=$(jq '.totalCount' "$tmp")
        pages=$(( (total + size - 1) / size ))
    fi
    jq -r '.individuals[] | .id as $id | .accounts[]
           | [$id, .id, .billingMarket, .serviceType, .accountLocked] | @csv' "$tmp"
    page=$((page + 1))
done
