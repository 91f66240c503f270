/*
 * linkwait.c: waiting until a host's cable carries packets, so that
 * topology_build, topology_host_poweron and topology_host_plug return only
 * when a packet sent next gets through.
 *
 * Why there is anything to wait for: the kernel finishes bringing a link up
 * asynchronously. When a veth gets its carrier, its "link watcher" (a
 * kernel work item, which needs the RTNL lock) later sets its operstate,
 * swaps its placeholder "noop" qdisc (which drops everything) for the real
 * one, and announces the change; only then does the bridge move the port
 * from disabled to forwarding (STP is off: at once, no forward delay).
 * That is usually tens of microseconds, but milliseconds on a busy machine
 * or while the kernel is freeing earlier namespaces. A frame sent in that
 * window is lost: a lost first ARP request costs a second (the ARP
 * retransmit time) and the TCP RTT estimate taken from it triples every
 * later retransmission timeout.
 *
 * How long the link watcher takes depends on how urgent the kernel thinks
 * the change is: for a veth whose ifindex equals its peer's (the port p2 in
 * the switch namespace and the host's eth1, both ifindex 3, say: common,
 * each namespace numbers its own links) it is not urgent, and waits for
 * the watcher's next round, up to a second later (measured: 200 to 720 ms
 * for a port put back up, against 10 ms for an urgent one). A TCP
 * retransmission sent in that window is lost: after a plug, the first one
 * often was. An RTM_GETLINK of the link makes the kernel run the watcher
 * for it at once (rtnl_getlink syncs the carrier state before it answers),
 * so the first round that finds a port not ready asks for it by name, then
 * looks again.
 *
 * The link watcher sets the operstate and swaps the qdisc before it sends
 * its change notice, and IPv6 learns of the link from that notice: only
 * then does it mark the interface ready (IF_READY) and finish its
 * addresses (in a work item of its own, later still: each address joins
 * its solicited-node multicast group, then stops being tentative; with no
 * duplicate address detection too). Until then a neighbour solicitation
 * for the address goes unheard: measured on a loaded machine, a client's
 * first solicitation went out in that window and got no answer, or an
 * answer it did not take, and its SYN left only with the next
 * solicitation, a second later.
 *
 * So a cable carries packets when, in its network's switch, its port "p<N>"
 * is an operationally up, forwarding bridge port (the bridge enables a port
 * only on the link watcher's change notice, which comes after the qdisc
 * swap), and in the host its "eth<K>" is operationally up with a real
 * qdisc and, where it has an IPv6 address, IPv6 ready on it and none of
 * its IPv6 addresses tentative any more (an unplugged interface's stay
 * tentative until it has a carrier again). Every plugged cable of the
 * hosts waited for is checked. Each switch's ports are read with one AF_BRIDGE dump per round (the dump that
 * carries the port state), each host interface with one RTM_GETLINK; rounds
 * repeat with a short, growing pause until all are ready or the deadline
 * passes (-ETIMEDOUT).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/addr.h>

#define PAUSE_FIRST_NS 20000L    /* 20 us, doubling ... */
#define PAUSE_MAX_NS   1000000L  /* ... up to 1 ms */

static int64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The link's qdisc is a real one: "noop" is the placeholder of a link the
 * link watcher has not activated yet (see the top). */
static bool qdisc_active(struct rtnl_link *link)
{
	const char *q = rtnl_link_get_qdisc(link);

	return q && strcmp(q, "noop") != 0;
}

/* IPv6 has taken the link's coming up into account: the kernel's IF_READY
 * flag of the interface's IPv6 state (include/net/if_inet6.h; not in the
 * uapi headers), reported in IFLA_INET6_FLAGS. */
#define INET6_IF_READY 0x80000000u

static bool inet6_ready(struct rtnl_link *link)
{
	uint32_t flags = 0;

	return rtnl_link_inet6_get_flags(link, &flags) == 0 && (flags & INET6_IF_READY);
}

/* A host's interface IFNAME up and running, read through SK (in the host);
 * WITH_IPV6: it has an IPv6 address, which is usable only once IPv6 is
 * ready on it (see the top). */
static int host_if_ready(struct nl_sock *sk, const char *ifname, bool with_ipv6,
			 int *ifindex)
{
	struct rtnl_link *link = NULL;
	int err;

	err = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (err < 0)
		return nlerr_to_errno(err);
	*ifindex = rtnl_link_get_ifindex(link);
	err = rtnl_link_get_operstate(link) == IF_OPER_UP && qdisc_active(link) &&
	      (!with_ipv6 || inet6_ready(link));
	rtnl_link_put(link);
	return err;
}

/* 1 when every port named in PORTS (N of them, NULL entries done) forwards,
 * 0 when some does not yet, or negative errno. Marks ready ones NULL. */
static int ports_ready(struct nl_sock *sw_sk, const char **ports, size_t n)
{
	struct nl_cache *cache = NULL;
	size_t i, left = 0;
	int err;

	err = rtnl_link_alloc_cache(sw_sk, AF_BRIDGE, &cache);
	if (err < 0)
		return nlerr_to_errno(err);
	for (i = 0; i < n; i++) {
		struct rtnl_link *port;

		if (!ports[i])
			continue;
		port = rtnl_link_get_by_name(cache, ports[i]);
		if (port && rtnl_link_bridge_get_port_state(port) == BR_STATE_FORWARDING &&
		    rtnl_link_get_operstate(port) == IF_OPER_UP)
			ports[i] = NULL;
		else
			left++;
		if (port)
			rtnl_link_put(port);
	}
	nl_cache_free(cache);
	return left == 0;
}

