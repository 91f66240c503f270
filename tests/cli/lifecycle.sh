#!/bin/sh
# lifecycle.sh: the daemon's life around its runs: SIGTERM during runs
# cancels them and leaves nothing behind (namespaces, processes, socket);
# after kill -9 of the daemon and its workers, a restart removes the stale
# socket and the namespaces they left. The namespace pool (-p): a run's
# hosts are namespaces the daemon had ready, new ones take their place,
# -p 0 keeps none, and a size out of range is refused.
#
#   tests/cli/lifecycle.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

# ---- SIGTERM during runs ------------------------------------------------
start_daemon
check "the daemon starts" [ $? = 0 ]
"$NFCTL" -s "$SOCK" run "$DATA/long.yaml" >"$TMP/attached.out" 2>&1 &
client=$!
CPIDS="$CPIDS $client"
ctl run --detach "$DATA/long.yaml" >/dev/null 2>&1
wait_for 50 eval '[ "$(last_run_id)" = 2 ]'
wait_running 1 && wait_running 2
check "two runs are running" [ $? = 0 ]
ns1=$(run_field 1 netns_run)
ns2=$(run_field 2 netns_run)

stop_pid "$DPID" 300
rc=$?
check "SIGTERM: the daemon exits 0" [ $rc = 0 ]
wait_for 50 eval '! alive $client'
wait "$client"
rc=$?
check "the attached client got its result: CANCELLED, exit 2" \
	sh -c "[ $rc = 2 ] && grep -q '^CANCELLED ' '$TMP/attached.out'"
check "no namespace of either run is left" sh -c "! ls /run/netns 2>/dev/null | grep -qE '^nf($ns1|$ns2)-'"
check "no process of the daemon is left" [ -z "$(our_processes)" ]
check "the socket is removed" [ ! -e "$SOCK" ]
check "the log says why the runs ended" grep -q 'run 1: the daemon is shutting down' "$DLOG"

# ---- a worker dies ------------------------------------------------------
start_daemon
check "the daemon starts again" [ $? = 0 ]
"$NFCTL" -s "$SOCK" run "$DATA/long.yaml" >"$TMP/crashed.out" 2>&1 &
client=$!
CPIDS="$CPIDS $client"
wait_for 50 eval '[ "$(last_run_id)" = 1 ]'
wait_running 1
ns=$(run_field 1 netns_run)
kill -KILL $(pgrep -P "$DPID")
wait_for 100 eval '! alive $client'
wait "$client"
rc=$?
check "a worker killed -9: its client gets an ERROR result, exit 2" \
	sh -c "[ $rc = 2 ] && grep -q '^ERROR .*signal 9' '$TMP/crashed.out'"
check "... the run's state is error" [ "$(run_field 1 state)" = error ]
check "... the daemon removed the run's namespaces" wait_for 100 no_namespaces "$ns"
ctl status >/dev/null 2>&1
check "... and goes on serving" [ $? = 0 ]

# ---- kill -9, then a restart --------------------------------------------
ctl run --detach "$DATA/long.yaml" >/dev/null 2>&1
wait_running 2
check "a run is running" [ $? = 0 ]
ns=$(run_field 2 netns_run)
workers=$(pgrep -P "$DPID")
kill -KILL "$DPID" $workers
wait "$DPID" 2>/dev/null
check "after kill -9 of the daemon and its worker, the run's namespaces are left" \
	sh -c "ls /run/netns 2>/dev/null | grep -q '^nf$ns-'"
check "... and the socket file" [ -S "$SOCK" ]
ctl status >/dev/null 2>&1
check "... on which nobody answers" [ $? = 2 ]

start_daemon
check "a new daemon starts on the stale socket" [ $? = 0 ]
check "it removed the stale socket file" grep -q 'removed stale socket' "$DLOG"
check "it removed the namespaces the dead run left" no_namespaces "$ns"
stop_pid "$DPID"
check "it exits 0 on SIGTERM" [ $? = 0 ]
check "no process of the daemon is left" [ -z "$(our_processes)" ]

# ---- the namespace pool -------------------------------------------------
start_daemon -p 4
check "-p 4: the daemon starts" [ $? = 0 ]
check "... and holds 4 namespaces ready" wait_for 100 pooled "$DPID" 4
pool_inodes "$DPID" >"$TMP/ready"
ctl run --detach "$DATA/long.yaml" >/dev/null 2>&1
wait_running 1
check "a run is running" [ $? = 0 ]
ns=$(run_field 1 netns_run)
for path in /run/netns/nf"$ns"-*; do stat -L -c %i "$path"; done >"$TMP/used" 2>/dev/null
check "its switch and hosts are namespaces the daemon had ready" \
	sh -c "[ \$(wc -l <'$TMP/used') = 3 ] && [ -z \"\$(sort -u '$TMP/used' | comm -23 - '$TMP/ready')\" ]"
check "the daemon makes 4 new ones ready meanwhile" wait_for 100 eval \
	'[ "$(pool_inodes "$DPID" | comm -12 - "$TMP/used")" = "" ] && pooled "$DPID" 4'
ctl cancel 1 >/dev/null 2>&1
check "the run's namespaces are removed" wait_for 100 no_namespaces "$ns"
stop_pid "$DPID"
check "it exits 0 on SIGTERM" [ $? = 0 ]

start_daemon -p 0
check "-p 0: the daemon starts" [ $? = 0 ]
ctl run "$DATA/pass.yaml" >/dev/null 2>&1
check "... runs pass without a pool" [ $? = 0 ]
check "... and it holds no namespace but its own" sh -c "[ \$(pool_inodes $DPID | wc -l) -le 1 ]"
stop_pid "$DPID"
check "it exits 0 on SIGTERM" [ $? = 0 ]

"$NFD" -d -s "$SOCK" -p 65 >"$TMP/p65.out" 2>&1
rc=$?
check "-p 65 is refused, saying the range" \
	sh -c "[ $rc = 1 ] && grep -q 'namespaces kept ready must be 0 to 64' '$TMP/p65.out'"
check "no process of the daemon is left" [ -z "$(our_processes)" ]
exit 0
