/*
 * targets.c: resolves each connect: target into target_host / target_addr /
 * target_port, once every app's host and listen port are known.
 *
 *   APP          that app's host and listen port (the app must listen)
 *   HOST         that host and the port of its first listening app
 *   HOST:PORT    that host, that port
 *   ADDR:PORT    a literal address: 10.0.0.9:80 or [fd00::9]:80
 *                (target_host -1; an IPv6 literal makes the app's family
 *                ipv6 unless family: says otherwise, which is an error)
 *
 * A name is looked up as an app first: when hosts: is absent every app has
 * a host of its own name, and the app is what the user means.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/internal.h"

#define TARGET_TEXT_MAX 64

static bool read_target_port(struct sc_ctx *ctx, const yaml_node_t *n, const char *text,
			     const char *port_text, int *port)
{
	uint64_t v;
	struct sc_quoted q;

	if (sc_parse_uint(port_text, &v) < 0 || v < 1 || v > 65535) {
		sc_error(ctx, n, "%s: expected a port from 1 to 65535 after the colon",
			 sc_quote(&q, text));
		return false;
	}
	*port = (int)v;
	return true;
}

static void set_literal(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *n,
			const char *addr, int family)
{
	const struct sc_app_src *src = &ctx->app_src[app - ctx->sc->apps];

	if (src->family_given && app->family != family) {
		sc_error(ctx, n, "%s is an %s address, but this app's family is %s", addr,
			 family == AF_INET ? "IPv4" : "IPv6",
			 app->family == AF_INET ? "ipv4" : "ipv6");
		return;
	}
	app->family = family;
	app->target_host = -1;
	app->target_addr = sc_strdup(ctx, addr);
}

/* "[fd00::2]:5000" */
static void resolve_bracketed(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *n)
{
	const char *text = app->connect;
	const char *close = strchr(text, ']');
	char addr[TARGET_TEXT_MAX];
	unsigned char bin[16];
	struct sc_quoted q;

	if (!close || close[1] != ':' || (size_t)(close - text) >= sizeof(addr)) {
		sc_error(ctx, n, "%s: expected [IPv6 address]:PORT, like [fd00::2]:5000",
			 sc_quote(&q, text));
		return;
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)(close - text - 1), text + 1);
	if (inet_pton(AF_INET6, addr, bin) != 1) {
		sc_error(ctx, n, "%s: not an IPv6 address", sc_quote(&q, addr));
		return;
	}
	if (read_target_port(ctx, n, text, close + 2, &app->target_port))
		set_literal(ctx, app, n, addr, AF_INET6);
}

/* "server:5000" or "10.0.0.2:5000" */
static void resolve_with_port(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *n,
			      const char *colon)
{
	const char *text = app->connect;
	char left[TARGET_TEXT_MAX];
	unsigned char bin[16];
	struct sc_quoted q;
	int host;

	if (strchr(text, ':') != colon) {
		sc_error(ctx, n, "%s: write an IPv6 address in brackets, like [fd00::2]:5000",
			 sc_quote(&q, text));
		return;
	}
	if (colon == text || (size_t)(colon - text) >= sizeof(left)) {
		sc_error(ctx, n, "%s: expected HOST:PORT or ADDRESS:PORT", sc_quote(&q, text));
		return;
	}
	snprintf(left, sizeof(left), "%.*s", (int)(colon - text), text);
	if (!read_target_port(ctx, n, text, colon + 1, &app->target_port))
		return;
	if (inet_pton(AF_INET, left, bin) == 1) {
		set_literal(ctx, app, n, left, AF_INET);
		return;
	}
	host = sc_find_host_named(ctx, n, left);
	if (host < 0)
		return;
	app->target_host = host;
}

/* Reports a name that is neither an app nor a host. */
static void report_unknown(struct sc_ctx *ctx, const yaml_node_t *n, const char *name)
{
	const struct scenario *sc = ctx->sc;
	const char *names[SC_MAX_APPS + SC_MAX_HOSTS];
	size_t count = 0;
	unsigned char bin[16];
	struct sc_quoted q;
	const char *near;

	if (inet_pton(AF_INET, name, bin) == 1) {
		sc_error(ctx, n, "%s needs a port: %s:PORT", name, name);
		return;
	}
	for (size_t i = 0; i < sc->napps; i++)
		names[count++] = sc->apps[i].name;
	for (size_t i = 0; i < sc->nhosts; i++)
		names[count++] = sc->hosts[i].name;
	near = sc_suggest(name, names, count);
	if (near)
		sc_error(ctx, n, "unknown app or host \"%s\" (did you mean %s?)",
			 sc_quote(&q, name), near);
	else
		sc_error(ctx, n, "unknown app or host \"%s\" (expected APP, HOST, HOST:PORT "
			 "or ADDRESS:PORT)", sc_quote(&q, name));
}

/* "server": an app, or a host with a listening app */
static void resolve_name(struct sc_ctx *ctx, struct sc_app *app, const yaml_node_t *n)
{
	const struct scenario *sc = ctx->sc;
	const char *name = app->connect;
	int target = scenario_app_find(sc, name);
	int host;

	if (target >= 0) {
		const struct sc_app *server = &sc->apps[target];

		if (!server->is_server) {
			sc_error(ctx, n, "app \"%s\" does not listen, so nothing can connect to it "
				 "(connect to a server app, HOST:PORT or ADDRESS:PORT)", name);
			return;
		}
		app->target_host = server->host;
		app->target_port = server->listen_port;
		return;
	}
	host = scenario_host_find(sc, name);
	if (host < 0) {
		report_unknown(ctx, n, name);
		return;
	}
	for (size_t i = 0; i < sc->napps; i++) {
		if (sc->apps[i].is_server && sc->apps[i].host == host) {
			app->target_host = host;
			app->target_port = sc->apps[i].listen_port;
			return;
		}
	}
	sc_error(ctx, n, "host \"%s\" has no listening app: write %s:PORT", name, name);
}

void sc_resolve_targets(struct sc_ctx *ctx)
{
	struct scenario *sc = ctx->sc;

	for (size_t i = 0; i < sc->napps; i++) {
		struct sc_app *app = &sc->apps[i];
		const yaml_node_t *n = ctx->app_src[i].connect;
		const char *colon;

		if (!n || !app->connect)
			continue;
		if (!app->connect[0]) {
			sc_error(ctx, n, "missing value: expected APP, HOST, HOST:PORT or "
				 "ADDRESS:PORT");
			continue;
		}
		colon = strrchr(app->connect, ':');
		if (app->connect[0] == '[')
			resolve_bracketed(ctx, app, n);
		else if (colon)
			resolve_with_port(ctx, app, n, colon);
		else
			resolve_name(ctx, app, n);
	}
}
