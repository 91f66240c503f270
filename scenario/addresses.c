/*
 * addresses.c: the addresses of hosts' interfaces. A host's addr: and
 * addr6: are one address (a host on one network) or a mapping network ->
 * address (read here while hosts.c reads the host); once every host is
 * known, sc_fill_addresses gives every interface without a written address
 * its default by position, checks that every network's subnet holds its
 * hosts, copies each host's first interface's addresses to h->addr4 and
 * h->addr6, and reports addresses that two interfaces share.
 *
 * On the implicit network (a file without networks:) this is exactly what
 * it was before networks existed: 10.0.0.N/24 and fd00::N/64 by position,
 * and a written address taken as written, prefix and all, in or out of
 * 10.0.0.0/24. On a written network an address lies inside the subnet
 * (not its own address, not its broadcast) and takes the subnet's prefix.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

#define ADDR_TEXT_MAX 80

static char **iface_addr(struct sc_iface *f, int fam)
{
	return fam == 0 ? &f->addr4 : &f->addr6;
}

/* Checks a written address BIN (prefix LEN, -1 none) against network NET. */
static bool check_in_subnet(struct sc_ctx *ctx, const yaml_node_t *n, const char *text,
			    int fam, int net, const unsigned char bin[16], int len)
{
	const struct sc_net_src *ns = &ctx->net_src[net];
	const struct sc_prefix *p = &ns->prefix[fam];
	const char *name = ctx->sc->networks[net].name;
	char sub[ADDR_TEXT_MAX];

	if (!ns->prefix_ok[fam])
		return true;            /* the subnet's own error says it all */
	sc_addr_format(p->family, p->addr, (int)p->len, sub, sizeof(sub));
	if (!sc_prefix_contains(p, bin)) {
		sc_error(ctx, n, "%s is outside network \"%s\" (%s)", text, name, sub);
		return false;
	}
	if (len >= 0 && (unsigned)len != p->len) {
		sc_error(ctx, n, "%s: network \"%s\" is a /%u (write the address alone)", text,
			 name, p->len);
		return false;
	}
	if (sc_prefix_is_base(p, bin)) {
		sc_error(ctx, n, "%s is the address of network \"%s\" itself, not a host's", text,
			 name);
		return false;
	}
	if (sc_prefix_is_broadcast(p, bin)) {
		sc_error(ctx, n, "%s is the broadcast address of network \"%s\"", text, name);
		return false;
	}
	return true;
}

/*
 * One written address N ("10.0.0.5" or "10.0.0.5/24") of an interface on
 * network NET into *OUT, normalised and with its prefix.
 */
static bool read_address(struct sc_ctx *ctx, const yaml_node_t *n, int fam, int net,
			 char **out)
{
	const int family = fam == 0 ? AF_INET : AF_INET6;
	const bool v4 = fam == 0;
	const bool implicit = ctx->sc->networks[net].implicit;
	char norm[ADDR_TEXT_MAX];
	unsigned char bin[16];
	struct in6_addr a6;
	struct sc_quoted q;
	char *value;
	int len, r;

	if (!sc_read_text(ctx, n, v4 ? "an IPv4 address" : "an IPv6 address", true, &value))
		return false;
	sc_quote(&q, value);
	r = sc_addr_parse(value, family, bin, &len);
	free(value);
	if (r == -EINVAL) {
		sc_error(ctx, n, "%s: not an %s address (expected one like %s)", q.s,
			 v4 ? "IPv4" : "IPv6", v4 ? "10.0.0.5/24" : "fd00::5/64");
		return false;
	}
	if (r < 0 || len == 0) {
		sc_error(ctx, n, "%s: prefix length out of range (1 to %u)", q.s,
			 sc_addr_bits(family));
		return false;
	}
	memcpy(&a6, bin, sizeof(a6));
	if ((v4 && (bin[0] == 0 || bin[0] == 127 || bin[0] >= 224)) ||
	    (!v4 && (IN6_IS_ADDR_MULTICAST(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		     IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_V4MAPPED(&a6)))) {
		sc_error(ctx, n, "%s cannot be a host's address (it is unspecified, loopback "
			 "or multicast)", q.s);
		return false;
	}
	if (implicit) {
		if (len < 0)
			len = v4 ? 24 : 64;
	} else {
		if (!check_in_subnet(ctx, n, q.s, fam, net, bin, len))
			return false;
		len = (int)ctx->net_src[net].prefix[fam].len;
	}
	*out = sc_strdup(ctx, sc_addr_format(family, bin, len, norm, sizeof(norm)));
	return *out != NULL;
}

/* addr: { lan: 10.1.0.5, wan: ... } */
static void read_address_map(struct sc_ctx *ctx, struct sc_host *h, struct sc_host_src *src,
			     const yaml_node_t *map, int fam)
{
	char nets[160];

	if (!ctx->sc->networks_given) {
		sc_error(ctx, map, "expected an %s address, not a mapping (a mapping of networks "
			 "to addresses needs networks:)", fam == 0 ? "IPv4" : "IPv6");
		return;
	}
	sc_check_duplicates(ctx, map, "network");
	SC_FOR_PAIRS(p, map) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		int net = sc_find_network(ctx, key), k;
		char **addr;

		if (net < 0)
			continue;
		k = sc_host_iface_on(h, net);
		if (k < 0) {
			if (h->nifaces > 0)
				sc_error(ctx, key, "host \"%s\" is not on network \"%s\" (it is on %s)",
					 h->name, ctx->sc->networks[net].name,
					 sc_host_networks(ctx->sc, h, nets, sizeof(nets)));
			continue;
		}
		addr = iface_addr(&h->ifaces[k], fam);
		if (*addr)
			continue;           /* a repeated key, reported */
		if (read_address(ctx, sc_node(ctx, p->value), fam, net, addr))
			src->written[fam] |= (uint8_t)(1u << k);
	}
}

