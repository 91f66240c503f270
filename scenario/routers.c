/*
 * routers.c: which networks a host is on, and what that makes it: a
 * host's network: (its interfaces, eth0, eth1, ... in that order), the
 * middlebox: of a router (a host on two or more networks), and every
 * host's gateway, resolved once all hosts are known.
 *
 * A host without network: is on the only network when there is one (the
 * implicit network of a file without networks: included); with several,
 * network: is required. A host whose network: is in error gets no
 * interface at all, and the checks that need its networks (addresses,
 * middlebox, gateway, a fault's network:) stay silent about it, so one
 * mistake gives one error.
 *
 * A plain host's gateway is the first router (in hosts order) on one of
 * its networks unless gateway: names another or says none; a router has
 * none unless written, since the routes computed for it reach every
 * network.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

#define NAMES_TEXT_MAX 160

/* Reads the network names of VALUE into NETS and WHERE; how many, or -1. */
static int read_network_names(struct sc_ctx *ctx, const yaml_node_t *value, int *nets,
			      const yaml_node_t **where)
{
	int n = 0;
	bool bad = false;

	if (sc_is_scalar(value) && !sc_is_null(value)) {
		where[0] = value;
		nets[0] = sc_find_network(ctx, value);
		return nets[0] < 0 ? -1 : 1;
	}
	if (!sc_is_list(value) || sc_list_len(value) == 0) {
		sc_error(ctx, value, "expected a network name or a list of them, not %s",
			 sc_is_list(value) ? "an empty list" : sc_node_kind(value));
		return -1;
	}
	if (sc_list_len(value) > SC_MAX_HOST_NETWORKS) {
		sc_error(ctx, value, "too many networks: %zu (at most %d per host)",
			 sc_list_len(value), SC_MAX_HOST_NETWORKS);
		return -1;
	}
	SC_FOR_ITEMS(it, value) {
		const yaml_node_t *item = sc_node(ctx, *it);
		int net = sc_find_network(ctx, item), j;

		if (net < 0) {
			bad = true;
			continue;
		}
		for (j = 0; j < n && nets[j] != net; j++)
			;
		if (j < n) {
			sc_report_duplicate(ctx, item, "network", where[j]);
			bad = true;
			continue;
		}
		nets[n] = net;
		where[n++] = item;
	}
	return bad ? -1 : n;
}

void sc_read_host_networks(struct sc_ctx *ctx, struct sc_host *h, struct sc_host_src *src,
			   const yaml_node_t *value, bool missing)
{
	const struct scenario *sc = ctx->sc;
	int nets[SC_MAX_HOST_NETWORKS];
	const yaml_node_t *where[SC_MAX_HOST_NETWORKS] = { NULL };
	char names[NAMES_TEXT_MAX];
	int n;

	if (value) {
		n = read_network_names(ctx, value, nets, where);
	} else if (sc->nnetworks == 1) {
		nets[0] = 0;
		n = 1;
	} else {
		if (missing && sc->nnetworks > 1) {
			int all[SC_MAX_NETWORKS];

			for (size_t k = 0; k < sc->nnetworks; k++)
				all[k] = (int)k;
			sc_error(ctx, src->key, "missing key \"network\" (with several networks, "
				 "every host names its own: %s)", sc_network_names(sc, all,
				 sc->nnetworks, " or ", names, sizeof(names)));
		}
		n = -1;
	}
	if (n <= 0)
		return;
	h->ifaces = sc_calloc(ctx, (size_t)n, sizeof(*h->ifaces));
	if (!h->ifaces)
		return;
	for (int k = 0; k < n; k++) {
		h->ifaces[k].network = nets[k];
		h->ifaces[k].line = where[k] ? sc_line(where[k]) : h->line;
		h->ifaces[k].col = where[k] ? sc_col(where[k]) : h->col;
	}
	h->nifaces = (size_t)n;
	h->router = n >= 2;
}

/* idle_timeout: whole seconds, 1s to SC_MAX_IDLE_TIMEOUT. */
static void read_idle_timeout(struct sc_ctx *ctx, struct sc_middlebox *mb, const yaml_node_t *n)
{
	const int64_t second = 1000000;
	struct sc_quoted q;
	int64_t us;

	if (!sc_read_duration(ctx, n, "idle_timeout", &us))
		return;
	sc_quote(&q, sc_scalar(n));
	if (us < second || us > SC_MAX_IDLE_TIMEOUT) {
		sc_error(ctx, n, "idle_timeout %s is out of range (1s to %" PRId64 "h)", q.s,
			 (int64_t)(SC_MAX_IDLE_TIMEOUT / (3600 * second)));
		return;
	}
	if (us % second != 0) {
		sc_error(ctx, n, "idle_timeout %s is not whole seconds (the kernel counts "
			 "seconds: %" PRId64 "s or %" PRId64 "s?)", q.s, us / second,
			 us / second + 1);
		return;
	}
	mb->idle_timeout_us = us;
}

