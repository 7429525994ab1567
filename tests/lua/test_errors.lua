-- Error paths: parameter checks, HTTP statuses, network failures, invalid JSON, servers that page
-- differently. Operational failures are error objects a script can pcall and inspect.
local T = dofile("tests/lua/lib.lua")

local sb = T.sandbox { "--individuals", "60" }
att.configure { base_url = sb.url }

-- Every wrong parameter raises before anything is sent, with a message naming it.
local bad_params = {
  { { serviceType = 123 }, nil, "serviceType must be a non%-empty string" },
  { { serviceType = "" }, nil, "serviceType must be a non%-empty string" },
  { { serviceType = true }, nil, "serviceType must be a non%-empty string" },
  { { pageSize = 0 }, nil, "pageSize must be an integer from 1 to 2147483647 %(got 0%)" },
  { { pageSize = -5 }, nil, "pageSize must be an integer from 1 to 2147483647" },
  { { pageSize = 2.5 }, nil, "pageSize must be an integer from 1 to 2147483647 %(got 2%.5%)" },
  { { pageSize = "10" }, nil, "pageSize must be an integer from 1 to 2147483647 %(got 10%)" },
  { { pageOffset = 0 }, nil, "pageOffset must be an integer from 1 to 9007199254740992" },
  { { pageOffset = {} }, nil, "pageOffset must be an integer from 1 to 9007199254740992" },
  { { extra = print }, nil, "params: cannot encode a function as JSON" },
  { { extra = 0 / 0 }, nil, "params: cannot encode NaN" },
  { { extra = "\xff" }, nil, "params: string is not valid UTF%-8" },
  { {}, { limit = -1 }, "opts%.limit must be an integer >= 0" },
  { {}, { limit = 1.5 }, "opts%.limit must be an integer >= 0" },
  { {}, { limit = "5" }, "opts%.limit must be an integer >= 0" },
  { {}, { paging = "pages" }, "opts%.paging must be \"page\" or \"record\"" },
  { {}, { limt = 3 }, "unknown option limt" },
}
for i, case in ipairs(bad_params) do
  T.test("parameter error " .. i .. ": " .. case[3], function()
    local before = sb.requests()
    local err = T.raises(att.search, case[1], case[2])
    T.eq(type(err), "string", "misuse raises a message")
    T.match(err, "^att%.search: " .. case[3])
    T.eq(sb.requests(), before, "nothing sent")
  end)
end

T.test("params must be a table", function()
  T.match(T.raises(att.search, "FIBER"), "bad argument #1 to 'att%.search' %(table expected, got string%)")
  T.match(T.raises(att.search, {}, 5), "bad argument #2 to 'att%.search' %(table expected, got number%)")
end)

