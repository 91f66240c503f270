#!/usr/bin/env python3
"""browser_check.py: an HTML report of netfaultctl in a real browser,
Debian's chromium, headless, driven by python3-selenium through
chromium-driver (tests/cli/report.sh).

    browser_check.py CASE FILE [--screenshot PNG]

The page must load with no console error, its ladder render with one lane
per host of CASE (report_check.py's cases), in order, each lane's line
drawn where its name is, and the arrow that decided each verdict drawn
from its sender's lane to its receiver's with its label shown; a sweep's
plot (an inline PNG) must show at its size. Prints one
line per failed check and exits 1 if any failed; --screenshot saves the
page as a PNG too (the README's picture is made so). The environment's
CHROMIUM and CHROMEDRIVER name the binaries (default: Debian's).
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_check import CASES  # noqa: E402

LADDER_JS = """
const svg = document.querySelector('svg.ladder');
if (!svg) return null;
const lanes = [...svg.querySelectorAll('g.lane')].map(g => {
  const line = g.querySelector('line'), name = g.querySelector('text');
  const box = line.getBoundingClientRect(), nbox = name.getBoundingClientRect();
  return {host: g.dataset.host, x: line.x1.baseVal.value, height: box.height,
          name_center: nbox.left + nbox.width / 2, line_left: box.left};
});
const deciding = [...svg.querySelectorAll('g.packet.deciding')].map(g => {
  const line = g.querySelector('line'), text = g.querySelector('text');
  const tbox = text.getBoundingClientRect();
  return {from: g.dataset.from, to: g.dataset.to, id: g.id, label: text.textContent,
          x1: line.x1.baseVal.value, x2: line.x2.baseVal.value,
          text_w: tbox.width, text_h: tbox.height,
          stroke: getComputedStyle(line).stroke};
});
const box = svg.getBoundingClientRect();
return {lanes, deciding, width: box.width, height: box.height,
        packets: svg.querySelectorAll('g.packet').length};
"""


def main():
    args = sys.argv[1:]
    shot = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        shot = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2 or args[0] not in CASES:
        sys.exit(f"usage: browser_check.py {{{','.join(CASES)}}} FILE [--screenshot PNG]")
    case, path = CASES[args[0]], os.path.abspath(args[1])
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1100,1400", "--hide-scrollbars"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)
    fails = []
    try:
        driver.get("file://" + path)
        if driver.execute_script("return document.readyState") != "complete":
            fails.append("the page did not finish loading")
        got = driver.execute_script(LADDER_JS)
        if not got:
            fails.append("no svg.ladder in the page")
            got = {"lanes": [], "deciding": [], "width": 0, "height": 0, "packets": 0}
        hosts = [lane["host"] for lane in got["lanes"]]
        if hosts != case["lanes"]:
            fails.append(f"lanes {hosts}, expected {case['lanes']}")
        if got["width"] < 300 or got["height"] < 200 or got["packets"] == 0:
            fails.append(f"the ladder renders {got['width']}x{got['height']} px "
                         f"with {got['packets']} arrows")
        for lane in got["lanes"]:
            if lane["height"] < 100 or abs(lane["name_center"] - lane["line_left"]) > 2:
                fails.append(f"lane {lane['host']} not drawn under its name: {lane}")
        x_of = {lane["host"]: lane["x"] for lane in got["lanes"]}
        for frm, to, _kind, word, app in case.get("deciding", []):
            hit = [d for d in got["deciding"] if d["from"] == frm and d["to"] == to
                   and d["id"].endswith("-decides-" + app)]
            if not hit:
                fails.append(f"no deciding arrow {frm} -> {to} for {app}: {got['deciding']}")
                continue
            d = hit[0]
            if abs(d["x1"] - x_of.get(frm, -1)) > 0.5 or abs(d["x2"] - x_of.get(to, -1)) > 0.5:
                fails.append(f"the deciding arrow does not run from {frm}'s lane to {to}'s: {d}")
            if word not in d["label"] or d["text_w"] < 10 or d["text_h"] < 5:
                fails.append(f"the deciding arrow's label is not shown: {d}")
        if case.get("runs", 1) > 1:
            plot = driver.execute_script(
                "const i = document.querySelector('img.sweep-plot');"
                "return i && [i.complete, i.naturalWidth, i.naturalHeight];")
            if plot != [True, 800, 500]:
                fails.append(f"the sweep's plot does not show: {plot}")
        for entry in driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                fails.append(f"console error: {entry.get('message')}")
        if shot:
            height = driver.execute_script("return document.body.scrollHeight")
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1100, "height": min(max(height + 24, 600), 4000),
                "deviceScaleFactor": 1, "mobile": False})
            driver.save_screenshot(shot)
    finally:
        driver.quit()
    for f in fails:
        print(f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
