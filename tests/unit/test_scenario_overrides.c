/*
 * test_scenario_overrides.c: unit tests of the scenario parser's --set
 * overrides: what they replace and create, and the error each bad path or
 * value gives, which changes nothing. No privileges, no kernel objects.
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

/* ---- overrides ------------------------------------------------------------- */

START_TEST(test_overrides)
{
	static const struct sc_override ovr[] = {
		{ "apps.server.tcp.user_timeout", "2s" },          /* replaces */
		{ "apps.client.tcp.keepalive.idle", "5s" },        /* creates tcp, keepalive */
		{ "duration", "20s" },
		{ "description", "changed" },                      /* creates */
		{ "expect.client", "fin" },
		{ "expect.server.before", "9s" },
		{ "faults.0.at", "2s" },
		{ "hosts.client.sysctl.net.ipv4.tcp_retries2", "3" },
		{ "hosts.server.link", "{ delay: 10ms }" },        /* YAML text */
		{ "apps.server.steps.2.sleep", "4s" },
		{ "apps.server.steps.0", "sleep: 1s" },            /* a whole step */
		{ "faults.0.poweroff", "server" },
	};
	struct scenario *sc;
	size_t size = strlen(spec_example) + 1 + 64;
	char *text = malloc(size);

	/* a host written with no value can take keys too */
	snprintf(text, size, "%s", spec_example);
	memcpy(strstr(text, "  client: {}\n"), "  client:   \n", 13);
	sc = parse_ok_with(text, ovr, sizeof(ovr) / sizeof(ovr[0]));
	ck_assert_int_eq(app_named(sc, "server")->tcp.user_timeout_us, SEC(2));
	ck_assert_int_eq(app_named(sc, "client")->tcp.keepalive, 1);
	ck_assert_int_eq(app_named(sc, "client")->tcp.ka_idle_us, SEC(5));
	ck_assert_int_eq(sc->duration_us, SEC(20));
	ck_assert_str_eq(sc->description, "changed");
	ck_assert_int_eq(sc->expects[1].verdict, SC_VERDICT_FIN);
	ck_assert_int_eq(sc->expects[0].before_us, SEC(9));
	ck_assert_int_eq(sc->faults[0].at_us, SEC(2));
	ck_assert_int_eq(sc->faults[0].host, 1);
	ck_assert_uint_eq(host_named(sc, "client")->nsysctls, 1);
	ck_assert_str_eq(host_named(sc, "client")->sysctls[0].value, "3");
	ck_assert_str_eq(host_named(sc, "server")->sysctls[0].value, "5");
	ck_assert(host_named(sc, "server")->has_link);
	ck_assert_int_eq(host_named(sc, "server")->link.delay_us, SEC(0.01));
	/* steps 0 became a sleep, so the accept is implied again */
	ck_assert_int_eq(app_named(sc, "server")->steps[0].kind, SC_STEP_ACCEPT);
	ck_assert(app_named(sc, "server")->steps[0].implied);
	ck_assert_int_eq(app_named(sc, "server")->steps[1].sleep_us, SEC(1));
	ck_assert_int_eq(app_named(sc, "server")->steps[3].sleep_us, SEC(4));
	scenario_free(sc);
	free(text);
}
END_TEST

