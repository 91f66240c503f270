#!/bin/sh
# sweep.sh: every example sweep (scenarios/*-sweep.yaml) runs through the
# daemon, all at once, each with --csv and --plot (SVG or PNG), and one
# with --repeat 3; what they wrote is read back and checked for content:
# the table's rows and columns, the CSV's rows and figures against the
# table's, the kernel's behaviour they show (keepalive probes = count,
# detection later for a longer setting, which keepalive idle survives the
# NAT), the SVG's size and one filled path per measured point of each
# series, the PNG's size and its series' colours. Options that cannot
# work are refused.
#
#   tests/cli/sweep.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root
LIB=$TOP/tests/cli/lib
SC=$TOP/scenarios

# ---- refused before anything runs ---------------------------------------
"$NFCTL" run "$SC/keepalive-sweep.yaml" --plot "$TMP/x.pdf" >"$TMP/bad.out" 2>&1
rc=$?
check "--plot FILE.pdf is refused: exit 2, naming .svg and .png" \
	eval '[ $rc = 2 ] && grep -q "must end in .svg or .png" "$TMP/bad.out"'
"$NFCTL" run "$SC/keepalive-sweep.yaml" --repeat 0 >"$TMP/bad.out" 2>&1
rc=$?
check "--repeat 0 is refused: exit 2" eval '[ $rc = 2 ] && grep -q "expected 1 to" "$TMP/bad.out"'
"$NFCTL" run "$SC/keepalive-sweep.yaml" "$SC/retries2-sweep.yaml" --csv "$TMP/x.csv" >"$TMP/bad.out" 2>&1
rc=$?
check "--csv with two files is refused: exit 2" eval '[ $rc = 2 ] && grep -q "give one file" "$TMP/bad.out"'

start_daemon -j 32
check "the daemon starts" [ $? = 0 ]

# ---- all the sweeps at once ---------------------------------------------
# 8 + 4 + 4 + 2 + 3 + 2 x 3 = 27 runs, within -j 32: one wave
bg() { # NAME ARGS...: netfaultctl run ARGS in the background, output in NAME.out
	name=$1
	shift
	"$NFCTL" -s "$SOCK" run --quiet "$@" >"$TMP/$name.out" 2>&1 &
	CPIDS="$CPIDS $!"
	eval "pid_$name=$!"
}
bg ka "$SC/keepalive-sweep.yaml" --csv "$TMP/ka.csv" --plot "$TMP/ka.svg"
bg ut "$SC/user-timeout-sweep.yaml" --csv "$TMP/ut.csv" --plot "$TMP/ut.png"
bg r2 "$SC/retries2-sweep.yaml" --csv "$TMP/r2.csv" --plot "$TMP/r2.svg"
bg syn "$SC/syn-retries-sweep.yaml" --csv "$TMP/syn.csv" --plot "$TMP/syn.svg"
bg nat "$SC/nat-keepalive-sweep.yaml" --csv "$TMP/nat.csv" --plot "$TMP/nat.svg"
bg rep "$SC/keepalive-sweep.yaml" --repeat 3 --set apps.server.tcp.keepalive.idle=1s \
	--set apps.server.tcp.keepalive.count=1,3 --csv "$TMP/rep.csv" --plot "$TMP/rep.png"
for name in ka ut r2 syn nat rep; do
	eval "wait \$pid_$name"
	rc=$?
	check "$name: the sweep passes, exit 0 (exit $rc)" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/$name.out"
done

# check_py NAME WHAT: runs the Python on stdin with sweepfiles imported and
# TMP, SC in its environment; a failed assert is a "not ok" with its message
check_py() {
	TMP=$TMP SC=$SC PYTHONPATH=$LIB python3 - >"$TMP/py.out" 2>&1
	rc=$?
	check "$1" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/py.out"
}

check_py "keepalive-sweep: 8 rows, probes = count, later for a larger count or idle; the CSV agrees" <<'EOF'
import os
from sweepfiles import table, csv_rows, svg
T = os.environ["TMP"]
title, head, rows = table(T + "/ka.out")
C, I = "apps.server.tcp.keepalive.count", "apps.server.tcp.keepalive.idle"
assert title.endswith("keepalive-sweep.yaml: 8 runs"), title
assert head[:3] == ["RUN", C, I], head
assert head[3:] == ["server", "t", "theory", "retrans", "probes", "client", "RESULT"], head
assert len(rows) == 8, rows
t = {}
for r in rows:
    assert r["server"] == "timeout" and r["client"] == "nothing" and r["RESULT"] == "PASS", r
    assert r["probes"] == r[C], r          # count probes unanswered, then the end
    assert r["retrans"] == "0", r
    t[(int(r[C]), r[I])] = float(r["t"].rstrip("s"))
