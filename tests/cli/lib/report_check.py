#!/usr/bin/env python3
"""report_check.py: what an HTML report or SVG ladder of netfaultctl holds,
read without a browser (tests/cli/report.sh). Python's standard library
only: the page is parsed as XML (xml.etree) and as HTML (html.parser).

    report_check.py CASE FILE      prints one line per failed check, exits 1
                                   if any failed, 0 when all held

CASE names the scenario whose report FILE is (see CASES below); a case
lists the lanes in order, the arrow that decided a verdict (from, to, its
kind and a word of its label), the verdicts, and what else it must show.
"""
import base64
import html.parser
import struct
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"

CASES = {
    "crash-unread": {
        "lanes": ["server", "client"],
        "deciding": [("client", "server", "rst", "RST", "server")],
        "verdicts": {"server": "rst", "client": "nothing"},
        "faults": [("client", "crash")],
    },
    "nginx-broken-pipe": {
        "lanes": ["client", "proxy", "backend"],
        "deciding": [("client", "proxy", "fin", "FIN", "nginx"),
                     ("proxy", "backend", "fin", "FIN", "backend")],
        "arrows": [("client", "proxy", "rst")],
        "verdicts": {"backend": "fin", "nginx": "fin", "client": "nothing"},
        "faults": [("client", "crash")],
    },
    "router-dead-host": {
        "lanes": ["client", "r", "server"],
        "deciding": [("r", "client", "icmp", "ICMP", "client")],
        "verdicts": {"client": "unreachable"},
        "faults": [("server", "poweroff")],
    },
    "lb-idle-reset": {
        # the load balancer's reset, sent in the server's name: from lb's lane
        "lanes": ["client", "lb", "server"],
        "deciding": [("lb", "client", "rst", "RST", "client")],
        "verdicts": {"client": "rst", "server": "nothing"},
    },
    "poweroff": {
        "lanes": ["client", "server"],
        "arrows": [("server", "client", "retransmit")],
        "verdicts": {"server": "timeout", "client": "nothing"},
        "theory": {"server": "timeout"},
        "faults": [("client", "poweroff")],
    },
    "sweep-bulk": {
        "runs": 2,
        "lanes": ["server", "client"],
        "deciding": [("client", "server", "fin", "FIN", "server")],
        "arrows": [("server", "client", "folded")],
        "verdicts": {"server": "fin", "client": "nothing"},
        "faults": [("client", "crash")],
    },
}


def classes(el):
    return el.get("class", "").split()


def text_of(el):
    """EL's text, its white space (the writer's indentation) as one space."""
    return " ".join("".join(el.itertext()).split())


def check_ladder(svg, case, fails, where):
    lanes = [g.get("data-host") for g in svg.iter(SVG + "g") if "lane" in classes(g)]
    if lanes != case["lanes"]:
        fails.append(f"{where}: lanes {lanes}, expected {case['lanes']}")
    if svg.get("data-lanes") != str(len(case["lanes"])):
        fails.append(f"{where}: data-lanes {svg.get('data-lanes')}")
    packets = [g for g in svg.iter(SVG + "g") if "packet" in classes(g)]
    if not packets:
        fails.append(f"{where}: no packet arrows")
    for g in packets:
        if g.find(SVG + "line") is None or not text_of(g.find(SVG + "text")).strip():
            fails.append(f"{where}: an arrow without its line or label")
            break
    for frm, to, kind, word, app in case.get("deciding", []):
        hit = [g for g in packets if "deciding" in classes(g) and kind in classes(g)
               and g.get("data-from") == frm and g.get("data-to") == to
               and word in text_of(g) and (app + ":") in text_of(g)
               and (g.get("id") or "").endswith("-decides-" + app)]
        if not hit:
            fails.append(f"{where}: no deciding {kind} arrow {frm} -> {to} "
                         f"labelled '{word} ... {app}:'")
    for frm, to, cls in case.get("arrows", []):
        if not [g for g in packets if cls in classes(g) and g.get("data-from") == frm
                and g.get("data-to") == to]:
            fails.append(f"{where}: no {cls} arrow {frm} -> {to}")
        if cls == "folded" and not [g for g in packets if cls in classes(g)
                                    and int(g.get("data-count", "0")) > 1
                                    and "segments" in text_of(g)]:
            fails.append(f"{where}: no folded arrow with a count")
    faults = {(g.get("data-host"), g.get("data-fault"))
              for g in svg.iter(SVG + "g") if "fault" in classes(g)}
    for f in case.get("faults", []):
        if f not in faults:
            fails.append(f"{where}: no fault band {f}; bands: {sorted(faults)}")
    labels = [text_of(t) for t in svg.iter(SVG + "text") if "verdict" in classes(t)]
    for app, verdict in case["verdicts"].items():
        if not [s for s in labels if s.startswith(f"{app} sees {verdict}")]:
            fails.append(f"{where}: no label '{app} sees {verdict}' in {labels}")


