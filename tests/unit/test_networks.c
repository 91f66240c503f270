/*
 * test_networks.c: unit tests of the scenario parser's networks, routers
 * and middleboxes (issue 12, the specification's networks.md): the model
 * the spec's examples parse to (networks, interfaces, addresses by
 * position, routers, gateways, middleboxes, faults on one network,
 * forget), files without networks: read as before (every file of
 * scenarios/ and tests/cli/data/ against the old address rule), --set and
 * matrix: through the new keys, every error of a file, the limits. The
 * table of bad files is test_networks_bad.c. No privileges, no kernel
 * objects.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tests/lib/networktest.h"
#include "tests/lib/scenariotest.h"
#include "tests/lib/testlib.h"

/* ---- the model ------------------------------------------------------------------ */

/* A client behind a NAT gateway that forgets idle connections (networks.md). */
static const char nat_example[] =
	"name: nat idle timeout\n"
	"networks:\n"
	"  lan: {}\n"
	"  wan: { subnet: 192.168.1.0/24, subnet6: \"fd00:99::/64\", mtu: 1400 }\n"
	"hosts:\n"
	"  client: { network: lan }\n"
	"  gw:\n"
	"    network: [lan, wan]\n"
	"    middlebox: { nat: wan, idle_timeout: 2s, expired: reset }\n"
	"  server: { network: wan }\n"
	"apps:\n"
	"  server: { listen: 5000 }\n"
	"  client: { connect: server, tcp: { user_timeout: 2s } }\n"
	"faults:\n"
	"  - { at: 1s, forget: gw }\n"
	"  - { at: 2s, unplug: { host: gw, network: wan } }\n"
	"  - { at: 3s, delay: { host: gw, time: 10ms, network: lan } }\n"
	"  - { at: 4s, plug: gw }\n";

static void assert_iface(const struct sc_host *h, size_t k, int network, const char *a4,
			 const char *a6)
{
	ck_assert_uint_gt(h->nifaces, k);
	ck_assert_int_eq(h->ifaces[k].network, network);
	ck_assert_str_eq(h->ifaces[k].addr4, a4);
	ck_assert_str_eq(h->ifaces[k].addr6, a6);
}

