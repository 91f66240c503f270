/*
 * hosts.c: the hosts: section (names, network, addr, addr6, gateway,
 * middlebox, mac, sysctl, link), and the hosts made when the file has none
 * (one per app, named after it). A host's networks and middlebox are read
 * by routers.c, its addresses by addresses.c, which also gives every
 * interface its default address once all hosts are known.
 *
 * Host names become namespace names (nf12-client), so they follow the
 * namespace rule; "sw" is the switch's own namespace, and "sw-..." those of
 * the switches of networks (nf12-sw-lan), and "all" means every host in
 * `heal: all`, so none of them can name a host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/internal.h"

#define SWITCH_PREFIX "sw-"

static const char *const reserved_host_names[] = { "all", "sw" };

static bool name_reserved(const char *name)
{
	for (size_t i = 0; i < sizeof(reserved_host_names) / sizeof(reserved_host_names[0]); i++)
		if (strcmp(name, reserved_host_names[i]) == 0)
			return true;
	return strncmp(name, SWITCH_PREFIX, strlen(SWITCH_PREFIX)) == 0;
}

/* Reports a bad host name; true when KEY can name a host. */
static bool check_host_name(struct sc_ctx *ctx, const yaml_node_t *key)
{
	const char *name = sc_scalar(key);
	struct sc_quoted q;

	if (!name || sc_is_null(key)) {
		sc_error(ctx, key, "expected a host name, not %s", sc_node_kind(key));
		return false;
	}
	if (!sc_name_valid(name)) {
		sc_error(ctx, key, "invalid host name \"%s\" (expected a lowercase letter, "
			 "then up to 14 lowercase letters, digits or dashes)", sc_quote(&q, name));
		return false;
	}
	if (name_reserved(name)) {
		sc_error(ctx, key, "\"%s\" is reserved and cannot name a host%s", name,
			 strcmp(name, "sw") && strcmp(name, "all") ? " (names that start with "
			 SWITCH_PREFIX " are the switches')" : "");
		return false;
	}
	return true;
}

static bool read_mac(struct sc_ctx *ctx, const yaml_node_t *n, uint8_t mac[6])
{
	const char *text = sc_scalar(n);
	unsigned b[6];
	struct sc_quoted q;
	char end;

	if (!text || sc_is_null(n)) {
		sc_error(ctx, n, "expected a MAC address like 02:00:00:00:00:01, not %s",
			 sc_node_kind(n));
		return false;
	}
	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &end) != 6 ||
	    strspn(text, "0123456789abcdefABCDEF:") != 17) {
		sc_error(ctx, n, "%s: not a MAC address (expected six hex bytes like "
			 "02:00:00:00:00:01)", sc_quote(&q, text));
		return false;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1) {
		sc_error(ctx, n, "%s is a multicast MAC address (the first byte must be even)",
			 text);
		return false;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		sc_error(ctx, n, "%s cannot be a host's MAC address", text);
		return false;
	}
	return true;
}

/* A per-namespace kernel setting: net.*, letters, digits, _ and -. */
static bool sysctl_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (strncmp(name, "net.", 4) != 0 || len <= 4 || name[len - 1] == '.' ||
	    strstr(name, ".."))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_-.") == len;
}

static void read_sysctls(struct sc_ctx *ctx, struct sc_host *h, const yaml_node_t *map)
{
	size_t count = sc_map_len(map);

	if (sc_is_null(map))
		return;
	if (!sc_is_map(map)) {
		sc_error(ctx, map, "expected a mapping of sysctl names to values, not %s",
			 sc_node_kind(map));
		return;
	}
	if (count > SC_MAX_SYSCTLS) {
		sc_error(ctx, map, "too many sysctls: %zu (at most %d)", count, SC_MAX_SYSCTLS);
		return;
	}
	sc_check_duplicates(ctx, map, "sysctl");
	h->sysctls = sc_calloc(ctx, count, sizeof(*h->sysctls));
	if (!h->sysctls)
		return;
	SC_FOR_PAIRS(p, map) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const yaml_node_t *value = sc_node(ctx, p->value);
		struct sc_sysctl *s = &h->sysctls[h->nsysctls];
		const char *name = sc_scalar(key);
		struct sc_quoted q;

		if (!name || !sysctl_name_valid(name)) {
			sc_error(ctx, key, "invalid sysctl name \"%s\" (expected a network "
				 "setting like net.ipv4.tcp_retries2)", sc_quote(&q, name));
			continue;
		}
		if (!sc_is_scalar(value) || sc_is_null(value)) {
			sc_error(ctx, value, "expected a value for sysctl %s, not %s", name,
				 sc_node_kind(value));
			continue;
		}
		s->line = sc_line(key);
		s->col = sc_col(key);
		s->key = sc_strdup(ctx, name);
		if (!s->key || !sc_read_text(ctx, value, "a sysctl value", true, &s->value)) {
			free(s->key);
			s->key = NULL;
			continue;
		}
		h->nsysctls++;
	}
}

/* Reads a host's settings into H, its nodes into SRC; SCRATCH: H is no host
 * (a bad or repeated name), read only for the errors in its settings. */
