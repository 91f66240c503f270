#!/bin/sh
# dist.sh: what can be checked here of the deployment files in dist/.
#
# dist/k8s/netfault-job.yaml parses as YAML (python3-yaml) and is an Indexed
# Job whose completions, parallelism and SHARDS agree, with privileged pods;
# its command, run by sh as the pod would run it with each
# JOB_COMPLETION_INDEX and NETFAULT_DRY_RUN=1, gives netfaultctl an
# accepted --shard K/N and the N parts cover the installed examples once.
# dist/netfault-suite, the pod's command, really runs one shard here: it
# starts its own netfaultd, runs, prints and writes JUnit, and stops it.
# dist/Containerfile starts from Debian 12, installs with
# scripts/install-deps, and every package it names itself is one
# install-deps knows. The README's CI recipes parse as YAML, and their
# shard commands, run with --dry-run for each machine, cover scenarios/.
#
# Not checked here: building the image (no container engine on this
# machine) and running the Job (no cluster).
#
#   tests/cli/dist.sh BUILD        (TAP; the real shard needs root)
. "$(dirname "$0")/lib/cli.sh"
[ -x "$NFCTL" ] || skip_all "$NFCTL not built"
JOB=$TOP/dist/k8s/netfault-job.yaml
CF=$TOP/dist/Containerfile

# ---- the Containerfile --------------------------------------------------
check "Containerfile: FROM debian:12" grep -qE '^FROM debian:12(\s|$)' "$CF"
check "... installs the dependencies with scripts/install-deps" grep -q 'sh scripts/install-deps' "$CF"
check "... builds and installs netfault (make install PREFIX=/usr)" grep -q 'make install PREFIX=/usr' "$CF"
known=$(sed -n '/^build="/,/"$/p; /^test_extra="/,/"$/p' "$TOP/scripts/install-deps" |
	sed 's/^[a-z_]*="//; s/"$//' | tr ' ' '\n' | grep -v '^$')
named=$(sed ':a; /\\$/ { N; s/\\\n//; ba; }' "$CF" | grep -o 'apt-get install[^&]*' |
	sed 's/apt-get install//' | tr ' ' '\n' | grep -v -e '^-' -e '^$')
unknown=""
for p in $named; do
	echo "$known" | grep -qx "$p" || unknown="$unknown $p"
done
check "... every package it installs itself is in install-deps (named:$(echo $named | tr '\n' ' '); unknown:${unknown:- none})" \
	eval '[ -n "$named" ] && [ -z "$unknown" ]'
missing=""
for f in $(sed -n 's/.*install -m 0755 \([^ ]*\) .*/\1/p' "$CF"); do
	[ -e "$TOP/$f" ] || missing="$missing $f"
done
check "... the files it installs exist (missing:${missing:- none})" [ -z "$missing" ]

# ---- the Job --------------------------------------------------------------
PY=""
for p in python3 /usr/bin/python3; do
	$p -c 'import yaml' 2>/dev/null && PY=$p && break
done
if [ -z "$PY" ]; then
	skip "the Job manifest: no python3 with yaml (Debian: python3-yaml)"
	exit 0
fi
$PY - "$JOB" "$TMP/job" <<'PY'
import os, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert len(docs) == 1, len(docs)
job = docs[0]
assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job", job.get("kind")
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec.get("completionMode")
pod = spec["template"]["spec"]
assert pod["restartPolicy"] == "Never"
(c,) = pod["containers"]
env = {e["name"]: e["value"] for e in c["env"]}
shards = int(env["SHARDS"])
assert spec["completions"] == shards == spec["parallelism"], (spec, shards)
sc = c.get("securityContext", {})
caps = set(sc.get("capabilities", {}).get("add", []))
assert sc.get("privileged") is True or {"NET_ADMIN", "SYS_ADMIN"} <= caps, sc
assert c["command"] == ["/bin/sh", "-c"], c["command"]
(script,) = c["args"]
assert "$JOB_COMPLETION_INDEX/$SHARDS" in script, script
os.makedirs(sys.argv[2])
open(os.path.join(sys.argv[2], "script"), "w").write(script)
open(os.path.join(sys.argv[2], "shards"), "w").write(str(shards))
open(os.path.join(sys.argv[2], "results"), "w").write(env.get("RESULTS", ""))
PY
check "the Job manifest parses as YAML: an Indexed Job, completions = parallelism = SHARDS, privileged, one sh -c command using \$JOB_COMPLETION_INDEX/\$SHARDS" [ $? = 0 ]
[ -f "$TMP/job/script" ] || exit 0