START_TEST(test_nat_example)
{
	struct scenario *sc = parse_ok(nat_example);
	const struct sc_host *client = host_named(sc, "client");
	const struct sc_host *gw = host_named(sc, "gw");
	const struct sc_host *server = host_named(sc, "server");

	ck_assert(sc->networks_given);
	ck_assert_uint_eq(sc->nnetworks, 2);
	ck_assert_str_eq(sc->networks[0].name, "lan");
	ck_assert_str_eq(sc->networks[0].subnet4, "10.1.0.0/24");     /* default by position */
	ck_assert_str_eq(sc->networks[0].subnet6, "fd00:1::/64");
	ck_assert_int_eq(sc->networks[0].mtu, 1500);
	ck_assert_int_eq(sc->networks[0].line, 3);
	ck_assert_int_eq(sc->networks[0].col, 3);
	ck_assert(!sc->networks[0].implicit);
	ck_assert_str_eq(sc->networks[1].subnet4, "192.168.1.0/24");
	ck_assert_str_eq(sc->networks[1].subnet6, "fd00:99::/64");
	ck_assert_int_eq(sc->networks[1].mtu, 1400);
	ck_assert_int_eq(scenario_network_find(sc, "wan"), 1);
	ck_assert_int_eq(scenario_network_find(sc, "dmz"), -1);

	/* addresses by position on each network: gw is 2nd on lan, 1st on wan */
	assert_iface(client, 0, 0, "10.1.0.1/24", "fd00:1::1/64");
	assert_iface(gw, 0, 0, "10.1.0.2/24", "fd00:1::2/64");
	assert_iface(gw, 1, 1, "192.168.1.1/24", "fd00:99::1/64");
	assert_iface(server, 0, 1, "192.168.1.2/24", "fd00:99::2/64");
	ck_assert_uint_eq(client->nifaces, 1);
	ck_assert_uint_eq(gw->nifaces, 2);
	ck_assert_str_eq(gw->addr4, gw->ifaces[0].addr4);         /* eth0's, for today's engine */
	ck_assert_str_eq(server->addr6, "fd00:99::2/64");
	ck_assert_int_eq(gw->ifaces[1].line, 8);                   /* "wan" in network: */
	ck_assert_int_eq(gw->ifaces[1].col, 20);
	ck_assert_int_eq(client->ifaces[0].line, 6);

	/* routers and gateways */
	ck_assert(!client->router && gw->router && !server->router);
	ck_assert_int_eq(client->gateway, 1);
	ck_assert_int_eq(server->gateway, 1);
	ck_assert_int_eq(gw->gateway, -1);

	/* the middlebox */
	ck_assert(gw->middlebox.enabled && !client->middlebox.enabled);
	ck_assert_int_eq(gw->middlebox.nat, 1);
	ck_assert_int_eq(gw->middlebox.idle_timeout_us, SEC(2));
	ck_assert_int_eq(gw->middlebox.expired, SC_EXPIRED_RESET);
	ck_assert_int_eq(gw->middlebox.line, 9);
	ck_assert_int_eq(gw->middlebox.col, 5);
	ck_assert_int_eq(client->middlebox.nat, -1);
	ck_assert_int_eq(client->middlebox.idle_timeout_us, -1);

	/* faults on one network, and forget */
	ck_assert_uint_eq(sc->nfaults, 4);
	ck_assert_int_eq(sc->faults[0].kind, SC_FAULT_FORGET);
	ck_assert_str_eq(sc_fault_name(SC_FAULT_FORGET), "forget");
	ck_assert_int_eq(sc->faults[0].host, 1);
	ck_assert_int_eq(sc->faults[1].kind, SC_FAULT_UNPLUG);
	ck_assert_int_eq(sc->faults[1].network, 1);
	ck_assert_int_eq(sc->faults[2].network, 0);
	ck_assert_int_eq(sc->faults[2].impair.delay_us, SEC(0.01));
	ck_assert_int_eq(sc->faults[3].network, -1);               /* every interface */

	/* the interface a client connects to */
	ck_assert_int_eq(scenario_iface_toward(sc, 0, 2), 0);      /* client -> server: its only */
	ck_assert_int_eq(scenario_iface_toward(sc, 0, 1), 0);      /* client -> gw: on lan */
	ck_assert_int_eq(scenario_iface_toward(sc, 2, 1), 1);      /* server -> gw: on wan */
	ck_assert_int_eq(scenario_iface_toward(sc, 0, 3), -1);
	ck_assert_int_eq(scenario_host_iface(sc, 1, 1), 1);
	ck_assert_int_eq(scenario_host_iface(sc, 0, 1), -1);
	scenario_free(sc);
}
END_TEST

