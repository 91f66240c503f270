/*
 * faults.c: the faults: list. Each item has at: (the time since t0) and
 * exactly one fault key; the fault's value is a host name or a mapping with
 * host: and the fault's options (partition has groups instead, read by
 * partition.c; delay, loss and rate share impair.c with a host's link:).
 * unplug, plug, delay, loss, rate, drop and reject may name one network of
 * the host (network:) to act on that interface only; forget names a router
 * whose middlebox forgets every connection.
 *
 * Names are resolved into host, app and network indexes here. The list is
 * sorted by at, keeping the file's order for faults at the same time, so
 * the engine can run it front to back.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "scenario/internal.h"

#define SC_DEFAULT_REBOOT_DOWN (1000000LL)

enum fault_form {
	FORM_HOST,       /* HOST or { host: HOST, options } */
	FORM_OPTIONS,    /* { host: HOST, options } only */
	FORM_GROUPS,     /* partition */
};

static const struct fault_kind {
	const char *name;
	enum sc_fault_kind kind;
	enum fault_form form;
} fault_kinds[] = {
	{ "poweroff", SC_FAULT_POWEROFF, FORM_HOST },
	{ "poweron", SC_FAULT_POWERON, FORM_HOST },
	{ "reboot", SC_FAULT_REBOOT, FORM_HOST },
	{ "crash", SC_FAULT_CRASH, FORM_HOST },
	{ "freeze", SC_FAULT_FREEZE, FORM_HOST },
	{ "thaw", SC_FAULT_THAW, FORM_HOST },
	{ "unplug", SC_FAULT_UNPLUG, FORM_HOST },
	{ "plug", SC_FAULT_PLUG, FORM_HOST },
	{ "delay", SC_FAULT_DELAY, FORM_OPTIONS },
	{ "loss", SC_FAULT_LOSS, FORM_OPTIONS },
	{ "rate", SC_FAULT_RATE, FORM_OPTIONS },
	{ "drop", SC_FAULT_DROP, FORM_HOST },
	{ "reject", SC_FAULT_REJECT, FORM_HOST },
	{ "partition", SC_FAULT_PARTITION, FORM_GROUPS },
	{ "heal", SC_FAULT_HEAL, FORM_HOST },
	{ "forget", SC_FAULT_FORGET, FORM_HOST },
};

#define NKINDS (sizeof(fault_kinds) / sizeof(fault_kinds[0]))

static const struct fault_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(fault_kinds[i].name, name) == 0)
			return &fault_kinds[i];
	return NULL;
}

static void report_unknown_fault(struct sc_ctx *ctx, const yaml_node_t *key)
{
	const char *names[NKINDS];
	struct sc_quoted q;
	char msg[256];

	for (size_t i = 0; i < NKINDS; i++)
		names[i] = fault_kinds[i].name;
	snprintf(msg, sizeof(msg), "unknown fault \"%s\"", sc_quote(&q, sc_scalar(key)));
	sc_hint(msg, sizeof(msg), sc_scalar(key), names, NKINDS);
	sc_error(ctx, key, "%s", msg);
}

/* The host of VALUE (HOST or a mapping's host:); "all" only for heal; a
 * router with a middlebox for forget. */
static void read_host_name(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *n)
{
	const char *text = sc_scalar(n);

	if (f->kind == SC_FAULT_HEAL && text && strcmp(text, "all") == 0) {
		f->host = -1;
		return;
	}
	f->host = sc_find_host(ctx, n);
	if (f->kind == SC_FAULT_FORGET && f->host >= 0 &&
	    !ctx->sc->hosts[f->host].middlebox.enabled)
		sc_error(ctx, n, "host \"%s\" has no middlebox to forget its connections (forget "
			 "is for a router with middlebox:)", ctx->sc->hosts[f->host].name);
}

/* network: NET of the fault's host: one of its networks. */
static void read_network(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *n)
{
	const struct sc_host *h;
	char names[160];
	int net = sc_find_network(ctx, n);

	if (net < 0 || f->host < 0)
		return;
	h = &ctx->sc->hosts[f->host];
	if (sc_host_iface_on(h, net) >= 0)
		f->network = net;
	else if (h->nifaces > 0)
		sc_error(ctx, n, "host \"%s\" is not on network \"%s\" (it is on %s)", h->name,
			 ctx->sc->networks[net].name, sc_host_networks(ctx->sc, h, names,
									sizeof(names)));
}

static void read_crash(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *map)
{
	const yaml_node_t *host = sc_get(ctx, map, "host");
	const yaml_node_t *app = sc_get(ctx, map, "app");
	const yaml_node_t *n;

	if (host)
		read_host_name(ctx, f, host);
	if (app) {
		f->app = sc_find_app(ctx, app);
		if (f->app >= 0) {
			int app_host = ctx->sc->apps[f->app].host;

			if (!host)
				f->host = app_host;
			else if (f->host >= 0 && app_host >= 0 && app_host != f->host)
				sc_error(ctx, app, "app \"%s\" runs on host \"%s\", not \"%s\"",
					 ctx->sc->apps[f->app].name, ctx->sc->hosts[app_host].name,
					 ctx->sc->hosts[f->host].name);
		}
	} else if (!host) {
		sc_missing(ctx, map, "host", "whose apps crash; or app: for one app");
	}
	if ((n = sc_get(ctx, map, "signal")))
		sc_read_signal(ctx, n, &f->signal);
}