ROOT=$TMP/root
make -s -C "$TOP" B="$B" install DESTDIR="$ROOT" PREFIX=/usr/local >"$TMP/install.log" 2>&1
check "make install DESTDIR=... (exit $?)" [ -x "$ROOT/usr/local/bin/netfaultctl" ]
# the image installs with PREFIX=/usr; here the same files are under $ROOT/usr/local
script=$(sed "s|/usr/share/netfault/|$ROOT/usr/local/share/netfault/|g" "$TMP/job/script")
shards=$(cat "$TMP/job/shards")
BIN_PATH=$TOP/dist:$ROOT/usr/local/bin:$ROOT/usr/local/sbin:$PATH
: >"$TMP/union"
k=0 good=yes
while [ $k -lt "$shards" ]; do
	env PATH="$BIN_PATH" JOB_COMPLETION_INDEX=$k SHARDS="$shards" NETFAULT_DRY_RUN=1 \
		sh -c "$script" >"$TMP/part" 2>"$TMP/part.err" || { good=no; diag <"$TMP/part.err"; }
	[ -s "$TMP/part" ] || good=no
	cat "$TMP/part" >>"$TMP/union"
	k=$((k + 1))
done
check "the Job's command, for each of its $shards indexes, is accepted by netfaultctl run --shard (dry run)" [ $good = yes ]
ls "$ROOT"/usr/local/share/netfault/scenarios/*.yaml | sort >"$TMP/all"
sort "$TMP/union" >"$TMP/union.sorted"
check "... its $shards parts cover every installed example once" cmp -s "$TMP/all" "$TMP/union.sorted"

# ---- the README's CI recipes ---------------------------------------------
# Their YAML parses; their shard commands, for every machine of the matrix,
# run with --dry-run from the top of the tree, cover scenarios/ once.
$PY - "$TOP/README.md" "$TMP/ci" <<'PY'
import os, re, sys, yaml
text = open(sys.argv[1]).read()
section = text[text.index("### Shards"):text.index("### Containers")]
blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]
assert len(blocks) == 2, len(blocks)
gh, gl = blocks
job = gh["jobs"]["netfault"]
shards = job["strategy"]["matrix"]["shard"]
(script,) = [s["run"] for s in job["steps"] if "netfaultctl run" in s.get("run", "")]
os.makedirs(sys.argv[2])
for k in shards:
    cmd = script.replace("${{ matrix.shard }}", str(k))
    open(os.path.join(sys.argv[2], f"github-{k}"), "w").write(cmd)
(line,) = [l for l in gl["netfault"]["script"] if l.startswith("netfaultctl run")]
for i in range(1, gl["netfault"]["parallel"] + 1):
    open(os.path.join(sys.argv[2], f"gitlab-{i}"), "w").write(
        f"CI_NODE_INDEX={i}; CI_NODE_TOTAL={gl['netfault']['parallel']}\n{line}\n")
PY
check "the README's GitHub Actions and GitLab CI recipes parse as YAML" [ $? = 0 ]
for ci in github gitlab; do
	: >"$TMP/union"
	good=yes
	for f in "$TMP/ci/$ci"-*; do
		[ -f "$f" ] || { good=no; continue; }
		# the commands as written, without the daemon, netfaultctl --dry-run
		sed -e '/^netfaultd$/d' -e 's/netfaultctl run /netfaultctl run --dry-run /' "$f" >"$f.sh"
		(cd "$TOP" && PATH=$B:$PATH sh "$f.sh") >>"$TMP/union" 2>"$TMP/ci.err" ||
			{ good=no; diag <"$TMP/ci.err"; }
	done
	(cd "$TOP" && ls scenarios/*.yaml) | sort >"$TMP/all.rel"
	sort "$TMP/union" >"$TMP/union.sorted"
	check "... $ci: its shard commands, one per machine, cover scenarios/ once" \
		eval '[ $good = yes ] && cmp -s "$TMP/all.rel" "$TMP/union.sorted"'
done

if [ "$(id -u)" != 0 ]; then
	skip "netfault-suite for real: needs root"
	exit 0
fi
mkdir -p "$TMP/results" "$TMP/tmpdir"
env PATH="$BIN_PATH" RESULTS="$TMP/results" TMPDIR="$TMP/tmpdir" netfault-suite 0/2 "$DATA/pass.yaml" "$DATA/fail.yaml" \
	>"$TMP/suite.out" 2>&1
rc=$?
check "netfault-suite 0/2 runs its part (fail.yaml) with its own daemon: exit 1, a failed expectation (exit $rc)" [ $rc = 1 ]
check "... writes its JUnit file, one failing test case" \
	eval 'grep -q "<testcase classname=\"$DATA/fail.yaml\"" "$TMP/results/junit-0.xml" && grep -q "<failure" "$TMP/results/junit-0.xml"'
check "... and prints it between marker lines" \
	eval 'grep -q "^--- $TMP/results/junit-0.xml" "$TMP/suite.out" && grep -q "^<testsuites" "$TMP/suite.out"'
check "... and leaves no daemon and no socket behind" \
	eval '! pgrep -f -- "-s $TMP/tmpdir/" >/dev/null && [ -z "$(ls -A "$TMP/tmpdir")" ]'
exit 0
