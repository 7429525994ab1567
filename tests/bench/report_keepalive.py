#!/usr/bin/env python3
"""tests/bench/report_keepalive.py — the benchmark report as a skilled Python user writes it with
the standard library: one http.client.HTTPConnection kept alive for every page, json, csv.

The same report as tests/bench/report.py (every account of every individual, pageSize 100, one CSV
row per account, in the API's order), byte for byte: jq's @csv dialect by default, att's CSV
dialect with --att-csv (see attcsv.py), to compare with the att scripts that use att.report.csv.

    python3 tests/bench/report_keepalive.py http://127.0.0.1:PORT/omni-svcs [--att-csv] > out.csv
"""
import http.client
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attcsv  # noqa: E402

argv = sys.argv[1:]
dialect = attcsv.dialect_of(argv)
base = argv[0] if argv else os.environ["ATT_BASE_URL"]
u = urllib.parse.urlsplit(base.rstrip("/") + "/v1/customers/search")
page_size = 100
headers = {"Content-Type": "application/json", "Accept": "application/json"}

conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def fetch(page):
    body = json.dumps({"pageSize": page_size, "pageOffset": page})
    for attempt in range(3):
        try:
            conn.request("POST", u.path, body, headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()            # the server closed the kept-alive connection: a new one
            if attempt == 2:
                raise
            continue
        if resp.status != 200:
            sys.exit("HTTP %d at page %d: %s" % (resp.status, page, data[:200]))
        return json.loads(data)


sys.stdout.reconfigure(newline="")
out = attcsv.Writer(sys.stdout, dialect)
out.writerow(attcsv.HEADER)
page, seen = 1, 0
while True:
    data = fetch(page)
    individuals = data.get("individuals") or []
    for person in individuals:
        for account in person.get("accounts") or []:
            out.writerow([person["id"], account["id"], account.get("billingMarket"),
                          account.get("serviceType"), account.get("accountLocked")])
    seen += len(individuals)
    if len(individuals) < page_size or seen >= data["totalCount"]:
        break
    page += 1
conn.close()
