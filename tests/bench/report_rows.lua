-- tests/bench/report_rows.lua — the benchmark report as att.rows + att.report.csv, the way a user
-- writes it: account rows with their columns declared, written in att's CSV dialect (RFC 4180,
-- CRLF, minimal quoting, defuse).
--
--   ATT_BASE_URL=http://127.0.0.1:PORT/omni-svcs att tests/bench/report_rows.lua > out.csv
local COLS = { "individualId", "accountId", "billingMarket", "serviceType", "accountLocked" }

att.report.csv(att.rows(att.search { pageSize = 100 }, "account", { columns = COLS }), { columns = COLS })
