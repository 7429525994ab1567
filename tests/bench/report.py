#!/usr/bin/env python3
"""tests/bench/report.py — the benchmark report, as a typical user writes it in Python 3
with the standard library only: urllib.request (one request per page, no keep-alive),
json and csv.

Every account of every individual, pageSize 100, one CSV row per account; every field
quoted and LF line ends, like jq's @csv, so that the outputs can be compared byte for byte.

    python3 tests/bench/report.py http://127.0.0.1:PORT/omni-svcs > out.csv
"""
import csv
import json
import os
import sys
import urllib.request

base = sys.argv[1] if len(sys.argv) > 1 else os.environ["ATT_BASE_URL"]
url = base.rstrip("/") + "/v1/customers/search"
page_size = 100

out = csv.writer(sys.stdout, quoting=csv.QUOTE_ALL, lineterminator="\n")
out.writerow(["individualId", "accountId", "billingMarket", "serviceType", "accountLocked"])

page, seen = 1, 0
while True:
    body = json.dumps({"pageSize": page_size, "pageOffset": page}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = json.load(resp)
    individuals = data.get("individuals") or []
    for person in individuals:
        for account in person.get("accounts") or []:
            out.writerow([person["id"], account["id"], account.get("billingMarket"),
                          account.get("serviceType"), account.get("accountLocked")])
    seen += len(individuals)
    if len(individuals) < page_size or seen >= data["totalCount"]:
        break
    page += 1