assert sorted(t) == [(c, i) for c in (1, 2, 3, 4) for i in ("1s", "2s")], sorted(t)
for i in ("1s", "2s"):
    assert all(t[(c, i)] < t[(c + 1, i)] for c in (1, 2, 3)), t
for c in (1, 2, 3, 4):
    assert t[(c, "1s")] < t[(c, "2s")], t
chead, crow = csv_rows(T + "/ka.csv")
assert chead[:6] == ["file", "cell", "repeat", "run", C, I], chead
for col in ("app", "verdict", "t", "t_median", "t_min", "t_max", "theory_t",
            "retransmissions", "keepalive_probes", "result"):
    assert col in chead, (col, chead)
assert len(crow) == 16, len(crow)          # 8 cells x 1 repeat x 2 apps
byrun = {r["RUN"]: r for r in rows}
for r in crow:
    assert r["repeat"] == "1" and r["run"] in byrun, r
    row = byrun[r["run"]]
    assert (r[C], r[I]) == (row[C], row[I]), (r, row)
    if r["app"] == "server":
        assert r["verdict"] == "timeout" and r["result"] == "PASS", r
        assert r["t"] == r["t_median"] == r["t_min"] == r["t_max"], r
        assert "%.3fs" % float(r["t"]) == row["t"], (r, row)
        assert r["keepalive_probes"] == row["probes"] == r[C], (r, row)
        theory = "%.3fs" % float(r["theory_t"]) if r["theory_t"] else "-"
        assert theory == row["theory"] or not r["theory_t"], (r, row)
    else:
        assert r["app"] == "client" and r["verdict"] == "nothing" and r["t"] == "", r
w, h, fills = svg(T + "/ka.svg")
assert (w, h) == (800, 500), (w, h)
# one filled path per point, one more in the legend, per series (idle 1s, 2s)
counts = sorted(n for n in fills.values() if n < 20)
assert counts == [5, 5], fills
EOF

check_py "user-timeout-sweep: later for a longer user timeout, retransmissions counted; the PNG has its points" <<'EOF'
import os
from sweepfiles import table, csv_rows, png
T = os.environ["TMP"]
title, head, rows = table(T + "/ut.out")
U = "apps.server.tcp.user_timeout"
assert [r[U] for r in rows] == ["1s", "2s", "3s", "4s"], rows
assert all(r["server"] == "timeout" and int(r["retrans"]) > 0 for r in rows), rows
ts = [float(r["t"].rstrip("s")) for r in rows]
assert ts == sorted(ts) and len(set(ts)) == 4, ts
assert all(ts[i] > 1 + (i + 1) for i in range(4)), ts    # after send time + timeout
_, crow = csv_rows(T + "/ut.csv")
assert len(crow) == 8 and {r[U] for r in crow} == {"1s", "2s", "3s", "4s"}, crow
w, h, px = png(T + "/ut.png")
assert (w, h) == (800, 500), (w, h)
white = sum(1 for p in px if p == (255, 255, 255))
assert white > len(px) // 2, white               # a white page
blue = sum(1 for p in px if abs(p[0] - 31) < 8 and abs(p[1] - 120) < 8 and abs(p[2] - 181) < 8)
assert blue > 4 * 20, blue                      # 4 points and the legend's
assert len(set(px)) > 10, len(set(px))          # text, axes, antialiasing
EOF

check_py "retries2-sweep: a larger tcp_retries2 never ends sooner, nor with fewer retransmissions" <<'EOF'
import os
from sweepfiles import table, csv_rows, svg
T = os.environ["TMP"]
title, head, rows = table(T + "/r2.out")
R = "hosts.server.sysctl.net.ipv4.tcp_retries2"
assert [r[R] for r in rows] == ["1", "2", "3", "4"], rows
assert all(r["server"] == "timeout" for r in rows), rows
ts = [float(r["t"].rstrip("s")) for r in rows]
rt = [int(r["retrans"]) for r in rows]
assert ts[0] < ts[1] < ts[2] and ts[2] <= ts[3] + 0.5, ts
assert rt == sorted(rt) and rt[0] > 0, rt
_, crow = csv_rows(T + "/r2.csv")
assert sorted(int(r["retransmissions"]) for r in crow if r["app"] == "server") == sorted(rt)
w, h, fills = svg(T + "/r2.svg")
assert (w, h) == (800, 500) and sorted(n for n in fills.values() if n < 20) == [5], fills
EOF