/* The spec's path-MTU case: client - r1 - mid (mtu 1280) - r2 - server. */
START_TEST(test_two_routers)
{
	static const char text[] =
		"name: pmtu black hole\n"
		"networks:\n"
		"  a:\n"
		"  mid: { mtu: 1280 }\n"
		"  c: { subnet: 10.3.0.0/16 }\n"
		"hosts:\n"
		"  client: { network: a }\n"
		"  r1: { network: [a, mid] }\n"
		"  r2: { network: [mid, c], addr: { c: 10.3.7.7 }, addr6: { mid: \"fd00:2::99\" } }\n"
		"  server: { network: c, gateway: r2 }\n"
		"  lonely: { network: c, gateway: none }\n"
		"apps:\n"
		"  server: { listen: 5000 }\n"
		"  client: { connect: server, steps: [{ send: 20000 }, hold] }\n"
		"faults:\n"
		"  - { at: 1s, drop: { host: r1, proto: icmp, direction: out } }\n"
		"  - { at: 2s, reject: { host: r2, network: c, port: 5000 } }\n";
	struct scenario *sc = parse_ok(text);
	const struct sc_host *r2 = host_named(sc, "r2");

	ck_assert_int_eq(sc->networks[1].mtu, 1280);
	ck_assert_str_eq(sc->networks[1].subnet4, "10.2.0.0/24");
	ck_assert_str_eq(sc->networks[2].subnet4, "10.3.0.0/16");
	ck_assert_str_eq(sc->networks[2].subnet6, "fd00:3::/64");
	assert_iface(host_named(sc, "r1"), 1, 1, "10.2.0.1/24", "fd00:2::1/64");
	assert_iface(r2, 0, 1, "10.2.0.2/24", "fd00:2::99/64");      /* written v6 only */
	assert_iface(r2, 1, 2, "10.3.7.7/16", "fd00:3::1/64");       /* the subnet's prefix */
	assert_iface(host_named(sc, "server"), 0, 2, "10.3.0.2/16", "fd00:3::2/64");
	ck_assert_int_eq(host_named(sc, "client")->gateway, 1);
	ck_assert_int_eq(host_named(sc, "server")->gateway, 2);
	ck_assert_int_eq(host_named(sc, "lonely")->gateway, -1);
	ck_assert_int_eq(host_named(sc, "r1")->gateway, -1);
	ck_assert_int_eq(sc->faults[0].proto, IPPROTO_ICMP);
	ck_assert_int_eq(sc->faults[0].direction, SC_DIR_OUT);
	ck_assert_int_eq(sc->faults[0].network, -1);
	ck_assert_int_eq(sc->faults[1].network, 2);
	ck_assert_int_eq(scenario_iface_toward(sc, 0, 3), 0);      /* shares nothing: first */
	scenario_free(sc);
}
END_TEST

/* One network written: hosts without network: are on it, apps' hosts too. */
START_TEST(test_one_network)
{
	struct scenario *sc = parse_ok(NAME "networks:\n  lan: { subnet: 172.16.0.0/12, "
				       "mtu: 9000 }\n" APPS);

	ck_assert_uint_eq(sc->nhosts, 2);
	assert_iface(&sc->hosts[0], 0, 0, "172.16.0.1/12", "fd00:1::1/64");
	assert_iface(&sc->hosts[1], 0, 0, "172.16.0.2/12", "fd00:1::2/64");
	ck_assert(sc->hosts[0].implicit);
	ck_assert_int_eq(sc->hosts[0].gateway, -1);
	scenario_free(sc);
}
END_TEST

/* 1000 hosts on a /16: the limit, and addresses past .255 by position. */
START_TEST(test_thousand_hosts)
{
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	struct scenario *sc;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "name: big\nnetworks:\n  big: { subnet: "
				"10.9.0.0/16 }\nhosts:\n");
	for (int i = 1; i <= SC_MAX_HOSTS; i++)
		len += (size_t)snprintf(text + len, cap - len, "  h%d: {}\n", i);
	snprintf(text + len, cap - len, "apps:\n  s: { host: h1, listen: 1 }\n"
		 "  c: { host: h1000, connect: s }\n");
	sc = parse_ok(text);
	ck_assert_uint_eq(sc->nhosts, SC_MAX_HOSTS);
	ck_assert_str_eq(sc->hosts[299].addr4, "10.9.1.44/16");
	ck_assert_str_eq(sc->hosts[999].addr4, "10.9.3.232/16");
	ck_assert_str_eq(sc->hosts[999].addr6, "fd00:1::1000/64");
	scenario_free(sc);
	free(text);
}
END_TEST