T.test("integral floats are accepted for pageSize and sent as integers", function()
  local r = att.search { pageSize = 10.0 }
  T.eq(#r:collect(10), 10, "collect")
end)

T.test("unknown params are sent unchanged (new API filters work without recompiling)", function()
  local r = att.search { serviceType = "FIBER", someNewFilter = { "a", 1 }, flag = true }
  T.ok(r:total() >= 0, "server tolerated the extra fields")
end)

local function expect_error(fn, kind, status)
  local ok, e = pcall(fn)
  T.ok(not ok, "expected an error")
  T.eq(type(e), "table", "error object type: " .. tostring(e))
  T.ok(att.is_error(e), "att.is_error")
  T.eq(e.kind, kind, "kind")
  T.eq(e.status, status, "status")
  T.eq(type(e.message), "string", "message")
  T.eq(type(e.retryable), "boolean", "retryable")
  T.eq(type(e.url), "string", "url")
  T.ok(not tostring(e):find("\n"), "one line")
  return e
end

T.test("HTTP 400 from the server is an error object with the server's message", function()
  local e = expect_error(function() return att.search({ pageSize = 1000 }):total() end, "http", 400)
  T.match(e.message, "pageSize must be an integer between 1 and 100")
  T.eq(e.code, "INVALID_PAGE_SIZE", "code")
  T.eq(e.retryable, false, "retryable")
  T.eq(e.url, sb.url .. "/v1/customers/search", "url")
  T.match(e.body, '"code":"INVALID_PAGE_SIZE"')
  T.eq(tostring(e), "att: HTTP 400 from " .. sb.url .. "/v1/customers/search: " .. e.message, "tostring")
end)

T.test("HTTP 404 for an unknown path through att.request", function()
  local e = expect_error(function() return att.request("POST", "/v1/nope", {}) end, "http", 404)
  T.match(tostring(e), "^att: HTTP 404 from .*/v1/nope: ")
end)

T.test("att.request checks its arguments", function()
  T.match(T.raises(att.request, "PO ST", "/x"), "not an HTTP method")
  T.match(T.raises(att.request, "POST", "http://evil.example/x"), "must be a path starting with a single '/'")
  T.match(T.raises(att.request, "POST", "/x", 42), "must be a table, a string or nil")
end)

T.test("HTTP 401 when the server wants a token we do not have", function()
  local sbt = T.sandbox { "--individuals", "5", "--token", "s3cret-token" }
  local e = T.using({ base_url = sbt.url }, expect_error, function() return att.search({}):total() end, "http", 401)
  T.eq(e.retryable, false, "retryable")
  T.ok(not tostring(e):find("s3cret"), "no secret in the message")
end)

T.test("HTTP 400 when the server requires an appname; configure sends it", function()
  local sba = T.sandbox { "--individuals", "5", "--appname", "reports" }
  T.using({ base_url = sba.url }, function()
    local e = expect_error(function() return att.search({}):total() end, "http", 400)
    T.eq(e.code, "MISSING_APPNAME", "code")
    T.eq(T.using({ appname = "reports" }, function() return att.search({}):total() end), 5, "with appname")
  end)
  T.eq(att.config().appname, nil, "appname unset again")
end)

T.test("HTTP 500 is retryable and names the status", function()
  local s5 = T.sandbox { "--individuals", "5", "--fault", "status=500" }
  local e = T.using({ base_url = s5.url }, expect_error, function() for _ in att.search {} do end end, "http", 500)
  T.eq(e.retryable, true, "retryable")
  T.match(tostring(e), "^att: HTTP 500 from .*: injected fault")
end)

T.test("an HTML gateway page gives its title as the message", function()
  local s = T.sandbox { "--individuals", "5", "--fault", "html=502" }
  local e = T.using({ base_url = s.url }, expect_error, function() return att.search({}):total() end, "http", 502)
  T.match(e.message, "502 Bad Gateway")
  T.match(e.body, "<html")
end)

T.test("connection refused is a retryable network error with no status", function()
  local e = T.using({ base_url = "http://127.0.0.1:1/omni-svcs" }, expect_error,
    function() return att.search({}):total() end, "network", nil)
  T.eq(e.retryable, true, "retryable")
  T.match(tostring(e), "^att: network error on http://127%.0%.0%.1:1/omni%-svcs/v1/customers/search: ")
end)

T.test("invalid JSON in a 200 response is a json error with the body's start", function()
  local s = T.sandbox { "--individuals", "5", "--fault", "bad-json" }
  local e = T.using({ base_url = s.url }, expect_error, function() return att.search({}):total() end, "json", 200)
  T.eq(e.retryable, false, "retryable")
  T.ok(#e.body > 0, "body")
end)

T.test("a fault after page 2 fails the scan after the individuals already yielded", function()
  -- one page after the other: with a window, which of pages 2 and 3 reaches the server second
  -- (and fails) depends on arrival order
  local s = T.sandbox { "--individuals", "30", "--fault", "status=503,after=2" }
  local seen = 0
  local ok, e = T.using({ base_url = s.url }, pcall, function()
    for _ in att.search({ pageSize = 10 }, { window = 1 }) do seen = seen + 1 end
  end)
  T.ok(not ok, "failed")
  T.eq(seen, 20, "individuals before the failure")
  T.eq(e.status, 503, "status")
end)

T.test("a server that ignores pageOffset is detected, not looped over", function()
  local s = T.sandbox { "--individuals", "30", "--fault", "repeat-pages" }
  local seen = 0
  local e = T.using({ base_url = s.url }, expect_error,
    function() for _ in att.search { pageSize = 10 } do seen = seen + 1 end end, "protocol", 200)
  T.eq(seen, 10, "only the first page was yielded")
  T.match(e.message, "repeats the previous page")
  -- page 2 shows the repeat; with the default window page 3 may be asked for too, never more
  T.ok(s.requests() >= 2 and s.requests() <= 3, "requests: " .. s.requests())
end)

T.test("record-offset server with page-number client: overlap detected with a hint", function()
  local s = T.sandbox { "--individuals", "30", "--paging", "record" }
  local n = 0
  T.using({ base_url = s.url }, function()
    local e = expect_error(function() for _ in att.search { pageSize = 10 } do end end, "protocol", 200)
    T.match(e.message, "overlaps the previous page.*paging = \"record\"")
    for _ in att.search({ pageSize = 10 }, { paging = "record" }) do n = n + 1 end
  end)
  T.eq(n, 30, "record paging reads everything")
end)

T.test("a response larger than max_response fails cleanly", function()
  local e = T.using({ max_response = 2000 }, expect_error,
    function() return att.search({ pageSize = 50 }):total() end, "protocol", 200)
  T.match(e.message, "larger than the 2000%-byte limit")
end)

-- A scan's failure says where it stopped: page K of N and the individuals read before it, with
-- thousands separators; before totalCount is known (the first page), the URL instead.
local function scan_error(sandbox_args, params, opts, kind, status, retries)
  local s = T.sandbox(sandbox_args)
  local seen = 0
  local e = T.using({ base_url = s.url, retries = retries or 0 }, expect_error, function()
    for _ in att.search(params, opts) do seen = seen + 1 end
  end, kind or "network", status)
  return e, seen
end

local function place(e, page, pages, read, total)
  T.eq(e.page, page, "page")
  T.eq(e.pages, pages, "pages")
  T.eq(e.read, read, "read")
  T.eq(e.total, total, "total")
end

T.test("a scan failing at its 4th page (window 1) says page 4 of 10, 300 of 1,000 individuals", function()
  local e, seen = scan_error({ "--individuals", "1000", "--fault", "reset,after=3" }, { pageSize = 100 }, { window = 1 })
  T.eq(seen, 300, "individuals before the failure")
  place(e, 4, 10, 300, 1000)
  T.match(tostring(e), "^att: network error at page 4 of 10 %(300 of 1,000 individuals%): ")
  T.ok(not tostring(e):find("http://", 1, true), "no URL once the place is known")
  T.match(e.url, "/v1/customers/search$", "the URL is still in the object")
end)

T.test("with window 8 the failing page is the first one the scan needs that failed", function()
  -- page 2 is requested alone (the window opens when a second individual is asked for), then pages
  -- 3 and 4 together, when page 2 is taken: every request after the second to reach the server
  -- fails, so page 3 is the first that fails, or page 2 when it reached the server after 3 and 4
  -- (seen under ASan): either way the error names the page the scan stopped at
  local e, seen = scan_error({ "--individuals", "1000", "--fault", "reset,after=2" }, { pageSize = 100 }, { window = 8 })
  local k = seen // 100 + 1
  T.ok(seen == 200 or seen == 100, "individuals before the failure: " .. seen)
  place(e, k, 10, seen, 1000)
  T.match(tostring(e), ("^att: network error at page %d of 10 %%(%d of 1,000 individuals%%): "):format(k, seen))
  -- r:each asks for the whole window at once: pages 2..8 all fail
  local s = T.sandbox { "--individuals", "1000", "--fault", "reset,after=1" }
  local e2 = T.using({ base_url = s.url, retries = 0 }, expect_error,
    function() for _ in att.search({ pageSize = 100 }, { window = 8 }):each() do end end, "network", nil)
  place(e2, 2, 10, 100, 1000)
  T.match(tostring(e2), "^att: network error at page 2 of 10 %(100 of 1,000 individuals%): ")
end)

T.test("a first page that fails keeps the URL form: page 1, read 0, no total", function()
  local e, seen = scan_error({ "--individuals", "1000", "--fault", "reset" }, { pageSize = 100 }, { window = 8 })
  T.eq(seen, 0, "nothing read")
  T.eq(e.page, 1, "page")
  T.eq(e.read, 0, "read")
  T.eq(e.pages, nil, "pages")
  T.eq(e.total, nil, "total")
  T.match(tostring(e), "^att: network error on http://127%.0%.0%.1:%d+/omni%-svcs/v1/customers/search: ")
end)

T.test("an HTTP 500 after retries says HTTP 500 at page K of N", function()
  local e = scan_error({ "--individuals", "1000", "--fault", "status=500,after=3" }, { pageSize = 100 }, { window = 1 },
    "http", 500, 1)
  place(e, 4, 10, 300, 1000)
  T.eq(e.attempts, 2, "attempts")
  T.eq(tostring(e), "att: HTTP 500 at page 4 of 10 (300 of 1,000 individuals): injected fault: HTTP 500 (2 attempts)")
end)

T.test("invalid JSON past page 1 says where the scan stopped", function()
  local e = scan_error({ "--individuals", "1000", "--fault", "bad-json,after=1" }, { pageSize = 100 }, { window = 1 },
    "json", 200)
  place(e, 2, 10, 100, 1000)
  T.match(tostring(e), "^att: invalid JSON at page 2 of 10 %(100 of 1,000 individuals%): ")
end)

T.test("thousands separators in the total: 12,345 individuals", function()
  local e = scan_error({ "--individuals", "12345", "--fault", "reset,after=3" }, { pageSize = 100 }, { window = 1 })
  place(e, 4, 124, 300, 12345)
  T.match(tostring(e), "^att: network error at page 4 of 124 %(300 of 12,345 individuals%): ")
end)

T.test("the pages of a scan count from its pageOffset and stop at opts.limit", function()
  -- from pageOffset 120: records 11,900..12,344, 5 pages; the third fails
  local e = scan_error({ "--individuals", "12345", "--fault", "reset,after=2" }, { pageSize = 100, pageOffset = 120 },
    { window = 1 })
  place(e, 3, 5, 200, 12345)
  T.match(tostring(e), "at page 3 of 5 %(200 of 12,345 individuals%)")
  e = scan_error({ "--individuals", "1000", "--fault", "reset,after=3" }, { pageSize = 100 }, { window = 1, limit = 450 })
  place(e, 4, 5, 300, 1000)
end)

T.test("record paging with an overlap counts its pages and the records read", function()
  -- pages start at records 1, 91, 181, 271 ...: 11 pages for 1,000; three read 280 records
  local e, seen = scan_error({ "--individuals", "1000", "--paging", "record", "--fault", "reset,after=3" },
    { pageSize = 100 }, { window = 1, paging = "record", overlap = 10 })
  T.eq(seen, 280, "individuals before the failure")
  place(e, 4, 11, 280, 1000)
  T.match(tostring(e), "at page 4 of 11 %(280 of 1,000 individuals%)")
end)

T.done()
