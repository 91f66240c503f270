/*
 * observe_from.c: who sent an RST or ICMP error (observe_int.h). The wire
 * knows every host's addresses: each interface's IPv4 and IPv6 address of
 * the scenario's hosts (a router or a multi-homed host has several), and
 * the topology's own for each host. A packet's IP source that one of them
 * has names that host: the peer's own RST names the peer, a firewall's
 * reject the host whose rule it is (the reset or error carries that
 * host's address), a router's ICMP error or reset the router, a NAT
 * gateway's reset the gateway (it owns the address the connection was
 * masqueraded to). An address no host of the run has is named as itself.
 *
 * A host may also answer in another's name: a load balancer's or a
 * firewall's reset of a forwarded packet carries the address the packet
 * was sent to. The frame tells: its source MAC is the last hop's, and a
 * packet no router forwarded still has the TTL (hop limit) its sender
 * gave it. When the source address is one host's but the frame came,
 * unforwarded, from another host's interface, that other host sent it
 * ("RST from lb, sent as server 10.2.0.3"). A host's TTL is 64, or its
 * net.ipv4.ip_default_ttl / net.ipv6.conf.*.hop_limit sysctl.
 */
#include "engine/observe/observe_int.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Notes CIDR's address as HOST's, once: HOST's entries so far start at
 * FIRST (no two hosts of a run share an address). */
static int host_addr_note(struct observer *o, size_t *cap, size_t first, const char *cidr,
			  size_t host)
{
	struct ip_endpoint e;
	char text[64];

	if (!cidr || !cidr[0])
		return 0;
	snprintf(text, sizeof(text), "%s", cidr);
	text[strcspn(text, "/")] = '\0';
	if (ip_endpoint_parse(&e, text, 0) < 0)
		return 0;
	for (size_t i = first; i < o->naddrs; i++)
		if (ip_endpoint_same_addr(&o->addrs[i].addr, &e))
			return 0;
	if (o->naddrs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct obs_addr *n = realloc(o->addrs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->addrs = n;
		*cap = ncap;
	}
	o->addrs[o->naddrs++] = (struct obs_addr){ .addr = e, .host = host };
	return 0;
}

int obs_addrs_build(struct engine_run *r)
{
	struct observer *o = r->obs;
	size_t cap = 0;
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < r->topo->nhosts; i++) {
		const struct topo_host *th = &r->topo->hosts[i];
		size_t first = o->naddrs;
		int sh = -1;

		/* the topology's hosts are the scenario's, in its order */
		if (i < r->sc->nhosts && strcmp(r->sc->hosts[i].name, th->name) == 0)
			sh = (int)i;
		for (size_t k = 0; sh < 0 && k < r->sc->nhosts; k++)
			if (strcmp(r->sc->hosts[k].name, th->name) == 0)
				sh = (int)k;
		ret = host_addr_note(o, &cap, first, th->addr4, i);
		if (ret == 0)
			ret = host_addr_note(o, &cap, first, th->addr6, i);
		for (size_t k = 0; ret == 0 && k < th->nifaces; k++) {
			ret = host_addr_note(o, &cap, first, th->ifaces[k].addr4, i);
			if (ret == 0)
				ret = host_addr_note(o, &cap, first, th->ifaces[k].addr6, i);
		}
		for (size_t k = 0; ret == 0 && sh >= 0 && k < r->sc->hosts[sh].nifaces; k++) {
			const struct sc_iface *f = &r->sc->hosts[sh].ifaces[k];

			ret = host_addr_note(o, &cap, first, f->addr4, i);
			if (ret == 0)
				ret = host_addr_note(o, &cap, first, f->addr6, i);
		}
	}
	return ret;
}

int obs_addr_host(const struct engine_run *r, const struct ip_endpoint *addr)
{
	const struct observer *o = r->obs;

	for (size_t i = 0; o && i < o->naddrs; i++)
		if (ip_endpoint_same_addr(&o->addrs[i].addr, addr))
			return (int)o->addrs[i].host;
	return -1;
}

/* The host one of whose interfaces has MAC, or -1. */
static int mac_host(const struct engine_run *r, const uint8_t mac[6])
{
	for (size_t i = 0; i < r->topo->nhosts; i++) {
		const struct topo_host *th = &r->topo->hosts[i];

		if (memcmp(th->mac, mac, 6) == 0)
			return (int)i;
		for (size_t k = 0; k < th->nifaces; k++)
			if (memcmp(th->ifaces[k].mac, mac, 6) == 0)
				return (int)i;
	}
	return -1;
}

