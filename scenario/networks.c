/*
 * networks.c: the top-level networks: (network name -> subnet, subnet6,
 * mtu), or the one implicit network of a file without it, and looking a
 * network up by name for the keys that name one (a host's network: and
 * addr:, a middlebox's nat:, a fault's network:).
 *
 * A network's defaults go by its position K in networks: (1-based):
 * 10.K.0.0/24 and fd00:K::/64, K written in decimal digits as host
 * addresses are. Subnets are /8 to /30 (IPv4), /8 to /126 (IPv6), with no
 * host bits set, and no two overlap, so that every address belongs to one
 * network and the routes the kernel layer computes are unambiguous. The
 * parsed subnets stay in the context (net_src) for addresses.c, which
 * checks hosts' addresses against them and gives hosts their defaults.
 *
 * The implicit network is what every file was before networks existed:
 * 10.0.0.0/24 and fd00::/64, mtu 1500, all hosts on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

#define SUBNET_TEXT_MAX 80
#define LISTED_NETWORKS_MAX 6     /* names listed in a hint before "one of N" */

static const char *const subnet_keys[2] = { "subnet", "subnet6" };
static const int families[2] = { AF_INET, AF_INET6 };

static char **subnet_text(struct sc_network *net, int fam)
{
	return fam == 0 ? &net->subnet4 : &net->subnet6;
}

/* Ranges no network may reach into: they are not hosts' addresses. */
static bool subnet_special(const struct sc_prefix *p)
{
	static const struct { int family; const char *base; unsigned len; } special[] = {
		{ AF_INET, "0.0.0.0", 8 }, { AF_INET, "127.0.0.0", 8 },
		{ AF_INET, "224.0.0.0", 3 },
		{ AF_INET6, "::", 96 }, { AF_INET6, "::ffff:0:0", 96 },
		{ AF_INET6, "fe80::", 10 }, { AF_INET6, "ff00::", 8 },
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct sc_prefix s = { .family = special[i].family, .len = special[i].len };

		if (special[i].family != p->family)
			continue;
		inet_pton(s.family, special[i].base, s.addr);
		if (sc_prefix_overlap(&s, p))
			return true;
	}
	return false;
}

/* Reads subnet: (FAM 0) or subnet6: (FAM 1) into *P and its normalised *OUT. */
static bool read_subnet(struct sc_ctx *ctx, const yaml_node_t *n, int fam,
			struct sc_prefix *p, char **out)
{
	const unsigned min = fam ? SC_MIN_PREFIX6 : SC_MIN_PREFIX4;
	const unsigned max = fam ? SC_MAX_PREFIX6 : SC_MAX_PREFIX4;
	char norm[SUBNET_TEXT_MAX];
	struct sc_quoted q;
	char *text;
	int len, r;

	if (!sc_read_text(ctx, n, fam ? "an IPv6 subnet" : "an IPv4 subnet", true, &text))
		return false;
	sc_quote(&q, text);
	memset(p, 0, sizeof(*p));
	p->family = families[fam];
	r = sc_addr_parse(text, p->family, p->addr, &len);
	free(text);
	if (r == -EINVAL) {
		sc_error(ctx, n, "%s: not an %s subnet (expected one like %s)", q.s,
			 fam ? "IPv6" : "IPv4", fam ? "fd00:1::/64" : "10.1.0.0/24");
		return false;
	}
	if (r == 0 && len < 0) {
		sc_error(ctx, n, "%s: a subnet needs a prefix length (%s/%u?)", q.s, q.s,
			 fam ? 64 : 24);
		return false;
	}
	if (r < 0 || (unsigned)len < min || (unsigned)len > max) {
		sc_error(ctx, n, "%s: prefix length out of range (/%u to /%u)", q.s, min, max);
		return false;
	}
	p->len = (unsigned)len;
	if (subnet_special(p)) {
		sc_error(ctx, n, "%s cannot be a network's subnet (it holds unspecified, loopback, "
			 "link-local or multicast addresses)", q.s);
		return false;
	}
	if (sc_prefix_clear_host(p)) {
		sc_error(ctx, n, "%s has host bits set (did you mean %s?)", q.s,
			 sc_addr_format(p->family, p->addr, (int)p->len, norm, sizeof(norm)));
		return false;
	}
	*out = sc_strdup(ctx, sc_addr_format(p->family, p->addr, (int)p->len, norm, sizeof(norm)));
	return *out != NULL;
}

