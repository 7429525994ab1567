-- att.diff_html — the html page of att.diff: d:write("html", opts) (loaded on first use).
--
--   write(diff, opts) -> rows shown, rows read
--
-- One self-contained HTML5 page (inline CSS, no script, no external resource; a
-- Content-Security-Policy forbids any): a title, the summary (added, removed, changed records,
-- changed fields, unchanged), and a table of the change rows: an added record in green, a removed
-- one in red, a changed field as its old value (struck through, red) → its new value (green).
-- Markup: <tr class="added|removed|changed">, the value cell holds <del class="old"> and/or
-- <ins class="new">; null is <span class="null">null</span>, an empty string <span
-- class="empty">""</span>. All text is escaped with att.report.html_escape. The rows stream (the
-- summary, written after them, is shown first by CSS order), so the page holds no rows in memory.
-- opts: out, title (default "att diff"), limit (rows shown, default all; the rest are counted),
-- and the other att.report options, which are checked and otherwise ignored.
local M = {}

local att = att or require "att"
local report = require "att.report"
local kit = report._html_kit
local null = att.json.null
local format = string.format

local CSS = [[
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e; --line: #d1d9e0;
  --add: #dafbe1; --add-fg: #116329; --del: #ffebe9; --del-fg: #a40e26; --head: #eef1f4; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --add: #12261e; --add-fg: #3fb950; --del: #25171c; --del-fg: #f85149;
  --head: #212830; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 24px; display: flex; flex-direction: column; }
h1 { font-size: 1.5em; margin: 0 0 4px; order: -2; }
.summary { order: -1; color: var(--muted); margin: 0 0 16px; }
.summary .n { font-weight: 600; color: var(--fg); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top;
  white-space: pre-wrap; overflow-wrap: anywhere; max-width: 60em; }
thead th { background: var(--head); position: sticky; top: 0; }
tr.added { background: var(--add); }
tr.removed { background: var(--del); }
tr.added .change, ins { color: var(--add-fg); }
tr.removed .change, del { color: var(--del-fg); }
ins { text-decoration: none; background: var(--add); }
del { background: var(--del); }
.arrow { color: var(--muted); padding: 0 4px; }
.null, .empty { color: var(--muted); font-style: italic; }
.more { color: var(--muted); }
@media (max-width: 600px) { body { margin: 12px; } }
]]

local esc = report.html_escape

-- A value as HTML: null and "" are marked so that a change between them shows.
local function value_html(v)
  if v == nil or v == null then return '<span class="null">null</span>' end
  if v == "" then return '<span class="empty">""</span>' end
  return esc(kit.cell_text(v))
end

local function row_html(r)
  local change = r.change
  local val
  if change == "added" then
    val = '<ins class="new">' .. value_html(r.new) .. "</ins>"
  elseif change == "removed" then
    val = '<del class="old">' .. value_html(r.old) .. "</del>"
  else
    val = '<del class="old">' .. value_html(r.old) .. '</del><span class="arrow">\u{2192}</span>' ..
      '<ins class="new">' .. value_html(r.new) .. "</ins>"
  end
  return format('<tr class="%s"><td class="change">%s</td><td class="key">%s</td><td class="field">%s</td>' ..
    '<td class="value">%s</td></tr>\n', change, change, esc(kit.cell_text(r.key)),
    r.field and esc(r.field) or "", val)
end

local function plural(n, one, many) return format('<span class="n">%d</span> %s', n, n == 1 and one or many) end

function M.write(d, opts)
  local who = "att.diff.html"
  opts = kit.check_opts(opts, who)
  local title = opts.title or "att diff"
  local limit = opts.limit or math.huge
  local nc = att.nonce()
  local write, finish, closer <close> = kit.open_out(opts, who)
  write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'nonce-', nc,
    '\'; base-uri \'none\'; form-action \'none\'">\n',
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
    '<meta name="generator" content="att ', esc(tostring(att.version or "")), '">\n',
    "<title>", esc(title), "</title>\n",
    '<style nonce="', nc, '">\n', CSS, "</style>\n</head>\n<body>\n",
    "<h1>", esc(title), "</h1>\n",
    '<table id="diff">\n<thead><tr><th scope="col">change</th><th scope="col">key</th>',
    '<th scope="col">field</th><th scope="col">old \u{2192} new</th></tr></thead>\n<tbody>\n')
  local shown, read = 0, 0
  for r in d:rows() do
    read = read + 1
    if shown < limit then
      write(row_html(r))
      shown = shown + 1
    end
  end
  write("</tbody>\n</table>\n")
  if read > shown then write(format('<p class="more">%d more rows not shown</p>\n', read - shown)) end
  local s = d:summary()
  write('<p class="summary" id="summary">', plural(s.added, "added", "added"), ", ",
    plural(s.removed, "removed", "removed"), ", ", plural(s.changed, "changed", "changed"), " (",
    plural(s.fields, "field", "fields"), "), ", plural(s.unchanged, "unchanged", "unchanged"), "</p>\n")
  write("</body>\n</html>\n")
  finish()
  return shown, read
end

return M
