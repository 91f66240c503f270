/*
 * test_from.c: who sent it (root). A verdict caused by a packet names the
 * host that sent the packet, from the wire view: the result's "from", the
 * "verdict" event's "from", the wire view's "from", and the evidence in
 * words ("RST from client 10.0.0.2", "ICMP host unreachable from server
 * 10.0.0.1"). The views still agree.
 *
 *   - crash-unread: the client's kernel resets: rst from the client;
 *   - reject-reset: the server host's firewall resets: rst from the server;
 *   - reject-icmp: its ICMP host unreachable, to an established connection
 *     and to a SYN: unreachable from the server; the same over IPv6 with an
 *     ICMPv6 administratively prohibited;
 *   - a connect refused by the server's kernel: refused from the server;
 *     an error the client's own kernel made (no route): no "from";
 *   - an RST from an address no host of the run has (a cmd app adds it to
 *     the server's host): "from" is the address;
 *   - routed: a router's ICMP host unreachable for a dead host names the
 *     router (scenarios/router-dead-host.yaml); a router that resets in the
 *     server's name is named, the server's own RST it forwards is the
 *     server's (tests/data/from-router-reset.yaml); a load balancer's
 *     reset of an expired flow names it (lb-idle-reset.yaml), a Linux NAT
 *     gateway's reset of the server's late send names the gateway
 *     (nat-pickup-server-rst.yaml); an app on a router hears the RST and
 *     the ICMP error of the next router on its eth1, which is captured
 *     like eth0 (tests/data/from-router-eth1.yaml).
 *
 * The cases whose senders are hosts of the run are one table, from_cases.
 *
 * After every run: nothing of it left (tests/lib/enginetest.c).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

#define TEST_TIMEOUT_S 60

/* HOST's address KEY ("addr", "addr6") as the topology event gives it,
 * without its prefix. */
static const char *host_addr_of(const struct run_log *log, const char *host, const char *key,
				char *buf, size_t len)
{
	json_t *topo = json_array_get(events_of(log, "topology", NULL), 0);
	json_t *h;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(topo, "hosts"), i, h)
		if (strcmp(json_string_value(json_object_get(h, "name")), host) == 0)
			snprintf(buf, len, "%s", json_string_value(json_object_get(h, key)));
	json_decref(topo);
	buf[strcspn(buf, "/")] = '\0';
	ck_assert_msg(buf[0], "no %s of host %s in the topology event", key, host);
	return buf;
}

static const char *host_addr(const struct run_log *log, const char *host, char *buf,
			     size_t len)
{
	return host_addr_of(log, host, "addr", buf, len);
}

/* The host whose IPv4 address is ADDR ("10.0.0.1"). */
static const char *host_with(const struct run_log *log, const char *addr, char *buf,
			     size_t len)
{
	json_t *topo = json_array_get(events_of(log, "topology", NULL), 0);
	json_t *h;
	size_t i, n = strlen(addr);

	buf[0] = '\0';
	json_array_foreach(json_object_get(topo, "hosts"), i, h) {
		const char *a = json_string_value(json_object_get(h, "addr"));

		if (a && strncmp(a, addr, n) == 0 && a[n] == '/')
			snprintf(buf, len, "%s", json_string_value(json_object_get(h, "name")));
	}
	json_decref(topo);
	ck_assert_msg(buf[0], "no host has %s", addr);
	return buf;
}

/*
 * APP's verdict is VERDICT from FROM (NULL: no "from" anywhere), and its
 * evidence holds SENT (when not NULL): in the result, in the "verdict"
 * event, in the wire view; its views agree.
 */
