#!/bin/sh
# predict.sh: `netfaultctl predict`, which runs nothing: no daemon is asked
# (the socket named does not exist). The text names each app's verdict and
# time with the formula and its numbers, and says why where the model does
# not apply; --json gives one object per cell with each app's "theory"
# ({verdict, t, why}, as in a run's result); --set with several values and
# a file's matrix: make cells as for run; a name is found as run finds it;
# a bad file or a missing one exits 2.
#
#   tests/cli/predict.sh BUILD        (TAP; no root needed)
. "$(dirname "$0")/lib/cli.sh"
[ -x "$NFCTL" ] || skip_all "$NFCTL not built"
P() { "$NFCTL" -s "$TMP/no-daemon.sock" predict "$@"; }
KA=$TOP/tests/data/theory-keepalive.yaml

P "$KA" >"$TMP/ka.out" 2>&1
rc=$?
check "predict theory-keepalive.yaml exits 0 without a daemon (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || diag <"$TMP/ka.out"
check "... the server times out at 5.090s" grep -q '^  server   timeout at 5.090s$' "$TMP/ka.out"
check "... with the formula and its numbers" \
	grep -qF 'keepalive: last activity 0.00 s + idle 2 s + 3 probes x 1 s = 5.00 s' "$TMP/ka.out"
check "... and the client's theory says why it does not apply" \
	grep -q '^  client   the model does not apply: its own host powers off at 0.50 s' "$TMP/ka.out"

P "$TOP/tests/data/theory-retries2.yaml" "$TOP/tests/data/theory-syncnt2.yaml" >"$TMP/two.out" 2>&1
rc=$?
check "two files, one after the other (exit $rc)" [ $rc = 0 ]
check "... tcp_retries2 4: the boundary written out" \
	grep -qF 'boundary 0.2 s x (2^5 - 1) = 6.20 s' "$TMP/two.out"
check "... TCP_SYNCNT 2: the client times out, the server sees nothing" \
	sh -c "grep -q '^  client   timeout at 7.6' '$TMP/two.out' && grep -q '^  server   nothing$' '$TMP/two.out'"

if command -v python3 >/dev/null; then
	P --json "$KA" >"$TMP/ka.json" 2>&1
	rc=$?
	check "--json exits 0 (exit $rc)" [ $rc = 0 ]
	check "--json: the server's theory is timeout at 5.090 s, the client's null with a why" \
		python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["cell"] is None and o["name"].startswith("keepalive 2s/1s/3"), o
apps = {a["app"]: a["theory"] for a in o["apps"]}
assert apps["server"]["verdict"] == "timeout" and abs(apps["server"]["t"] - 5.090) < 1e-6, apps
assert "3 probes x 1 s" in apps["server"]["why"], apps
c = apps["client"]
assert c["verdict"] is None and c["t"] is None and "powers off" in c["why"], c
' "$TMP/ka.json"

	P --json "$KA" --set apps.server.tcp.keepalive.idle=1s,3s \
		--set apps.server.tcp.keepalive.count=2 >"$TMP/sweep.json" 2>&1
	rc=$?
	check "--set with two values: two cells (exit $rc)" python3 -c '
import json, sys
cells = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert len(cells) == 2, cells
idle = [c["cell"]["apps.server.tcp.keepalive.idle"] for c in cells]
assert idle == ["1s", "3s"], idle
t = [c["apps"][0]["theory"]["t"] for c in cells]
# idle + 2 probes x 1 s, the wheel rounding each timer up
assert 3.0 <= t[0] < 3.2 and 5.0 <= t[1] < 5.2, t
' "$TMP/sweep.json"

	sed 's/^duration: 9s$/duration: 9s\nmatrix:\n  apps.server.tcp.keepalive.count: [1, 3, 8]/' \
		"$KA" >"$TMP/matrix.yaml"
	P --json "$TMP/matrix.yaml" >"$TMP/matrix.json" 2>&1
	rc=$?
	check "a file's matrix: one cell per value, the last past the run's end (exit $rc)" python3 -c '
import json, sys
cells = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert [c["cell"]["apps.server.tcp.keepalive.count"] for c in cells] == ["1", "3", "8"], cells
th = [c["apps"][0]["theory"] for c in cells]
assert th[0]["verdict"] == "timeout" and 3.0 <= th[0]["t"] < 3.2, th[0]
assert th[1]["verdict"] == "timeout" and 5.0 <= th[1]["t"] < 5.2, th[1]
# count 8: 2 + 8 x 1 = 10 s, after the 9 s run: nothing within it
assert th[2]["verdict"] == "nothing" and th[2]["t"] is None, th[2]
assert "after the run\x27s end (9.00 s)" in th[2]["why"], th[2]
' "$TMP/matrix.json"
else
	skip "--json checks: needs python3"
fi

(cd "$TOP/scenarios" && "$NFCTL" -s "$TMP/no-daemon.sock" predict poweroff) >"$TMP/name.out" 2>&1
rc=$?
check "a name is found as run finds it: predict poweroff (exit $rc)" [ $rc = 0 ]
check "... its server times out by the user timeout at 5.42 s" \
	grep -q '^  server   timeout at 5.420s$' "$TMP/name.out"

printf 'name: bad\napps:\n  server:\n    listen: 5000\n    tcp: { user_timeout: soon }\n' >"$TMP/bad.yaml"
P "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1
rc=$?
check "a bad file exits 2 (exit $rc)" [ $rc = 2 ]
check "... naming file:line:column" grep -q 'bad.yaml:5:' "$TMP/bad.out"
P "$TMP/none.yaml" >"$TMP/none.out" 2>&1
rc=$?
check "a missing file exits 2 (exit $rc)" [ $rc = 2 ]
P >"$TMP/noarg.out" 2>&1
rc=$?
check "predict without a file exits 2 (exit $rc)" [ $rc = 2 ]
exit 0
