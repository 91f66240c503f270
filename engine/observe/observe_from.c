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
 */
#include "engine/observe/observe_int.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_addr_note(struct observer *o, size_t *cap, const char *cidr, size_t host)
{
	struct ip_endpoint e;
	char text[64];

	if (!cidr || !cidr[0])
		return 0;
	snprintf(text, sizeof(text), "%s", cidr);
	text[strcspn(text, "/")] = '\0';
	if (ip_endpoint_parse(&e, text, 0) < 0)
		return 0;
	for (size_t i = 0; i < o->naddrs; i++)
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
		int sh = -1;

		/* the topology's hosts are the scenario's, in its order */
		if (i < r->sc->nhosts && strcmp(r->sc->hosts[i].name, th->name) == 0)
			sh = (int)i;
		for (size_t k = 0; sh < 0 && k < r->sc->nhosts; k++)
			if (strcmp(r->sc->hosts[k].name, th->name) == 0)
				sh = (int)k;
		ret = host_addr_note(o, &cap, th->addr4, i);
		if (ret == 0)
			ret = host_addr_note(o, &cap, th->addr6, i);
		for (size_t k = 0; ret == 0 && sh >= 0 && k < r->sc->hosts[sh].nifaces; k++) {
			const struct sc_iface *f = &r->sc->hosts[sh].ifaces[k];

			ret = host_addr_note(o, &cap, f->addr4, i);
			if (ret == 0)
				ret = host_addr_note(o, &cap, f->addr6, i);
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

const char *obs_from_name(const struct engine_run *r, const struct ip_endpoint *addr,
			  char *buf, size_t len)
{
	int h = obs_addr_host(r, addr);

	if (h >= 0)
		snprintf(buf, len, "%s", r->topo->hosts[h].name);
	else if (ip_endpoint_format_addr(addr, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
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
	char addr[INET6_ADDRSTRLEN];
	bool known = obs_addr_host(r, &e->from) >= 0;

	obs_from_name(r, &e->from, from, from_len);
	if (ip_endpoint_format_addr(&e->from, addr, sizeof(addr)) < 0)
		snprintf(addr, sizeof(addr), "?");
	if (e->fact == OW_ICMP_IN)
		snprintf(sent, sent_len, "ICMP %s from %s%s%s",
			 icmp_code_text(e->icmp_proto, e->icmp_code), known ? from : "",
			 known ? " " : "", addr);
	else
		snprintf(sent, sent_len, "RST from %s%s%s", known ? from : "", known ? " " : "",
			 addr);
}
