#!/usr/bin/env python3
"""tests/bench/report_pool.py — the benchmark report as a skilled Python user writes it to go
fast: a pool of threads (concurrent.futures, 8 by default), each thread with its own kept-alive
http.client.HTTPConnection; page 1 first (for totalCount), then every other page fetched
concurrently, the rows written in page order. A 429 is honoured (sleep Retry-After seconds, then
the same page again, as often as the server asks); a 503 is retried up to 4 times (Retry-After,
else 0.5 s, 1 s, 2 s...); a connection the server closed is reopened.

The same report as tests/bench/report.py, byte for byte: jq's @csv dialect by default, att's CSV
dialect with --att-csv (see attcsv.py). On standard error at the end: "pool: N 429s, M 503s".

    python3 tests/bench/report_pool.py http://127.0.0.1:PORT/omni-svcs [--att-csv] [--threads N] > out.csv
"""
import concurrent.futures
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attcsv  # noqa: E402

argv = sys.argv[1:]
dialect = attcsv.dialect_of(argv)
threads = 8
if "--threads" in argv:
    i = argv.index("--threads")
    threads = int(argv[i + 1])
    del argv[i:i + 2]
base = argv[0] if argv else os.environ["ATT_BASE_URL"]
u = urllib.parse.urlsplit(base.rstrip("/") + "/v1/customers/search")
page_size = 100
headers = {"Content-Type": "application/json", "Accept": "application/json"}

local = threading.local()
lock = threading.Lock()
counts = {"429": 0, "503": 0}


def connection():
    c = getattr(local, "conn", None)
    if c is None:
        c = local.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    return c


def retry_after(resp, default):
    try:
        return max(0.0, float(resp.getheader("Retry-After")))
    except (TypeError, ValueError):
        return default


def fetch(page):
    """The rows of one page, as a list of cell lists."""
    body = json.dumps({"pageSize": page_size, "pageOffset": page})
    fails503 = resets = 0
    while True:
        conn = connection()
        try:
            conn.request("POST", u.path, body, headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            local.conn = None
            resets += 1
            if resets > 3:
                raise
            continue
        if resp.status == 429:
            with lock:
                counts["429"] += 1
            time.sleep(retry_after(resp, 1.0))
            continue
        if resp.status == 503 and fails503 < 4:
            with lock:
                counts["503"] += 1
            time.sleep(retry_after(resp, 0.5 * 2 ** fails503))
            fails503 += 1
            continue
        if resp.status != 200:
            raise RuntimeError("HTTP %d at page %d: %r" % (resp.status, page, raw[:200]))
        data = json.loads(raw)
        rows = []
        for person in data.get("individuals") or []:
            for account in person.get("accounts") or []:
                rows.append([person["id"], account["id"], account.get("billingMarket"),
                             account.get("serviceType"), account.get("accountLocked")])
        return data, rows


def main():
    out = attcsv.Writer(sys.stdout, dialect)
    out.writerow(attcsv.HEADER)
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        first, rows = pool.submit(fetch, 1).result()
        for r in rows:
            out.writerow(r)
        pages = -(-first["totalCount"] // page_size)
        for _, rows in pool.map(fetch, range(2, pages + 1)):
            for r in rows:
                out.writerow(r)
    print("pool: %d 429s, %d 503s" % (counts["429"], counts["503"]), file=sys.stderr)


main()
