#!/bin/sh
# report.sh: netfaultctl's --html and --svg reports. Each example's report
# is read as XML and HTML (tests/cli/lib/report_check.py: one lane per
# host in order, the arrow that decided each verdict from its sender (a
# load balancer resetting in the server's name too) to its receiver and
# labelled, the verdict table with the three views, the
# fault bands, retransmissions marked, a bulk transfer folded, a sweep's
# table and plot), then loaded in headless Chromium
# (tests/cli/lib/browser_check.py: it renders, the lanes and the deciding
# arrows are drawn where they belong, no console error). `show --html`
# and `--svg` give the same from the daemon's history; a report that
# cannot be written is an error (exit 2).
#
#   tests/cli/report.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

CHECK=$TOP/tests/cli/lib/report_check.py
BROWSER=$TOP/tests/cli/lib/browser_check.py
# the browser test needs Debian's chromium, chromium-driver and
# python3-selenium (scripts/install-deps --test); Debian's selenium is
# for Debian's python3, which another python3 first on PATH may not see.
# CHROMIUM and CHROMEDRIVER name other binaries (a missing one: skipped).
BPY=python3
[ -x /usr/bin/python3 ] && BPY=/usr/bin/python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export CHROMIUM CHROMEDRIVER
no_browser=""
[ -x "$CHROMIUM" ] || no_browser="$no_browser chromium"
[ -x "$CHROMEDRIVER" ] || no_browser="$no_browser chromium-driver"
"$BPY" -c 'import selenium' 2>/dev/null || no_browser="$no_browser python3-selenium"

start_daemon -j 4
check "the daemon starts" [ $? = 0 ]

# report CASE FILE.yaml [run options...]: runs it with --html and --svg,
# checks both files without a browser, then the page in the browser
report() {
	name=$1 sc=$2
	shift 2
	ctl run "$sc" --html "$TMP/$name.html" --svg "$TMP/$name.svg" "$@" --json \
		>"$TMP/$name.json" 2>"$TMP/$name.err"
	rc=$?
	check "$name: run --html --svg passes (exit $rc)" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/$name.err"
	python3 "$CHECK" "$name" "$TMP/$name.html" >"$TMP/$name.check" 2>&1
	rc=$?
	check "$name: the HTML report holds what it must (report_check.py)" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/$name.check"
	python3 "$CHECK" "$name" "$TMP/$name.svg" >"$TMP/$name.check" 2>&1
	rc=$?
	check "$name: the SVG file holds the same ladder" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/$name.check"
	if [ -n "$no_browser" ]; then
		skip "$name: the page in headless Chromium: missing$no_browser (scripts/install-deps --test)"
		return
	fi
	"$BPY" "$BROWSER" "$name" "$TMP/$name.html" >"$TMP/$name.browser" 2>&1
	rc=$?
	check "$name: headless Chromium renders it: lanes, deciding arrow, no console error" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/$name.browser"
}

report crash-unread "$TOP/scenarios/crash-unread.yaml"
# the engine's packet events carry what pairs a packet's two captures
check "crash-unread: the RST's packet events name client -> server, seq, ack, len" \
	python3 -c '
import json, sys
rsts = [e for e in json.load(open(sys.argv[1]))["events"]
        if e["event"] == "packet" and "R" in e.get("flags", "")]
assert {e["dir"] for e in rsts} == {"in", "out"}, rsts
for e in rsts:
    assert (e["from"], e["to"]) == ("client", "server"), e
    assert e["src"].endswith(":" + e["src"].split(":")[-1]) and e["dst"].endswith(":5000"), e
    assert isinstance(e["seq"], int) and isinstance(e["ack"], int) and e["len"] == 0, e
assert rsts[0]["seq"] == rsts[1]["seq"], rsts' "$TMP/crash-unread.json"

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
	report nginx-broken-pipe "$TOP/scenarios/nginx-broken-pipe.yaml"
else
	skip "nginx-broken-pipe: nginx is not installed (scripts/install-deps --test)"
fi
report router-dead-host "$TOP/scenarios/router-dead-host.yaml"
report lb-idle-reset "$TOP/scenarios/lb-idle-reset.yaml"
report poweroff "$TOP/scenarios/poweroff.yaml"
report sweep-bulk "$DATA/sweep-bulk.yaml"

# ---- show RUN --html / --svg ---------------------------------------------
run=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' \
	"$TMP/crash-unread.json" 2>/dev/null)
ctl show "$run" --html "$TMP/show.html" --svg "$TMP/show.svg" >/dev/null 2>"$TMP/show.err"
rc=$?
check "show $run --html --svg (exit $rc)" [ $rc = 0 ]
check "... the page holds the run's verdicts and ladder" \
	python3 "$CHECK" crash-unread "$TMP/show.html"
check "... and the SVG its ladder" python3 "$CHECK" crash-unread "$TMP/show.svg"

# ---- errors ---------------------------------------------------------------
ctl run "$DATA/pass.yaml" --html "$TMP/no/such/dir/r.html" >/dev/null 2>"$TMP/err"
rc=$?
check "a report that cannot be written: exit 2 (got $rc)" [ $rc = 2 ]
check "... saying where and why: $(head -n 1 "$TMP/err")" \
	grep -q "^netfaultctl: $TMP/no/such/dir/r.html: No such file or directory" "$TMP/err"
ctl run "$DATA/pass.yaml" --detach --html "$TMP/d.html" >/dev/null 2>"$TMP/err"
rc=$?
check "--detach with --html is refused (exit $rc)" [ $rc = 2 ]
check "... and nothing is written" [ ! -e "$TMP/d.html" ]

stop_pid "$DPID"
echo "1..$TAP_N"
exit $TAP_FAILED
