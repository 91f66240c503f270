/*
 * test_scenario_steps.c: unit tests of the scenario parser: every form of
 * a step, every kind of fault (in time order), partition groups, rate
 * units, every form of expect, and the matrix. No privileges, no kernel
 * objects.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "tests/lib/scenariotest.h"
#include "tests/lib/testlib.h"

/* ---- steps --------------------------------------------------------------- */

START_TEST(test_steps_every_form)
{
	struct scenario *sc = parse_ok(
		"name: steps\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps:\n"
		"      - sleep: 500ms\n"
		"      - accept: { expect: ok }\n"
		"      - send: 26\n"
		"      - send: \"42\"\n"
		"      - send: hello world\n"
		"      - send: { bytes: 100, expect: EPIPE }\n"
		"      - send: { text: abc, expect: ECONNRESET }\n"
		"      - recv\n"
		"      - recv: 10\n"
		"      - recv: { bytes: 5, expect: eof }\n"
		"      - recv: { expect: ETIMEDOUT }\n"
		"      - wait: { expect: eof }\n"
		"      - sleep: { time: 1.5s }\n"
		"      - shutdown: write\n"
		"      - shutdown: { how: read, expect: ok }\n"
		"      - shutdown: both\n"
		"      - close\n"
		"      - abort:\n"
		"      - crash\n"
		"  client:\n"
		"    connect: server\n"
		"    steps: [{ send: 1 }, exit]\n"
		"  other:\n"
		"    connect: server\n"
		"    steps:\n"
		"      - sleep: 1s\n"
		"      - connect: { expect: ECONNREFUSED }\n"
		"      - hold\n");
	const struct sc_app *server = app_named(sc, "server");
	const struct sc_app *client = app_named(sc, "client");
	const struct sc_app *other = app_named(sc, "other");
	const struct sc_step *s = server->steps;

	ck_assert_uint_eq(server->nsteps, 19);
	ck_assert_int_eq(s[0].kind, SC_STEP_SLEEP);
	ck_assert_int_eq(s[0].sleep_us, SEC(0.5));
	ck_assert_int_eq(s[1].kind, SC_STEP_ACCEPT);
	ck_assert(s[1].has_expect && s[1].expect == SC_RESULT_OK && !s[1].implied);
	ck_assert_uint_eq(s[2].bytes, 26);
	ck_assert_ptr_null(s[2].text);
	ck_assert_str_eq(s[3].text, "42");          /* quoted: a text, not a count */
	ck_assert_uint_eq(s[3].bytes, 2);
	ck_assert_str_eq(s[4].text, "hello world");
	ck_assert_uint_eq(s[4].bytes, 11);
	ck_assert_uint_eq(s[5].bytes, 100);
	ck_assert_int_eq(s[5].expect, EPIPE);
	ck_assert_str_eq(s[6].text, "abc");
	ck_assert_int_eq(s[6].expect, ECONNRESET);
	ck_assert_int_eq(s[7].kind, SC_STEP_RECV);
	ck_assert_uint_eq(s[7].bytes, 0);
	ck_assert(!s[7].has_expect);
	ck_assert_uint_eq(s[8].bytes, 10);
	ck_assert_uint_eq(s[9].bytes, 5);
	ck_assert_int_eq(s[9].expect, SC_RESULT_EOF);
	ck_assert_int_eq(s[10].expect, ETIMEDOUT);
	ck_assert_int_eq(s[11].kind, SC_STEP_WAIT);
	ck_assert_int_eq(s[11].expect, SC_RESULT_EOF);
	ck_assert_int_eq(s[12].sleep_us, SEC(1.5));
	ck_assert_int_eq(s[13].kind, SC_STEP_SHUTDOWN);
	ck_assert_int_eq(s[13].shutdown_how, SHUT_WR);
	ck_assert_int_eq(s[14].shutdown_how, SHUT_RD);
	ck_assert(s[14].has_expect);
	ck_assert_int_eq(s[15].shutdown_how, SHUT_RDWR);
	ck_assert_int_eq(s[16].kind, SC_STEP_CLOSE);
	ck_assert_int_eq(s[17].kind, SC_STEP_ABORT);
	ck_assert_int_eq(s[18].kind, SC_STEP_CRASH);
	ck_assert_int_eq(s[18].line, 24);
	ck_assert_int_eq(s[18].col, 9);

	/* no connect written: one implied at the start */
	ck_assert_uint_eq(client->nsteps, 3);
	ck_assert_int_eq(client->steps[0].kind, SC_STEP_CONNECT);
	ck_assert(client->steps[0].implied);
	ck_assert_int_eq(client->steps[1].kind, SC_STEP_SEND);
	ck_assert_int_eq(client->steps[2].kind, SC_STEP_EXIT);

	/* a written connect is kept where it is */
	ck_assert_uint_eq(other->nsteps, 3);
	ck_assert_int_eq(other->steps[0].kind, SC_STEP_SLEEP);
	ck_assert_int_eq(other->steps[1].kind, SC_STEP_CONNECT);
	ck_assert(!other->steps[1].implied);
	ck_assert_int_eq(other->steps[1].expect, ECONNREFUSED);
	scenario_free(sc);
}
END_TEST

