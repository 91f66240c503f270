#!/bin/sh
# privilege.sh: the -g group gets netfault, not root. A member of the group
# (user nobody here) runs its cmd apps as itself, with its own groups; may
# name only itself in user: (else the request is refused naming file:line:col);
# gets the cmd app's directory and files: and its pcap directories owned by
# itself, made only where it may write; and under netfaultd -C runs no cmd
# apps at all. Root's runs are as before: cmd apps as root, or as user:.
#
#   tests/cli/privilege.sh BUILD        (TAP; root)
. "$(dirname "$0")/lib/cli.sh"
require_root
getent group daemon >/dev/null || skip_all "needs the group daemon (a second group for nobody)"
# a member of the -g group nogroup, as the issue's user was
as_member() { setpriv --reuid=nobody --regid=nogroup --groups=nogroup "$@"; }

OUT=$TMP/out                      # where the cmd apps write: nobody's
mkdir "$OUT" && chown nobody:nogroup "$OUT"

# who.yaml: the issue's scenario, its only app `id > FILE`
who_yaml() { # who_yaml FILE [USER]
	cat <<EOF
name: who runs a cmd app
duration: 2s
apps:
  who:
    cmd: [/bin/sh, -c, "id > $1"]
${2:+    user: $2}
EOF
}
who_yaml "$OUT/pwned" >"$TMP/who.yaml"

start_daemon -g nogroup
check "netfaultd -g nogroup starts" [ $? = 0 ]

# ---- (a) cmd apps run as the client ------------------------------------------
as_member "$NFCTL" -s "$SOCK" run "$TMP/who.yaml" >"$TMP/a.out" 2>&1
rc=$?
nobody_check "a group member's cmd-only run passes (exit $rc)" [ $rc = 0 ]
nobody_check "its cmd app ran as the member, not root: $(cat "$OUT/pwned" 2>/dev/null)" \
	grep -q '^uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)$' "$OUT/pwned"
rm -f "$OUT/pwned"

setpriv --reuid=nobody --regid=nogroup --groups=nogroup,daemon \
	"$NFCTL" -s "$SOCK" run "$TMP/who.yaml" >/dev/null 2>&1
nobody_check "... with the member's own supplementary groups (SO_PEERGROUPS): $(cat "$OUT/pwned" 2>/dev/null)" \
	grep -q '^uid=65534(nobody) gid=65534(nogroup) groups=.*1(daemon)' "$OUT/pwned"
rm -f "$OUT/pwned"

who_yaml "$OUT/pwned" nobody >"$TMP/self.yaml"
who_yaml "$OUT/pwned65534" 65534 >"$TMP/self-uid.yaml"
as_member "$NFCTL" -s "$SOCK" run "$TMP/self.yaml" >/dev/null 2>&1 &&
	as_member "$NFCTL" -s "$SOCK" run "$TMP/self-uid.yaml" >/dev/null 2>&1
rc=$?
nobody_check "user: nobody and user: 65534 (the member itself) are accepted (exit $rc)" \
	sh -c "[ $rc = 0 ] && grep -q '^uid=65534' '$OUT/pwned' && grep -q '^uid=65534' '$OUT/pwned65534'"
rm -f "$OUT/pwned" "$OUT/pwned65534"

# ---- (c) user: names only the client -------------------------------------------
cat >"$TMP/root.yaml" <<EOF
name: asks for root
duration: 2s
apps:
  who:
    cmd: [/bin/sh, -c, "id > $OUT/pwned"]
  server:
    listen: 5000
    user: root
EOF
as_member "$NFCTL" -s "$SOCK" run "$TMP/root.yaml" >"$TMP/c.out" 2>&1
rc=$?
nobody_check "user: root from a member: refused, exit 2 (got $rc)" [ $rc = 2 ]
nobody_check "... the error names file:line:col of user: $(head -n 1 "$TMP/c.out")" \
	grep -qF "$TMP/root.yaml:8:5: app server: user \"root\": a client that is not root may run apps only as itself (uid 65534)" "$TMP/c.out"
nobody_check "... and nothing ran" [ ! -e "$OUT/pwned" ]
as_member "$NFCTL" -s "$SOCK" run "$TMP/who.yaml" --set apps.who.user=root >"$TMP/c2.out" 2>&1
rc=$?
nobody_check "--set apps.who.user=root: refused too, exit 2 (got $rc): $(head -n 1 "$TMP/c2.out")" \
	sh -c "[ $rc = 2 ] && grep -q 'app who: user \"root\": a client that is not root' '$TMP/c2.out' && [ ! -e '$OUT/pwned' ]"

# ---- (d) the app's directory and files: are the client's -----------------------
cat >"$TMP/files.yaml" <<EOF
name: files are the client's
duration: 2s
apps:
  who:
    cmd: [/bin/sh, -c, "stat -c '%U:%G %n' \${APPDIR} \${APPDIR}/app.conf \${APPDIR}/stdout.log \${APPDIR}/stderr.log > $OUT/owners"]
    files:
      app.conf: "listen 5000\n"
