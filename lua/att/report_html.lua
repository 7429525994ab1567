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
local encode = att.json.encode

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
-- Escapes text for HTML content and attribute values; control characters other than tab, LF and
-- CR (not allowed in HTML) become U+FFFD.
local function esc(s)
  s = s:gsub("[&<>\"']", HTML_ESC)
  if s:find("[%z\1-\8\11\12\14-\31\127]") then s = s:gsub("[%z\1-\8\11\12\14-\31\127]", REPLACEMENT) end
  return s
end
M.escape = esc

-- A nonce for the Content-Security-Policy, from the system's random source through the run's
-- journal (att.nonce: a resumed run writes the same page; no effect on math.random's sequence).
-- Only the page's own <style> and <script> carry it.
local function nonce()
  return att.nonce()
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
figure.chart { margin: 0 0 20px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart text { font-size: 12px; fill: var(--fg); }
.chart .bar { fill: var(--bar); }
.chart .s0 { fill: #4e79a7; background: #4e79a7; } .chart .s1 { fill: #f28e2b; background: #f28e2b; }
.chart .s2 { fill: #e15759; background: #e15759; } .chart .s3 { fill: #76b7b2; background: #76b7b2; }
.chart .s4 { fill: #59a14f; background: #59a14f; } .chart .s5 { fill: #edc948; background: #edc948; }
.chart .s6 { fill: #b07aa1; background: #b07aa1; } .chart .s7 { fill: #ff9da7; background: #ff9da7; }
.chart .s8 { fill: #9c755f; background: #9c755f; } .chart .s9 { fill: #bab0ac; background: #bab0ac; }
.legend { list-style: none; margin: 0 0 6px; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px;
  font-size: 12px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; }
footer.source { color: var(--muted); font-size: 12px; margin-top: 16px; border-top: 1px solid var(--line);
  padding-top: 6px; overflow-wrap: anywhere; }
@media (max-width: 600px) { body { margin: 12px; } }
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
  // The chart's label column is sized from an over-estimate of the text's width; should a font
  // still be wider, the label is narrowed to its room rather than run into the bars or be cut.
  var svgs = document.querySelectorAll(".chart svg[data-label-room]");
  Array.prototype.forEach.call(svgs, function (svg) {
    var room = +svg.getAttribute("data-label-room");
    Array.prototype.forEach.call(svg.querySelectorAll("text.label"), function (t) {
      if (t.getComputedTextLength && t.getComputedTextLength() > room) {
        t.setAttribute("textLength", room);
        t.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    });
  });
})();
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

-- The width in px of text at the chart's 12px font, a little over what DejaVu Sans (among the
-- widest fonts a browser picks) needs: capitals, digits and most symbols 8, W and M 10.5, lower
-- case 6.5 (m and w 9), narrow letters and punctuation 3.5, East Asian wide characters 12,
-- combining marks 0. A font wider still is caught by the page's script (HTML_JS).
local NARROW = "[%s%.,:;'!|iIjlft%(%)%[%]]"
local function text_px(s)
  if not utf8.len(s) then return #s * 8 end
  local px = 0
  for _, c in utf8.codes(s) do
    if c < 128 then
      local ch = string.char(c)
      if ch:find(NARROW) then px = px + 3.5
      elseif ch:find("[MW@%%]") then px = px + 10.5
      elseif ch:find("[mw]") then px = px + 9
      elseif ch:find("%l") then px = px + 6.5
      else px = px + 8 end
    else
      local w = width(utf8.char(c))
      px = px + (w == 2 and 12 or w == 0 and 0 or 8)
    end
  end
  return px
end

-- Series colours (class s0..s9; Tableau 10, legible on light and dark backgrounds); more series
-- than that reuse them in order, told apart by their tooltips and the table.
local PALETTE = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
  "#ff9da7", "#9c755f", "#bab0ac" }

-- An SVG bar chart: one horizontal bar per label, or with several series a bar of stacked
-- segments (opts.chart.stacked, the default) or a group of bars, one per series. Labels are
-- left-aligned in a column as wide as the widest label needs (at most 32 columns of text; a
-- longer one ends with "…" and shows whole in its tooltip), so none is clipped; the svg has a
-- viewBox and width 100%, so it shrinks to the window. Returns the <figure> and the natural width
-- in px (the page caps the chart at 1.25 times it).
--   groups: {label =, bars = {[series index] = {value =, text =}}} in order of first appearance
--   series: the series names (one unnamed series for a plain chart)
local function svg_chart(groups, series, label_name, value_name, stacked)
  local multi = series.multi
  local PAD, GAP = 8, 8
  local BAR = 16
  local ns = #series
  local ROW = (multi and not stacked) and ns * 12 + GAP or BAR + GAP
  local lw = 40
  for _, g in ipairs(groups) do
    g.shown = fit(g.label, 32)
    local w = text_px(g.shown) + 2 * PAD
    if w > lw then lw = w end
  end
  -- The extent of the scale, and the value text after each bar.
  local lo, hi = 0, 0
  for _, g in ipairs(groups) do
    if multi and stacked then
      local neg, pos = 0, 0
      for i = 1, ns do
        local b = g.bars[i]
        if b and b.value then
          if b.value < 0 then neg = neg + b.value else pos = pos + b.value end
        end
      end
      g.neg, g.pos = neg, pos
      g.text = num(neg + pos)
      if neg < lo then lo = neg end
      if pos > hi then hi = pos end
    else
      for i = 1, ns do
        local b = g.bars[i]
        if b and b.value then
          if b.value < lo then lo = b.value end
          if b.value > hi then hi = b.value end
        end
      end
    end
  end
  local vw = 40
  for _, g in ipairs(groups) do
    if multi and stacked then
      vw = math.max(vw, text_px(g.text) + 12)
    else
      for i = 1, ns do
        local b = g.bars[i]
        if b then vw = math.max(vw, text_px(b.text) + 12) end
      end
    end
  end
  local lwn = math.ceil(lw)
  local W = math.max(360, lwn + math.ceil(vw) + 280)
  local plot = W - lwn - math.ceil(vw)
  if hi == lo then hi = lo + 1 end
  local function x(v) return lwn + (v - lo) / (hi - lo) * plot end
  local height = #groups * ROW + 2 * PAD - GAP
  if #groups == 0 then height = 2 * PAD end
  local what = value_name .. " by " .. label_name
  local out = { '<figure class="chart" id="chart">\n' }
  if multi then
    out[#out + 1] = '<ul class="legend">'
    for i, s in ipairs(series) do
      out[#out + 1] = format('<li><span class="swatch s%d"></span>%s</li>', (i - 1) % #PALETTE, esc(s))
    end
    out[#out + 1] = "</ul>\n"
  end
  out[#out + 1] = format('<svg xmlns="http://www.w3.org/2000/svg" width="100%%" viewBox="0 0 %d %d" preserveAspectRatio="xMinYMin meet" data-label-room="%d" role="img" aria-label="%s">\n<title>%s</title>\n',
    W, height, lwn - 2 * PAD, esc(what), esc(what))
  local function rect(cls, x0, x1, y, h, tip)
    return format('<rect class="%s" x="%s" y="%s" width="%s" height="%d"><title>%s</title></rect>',
      cls, num(x0), num(y), num(x1 - x0), h, esc(tip))
  end
  local function value_text(xv, y, t)
    return format('<text class="value" x="%s" y="%s" dominant-baseline="middle">%s</text>', num(xv + 4), num(y), esc(t))
  end
  for gi, g in ipairs(groups) do
    local y = PAD + (gi - 1) * ROW
    local mid = y + (ROW - GAP) / 2
    local parts = { format('<g>%s<text class="label" x="%d" y="%s" dominant-baseline="middle">%s</text>',
      g.shown ~= g.label and "<title>" .. esc(g.label) .. "</title>" or "", PAD, num(mid), esc(g.shown)) }
    if not multi then
      local b = g.bars[1]
      local v = b.value or 0
      local x0, x1 = x(math.min(0, v)), x(math.max(0, v))
      parts[#parts + 1] = rect("bar", x0, x1, y, BAR, g.label .. ": " .. b.text)
      parts[#parts + 1] = value_text(x1, mid, b.text)
    elseif stacked then
      local pos, neg = 0, 0
      for i = 1, ns do
        local b = g.bars[i]
        if b and b.value and b.value ~= 0 then
          local x0, x1
          if b.value > 0 then x0, x1 = x(pos), x(pos + b.value); pos = pos + b.value
          else x0, x1 = x(neg + b.value), x(neg); neg = neg + b.value end
          parts[#parts + 1] = rect(format("bar s%d", (i - 1) % #PALETTE), x0, x1, y, BAR,
            format("%s, %s: %s", g.label, series[i], b.text))
        end
      end
      parts[#parts + 1] = value_text(x(pos), mid, g.text)
    else
      for i = 1, ns do
        local b = g.bars[i]
        if b then
          local v = b.value or 0
          local x0, x1 = x(math.min(0, v)), x(math.max(0, v))
          local sy = y + (i - 1) * 12
          parts[#parts + 1] = rect(format("bar s%d", (i - 1) % #PALETTE), x0, x1, sy + 1, 10,
            format("%s, %s: %s", g.label, series[i], b.text))
          parts[#parts + 1] = value_text(x1, sy + 6, b.text)
        end
      end
    end
    parts[#parts + 1] = "</g>\n"
    out[#out + 1] = concat(parts)
  end
  out[#out + 1] = format('<line class="axis" x1="%s" y1="%d" x2="%s" y2="%d"/>\n</svg>\n</figure>\n',
    num(x(0)), PAD, num(x(0)), height - PAD)
  return concat(out), W
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

-- The values of opts.chart.value: one column, or a list of columns (one series each).
local function value_columns(cols, chart, who)
  local v = chart.value
  if type(v) == "table" then
    if #v == 0 then fail(who, "opts.chart.value must be a column name or a non-empty list of them") end
    local out = {}
    for i = 1, #v do out[i] = chart_column(cols, v[i], "value[" .. i .. "]", who) end
    return out
  end
  return { chart_column(cols, v, "value", who) }
end

-- A base URL as the footer shows it: without user info, query or fragment (they may hold a
-- credential or a key).
local function public_url(u)
  u = tostring(u)
  u = u:gsub("[?#].*$", "")
  u = u:gsub("^(%a[%w+.-]*://)[^/@]*@", "%1")
  return u
end

local function filters_text(f)
  if type(f) == "string" then return f end
  local keys = {}
  for k in pairs(f) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  if #keys == 0 then return "none (every record)" end
  local parts = {}
  for i, k in ipairs(keys) do
    local v = f[k]
    if v == nil then v = f[tonumber(k)] end
    parts[i] = k .. "=" .. (type(v) == "string" and v or type(v) == "table" and encode(v) or tostring(v))
  end
  return concat(parts, ", ")
end

-- The footer: when (UTC), by which att, from which base URL and with which filters the page was made.
local function footer_html(f, who)
  if f == false then return "" end
  if f == nil or f == true then f = {} end
  if type(f) ~= "table" then fail(who, "opts.footer must be false or a table, got " .. describe(f)) end
  for k in pairs(f) do
    if k ~= "filters" and k ~= "time" and k ~= "base_url" and k ~= "note" then
      fail(who, "opts.footer takes filters, time, base_url and note, not " .. describe(k))
    end
  end
  local t = f.time
  if t == nil then t = os.time() end
  if type(t) ~= "number" then fail(who, "opts.footer.time must be a number (seconds since the epoch), got " .. describe(t)) end
  if f.filters ~= nil and type(f.filters) ~= "table" and type(f.filters) ~= "string" then
    fail(who, "opts.footer.filters must be a table of request fields or a string, got " .. describe(f.filters))
  end
  local base = f.base_url
  if base == nil then
    local ok, c = pcall(att.config)
    base = ok and type(c) == "table" and c.base_url or nil
  end
  if base ~= nil and base ~= false and type(base) ~= "string" then
    fail(who, "opts.footer.base_url must be a string or false, got " .. describe(base))
  end
  if f.note ~= nil and type(f.note) ~= "string" then fail(who, "opts.footer.note must be a string, got " .. describe(f.note)) end
  local out = { '<footer class="source" id="source">\n<p>Made <time datetime="', os.date("!%Y-%m-%dT%H:%M:%SZ", t), '">',
    os.date("!%Y-%m-%d %H:%M:%S UTC", t), "</time> by att ", esc(tostring(att.version or "")) }
  if base then out[#out + 1] = ' from <span class="url">' .. esc(public_url(base)) .. "</span>" end
  out[#out + 1] = '; filters: <span class="filters">' ..
    esc(f.filters == nil and "not given" or filters_text(f.filters)) .. "</span>.</p>\n"
  if f.note then out[#out + 1] = "<p>" .. esc(f.note) .. "</p>\n" end
  out[#out + 1] = "</footer>\n"
  return concat(out)
end

-- One self-contained HTML5 page with a sortable table and an optional bar chart.
function M.html(rows, opts)
  local who = "att.report.html"
  opts = check_opts(opts, who)
  local cols = parse_columns(opts.columns, who)
  local limit = opts.limit or math.huge
  local title = opts.title or "att report"
  local chart, label_col, value_cols, series_col = opts.chart, nil, nil, nil
  if chart then
    for k in pairs(chart) do
      if k ~= "label" and k ~= "value" and k ~= "series" and k ~= "stacked" then
        fail(who, "opts.chart takes label, value, series and stacked, not " .. describe(k))
      end
    end
    label_col = chart_column(cols, chart.label, "label", who)
    value_cols = value_columns(cols, chart, who)
    if chart.series ~= nil then
      if #value_cols > 1 then fail(who, "opts.chart: series takes one value column, not a list") end
      series_col = chart_column(cols, chart.series, "series", who)
    end
    if chart.stacked ~= nil and type(chart.stacked) ~= "boolean" then
      fail(who, "opts.chart.stacked must be a boolean, got " .. describe(chart.stacked))
    end
  end
  local footer = footer_html(opts.footer, who)
  local nextrow = row_reader(rows, who, cols)
  local body, more = {}, 0
  local groups, by_label, series, series_index = {}, {}, { multi = series_col ~= nil or (value_cols and #value_cols > 1) }, {}
  if value_cols and not series_col then
    for i, c in ipairs(value_cols) do series[i] = c.header end
  end
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
        local g
        if series.multi then
          g = by_label[label]
          if not g then g = { label = label, bars = {} }; by_label[label] = g; groups[#groups + 1] = g end
        else
          g = { label = label, bars = {} }
          groups[#groups + 1] = g
        end
        for vi, vc in ipairs(value_cols) do
          local si = vi
          if series_col then
            local name = cell(row, series_col, n, who)
            si = series_index[name]
            if not si then series[#series + 1] = name; si = #series; series_index[name] = si end
          end
          local vtext, v = cell(row, vc, n, who)
          local value = tonumber(v)
          if value and (value ~= value or value == math.huge or value == -math.huge) then value = nil end
          local b = g.bars[si]
          if b and series.multi then -- the same label and series again: one bar of their sum
            if value then b.value = (b.value or 0) + value end
            b.text = b.value and num(b.value) or b.text
          else
            g.bars[si] = { value = value, text = vtext }
          end
        end
      end
    else
      more = more + 1
    end
  end
  if not series.multi then series[1] = value_cols and value_cols[1].header end
  cols = cols or {}
  local shown = #body
  local nc = nonce()
  local figure, natural = nil, nil
  if chart then
    local names = {}
    for i, c in ipairs(value_cols) do names[i] = c.header end
    figure, natural = svg_chart(groups, series, label_col.header, concat(names, ", "), chart.stacked ~= false)
  end
  local write, finish, closer <close> = open_out(opts, who)
  write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'nonce-', nc,
    '\'; script-src \'nonce-', nc, '\'; base-uri \'none\'; form-action \'none\'">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<meta name="generator" content="att ', esc(tostring(att.version or "")), '">\n',
    "<title>", esc(title), "</title>\n",
    '<style nonce="', nc, '">\n', HTML_CSS,
    natural and format(".chart svg { max-width: %dpx; }\n", math.floor(natural * 1.25)) or "",
    "</style>\n</head>\n<body>\n",
    "<h1>", esc(title), "</h1>\n")
  local count
  if more > 0 then
    count = format("%d of %d rows shown", shown, shown + more)
  else
    count = format("%d %s", shown, shown == 1 and "row" or "rows")
  end
  write('<p class="count" id="count">', count, "</p>\n")
  if figure then write(figure) end
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
  write(footer)
  write('<script nonce="', nc, '">\n', HTML_JS, "</script>\n</body>\n</html>\n")
  finish()
  return shown, shown + more
end

return M