static void read_firewall(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *map)
{
	static const char *const protos[] = { "tcp", "udp", "icmp", NULL };
	static const int proto_numbers[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	static const char *const withs[] = {
		"tcp-reset", "icmp-port-unreachable", "icmp-host-unreachable",
		"icmp-admin-prohibited", NULL,
	};
	static const enum sc_reject_with with_kinds[] = {
		SC_REJECT_TCP_RESET, SC_REJECT_ICMP_PORT, SC_REJECT_ICMP_HOST,
		SC_REJECT_ICMP_ADMIN,
	};
	const yaml_node_t *n, *with = sc_get(ctx, map, "with");
	int i;

	if ((n = sc_get(ctx, map, "direction")))
		sc_read_direction(ctx, n, &f->direction);
	if ((n = sc_get(ctx, map, "proto")) && sc_read_word(ctx, n, "proto", protos, &i))
		f->proto = proto_numbers[i];
	if ((n = sc_get(ctx, map, "port")) && sc_read_port(ctx, n, "port", &f->port) &&
	    f->proto == IPPROTO_ICMP)
		sc_error(ctx, n, "a port needs proto tcp or udp (or no proto), not icmp");
	if (with && sc_read_word(ctx, with, "reject kind", withs, &i)) {
		f->reject_with = with_kinds[i];
		if (f->reject_with == SC_REJECT_TCP_RESET && f->proto && f->proto != IPPROTO_TCP)
			sc_error(ctx, with, "with: tcp-reset refuses TCP only: use proto tcp, "
				 "or no proto");
	}
}

/* Reads { host: HOST, options } of every fault but partition. */
static void read_options(struct sc_ctx *ctx, struct sc_fault *f, const struct fault_kind *k,
			 const yaml_node_t *map)
{
	const struct sc_schema *s = sc_schema_child(&sc_schema_fault, k->name);
	const yaml_node_t *n;

	if (f->kind == SC_FAULT_DELAY || f->kind == SC_FAULT_LOSS || f->kind == SC_FAULT_RATE) {
		static const char *const required[] = {
			[SC_FAULT_DELAY] = "time", [SC_FAULT_LOSS] = "percent",
			[SC_FAULT_RATE] = "rate",
		};
		static const char *const hints[] = {
			[SC_FAULT_DELAY] = "how long packets are held, like time: 200ms",
			[SC_FAULT_LOSS] = "how many packets are lost, like percent: 30",
			[SC_FAULT_RATE] = "the bandwidth, like rate: 1mbit",
		};

		if (!sc_read_impair(ctx, map, s, &f->impair))
			return;
		f->direction = f->impair.direction;
		if (!sc_get(ctx, map, required[f->kind]))
			sc_missing(ctx, map, required[f->kind], hints[f->kind]);
	} else if (!sc_check_keys(ctx, map, s, "expected a host name or a mapping with host:")) {
		return;
	}
	if (f->kind == SC_FAULT_CRASH) {
		read_crash(ctx, f, map);
		return;
	}
	if ((n = sc_get(ctx, map, "host")))
		read_host_name(ctx, f, n);
	else
		sc_missing(ctx, map, "host", "the host the fault happens to");
	if ((n = sc_get(ctx, map, "network")))
		read_network(ctx, f, n);
	if (f->kind == SC_FAULT_REBOOT && (n = sc_get(ctx, map, "down")) &&
	    sc_read_duration(ctx, n, "down", &f->down_us) && f->down_us <= 0) {
		sc_error(ctx, n, "down must be more than 0s");
		f->down_us = SC_DEFAULT_REBOOT_DOWN;
	}
	if (f->kind == SC_FAULT_DROP || f->kind == SC_FAULT_REJECT)
		read_firewall(ctx, f, map);
}

static void read_value(struct sc_ctx *ctx, struct sc_fault *f, const struct fault_kind *k,
		       const yaml_node_t *value)
{
	struct sc_quoted q;

	if (k->form == FORM_GROUPS) {
		sc_read_partition(ctx, f, value);
		return;
	}
	if (sc_is_null(value)) {
		sc_error(ctx, value, "%s needs a host: %s: HOST%s", k->name, k->name,
			 k->form == FORM_OPTIONS ? " and options, as a mapping" : "");
		return;
	}
	if (sc_is_scalar(value)) {
		if (k->form == FORM_OPTIONS)
			sc_error(ctx, value, "%s needs options: %s: { host: %s, %s }", k->name,
				 k->name, sc_quote(&q, sc_scalar(value)),
				 f->kind == SC_FAULT_DELAY ? "time: 200ms" :
				 f->kind == SC_FAULT_LOSS ? "percent: 30" : "rate: 1mbit");
		else
			read_host_name(ctx, f, value);
		return;
	}
	if (!sc_is_map(value)) {
		sc_error(ctx, value, "expected a host name or a mapping with host:, not %s",
			 sc_node_kind(value));
		return;
	}
	read_options(ctx, f, k, value);
}

static void fault_init(struct sc_fault *f, const struct fault_kind *k)
{
	f->kind = k->kind;
	f->host = -1;
	f->network = -1;
	f->app = -1;
	f->signal = SIGKILL;
	f->down_us = SC_DEFAULT_REBOOT_DOWN;
	sc_impair_init(&f->impair);
	f->direction = (k->kind == SC_FAULT_DROP || k->kind == SC_FAULT_REJECT) ? SC_DIR_IN
										   : SC_DIR_OUT;
	f->reject_with = SC_REJECT_ICMP_PORT;
}

/* One list item into F; false when it holds no fault to keep. */
static bool read_fault(struct sc_ctx *ctx, struct sc_fault *f, const yaml_node_t *item)
{
	const yaml_node_t *at = NULL, *at_key = NULL, *fault_key = NULL, *value = NULL;
	const struct fault_kind *kind = NULL;
	bool unknown_seen = false;

	if (!sc_is_map(item)) {
		sc_error(ctx, item, "expected a fault: a mapping with at: and one fault, like "
			 "{ at: 1s, poweroff: client }");
		return false;
	}
	SC_FOR_PAIRS(p, item) {
		const yaml_node_t *key = sc_node(ctx, p->key);
		const char *name = sc_scalar(key);
		const struct fault_kind *k;

		if (!name || sc_is_null(key)) {
			sc_error(ctx, key, "expected a key name, not %s", sc_node_kind(key));
		} else if (strcmp(name, "at") == 0) {
			if (at_key) {
				sc_report_duplicate(ctx, key, "key", at_key);
			} else {
				at_key = key;
				at = sc_node(ctx, p->value);
			}
		} else if (!(k = find_kind(name))) {
			report_unknown_fault(ctx, key);
			unknown_seen = true;
		} else if (fault_key && strcmp(sc_scalar(fault_key), name) == 0) {
			sc_report_duplicate(ctx, key, "key", fault_key);
		} else if (fault_key) {
			sc_error(ctx, key, "one fault per item: %s and %s are both here (make two "
				 "items)", sc_scalar(fault_key), name);
		} else {
			fault_key = key;
			kind = k;
			value = sc_node(ctx, p->value);
		}
	}
	f->line = sc_line(item);
	f->col = sc_col(item);
	if (!at_key)
		sc_missing(ctx, item, "at", "when the fault happens, like at: 2s");
	else if (sc_read_duration(ctx, at, "at", &f->at_us) && f->at_us >= ctx->sc->duration_us) {
		char d[32];
		struct sc_quoted q;

		sc_error(ctx, at, "at: %s is not before the end of the run (duration: %s)",
			 sc_quote(&q, sc_scalar(at)),
			 duration_format(ctx->sc->duration_us, d, sizeof(d)));
	}
	if (!kind) {
		if (!unknown_seen)
			sc_error(ctx, item, "expected a fault in this item, like poweroff: HOST");
		return false;
	}
	fault_init(f, kind);
	read_value(ctx, f, kind, value);
	return true;
}

/* Insertion sort by at: stable, and the list is short (SC_MAX_FAULTS). */
static void sort_faults(struct scenario *sc)
{
	for (size_t i = 1; i < sc->nfaults; i++) {
		struct sc_fault f = sc->faults[i];
		size_t j = i;

		while (j > 0 && sc->faults[j - 1].at_us > f.at_us) {
			sc->faults[j] = sc->faults[j - 1];
			j--;
		}
		sc->faults[j] = f;
	}
}

void sc_read_faults(struct sc_ctx *ctx, const yaml_node_t *faults)
{
	struct scenario *sc = ctx->sc;
	size_t count = sc_list_len(faults);

	if (!faults || sc_is_null(faults))
		return;
	if (!sc_is_list(faults)) {
		sc_error(ctx, faults, "expected a list of faults, not %s", sc_node_kind(faults));
		return;
	}
	if (count > SC_MAX_FAULTS) {
		sc_error(ctx, faults, "too many faults: %zu (at most %d)", count, SC_MAX_FAULTS);
		return;
	}
	sc->faults = sc_calloc(ctx, count, sizeof(*sc->faults));
	if (!sc->faults)
		return;
	SC_FOR_ITEMS(it, faults) {
		struct sc_fault *f = &sc->faults[sc->nfaults];

		if (read_fault(ctx, f, sc_node(ctx, *it))) {
			sc->nfaults++;
		} else {
			free(f->group);
			free(f->from);
			free(f->to);
			memset(f, 0, sizeof(*f));
		}
	}
	sort_faults(sc);
}