void sc_read_middlebox(struct sc_ctx *ctx, struct sc_host *h, const yaml_node_t *key,
		       const yaml_node_t *value)
{
	static const char *const expired_words[] = { "drop", "reset", "pickup", NULL };
	static const enum sc_expired expired_kinds[] = {
		SC_EXPIRED_DROP, SC_EXPIRED_RESET, SC_EXPIRED_PICKUP,
	};
	struct sc_middlebox *mb = &h->middlebox;
	const yaml_node_t *n;
	char names[NAMES_TEXT_MAX];
	int i;

	mb->enabled = true;
	mb->line = sc_line(key);
	mb->col = sc_col(key);
	if (!sc_check_keys(ctx, value, &sc_schema_middlebox, "expected a mapping of middlebox "
			   "settings (nat, idle_timeout, expired), or {}"))
		return;
	if (h->nifaces == 1)
		sc_error(ctx, key, "a middlebox needs a router: host \"%s\" is on one network, "
			 "a router on two or more", h->name);
	if ((n = sc_get(ctx, value, "nat")) && (i = sc_find_network(ctx, n)) >= 0) {
		if (sc_host_iface_on(h, i) >= 0)
			mb->nat = i;
		else if (h->nifaces > 0)
			sc_error(ctx, n, "nat: host \"%s\" is not on network \"%s\" (it is on %s)",
				 h->name, ctx->sc->networks[i].name,
				 sc_host_networks(ctx->sc, h, names, sizeof(names)));
	}
	if ((n = sc_get(ctx, value, "idle_timeout")))
		read_idle_timeout(ctx, mb, n);
	if ((n = sc_get(ctx, value, "expired")) &&
	    sc_read_word(ctx, n, "expired", expired_words, &i))
		mb->expired = expired_kinds[i];
}

static bool share_network(const struct sc_host *a, const struct sc_host *b)
{
	for (size_t k = 0; k < a->nifaces; k++)
		if (sc_host_iface_on(b, a->ifaces[k].network) >= 0)
			return true;
	return false;
}

/* gateway: N of host I: a router on one of its networks, or none. */
static void read_gateway(struct sc_ctx *ctx, size_t i, const yaml_node_t *n)
{
	const struct scenario *sc = ctx->sc;
	struct sc_host *h = &sc->hosts[i];
	const struct sc_host *g;
	char names[NAMES_TEXT_MAX];
	const char *text = sc_scalar(n);
	int gi;

	if (text && strcmp(text, "none") == 0)
		return;
	gi = sc_find_host(ctx, n);
	if (gi < 0)
		return;
	g = &sc->hosts[gi];
	if ((size_t)gi == i) {
		sc_error(ctx, n, "host \"%s\" cannot be its own gateway", h->name);
		return;
	}
	if (h->nifaces == 0 || g->nifaces == 0)
		return;                 /* their network: is in error */
	if (!g->router) {
		sc_error(ctx, n, "gateway \"%s\" is not a router (a router is a host on two or "
			 "more networks)", g->name);
		return;
	}
	if (!share_network(h, g)) {
		sc_error(ctx, n, "gateway \"%s\" is not on a network of host \"%s\" (%s)", g->name,
			 h->name, sc_host_networks(sc, h, names, sizeof(names)));
		return;
	}
	h->gateway = gi;
}

void sc_resolve_gateways(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;
	int first_router[SC_MAX_NETWORKS];

	for (size_t net = 0; net < SC_MAX_NETWORKS; net++)
		first_router[net] = -1;
	for (size_t i = 0; i < sc->nhosts; i++) {
		const struct sc_host *h = &sc->hosts[i];

		for (size_t k = 0; h->router && k < h->nifaces; k++)
			if (first_router[h->ifaces[k].network] < 0)
				first_router[h->ifaces[k].network] = (int)i;
	}
	for (size_t i = 0; i < sc->nhosts; i++) {
		struct sc_host *h = &sc->hosts[i];

		h->gateway = -1;
		if (ctx->host_src[i].gateway) {
			read_gateway(ctx, i, ctx->host_src[i].gateway);
			continue;
		}
		for (size_t k = 0; !h->router && k < h->nifaces; k++) {
			int r = first_router[h->ifaces[k].network];

			if (r >= 0 && (h->gateway < 0 || r < h->gateway))
				h->gateway = r;
		}
	}
}