/* ---- faults -------------------------------------------------------------- */

START_TEST(test_faults_every_kind)
{
	struct scenario *sc = parse_ok(
		"name: faults\n"
		"apps:\n"
		"  server: { listen: 5000 }\n"
		"  client: { connect: server }\n"
		"faults:\n"
		"  - { at: 5s, heal: all }\n"
		"  - { at: 1s, poweroff: client }\n"
		"  - { at: 2s, poweron: { host: client } }\n"
		"  - { at: 1s, reboot: { host: server, down: 2s } }\n"
		"  - { at: 1s, reboot: server }\n"
		"  - { at: 3s, crash: server }\n"
		"  - { at: 3s, crash: { host: server, app: server, signal: SIGSEGV } }\n"
		"  - { at: 3s, crash: { app: client, signal: TERM } }\n"
		"  - { at: 4s, freeze: server }\n"
		"  - { at: 4s, thaw: server }\n"
		"  - { at: 4s, unplug: client }\n"
		"  - { at: 4s, plug: client }\n"
		"  - { at: 6s, delay: { host: client, time: 200ms, jitter: 20ms } }\n"
		"  - { at: 6s, loss: { host: client, percent: 30, direction: in, engine: netem } }\n"
		"  - { at: 6s, rate: { host: server, rate: 500kbit, direction: both } }\n"
		"  - { at: 7s, drop: client }\n"
		"  - { at: 7s, drop: { host: server, direction: out, proto: udp, port: 53 } }\n"
		"  - { at: 7s, reject: { host: server, with: tcp-reset, port: 5000 } }\n"
		"  - { at: 7s, reject: server }\n"
		"  - { at: 7s, reject: { host: server, with: icmp-admin-prohibited, proto: icmp } }\n"
		"  - { at: 8s, partition: [[client], [server]] }\n"
		"  - { at: 8s, partition: { from: client, to: [server] } }\n"
		"  - { at: 9s, heal: client }\n");
	static const enum sc_fault_kind order[] = {
		SC_FAULT_POWEROFF, SC_FAULT_REBOOT, SC_FAULT_REBOOT, SC_FAULT_POWERON,
		SC_FAULT_CRASH, SC_FAULT_CRASH, SC_FAULT_CRASH, SC_FAULT_FREEZE,
		SC_FAULT_THAW, SC_FAULT_UNPLUG, SC_FAULT_PLUG, SC_FAULT_HEAL,
		SC_FAULT_DELAY, SC_FAULT_LOSS, SC_FAULT_RATE, SC_FAULT_DROP,
		SC_FAULT_DROP, SC_FAULT_REJECT, SC_FAULT_REJECT, SC_FAULT_REJECT,
		SC_FAULT_PARTITION, SC_FAULT_PARTITION, SC_FAULT_HEAL,
	};
	const struct sc_fault *f = sc->faults;
	const int server = 0, client = 1;

	ck_assert_uint_eq(sc->nfaults, sizeof(order) / sizeof(order[0]));
	/* sorted by at; faults at the same time keep the file's order */
	for (size_t i = 0; i < sc->nfaults; i++) {
		ck_assert_msg(f[i].kind == order[i], "fault %zu is %s", i, sc_fault_name(f[i].kind));
		if (i > 0)
			ck_assert_int_le(f[i - 1].at_us, f[i].at_us);
	}
	ck_assert_int_eq(f[0].host, client);
	ck_assert_int_eq(f[1].down_us, SEC(2));
	ck_assert_int_eq(f[1].line, 9);
	ck_assert_int_eq(f[2].down_us, SEC(1));        /* the default */
	ck_assert_int_eq(f[2].line, 10);
	ck_assert_int_eq(f[3].host, client);
	ck_assert_int_eq(f[3].at_us, SEC(2));
	ck_assert_int_eq(f[4].host, server);           /* crash: HOST */
	ck_assert_int_eq(f[4].app, -1);
	ck_assert_int_eq(f[4].signal, SIGKILL);
	ck_assert_int_eq(f[5].app, server);
	ck_assert_int_eq(f[5].signal, SIGSEGV);
	ck_assert_int_eq(f[6].app, client);            /* host taken from the app */
	ck_assert_int_eq(f[6].host, client);
	ck_assert_int_eq(f[6].signal, SIGTERM);
	ck_assert_int_eq(f[11].host, -1);              /* heal: all */
	ck_assert_int_eq(f[12].impair.delay_us, SEC(0.2));
	ck_assert_int_eq(f[12].impair.jitter_us, SEC(0.02));
	ck_assert_int_eq(f[12].direction, SC_DIR_OUT);
	ck_assert_double_eq(f[13].impair.loss_percent, 30.0);
	ck_assert_int_eq(f[13].direction, SC_DIR_IN);
	ck_assert_int_eq(f[13].impair.engine, SC_ENGINE_NETEM);
	ck_assert_uint_eq(f[14].impair.rate_bps, 500000);
	ck_assert_int_eq(f[14].direction, SC_DIR_BOTH);
	ck_assert_int_eq(f[14].host, server);
	ck_assert_int_eq(f[15].host, client);          /* drop: HOST, defaults */
	ck_assert_int_eq(f[15].direction, SC_DIR_IN);
	ck_assert_int_eq(f[15].proto, 0);
	ck_assert_int_eq(f[15].port, 0);
	ck_assert_int_eq(f[16].direction, SC_DIR_OUT);
	ck_assert_int_eq(f[16].proto, IPPROTO_UDP);
	ck_assert_int_eq(f[16].port, 53);
	ck_assert_int_eq(f[17].reject_with, SC_REJECT_TCP_RESET);
	ck_assert_int_eq(f[17].port, 5000);
	ck_assert_int_eq(f[17].direction, SC_DIR_IN);
	ck_assert_int_eq(f[18].reject_with, SC_REJECT_ICMP_PORT);   /* the default */
	ck_assert_int_eq(f[19].reject_with, SC_REJECT_ICMP_ADMIN);
	ck_assert_int_eq(f[19].proto, IPPROTO_ICMP);
	ck_assert(!f[20].one_way);
	ck_assert_int_eq(f[20].host, -1);
	ck_assert_int_eq(f[20].group[client], 1);
	ck_assert_int_eq(f[20].group[server], 2);
	ck_assert(f[21].one_way);
	ck_assert(f[21].from[client] && !f[21].from[server]);
	ck_assert(f[21].to[server] && !f[21].to[client]);
	ck_assert_int_eq(f[22].host, client);
	scenario_free(sc);
}
END_TEST