void sc_read_host_addr(struct sc_ctx *ctx, struct sc_host *h, struct sc_host_src *src,
		       const yaml_node_t *value, int family)
{
	const int fam = family == AF_INET ? 0 : 1;
	const char *key = fam == 0 ? "addr" : "addr6";
	char nets[160];

	if (fam == 0)
		src->addr = value;
	else
		src->addr6 = value;
	if (sc_is_map(value)) {
		read_address_map(ctx, h, src, value, fam);
		return;
	}
	if (h->nifaces == 0)
		return;                 /* its network: is in error */
	if (h->nifaces > 1 && sc_is_scalar(value)) {
		sc_error(ctx, value, "host \"%s\" is on %zu networks (%s): write %s as a mapping "
			 "of network to address, like { %s: ... }", h->name, h->nifaces,
			 sc_host_networks(ctx->sc, h, nets, sizeof(nets)), key,
			 ctx->sc->networks[h->ifaces[0].network].name);
		return;
	}
	if (read_address(ctx, value, fam, h->ifaces[0].network, iface_addr(&h->ifaces[0], fam)))
		src->written[fam] |= 1;
}

/* Reports a network whose subnet cannot hold its COUNT hosts; false then. */
static bool check_size(struct sc_ctx *ctx, size_t net, int fam, unsigned count)
{
	const struct sc_net_src *ns = &ctx->net_src[net];
	const struct sc_network *nw = &ctx->sc->networks[net];
	const unsigned min = fam == 0 ? SC_MIN_PREFIX4 : SC_MIN_PREFIX6;
	struct sc_prefix wider = ns->prefix[fam];
	char sub[ADDR_TEXT_MAX], hint[40] = "";
	unsigned holds;

	if (!ns->prefix_ok[fam])
		return false;
	holds = sc_prefix_hosts(&ns->prefix[fam]);
	if (count <= holds)
		return true;
	sc_addr_format(wider.family, wider.addr, (int)wider.len, sub, sizeof(sub));
	if (nw->implicit) {
		sc_error(ctx, ctx->hosts_node, "too many hosts for one network: %u (without "
			 "networks:, every host is on %s, which holds %u: declare networks: "
			 "with a larger subnet)", count, sub, holds);
		return false;
	}
	while (wider.len > min) {
		wider.len--;
		if (sc_prefix_hosts(&wider) >= count) {
			snprintf(hint, sizeof(hint), " (a /%u holds them)", wider.len);
			break;
		}
	}
	sc_error(ctx, ns->subnet[fam] ? ns->subnet[fam] : ns->key, "%s %s of network \"%s\" "
		 "holds %u hosts, not %u%s", fam == 0 ? "subnet" : "subnet6", sub, nw->name,
		 holds, count, hint);
	return false;
}

/* The N-th host's address of network NET into *OUT. */
static void set_default(struct sc_ctx *ctx, size_t net, int fam, unsigned n, char **out)
{
	const struct sc_prefix *p = &ctx->net_src[net].prefix[fam];
	char text[ADDR_TEXT_MAX];
	unsigned char bin[16];

	if (sc_prefix_nth(p, n, bin))
		*out = sc_strdup(ctx, sc_addr_format(p->family, bin, (int)p->len, text,
						     sizeof(text)));
}

/* ---- no address twice ---------------------------------------------------- */

struct addr_entry {
	unsigned char addr[16];
	unsigned host, iface;
};

