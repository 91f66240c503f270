#!/bin/sh
# socket.sh: the control socket spoken raw (python3, tests/cli/lib/nfsock.py):
# malformed, unknown and oversized requests get error replies while other
# clients are served; scenario errors come back as file:line:col; peers
# that are neither root nor in the -g group are refused; a second daemon
# does not take a live daemon's socket.
#
#   tests/cli/socket.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root
export PYTHONPATH="$TOP/tests/cli/lib"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

start_daemon
check "the daemon starts" [ $? = 0 ]

py() { python3 - "$SOCK" "$DATA" "$@"; }

py <<'EOF'
import sys
from nfsock import Conn
c = Conn(sys.argv[1])
r = c.request({"op": "status"})
assert r["type"] == "status" and r["ok"] is True and r["protocol"] == 1, r
c.send_raw(b'{"op": "status"\n')
r = c.recv()
assert r["type"] == "error" and r["ok"] is False and "malformed" in r["error"], r
c.send_raw(b'[1, 2]\n')
assert "malformed" in c.recv()["error"]
r = c.request({"op": "frobnicate"})
assert r["ok"] is False and "run list show cancel status" in r["error"], r
r = c.request({"op": "run", "file": "x.yaml"})
assert r["ok"] is False and '"text"' in r["error"], r
r = c.request({"op": "show", "run": "one"})
assert r["ok"] is False, r
r = c.request({"op": "status"})
assert r["ok"] is True, r     # the same connection still serves
EOF
check "malformed JSON, unknown op, missing members: error replies, connection kept" [ $? = 0 ]

py <<'EOF'
import sys
from nfsock import Conn
c = Conn(sys.argv[1])
text = open(sys.argv[2] + "/bad.yaml").read()
r = c.request({"op": "run", "file": "bad.yaml", "text": text})
assert r["type"] == "error" and r["ok"] is False, r
import re
assert r["errors"] and all(re.match(r"bad\.yaml:\d+:\d+: .", e) for e in r["errors"]), r
EOF
check "a bad scenario: the errors as file:line:col: message" [ $? = 0 ]

py <<'EOF'
import sys
from nfsock import Conn
sock, data = sys.argv[1], sys.argv[2]
runner = Conn(sock)
r = runner.request({"op": "run", "file": "hold.yaml",
                    "text": open(data + "/hold.yaml").read()})
assert r["type"] == "accepted" and r["runs"][0]["run"] == r["run"], r
waiting = Conn(sock)                           # connected before the flood
big = Conn(sock)
try:
    big.send_raw(b'{"op":"status","pad":"' + b"x" * (3 << 20))
except (BrokenPipeError, ConnectionResetError):
    pass                                       # closed on us mid-send: fine
r = big.recv()
assert r and r["ok"] is False and "longer than" in r["error"], r
try:                                           # and the connection closed
    assert big.recv() is None
except ConnectionResetError:                   # with our unread bytes in it
    pass
r = waiting.request({"op": "status"})
assert r["ok"] is True and r["running"] >= 1, r
kinds = set()
while True:                                    # the run went on meanwhile
    m = runner.recv()
    assert m is not None
    if m["type"] == "event":
        kinds.add(m["event"]["event"])
    if m["type"] == "result":
        assert m["state"] == "passed", m
    if m["type"] == "done":
        assert m["passed"] is True
        break
assert "t0" in kinds, kinds
EOF
check "an oversized request: error and disconnect, while others are served" [ $? = 0 ]

