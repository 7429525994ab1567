#!/usr/bin/env python3
"""tests/cli/xlsx_read.py FILE — an independent reader of the workbooks att writes (only zipfile and
xml.etree; no libxlsxwriter, no att code). Prints one line per fact, for grep in test_xlsx.sh:

  sheets Accounts|Markets           the sheet names, in order (workbook.xml)
  sheet Accounts                    then, for each sheet:
  dimension A1:P3
  pane ySplit=1 topLeftCell=A2 state=frozen
  autofilter A1:P3
  col 1 11.71                       width of column 1 (min..max expanded)
  rows 3                            number of <row> elements
  cell A1 str bold "accountId"      kind: str (inlineStr or shared string), num, bool, empty;
  cell D2 num fmt=yyyy-mm-dd 45445  bold and fmt= (the numFmt code) from styles.xml; values as
                                    JSON strings for text, repr-free numbers otherwise
Exits 1 with a message when the file is not a valid zip of well-formed XML.
"""
import json
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
BUILTIN = {0: "General", 14: "m/d/yyyy", 22: "m/d/yyyy h:mm"}


def styles(z):
    """xf index -> (bold, number format code)"""
    try:
        root = ET.fromstring(z.read("xl/styles.xml"))
    except KeyError:
        return {}
    fmts = dict(BUILTIN)
    for f in root.findall("m:numFmts/m:numFmt", NS):
        fmts[int(f.get("numFmtId"))] = f.get("formatCode")
    fonts = [f.find("m:b", NS) is not None for f in root.findall("m:fonts/m:font", NS)]
    out = {}
    for i, xf in enumerate(root.findall("m:cellXfs/m:xf", NS)):
        out[i] = (fonts[int(xf.get("fontId", "0"))], fmts.get(int(xf.get("numFmtId", "0")), "?"))
    return out


def shared(z):
    try:
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    return ["".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])) for si in root.findall("m:si", NS)]


def num(text):
    v = float(text)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def cell_line(c, xfs, sst):
    ref, t, s = c.get("r"), c.get("t", "n"), int(c.get("s", "0"))
    bold, fmt = xfs.get(s, (False, "General"))
    v = c.find("m:v", NS)
    if t == "inlineStr":
        kind, val = "str", json.dumps("".join(x.text or "" for x in c.iter("{%s}t" % NS["m"])), ensure_ascii=False)
    elif t == "s":
        kind, val = "str", json.dumps(sst[int(v.text)], ensure_ascii=False)
    elif t == "str":
        kind, val = "formula-str", json.dumps(v.text if v is not None else "")
    elif t == "b":
        kind, val = "bool", "true" if v.text == "1" else "false"
    elif v is None:
        kind, val = "empty", ""
    else:
        kind, val = "num", num(v.text)
    if c.find("m:f", NS) is not None:
        kind = "formula"
    parts = ["cell", ref, kind]
    if bold:
        parts.append("bold")
    if kind == "num" and fmt != "General":
        parts.append("fmt=" + fmt)
    parts.append(val)
    return " ".join(p for p in parts if p != "")


def main(path):
    z = zipfile.ZipFile(path)
    bad = z.testzip()
    if bad:
        raise ValueError("bad CRC in " + bad)
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    sheets = wb.findall("m:sheets/m:sheet", NS)
    print("sheets " + "|".join(s.get("name") for s in sheets))
    xfs, sst = styles(z), shared(z)
    for s in sheets:
        t = target[s.get(REL)]
        name = t.lstrip("/") if t.startswith("/") else "xl/" + t
        root = ET.fromstring(z.read(name))
        print("sheet " + s.get("name"))
        d = root.find("m:dimension", NS)
        if d is not None:
            print("dimension " + d.get("ref"))
        p = root.find("m:sheetViews/m:sheetView/m:pane", NS)
        if p is not None:
            print("pane " + " ".join("%s=%s" % (k, p.get(k)) for k in ("xSplit", "ySplit", "topLeftCell", "state") if p.get(k)))
        a = root.find("m:autoFilter", NS)
        if a is not None:
            print("autofilter " + a.get("ref"))
        for col in root.findall("m:cols/m:col", NS):
            for i in range(int(col.get("min")), int(col.get("max")) + 1):
                print("col %d %.2f" % (i, float(col.get("width"))))
        rows = root.findall("m:sheetData/m:row", NS)
        print("rows %d" % len(rows))
        for r in rows:
            for c in r.findall("m:c", NS):
                print(cell_line(c, xfs, sst))


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:  # a broken file is a test failure with the reason
        print("xlsx_read: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
