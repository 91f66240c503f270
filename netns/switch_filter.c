/*
 * switch_filter.c: what a switch does besides bridging, set up in its
 * namespace before the first host is plugged in.
 *
 * IPv6 multicast listener reports stay in the switch. Every host reports
 * the solicited-node groups of its addresses (several reports each), and a
 * Linux bridge without a multicast querier floods them to every port: on a
 * network of N hosts that is about 4 N^2 frames, which the receiving hosts
 * then discard; at 1000 hosts it was over half of the build's time. A
 * snooping switch with a querier forwards reports only towards multicast
 * routers, and none is on a scenario's network, so dropping them changes
 * nothing a host can see but the other hosts' reports in its capture.
 * Neighbour discovery is untouched: solicitations to a solicited-node
 * group are still flooded. The reports are dropped as they arrive
 * (prerouting), once each: a forward hook would see each flooded copy, one
 * per port. The filter costs about a millisecond (an
 * nftables transaction), more than the flood of a small network, so it is
 * installed where a network has more than SWITCH_FILTER_MIN_HOSTS hosts.
 *
 * Bridged packets skip the switch namespace's iptables hooks: where the
 * kernel has br_netfilter, a new namespace passes every bridged packet
 * through them by default, for nothing (the switch has no rules).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>

static const char mld_filter[] =
	"table bridge netfault_switch {\n"
	"  chain prerouting {\n"
	"    type filter hook prerouting priority 0; policy accept;\n"
	"    icmpv6 type { mld-listener-report, mld2-listener-report, mld-listener-done } drop\n"
	"  }\n"
	"}\n";

/* Present only where br_netfilter is. */
static const char *const bridge_nf_keys[] = {
	"net.bridge.bridge-nf-call-arptables",
	"net.bridge.bridge-nf-call-iptables",
	"net.bridge.bridge-nf-call-ip6tables",
};

int switch_filter_here(size_t nhosts, char *err, size_t errlen)
{
	int rc;

	for (size_t i = 0; i < sizeof(bridge_nf_keys) / sizeof(bridge_nf_keys[0]); i++) {
		rc = sysctl_write_here(bridge_nf_keys[i], "0");
		if (rc == -ENOENT)
			break;   /* no br_netfilter: none of them exists */
		if (rc < 0) {
			topo_step_failed(err, errlen, "switch: sysctl %s", bridge_nf_keys[i]);
			return rc;
		}
	}
	if (nhosts <= SWITCH_FILTER_MIN_HOSTS)
		return 0;
	return nft_script_run_here(mld_filter, err, errlen);
}
