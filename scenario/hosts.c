/*
 * hosts.c: the hosts: section (names, addr, addr6, mac, sysctl, link), the
 * hosts made when the file has none (one per app, named after it), and the
 * default addresses 10.0.0.N/24 and fd00::N/64 (N = 1-based position, the
 * same as netns/names.c writes them), checked against the written ones so
 * that no two hosts share an address.
 *
 * Host names become namespace names (nf12-client), so they follow the
 * namespace rule; "sw" is the switch's own namespace and "all" means every
 * host in `heal: all`, so neither can name a host.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

#define ADDR_TEXT_MAX 64

static const char *const reserved_host_names[] = { "all", "sw" };

static bool name_reserved(const char *name)
{
	for (size_t i = 0; i < sizeof(reserved_host_names) / sizeof(reserved_host_names[0]); i++)
		if (strcmp(name, reserved_host_names[i]) == 0)
			return true;
	return false;
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
		sc_error(ctx, key, "\"%s\" is reserved and cannot name a host", name);
		return false;
	}
	return true;
}

/*
 * "10.0.0.5" or "10.0.0.5/24" (family AF_INET), "fd00::5" or "fd00::5/64";
 * *out gets the normalised text with its prefix, *bin the address bytes.
 */
static bool read_address(struct sc_ctx *ctx, const yaml_node_t *n, int family,
			 char **out, unsigned char bin[16])
{
	const bool v4 = family == AF_INET;
	const unsigned max_prefix = v4 ? 32 : 128;
	char addr[ADDR_TEXT_MAX], norm[ADDR_TEXT_MAX + 8];
	const char *text, *slash;
	uint64_t prefix = v4 ? 24 : 64;
	struct in6_addr a6;
	struct sc_quoted q;
	char *value;

	if (!sc_read_text(ctx, n, v4 ? "an IPv4 address" : "an IPv6 address", true, &value))
		return false;
	text = value;
	slash = strchr(text, '/');
	if (strlen(text) >= sizeof(addr) ||
	    (slash && (sc_parse_uint(slash + 1, &prefix) < 0))) {
		sc_error(ctx, n, "%s: not an %s address (expected one like %s)",
			 sc_quote(&q, text), v4 ? "IPv4" : "IPv6", v4 ? "10.0.0.5/24" : "fd00::5/64");
		goto fail;
	}
	snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
	if (inet_pton(family, addr, bin) != 1) {
		sc_error(ctx, n, "%s: not an %s address (expected one like %s)",
			 sc_quote(&q, text), v4 ? "IPv4" : "IPv6", v4 ? "10.0.0.5/24" : "fd00::5/64");
		goto fail;
	}
	if (prefix < 1 || prefix > max_prefix) {
		sc_error(ctx, n, "%s: prefix length out of range (1 to %u)", sc_quote(&q, text),
			 max_prefix);
		goto fail;
	}
	memcpy(&a6, bin, sizeof(a6));
	if ((v4 && (bin[0] == 0 || bin[0] == 127 || bin[0] >= 224)) ||
	    (!v4 && (IN6_IS_ADDR_MULTICAST(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		     IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_V4MAPPED(&a6)))) {
		sc_error(ctx, n, "%s cannot be a host's address (it is unspecified, loopback "
			 "or multicast)", sc_quote(&q, text));
		goto fail;
	}
	inet_ntop(family, bin, addr, sizeof(addr));
	snprintf(norm, sizeof(norm), "%s/%u", addr, (unsigned)prefix);
	free(value);
	*out = sc_strdup(ctx, norm);
	return *out != NULL;
fail:
	free(value);
	return false;
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

/* Reads a host's settings into H, its nodes into SRC. */
static void read_host(struct sc_ctx *ctx, struct sc_host *h, struct sc_host_src *src,
		      const yaml_node_t *map)
{
	unsigned char bin[16];
	const yaml_node_t *n;

	if (!sc_check_keys(ctx, map, &sc_schema_host,
			   "expected a mapping of host settings (or {})"))
		return;
	if ((n = sc_get(ctx, map, "addr")) && read_address(ctx, n, AF_INET, &h->addr4, bin))
		src->addr = n;
	if ((n = sc_get(ctx, map, "addr6")) && read_address(ctx, n, AF_INET6, &h->addr6, bin))
		src->addr6 = n;
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
			struct sc_host scratch = { .nsysctls = 0 };
			struct sc_host_src scratch_src = { .key = key };

			read_host(ctx, &scratch, &scratch_src, sc_node(ctx, p->value));
			sc_host_free_contents(&scratch);
			continue;
		}
		h = &sc->hosts[sc->nhosts];
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->line = sc_line(key);
		h->col = sc_col(key);
		sc_impair_init(&h->link);
		ctx->host_src[sc->nhosts].key = key;
		read_host(ctx, h, &ctx->host_src[sc->nhosts], sc_node(ctx, p->value));
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
	for (size_t i = 0; i < sc->napps; i++) {
		struct sc_host *h = &sc->hosts[sc->nhosts];

		if (name_reserved(sc->apps[i].name)) {
			sc_error(ctx, ctx->app_src[i].key, "app \"%s\" would run on a host named "
				 "\"%s\", a reserved name: add hosts: or rename the app",
				 sc->apps[i].name, sc->apps[i].name);
			continue;
		}
		snprintf(h->name, sizeof(h->name), "%s", sc->apps[i].name);
		h->line = sc->apps[i].line;
		h->col = sc->apps[i].col;
		h->implicit = true;
		sc_impair_init(&h->link);
		sc->nhosts++;
	}
}

/* The address bytes of a host's "a.b.c.d/p" text. */
static void address_bytes(const char *text, int family, unsigned char bin[16])
{
	char addr[ADDR_TEXT_MAX];

	snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(text, "/"), text);
	memset(bin, 0, 16);
	inet_pton(family, addr, bin);
}