static void check_from(json_t *result, const struct run_log *log, const char *app,
		       const char *verdict, const char *from, const char *sent)
{
	json_t *a = app_result(result, app);
	json_t *ev = event_of(log, "verdict", app);
	json_t *wire = json_object_get(json_object_get(a, "views"), "wire");
	const char *evidence = json_string_value(json_object_get(a, "evidence"));
	const char *got = json_string_value(json_object_get(a, "from"));

	ck_assert_msg(strcmp(json_string_value(json_object_get(a, "verdict")), verdict) == 0,
		      "%s saw %s, expected %s", app,
		      json_string_value(json_object_get(a, "verdict")), verdict);
	ck_assert_msg(json_object_get(a, "from"), "%s: the result has no \"from\"", app);
	if (!from) {
		ck_assert_msg(json_is_null(json_object_get(a, "from")),
			      "%s: from %s, expected null", app, got ? got : "?");
		ck_assert_msg(!json_object_get(ev, "from"), "%s: the verdict event has from",
			      app);
		return;
	}
	ck_assert_msg(got && strcmp(got, from) == 0, "%s: from %s, expected %s", app,
		      got ? got : "null", from);
	ck_assert_msg(strcmp(json_string_value(json_object_get(ev, "from")) ?: "", from) == 0,
		      "%s: the verdict event's from is %s, expected %s", app,
		      json_string_value(json_object_get(ev, "from")) ?: "absent", from);
	ck_assert_msg(json_is_object(wire) &&
		      strcmp(json_string_value(json_object_get(wire, "from")) ?: "", from) == 0,
		      "%s: the wire view does not name %s", app, from);
	ck_assert_msg(strstr(json_string_value(json_object_get(ev, "evidence")), sent),
		      "%s: the verdict event's evidence lacks \"%s\"", app, sent);
	ck_assert_msg(evidence && strstr(evidence, sent), "%s: evidence \"%s\" lacks \"%s\"",
		      app, evidence ? evidence : "", sent);
	ck_assert_msg(strstr(json_string_value(json_object_get(wire, "evidence")), sent),
		      "%s: the wire view's evidence lacks \"%s\"", app, sent);
	ck_assert_msg(json_is_true(json_object_get(a, "agree")), "%s: the views disagree", app);
}

START_TEST(test_refused)
{
	struct run_log log = { 0 };
	json_t *result;
	char host[32], sent[96];

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/refused-unreachable-halfclose.yaml", &log);
	check_passed(result, "refused-unreachable-halfclose.yaml");
	/* nobody connects to 10.0.0.1:5001: that host's kernel refuses */
	host_with(&log, "10.0.0.1", host, sizeof(host));
	snprintf(sent, sizeof(sent), "RST from %s 10.0.0.1", host);
	check_from(result, &log, "nobody", "refused", host, sent);
	/* no route: the client's own kernel says so, nothing on the wire */
	check_from(result, &log, "noroute", "unreachable", NULL, NULL);
	check_from(result, &log, "client", "fin", NULL, NULL);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_foreign_address)
{
	struct run_log log = { 0 };
	json_t *result;
	char addr[64], sent[96];

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/from-foreign-address.yaml", &log);
	check_passed(result, "from-foreign-address.yaml");
	check_from(result, &log, "stranger", "refused", "10.0.0.99", "RST from 10.0.0.99");
	snprintf(sent, sizeof(sent), "RST from server %s",
		 host_addr(&log, "server", addr, sizeof(addr)));
	check_from(result, &log, "known", "refused", "server", sent);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* Runs the scenario PATH; NULL with SKIP saying why when it is absent. */
static json_t *run_routed(const char *path, struct run_log *log, char *skip, size_t len)
{
	json_t *result;

	if (access(path, R_OK) != 0) {
		snprintf(skip, len, "%s is not there", path);
		return NULL;
	}
	result = run_file(path, log);
	check_passed(result, path);
	return result;
}

/* ---- who sent it, case by case ------------------------------------------- */

/* One app's verdict in a case: FROM sent the packet (NULL: no "from"),
 * described as WHAT ("RST"), then, when AS is set, ", sent as AS", then the
 * address (KEY "addr" or "addr6" in the topology event) of AS or else
 * FROM; ADDR instead of that address when set (a prefix of it). */
struct from_check {
	const char *app, *verdict, *from, *what, *as, *key, *addr;
};

#define FROM_CHECKS 3

static const struct from_case {
	const char *path;             /* from the project's root */
	struct from_check checks[FROM_CHECKS];
} from_cases[] = {
	/* the client's kernel resets */
	{ "scenarios/crash-unread.yaml", {
		{ "server", "rst", "client", "RST", NULL, "addr", NULL },
		{ "client", "nothing", NULL, NULL, NULL, NULL, NULL } } },
	/* the server host's firewall resets */
	{ "scenarios/reject-reset.yaml", {
		{ "client", "rst", "server", "RST", NULL, "addr", NULL },
		{ "server", "nothing", NULL, NULL, NULL, NULL, NULL } } },
	/* its ICMP host unreachable, to an established connection and a SYN */
	{ "scenarios/reject-icmp.yaml", {
		{ "client", "unreachable", "server", "ICMP host unreachable", NULL, "addr", NULL },
		{ "prober", "unreachable", "server", "ICMP host unreachable", NULL, "addr", NULL },
		{ "server", "nothing", NULL, NULL, NULL, NULL, NULL } } },
	/* the same over IPv6, administratively prohibited */
	{ "tests/data/icmp6-admin-prohibited.yaml", {
		{ "client", "unreachable", "server", "ICMP administratively prohibited", NULL,
		  "addr6", NULL } } },
	/* a router's ICMP host unreachable for a dead host: its lan address, the
	 * client's network, is its eth0's */
	{ "scenarios/router-dead-host.yaml", {
		{ "client", "unreachable", "r", "ICMP host unreachable", NULL, "addr", NULL } } },
	/* a router that resets in the server's name; the server's own RST it
	 * forwards is the server's */
	{ "tests/data/from-router-reset.yaml", {
		{ "client", "refused", "r", "RST", "server", "addr", NULL },
		{ "direct", "refused", "server", "RST", NULL, "addr", NULL } } },
	/* an app on a router hears the next router on its eth1 (r2's eth0 is on
	 * wan) */
	{ "tests/data/from-router-eth1.yaml", {
		{ "refused", "refused", "r2", "RST", NULL, "addr", NULL },
		{ "dead", "unreachable", "r2", "ICMP host unreachable", NULL, "addr", NULL } } },
	/* a load balancer's reset of an expired flow */
	{ "scenarios/lb-idle-reset.yaml", {
		{ "client", "rst", "lb", "RST", "server", "addr", NULL } } },
	/* a Linux NAT gateway's reset of the server's late send: its address
	 * toward the server, not its eth0's */
	{ "scenarios/nat-pickup-server-rst.yaml", {
		{ "server", "rst", "gw", "RST", NULL, NULL, "10." } } },
};

/* True when the result's captures have one of HOST's INTERFACE that saw
 * packets. */
static bool captured_on(json_t *result, const char *host, const char *iface)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(result, "captures"), i, c)
		if (strcmp(nf_json_str(c, "host"), host) == 0 &&
		    strcmp(nf_json_str(c, "interface"), iface) == 0 &&
		    json_integer_value(json_object_get(c, "packets")) > 0)
			return true;
	return false;
}

