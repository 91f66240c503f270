#!/bin/sh
# engine.sh: netfaultd -e picks the engine of delay, loss and rate for every
# run: queue serves scenarios/delay.yaml and the result says so; netem on a
# kernel without sch_netem refuses the run with that reason (exit 2) instead
# of quietly using the queue; a bad -e value stops the daemon at start.
#
#   tests/cli/engine.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

"$NFD" -d -e frobnicate -s "$TMP/bad.sock" >"$TMP/bad.out" 2>&1
rc=$?
check "-e frobnicate: refused at start" \
	sh -c "[ $rc != 0 ] && grep -q 'expected auto, netem or queue' '$TMP/bad.out'"

start_daemon -e queue
check "netfaultd -e queue starts" [ $? = 0 ]
ctl run "$TOP/scenarios/delay.yaml" --json >"$TMP/queue.json" 2>"$TMP/queue.err"
rc=$?
check "delay.yaml with -e queue passes" [ $rc = 0 ]
engine=$(python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["result"]["impair_engine"])' "$TMP/queue.json" 2>/dev/null)
check "the result says the queue engine served (got $engine)" [ "$engine" = queue ]
stop_pid "$DPID"

SOCK=$TMP/netem.sock
start_daemon -e netem
check "netfaultd -e netem starts" [ $? = 0 ]
ctl run "$TOP/scenarios/delay.yaml" >"$TMP/netem.out" 2>&1
rc=$?
if grep -qs 'sch_netem' "$TMP/netem.out"; then
	check "-e netem on a kernel without netem: the run is refused, exit 2" [ $rc = 2 ]
	check "... saying the kernel lacks sch_netem" grep -q 'lacks sch_netem' "$TMP/netem.out"
else
	check "-e netem on a kernel with netem: delay.yaml passes" [ $rc = 0 ]
	skip "refusal without sch_netem: this kernel has netem"
fi
exit 0
