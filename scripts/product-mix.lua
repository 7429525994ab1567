-- product-mix.lua — the product mix by billing market: how many products of each plan the
-- subscribers of each market hold, as an HTML report with a bar chart (or any other format).
--
--   att scripts/product-mix.lua --out product-mix.html
--   att scripts/product-mix.lua --format table --service ALL
local args = require("att.args").parse {
  description = "Product mix by billing market: products per market and plan, with a bar chart in HTML.",
  { "service", "string", "FIBER", "service type to search for, or ALL for no filter" },
  { "format", "string", nil, "output format: csv, html, sqlite, xlsx, ... (default: from --out, else html)" },
  { "out", "string", nil, "write to this file (or postgresql:// URL) instead of standard output" },
}
local rows = require "att.rows"
local q = require "att.query"
local report = require "att.report"
local format = args.format or report.format_of(args.out) or "html"
local service = args.service:upper()
local params = service == "ALL" and {} or { serviceType = service }

local results <close> = att.search(params)
local products = q.from(rows(results, "product", { "account.billingMarket", "account.serviceType", "name" }))
if service ~= "ALL" then products = products:filter { ["account.serviceType"] = service } end

-- One row per market and plan, then one row per market with its total (to order the chart).
local mix = products:group({ "account.billingMarket", "name" }, { count = "products" })
  :select { { "account.billingMarket", "market" }, { "name", "product" }, "products" }
  :sort { "market", { "products", desc = true }, "product" }
  :collect()

local per_market = q.from(mix):group("market", { sum = "products" })
  :select { "market", { "sum_products", "products" } }
  :sort("products", true)
  :collect()

if format == "html" then
  -- One self-contained page: a stacked bar per market (one segment per plan, the largest markets
  -- first), the table of every market and plan, and a footer naming the filter.
  local rank = {}
  for i, m in ipairs(per_market) do rank[m.market] = i end
  table.sort(mix, function(a, b)
    if a.market ~= b.market then return rank[a.market] < rank[b.market] end
    if a.products ~= b.products then return a.products > b.products end
    return a.product < b.product
  end)
  report.html(mix, { out = args.out, title = ("Product mix by billing market (%s)"):format(service),
                     columns = { "market", "product", "products" },
                     chart = { label = "market", value = "products", series = "product" },
                     footer = { filters = params } })
else
  report.write(format, mix, { columns = { "market", "product", "products" }, out = args.out })
end
