#!/bin/sh
# from.sh: who sent it, as netfaultctl shows it. crash-unread.yaml's server
# sees the client's RST: `run --json` has "from": "client" in the server's
# result and in its "verdict" event, none for the client's nothing, and the
# evidence names the sender ("RST from client 10.0.0.x"); the text output's
# timeline and summary say "rst from client".
#
#   tests/cli/from.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

start_daemon
check "the daemon starts" [ $? = 0 ]
SC=$TOP/scenarios/crash-unread.yaml

ctl run "$SC" --json >"$TMP/run.json" 2>"$TMP/run.err"
rc=$?
check "run --json crash-unread.yaml passes (exit $rc)" [ $rc = 0 ]
python3 - "$TMP/run.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
apps = {a["app"]: a for a in doc["result"]["apps"]}
server, client = apps["server"], apps["client"]
assert server["verdict"] == "rst" and server["from"] == "client", server
assert "RST from client 10.0.0." in server["evidence"], server["evidence"]
assert server["views"]["wire"]["from"] == "client", server["views"]
assert client["verdict"] == "nothing" and client["from"] is None, client
verdicts = {e["app"]: e for e in doc["events"] if e["event"] == "verdict"}
assert verdicts["server"]["from"] == "client", verdicts["server"]
assert "from" not in verdicts["client"], verdicts["client"]
PY
check "--json: the server's rst is \"from\": \"client\", in the result and its verdict event" [ $? = 0 ]

ctl run "$SC" >"$TMP/run.out" 2>&1
rc=$?
check "run crash-unread.yaml passes (exit $rc)" [ $rc = 0 ]
check "the timeline's verdict line says: sees rst from client" \
	grep -q 'server.*sees rst from client: .*RST from client 10\.0\.0\.' "$TMP/run.out"
check "the summary says: server sees rst from client at" \
	grep -qE '^ *server +sees rst from client at [0-9.]+s' "$TMP/run.out"
check "... and the client's nothing names no sender" \
	sh -c "! grep -q 'client.*sees nothing from' '$TMP/run.out'"
exit 0
