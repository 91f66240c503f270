/*
 * test_routed_engine.c: routed networks through the engine (root): a run
 * of tests/data/router-cable.yaml (a router's one cable pulled and put
 * back with unplug/plug network:, then the router rebooted) delivers every
 * byte and its fault events name the network (what a run leaves is
 * checked by test_engine.c); a drop with network: on a router
 * (tests/data/router-drop-one-network.yaml) cuts that network's side only;
 * delay and loss with network: on a router (router-delay-one-network.yaml,
 * router-loss-one-network.yaml) act on the traffic that crosses that
 * interface only, with each impairment engine the kernel has; without
 * network:, on every interface (router-delay-every-interface.yaml).
 * drop and reject on a router act on what it forwards too
 * (router-drop-forwarded.yaml: the client times out, the server sees
 * nothing; router-reject-forwarded.yaml: r1's ICMP error names "from":
 * "r1", and after the heal a connect goes through).
 * The routed example scenarios (router-dead-host, pmtu-*) run with every
 * other example in test_engine.c.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "netns/qdisc.h"
#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

START_TEST(test_router_cable_and_reboot)
{
	struct run_log log = { 0 };
	json_t *result, *unplugs, *plugs, *unplug, *plug;

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/router-cable.yaml", &log);
	check_passed(result, "router-cable.yaml");
	unplugs = events_where(&log, "fault", "fault", "unplug");
	plugs = events_where(&log, "fault", "fault", "plug");
	unplug = json_array_get(unplugs, 0);
	plug = json_array_get(plugs, 0);
	ck_assert_ptr_nonnull(unplug);
	ck_assert_ptr_nonnull(plug);
	ck_assert_str_eq(nf_json_str(unplug, "host"), "r");
	ck_assert_str_eq(nf_json_str(unplug, "network"), "wan");
	ck_assert_str_eq(nf_json_str(plug, "network"), "wan");
	json_decref(unplugs);
	json_decref(plugs);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* FILE (a router's fault FAULT with network: wan) passes, and its one
 * fault event names wan. */
static void check_fault_on_wan(const char *file, const char *fault)
{
	struct run_log log = { 0 };
	json_t *result, *events;

	result = run_file(file, &log);
	check_passed(result, file);
	events = events_where(&log, "fault", "fault", fault);
	ck_assert_uint_eq(json_array_size(events), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(events, 0), "network"), "wan");
	json_decref(events);
	json_decref(result);
	log_free(&log);
}

/* drop with network: on a router: only what comes in on wan is dropped. */
START_TEST(test_router_drop_one_network)
{
	NF_REQUIRE_ROOT();
	check_fault_on_wan("tests/data/router-drop-one-network.yaml", "drop");
}
END_TEST

/* The request-replies of the client APP before (steps 1-2) and after
 * (steps 4-5) the fault, in seconds. */
static void request_replies(const struct run_log *log, const char *app, double *before,
			    double *after)
{
	*before = step_secs(log, app, 2);
	*after = step_secs(log, app, 5);
}

/* A delay on router r, with ENGINE, from FILE: the request-reply of app
 * DELAYED after the fault waits about the delay, 800ms (generous bounds:
 * against a request-reply of a few milliseconds), and so does app ALSO's
 * (NULL: none); that of app SPARED (NULL: none) does not; the fault's event names NETWORK (NULL:
 * none, every interface). */