static void read_host(struct sc_ctx *ctx, struct sc_host *h, struct sc_host_src *src,
		      const yaml_node_t *map, bool scratch)
{
	const bool is_map = sc_check_keys(ctx, map, &sc_schema_host,
					  "expected a mapping of host settings (or {})");
	const yaml_node_t *n;

	/* a host that is no mapping is still on the only network, if one */
	sc_read_host_networks(ctx, h, src, is_map ? sc_get(ctx, map, "network") : NULL,
			      is_map && !scratch);
	if (!is_map)
		return;
	if ((n = sc_get(ctx, map, "addr")))
		sc_read_host_addr(ctx, h, src, n, AF_INET);
	if ((n = sc_get(ctx, map, "addr6")))
		sc_read_host_addr(ctx, h, src, n, AF_INET6);
	src->gateway = sc_get(ctx, map, "gateway");
	if ((n = sc_get(ctx, map, "middlebox")))
		sc_read_middlebox(ctx, h, sc_get_key(ctx, map, "middlebox"), n);
	if ((n = sc_get(ctx, map, "mac")))
		h->mac_set = read_mac(ctx, n, h->mac);
	if ((n = sc_get(ctx, map, "sysctl")))
		read_sysctls(ctx, h, n);
	if ((n = sc_get(ctx, map, "link")))
		h->has_link = sc_read_impair(ctx, n, sc_schema_child(&sc_schema_host, "link"),
					     &h->link);
}

void sc_read_hosts(struct sc_ctx *ctx, const yaml_node_t *hosts)
{
	struct scenario *sc = ctx->sc;
	size_t count = sc_map_len(hosts);

	if (!hosts || sc_is_null(hosts))
		return;
	if (!sc_is_map(hosts)) {
		sc_error(ctx, hosts, "expected a mapping of host names to hosts, not %s",
			 sc_node_kind(hosts));
		return;
	}
	if (count == 0)
		return;
	if (count > SC_MAX_HOSTS) {
		sc_error(ctx, hosts, "too many hosts: %zu (at most %d)", count, SC_MAX_HOSTS);
		return;
	}
	ctx->hosts_given = true;
	ctx->hosts_node = hosts;
	sc_check_duplicates(ctx, hosts, "host");
	sc->hosts = sc_calloc(ctx, count, sizeof(*sc->hosts));
	if (!sc->hosts)
		return;
	SC_FOR_PAIRS(p, hosts) {
		yaml_node_t *key = sc_node(ctx, p->key);
		const char *name = sc_scalar(key);
		struct sc_host *h;

		if (!check_host_name(ctx, key) || scenario_host_find(sc, name) >= 0) {
			/* not a host, but its settings can still hold errors */
			struct sc_host scratch;
			struct sc_host_src scratch_src = { .key = key };

			sc_host_init(&scratch);
			snprintf(scratch.name, sizeof(scratch.name), "%s", name ? name : "");
			read_host(ctx, &scratch, &scratch_src, sc_node(ctx, p->value), true);
			sc_host_free_contents(&scratch);
			continue;
		}
		h = &sc->hosts[sc->nhosts];
		sc_host_init(h);
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->line = sc_line(key);
		h->col = sc_col(key);
		ctx->host_src[sc->nhosts].key = key;
		read_host(ctx, h, &ctx->host_src[sc->nhosts], sc_node(ctx, p->value), false);
		sc->nhosts++;
	}
}

void sc_make_implicit_hosts(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;

	if (sc->napps == 0)
		return;
	free(sc->hosts);
	sc->nhosts = 0;
	sc->hosts = sc_calloc(ctx, sc->napps, sizeof(*sc->hosts));
	if (!sc->hosts)
		return;
	if (sc->nnetworks > 1)
		sc_error(ctx, ctx->networks_key, "with several networks every host names its "
			 "network:, so hosts: is needed (the hosts made for apps have none)");
	for (size_t i = 0; i < sc->napps; i++) {
		struct sc_host *h = &sc->hosts[sc->nhosts];

		if (name_reserved(sc->apps[i].name)) {
			sc_error(ctx, ctx->app_src[i].key, "app \"%s\" would run on a host named "
				 "\"%s\", a reserved name: add hosts: or rename the app",
				 sc->apps[i].name, sc->apps[i].name);
			continue;
		}
		sc_host_init(h);
		snprintf(h->name, sizeof(h->name), "%s", sc->apps[i].name);
		h->line = sc->apps[i].line;
		h->col = sc->apps[i].col;
		h->implicit = true;
		sc_read_host_networks(ctx, h, &ctx->host_src[sc->nhosts], NULL, false);
		sc->nhosts++;
	}
}

int sc_find_host(struct sc_ctx *ctx, const yaml_node_t *n)
{
	if (!sc_scalar(n) || sc_is_null(n)) {
		sc_error(ctx, n, "expected a host name, not %s", sc_node_kind(n));
		return -1;
	}
	return sc_find_host_named(ctx, n, sc_scalar(n));
}

int sc_find_host_named(struct sc_ctx *ctx, const yaml_node_t *n, const char *name)
{
	const struct scenario *sc = ctx->sc;
	const char *names[SC_MAX_HOSTS];
	struct sc_quoted q;
	char msg[256];
	int i;

	i = scenario_host_find(sc, name);
	if (i >= 0)
		return i;
	for (size_t k = 0; k < sc->nhosts; k++)
		names[k] = sc->hosts[k].name;
	snprintf(msg, sizeof(msg), "unknown host \"%s\"", sc_quote(&q, name));
	if (sc->nhosts <= 8)
		sc_hint(msg, sizeof(msg), name, names, sc->nhosts);
	else if (sc_suggest(name, names, sc->nhosts))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (did you mean %s?)",
			 sc_suggest(name, names, sc->nhosts));
	sc_error(ctx, n, "%s", msg);
	return -1;
}
