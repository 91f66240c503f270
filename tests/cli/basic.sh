#!/bin/sh
# basic.sh: netfaultd and netfaultctl one request at a time: options,
# validation (file:line:col, exit 2), a run that passes (exit 0), one that
# fails (exit 1), one the daemon refuses (exit 2), list, show, status,
# --json, and the message when no daemon answers.
#
#   tests/cli/basic.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

# ---- without a daemon ---------------------------------------------------
out=$("$NFD" -V) && echo "$out" | grep -q '^netfaultd [0-9]'
check "netfaultd -V prints its version" [ $? = 0 ]
out=$("$NFCTL" -V) && echo "$out" | grep -q '^netfaultctl [0-9]'
check "netfaultctl -V prints its version" [ $? = 0 ]
"$NFCTL" -h | grep -q '^usage: netfaultctl'
check "netfaultctl -h prints the usage" [ $? = 0 ]

setpriv --reuid=nobody --regid=nogroup --clear-groups "$NFD" -n "$DATA/pass.yaml" >/dev/null 2>&1
nobody_check "netfaultd -n accepts a good file, without root" [ $? = 0 ]
"$NFD" -n "$DATA/bad.yaml" >"$TMP/n.out" 2>&1
rc=$?
check "netfaultd -n rejects a bad file with exit 1" [ $rc = 1 ]
check "netfaultd -n names file:line:col" grep -qE 'bad\.yaml:[0-9]+:[0-9]+: ' "$TMP/n.out"

"$NFCTL" validate "$DATA/pass.yaml" "$DATA/hold.yaml" >/dev/null 2>&1
check "validate: good files exit 0" [ $? = 0 ]
"$NFCTL" validate "$DATA/pass.yaml" "$DATA/bad.yaml" >"$TMP/v.out" 2>&1
rc=$?
check "validate: a bad file exits 2" [ $rc = 2 ]
check "validate: every error as file:line:col: message" \
	[ "$(grep -cE 'bad\.yaml:[0-9]+:[0-9]+: .+' "$TMP/v.out")" -ge 2 ]

"$NFCTL" frobnicate >"$TMP/kw.out" 2>&1
rc=$?
check "an unknown command exits 2 and lists the valid ones" \
	sh -c "[ $rc = 2 ] && grep -q 'run validate predict list show cancel status' '$TMP/kw.out'"
"$NFCTL" -s "$SOCK" sh 1 >"$TMP/kw.out" 2>&1
check "an abbreviation is taken when it is unique (sh = show)" \
	grep -q 'cannot connect' "$TMP/kw.out"
"$NFCTL" -s "$SOCK" s >"$TMP/kw.out" 2>&1
check "an ambiguous abbreviation is refused" grep -q 'ambiguous' "$TMP/kw.out"

ctl status >"$TMP/nod.out" 2>&1
rc=$?
check "no daemon: exit 2 and how to start one" \
	sh -c "[ $rc = 2 ] && grep -q 'is netfaultd running' '$TMP/nod.out'"

# ---- with a daemon ------------------------------------------------------
start_daemon
check "the daemon starts and answers status" [ $? = 0 ]
check "the socket is 0660" [ "$(stat -c %a "$SOCK")" = 660 ]

ctl run "$DATA/pass.yaml" >"$TMP/pass.out" 2>&1
rc=$?
check "run: every expectation held: exit 0" [ $rc = 0 ]
check "run: PASS line" grep -q '^PASS ' "$TMP/pass.out"
check "run: a timeline with times since t0" grep -qE '^ +0\.000s  -  +t0$' "$TMP/pass.out"
check "run: the verdict against the expectation" grep -qE '^  server +sees fin.*held' "$TMP/pass.out"
pass_id=$(last_run_id)
netns=$(run_field "$pass_id" netns_run)
NETNS_IDS="$NETNS_IDS $netns"
# the result comes first; the teardown follows in the background
check "run: its namespaces are gone afterwards" \
	wait_for 100 sh -c "[ -n '$netns' ] && ! ls /run/netns 2>/dev/null | grep -q '^nf$netns-'"

