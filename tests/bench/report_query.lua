-- tests/bench/report_query.lua — the benchmark report as an att.query chain, the way a user writes
-- it: the account rows with their columns declared, written by att.report.csv (att's CSV dialect:
-- RFC 4180, CRLF, minimal quoting, defuse). With the argument "select" the columns are chosen by a
-- :select{...} step instead of att.rows' columns; the bytes are the same.
--
--   ATT_BASE_URL=http://127.0.0.1:PORT/omni-svcs att tests/bench/report_query.lua [select] > out.csv
local COLS = { "individualId", "accountId", "billingMarket", "serviceType", "accountLocked" }

if arg[1] == "select" then
  att.query.from(att.search { pageSize = 100 }):rows("account"):select(COLS):write("csv")
else
  att.query.from(att.search { pageSize = 100 }):rows("account", { columns = COLS }):write("csv")
end