py <<'EOF'
import sys, time
from nfsock import Conn
sock, data = sys.argv[1], sys.argv[2]
text = open(data + "/long.yaml").read()
def sweep(conn, cells):              # cells = 10 * n, at most 64 values a path
    return conn.request({"op": "run", "file": "long.yaml", "text": text, "set": [
        {"path": "duration", "values": ["60s"] * (cells // 10)},
        {"path": "apps.server.tcp.user_timeout", "values": ["5s"] * 10}]})
r = Conn(sock).request({"op": "run", "file": "long.yaml", "text": text,
                        "set": [{"path": "duration", "values": ["1s"] * 64},
                                {"path": "name", "values": ["x"] * 5}]})
assert r["ok"] is False and "too many cells" in r["error"], r
first = Conn(sock)
r = sweep(first, 200)
assert r["type"] == "accepted" and len(r["runs"]) == 200, r
r = sweep(Conn(sock), 100)
assert r["ok"] is False and "queue full" in r["error"], r
first.close()                       # its 200 runs go with it
status = Conn(sock)
for _ in range(150):
    s = status.request({"op": "status"})
    if s["running"] == 0 and s["queued"] == 0:
        break
    time.sleep(0.1)
assert s["running"] == 0 and s["queued"] == 0, s
EOF
check "a sweep over 256 cells, a full queue: refused; a client's 200 runs cancelled with it" [ $? = 0 ]

py <<'EOF'
import sys, time
from nfsock import Conn
probe = Conn(sys.argv[1])
for _ in range(50):             # until the earlier tests' clients are gone
    if probe.request({"op": "status"})["clients"] == 1:
        break
    time.sleep(0.1)
conns = [probe] + [Conn(sys.argv[1]) for _ in range(63)]
for _ in range(50):             # until the backlog is accepted
    if probe.request({"op": "status"})["clients"] == 64:
        break
    time.sleep(0.1)
r = Conn(sys.argv[1]).recv()
assert r and r["ok"] is False and "too many clients" in r["error"], r
conns.pop().close()
assert probe.request({"op": "status"})["ok"] is True
EOF
check "the 65th client is refused with an error line; the others are served" [ $? = 0 ]

soft=$(prlimit --pid "$DPID" --nofile --output SOFT --noheadings)
# room for 9 clients: counted once the daemon's namespace pool (-p, 8 by
# default, each an fd) is full again after the runs above, so that it takes
# no more
wait_for 100 pooled "$DPID" 9
prlimit --pid "$DPID" --nofile=$(($(ls /proc/"$DPID"/fd | wc -l) + 9)):
py <<'EOF'
import sys, time
from nfsock import Conn
conns = [Conn(sys.argv[1], timeout=10) for _ in range(20)]   # more than the 9 free fds
for c in conns[:10]:
    c.close()
for c in conns[10:]:            # those left in the backlog are accepted later
    r = c.request({"op": "status"})
    assert r["ok"] is True, r
EOF
rc=$?
prlimit --pid "$DPID" --nofile="$soft":
check "out of fds: accept backs off, then serves those waiting" \
	sh -c "[ $rc = 0 ] && grep -q 'accept: pausing' '$DLOG'"

# ---- who may talk -------------------------------------------------------
check "the socket is root:root 0660" [ "$(stat -c '%U:%G %a' "$SOCK")" = "root:root 660" ]
as_nobody "$NFCTL" -s "$SOCK" status >"$TMP/nobody.out" 2>&1
rc=$?
nobody_check "nobody cannot connect (the file mode): exit 2" \
	sh -c "[ $rc = 2 ] && grep -q 'Permission denied' '$TMP/nobody.out'"
chmod 0666 "$SOCK"       # as if the mode were wrong: SO_PEERCRED still says no
as_nobody "$NFCTL" -s "$SOCK" status >"$TMP/nobody.out" 2>&1
rc=$?
chmod 0660 "$SOCK"
nobody_check "nobody on a 0666 socket: refused by SO_PEERCRED, exit 2" \
	sh -c "[ $rc = 2 ] && grep -q 'permission denied' '$TMP/nobody.out'"
nobody_check "the refusal is logged" grep -q 'refused connection from uid 65534' "$DLOG"
ctl status >/dev/null 2>&1
check "root is still served" [ $? = 0 ]

"$NFD" -d -s "$SOCK" >"$TMP/second.log" 2>&1
rc=$?
check "a second daemon does not take a live daemon's socket" \
	sh -c "[ $rc != 0 ] && grep -q 'another netfaultd answers' '$TMP/second.log'"
ctl status >/dev/null 2>&1
check "the first daemon still answers" [ $? = 0 ]

if command -v socat >/dev/null; then
	out=$(printf '{"op":"status"}\n' | socat -t 5 - "UNIX-CONNECT:$SOCK")
	check "socat, as in netfaultd(8)" sh -c "echo '$out' | grep -q '\"ok\":true'"
else
	ok "# SKIP socat is not installed"
fi

stop_pid "$DPID"
SOCK=$TMP/group.sock
start_daemon -g nogroup
check "netfaultd -g nogroup starts" [ $? = 0 ]
check "its socket is root:nogroup 0660" [ "$(stat -c '%U:%G %a' "$SOCK")" = "root:nogroup 660" ]
as_nobody "$NFCTL" -s "$SOCK" status >/dev/null 2>&1
nobody_check "a member of the group is served" [ $? = 0 ]
setpriv --reuid=nobody --regid=daemon --groups=nogroup "$NFCTL" -s "$SOCK" status >/dev/null 2>&1
nobody_check "... also as a supplementary group (SO_PEERGROUPS)" [ $? = 0 ]
setpriv --reuid=nobody --regid=daemon --clear-groups "$NFCTL" -s "$SOCK" status >/dev/null 2>&1
nobody_check "... and not without it" [ $? = 2 ]
exit 0
