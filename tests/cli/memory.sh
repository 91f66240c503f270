#!/bin/sh
# memory.sh: the kept history's byte budget (netfaultd -m): bad values are
# refused with a message that says what is expected; with a tiny budget
# and a dozen runs, status reports kept bytes within the budget, list has
# dropped the oldest runs and kept the newest, show still has their events
# and result; a run with more events than its share of the budget keeps
# what fits and counts the rest in events_dropped.
#
#   tests/cli/memory.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

BUDGET=32K          # NFD_MIN_HISTORY_BYTES: the smallest -m
BUDGET_BYTES=32768
RUNS=12

# ---- -m values ----------------------------------------------------------
for bad in 12Q 16MB -5 1K 5G ""; do
	"$NFD" -d -s "$SOCK" -m "$bad" >"$TMP/m.out" 2>&1
	rc=$?
	check "-m '$bad' is refused (exit 1), saying what a size is and its bounds" \
		sh -c "[ $rc = 1 ] && [ ! -e '$SOCK' ] &&
		       grep -q -- '-m $bad: the history budget is bytes with an optional K, M or G suffix, [0-9]*K to [0-9]*G' '$TMP/m.out'"
done
"$NFD" -h | grep -q -- '-m size'
check "the usage names -m" [ $? = 0 ]

# ---- a tiny budget ------------------------------------------------------
start_daemon -m "$BUDGET" -j 4      # the share below is budget / 4
check "the daemon starts with -m $BUDGET" [ $? = 0 ]

for i in $(seq 1 $RUNS); do
	ctl run "$DATA/pass.yaml" >>"$TMP/runs.out" 2>&1 || echo "run $i: exit $?" >>"$TMP/fails"
done
check "$RUNS runs pass" [ ! -e "$TMP/fails" ]

ctl status --json >"$TMP/status.json" 2>&1
ctl list --json >"$TMP/list.json" 2>&1
python3 - "$TMP/status.json" "$TMP/list.json" "$BUDGET_BYTES" "$RUNS" >"$TMP/py.out" 2>&1 <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
runs = [r["run"] for r in json.load(open(sys.argv[2]))["runs"]]
budget, n = int(sys.argv[3]), int(sys.argv[4])
h = status["history"]
print("history", h, "rss", status["rss"], "list", runs)
print("budget", h["budget"] == budget)
print("within", 0 < h["bytes"] <= budget)
print("share", h["run_share"] == budget // 4)
print("rss", status["rss"] > 0)
print("counted", h["runs"] == len(runs))
print("newest", 1 < len(runs) < n and runs == list(range(n - len(runs) + 1, n + 1)))
PY
diag <"$TMP/py.out"
check "status: history budget is the -m value" grep -qx 'budget True' "$TMP/py.out"
check "status: kept bytes are within the budget" grep -qx 'within True' "$TMP/py.out"
check "status: a running run's share is a quarter of it (-j 4)" grep -qx 'share True' "$TMP/py.out"
check "status: the daemon's rss" grep -qx 'rss True' "$TMP/py.out"
check "status: history runs is what list shows" grep -qx 'counted True' "$TMP/py.out"
check "list: the oldest runs were dropped, the newest kept" grep -qx 'newest True' "$TMP/py.out"
ctl show 1 >"$TMP/show1.out" 2>&1
check "show 1: gone from the history" sh -c "[ $? = 2 ] && grep -q 'no run 1' '$TMP/show1.out'"
ctl show "$RUNS" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (d["events"] and d["result"]["passed"] and d["events_dropped"] == 0))'
check "show $RUNS: its events and result, nothing dropped" [ $? = 0 ]
ctl status | grep -q '^memory: history [0-9]* runs in .* of 32.0 KiB (at most 8.0 KiB per running run), rss .* MiB$'
check "netfaultctl status prints the memory line" [ $? = 0 ]

# ---- one run beyond its share -------------------------------------------
# 120 sends of 100 bytes: far more event text than 32K / 4.
{
	echo "name: a chatty client"
	echo "duration: 3s"
	echo "apps:"
	echo "  server: { listen: 5000, steps: [accept, { recv: 12000 }] }"
	echo "  client:"
	echo "    connect: server"
	echo "    steps:"
	for i in $(seq 1 120); do echo "      - send: 100"; done
	echo "      - close"
} >"$TMP/chatty.yaml"
ctl run "$TMP/chatty.yaml" >"$TMP/chatty.out" 2>&1
ctl show "$((RUNS + 1))" --json | python3 -c '
import json, sys
d, share = json.load(sys.stdin), int(sys.argv[1]) // 4
kept = len(json.dumps(d["events"], separators=(",", ":")))
print("# kept", len(d["events"]), "events,", kept, "bytes; dropped", d["events_dropped"])
sys.exit(not (d["events"] and d["events_dropped"] > 0 and kept <= share and d["result"]))' \
	"$BUDGET_BYTES" >"$TMP/chatty.py" 2>&1
rc=$?
cat "$TMP/chatty.py"
check "a run beyond its share keeps what fits, counts the rest as dropped" [ $rc = 0 ]
ctl status --json | python3 -c '
import json, sys
sys.exit(not json.load(sys.stdin)["history"]["bytes"] <= int(sys.argv[1]))' "$BUDGET_BYTES"
check "status: still within the budget" [ $? = 0 ]

stop_pid "$DPID"
check "the daemon exits 0" [ $? = 0 ]
exit 0