/* --set and matrix: through networks, addr mappings and middleboxes. */
START_TEST(test_overrides)
{
	static const struct sc_override ovr[] = {
		{ "networks.wan.mtu", "1280" },
		{ "hosts.gw.addr.wan", "10.2.0.9" },
		{ "hosts.gw.middlebox.idle_timeout", "5s" },
		{ "hosts.server.network", "[wan, lan]" },
	};
	struct scenario *sc = parse_ok_with(TOPO_OK "matrix:\n  networks.lan.mtu: [1280, 1500]\n"
					    "  hosts.gw.middlebox.expired: [drop, pickup]\n",
					    ovr, 4);
	const struct sc_host *gw = host_named(sc, "gw");

	ck_assert_int_eq(sc->networks[1].mtu, 1280);
	ck_assert_str_eq(gw->ifaces[1].addr4, "10.2.0.9/24");
	ck_assert_int_eq(gw->middlebox.idle_timeout_us, SEC(5));
	ck_assert(gw->middlebox.enabled);
	ck_assert(host_named(sc, "server")->router);
	ck_assert_int_eq(host_named(sc, "server")->gateway, -1);
	ck_assert_uint_eq(sc->nmatrix, 2);
	scenario_free(sc);
}
END_TEST

/* ---- files without networks: as before -------------------------------------------- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, SC_MAX_TEXT + 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(text);
	fread(text, 1, SC_MAX_TEXT, f);
	fclose(f);
	return text;
}

/* ADDR is the old rule's DEFAULT, or written in TEXT. */
static void assert_old_rule(const char *addr, const char *deflt, const char *text)
{
	char bare[64];

	if (strcmp(addr, deflt) == 0)
		return;
	snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(addr, "/"), addr);
	ck_assert_msg(strstr(text, bare) != NULL, "%s is neither %s nor written", addr, deflt);
}

/* The model of a file without networks: is what it always was. */
static void assert_as_before(const struct scenario *sc, const char *text)
{
	char a4[32], a6[32];

	ck_assert(!sc->networks_given);
	ck_assert_uint_eq(sc->nnetworks, 1);
	ck_assert(sc->networks[0].implicit);
	ck_assert_str_eq(sc->networks[0].name, SC_IMPLICIT_NETWORK);
	ck_assert_str_eq(sc->networks[0].subnet4, "10.0.0.0/24");
	ck_assert_str_eq(sc->networks[0].subnet6, "fd00::/64");
	ck_assert_int_eq(sc->networks[0].mtu, 1500);
	for (size_t i = 0; i < sc->nhosts; i++) {
		const struct sc_host *h = &sc->hosts[i];

		/* the old rule: 10.0.0.N/24 and fd00::N/64, unless written */
		snprintf(a4, sizeof(a4), "10.0.0.%zu/24", i + 1);
		snprintf(a6, sizeof(a6), "fd00::%zu/64", i + 1);
		assert_old_rule(h->addr4, a4, text);
		assert_old_rule(h->addr6, a6, text);
		ck_assert_uint_eq(h->nifaces, 1);
		ck_assert_int_eq(h->ifaces[0].network, 0);
		ck_assert_str_eq(h->ifaces[0].addr4, h->addr4);
		ck_assert_str_eq(h->ifaces[0].addr6, h->addr6);
		ck_assert(!h->router && !h->middlebox.enabled);
		ck_assert_int_eq(h->gateway, -1);
	}
	for (size_t i = 0; i < sc->nfaults; i++)
		ck_assert_int_eq(sc->faults[i].network, -1);
}

START_TEST(test_files_as_before)
{
	static const char *const dirs[] = { "scenarios", "tests/cli/data" };
	int parsed = 0;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		ck_assert_msg(dir != NULL, "no %s (run from the top of the tree)", dirs[d]);
		while ((de = readdir(dir))) {
			size_t n = strlen(de->d_name);
			struct sc_errors errs = { 0 };
			struct scenario *sc = NULL;
			char path[512], *text;

			if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			text = read_text(path);
			/* files without networks: (the routed examples have it) */
			if (scenario_load(path, NULL, 0, &sc, &errs) == 0 && !sc->networks_given) {
				assert_as_before(sc, text);
				parsed++;
			}
			scenario_free(sc);
			sc_errors_free(&errs);
			free(text);
		}
		closedir(dir);
	}
	ck_assert_int_ge(parsed, 20);
}
END_TEST

