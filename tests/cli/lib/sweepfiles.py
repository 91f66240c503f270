"""sweepfiles.py: read what `netfaultctl run` writes for a sweep, for the
checks in tests/cli/sweep.sh (standard library only).

table(path)   the sweep table in netfaultctl's output: (title, header, rows),
              each row a dict by header (a repeated header name gets "#2")
csv_rows(path) the --csv file: (header, rows as dicts)
svg(path)     the --plot SVG: width, height and the count of filled paths
              per fill colour (cairo writes each point as one)
png(path)     the --plot PNG: width, height and its pixels as (r, g, b)
"""
import csv
import re
import struct
import xml.etree.ElementTree as ET
import zlib


def table(path):
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("sweep "):
            break
    else:
        raise AssertionError("no sweep table in " + path)
    title = lines[i]
    cells = [re.split(r"\s{2,}", l.strip()) for l in lines[i + 1:] if l.startswith("  ")]
    raw = cells[0]
    header, seen = [], {}
    for name in raw:
        seen[name] = seen.get(name, 0) + 1
        header.append(name if seen[name] == 1 else "%s#%d" % (name, seen[name]))
    rows = []
    for c in cells[1:]:
        assert len(c) == len(header), (header, c)
        rows.append(dict(zip(header, c)))
    return title, header, rows


def csv_rows(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def svg(path):
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg", root.tag
    fills = {}
    for p in root.iter(ns + "path"):
        m = re.search(r"fill:(rgb\([^)]*\))", p.get("style") or "")
        if m:
            fills[m.group(1)] = fills.get(m.group(1), 0) + 1
    size = lambda v: float(re.match(r"[0-9.]+", v).group(0))
    return size(root.get("width")), size(root.get("height")), fills


def _unfilter(data, width, height, bpp):
    stride = width * bpp
    out, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        ftype = data[pos]
        line = bytearray(data[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xff
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xff
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 0xff
        out.append(line)
        prev = line
    return out


def png(path):
    blob = open(path, "rb").read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, b"", None
    while pos < len(blob):
        n, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        body = blob[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, ctype = ihdr[0], ihdr[1], ihdr[2], ihdr[3]
    assert depth == 8 and ctype in (2, 6), ihdr
    bpp = 3 if ctype == 2 else 4
    rows = _unfilter(zlib.decompress(idat), width, height, bpp)
    pixels = [tuple(r[x * bpp:x * bpp + 3]) for r in rows for x in range(width)]
    return width, height, pixels
