-- att.report_html — the html writer of att.report, in its own module so that it is loaded only
-- when HTML is written: att.report.html(rows, opts), att.report.write("html", ...), att search
-- --format html, att.report.html_escape (att.report requires it on first use; a script that never
-- writes HTML never loads it). The page, its options (title, chart, limit, columns, out) and its
-- return values are documented with the other writers in the header of lua/att/report.lua.
--
--   html(rows [, opts]) -> rows shown, rows read      (att.report.html)
--   escape(s) -> s escaped for HTML text and attributes (att.report.html_escape)
--
-- It builds on att.report's row, column, option, output, cell and display-width helpers
-- (report._html_kit), so that every writer reads rows and columns the same way.
local M = {}

local att = att or require "att"
local kit = require("att.report")._html_kit
local fail, describe, check_opts = kit.fail, kit.describe, kit.check_opts
local parse_columns, default_columns, row_reader = kit.parse_columns, kit.default_columns, kit.row_reader
local open_out, cell, width, fit, compile = kit.open_out, kit.cell, kit.width, kit.fit, kit.compile
local REPLACEMENT = kit.REPLACEMENT
local byte, concat, format = string.byte, table.concat, string.format

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
-- Escapes text for HTML content and attribute values; control characters other than tab, LF and
-- CR (not allowed in HTML) become U+FFFD.
local function esc(s)
  s = s:gsub("[&<>\"']", HTML_ESC)
  if s:find("[%z\1-\8\11\12\14-\31\127]") then s = s:gsub("[%z\1-\8\11\12\14-\31\127]", REPLACEMENT) end
  return s
end
M.escape = esc