ctl run "$DATA/fail.yaml" >"$TMP/fail.out" 2>&1
rc=$?
check "run: an expectation did not hold: exit 1" [ $rc = 1 ]
check "run: FAIL line" grep -q '^FAIL ' "$TMP/fail.out"
fail_id=$(last_run_id)

ctl run "$DATA/bad.yaml" >"$TMP/bad.out" 2>&1
rc=$?
check "run: the daemon refuses a bad file: exit 2" [ $rc = 2 ]
check "run: the daemon's errors are file:line:col" grep -qE 'bad\.yaml:[0-9]+:[0-9]+: ' "$TMP/bad.out"
ctl run "$TMP/no-such-file.yaml" >/dev/null 2>&1
check "run: a missing file: exit 2" [ $? = 2 ]

ctl list >"$TMP/list.out" 2>&1
check "list shows the runs and their states" \
	sh -c "grep -qE '^ +$pass_id +passed' '$TMP/list.out' && grep -qE '^ +$fail_id +failed' '$TMP/list.out'"
ctl show "$pass_id" >"$TMP/show.out" 2>&1
check "show prints the run's timeline and verdict" \
	sh -c "grep -q ' t0$' '$TMP/show.out' && grep -q '^PASS ' '$TMP/show.out'"
ctl show 99999 >/dev/null 2>&1
check "show of an unknown run: exit 2" [ $? = 2 ]
ctl cancel "$pass_id" >"$TMP/c.out" 2>&1
check "cancel of a finished run is refused: exit 2" [ $? = 2 ]
ctl status >"$TMP/status.out" 2>&1
check "status names the pid and the limits" \
	sh -c "grep -q 'pid $DPID' '$TMP/status.out' && grep -q 'at most 16 at once' '$TMP/status.out'"

ctl run --json "$DATA/pass.yaml" >"$TMP/json.out" 2>&1
rc=$?
python3 - "$TMP/json.out" <<'EOF'
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
assert len(docs) == 1, docs
d = docs[0]
assert d["state"] == "passed" and d["result"]["passed"] is True, d
kinds = [e["event"] for e in d["events"]]
assert "t0" in kinds and "end" in kinds, kinds
EOF
py=$?
check "run --json: one document with the result and the events" [ "$rc$py" = 00 ]

ctl run --quiet "$DATA/pass.yaml" >"$TMP/q.out" 2>&1
check "run --quiet: only the PASS line" \
	sh -c "[ \$(wc -l <'$TMP/q.out') = 1 ] && grep -q '^PASS ' '$TMP/q.out'"

# a middlebox runs: the NAT forgets the idle connection, the client's
# late send times out (exit 0: the expectations held); the result counts
# gw's tracked connections
"$NFCTL" validate "$DATA/nat.yaml" >/dev/null 2>&1
check "validate: a file with networks: and a middlebox is valid" [ $? = 0 ]
ctl run "$DATA/nat.yaml" --json >"$TMP/nat.json" 2>"$TMP/nat.err"
rc=$?
check "run of a middlebox: passes, exit 0 (was $rc)" [ $rc = 0 ]
mbs=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["result"]["middleboxes"]
print(" ".join("%s:%d:%d:%d" % (x["host"], x["created"], x["expired"], x["forgotten"]) for x in m))' \
	"$TMP/nat.json" 2>/dev/null)
check "... gw created 1 entry, 1 expired, none forgotten (got $mbs)" [ "$mbs" = gw:1:1:0 ]
nat_run=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["run"])' \
	"$TMP/nat.json" 2>/dev/null)
ctl show "$nat_run" >"$TMP/nat.show" 2>&1
check "... show gives them in words" \
	grep -q 'middlebox gw: conntrack entries 1 created, 1 expired, 0 forgotten' "$TMP/nat.show"

stop_pid "$DPID"
rc=$?
check "SIGTERM: the daemon exits 0 and removes its socket" [ "$rc" = 0 -a ! -e "$SOCK" ]
exit 0