/* Written addresses keep their prefix and may leave 10.0.0.0/24, as before. */
START_TEST(test_written_as_before)
{
	static const char text[] = HOSTS("  server: { addr: 10.1.2.3/16, addr6: \"fd00::10\" }\n"
					 "  client: { addr: 10.0.0.9 }\n  box: {}\n");
	struct scenario *sc = parse_ok(text);

	assert_as_before(sc, text);
	ck_assert_str_eq(sc->hosts[0].addr4, "10.1.2.3/16");
	ck_assert_str_eq(sc->hosts[0].addr6, "fd00::10/64");
	ck_assert_str_eq(sc->hosts[1].addr4, "10.0.0.9/24");
	ck_assert_str_eq(sc->hosts[2].addr4, "10.0.0.3/24");
	scenario_free(sc);
}
END_TEST

/* Every error of a file, not only the first. */
START_TEST(test_all_errors)
{
	static const char *const expected[] = {
		"bad.yaml:6:22: unknown network \"lann\" (did you mean lan?)",
		"bad.yaml:7:48: unknown network \"wam\" (did you mean wan?)",
		"bad.yaml:8:36: unknown host \"gww\" (did you mean gw?)",
		"bad.yaml:16:13: host \"gw\" has no middlebox to forget its connections (forget "
		"is for a router with middlebox:)",
	};
	struct sc_errors errs = { 0 };
	char buf[512];

	parse_bad_with(TOPO("{ network: lann }", "{ network: [lan, wan], middlebox: { nat: wam } }",
			    "{ network: wan, gateway: gww }") "faults:\n  - at: 1s\n"
		       "    forget: client\n", NULL, 0, &errs);
	ck_assert_uint_eq(errs.n, 4);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(sc_error_format(&errs, i, buf, sizeof(buf)), expected[i]);
	/* client's network: is in error, so no more is said about its networks */
	ck_assert_str_eq(sc_error_format(&errs, 3, buf, sizeof(buf)),
			 "bad.yaml:16:13: host \"client\" has no middlebox to forget its connections "
			 "(forget is for a router with middlebox:)");
	sc_errors_free(&errs);
}
END_TEST