/* Repeats CHECK(ARG) (1 ready, 0 not yet, < 0 error) until ready or
 * DEADLINE (monotonic microseconds). */
static int poll_until(int (*check)(void *arg), void *arg, int64_t deadline)
{
	long pause = PAUSE_FIRST_NS;
	int rc;

	for (;;) {
		rc = check(arg);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (now_usec() > deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ 0, pause }, NULL);
		pause = pause * 2 > PAUSE_MAX_NS ? PAUSE_MAX_NS : pause * 2;
	}
}

/* Has the link watcher do its pending work for each port still in PORTS
 * now (see the top): an RTM_GETLINK of each. */
static void ports_sync(struct nl_sock *sw_sk, const char **ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rtnl_link *port = NULL;

		if (ports[i] && rtnl_link_get_kernel(sw_sk, 0, ports[i], &port) == 0)
			rtnl_link_put(port);
	}
}

struct switch_wait {
	struct nl_sock *sw_sk;
	const char **ports;
	size_t n;
	bool synced;           /* ports_sync done for this switch */
};

/* The ports not ready at the first look are synced, once, and looked at
 * again at once: one request each for the few that need it. */
static int switch_check(void *arg)
{
	struct switch_wait *w = arg;
	int rc = ports_ready(w->sw_sk, w->ports, w->n);

	if (rc != 0 || w->synced)
		return rc;
	w->synced = true;
	ports_sync(w->sw_sk, w->ports, w->n);
	return ports_ready(w->sw_sk, w->ports, w->n);
}

/* A host's plugged interfaces (ARG: struct host_wait) all ready. */
struct host_wait {
	struct nl_sock *sk;
	const struct topo_host *h;
};

static bool index_in(int ifindex, const int *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == ifindex)
			return true;
	return false;
}

/* 1 when no IPv6 address of the host's interfaces IFINDEXES (N of them),
 * read through SK, is still tentative, 0 when one is, or negative errno.
 * The kernel joins an address's solicited-node group, without which the
 * host does not hear neighbour solicitations for it, before it clears
 * IFA_F_TENTATIVE, also for an address added without duplicate address
 * detection (see the top). */
static int host_addrs_settled(struct nl_sock *sk, const int *ifindexes, size_t n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int settled = 1, err;

	err = rtnl_addr_alloc_cache(sk, &cache);
	if (err < 0)
		return nlerr_to_errno(err);
	for (obj = nl_cache_get_first(cache); obj && settled; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *addr = (struct rtnl_addr *)obj;

		if (rtnl_addr_get_family(addr) == AF_INET6 &&
		    (rtnl_addr_get_flags(addr) & IFA_F_TENTATIVE) &&
		    index_in(rtnl_addr_get_ifindex(addr), ifindexes, n))
			settled = 0;
	}
	nl_cache_free(cache);
	return settled;
}

static int host_check(void *arg)
{
	struct host_wait *w = arg;
	int v6_ifindexes[NETNS_MAX_IFACES];
	size_t nv6 = 0;

	for (size_t k = 0; k < w->h->nifaces; k++) {
		bool with_ipv6 = w->h->ifaces[k].addr6[0] != '\0';
		int rc, ifindex = 0;

		if (!w->h->ifaces[k].plugged)
			continue;
		rc = host_if_ready(w->sk, w->h->ifaces[k].ifname, with_ipv6, &ifindex);
		if (rc <= 0)
			return rc;
		if (with_ipv6 && nv6 < NETNS_MAX_IFACES)
			v6_ifindexes[nv6++] = ifindex;
	}
	return nv6 ? host_addrs_settled(w->sk, v6_ifindexes, nv6) : 1;
}

/* Whether host I's cables are to be waited for: WHICH is the host, or
 * SIZE_MAX for all; powered hosts only (and of them the plugged cables). */
static bool wanted(const struct topo_host *h, size_t i, size_t which)
{
	return (which == SIZE_MAX || which == i) && h->powered;
}

int topo_links_wait(struct topology *t, size_t which, int timeout_ms)
{
	int64_t deadline = now_usec() + (int64_t)timeout_ms * 1000;
	struct switch_wait w = { .n = t->nhosts };
	size_t i;
	int rc = 0;

	w.ports = calloc(t->nhosts, sizeof(*w.ports));
	if (!w.ports)
		return -ENOMEM;
	/* each switch: the ports of the wanted hosts' plugged cables there */
	for (size_t n = 0; rc == 0 && n < t->nnets; n++) {
		bool any = false;

		for (i = 0; i < t->nhosts; i++) {
			int k = topology_host_iface(t, i, n);

			w.ports[i] = NULL;
			if (k >= 0 && wanted(&t->hosts[i], i, which) &&
			    t->hosts[i].ifaces[k].plugged) {
				w.ports[i] = t->hosts[i].ifaces[k].port;
				any = true;
			}
		}
		w.sw_sk = t->nets[n].sk;
		w.synced = false;
		if (any)
			rc = poll_until(switch_check, &w, deadline);
	}
	for (i = 0; rc == 0 && i < t->nhosts; i++) {
		struct host_wait hw = { NULL, &t->hosts[i] };

		if (!wanted(&t->hosts[i], i, which) || t->hosts[i].nsfd < 0)
			continue;
		rc = nlroute_open(t->hosts[i].nsfd, &hw.sk);
		if (rc == 0)
			rc = poll_until(host_check, &hw, deadline);
		nlroute_close(hw.sk);
	}
	free(w.ports);
	return rc;
}