static void check_delay(const char *file, enum sc_engine engine, const char *name,
			const char *delayed, const char *also, const char *spared,
			const char *network)
{
	struct run_log log = { 0 };
	json_t *result = NULL, *delays, *delay;
	double d0, d1, s0 = 0, s1 = 0;
	char what[160];
	int ret;

	ret = run_engine(load_data(file), engine, &log, &result);
	ck_assert_msg(ret == 0, "%s %s: engine_run %d: %s", file, name, ret,
		      json_string_value(json_object_get(result, "error")));
	snprintf(what, sizeof(what), "%s %s", file, name);
	check_passed(result, what);
	delays = events_where(&log, "fault", "fault", "delay");
	delay = json_array_get(delays, 0);
	ck_assert_ptr_nonnull(delay);
	if (network)
		ck_assert_str_eq(nf_json_str(delay, "network"), network);
	else
		ck_assert_ptr_null(json_object_get(delay, "network"));
	ck_assert_str_eq(nf_json_str(delay, "engine"), name);
	request_replies(&log, delayed, &d0, &d1);
	request_replies(&log, also ? also : spared ? spared : delayed, &s0, &s1);
	printf("%s, %s: %s %.1f -> %.1f ms, %s %.1f -> %.1f ms\n", file, name, delayed,
	       d0 * 1e3, d1 * 1e3, also ? also : spared, s0 * 1e3, s1 * 1e3);
	fflush(stdout);
	/* the recv step waits for the reply: the delay, less the send step's
	 * own time (a few ms, more in an emulated VM) */
	ck_assert_msg(d1 >= 0.7, "%s, %s: %s not delayed (%.1f -> %.1f ms)", file, name,
		      delayed, d0 * 1e3, d1 * 1e3);
	if (also)
		ck_assert_msg(s1 >= 0.7, "%s, %s: %s not delayed (%.1f -> %.1f ms)", file,
			      name, also, s0 * 1e3, s1 * 1e3);
	if (spared)
		ck_assert_msg(s1 < 0.4, "%s, %s: %s delayed (%.1f -> %.1f ms)", file, name,
			      spared, s0 * 1e3, s1 * 1e3);
	json_decref(delays);
	json_decref(result);
	log_free(&log);
}

/* delay with network: on a router, with ENGINE: only what crosses wan
 * waits; without network:, what leaves through either interface. */
static void check_delay_one_network(enum sc_engine engine, const char *name)
{
	check_delay("router-delay-one-network.yaml", engine, name, "to-remote", NULL,
		    "to-local", "wan");
	check_delay("router-delay-every-interface.yaml", engine, name, "from-lan", "from-wan",
		    NULL, NULL);
}

START_TEST(test_router_delay_one_network)
{
	int have;

	NF_REQUIRE_ROOT();
	check_delay_one_network(SC_ENGINE_QUEUE, "queue");
	have = netem_available(false);
	ck_assert_int_ge(have, 0);
	if (have)
		check_delay_one_network(SC_ENGINE_NETEM, "netem");
	else
		printf("router delay: netem engine not run: the kernel lacks sch_netem\n");
}
END_TEST

/* loss with network: on a router: what leaves it on wan is lost, what it
 * sends on lan is not. */
START_TEST(test_router_loss_one_network)
{
	NF_REQUIRE_ROOT();
	check_fault_on_wan("tests/data/router-loss-one-network.yaml", "loss");
}
END_TEST

/* drop on a router acts on what it forwards: out through its wan
 * interface, the client's send never reaches the server (the
 * scenario's expectations: client timeout, server nothing). */
START_TEST(test_router_drop_forwarded)
{
	struct run_log log = { 0 };
	json_t *result;

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/router-drop-forwarded.yaml", &log);
	check_passed(result, "router-drop-forwarded.yaml");
	ck_assert_str_eq(nf_json_str(app_result(result, "client"), "verdict"), "timeout");
	ck_assert_str_eq(nf_json_str(app_result(result, "server"), "verdict"), "nothing");
	json_decref(result);
	log_free(&log);
}
END_TEST

/* reject on a router acts on what it forwards: the client's connect is
 * refused by r1's ICMP error, named "from": "r1"; after r1's heal a
 * connect goes through (the forward rule went with the heal). */
START_TEST(test_router_reject_forwarded)
{
	struct run_log log = { 0 };
	json_t *result, *client;

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/router-reject-forwarded.yaml", &log);
	check_passed(result, "router-reject-forwarded.yaml");
	client = app_result(result, "client");
	ck_assert_str_eq(nf_json_str(client, "verdict"), "unreachable");
	ck_assert_str_eq(nf_json_str(client, "from"), "r1");
	ck_assert_str_eq(nf_json_str(app_result(result, "later"), "verdict"), "nothing");
	json_decref(result);
	log_free(&log);
}
END_TEST

static Suite *routed_engine_suite(void)
{
	Suite *s = suite_create("routed_engine");
	TCase *tc = tcase_create("routed_engine");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_router_cable_and_reboot);
	tcase_add_test(tc, test_router_drop_one_network);
	tcase_add_test(tc, test_router_delay_one_network);
	tcase_add_test(tc, test_router_loss_one_network);
	tcase_add_test(tc, test_router_drop_forwarded);
	tcase_add_test(tc, test_router_reject_forwarded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(routed_engine_suite());
}
