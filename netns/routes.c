/*
 * routes.c: every host's routes, decided once from the topology and
 * installed at every boot of the host (through libnl's rtnl_route).
 *
 * The networks and the routers make a graph: a router joins the networks
 * it has interfaces on. A router reaches each network it is not on by the
 * fewest router hops (a breadth-first search from its own networks; ties go
 * to the router and network first in the topology's order), through the
 * first router on that path, at that router's address on the network they
 * share. A plain host (one interface) sends everything beyond its network
 * to its gateway: a default route via the gateway's address on their
 * network. A router with a gateway gets that default route too, after its
 * own. IPv4 and IPv6 are decided apart: a network without IPv6 (its MTU
 * below 1280) neither holds nor carries IPv6 routes.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>

/* The interface's address of FAMILY, "" when it has none. */
static const char *iface_addr(const struct topo_iface *f, int family)
{
	return family == AF_INET ? f->addr4 : f->addr6;
}

static const char *net_prefix(const struct topo_network *n, int family)
{
	return family == AF_INET ? n->prefix4 : n->prefix6;
}

/* Network N carries FAMILY. */
static bool net_carries(const struct topology *t, size_t n, int family)
{
	return net_prefix(&t->nets[n], family)[0] != '\0' &&
	       (family == AF_INET || t->nets[n].mtu >= NETNS_IPV6_MIN_MTU);
}

static int route_push(struct topo_host *h, size_t *cap, int family, const char *dst,
		      const char *via_cidr, size_t iface)
{
	struct topo_route *r;

	if (h->nroutes == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;

		r = realloc(h->routes, ncap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		h->routes = r;
		*cap = ncap;
	}
	r = &h->routes[h->nroutes++];
	r->family = family;
	r->iface = iface;
	snprintf(r->dst, sizeof(r->dst), "%s", dst);
	snprintf(r->via, sizeof(r->via), "%s", via_cidr);
	r->via[strcspn(r->via, "/")] = '\0';
	return 0;
}

/* How router R reaches the networks it is not on (see the top). */
static int router_routes(struct topology *t, size_t r, int family, size_t *cap)
{
	struct topo_host *h = &t->hosts[r];
	int dist[NETNS_MAX_NETWORKS];
	size_t queue[NETNS_MAX_NETWORKS], head = 0, tail = 0;
	/* the first hop toward each network: router and network */
	size_t hop_router[NETNS_MAX_NETWORKS], hop_net[NETNS_MAX_NETWORKS];
	int rc;

	for (size_t n = 0; n < t->nnets; n++)
		dist[n] = -1;
	for (size_t k = 0; k < h->nifaces; k++) {
		size_t n = h->ifaces[k].network;

		if (net_carries(t, n, family) && dist[n] < 0) {
			dist[n] = 0;
			queue[tail++] = n;
		}
	}
	while (head < tail) {
		size_t n = queue[head++];

		for (size_t q = 0; q < t->nhosts; q++) {
			const struct topo_host *qh = &t->hosts[q];
			int on = topology_host_iface(t, q, n);

			if (q == r || !qh->router || on < 0)
				continue;
			for (size_t k = 0; k < qh->nifaces; k++) {
				size_t m = qh->ifaces[k].network;

				if (dist[m] >= 0 || !net_carries(t, m, family))
					continue;
				dist[m] = dist[n] + 1;
				hop_router[m] = dist[n] == 0 ? q : hop_router[n];
				hop_net[m] = dist[n] == 0 ? n : hop_net[n];
				queue[tail++] = m;
			}
		}
	}
	for (size_t m = 0; m < t->nnets; m++) {
		const struct topo_host *via;
		int vk, ok;

		if (dist[m] <= 0)
			continue;
		via = &t->hosts[hop_router[m]];
		vk = topology_host_iface(t, hop_router[m], hop_net[m]);
		ok = topology_host_iface(t, r, hop_net[m]);
		rc = route_push(h, cap, family, net_prefix(&t->nets[m], family),
				iface_addr(&via->ifaces[vk], family), (size_t)ok);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Host H's default route via router G, on the first network of H's that
 * G is on too and that carries FAMILY. */
static int default_route(struct topology *t, size_t h, size_t g, int family, size_t *cap)
{
	struct topo_host *host = &t->hosts[h];

	for (size_t k = 0; k < host->nifaces; k++) {
		size_t n = host->ifaces[k].network;
		int gk = topology_host_iface(t, g, n);

		if (gk < 0 || !net_carries(t, n, family))
			continue;
		return route_push(host, cap, family, "default",
				  iface_addr(&t->hosts[g].ifaces[gk], family), k);
	}
	return 0;
}

int topo_routes_compute(struct topology *t, const struct topo_host_spec *specs,
			char *err, size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int rc;

	for (size_t h = 0; h < t->nhosts; h++) {
		struct topo_host *host = &t->hosts[h];
		size_t cap = 0;
		int g = -1;

		if (specs[h].gateway) {
			g = topology_host_find(t, specs[h].gateway);
			if (g < 0 || (size_t)g == h || !t->hosts[g].router) {
				topo_step_failed(err, errlen, "host %s: gateway %s is not a router",
						 host->name, specs[h].gateway);
				return -EINVAL;
			}
		}
		for (size_t i = 0; i < 2; i++) {
			if (host->router) {
				rc = router_routes(t, h, families[i], &cap);
				if (rc < 0)
					return rc;
			}
			if (g >= 0) {
				rc = default_route(t, h, (size_t)g, families[i], &cap);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

static int route_add(struct nl_sock *sk, const struct topo_route *r, int ifindex)
{
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL, *gw = NULL;
	int err;

	if (nl_addr_parse(r->dst, r->family, &dst) < 0 ||
	    nl_addr_parse(r->via, r->family, &gw) < 0) {
		err = -EINVAL;
		goto out;
	}
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(route, (uint8_t)r->family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(route, RTN_UNICAST);
	err = rtnl_route_set_dst(route, dst);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto out;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* the route owns it */
	err = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL);
	err = err < 0 ? nlerr_to_errno(err) : 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	nl_addr_put(dst);
	nl_addr_put(gw);
	return err;
}

int topo_routes_install(struct topology *t, size_t h, struct nl_sock *sk,
			char *err, size_t errlen)
{
	struct topo_host *host = &t->hosts[h];
	int idx[NETNS_MAX_IFACES];
	int rc;

	if (!host->nroutes)
		return 0;
	for (size_t k = 0; k < host->nifaces; k++) {
		idx[k] = link_index(sk, host->ifaces[k].ifname);
		if (idx[k] < 0) {
			topo_step_failed(err, errlen, "host %s: no %s", host->name,
					 host->ifaces[k].ifname);
			return idx[k];
		}
	}
	for (size_t i = 0; i < host->nroutes; i++) {
		const struct topo_route *r = &host->routes[i];

		rc = route_add(sk, r, idx[r->iface]);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: route %s via %s", host->name,
					 r->dst, r->via);
			return rc;
		}
	}
	return 0;
}