START_TEST(test_partition_groups)
{
	struct scenario *sc = parse_ok(
		"name: partition\n"
		"hosts: { a: {}, b: {}, c: {}, d: {} }\n"
		"apps:\n"
		"  s: { host: a, listen: 1 }\n"
		"faults:\n"
		"  - at: 1s\n"
		"    partition: [[a, b], c]\n"
		"  - at: 2s\n"
		"    partition: { from: [a, b], to: [c, d] }\n");
	const struct sc_fault *f = sc->faults;

	ck_assert_int_eq(f[0].group[0], 1);
	ck_assert_int_eq(f[0].group[1], 1);
	ck_assert_int_eq(f[0].group[2], 2);
	ck_assert_int_eq(f[0].group[3], 0);            /* in no group */
	ck_assert(f[1].from[0] && f[1].from[1] && !f[1].from[2] && !f[1].from[3]);
	ck_assert(!f[1].to[0] && !f[1].to[1] && f[1].to[2] && f[1].to[3]);
	scenario_free(sc);
}
END_TEST

START_TEST(test_rate_units)
{
	/* tc's units: "bit" counts bits, "bps" bytes */
	static const struct {
		const char *text;
		uint64_t bps;
	} rates[] = {
		{ "1mbit", 1000000 }, { "500kbit", 500000 }, { "10gbit", 10000000000ULL },
		{ "100bps", 800 }, { "1.5mbit", 1500000 }, { "2kbps", 16000 },
		{ "1kibit", 1024 }, { "8bit", 8 }, { "1Mbit", 1000000 }, { "2mbps", 16000000 },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct scenario *sc;

		snprintf(text, sizeof(text), "name: r\napps: { s: { listen: 1 } }\n"
			 "faults: [{ at: 1s, rate: { host: s, rate: %s } }]\n", rates[i].text);
		sc = parse_ok(text);
		ck_assert_msg(sc->faults[0].impair.rate_bps == rates[i].bps, "%s gave %llu",
			      rates[i].text, (unsigned long long)sc->faults[0].impair.rate_bps);
		scenario_free(sc);
	}
}
END_TEST

