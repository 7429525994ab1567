-- tests/lua/test_xlsx.lua — att.report_xlsx's date parsing (the Excel serials of the API's ISO
-- timestamps and dates) and its argument errors; the workbooks themselves are read back by an
-- independent reader in tests/cli/test_xlsx.sh. Run from the repository root:
-- ./att tests/lua/test_xlsx.lua
local T = dofile("tests/lua/lib.lua")
local report = require "att.report"
local X = require "att.report_xlsx"
local date, datetime = X._date_serial, X._datetime_serial

T.test("dates: serials of YYYY-MM-DD", function()
  T.eq(date("1900-03-01"), 61, "the first day after Excel's 1900 leap-year bug")
  T.eq(date("2024-06-02"), 45445, "2024-06-02")
  T.eq(date("2024-02-29"), 45351, "a leap day")
  T.eq(date("9999-12-31"), 2958465, "the last day Excel knows")
  for _, bad in ipairs { "1900-02-28", "2023-02-29", "2024-13-01", "2024-00-10", "2024-06-31",
    "2024-6-02", "2024-06-02 ", "x2024-06-02", "1900-02-29" } do
    T.eq(date(bad), nil, bad .. " is not a date cell")
  end
end)

T.test("date-times: UTC serials of ISO-8601 timestamps", function()
  T.eq(datetime("2024-06-02T00:00:00Z"), 45445.0, "midnight Z")
  T.eq(datetime("2024-06-02T12:00:00z"), 45445.5, "noon, z")
  T.eq(datetime("2024-06-02T06:00:00+06:00"), 45445.0, "+06:00 is converted to UTC")
  T.eq(datetime("2024-06-01T18:00:00-06:00"), 45445.0, "-06:00 is converted to UTC")
  T.eq(datetime("2024-06-02T00:00:00.250Z"), 45445 + 0.25 / 86400, "a fraction of a second")
  T.eq(datetime("1900-03-01T01:00:00+02:00"), nil, "before 1900-03-01 in UTC: text")
  for _, bad in ipairs { "2024-06-02T10:20:30", "2024-06-02T24:00:00Z", "2024-06-02T10:60:00Z",
    "2024-06-02T10:20:60Z", "2024-06-02T10:20:30.Z", "2024-06-02T10:20:30+2:00", "2024-06-02T10:20:30+24:00",
    "2024-06-02 10:20:30Z", "2024-02-30T00:00:00Z", "2024-06-02T10:20:30+02:00x" } do
    T.eq(datetime(bad), nil, bad .. " is not a date-time cell")
  end
end)

T.test("argument errors name what was wrong", function()
  local ok, err = pcall(report.xlsx, {}, { out = 5 })
  T.ok(not ok and err:find("opts.out must be a file name or a file handle, got number", 1, true), err)
  ok, err = pcall(report.xlsx, {}, { bogus = 1 })
  T.ok(not ok and err:find("unknown option \"bogus\"", 1, true), err)
  ok, err = pcall(report.workbook, 5)
  T.ok(not ok and err:find("att.report.workbook: the path must be a string, got number", 1, true), err)
  ok, err = pcall(report.workbook, "x.xlsx", { sheet = "a" })
  T.ok(not ok and err:find("unknown option \"sheet\"", 1, true), err)
  ok, err = pcall(report.xlsx, { { a = 1 } }, { out = "nodir/x.xlsx" })
  T.ok(not ok and err:find("cannot open \"nodir/x.xlsx\" for writing", 1, true), err)
end)

T.done()