-- A nonce for the Content-Security-Policy, from the clock and a heap address (no effect on
-- math.random's sequence). Only the page's own <style> and <script> carry it.
local function nonce()
  local seed = format("%s|%s|%s|%s", os.time(), os.clock(), tostring({}), collectgarbage("count"))
  local h1, h2 = 0x811C9DC5, 0x01000193
  for i = 1, #seed do
    local b = byte(seed, i)
    h1 = ((h1 ~ b) * 0x01000193) & 0xFFFFFFFF
    h2 = ((h2 ~ b) * 0x0100019D + 0x9E3779B9) & 0xFFFFFFFF
  end
  return format("%08x%08x", h1, h2)
end

local HTML_CSS = [[
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e; --line: #d1d9e0;
  --stripe: #f6f8fa; --bar: #0969da; --head: #eef1f4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --stripe: #151b23; --bar: #4493f8; --head: #212830; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 24px; }
h1 { font-size: 1.5em; margin: 0 0 4px; }
.count { color: var(--muted); margin: 0 0 16px; }
figure.chart { margin: 0 0 20px; overflow-x: auto; }
.chart text { font-size: 12px; fill: var(--fg); }
.chart .bar { fill: var(--bar); }
.chart .bar:hover { opacity: .75; }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
  white-space: pre-wrap; overflow-wrap: anywhere; max-width: 40em; }
thead th { background: var(--head); position: sticky; top: 0; padding: 0; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0;
  padding: 4px 8px; width: 100%; text-align: inherit; cursor: pointer; }
th button::after { content: "\2195"; color: var(--muted); padding-left: 4px; }
th[aria-sort=ascending] button::after { content: "\25B2"; color: inherit; }
th[aria-sort=descending] button::after { content: "\25BC"; color: inherit; }
tbody tr:nth-child(even) { background: var(--stripe); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.more { color: var(--muted); }
]]

-- Sorting: click a header (ascending, then descending); "#sort=NAME", "#sort=NAME:desc" or
-- "#sort=-NAME" (NAME a header or a 1-based position) chooses the sort when the page loads.
local HTML_JS = [[
(function () {
  "use strict";
  var table = document.getElementById("report");
  if (!table || !table.tHead) return;
  var tbody = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var rows = Array.prototype.slice.call(tbody.rows);
  var numRe = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
  var collator = window.Intl ? new Intl.Collator(undefined, { numeric: true }) : null;
  var current = -1, direction = 1;
  rows.forEach(function (r, i) { r.attSortIndex = i; });
  function text(r, c) { var td = r.cells[c]; return td ? td.textContent.trim() : ""; }
  function isNumeric(c) {
    var seen = false;
    for (var i = 0; i < rows.length; i++) {
      var t = text(rows[i], c);
      if (t === "") continue;
      if (!numRe.test(t)) return false;
      seen = true;
    }
    return seen;
  }
  function sortBy(c, dir) {
    var num = isNumeric(c);
    var keyed = rows.map(function (r) {
      var t = text(r, c);
      return { r: r, t: t, n: num ? parseFloat(t) : 0 };
    });
    keyed.sort(function (a, b) {
      var ea = a.t === "", eb = b.t === "";
      if (ea !== eb) return ea ? 1 : -1;
      var d = 0;
      if (!ea) d = num ? a.n - b.n : (collator ? collator.compare(a.t, b.t) : (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
      if (d !== 0) return d < 0 ? -dir : dir;
      return a.r.attSortIndex - b.r.attSortIndex;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (k) { frag.appendChild(k.r); });
    tbody.appendChild(frag);
    heads.forEach(function (th, i) {
      th.setAttribute("aria-sort", i === c ? (dir > 0 ? "ascending" : "descending") : "none");
    });
    current = c; direction = dir;
    table.setAttribute("data-sort", heads[c].getAttribute("data-name") + (dir > 0 ? "" : ":desc"));
  }
  function find(name) {
    for (var i = 0; i < heads.length; i++) if (heads[i].getAttribute("data-name") === name) return i;
    if (/^[0-9]+$/.test(name) && +name >= 1 && +name <= heads.length) return +name - 1;
    return -1;
  }
  function fromHash() {
    var m = /^#sort=(.*)$/.exec(location.hash);
    if (!m) return;
    var spec;
    try { spec = decodeURIComponent(m[1]); } catch (e) { return; }
    var c = find(spec), dir = 1, t;
    if (c < 0 && (t = /^(.*):(asc|desc)$/.exec(spec))) { c = find(t[1]); dir = t[2] === "desc" ? -1 : 1; }
    if (c < 0 && spec.charAt(0) === "-") { c = find(spec.slice(1)); dir = -1; }
    if (c >= 0) sortBy(c, dir);
  }
  heads.forEach(function (th, c) {
    th.addEventListener("click", function () {
      var dir = current === c && direction > 0 ? -1 : 1;
      sortBy(c, dir);
      var hash = "#sort=" + encodeURIComponent(th.getAttribute("data-name")) + (dir > 0 ? "" : ":desc");
      try { history.replaceState(null, "", hash); } catch (e) { /* file: URLs may refuse */ }
    });
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
]]

local function num(x)
  local s = format("%.1f", x)
  return (s:gsub("%.0$", ""))
end

-- An SVG bar chart: one horizontal bar per row, labels on the left axis.
local function svg_chart(bars, label_name, value_name)
  local ROW, BAR, WIDTH, PAD = 24, 16, 760, 8
  local lw = 40
  for _, b in ipairs(bars) do
    local w = math.min(width(b.label), 32) * 7 + 12
    if w > lw then lw = w end
  end
  local vw = 70
  for _, b in ipairs(bars) do
    local w = #b.text * 7 + 12
    if w > vw then vw = w end
  end
  local plot = WIDTH - lw - vw
  local lo, hi = 0, 0
  for _, b in ipairs(bars) do
    if b.value then
      if b.value < lo then lo = b.value end
      if b.value > hi then hi = b.value end
    end
  end
  if hi == lo then hi = lo + 1 end
  local function x(v) return lw + (v - lo) / (hi - lo) * plot end
  local height = #bars * ROW + 2 * PAD
  local what = value_name .. " by " .. label_name
  local out = {
    format('<figure class="chart">\n<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">\n<title>%s</title>\n',
      WIDTH, height, WIDTH, height, esc(what), esc(what)),
  }
  for i, b in ipairs(bars) do
    local y = PAD + (i - 1) * ROW
    local v = b.value or 0
    local x0, x1 = x(math.min(0, v)), x(math.max(0, v))
    local label = fit(b.label, 32)
    out[#out + 1] = format(
      '<g><text class="label" x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>' ..
      '<rect class="bar" x="%s" y="%s" width="%s" height="%d"><title>%s: %s</title></rect>' ..
      '<text class="value" x="%s" y="%s" dominant-baseline="middle">%s</text></g>\n',
      num(lw - 6), num(y + ROW / 2), esc(label),
      num(x0), num(y + (ROW - BAR) / 2), num(x1 - x0), BAR, esc(b.label), esc(b.text),
      num(x1 + 4), num(y + ROW / 2), esc(b.text))
  end
  out[#out + 1] = format('<line class="axis" x1="%s" y1="%d" x2="%s" y2="%d"/>\n</svg>\n</figure>\n',
    num(x(0)), PAD, num(x(0)), height - PAD)
  return concat(out)
end

-- Finds a chart column: a header name or path of the columns, or a path of the row.
local function chart_column(cols, name, key, who)
  if type(name) ~= "string" or name == "" then
    fail(who, format("opts.chart.%s must be a column name, got %s", key, describe(name)))
  end
  for _, c in ipairs(cols or {}) do if c.header == name then return c end end
  for _, c in ipairs(cols or {}) do if c.path == name then return c end end
  return { path = name, header = name, get = compile(name) }
end

-- One self-contained HTML5 page with a sortable table and an optional bar chart.
function M.html(rows, opts)
  local who = "att.report.html"
  opts = check_opts(opts, who)
  local cols = parse_columns(opts.columns, who)
  local limit = opts.limit or math.huge
  local title = opts.title or "att report"
  local chart, label_col, value_col = opts.chart, nil, nil
  if chart then
    for k in pairs(chart) do
      if k ~= "label" and k ~= "value" then
        fail(who, "opts.chart takes label and value, not " .. describe(k))
      end
    end
    label_col = chart_column(cols, chart.label, "label", who)
    value_col = chart_column(cols, chart.value, "value", who)
  end
  local nextrow = row_reader(rows, who)
  local body, bars, more = {}, {}, 0
  local numeric, other = {}, {}
  for row, n in nextrow do
    cols = cols or default_columns(row)
    if #body < limit then
      local tds = {}
      for i, c in ipairs(cols) do
        local s, v = cell(row, c, n, who)
        if type(v) == "number" then
          numeric[i] = true
          tds[i] = '<td class="num">' .. esc(s) .. "</td>"
        else
          if s ~= "" then other[i] = true end
          tds[i] = "<td>" .. esc(s) .. "</td>"
        end
      end
      body[#body + 1] = "<tr>" .. concat(tds) .. "</tr>\n"
      if chart then
        local label = cell(row, label_col, n, who)
        local vtext, v = cell(row, value_col, n, who)
        local value = tonumber(v)
        if value and (value ~= value or value == math.huge or value == -math.huge) then value = nil end
        bars[#bars + 1] = { label = label, value = value, text = vtext }
      end
    else
      more = more + 1
    end
  end
  cols = cols or {}
  local shown = #body
  local nc = nonce()
  local write, finish, closer <close> = open_out(opts, who)
  write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'nonce-', nc,
    '\'; script-src \'nonce-', nc, '\'; base-uri \'none\'; form-action \'none\'">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<meta name="generator" content="att ', esc(tostring(att.version or "")), '">\n',
    "<title>", esc(title), "</title>\n",
    '<style nonce="', nc, '">\n', HTML_CSS, "</style>\n</head>\n<body>\n",
    "<h1>", esc(title), "</h1>\n")
  local count
  if more > 0 then
    count = format("%d of %d rows shown", shown, shown + more)
  else
    count = format("%d %s", shown, shown == 1 and "row" or "rows")
  end
  write('<p class="count" id="count">', count, "</p>\n")
  if chart then write(svg_chart(bars, label_col.header, value_col.header)) end
  write('<table id="report">\n<thead><tr>')
  for i, c in ipairs(cols) do
    local h = esc(c.header)
    write('<th scope="col" data-name="', h, '" aria-sort="none"',
      (numeric[i] and not other[i]) and ' class="num"' or "",
      '><button type="button">', h, "</button></th>")
  end
  write("</tr></thead>\n<tbody>\n")
  for i = 1, shown do write(body[i]) end
  write("</tbody>\n</table>\n")
  if more > 0 then write(format('<p class="more">%d more rows not shown</p>\n', more)) end
  write('<script nonce="', nc, '">\n', HTML_JS, "</script>\n</body>\n</html>\n")
  finish()
  return shown, shown + more
end

return M
