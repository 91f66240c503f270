/*
 * addr.c: IPv4 and IPv6 addresses on links, through libnl-route-3.
 *
 * IPv6 addresses are added with IFA_F_NODAD: a host's address is usable the
 * moment it exists, with no duplicate-address-detection delay (the topology
 * also turns DAD off for the link-local address, see topology_host.c).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

int addr_cidr_family(const char *cidr)
{
	struct nl_addr *a = NULL;
	int family;

	/* the prefix is required: without it a host gets a /32 and no route */
	if (!cidr || !strchr(cidr, '/'))
		return -EINVAL;
	if (nl_addr_parse(cidr, AF_UNSPEC, &a) < 0)
		return -EINVAL;
	family = nl_addr_get_family(a);
	/* nl_addr_parse also takes "default", "any", MAC-like text and
	 * prefixes longer than the address */
	if ((family != AF_INET && family != AF_INET6) || nl_addr_iszero(a) ||
	    nl_addr_get_prefixlen(a) > nl_addr_get_len(a) * 8)
		family = -EINVAL;
	nl_addr_put(a);
	return family;
}

int addr_add_index(struct nl_sock *sk, int ifindex, const char *cidr)
{
	struct nl_addr *local = NULL;
	struct rtnl_addr *addr = NULL;
	int err;

	err = nl_addr_parse(cidr, AF_UNSPEC, &local);
	if (err < 0)
		return -EINVAL;
	addr = rtnl_addr_alloc();
	if (!addr) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	err = rtnl_addr_set_local(addr, local);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto out;
	}
	if (nl_addr_get_family(local) == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	err = rtnl_addr_add(sk, addr, 0);
	err = err < 0 ? nlerr_to_errno(err) : 0;
out:
	if (addr)
		rtnl_addr_put(addr);
	nl_addr_put(local);
	return err;
}

int addr_add(struct nl_sock *sk, const char *ifname, const char *cidr)
{
	int ifindex;

	if (addr_cidr_family(cidr) < 0)
		return -EINVAL;
	ifindex = link_index(sk, ifname);
	if (ifindex < 0)
		return ifindex;
	return addr_add_index(sk, ifindex, cidr);
}
