/*
 * test_netfaults.c: the effects of the engine's network faults for real
 * (root), judged by what the apps' steps and verdicts show, not by what the
 * engine says it did: a 200ms delay adds 200ms to a request-reply; a link
 * delay both ways costs a connect a round trip, and a later delay fault
 * replaces the link's; a 1 Mbit/s link takes about a second for 125000
 * bytes; drop, partition and 100 % loss turn the server's verdict from
 * nothing (the same scenario without the fault) into timeout; a one-way
 * partition lets the other way through; an ICMPv6 admin-prohibited
 * (EACCES) is an unreachable. test_netfaults_engine.c has which engine
 * serves, heal and the delay lines.
 *
 * After every run: no namespace of the run, no child process of the test
 * (app or delay line, zombie or not), the root namespace unchanged
 * (tests/lib/enginetest.c). Scenario files are read from $NF_SCENARIO_DIR
 * (default "scenarios") and tests/data. NF_TEST_EVENTS=1 prints every event.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/engine.h"
#include "netns/qdisc.h"
#include "scenario/scenario.h"
#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

#define TEST_TIMEOUT_S 60

static const char *verdict_of(json_t *result, const char *app)
{
	return nf_json_str(app_result(result, app), "verdict");
}

/* ---- effects ------------------------------------------------------------ */

/* delay.yaml: the request-reply after the 200ms delay takes 200ms. */
START_TEST(test_delay_effect)
{
	struct run_log log = { 0 };
	json_t *result, *faults;
	double before, after;

	NF_REQUIRE_ROOT();
	result = run_passing(load_example("delay.yaml"), &log);
	faults = events_where(&log, "fault", "fault", "delay");
	ck_assert_int_eq(json_array_size(faults), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "engine"), auto_engine());
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), auto_engine());
	/* client steps: 0 connect, 1 send, 2 recv, 3 sleep, 4 send, 5 recv */
	before = step_secs(&log, "client", 2);
	after = step_secs(&log, "client", 5);
	printf("delay: request-reply %.1f ms before the fault, %.1f ms after\n",
	       before * 1e3, after * 1e3);
	/* a packet is never early: before the fault no 200ms, after it at
	 * least 200ms (a busy machine only adds, to either: their difference
	 * is no bound); not absurdly late either (a second: a broken delay,
	 * not a busy machine; precision is make bench's) */
	ck_assert_double_lt(before, 0.195);
	ck_assert_double_ge(after, 0.195);
	ck_assert_double_le(after, 0.200 + 1.0);
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A link delay both ways: a connect costs a round trip, 2 x 100ms; a later
 * delay fault on the same direction replaces the link's (200ms out). */