/* The subnets of network K from TEXT4 and TEXT6 (defaults: valid by construction). */
static void set_subnets(struct sc_ctx *ctx, size_t k, const char *text4, const char *text6)
{
	struct sc_network *net = &ctx->sc->networks[k];
	struct sc_net_src *src = &ctx->net_src[k];
	const char *texts[2] = { text4, text6 };

	for (int fam = 0; fam < 2; fam++) {
		struct sc_prefix *p = &src->prefix[fam];
		int len;

		if (src->subnet[fam])
			continue;          /* written: read_subnet had it */
		memset(p, 0, sizeof(*p));
		p->family = families[fam];
		sc_addr_parse(texts[fam], p->family, p->addr, &len);
		p->len = (unsigned)len;
		src->prefix_ok[fam] = true;
		*subnet_text(net, fam) = sc_strdup(ctx, texts[fam]);
	}
}

static void make_implicit_network(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;
	struct sc_network *net;

	sc->networks = sc_calloc(ctx, 1, sizeof(*sc->networks));
	if (!sc->networks)
		return;
	net = &sc->networks[0];
	snprintf(net->name, sizeof(net->name), "%s", SC_IMPLICIT_NETWORK);
	net->mtu = SC_DEFAULT_MTU;
	net->implicit = true;
	sc->nnetworks = 1;
	set_subnets(ctx, 0, "10.0.0.0/24", "fd00::/64");
}

/* Reads network VALUE into NET, its nodes and parsed subnets into SRC. */
static void read_network(struct sc_ctx *ctx, struct sc_network *net, struct sc_net_src *src,
			 const yaml_node_t *value)
{
	const yaml_node_t *n;

	net->mtu = SC_DEFAULT_MTU;
	if (!sc_check_keys(ctx, value, &sc_schema_network,
			   "expected a mapping of network settings (subnet, subnet6, mtu), or nothing"))
		return;
	for (int fam = 0; fam < 2; fam++) {
		if (!(n = sc_get(ctx, value, subnet_keys[fam])))
			continue;
		src->subnet[fam] = n;
		src->prefix_ok[fam] = read_subnet(ctx, n, fam, &src->prefix[fam],
						  subnet_text(net, fam));
	}
	if ((n = sc_get(ctx, value, "mtu")))
		sc_read_int(ctx, n, "mtu", SC_MIN_MTU, SC_MAX_MTU, &net->mtu);
}

/* Reports networks whose subnets overlap, each later one once. */
static void check_overlaps(struct sc_ctx *ctx)
{
	const struct scenario *sc = ctx->sc;
	char a[SUBNET_TEXT_MAX], b[SUBNET_TEXT_MAX];

	for (int fam = 0; fam < 2; fam++) {
		for (size_t j = 0; j < sc->nnetworks; j++) {
			const struct sc_net_src *sj = &ctx->net_src[j];

			for (size_t i = 0; i < j && sj->prefix_ok[fam]; i++) {
				const struct sc_net_src *si = &ctx->net_src[i];
				const yaml_node_t *where;

				if (!si->prefix_ok[fam] || !sc_prefix_overlap(&si->prefix[fam],
									      &sj->prefix[fam]))
					continue;
				where = sj->subnet[fam] ? sj->subnet[fam] :
					si->subnet[fam] ? si->subnet[fam] : sj->key;
				sc_error(ctx, where, "networks \"%s\" and \"%s\" overlap: %s and %s%s",
					 sc->networks[i].name, sc->networks[j].name,
					 sc_addr_format(si->prefix[fam].family, si->prefix[fam].addr,
							(int)si->prefix[fam].len, a, sizeof(a)),
					 sc_addr_format(sj->prefix[fam].family, sj->prefix[fam].addr,
							(int)sj->prefix[fam].len, b, sizeof(b)),
					 si->subnet[fam] && sj->subnet[fam] ? "" :
					 " (a default subnet is 10.K.0.0/24 or fd00:K::/64, K the "
					 "network's position)");
				break;
			}
		}
	}
}

static bool check_network_name(struct sc_ctx *ctx, const yaml_node_t *key)
{
	const char *name = sc_scalar(key);
	struct sc_quoted q;

	if (!name || sc_is_null(key)) {
		sc_error(ctx, key, "expected a network name, not %s", sc_node_kind(key));
		return false;
	}
	if (!sc_name_valid(name)) {
		sc_error(ctx, key, "invalid network name \"%s\" (expected a lowercase letter, "
			 "then up to 14 lowercase letters, digits or dashes)", sc_quote(&q, name));
		return false;
	}
	return scenario_network_find(ctx->sc, name) < 0;   /* a repeat: reported */
}