check_py "syn-retries-sweep: the client's connect times out later and sends more SYNs for TCP_SYNCNT 2" <<'EOF'
import os
from sweepfiles import table, csv_rows, svg
T = os.environ["TMP"]
title, head, rows = table(T + "/syn.out")
S = "apps.client.tcp.syn_retries"
assert head[:4] == ["RUN", S, "server", "client"], head
one, two = rows
assert (one[S], two[S]) == ("1", "2"), rows
assert one["server"] == two["server"] == "nothing", rows
assert one["client"] == two["client"] == "timeout", rows
assert float(one["t"].rstrip("s")) < float(two["t"].rstrip("s")), rows
assert 0 < int(one["retrans"]) < int(two["retrans"]), rows
_, crow = csv_rows(T + "/syn.csv")
assert [r["verdict"] for r in crow if r["app"] == "client"] == ["timeout", "timeout"], crow
w, h, fills = svg(T + "/syn.svg")
assert sorted(n for n in fills.values() if n < 20) == [3], fills
EOF

check_py "nat-keepalive-sweep: idle 1s keeps the connection, 3s and 5s lose it; only those are plotted" <<'EOF'
import os
from sweepfiles import table, csv_rows, svg
T = os.environ["TMP"]
title, head, rows = table(T + "/nat.out")
I = "apps.client.tcp.keepalive.idle"
v = {r[I]: r["client"] for r in rows}
assert v == {"1s": "nothing", "3s": "timeout", "5s": "timeout"}, v
assert all(r["server"] == "nothing" for r in rows), rows
one = [r for r in rows if r[I] == "1s"][0]
assert one["t"] == "-" and int(one["probes"]) >= 3, one    # probes every second, answered
_, crow = csv_rows(T + "/nat.csv")
assert {(r[I], r["verdict"]) for r in crow if r["app"] == "client"} == \
    {("1s", "nothing"), ("3s", "timeout"), ("5s", "timeout")}, crow
w, h, fills = svg(T + "/nat.svg")
assert sorted(n for n in fills.values() if n < 20) == [3], fills   # 2 points + legend
EOF

check_py "--repeat 3: one row per cell with the median, min and max of its three runs, as the CSV has them" <<'EOF'
import os, statistics
from sweepfiles import table, csv_rows, png
T = os.environ["TMP"]
title, head, rows = table(T + "/rep.out")
C = "apps.server.tcp.keepalive.count"
assert title.endswith("2 cells x 3 runs"), title
assert head == ["RUN", C, "server", "median", "min", "max", "theory", "retrans",
                "probes", "client", "RESULT"], head
assert [r[C] for r in rows] == ["1", "3"], rows
_, crow = csv_rows(T + "/rep.csv")
assert len(crow) == 12, len(crow)              # 2 cells x 3 repeats x 2 apps
for r in rows:
    runs = r["RUN"].split(",")
    assert len(runs) == 3, r
    mine = [c for c in crow if c["run"] in runs and c["app"] == "server"]
    assert sorted(c["repeat"] for c in mine) == ["1", "2", "3"], mine
    ts = [float(c["t"]) for c in mine]
    assert "%.3fs" % statistics.median(ts) == r["median"], (ts, r)
    assert "%.3fs" % min(ts) == r["min"] and "%.3fs" % max(ts) == r["max"], (ts, r)
    for c in mine:
        assert abs(float(c["t_median"]) - statistics.median(ts)) < 1e-5, c
        assert float(c["t_min"]) == min(ts) and float(c["t_max"]) == max(ts), c
w, h, px = png(T + "/rep.png")
assert (w, h) == (800, 500), (w, h)
EOF

# a plot of a run where nothing was detected is refused, the runs kept
ctl run --quiet "$DATA/hold.yaml" --repeat 2 --plot "$TMP/none.svg" >"$TMP/none.out" 2>&1
rc=$?
check "--plot of runs that detected nothing: exit 2, saying so, no file" \
	eval '[ $rc = 2 ] && grep -q "nothing to plot" "$TMP/none.out" && [ ! -e "$TMP/none.svg" ]'
check "--repeat 2 of a plain file: two runs, a one-row table" \
	eval '[ "$(grep -c "PASS " "$TMP/none.out")" = 2 ] && grep -q "1 cell x 2 runs" "$TMP/none.out"'
exit 0
