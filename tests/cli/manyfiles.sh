#!/bin/sh
# manyfiles.sh: any number of runs over one connection. Two tagged run
# requests pipelined on one raw connection stream interleaved, each line
# with its request's tag and each request with its own "done"; 1 000 files
# through one `netfaultctl run` (one connection, far more files than the
# daemon's client limit or its queue) all end up in the JUnit file; sweeps
# whose cells together overflow the queue are sent again as room frees up;
# one scenario of 1 000 hosts on one /16 network runs and passes.
#
#   tests/cli/manyfiles.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root
export PYTHONPATH="$TOP/tests/cli/lib"

start_daemon -j 8
check "the daemon starts with -j 8" [ $? = 0 ]

# ---- two requests pipelined on one connection ---------------------------
python3 - "$SOCK" "$DATA" <<'EOF'
import sys
from nfsock import Conn
sock, data = sys.argv[1], sys.argv[2]
c = Conn(sock, timeout=60)
text = open(data + "/pass.yaml").read()
c.send({"op": "run", "tag": "first", "file": "a.yaml", "text": text})
c.send({"op": "run", "tag": 7, "file": "b.yaml", "text": text,
        "set": [{"path": "duration", "values": ["2s", "3s"]}]})
c.send({"op": "status", "tag": "st"})
c.send({"op": "run", "tag": [1], "file": "c.yaml", "text": text})
seen = {"first": [], 7: [], "st": []}
done = set()
bad_tag = None
while len(done) < 2 or not seen["st"] or bad_tag is None:
    m = c.recv()
    assert m is not None, "connection closed early"
    if m["type"] == "error" and "tag" not in m:
        bad_tag = m
        continue
    assert "tag" in m and m["tag"] in seen, m
    seen[m["tag"]].append(m)
    if m["type"] == "done":
        assert m["tag"] not in done, m
        done.add(m["tag"])
assert "must be an integer or a text" in bad_tag["error"], bad_tag
a, b = seen["first"], seen[7]
assert a[0]["type"] == "accepted" and len(a[0]["runs"]) == 1, a[0]
assert b[0]["type"] == "accepted" and len(b[0]["runs"]) == 2, b[0]
assert seen["st"][0]["type"] == "status" and seen["st"][0]["ok"], seen["st"]
ids_a = {r["run"] for r in a[0]["runs"]}
ids_b = {r["run"] for r in b[0]["runs"]}
for tag, msgs, ids in (("first", a, ids_a), (7, b, ids_b)):
    results = [m for m in msgs if m["type"] == "result"]
    assert {m["run"] for m in results} == ids, (tag, results)
    assert all(m["run"] in ids for m in msgs if m["type"] == "event"), tag
    assert msgs[-1]["type"] == "done" and msgs[-1]["passed"] is True, msgs[-1]
r = c.request({"op": "status"})
assert r["type"] == "status" and "tag" not in r, r
EOF
check "pipelined run requests: replies carry their tag, each request its own done" [ $? = 0 ]

# ---- 1 000 files, one netfaultctl ----------------------------------------
mkdir "$TMP/many"
i=0
while [ $i -lt 1000 ]; do
	i=$((i + 1))
	ln -s "$DATA/pass.yaml" "$TMP/many/f$i.yaml"
done
connected_before=$(grep -c 'client connected' "$DLOG")
ctl run "$TMP"/many/*.yaml --quiet --junit "$TMP/many.xml" >"$TMP/many.out" 2>&1
rc=$?
connected=$(($(grep -c 'client connected' "$DLOG") - connected_before))
grep -vE '^\[[0-9]+\] PASS ' "$TMP/many.out" | head -20 | diag
# a run that failed: its whole record, so that the failure can be read
for id in $(sed -nE 's/^\[([0-9]+)\] FAIL .*/\1/p' "$TMP/many.out" | head -3); do
	ctl show "$id" --json 2>&1 | diag
done
check "1000 files: exit 0 (was $rc)" [ $rc = 0 ]
check "... 1000 PASS lines" [ "$(grep -cE '^\[[0-9]+\] PASS ' "$TMP/many.out")" = 1000 ]
check "... over one connection (the daemon saw $connected)" [ "$connected" = 1 ]
python3 - "$TMP/many.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("testsuite/testcase")
assert len(cases) == 1000, len(cases)
assert not root.findall(".//failure") and not root.findall(".//error")
EOF
check "... 1000 test cases in the JUnit file, none failed" [ $? = 0 ]

# ---- sweeps that overflow the queue --------------------------------------
# 7 files x 50 cells = 350 runs, more than the queue holds (256): the files
# the queue cannot take yet are refused with "retry" and sent again later.
values=$(python3 -c 'print(",".join("%dms" % (1000 + 20 * i) for i in range(50)))')
ctl run "$TMP"/many/f1.yaml "$TMP"/many/f2.yaml "$TMP"/many/f3.yaml \
	"$TMP"/many/f4.yaml "$TMP"/many/f5.yaml "$TMP"/many/f6.yaml "$TMP"/many/f7.yaml \
	--set "duration=$values" --quiet --junit "$TMP/sweeps.xml" >"$TMP/sweeps.out" 2>&1
rc=$?
grep -iE 'error|queue' "$TMP/sweeps.out" | head | diag
check "7 sweeps of 50 cells (more than the queue): exit 0 (was $rc)" [ $rc = 0 ]
check "... 350 test cases in the JUnit file" \
	[ "$(grep -c '<testcase' "$TMP/sweeps.xml")" = 350 ]
check "... the daemon refused some for a full queue, so the retry was used" \
	grep -q 'queue full' "$DLOG"
# ---- one scenario with 1 000 hosts on one /16 network ---------------------
python3 - "$TMP/thousand.yaml" <<'EOF'
import sys
lines = ["name: a thousand hosts, one client talks to one server", "duration: 5s",
         "networks:", "  big: { subnet: 10.9.0.0/16 }", "hosts:"]
lines += ["  h%d: {}" % i for i in range(1, 999)]
lines += ["  client: {}", "  server: {}", "apps:",
          "  server: { listen: 5000, steps: [accept, recv] }",
          "  client: { connect: server, steps: [{ send: 26 }, close] }",
          "expect:", "  server: fin", "  client: nothing"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
ctl run "$TMP/thousand.yaml" --json >"$TMP/thousand.json" 2>"$TMP/thousand.err"
rc=$?
diag <"$TMP/thousand.err"
check "1000 hosts on one /16: the run passes (exit $rc)" [ $rc = 0 ]
python3 - "$TMP/thousand.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
topo = [e for e in d["events"] if e["event"] == "topology"]
assert topo and len(topo[0]["hosts"]) == 1000, len(topo[0]["hosts"]) if topo else "none"
apps = {a["app"]: a for a in d["result"]["apps"]}
assert apps["server"]["verdict"] == "fin", apps["server"]
EOF
check "... its topology event lists 1000 hosts; the server sees fin" [ $? = 0 ]

ctl status >/dev/null
check "the daemon still answers" [ $? = 0 ]
echo "1..$TAP_N"
exit "$TAP_FAILED"
