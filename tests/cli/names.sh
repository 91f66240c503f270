#!/bin/sh
# names.sh: scenarios by name, as an installed netfaultctl finds them.
# `make install DESTDIR=$TMP/root PREFIX=/usr/local`, then with that bin/
# first on PATH and from a directory that holds no scenario: `netfaultctl
# run poweroff.yaml` (and `poweroff`) finds the installed example and runs it
# through the installed netfaultd; a name in the current directory and in
# $NETFAULT_PATH comes first; an unknown name exits 2 listing every place it
# looked (for run, validate and predict); `netfaultctl examples` lists the
# installed files with their names.
#
#   tests/cli/names.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root
command -v make >/dev/null || skip_all "needs make (make install)"

ROOT=$TMP/root
EX=$ROOT/usr/local/share/netfault/scenarios
make -s -C "$TOP" B="$B" install DESTDIR="$ROOT" PREFIX=/usr/local >"$TMP/install.log" 2>&1
rc=$?
check "make install DESTDIR=... PREFIX=/usr/local (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || diag <"$TMP/install.log"
installed=no
[ -x "$ROOT/usr/local/bin/netfaultctl" ] && [ -x "$ROOT/usr/local/sbin/netfaultd" ] &&
	[ -f "$EX/poweroff.yaml" ] && installed=yes
check "... installs netfaultctl, netfaultd and the examples" [ $installed = yes ]
PATH=$ROOT/usr/local/bin:$ROOT/usr/local/sbin:$PATH
export PATH
unset NETFAULT_PATH
check "PATH finds the installed netfaultctl" [ "$(command -v netfaultctl)" = "$ROOT/usr/local/bin/netfaultctl" ]
NFD=$ROOT/usr/local/sbin/netfaultd
start_daemon
check "the installed netfaultd starts" [ $? = 0 ]
mkdir -p "$TMP/elsewhere" "$TMP/mine" "$TMP/empty"
cd "$TMP/elsewhere" || exit 1

netfaultctl -s "$SOCK" run poweroff.yaml >"$TMP/run.out" 2>&1
rc=$?
check "from another directory, netfaultctl run poweroff.yaml finds the example and passes (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || diag <"$TMP/run.out"
check "... its run is the installed example's (its name in the output)" \
	grep -q 'client loses power while the server waits' "$TMP/run.out"
check "--dry-run names the file it found: the installed one" \
	[ "$(netfaultctl run --dry-run poweroff)" = "$EX/poweroff.yaml" ]

netfaultctl -s "$SOCK" run no-such-scenario >"$TMP/unknown.out" 2>&1
rc=$?
check "an unknown name exits 2 (exit $rc)" [ $rc = 2 ]
check "... saying no such scenario and the names it tried" \
	grep -q 'no-such-scenario: no such scenario; looked for no-such-scenario and no-such-scenario.yaml in:' "$TMP/unknown.out"
check "... listing the current directory" grep -q '^  \. (the current directory)' "$TMP/unknown.out"
check "... and the installed examples directory" grep -qF "  $EX (the installed examples)" "$TMP/unknown.out"
NETFAULT_PATH=$TMP/empty:$TMP/mine netfaultctl validate no-such-scenario >"$TMP/unknown2.out" 2>&1
rc=$?
listed=no
grep -qF "  $TMP/empty (\$NETFAULT_PATH)" "$TMP/unknown2.out" &&
	grep -qF "  $TMP/mine (\$NETFAULT_PATH)" "$TMP/unknown2.out" && listed=yes
check "validate of an unknown name exits 2 too (exit $rc)" [ $rc = 2 ]
check "... listing each directory of \$NETFAULT_PATH" [ $listed = yes ]

netfaultctl predict poweroff >"$TMP/predict.out" 2>&1
rc=$?
check "predict finds the installed example by name too (exit $rc)" \
	eval '[ $rc = 0 ] && grep -q "server .*timeout at" "$TMP/predict.out"'
netfaultctl predict no-such-scenario 2>"$TMP/unknown3.out"
rc=$?
check "... and an unknown name exits 2 listing where it looked (exit $rc)" \
	eval '[ $rc = 2 ] && grep -qF "  $EX (the installed examples)" "$TMP/unknown3.out"'
cp "$DATA/pass.yaml" "$TMP/mine/mine.yaml"
check "a name in \$NETFAULT_PATH is found (validate mine)" \
	env NETFAULT_PATH="$TMP/empty:$TMP/mine" netfaultctl validate mine
cp "$DATA/pass.yaml" "$TMP/mine/poweroff.yaml"
check "\$NETFAULT_PATH comes before the installed examples" \
	[ "$(NETFAULT_PATH=$TMP/mine netfaultctl run --dry-run poweroff.yaml)" = "$TMP/mine/poweroff.yaml" ]
cp "$DATA/fail.yaml" poweroff.yaml
check "the current directory comes first, and keeps the name as given" \
	[ "$(NETFAULT_PATH=$TMP/mine netfaultctl run --dry-run poweroff.yaml)" = "poweroff.yaml" ]
rm -f poweroff.yaml

netfaultctl examples >"$TMP/examples.out" 2>&1
rc=$?
check "examples: exit $rc" [ $rc = 0 ]
check "... names the installed directory" grep -qF "$EX:" "$TMP/examples.out"
missing=""
for f in "$EX"/*.yaml; do
	name=$(sed -n 's/^name: *//p' "$f" | head -n 1)
	grep -qF "$(basename "$f")" "$TMP/examples.out" && grep -qF "$name" "$TMP/examples.out" ||
		missing="$missing $(basename "$f")"
done
check "... every installed example with its name: line (missing:${missing:- none})" [ -z "$missing" ]
exit 0
