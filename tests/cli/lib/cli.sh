# cli.sh: helpers for the CLI tests in tests/cli/*.sh (sourced, not run).
#
# Each test script runs its own netfaultd on a socket in a fresh temporary
# directory, never the machine's /run/netfault one, and stops only the
# daemons and clients it started itself (by pid). The EXIT trap stops them,
# removes the namespaces of the runs they made if any are left, and prints
# the daemon's log when a test failed.
#
# TAP: ok "what" / not_ok "what" / check "what" COMMAND...; skip_all REASON.
# Files: $DATA (tests/cli/data), $TMP (removed at exit), $SOCK, $DLOG.

set -u
[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
B=$(cd "$1" && pwd)
NFD=$B/netfaultd
NFCTL=$B/netfaultctl
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$TOP/tests/cli/data
TAP_N=0
TAP_FAILED=0
DPIDS=""          # daemons this script started
CPIDS=""          # background clients this script started
NETNS_IDS=""      # netns run ids of runs this script made

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=1; echo "not ok $TAP_N - $*"; }
check() { # check "what" COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
diag() { sed 's/^/# /'; }
skip_all() { echo "ok 1 # SKIP $*"; exit 0; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }

# Tests that run a program as the unprivileged user nobody need it to reach
# the build and the test data: not so when a parent directory is closed to
# others (a checkout under a 0700 home or temporary directory).
NOBODY_REACHES=no
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	sh -c "test -x '$NFCTL' && test -r '$DATA/pass.yaml'" 2>/dev/null && NOBODY_REACHES=yes
# nobody_check "what" COMMAND...: check, or skip saying why it cannot run
nobody_check() {
	if [ "$NOBODY_REACHES" = yes ]; then
		check "$@"
	else
		skip "$1: user nobody cannot reach $B or $DATA (a parent directory is closed to others)"
	fi
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (netfaultd builds network namespaces)"
	[ -x "$NFD" ] && [ -x "$NFCTL" ] || skip_all "$NFD or $NFCTL not built"
	command -v python3 >/dev/null || skip_all "needs python3"
}

TMP=$(mktemp -d /tmp/nfcli.XXXXXX)
chmod 755 "$TMP"                  # an unprivileged peer must reach the socket
SOCK=$TMP/netfaultd.sock
DLOG=$TMP/netfaultd.log

# not for `ctl ... &`: $! would be a subshell's pid, not netfaultctl's
ctl() { "$NFCTL" -s "$SOCK" "$@"; }

# start_daemon [OPTIONS...]: netfaultd -d on $SOCK (or -s given in OPTIONS
# after ours), its pid in $DPID; fails unless it answers within 5s.
start_daemon() {
	"$NFD" -d -v -s "$SOCK" "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	DPIDS="$DPIDS $DPID"
	wait_for 50 ctl status >/dev/null 2>&1
}

# wait_for TENTHS COMMAND...: retries COMMAND every 0.1s
wait_for() {
	tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		tries=$((tries - 1))
		sleep 0.1
	done
	return 1
}

# alive PID: running (a zombie not yet waited for is not)
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# stop_pid PID [TENTHS]: SIGTERM, wait (default 20s), then SIGKILL;
# returns the process's exit status (a child of this shell)
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_for "${2:-200}" eval "! alive $1"
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# run_field RUN FIELD: a member of `show RUN --json` ("" for null)
run_field() {
	ctl show "$1" --json 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin).get(sys.argv[1])
print("" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$2"
}

# wait_running RUN: until the run is running with its namespaces up
# (its topology event came); records its netns id for cleanup.
wait_running() {
	wait_for 100 eval '[ "$(run_field '"$1"' state)" = running ] &&
		[ -n "$(run_field '"$1"' netns_run)" ]' || return 1
	NETNS_IDS="$NETNS_IDS $(run_field "$1" netns_run)"
}

# pool_inodes PID: the inodes of the namespaces PID holds open, one a line
pool_inodes() {
	for fd in /proc/"$1"/fd/*; do readlink "$fd"; done 2>/dev/null |
		sed -n 's/^net:\[\([0-9]*\)\]$/\1/p' | sort -u
}
# pooled PID N: PID holds at least N namespaces (a daemon: its pool, -p,
# and its own)
pooled() { [ "$(pool_inodes "$1" | wc -l)" -ge "$2" ]; }

# no_namespaces NETNS_ID: nothing of that run is left in /run/netns
no_namespaces() {
	! ls /run/netns/ 2>/dev/null | grep -q "^nf$1-"
}

# processes of our daemons: the daemon, its workers and the apps they fork
# all carry our socket path on their command line
our_processes() { pgrep -f -- "-s $SOCK" 2>/dev/null; }

# last_run_id: the highest run id the daemon knows
last_run_id() {
	ctl list --json | python3 -c '
import json, sys
runs = json.load(sys.stdin)["runs"]
print(max(r["run"] for r in runs) if runs else 0)'
}

cli_cleanup() {
	for p in $CPIDS; do
		alive "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in $DPIDS; do stop_pid "$p"; done
	# a test that killed its daemon -9 may leave its runs' namespaces;
	# an id whose lease someone holds is another live run's by now
	for id in $NETNS_IDS; do
		lease=/run/netfault/leases/$id.lock
		[ -e "$lease" ] && ! flock -n "$lease" true && continue
		for ns in $(ls /run/netns/ 2>/dev/null | grep "^nf$id-"); do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid"; done
			ip netns delete "$ns" 2>/dev/null
		done
	done
	if [ "$TAP_FAILED" = 1 ] && [ -s "$DLOG" ]; then
		echo "# netfaultd log:"
		diag <"$DLOG"
	fi
	rm -rf "$TMP"
}
trap cli_cleanup EXIT
trap 'exit 1' INT TERM HUP