START_TEST(test_link_both_ways_and_replace)
{
	struct run_log log = { 0 };
	json_t *result;
	double connect, rr1, rr2;

	NF_REQUIRE_ROOT();
	result = run_passing(load_data("link-both-ways.yaml"), &log);
	connect = step_secs(&log, "client", 0);
	rr1 = step_secs(&log, "client", 2);
	rr2 = step_secs(&log, "client", 5);
	printf("link: connect %.1f ms, request-reply %.1f ms, after the fault %.1f ms\n",
	       connect * 1e3, rr1 * 1e3, rr2 * 1e3);
	ck_assert_double_ge(connect, 0.195);
	ck_assert_double_le(connect, 0.200 + 1.0);   /* not absurdly late */
	ck_assert_double_ge(rr1, 0.195);
	ck_assert_double_le(rr1, 0.200 + 1.0);
	/* out 300ms (replacing the link's 100ms), in still 100ms */
	ck_assert_double_ge(rr2, 0.395);
	ck_assert_double_le(rr2, 0.400 + 1.0);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* rate.yaml: 125000 bytes through 1 Mbit/s take about a second. */
START_TEST(test_rate_effect)
{
	struct run_log log = { 0 };
	json_t *result;
	double secs;

	NF_REQUIRE_ROOT();
	result = run_passing(load_example("rate.yaml"), &log);
	secs = step_secs(&log, "client", 1);
	printf("rate: 125000 bytes in %.3f s\n", secs);
	ck_assert_double_ge(secs, 0.95);
	ck_assert_double_le(secs, 2.0);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* The same two apps (tests/data/pair.yaml) with and without a fault,
 * appended to the file's text: the server sends at 1s and waits for the
 * client's "ack". */
static const struct {
	const char *name;
	const char *faults;
	const char *server;        /* its verdict */
	const char *engine;        /* of the fault; NULL: the impairment engine */
	bool client_gets_data;     /* the client's second recv must succeed */
} pair_cases[] = {
	{ "no fault", "", "nothing", "", true },
	{ "drop on the client's input",
	  "faults:\n  - at: 500ms\n    drop: { host: client, direction: in }\n",
	  "timeout", "nftables", false },
	{ "partition",
	  "faults:\n  - at: 500ms\n    partition: [[client], [server]]\n",
	  "timeout", "nftables", false },
	{ "100% loss on the server's way out",
	  "faults:\n  - at: 500ms\n    loss: { host: server, percent: 100 }\n",
	  "timeout", NULL, false },
	/* one way: the server's data reaches the client, the ACKs do not */
	{ "one-way partition from client to server",
	  "faults:\n  - at: 500ms\n    partition: { from: client, to: server }\n",
	  "timeout", "nftables", true },
	{ "drop healed at once",
	  "faults:\n  - at: 500ms\n    drop: { host: client, direction: both }\n"
	  "  - at: 600ms\n    heal: client\n",
	  "nothing", "nftables", true },
};

START_TEST(test_fault_turns_nothing_into_timeout)
{
	char text[2048], *pair;
	struct run_log log = { 0 };
	json_t *result = NULL, *faults, *v;
	const char *want_engine;
	int ret;

	NF_REQUIRE_ROOT();
	pair = data_text("pair.yaml");
	snprintf(text, sizeof(text), "%s%s", pair, pair_cases[_i].faults);
	free(pair);
	ret = run_engine(parse("pair.yaml", text), SC_ENGINE_AUTO, &log, &result);
	ck_assert_msg(ret == 0, "%s: engine_run %d: %s", pair_cases[_i].name, ret,
		      json_string_value(json_object_get(result, "error")));
	ck_assert_msg(strcmp(verdict_of(result, "server"), pair_cases[_i].server) == 0,
		      "%s: the server saw %s, expected %s", pair_cases[_i].name,
		      verdict_of(result, "server"), pair_cases[_i].server);
	if (strcmp(pair_cases[_i].server, "timeout") == 0) {
		v = json_object_get(app_result(result, "server"), "t");
		ck_assert_double_ge(json_number_value(v), 2.4);   /* 1s + 1.5s */
	}
	if (pair_cases[_i].client_gets_data)
		ck_assert_str_eq(nf_json_str(step_of(&log, "client", 2), "result"), "ok");
	else
		ck_assert_str_eq(verdict_of(result, "client"), "nothing");
	faults = events_where(&log, "fault", NULL, NULL);
	want_engine = pair_cases[_i].engine ? pair_cases[_i].engine : auto_engine();
	if (json_array_size(faults))
		ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "engine"), want_engine);
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ICMPv6 admin-prohibited (tests/data/icmp6-admin-prohibited.yaml): the kernel says EACCES (a soft error for a
 * connect, reported when its SYN is retransmitted, about 1s later), and the
 * verdict is unreachable. */
START_TEST(test_icmp6_admin_prohibited)
{
	struct run_log log = { 0 };
	json_t *result;

	NF_REQUIRE_ROOT();
	result = run_passing(load_data("icmp6-admin-prohibited.yaml"), &log);
	ck_assert_str_eq(nf_json_str(step_of(&log, "client", 1), "result"), "EACCES");
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *netfaults_suite(void)
{
	Suite *s = suite_create("netfaults");
	TCase *effect = tcase_create("Kernel: the faults' effects");

	tcase_set_timeout(effect, TEST_TIMEOUT_S);
	tcase_add_test(effect, test_delay_effect);
	tcase_add_test(effect, test_link_both_ways_and_replace);
	tcase_add_test(effect, test_rate_effect);
	tcase_add_loop_test(effect, test_fault_turns_nothing_into_timeout, 0,
			    (int)(sizeof(pair_cases) / sizeof(pair_cases[0])));
	tcase_add_test(effect, test_icmp6_admin_prohibited);
	suite_add_tcase(s, effect);
	return s;
}

int main(void)
{
	return nf_run_suite(netfaults_suite());
}