START_TEST(test_from_case)
{
	const struct from_case *fc = &from_cases[_i];
	struct run_log log = { 0 };
	json_t *result;
	char addr[64], sent[160], skip[600];

	NF_REQUIRE_ROOT();
	result = run_routed(fc->path, &log, skip, sizeof(skip));
	if (!result)
		NF_SKIP("%s", skip);
	for (size_t k = 0; k < FROM_CHECKS && fc->checks[k].app; k++) {
		const struct from_check *ck = &fc->checks[k];
		const char *who = ck->as ? ck->as : ck->from;

		if (ck->from && ck->addr)
			snprintf(addr, sizeof(addr), "%s", ck->addr);
		else if (ck->from)
			host_addr_of(&log, who, ck->key, addr, sizeof(addr));
		if (ck->from)
			snprintf(sent, sizeof(sent), "%s from %s%s%s %s", ck->what, ck->from,
				 ck->as ? ", sent as " : "", ck->as ? ck->as : "", addr);
		check_from(result, &log, ck->app, ck->verdict, ck->from, ck->from ? sent : NULL);
	}
	/* a router's other interfaces are captured as its eth0 is */
	if (strstr(fc->path, "from-router-eth1")) {
		ck_assert_msg(captured_on(result, "r1", "eth1"), "nothing captured on r1's eth1");
		ck_assert_msg(captured_on(result, "r2", "eth1"), "nothing captured on r2's eth1");
	}
	json_decref(result);
	log_free(&log);
}
END_TEST

static Suite *from_suite(void)
{
	Suite *s = suite_create("from");
	TCase *tc = tcase_create("Kernel: who sent the RST or ICMP error");

	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_foreign_address);
	tcase_add_loop_test(tc, test_from_case, 0,
			    (int)(sizeof(from_cases) / sizeof(from_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(from_suite());
}