EOF
as_member "$NFCTL" -s "$SOCK" run "$TMP/files.yaml" >"$TMP/d.out" 2>&1
rc=$?
nobody_check "a member's cmd app with files: runs (exit $rc)" [ $rc = 0 ]
nobody_check "its directory, files: and output files are nobody:nogroup: $(cut -d' ' -f1 "$OUT/owners" 2>/dev/null | tr '\n' ' ')" \
	sh -c "[ \"\$(grep -c '^nobody:nogroup ' '$OUT/owners')\" = 4 ]"

# ---- (e) pcap directories: made as the client, owned by it ---------------------
mkdir "$TMP/caps" "$TMP/rootcaps" && chown nobody:nogroup "$TMP/caps"
as_member "$NFCTL" -s "$SOCK" run "$DATA/pass.yaml" --pcap "$TMP/caps" >"$TMP/e.out" 2>&1
rc=$?
dir=$(sed -n 's/^pcap files in \(.*\): .*/\1/p' "$TMP/e.out")
nobody_check "a member's run with --pcap in its own directory passes (exit $rc): $dir" \
	sh -c "[ $rc = 0 ] && [ -d '$dir' ]"
nobody_check "... the run's pcap directory is nobody:nogroup: $(stat -c %U:%G "$dir" 2>/dev/null)" \
	[ "$(stat -c %U:%G "$dir" 2>/dev/null)" = nobody:nogroup ]
nobody_check "... and so are its pcap files: $(stat -c '%U:%G %n' "$dir"/* 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')" \
	sh -c "ls '$dir'/*.pcap >/dev/null 2>&1 && ! stat -c %U:%G '$dir'/* | grep -v '^nobody:nogroup$'"
as_member "$NFCTL" -s "$SOCK" run "$DATA/pass.yaml" --pcap "$TMP/rootcaps" >"$TMP/e2.out" 2>&1
rc=$?
nobody_check "--pcap into a directory the member may not write: refused, exit 2 (got $rc)" \
	sh -c "[ $rc = 2 ] && grep -q 'uid 65534 may not write there' '$TMP/e2.out'"
ln -s "$TMP/rootcaps" "$TMP/caps/link"
as_member "$NFCTL" -s "$SOCK" run "$DATA/pass.yaml" --pcap "$TMP/caps/link" >"$TMP/e3.out" 2>&1
rc=$?
nobody_check "... also through a symlink of its own (exit $rc)" \
	sh -c "[ $rc = 2 ] && grep -q 'may not write there' '$TMP/e3.out'"
check "root's directory got nothing" [ -z "$(ls -A "$TMP/rootcaps")" ]

# ---- (f) root: as before ----------------------------------------------------------
ctl run "$TMP/who.yaml" >/dev/null 2>&1
rc=$?
check "root's cmd app runs as root, as before (exit $rc): $(cat "$OUT/pwned" 2>/dev/null)" \
	sh -c "[ $rc = 0 ] && grep -q '^uid=0(root)' '$OUT/pwned'"
rm -f "$OUT/pwned"
ctl run "$TMP/self.yaml" >/dev/null 2>&1
rc=$?
check "root may give user: nobody, as before (exit $rc): $(cat "$OUT/pwned" 2>/dev/null)" \
	sh -c "[ $rc = 0 ] && grep -q '^uid=65534(nobody)' '$OUT/pwned'"
rm -f "$OUT/pwned"
ctl run "$DATA/pass.yaml" --pcap "$TMP/rootcaps" >/dev/null 2>&1
rc=$?
check "root's pcap directory is root's, as before (exit $rc)" \
	sh -c "[ $rc = 0 ] && [ \"\$(stat -c %U '$TMP'/rootcaps/run-*)\" = root ]"

# ---- (b) netfaultd -C: no cmd apps for members ------------------------------------
SOCK=$TMP/nocmd.sock
start_daemon -C -g nogroup
check "netfaultd -C -g nogroup starts" [ $? = 0 ]
as_member "$NFCTL" -s "$SOCK" run "$TMP/who.yaml" >"$TMP/b.out" 2>&1
rc=$?
nobody_check "a member's cmd app under -C: refused, exit 2 (got $rc): $(head -n 1 "$TMP/b.out")" \
	sh -c "[ $rc = 2 ] && grep -qF '$TMP/who.yaml:4:3: app who: cmd: this netfaultd runs no programs for clients that are not root (netfaultd -C)' '$TMP/b.out'"
nobody_check "... and nothing was written" [ ! -e "$OUT/pwned" ]
as_member "$NFCTL" -s "$SOCK" run "$DATA/pass.yaml" >/dev/null 2>&1
rc=$?
nobody_check "... built-in apps still run for the member (exit $rc)" [ $rc = 0 ]
ctl run "$TMP/who.yaml" >/dev/null 2>&1
rc=$?
check "root's cmd app still runs under -C (exit $rc)" \
	sh -c "[ $rc = 0 ] && grep -q '^uid=0(root)' '$OUT/pwned'"

echo "1..$TAP_N"
exit $TAP_FAILED