void sc_read_networks(struct sc_ctx *ctx, const yaml_node_t *root)
{
	struct scenario *sc = ctx->sc;
	const yaml_node_t *map = sc_get(ctx, root, "networks");
	size_t count = sc_map_len(map), position = 0;

	ctx->networks_key = sc_get_key(ctx, root, "networks");
	if (!map || sc_is_null(map) || (sc_is_map(map) && count == 0)) {
		make_implicit_network(ctx);
		return;
	}
	sc->networks_given = true;
	if (!sc_is_map(map)) {
		sc_error(ctx, map, "expected a mapping of network names to networks, not %s",
			 sc_node_kind(map));
		return;
	}
	if (count > SC_MAX_NETWORKS) {
		sc_error(ctx, map, "too many networks: %zu (at most %d)", count, SC_MAX_NETWORKS);
		return;
	}
	sc_check_duplicates(ctx, map, "network");
	sc->networks = sc_calloc(ctx, count, sizeof(*sc->networks));
	if (!sc->networks)
		return;
	SC_FOR_PAIRS(p, map) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		struct sc_network *net = &sc->networks[sc->nnetworks];
		struct sc_net_src *src = &ctx->net_src[sc->nnetworks];
		char text4[SUBNET_TEXT_MAX], text6[SUBNET_TEXT_MAX];

		position++;
		if (!check_network_name(ctx, key)) {
			/* not a network, but its settings can still hold errors */
			struct sc_network scratch = { .mtu = 0 };
			struct sc_net_src scratch_src = { .key = key };

			read_network(ctx, &scratch, &scratch_src, sc_node(ctx, p->value));
			free(scratch.subnet4);
			free(scratch.subnet6);
			continue;
		}
		snprintf(net->name, sizeof(net->name), "%s", sc_scalar(key));
		net->line = sc_line(key);
		net->col = sc_col(key);
		src->key = key;
		read_network(ctx, net, src, sc_node(ctx, p->value));
		snprintf(text4, sizeof(text4), "10.%zu.0.0/24", position);
		snprintf(text6, sizeof(text6), "fd00:%zu::/64", position);
		set_subnets(ctx, sc->nnetworks, text4, text6);
		sc->nnetworks++;
	}
	check_overlaps(ctx);
}

int sc_find_network(struct sc_ctx *ctx, const yaml_node_t *n)
{
	const struct scenario *sc = ctx->sc;
	const char *names[SC_MAX_NETWORKS];
	const char *name = sc_scalar(n);
	struct sc_quoted q;
	char msg[256];
	int i;

	if (!name || sc_is_null(n)) {
		sc_error(ctx, n, "expected a network name, not %s", sc_node_kind(n));
		return -1;
	}
	if (!sc->networks_given) {
		sc_error(ctx, n, "unknown network \"%s\": the file has no networks: (declare "
			 "it there)", sc_quote(&q, name));
		return -1;
	}
	if (sc->nnetworks == 0)
		return -1;              /* networks: itself is in error */
	i = scenario_network_find(sc, name);
	if (i >= 0)
		return i;
	for (size_t k = 0; k < sc->nnetworks; k++)
		names[k] = sc->networks[k].name;
	snprintf(msg, sizeof(msg), "unknown network \"%s\"", sc_quote(&q, name));
	if (sc->nnetworks <= LISTED_NETWORKS_MAX)
		sc_hint(msg, sizeof(msg), name, names, sc->nnetworks);
	else if (sc_suggest(name, names, sc->nnetworks))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (did you mean %s?)",
			 sc_suggest(name, names, sc->nnetworks));
	sc_error(ctx, n, "%s", msg);
	return -1;
}

const char *sc_network_names(const struct scenario *sc, const int *nets, size_t n,
			     const char *last_sep, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (n > LISTED_NETWORKS_MAX) {
		snprintf(buf, len, "%zu networks", n);
		return buf;
	}
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? last_sep : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep,
				 nets[i] >= 0 && (size_t)nets[i] < sc->nnetworks ?
				 sc->networks[nets[i]].name : "?");

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

const char *sc_host_networks(const struct scenario *sc, const struct sc_host *h,
			     char *buf, size_t len)
{
	int nets[SC_MAX_HOST_NETWORKS];
	size_t n = 0;

	for (size_t k = 0; k < h->nifaces && n < SC_MAX_HOST_NETWORKS; k++)
		nets[n++] = h->ifaces[k].network;
	return sc_network_names(sc, nets, n, " and ", buf, len);
}