/* The TTL (IPv4) or hop limit (IPv6) host H gives the packets it makes. */
static unsigned initial_ttl(const struct engine_run *r, size_t h, int family)
{
	const struct topo_host *th = &r->topo->hosts[h];
	unsigned ttl = 64;

	for (size_t k = 0; k < th->nsysctls; k++) {
		const char *key = th->sysctls[k].key, *dot = strrchr(key, '.');
		bool v4 = strcmp(key, "net.ipv4.ip_default_ttl") == 0;
		bool v6 = strncmp(key, "net.ipv6.conf.", 14) == 0 && dot &&
			  strcmp(dot, ".hop_limit") == 0;

		if ((family == AF_INET && v4) || (family == AF_INET6 && v6))
			ttl = (unsigned)strtoul(th->sysctls[k].value, NULL, 10);
	}
	return ttl;
}

/* The host that sent E, by the rules above, or -1 (no host has its
 * address). */
static int sender_host(const struct engine_run *r, const struct obs_wire_ev *e)
{
	int a = obs_addr_host(r, &e->from), m;

	if (a < 0)
		return -1;
	m = mac_host(r, e->mac);
	if (m >= 0 && m != a && e->ttl == initial_ttl(r, (size_t)m, e->from.family) &&
	    e->ttl >= initial_ttl(r, (size_t)a, e->from.family))
		return m;
	return a;
}

int obs_packet_sender(const struct engine_run *r, const struct decoded_packet *p,
		      const uint8_t *frame)
{
	struct obs_wire_ev e = { .from = p->src, .ttl = p->ttl };

	e.from.port = 0;
	memcpy(e.mac, frame + 6, 6);
	return sender_host(r, &e);
}

/* A destination unreachable's code in words. */
static const char *icmp_code_text(uint8_t proto, uint8_t code)
{
	if (proto == IPPROTO_ICMPV6) {
		switch (code) {
		case ICMP6_DST_UNREACH_NOROUTE:
			return "no route";
		case ICMP6_DST_UNREACH_ADMIN:
			return "administratively prohibited";
		case ICMP6_DST_UNREACH_BEYONDSCOPE:
			return "beyond scope";
		case ICMP6_DST_UNREACH_ADDR:
			return "address unreachable";
		case ICMP6_DST_UNREACH_NOPORT:
			return "port unreachable";
		default:
			return "destination unreachable";
		}
	}
	switch (code) {
	case ICMP_NET_UNREACH:
		return "network unreachable";
	case ICMP_HOST_UNREACH:
		return "host unreachable";
	case ICMP_PROT_UNREACH:
		return "protocol unreachable";
	case ICMP_PORT_UNREACH:
		return "port unreachable";
	case ICMP_FRAG_NEEDED:
		return "fragmentation needed";
	case ICMP_NET_ANO:
	case ICMP_HOST_ANO:
	case ICMP_PKT_FILTERED:
		return "administratively prohibited";
	default:
		return "destination unreachable";
	}
}

void obs_sent_text(const struct engine_run *r, const struct obs_wire_ev *e, char *from,
		   size_t from_len, char *sent, size_t sent_len)
{
	char addr[INET6_ADDRSTRLEN], who[96];
	int a = obs_addr_host(r, &e->from), h = sender_host(r, e);

	if (ip_endpoint_format_addr(&e->from, addr, sizeof(addr)) < 0)
		snprintf(addr, sizeof(addr), "?");
	if (h < 0) {
		snprintf(from, from_len, "%s", addr);
		snprintf(who, sizeof(who), "%s", addr);
	} else {
		snprintf(from, from_len, "%s", r->topo->hosts[h].name);
		if (h == a)
			snprintf(who, sizeof(who), "%s %s", r->topo->hosts[h].name, addr);
		else
			snprintf(who, sizeof(who), "%s, sent as %s %s", r->topo->hosts[h].name,
				 r->topo->hosts[a].name, addr);
	}
	if (e->fact == OW_ICMP_IN)
		snprintf(sent, sent_len, "ICMP %s from %s",
			 icmp_code_text(e->icmp_proto, e->icmp_code), who);
	else
		snprintf(sent, sent_len, "RST from %s", who);
}