/* --set and matrix: paths through networks name networks of the file. */
START_TEST(test_override_errors)
{
	static const struct {
		struct sc_override ovr;
		const char *error;
	} cases[] = {
		{ { "networks.dmz.mtu", "1280" },
		  "bad.yaml: --set networks.dmz.mtu=1280: no network named \"dmz\" in the file" },
		{ { "networks.lam.mtu", "1280" },
		  "bad.yaml: --set networks.lam.mtu=1280: no network named \"lam\" in the file "
		  "(did you mean lan?)" },
		{ { "hosts.gw.addr.dmz", "10.3.0.1" },
		  "bad.yaml: --set hosts.gw.addr.dmz=10.3.0.1: no network named \"dmz\" in the file" },
		{ { "networks.lan.mtu", "100" },
		  "bad.yaml: --set networks.lan.mtu=100: mtu 100 is out of range (576 to 9000)" },
		{ { "hosts.gw.middlebox.nat", "dmz" },
		  "bad.yaml: --set hosts.gw.middlebox.nat=dmz: unknown network \"dmz\" (expected lan "
		  "or wan)" },
		{ { "hosts.gw.middlebox.natt", "wan" },
		  "bad.yaml: --set hosts.gw.middlebox.natt=wan: hosts.gw.middlebox has no key "
		  "\"natt\" (did you mean nat?)" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(first_error(TOPO_OK, &cases[i].ovr, 1, buf, sizeof(buf)),
				 cases[i].error);
	ck_assert_str_eq(first_error(TOPO_OK "matrix:\n  networks.dmz.mtu: [1500, 9000]\n", NULL,
				     0, buf, sizeof(buf)),
			 "bad.yaml:15:3: no network named \"dmz\" in the file");
}
END_TEST

/* ---- limits ------------------------------------------------------------------------ */

static void add(char **text, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char **text, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*text + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if ((size_t)n < *cap - *len)
			break;
		*cap = *cap * 2 + (size_t)n;
		*text = realloc(*text, *cap);
		ck_assert_ptr_nonnull(*text);
	}
	*len += (size_t)n;
}

START_TEST(test_limits)
{
	static const char *const expected[] = {
		"bad.yaml:3:3: too many networks: 17 (at most 16)",
		"bad.yaml:14:22: too many networks: 9 (at most 8 per host)",
		"bad.yaml:3:3: subnet 10.1.0.0/24 of network \"lan\" holds 254 hosts, not 255 "
		"(a /23 holds them)",
		"bad.yaml:3:3: too many hosts for one network: 255 (without networks:, every host "
		"is on 10.0.0.0/24, which holds 254: declare networks: with a larger subnet)",
		"bad.yaml:5:3: too many hosts: 1001 (at most 1000)",
	};
	size_t len = 0, cap = 1024;
	char *text = malloc(cap), buf[512];

	ck_assert_ptr_nonnull(text);
	add(&text, &len, &cap, NAME);
	switch (_i) {
	case 0:                                        /* networks per run */
		add(&text, &len, &cap, "networks:\n");
		for (int i = 0; i <= SC_MAX_NETWORKS; i++)
			add(&text, &len, &cap, "  n%d: {}\n", i);
		add(&text, &len, &cap, APPS);
		break;
	case 1:                                        /* networks per host */
		add(&text, &len, &cap, "networks:\n");
		for (int i = 0; i <= SC_MAX_HOST_NETWORKS; i++)
			add(&text, &len, &cap, "  n%d: {}\n", i);
		add(&text, &len, &cap, "hosts:\n  server: { network: n0 }\n  client: { network: [n0");
		for (int i = 1; i <= SC_MAX_HOST_NETWORKS; i++)
			add(&text, &len, &cap, ", n%d", i);
		add(&text, &len, &cap, "] }\n" APPS);
		break;
	case 2:                                        /* hosts on a /24 */
	case 3:                                        /* hosts on the implicit network */
		if (_i == 2)
			add(&text, &len, &cap, "networks:\n  lan: {}\n");
		add(&text, &len, &cap, "hosts:\n");
		for (int i = 0; i < 255; i++)
			add(&text, &len, &cap, "  h%d: {}\n", i);
		add(&text, &len, &cap, "apps: { s: { host: h0, listen: 1 } }\n");
		break;
	case 4:                                        /* hosts per run */
		add(&text, &len, &cap, "networks:\n  big: { subnet: 10.0.0.0/8 }\nhosts:\n");
		for (int i = 0; i <= SC_MAX_HOSTS; i++)
			add(&text, &len, &cap, "  h%d: {}\n", i);
		add(&text, &len, &cap, "apps: { s: { host: h0, listen: 1 } }\n");
		break;
	}
	ck_assert_str_eq(first_error(text, NULL, 0, buf, sizeof(buf)), expected[_i]);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("networks");
	TCase *model = tcase_create("model");
	TCase *before = tcase_create("as before");
	TCase *errors = tcase_create("errors");

	tcase_add_test(model, test_nat_example);
	tcase_add_test(model, test_two_routers);
	tcase_add_test(model, test_one_network);
	tcase_add_test(model, test_thousand_hosts);
	tcase_add_test(model, test_overrides);
	tcase_add_test(before, test_files_as_before);
	tcase_add_test(before, test_written_as_before);
	tcase_add_test(errors, test_all_errors);
	tcase_add_test(errors, test_override_errors);
	tcase_add_loop_test(errors, test_limits, 0, 5);
	suite_add_tcase(s, model);
	suite_add_tcase(s, before);
	suite_add_tcase(s, errors);
	return nf_run_suite(s);
}
