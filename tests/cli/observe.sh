#!/bin/sh
# observe.sh: what netfaultctl shows of the watchers: --pcap writes one pcap
# file per host into a directory of the run's own (read back with tcpdump:
# the FIN and RST of crash-after-read.yaml are there), --wire shows packet
# and socket lines and nothing shows them without it, a cmd app's output
# lines always show, a bad --pcap directory is refused (by netfaultctl and
# by the daemon), and parallel runs and sweep cells with the same directory
# never share or reuse a subdirectory.
#
#   tests/cli/observe.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

start_daemon -j 4
check "the daemon starts" [ $? = 0 ]
SC=$TOP/scenarios/crash-after-read.yaml

# ---- --pcap -------------------------------------------------------------
mkdir "$TMP/caps"
ctl run "$SC" --pcap "$TMP/caps" >"$TMP/pcap.out" 2>&1
rc=$?
check "run --pcap: passes (exit $rc)" [ $rc = 0 ]
last=$(tail -n 1 "$TMP/pcap.out")
dir=$(echo "$last" | sed -n 's/^pcap files in \(.*\): .*/\1/p')
check "the text ends with where the pcap files are: $last" [ -n "$dir" ]
case $dir in
"$TMP/caps/run-"[0-9]*) ok "... in a directory of the run's own: $dir" ;;
*) not_ok "... in a directory of the run's own: '$dir'" ;;
esac
check "... one pcap file per host: $(ls "$dir" 2>/dev/null | tr '\n' ' ')" \
	[ "$(ls "$dir" 2>/dev/null | sort | tr '\n' ' ')" = "client.pcap server.pcap " ]
check "... the files are named on that line" \
	[ "$(echo "$last" | sed 's/.*: //')" = "server.pcap client.pcap" ]

if command -v tcpdump >/dev/null 2>&1; then
	# packets [TCP FLAGS] in FILE to or from the server's port
	count() {
		tcpdump -n -r "$1" "tcp port 5000 and tcp[tcpflags] & $2 != 0" 2>/dev/null |
			wc -l
	}
	for h in client server; do
		tcpdump -n -r "$dir/$h.pcap" >"$TMP/$h.txt" 2>"$TMP/$h.err"
		rc=$?
		check "tcpdump -r $h.pcap reads it (exit $rc, $(wc -l <"$TMP/$h.txt") packets)" \
			[ $rc = 0 -a -s "$TMP/$h.txt" ]
		[ $rc = 0 ] || diag <"$TMP/$h.err"
	done
	# the client's crash sends FIN (the server's verdict: fin at 1s);
	# the server's next send is answered with RST (then EPIPE)
	check "server.pcap: the client's FIN arrives" \
		[ "$(tcpdump -n -r "$dir/server.pcap" 'tcp dst port 5000 and tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)" -ge 1 ]
	check "client.pcap: the client sends that FIN" \
		[ "$(tcpdump -n -r "$dir/client.pcap" 'tcp dst port 5000 and tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)" -ge 1 ]
	check "server.pcap and client.pcap: the client's RST" \
		[ "$(count "$dir/server.pcap" tcp-rst)" -ge 1 -a "$(count "$dir/client.pcap" tcp-rst)" -ge 1 ]
	check "the FIN comes before the RST (server.pcap)" eval \
		'tcpdump -n -r "$dir/server.pcap" "tcp port 5000" 2>/dev/null |
		 grep -oE "Flags \[(F\.|R)\]" | head -n 2 | tr "\n" " " | grep -q "^Flags \[F\.\] Flags \[R\]"'
else
	skip "tcpdump -r reads the pcap files: tcpdump is not installed (scripts/install-deps --test)"
fi

# --json: the result names the directory and the files, every packet written
ctl run "$SC" --pcap "$TMP/caps" --json >"$TMP/pcap.json" 2>&1
python3 - "$TMP/pcap.json" "$TMP/caps" <<'EOF'
import json, os, sys
doc = json.loads(open(sys.argv[1]).read())
res = doc["result"]
d = res["pcap_dir"]
assert os.path.dirname(d) == sys.argv[2] and os.path.basename(d).startswith("run-"), d
caps = res["captures"]
assert sorted(c["host"] for c in caps) == ["client", "server"], caps
for c in caps:
    assert c["file"] == os.path.join(d, c["host"] + ".pcap"), c
    assert os.path.getsize(c["file"]) > 24 and c["error"] is None, c
    assert c["packets"] > 0 and c["written"] == c["packets"] and c["not_written"] == 0, c
kinds = {e["event"] for e in doc["events"]}
assert {"packet", "socket"} <= kinds, kinds
assert "views" in res["apps"][0] and "impair_engine" in res, res.keys()
EOF
check "--json: result.pcap_dir and captures name the files; packet and socket events" [ $? = 0 ]

# a taken run-ID is never reused: the run gets run-ID.2
next=$(($(last_run_id) + 1))
mkdir -p "$TMP/taken/run-$next"
ctl run "$SC" --pcap "$TMP/taken" --quiet >"$TMP/taken.out" 2>&1
check "run-$next exists already: the run writes into run-$next.2 (quiet says so too)" eval \
	'[ -f "$TMP/taken/run-$next.2/server.pcap" -a -z "$(ls "$TMP/taken/run-$next")" ] &&
	 grep -q "^pcap files in $TMP/taken/run-$next.2: " "$TMP/taken.out"'


# ---- --wire ---------------------------------------------------------------
check "without --wire: no packet or socket lines" \
	[ "$(grep -cE ' (->|<-) [0-9.]+ > [0-9.]+: |  socket ' "$TMP/pcap.out")" = 0 ]