/* Reports a host whose address another host has too. */
static void check_unique(struct sc_ctx *ctx, int family)
{
	struct scenario *sc = ctx->sc;
	unsigned char a[16], b[16];

	for (size_t i = 0; i < sc->nhosts; i++) {
		const char *ti = family == AF_INET ? sc->hosts[i].addr4 : sc->hosts[i].addr6;

		if (!ti)
			continue;
		address_bytes(ti, family, a);
		for (size_t j = 0; j < i; j++) {
			const char *tj = family == AF_INET ? sc->hosts[j].addr4 : sc->hosts[j].addr6;
			const yaml_node_t *ni = family == AF_INET ? ctx->host_src[i].addr
								  : ctx->host_src[i].addr6;
			const yaml_node_t *nj = family == AF_INET ? ctx->host_src[j].addr
								  : ctx->host_src[j].addr6;

			if (!tj)
				continue;
			address_bytes(tj, family, b);
			if (memcmp(a, b, 16) != 0)
				continue;
			/* point at a written address, preferring the later one */
			sc_error(ctx, ni ? ni : nj ? nj : ctx->host_src[i].key,
				 "hosts \"%s\" and \"%s\" have the same address %.*s%s",
				 sc->hosts[j].name, sc->hosts[i].name, (int)strcspn(ti, "/"), ti,
				 ni && nj ? "" : " (a default address is 10.0.0.N or fd00::N, "
				 "N the host's position)");
			break;
		}
	}
}

void sc_fill_addresses(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;
	char text[ADDR_TEXT_MAX];

	for (size_t i = 0; i < sc->nhosts; i++) {
		struct sc_host *h = &sc->hosts[i];

		if (!h->addr4 && !ctx->host_src[i].addr) {
			snprintf(text, sizeof(text), "10.0.0.%zu/24", i + 1);
			h->addr4 = sc_strdup(ctx, text);
		}
		if (!h->addr6 && !ctx->host_src[i].addr6) {
			snprintf(text, sizeof(text), "fd00::%zu/64", i + 1);
			h->addr6 = sc_strdup(ctx, text);
		}
	}
	check_unique(ctx, AF_INET);
	check_unique(ctx, AF_INET6);
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
