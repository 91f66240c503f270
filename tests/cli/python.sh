#!/bin/sh
# python.sh: the Python client (clients/python) against a real netfaultd:
# its own unittest suite (clients/python/tests/test_client.py: a run from
# text and from a file with its verdicts read, events streamed, --set
# values, scenario errors as exceptions, list, show, status, a run
# cancelled), then the client as `make install` installs it, imported from
# the site directory under DESTDIR, and the pytest example
# (examples/pytest/), skipped where pytest is not installed.
#
#   tests/cli/python.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root

start_daemon
check "the daemon starts" [ $? = 0 ]
NETFAULT_SOCKET=$SOCK
NETFAULT_TEST_DATA=$DATA
PYTHONDONTWRITEBYTECODE=1    # nothing left in the source tree
export NETFAULT_SOCKET NETFAULT_TEST_DATA PYTHONDONTWRITEBYTECODE

# its lines are TAP, numbered from 1: renumber them after ours
python3 "$TOP/clients/python/tests/test_client.py" >"$TMP/unit.tap" 2>"$TMP/unit.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*"# SKIP"*) skip "${line#*- }" ;;
	"ok "*) ok "${line#*- }" ;;
	"not ok "*) not_ok "${line#*- }" ;;
	esac
done <"$TMP/unit.tap"
check "the client's unittest suite exits 0 (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || diag <"$TMP/unit.err"

ROOT=$TMP/root
make -s -C "$TOP" B="$B" install DESTDIR="$ROOT" PREFIX=/usr/local >"$TMP/install.log" 2>&1
rc=$?
check "make install DESTDIR=... PREFIX=/usr/local (exit $rc)" [ $rc = 0 ]
SITE=$ROOT$(python3 "$TOP/scripts/python-sitedir" /usr/local)
check "... installs the client in Python's site directory under DESTDIR" [ -f "$SITE/netfault/client.py" ]
(cd "$TMP" && PYTHONPATH=$SITE python3 -c '
import netfault, os, sys
assert netfault.__file__.startswith(sys.argv[1]), netfault.__file__
with netfault.Client() as nf:
    r = nf.run_one(path=sys.argv[2])
    assert r.passed and r.verdict("server") == "fin", r
' "$SITE" "$DATA/pass.yaml")
check "the installed client imports from there and runs a scenario" [ $? = 0 ]

# python3 -m pytest where this python3 has it, else Debian's pytest-3
pytest=""
if python3 -c 'import pytest' 2>/dev/null; then
	pytest="python3 -m pytest"
elif command -v pytest-3 >/dev/null; then
	pytest=pytest-3
fi
if [ -n "$pytest" ]; then
	# shellcheck disable=SC2086
	(cd "$TOP/examples/pytest" && PYTHONPATH=$TOP/clients/python \
		NETFAULT_SCENARIOS=$TOP/scenarios $pytest -v -p no:cacheprovider \
		>"$TMP/pytest.out" 2>&1)
	rc=$?
	check "the pytest example passes (exit $rc)" [ $rc = 0 ]
	[ $rc = 0 ] || diag <"$TMP/pytest.out"
	check "... running its scenarios as tests, none skipped" \
		eval 'grep -qE "[0-9]+ passed" "$TMP/pytest.out" && ! grep -q " skipped" "$TMP/pytest.out"' 
else
	skip "the pytest example: pytest is not installed (Debian: python3-pytest)"
fi
exit 0
