#!/bin/sh
# mininet-topology.sh: the same single switch with N hosts built and torn
# down by Mininet (Debian's mininet package: `mn --switch lxbr --controller
# none --topo single,N --test none`), timed from the command's start to its
# end. For comparison only: bench/run prints it beside build/bench/topology.
#
#   bench/mininet-topology.sh HOSTS REPS     (root)
#
# Mininet puts its switch in the namespace it runs in: each repetition runs
# in a network namespace of its own (unshare -n), so nothing of it reaches
# the machine's own. Prints per repetition its milliseconds, then
#   RESULT <hosts> <median ms> <p90 ms> - - <reps>
# and exits 77 (nothing measured) when mn or brctl is missing.
set -u
hosts=${1:?usage: mininet-topology.sh HOSTS REPS}
reps=${2:?usage: mininet-topology.sh HOSTS REPS}

if ! command -v mn >/dev/null 2>&1 || ! command -v brctl >/dev/null 2>&1; then
	echo "mininet-topology.sh: mn or brctl missing (sh scripts/install-deps --bench)" >&2
	exit 77
fi


times=""
i=0
while [ "$i" -lt "$reps" ]; do
	start=$(date +%s%N)
	if ! unshare -n sh -c 'ip link set lo up &&
		exec mn --switch lxbr --controller none --topo "single,$1" --test none' \
		sh "$hosts" >/dev/null 2>&1; then
		echo "mininet-topology.sh: mn failed for $hosts hosts" >&2
		exit 1
	fi
	end=$(date +%s%N)
	ms=$(echo "$start $end" | awk '{ printf "%.3f", ($2 - $1) / 1e6 }')
	echo "$ms"
	times="$times $ms"
	i=$((i + 1))
done
echo "$times" | tr ' ' '\n' | grep . | sort -n | awk -v h="$hosts" -v n="$reps" '
	{ v[NR] = $1 }
	END {
		med = v[int((NR + 1) / 2)]
		r = int((NR * 90 + 99) / 100); if (r < 1) r = 1
		printf "RESULT %d %.3f %.3f - - %d\n", h, med, v[r], n
	}'