static int compare_entries(const void *a, const void *b)
{
	const struct addr_entry *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, sizeof(x->addr));

	if (c)
		return c;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->iface < y->iface ? -1 : x->iface > y->iface;
}

/* The node of interface E's written address, or NULL. */
static const yaml_node_t *written_node(struct sc_ctx *ctx, const struct addr_entry *e, int fam)
{
	const struct sc_host_src *src = &ctx->host_src[e->host];
	const yaml_node_t *v = fam == 0 ? src->addr : src->addr6;
	const struct sc_host *h = &ctx->sc->hosts[e->host];

	if (!v || !(src->written[fam] & (1u << e->iface)))
		return NULL;
	if (sc_is_map(v))
		return sc_get(ctx, v, ctx->sc->networks[h->ifaces[e->iface].network].name);
	return v;
}

/* Reports LATER, whose address FIRST has too. */
static void report_same(struct sc_ctx *ctx, int fam, const struct addr_entry *first,
			const struct addr_entry *later)
{
	const struct scenario *sc = ctx->sc;
	const struct sc_host *hi = &sc->hosts[later->host];
	const char *text = *iface_addr(&hi->ifaces[later->iface], fam);
	const yaml_node_t *ni = written_node(ctx, later, fam);
	const yaml_node_t *nj = written_node(ctx, first, fam);
	const bool implicit = sc->networks[hi->ifaces[later->iface].network].implicit;

	if (first->host == later->host)
		return;                 /* only when subnets overlap, reported */
	/* point at a written address, preferring the later one */
	sc_error(ctx, ni ? ni : nj ? nj : ctx->host_src[later->host].key,
		 "hosts \"%s\" and \"%s\" have the same address %.*s%s",
		 sc->hosts[first->host].name, hi->name, (int)strcspn(text, "/"), text,
		 ni && nj ? "" : implicit ? " (a default address is 10.0.0.N or fd00::N, N the "
		 "host's position)" : " (a default address is the subnet's base + N, N the "
		 "host's position on the network)");
}

static void check_unique(struct sc_ctx *ctx, int fam)
{
	const struct scenario *sc = ctx->sc;
	struct addr_entry *v;
	size_t total = 0, n = 0;
	int len;

	for (size_t i = 0; i < sc->nhosts; i++)
		total += sc->hosts[i].nifaces;
	if (total < 2)
		return;
	v = sc_calloc(ctx, total, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < sc->nhosts; i++) {
		for (size_t k = 0; k < sc->hosts[i].nifaces; k++) {
			const char *text = *iface_addr(&sc->hosts[i].ifaces[k], fam);

			if (!text || sc_addr_parse(text, fam == 0 ? AF_INET : AF_INET6,
						   v[n].addr, &len) < 0)
				continue;
			v[n].host = (unsigned)i;
			v[n].iface = (unsigned)k;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), compare_entries);
	for (size_t first = 0, j = 1; j < n; j++) {
		if (memcmp(v[j].addr, v[first].addr, sizeof(v[j].addr)) != 0)
			first = j;
		else
			report_same(ctx, fam, &v[first], &v[j]);
	}
	free(v);
}

void sc_fill_addresses(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;
	unsigned count[SC_MAX_NETWORKS] = { 0 }, position[SC_MAX_NETWORKS] = { 0 };
	bool fits[SC_MAX_NETWORKS][2];

	for (size_t i = 0; i < sc->nhosts; i++)
		for (size_t k = 0; k < sc->hosts[i].nifaces; k++)
			count[sc->hosts[i].ifaces[k].network]++;
	for (size_t net = 0; net < sc->nnetworks; net++)
		for (int fam = 0; fam < 2; fam++)
			fits[net][fam] = check_size(ctx, net, fam, count[net]);
	for (size_t i = 0; i < sc->nhosts; i++) {
		struct sc_host *h = &sc->hosts[i];

		for (size_t k = 0; k < h->nifaces; k++) {
			struct sc_iface *f = &h->ifaces[k];
			unsigned n = ++position[f->network];

			for (int fam = 0; fam < 2; fam++)
				if (!*iface_addr(f, fam) && fits[f->network][fam])
					set_default(ctx, (size_t)f->network, fam, n,
						    iface_addr(f, fam));
		}
		if (h->nifaces > 0 && h->ifaces[0].addr4)
			h->addr4 = sc_strdup(ctx, h->ifaces[0].addr4);
		if (h->nifaces > 0 && h->ifaces[0].addr6)
			h->addr6 = sc_strdup(ctx, h->ifaces[0].addr6);
	}
	check_unique(ctx, 0);
	check_unique(ctx, 1);
}
