#!/bin/sh
# shard.sh: `netfaultctl run --shard K/N` over the example scenarios, and
# `netfaultctl junit-merge`.
#
# For N = 1 to 7, and N larger than the suite: the N parts (--dry-run lists
# a part's files) are disjoint, their union is the whole list, their sizes
# differ by one at most, and the same files given in reverse order make the
# same parts. A bad K/N is refused. Then (root) two parts of a suite of a
# passing and a failing file run with --junit, junit-merge joins the two
# files into one whose totals and test cases are both parts', an empty part
# writes an empty report, and a file that is not JUnit is refused naming it.
#
#   tests/cli/shard.sh BUILD        (TAP; the runs need root)
. "$(dirname "$0")/lib/cli.sh"
[ -x "$NFCTL" ] || skip_all "$NFCTL not built"

ls "$TOP"/scenarios/*.yaml | sort >"$TMP/all"
total=$(wc -l <"$TMP/all")
reverse=$(sort -r "$TMP/all")
for n in 1 2 3 4 5 6 7 $((total + 3)); do
	: >"$TMP/union"
	sizes=""
	same=yes
	k=0
	while [ $k -lt $n ]; do
		# shellcheck disable=SC2046
		"$NFCTL" run --shard $k/$n --dry-run $(cat "$TMP/all") >"$TMP/part" || same=error
		# shellcheck disable=SC2086
		"$NFCTL" run --dry-run $reverse --shard=$k/$n >"$TMP/part.rev" || same=error
		cmp -s "$TMP/part" "$TMP/part.rev" || same=no
		cat "$TMP/part" >>"$TMP/union"
		sizes="$sizes $(wc -l <"$TMP/part")"
		k=$((k + 1))
	done
	sort "$TMP/union" >"$TMP/union.sorted"
	check "--shard K/$n: the parts make the whole list of $total files" cmp -s "$TMP/all" "$TMP/union.sorted"
	check "... and are disjoint (no file twice)" [ "$(sort -u "$TMP/union" | wc -l)" = "$total" ]
	min=$(echo $sizes | tr ' ' '\n' | sort -n | head -n 1)
	max=$(echo $sizes | tr ' ' '\n' | sort -n | tail -n 1)
	check "... sizes differ by one at most (sizes:$sizes)" [ $((max - min)) -le 1 ]
	check "... the reverse argument order makes the same parts" [ $same = yes ]
done
for bad in 4/4 -1/4 1/0 x/2 1/ 1/2x 1/100001; do
	"$NFCTL" run --shard "$bad" --dry-run "$TOP/scenarios/poweroff.yaml" 2>"$TMP/bad.err"
	rc=$?
	check "--shard $bad is refused (exit $rc), saying what is expected" \
		eval '[ $rc = 2 ] && grep -q "expected K/N" "$TMP/bad.err"' 
done

if [ "$(id -u)" != 0 ] || [ ! -x "$NFD" ]; then
	skip "the --junit runs and junit-merge: need root and $NFD"
	exit 0
fi
start_daemon
check "the daemon starts" [ $? = 0 ]
cd "$DATA" || exit 1
ctl run --shard 0/2 --junit "$TMP/a.xml" --quiet pass.yaml fail.yaml >"$TMP/a.out" 2>&1
rc_a=$?
ctl run --shard 1/2 --junit "$TMP/b.xml" --quiet fail.yaml pass.yaml >"$TMP/b.out" 2>&1
rc_b=$?
check "part 0/2 is fail.yaml: it fails, exit 1 (exit $rc_a)" [ $rc_a = 1 ]
check "part 1/2 is pass.yaml: it passes, exit 0 (exit $rc_b)" [ $rc_b = 0 ]
ctl run --shard 5/6 --junit "$TMP/c.xml" pass.yaml fail.yaml >"$TMP/c.out" 2>&1
rc=$?
check "an empty part exits 0 (exit $rc) and says so" \
	eval '[ $rc = 0 ] && grep -q "no file falls in this part" "$TMP/c.out"' 
"$NFCTL" junit-merge "$TMP/all.xml" "$TMP/a.xml" "$TMP/b.xml" "$TMP/c.xml"
rc=$?
check "junit-merge of the three parts (exit $rc)" [ $rc = 0 ]
python3 - "$TMP/all.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0"), root.attrib
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["fail.yaml", "pass.yaml"], [s.get("name") for s in suites]
cases = {c.get("classname"): c for c in root.iter("testcase")}
assert cases["fail.yaml"].find("failure") is not None
assert cases["pass.yaml"].find("failure") is None
assert "server" in cases["fail.yaml"].find("failure").text
PY
check "... one report: 2 tests, 1 failure, both suites, the failure's text kept" [ $? = 0 ]
printf '<?xml version="1.0"?>\n<testsuites>\n<testsuite name="x">\n' >"$TMP/broken.xml"
"$NFCTL" junit-merge "$TMP/never.xml" "$TMP/a.xml" "$TMP/broken.xml" 2>"$TMP/merge.err"
rc=$?
check "junit-merge of a broken file exits 2 (exit $rc), naming it, writing nothing" \
	eval '[ $rc = 2 ] && grep -qF "$TMP/broken.xml:" "$TMP/merge.err" && [ ! -e "$TMP/never.xml" ]' 
printf '<html/>\n' >"$TMP/html.xml"
"$NFCTL" junit-merge "$TMP/never.xml" "$TMP/html.xml" 2>"$TMP/merge.err"
rc=$?
check "junit-merge of XML that is not JUnit exits 2 (exit $rc)" \
	eval '[ $rc = 2 ] && grep -q "not JUnit XML" "$TMP/merge.err"' 
exit 0
