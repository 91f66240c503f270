/*
 * link.c: links through libnl-route-3: the switch's bridge, veth pairs whose
 * peer is born inside another namespace, bridge ports, up/down, aliases.
 *
 * Links are named, not indexed: a change request that carries only the name
 * (ifindex 0) makes the kernel look the link up itself, so most changes are
 * one round trip. Up/down is the exception: libnl sends the complete flag
 * word (ifi_change 0 means "all flags"), so it first reads the link's flags
 * and changes only IFF_UP.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <net/if.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

/* Flags of a new ethernet-like link brought up at creation: IFF_MULTICAST
 * is what such a link has by default and must keep (see the top). */
#define NEW_LINK_UP_FLAGS (IFF_UP | IFF_MULTICAST)
#define LOOPBACK_IFINDEX 1 /* every namespace's first link */

static int nl_result(int nlerr)
{
	return nlerr < 0 ? nlerr_to_errno(nlerr) : 0;
}

/* Sends CHANGES for the link named NAME as one request. */
static int link_change_by_name(struct nl_sock *sk, const char *name, struct rtnl_link *changes)
{
	struct rtnl_link *orig;
	int err;

	orig = rtnl_link_alloc();
	if (!orig)
		return -ENOMEM;
	rtnl_link_set_name(changes, name);
	err = nl_result(rtnl_link_change(sk, orig, changes, 0));
	rtnl_link_put(orig);
	return err;
}

int link_index(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = NULL;
	int err;

	err = nl_result(rtnl_link_get_kernel(sk, 0, name, &link));
	if (err < 0)
		return err;
	err = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return err > 0 ? err : -ENOENT;
}

int link_bridge_add_up(struct nl_sock *sk, const char *name, int mtu)
{
	struct rtnl_link *link;
	int err;

	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	err = nl_result(rtnl_link_set_type(link, "bridge"));
	if (err < 0)
		goto out;
	rtnl_link_set_name(link, name);
	rtnl_link_set_mtu(link, (unsigned)mtu);
	rtnl_link_set_flags(link, NEW_LINK_UP_FLAGS);
	err = nl_result(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	rtnl_link_put(link);
	return err < 0 ? err : link_index(sk, name);
}

/* A veth pair NAME <-> PEER_NAME, the peer in PEER_NSFD with PEER_MAC; the
 * caller sets further attributes on the two ends before it is sent. */
static int veth_alloc(const char *name, const char *peer_name, int peer_nsfd,
		      const uint8_t *peer_mac, struct rtnl_link **link_out,
		      struct rtnl_link **peer_out)
{
	struct rtnl_link *link, *peer;
	struct nl_addr *mac;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, peer_nsfd);
	/* one queue each way, as the kernel then uses: born with more (one
	 * per possible CPU), each end is cut down to one while registered,
	 * which waits for an RCU grace period under the RTNL lock */
	rtnl_link_set_num_tx_queues(link, 1);
	rtnl_link_set_num_rx_queues(link, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	if (peer_mac) {
		mac = nl_addr_build(AF_LLC, peer_mac, 6);
		if (!mac) {
			rtnl_link_put(peer);
			rtnl_link_put(link);
			return -ENOMEM;
		}
		rtnl_link_set_addr(peer, mac);
		nl_addr_put(mac);
	}
	*link_out = link;
	*peer_out = peer;
	return 0;
}

int link_veth_port_add(struct nl_sock *sw_sk, const char *port, int master_index,
		       bool port_up, const char *host_if, int host_nsfd,
		       const uint8_t mac[6], int mtu)
{
	struct rtnl_link *link, *peer;
	int err;

	err = veth_alloc(port, host_if, host_nsfd, mac, &link, &peer);
	if (err < 0)
		return err;
	/* both ends born with the network's MTU: below 1280 the host's end
	 * never gets IPv6 at all */
	rtnl_link_set_mtu(link, (unsigned)mtu);
	rtnl_link_set_mtu(peer, (unsigned)mtu);
	rtnl_link_set_master(link, master_index);
	if (port_up)
		rtnl_link_set_flags(link, NEW_LINK_UP_FLAGS);
	/* not the peer: the kernel opens it before the pair is linked
	 * (veth_open fails ENOTCONN); the host brings it up itself */
	err = nl_result(rtnl_link_add(sw_sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(peer);
	rtnl_link_put(link);
	return err;
}

/* Reads NAME's flags, then sends them with IFF_UP set or cleared; returns
 * the link's ifindex. */
static int link_updown(struct nl_sock *sk, const char *name, bool up)
{
	struct rtnl_link *orig = NULL, *changes = NULL;
	int err;

	err = nl_result(rtnl_link_get_kernel(sk, 0, name, &orig));
	if (err < 0)
		return err;
	changes = rtnl_link_alloc();
	if (!changes) {
		err = -ENOMEM;
		goto out;
	}
	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	else
		rtnl_link_unset_flags(changes, IFF_UP);
	err = nl_result(rtnl_link_change(sk, orig, changes, 0));
	if (err == 0)
		err = rtnl_link_get_ifindex(orig);
out:
	if (changes)
		rtnl_link_put(changes);
	rtnl_link_put(orig);
	return err;
}

int link_set_up(struct nl_sock *sk, const char *name, bool up)
{
	int err = link_updown(sk, name, up);

	return err < 0 ? err : 0;
}

int link_up_index(struct nl_sock *sk, const char *name)
{
	return link_updown(sk, name, true);
}

int link_loopback_up(struct nl_sock *sk)
{
	struct rtnl_link *orig, *changes;
	int err = -ENOMEM;

	orig = rtnl_link_alloc();
	changes = rtnl_link_alloc();
	if (!orig || !changes)
		goto out;
	/* lo's only other flag, IFF_LOOPBACK, is one the kernel keeps anyway */
	rtnl_link_set_ifindex(orig, LOOPBACK_IFINDEX);
	rtnl_link_set_flags(changes, IFF_UP);
	err = nl_result(rtnl_link_change(sk, orig, changes, 0));
out:
	if (changes)
		rtnl_link_put(changes);
	if (orig)
		rtnl_link_put(orig);
	return err;
}

int link_set_alias(struct nl_sock *sk, const char *name, const char *alias)
{
	struct rtnl_link *changes;
	int err;

	changes = rtnl_link_alloc();
	if (!changes)
		return -ENOMEM;
	rtnl_link_set_ifalias(changes, alias);
	err = link_change_by_name(sk, name, changes);
	rtnl_link_put(changes);
	return err;
}

int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int err;

	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	err = nl_result(rtnl_link_delete(sk, link));
	rtnl_link_put(link);
	return err;
}