START_TEST(test_override_errors)
{
	static const struct {
		struct sc_override ovr;
		const char *error;
	} cases[] = {
		{ { "apps.server.tcp.usertimeout", "2s" },
		  "bad.yaml: --set apps.server.tcp.usertimeout=2s: apps.server.tcp has no key "
		  "\"usertimeout\" (did you mean user_timeout?)" },
		{ { "apps.servr.listen", "1" },
		  "bad.yaml: --set apps.servr.listen=1: no app named \"servr\" in the file "
		  "(did you mean server?)" },
		{ { "hosts.box.addr", "10.0.0.9" },
		  "bad.yaml: --set hosts.box.addr=10.0.0.9: no host named \"box\" in the file" },
		{ { "faults.3.at", "1s" },
		  "bad.yaml: --set faults.3.at=1s: faults has no item 3 (faults are counted from 0)" },
		{ { "faults.x.at", "1s" },
		  "bad.yaml: --set faults.x.at=1s: faults is a list: expected an item number after "
		  "it, not \"x\"" },
		{ { "apps.server.listen.port", "1" },
		  "bad.yaml: --set apps.server.listen.port=1: apps.server.listen takes a single "
		  "value, not keys" },
		{ { "apps.server.steps.2.send", "1" },
		  "bad.yaml: --set apps.server.steps.2.send=1: apps.server.steps.2 is a sleep step, "
		  "not send" },
		{ { "faults.0.crash", "server" },
		  "bad.yaml: --set faults.0.crash=server: faults.0 is a poweroff fault, not crash" },
		{ { "expect.server.sees.x", "fin" },
		  "bad.yaml: --set expect.server.sees.x=fin: expect.server.sees takes a single "
		  "value, not keys" },
		{ { "matrix.x", "1" }, "bad.yaml: --set matrix.x=1: matrix is not a key to set" },
		{ { "bogus", "1" },
		  "bad.yaml: --set bogus=1: unknown key \"bogus\" (expected format, name, "
		  "description, duration, networks, hosts, apps, faults, expect or matrix)" },
		{ { "apps..listen", "1" },
		  "bad.yaml: --set apps..listen=1: \"apps..listen\" has an empty key" },
		{ { "", "1" }, "bad.yaml: --set =1: expected PATH=VALUE, like apps.server.listen=5000" },
		{ { "name", "[a" },
		  "bad.yaml: --set name=[a: the value is not valid YAML: did not find expected ',' "
		  "or ']'" },
		/* a good path with a bad value is checked like the file */
		{ { "duration", "1" }, "bad.yaml: --set duration=1: 1: a duration needs a unit (1s?)" },
		{ { "apps.server.tcp", "{ nodelay: maybe }" },
		  "bad.yaml: --set apps.server.tcp={ nodelay: maybe }: maybe: expected true or "
		  "false for nodelay" },
		{ { "expect.client", "finn" },
		  "bad.yaml: --set expect.client=finn: unknown verdict \"finn\" (did you mean fin?)" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(first_error(spec_example, &cases[i].ovr, 1, buf, sizeof(buf)),
				 cases[i].error);
}
END_TEST

START_TEST(test_override_without_hosts)
{
	/* with no hosts: in the file, there is no host to name in a path */
	static const struct sc_override ovr[] = { { "hosts.client.addr", "10.0.0.9" } };
	char buf[256];

	ck_assert_str_eq(first_error("name: t\n" "apps:\n  client: { connect: \"10.0.0.9:1\" }\n",
				     ovr, 1, buf, sizeof(buf)),
			 "bad.yaml: --set hosts.client.addr=10.0.0.9: no host named \"client\" in "
			 "the file");
}
END_TEST

START_TEST(test_override_bad_path_changes_nothing)
{
	/*
	 * The path fails at its last key. Had expect.client been created on
	 * the way, it would be an expectation without sees: a second error.
	 */
	static const struct sc_override ovr[] = { { "expect.client.bogus", "1" } };
	struct sc_errors errs = { 0 };
	char buf[256];

	parse_bad_with(NAME APPS, ovr, 1, &errs);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "bad.yaml: --set expect.client.bogus=1: expect.client has no key "
			 "\"bogus\" (expected sees, after or before)");
	sc_errors_free(&errs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenario_overrides");
	TCase *valid = tcase_create("valid");
	TCase *errors = tcase_create("errors");

	tcase_add_test(valid, test_overrides);
	suite_add_tcase(s, valid);

	tcase_add_test(errors, test_override_errors);
	tcase_add_test(errors, test_override_bad_path_changes_nothing);
	tcase_add_test(errors, test_override_without_hosts);
	suite_add_tcase(s, errors);

	return nf_run_suite(s);
}
