#!/bin/sh
# iproute2-topology.sh: the topology netfault's topology_build makes (a
# switch namespace with bridge br0, and per host a namespace with a veth
# pair: "pN" enslaved to br0 with the host's name as alias, "eth0" with the
# host's MAC, lo up, 10.0.0.N/24 and fd00::N/64 nodad, IPv6 DAD and router
# solicitations off; IPv6 off in the switch), made and removed the way a
# shell script would, with `ip` and `sysctl` commands. For comparison only:
# bench/run prints it beside build/bench/topology.
#
#   bench/iproute2-topology.sh HOSTS REPS [PAUSE_S]     (root)
#
# Namespaces are named nfbench-*; whatever the script made is removed on
# exit, also when interrupted. PAUSE_S seconds pass between repetitions,
# untimed (the kernel frees namespaces in the background). Prints per
# repetition "build_ms destroy_ms", then
#   RESULT <hosts> <build+destroy median ms> <p90 ms> <build median ms> <destroy median ms> <reps>
set -u
hosts=${1:?usage: iproute2-topology.sh HOSTS REPS [PAUSE_S]}
reps=${2:?usage: iproute2-topology.sh HOSTS REPS [PAUSE_S]}
pause=${3:-0}
P=nfbench

remove_all() {
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}
trap remove_all EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

build() {
	ip netns add $P-sw || return 1
	ip netns exec $P-sw sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || return 1
	ip -n $P-sw link add br0 up type bridge || return 1
	i=1
	while [ "$i" -le "$hosts" ]; do
		h=$P-h$i
		mac=$(printf '02:6e:ff:ff:%02x:%02x' $((i >> 8)) $((i & 255)))
		ip netns add $h || return 1
		ip netns exec $h sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.router_solicitations=0 || return 1
		ip -n $P-sw link add p$i master br0 up type veth \
			peer name eth0 netns $h address "$mac" || return 1
		ip -n $P-sw link set p$i alias h$i || return 1
		ip -n $h link set lo up || return 1
		ip -n $h link set eth0 up || return 1
		ip -n $h addr add 10.0.0.$i/24 dev eth0 || return 1
		ip -n $h addr add fd00::$i/64 dev eth0 nodad || return 1
		i=$((i + 1))
	done
}

destroy() {
	for ns in $P-sw $(i=1; while [ "$i" -le "$hosts" ]; do echo $P-h$i; i=$((i + 1)); done); do
		ip netns pids "$ns" | xargs -r kill -9
		ip netns del "$ns" || return 1
	done
}

if [ "$(id -u)" -ne 0 ]; then
	echo "iproute2-topology.sh: needs root (network namespaces)" >&2
	exit 77
fi
remove_all
samples=$(mktemp)
trap 'remove_all; rm -f "$samples"' EXIT
r=0
while [ "$r" -lt "$reps" ]; do
	[ "$r" -gt 0 ] && [ "$pause" != 0 ] && sleep "$pause"
	t0=$(now_ns)
	if ! build; then
		echo "iproute2-topology.sh: build of $hosts hosts failed" >&2
		exit 1
	fi
	t1=$(now_ns)
	if ! destroy; then
		echo "iproute2-topology.sh: destroy failed" >&2
		exit 1
	fi
	t2=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 ))" >>"$samples"
	r=$((r + 1))
done

# median and p90 (nearest rank) of a column of microseconds, in ms
stat_ms() { # $1 = awk expression of $1 (build) and $2 (destroy), $2 = percentile
	awk "{ print $1 }" "$samples" | sort -n |
		awk -v p="$2" '{ v[NR] = $1 } END { r = int((NR * p + 99) / 100); if (r < 1) r = 1; printf "%.3f", v[r] / 1000 }'
}
awk '{ printf "%.3f %.3f\n", $1 / 1000, $2 / 1000 }' "$samples"
echo "RESULT $hosts $(stat_ms '$1 + $2' 50) $(stat_ms '$1 + $2' 90) $(stat_ms '$1' 50) $(stat_ms '$2' 50) $reps"
