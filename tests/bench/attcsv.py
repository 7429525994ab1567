"""tests/bench/attcsv.py — the two CSV dialects of the benchmark report, for the Python baselines.

jq: jq's @csv as tests/bench/report.py writes it (every cell quoted, quotes doubled, LF line ends).
att: att.report.csv's dialect (RFC 4180): minimal quoting (a cell with a comma, a quote, CR or LF,
     or leading or trailing whitespace is quoted), CRLF line ends, and a string cell starting with
     = + - @ tab or CR prefixed by ' (att's defuse, on by default); nil/None an empty cell, numbers
     as att writes them (integers as is, floats %.14g), booleans true/false.

The att dialect uses the csv module (C) for the common row and builds a row by hand only when one
of its cells needs what the csv module cannot do (quoting a cell for its whitespace alone).
"""
import csv

HEADER = ["individualId", "accountId", "billingMarket", "serviceType", "accountLocked"]
_DEFUSE = frozenset("=+-@\t\r")
_SPACE = frozenset(" \t\n\v\f\r")   # Lua's %s, which att.report.csv tests


def _text(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return "'" + v if v[:1] in _DEFUSE else v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "%.14g" % v
    return str(v)


def _quoted(s):
    if s[:1] in _SPACE or s[-1:] in _SPACE or any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


class Writer:
    """writerow(cells) in the chosen dialect ("jq" or "att") to the text stream out."""

    def __init__(self, out, dialect):
        self.att = dialect == "att"
        self.out = out
        if self.att:
            self.w = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        else:
            self.w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")

    def writerow(self, cells):
        if not self.att:
            self.w.writerow(cells)
            return
        row = [_text(v) for v in cells]
        for s in row:
            if s[:1] in _SPACE or s[-1:] in _SPACE:
                self.out.write(",".join(_quoted(c) for c in row) + "\r\n")
                return
        self.w.writerow(row)


def dialect_of(argv):
    """The dialect named by the option --att-csv in argv (removed from it), else "jq"."""
    if "--att-csv" in argv:
        argv.remove("--att-csv")
        return "att"
    return "jq"