ctl run "$SC" --wire >"$TMP/wire.out" 2>&1
rc=$?
check "run --wire: passes (exit $rc)" [ $rc = 0 ]
check "--wire: packet lines with host and arrow ($(grep -cE 'Flags \[' "$TMP/wire.out"))" \
	grep -qE '^ +[0-9.]+s  server +<- [0-9.]+ > [0-9.]+\.5000: Flags \[F\.\]' "$TMP/wire.out"
check "--wire: the client's RST is shown leaving it" \
	grep -qE '^ +[0-9.]+s  client +-> [0-9.]+ > [0-9.]+\.5000: Flags \[R\]' "$TMP/wire.out"
check "--wire: socket lines (the server's CLOSE_WAIT)" \
	grep -qE '^ +[0-9.]+s  server +socket [0-9.]+:5000 -> [0-9.]+:[0-9]+: CLOSE_WAIT' "$TMP/wire.out"
id=$(sed -n 's/^run \([0-9]*\): .*/\1/p' "$TMP/wire.out" | head -n 1)
ctl show "$id" --wire >"$TMP/show-wire.out" 2>&1
ctl show "$id" >"$TMP/show.out" 2>&1
check "show --wire prints what run --wire printed" \
	cmp -s "$TMP/wire.out" "$TMP/show-wire.out"
check "show without --wire: no packet lines" [ "$(grep -c 'Flags \[' "$TMP/show.out")" = 0 ]
check "show ends with the evidence and verdicts as run does" \
	[ "$(grep -c 'evidence: ' "$TMP/show.out")" = 2 ]

# ---- a cmd app's output -------------------------------------------------
ctl run "$DATA/talk.yaml" >"$TMP/talk.out" 2>&1
rc=$?
check "talk.yaml passes (exit $rc)" [ $rc = 0 ]
check "output lines print with the app and stream, without --wire" \
	grep -qE '^ +[0-9.]+s  talker +stdout: hello from talker$' "$TMP/talk.out"
check "... stderr too" grep -qE '^ +[0-9.]+s  talker +stderr: complaint$' "$TMP/talk.out"
check "the summary shows the cmd app's last output lines" eval \
	'grep -A2 "output, last 2 lines:" "$TMP/talk.out" | grep -q "stderr: complaint"'
[ $TAP_FAILED = 0 ] || diag <"$TMP/talk.out"

# ---- bad directories ------------------------------------------------------
(cd "$TMP" && "$NFCTL" -s "$SOCK" run "$SC" --pcap caps) >"$TMP/bad.out" 2>&1
rc=$?
check "--pcap relative: exit 2 ($rc), says so" eval \
	'[ $rc = 2 ] && grep -q "not an absolute path" "$TMP/bad.out"'
ctl run "$SC" --pcap "$TMP/missing" >"$TMP/bad.out" 2>&1
rc=$?
check "--pcap missing: exit 2 ($rc), says so" eval \
	'[ $rc = 2 ] && grep -q "$TMP/missing: no such directory" "$TMP/bad.out"'
ctl run "$SC" --pcap "$DLOG" >"$TMP/bad.out" 2>&1
rc=$?
check "--pcap a file: exit 2 ($rc), says so" eval \
	'[ $rc = 2 ] && grep -q "not a directory" "$TMP/bad.out"'
PYTHONPATH=$TOP/tests/cli/lib python3 - "$SOCK" "$SC" "$TMP" <<'EOF'
import nfsock, sys
sock, sc, tmp = sys.argv[1:]
text = open(sc).read()
for pcap, says in (("caps", "not an absolute path"),
                   (tmp + "/caps/../caps", '".."'),
                   (tmp + "/missing", "no such directory"),
                   (7, "must be"),
                   ("/" + "x" * 300, "bytes")):
    c = nfsock.Conn(sock)
    c.send({"op": "run", "file": "x.yaml", "text": text, "pcap": pcap})
    r = c.recv()
    assert r["type"] == "error" and says in r["error"], (pcap, r)
EOF
check "the daemon refuses a relative, '..', missing, non-text or long pcap" [ $? = 0 ]

# ---- parallel runs and sweeps ---------------------------------------------
mkdir "$TMP/par"
"$NFCTL" -s "$SOCK" run "$SC" --pcap "$TMP/par" >"$TMP/p1.out" 2>&1 &
p1=$!
"$NFCTL" -s "$SOCK" run "$SC" --pcap "$TMP/par" >"$TMP/p2.out" 2>&1 &
p2=$!
CPIDS="$CPIDS $p1 $p2"
wait $p1
r1=$?
wait $p2
r2=$?
check "two runs at once with the same --pcap: both pass ($r1, $r2)" [ $r1 = 0 -a $r2 = 0 ]
d1=$(sed -n 's/^pcap files in \(.*\): .*/\1/p' "$TMP/p1.out")
d2=$(sed -n 's/^pcap files in \(.*\): .*/\1/p' "$TMP/p2.out")
check "... in separate subdirectories ($d1, $d2)" [ -n "$d1" -a -n "$d2" -a "$d1" != "$d2" ]
check "... each with its own two files" \
	[ "$(ls "$TMP/par"/*/*.pcap | wc -l)" = 4 -a "$(ls "$TMP/par" | wc -l)" = 2 ]

mkdir "$TMP/sweep"
ctl run "$SC" --pcap "$TMP/sweep" --set apps.server.tcp.user_timeout=2s,4s \
	>"$TMP/sweep.out" 2>&1
rc=$?
check "a sweep with --pcap: passes (exit $rc), one directory per cell" \
	[ $rc = 0 -a "$(ls "$TMP/sweep" | wc -l)" = 2 -a "$(ls "$TMP/sweep"/*/*.pcap | wc -l)" = 4 ]

exit 0
