#!/bin/sh
# concurrency.sh: several runs at once: two at once, the example scenarios
# in parallel with --junit (the XML checked for shape), a sweep, cancel, a
# client that disconnects mid-run (its run is cancelled and cleaned up),
# and a detached run that outlives its client.
#
#   tests/cli/concurrency.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

start_daemon -j 8
check "the daemon starts with -j 8" [ $? = 0 ]

# ---- two at once --------------------------------------------------------
"$NFCTL" -s "$SOCK" run "$DATA/hold.yaml" "$DATA/hold.yaml" >"$TMP/two.out" 2>&1 &
two=$!
CPIDS="$CPIDS $two"
both_running() {
	[ "$(ctl list --json | python3 -c '
import json, sys
print(sum(r["state"] == "running" for r in json.load(sys.stdin)["runs"]))')" = 2 ]
}
wait_for 100 both_running
check "two runs are running at the same time" [ $? = 0 ]
wait "$two"
rc=$?
check "both pass: exit 0" [ $rc = 0 ]
check "each run's lines carry its id" [ "$(grep -cE '^\[[0-9]+\] PASS ' "$TMP/two.out")" = 2 ]

# ---- the examples in parallel, JUnit ------------------------------------
# one run per file: the sweeps (*-sweep.yaml, several runs each) are
# sweep.sh's
set --
for f in "$TOP"/scenarios/*.yaml; do
	case $f in *-sweep.yaml) ;; *) set -- "$@" "$f" ;; esac
done
nfiles=$#
total=0
for f in "$@"; do
	d=$(sed -n 's/^duration: *\([0-9]*\)s *$/\1/p' "$f")
	total=$((total + ${d:-0}))
done
start=$(date +%s)
ctl run "$@" --junit "$TMP/out.xml" >"$TMP/examples.out" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))
# a FAIL here is the scenario's or the engine's business, not the CLI's:
# shown, but the test asks only that every run ended with a verdict
grep -E '^(\[[0-9]+\] )?(FAIL|ERROR|CANCELLED) ' "$TMP/examples.out" | diag
check "run scenarios/*.yaml: every run ends with a verdict (exit $rc)" [ $rc = 0 -o $rc = 1 ]
check "... one closing line per file" \
	[ "$(grep -cE '^\[[0-9]+\] (PASS|FAIL) ' "$TMP/examples.out")" = "$nfiles" ]
check "the files ran in parallel (${elapsed}s, ${total}s in sequence)" [ "$elapsed" -lt "$total" ]
python3 - "$TMP/out.xml" "$nfiles" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == int(sys.argv[2]), len(suites)
cases = failures = errors = 0
for s in suites:
    tc = s.findall("testcase")
    assert tc and int(s.get("tests")) == len(tc), s.attrib
    for c in tc:
        assert c.get("classname") and c.get("name") and float(c.get("time")) >= 0, c.attrib
        f = c.findall("failure")
        e = c.findall("error")
        assert all(x.get("message") for x in f + e), c.attrib
        failures += len(f)
        errors += len(e)
    cases += len(tc)
assert int(root.get("tests")) == cases
assert int(root.get("failures")) == failures and int(root.get("errors")) == errors
EOF
check "--junit: testsuites/testsuite/testcase, one suite per file, counts match" [ $? = 0 ]

ctl run "$DATA/pass.yaml" "$DATA/fail.yaml" --junit "$TMP/mixed.xml" >/dev/null 2>&1
rc=$?
python3 - "$TMP/mixed.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
f = root.findall("./testsuite/testcase/failure")
assert len(f) == 1 and f[0].get("message"), [x.attrib for x in f]
assert root.get("failures") == "1", root.attrib
EOF
check "--junit: a failed run is a <failure> with the reason; exit 1" sh -c "[ $? = 0 ] && [ $rc = 1 ]"

# ---- a sweep ------------------------------------------------------------
ctl run "$DATA/hold.yaml" --set duration=1s,2s >"$TMP/sweep.out" 2>&1
rc=$?
check "--set with two values: two runs, a table, exit 0" \
	sh -c "[ $rc = 0 ] && grep -q '^sweep ' '$TMP/sweep.out' && [ \$(grep -cE '^  [0-9]+ +[12]s ' '$TMP/sweep.out') = 2 ]"

# ---- cancel -------------------------------------------------------------
"$NFCTL" -s "$SOCK" run "$DATA/long.yaml" >"$TMP/cancel.out" 2>&1 &
client=$!
CPIDS="$CPIDS $client"
wait_for 50 eval '[ "$(last_run_id)" -gt 0 ] && [ "$(run_field $(last_run_id) file)" = "$DATA/long.yaml" ]'
id=$(last_run_id)
wait_running "$id"
check "a long run is running" [ $? = 0 ]
netns=$(run_field "$id" netns_run)
ctl cancel "$id" >"$TMP/c.out" 2>&1
check "cancel RUN answers" grep -qE "run $id: (cancelling|cancelled)" "$TMP/c.out"
wait_for 150 eval '! alive $client'
wait "$client"
rc=$?
check "the run's client gets the result: CANCELLED, exit 2" \
	sh -c "[ $rc = 2 ] && grep -q '^CANCELLED ' '$TMP/cancel.out'"
check "the cancelled run's state is cancelled" [ "$(run_field "$id" state)" = cancelled ]
check "the cancelled run's namespaces are gone" wait_for 100 no_namespaces "$netns"

# ---- a client that disconnects ------------------------------------------
"$NFCTL" -s "$SOCK" run "$DATA/long.yaml" >/dev/null 2>&1 &
client=$!
CPIDS="$CPIDS $client"
wait_for 50 eval '[ "$(last_run_id)" -gt "$id" ]'
id=$(last_run_id)
wait_running "$id"
netns=$(run_field "$id" netns_run)
kill -KILL "$client"
wait "$client" 2>/dev/null
wait_for 150 eval '[ "$(run_field $id state)" = cancelled ]'
check "a client that goes away: its run is cancelled" [ $? = 0 ]
check "... and its namespaces are gone" wait_for 100 no_namespaces "$netns"
check "... and no worker is left" \
	wait_for 100 sh -c "[ -z \"\$(pgrep -P $DPID)\" ]"

# ---- detached -----------------------------------------------------------
ctl run --detach "$DATA/long.yaml" >"$TMP/detach.out" 2>&1
rc=$?
id=$(sed -n 's/^run \([0-9]*\): .*detached.*/\1/p' "$TMP/detach.out")
check "run --detach prints the run id and exits 0" sh -c "[ $rc = 0 ] && [ -n '$id' ]"
wait_running "$id"
check "the detached run goes on without its client" [ "$(run_field "$id" state)" = running ]
netns=$(run_field "$id" netns_run)
ctl cancel "$id" >/dev/null 2>&1
wait_for 150 eval '[ "$(run_field $id state)" = cancelled ]'
check "cancel ends the detached run" [ $? = 0 ]
check "... and its namespaces are gone" wait_for 100 no_namespaces "$netns"
exit 0