/* ---- expect and matrix ----------------------------------------------------- */

START_TEST(test_expect_forms)
{
	static const char *const words[] = {
		"fin", "rst", "timeout", "unreachable", "refused", "nothing",
	};
	static const enum sc_verdict verdicts[] = {
		SC_VERDICT_FIN, SC_VERDICT_RST, SC_VERDICT_TIMEOUT, SC_VERDICT_UNREACHABLE,
		SC_VERDICT_REFUSED, SC_VERDICT_NOTHING,
	};
	char text[512];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct scenario *sc;

		snprintf(text, sizeof(text), "name: e\napps: { s: { listen: 1 }, c: { connect: s } }\n"
			 "expect:\n  c: %s\n  s: { sees: %s, after: 1s }\n", words[i], words[i]);
		sc = parse_ok(text);
		ck_assert_uint_eq(sc->nexpects, 2);
		ck_assert_int_eq(sc->expects[0].app, 1);
		ck_assert_int_eq(sc->expects[0].verdict, verdicts[i]);
		ck_assert_int_eq(sc->expects[0].line, 4);
		ck_assert_int_eq(sc->expects[0].col, 3);
		ck_assert_int_eq(sc->expects[1].app, 0);
		ck_assert_int_eq(sc->expects[1].verdict, verdicts[i]);
		ck_assert_int_eq(sc->expects[1].after_us, SEC(1));
		ck_assert_int_eq(sc->expects[1].before_us, -1);
		scenario_free(sc);
	}
}
END_TEST

START_TEST(test_matrix)
{
	struct scenario *sc = parse_ok(
		"name: sweep\n"
		"hosts:\n"
		"  server: {}\n"
		"  client: {}\n"
		"apps:\n"
		"  server: { listen: 5000, steps: [accept, { sleep: 1s }, recv] }\n"
		"  client: { connect: server }\n"
		"faults: [{ at: 1s, poweroff: client }]\n"
		"matrix:\n"
		"  apps.server.tcp.keepalive.idle: [1s, 2s, 4s]\n"
		"  apps.server.tcp.keepalive.count: [1, 3]\n"
		"  faults.0.at: [1s, 2s]\n"
		"  apps.server.steps.1.sleep: [0s, 5s]\n"
		"  hosts.client.sysctl.net.ipv4.tcp_retries2: [3, 15]\n"
		"  expect.client: [fin, rst]\n");
	const struct sc_matrix_key *m = sc->matrix;

	ck_assert_uint_eq(sc->nmatrix, 6);
	ck_assert_str_eq(m[0].path, "apps.server.tcp.keepalive.idle");
	ck_assert_uint_eq(m[0].nvalues, 3);
	ck_assert_str_eq(m[0].values[0], "1s");
	ck_assert_str_eq(m[0].values[2], "4s");
	ck_assert_int_eq(m[0].line, 10);
	ck_assert_int_eq(m[0].col, 3);
	ck_assert_str_eq(m[1].values[1], "3");
	ck_assert_str_eq(m[4].path, "hosts.client.sysctl.net.ipv4.tcp_retries2");
	ck_assert_str_eq(m[5].values[1], "rst");
	/* the scenario itself is read as written */
	ck_assert_int_eq(sc->apps[0].tcp.keepalive, -1);
	scenario_free(sc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenario_steps");
	TCase *valid = tcase_create("valid");

	tcase_add_test(valid, test_steps_every_form);
	tcase_add_test(valid, test_faults_every_kind);
	tcase_add_test(valid, test_partition_groups);
	tcase_add_test(valid, test_rate_units);
	tcase_add_test(valid, test_expect_forms);
	tcase_add_test(valid, test_matrix);
	suite_add_tcase(s, valid);

	return nf_run_suite(s);
}