class TagCounter(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1


def check_html(root, text, case, fails):
    counter = TagCounter()
    counter.feed(text)
    for tag in ("html", "head", "body", "svg", "table"):
        if not counter.tags.get(tag):
            fails.append(f"html.parser finds no <{tag}>")
    if counter.tags.get("script") or counter.tags.get("link"):
        fails.append("the page has a script or a link to fetch")
    runs = [s for s in root.iter(XHTML + "section") if "run" in classes(s)]
    if len(runs) != case.get("runs", 1):
        fails.append(f"{len(runs)} run sections, expected {case.get('runs', 1)}")
    for s in runs:
        where = s.get("id")
        rows = {tr.get("data-app"): tr for tr in s.iter(XHTML + "tr") if "app" in classes(tr)}
        for app, verdict in case["verdicts"].items():
            tr = rows.get(app)
            cells = [text_of(td) for td in tr.iter(XHTML + "td")] if tr is not None else []
            if len(cells) < 10 or cells[3] != verdict or cells[6] != "yes":
                fails.append(f"{where}: verdict row of {app}: {cells}")
                continue
            views = {td.get("data-view"): text_of(td) for td in tr.iter(XHTML + "td")
                     if td.get("data-view")}
            if not {"app", "kernel", "wire"} <= set(views) or not views["wire"].startswith(verdict):
                fails.append(f"{where}: views of {app}: {views}")
            theory = case.get("theory", {}).get(app)
            if theory and not views.get("theory", "").startswith(theory + " at "):
                fails.append(f"{where}: theory of {app} is not '{theory} at ...': {views}")
        svgs = [e for e in s.iter(SVG + "svg") if "ladder" in classes(e)]
        if len(svgs) != 1:
            fails.append(f"{where}: {len(svgs)} ladders")
        else:
            check_ladder(svgs[0], case, fails, where)
    if case.get("runs", 1) > 1:
        sweep = [t for t in root.iter(XHTML + "table") if "sweep" in classes(t)]
        rows = len(sweep[0].findall(XHTML + "tr")) - 1 if sweep else 0
        if rows != case["runs"]:
            fails.append(f"sweep table: {rows} rows, expected {case['runs']}")
        # the plot: --plot's PNG, inline
        imgs = [i for i in root.iter(XHTML + "img") if "sweep-plot" in classes(i)]
        src = imgs[0].get("src", "") if imgs else ""
        if not src.startswith("data:image/png;base64,"):
            fails.append(f"sweep plot: no inline PNG ({src[:40]!r})")
        else:
            png = base64.b64decode("".join(src.split(",", 1)[1].split()))
            size = struct.unpack(">II", png[16:24]) if png[:8] == b"\x89PNG\r\n\x1a\n" else None
            if size != (800, 500):
                fails.append(f"sweep plot: not an 800x500 PNG: {png[:24]!r}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit(f"usage: report_check.py {{{','.join(CASES)}}} FILE")
    case = CASES[sys.argv[1]]
    path = sys.argv[2]
    fails = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        print(f"{path}: not well-formed: {e}")
        return 1
    if root.tag == SVG + "svg" and "ladder" in classes(root):
        check_ladder(root, case, fails, path)
    elif root.tag == SVG + "svg":
        # several runs: their ladders one below the other
        ladders = [e for e in root.iter(SVG + "svg") if "ladder" in classes(e)]
        if len(ladders) != case.get("runs", 1):
            fails.append(f"{len(ladders)} ladders, expected {case.get('runs', 1)}")
        for i, svg in enumerate(ladders):
            check_ladder(svg, case, fails, f"{path} ladder {i + 1}")
    elif root.tag == XHTML + "html":
        check_html(root, text, case, fails)
    else:
        fails.append(f"root element {root.tag}")
    for f in fails:
        print(f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
