/*
 * test_scenario_errors.c: unit tests of the scenario parser's errors: one
 * file with several mistakes reports all of them, at most SC_MAX_ERRORS;
 * every limit (hosts, apps, steps, faults...) is enforced with its own
 * error, and reaching it exactly is allowed; a file over SC_MAX_TEXT is
 * refused. No privileges, no kernel objects.
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

/* ---- many errors in one file ----------------------------------------------- */

START_TEST(test_all_errors_reported)
{
	static const char text[] =
		"name: several mistakes\n"
		"duration: 10\n"
		"hosts:\n"
		"  client: { adr: 10.0.0.1 }\n"
		"  server: {}\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps: [accept, sned: 5]\n"
		"  client:\n"
		"    connect: sever\n"
		"faults:\n"
		"  - at: 1s\n"
		"    power_off: client\n"
		"expect:\n"
		"  server: { sees: timeout, after: 8s, before: 3s }\n";
	static const char *const expected[] = {
		"bad.yaml:2:11: 10: a duration needs a unit (10s?)",
		"bad.yaml:4:13: unknown key \"adr\" (did you mean addr?)",
		"bad.yaml:9:21: unknown step \"sned\" (did you mean send?)",
		"bad.yaml:11:14: unknown app or host \"sever\" (did you mean server?)",
		"bad.yaml:14:5: unknown fault \"power_off\" (did you mean poweroff?)",
		"bad.yaml:16:47: before: 3s is earlier than after: 8s",
	};
	struct sc_errors errs = { 0 };
	char buf[512];

	parse_bad_with(text, NULL, 0, &errs);
	ck_assert_str_eq(errs.file, "bad.yaml");
	ck_assert_uint_eq(errs.n, sizeof(expected) / sizeof(expected[0]));
	ck_assert_uint_eq(errs.dropped, 0);
	for (size_t i = 0; i < errs.n; i++)
		ck_assert_str_eq(sc_error_format(&errs, i, buf, sizeof(buf)), expected[i]);
	/* past the end: nothing (no dropped errors to count) */
	ck_assert_str_eq(sc_error_format(&errs, errs.n, buf, sizeof(buf)), "");
	sc_errors_free(&errs);
}
END_TEST

START_TEST(test_error_limit)
{
	size_t len = 0, cap = 64 * 1024;
	char *text = malloc(cap);
	struct sc_errors errs = { 0 };
	char buf[256];

	len += (size_t)snprintf(text + len, cap - len, "name: n\napps:\n  s:\n    listen: 1\n"
				"hosts:\n  s:\n");
	for (int i = 0; i < SC_MAX_ERRORS + 50; i++)
		len += (size_t)snprintf(text + len, cap - len, "    bogus%d: 1\n", i);
	parse_bad_with(text, NULL, 0, &errs);
	ck_assert_uint_eq(errs.n, SC_MAX_ERRORS);
	ck_assert_uint_eq(errs.dropped, 50);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "bad.yaml:7:5: unknown key \"bogus0\" (expected addr, addr6, mac, sysctl, "
			 "link, network, gateway or middlebox)");
	ck_assert_str_eq(sc_error_format(&errs, errs.n, buf, sizeof(buf)),
			 "bad.yaml: 50 more errors not shown");
	sc_errors_free(&errs);
	free(text);
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

struct text_buf {
	char *s;
	size_t len, cap;
};

static void add(struct text_buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text_buf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	t->len += (size_t)n;
}

static void limit_text(struct text_buf *t, int what)
{
	add(t, "name: limits\n");
	switch (what) {
	case 0:                                        /* hosts */
		add(t, "hosts:\n");
		for (int i = 0; i <= SC_MAX_HOSTS; i++)
			add(t, "  h%d: {}\n", i);
		add(t, "apps: { s: { host: h0, listen: 1 } }\n");
		break;
	case 1:                                        /* apps */
		add(t, "apps:\n");
		for (int i = 0; i <= SC_MAX_APPS; i++)
			add(t, "  a%d: { listen: 1 }\n", i);
		break;
	case 2:                                        /* steps */
		add(t, "apps:\n  s:\n    listen: 1\n    steps:\n");
		for (int i = 0; i <= SC_MAX_STEPS; i++)
			add(t, "      - recv\n");
		break;
	case 3:                                        /* faults */
		add(t, "apps: { s: { listen: 1 } }\nfaults:\n");
		for (int i = 0; i <= SC_MAX_FAULTS; i++)
			add(t, "  - { at: 1s, freeze: s }\n");
		break;
	case 4:                                        /* sysctls */
		add(t, "apps: { s: { listen: 1 } }\nhosts:\n  s:\n    sysctl:\n");
		for (int i = 0; i <= SC_MAX_SYSCTLS; i++)
			add(t, "      net.ipv4.x%d: 1\n", i);
		break;
	case 5:                                        /* cmd arguments */
		add(t, "apps:\n  p:\n    cmd: [/bin/true");
		for (int i = 0; i < SC_MAX_CMD_ARGS; i++)
			add(t, ", a%d", i);
		add(t, "]\n");
		break;
	case 6:                                        /* matrix keys */
		add(t, "apps: { s: { listen: 1 } }\nmatrix:\n");
		for (int i = 0; i <= SC_MAX_MATRIX_KEYS; i++)
			add(t, "  %s: [1]\n", i % 2 ? "duration" : "apps.s.listen");
		break;
	case 7:                                        /* matrix values */
		add(t, "apps: { s: { listen: 1 } }\nmatrix:\n  apps.s.listen: [1");
		for (int i = 0; i < SC_MAX_MATRIX_VALUES; i++)
			add(t, ", %d", i + 2);
		add(t, "]\n");
		break;
	case 8:                                        /* one string */
		add(t, "description: \"");
		for (int i = 0; i <= SC_MAX_STRING; i++)
			add(t, "x");
		add(t, "\"\napps: { s: { listen: 1 } }\n");
		break;
	case 9:                                        /* one send */
		add(t, "apps: { s: { listen: 1, steps: [{ send: %u }] } }\n", SC_MAX_SEND + 1);
		break;
	}
}

START_TEST(test_limits)
{
	static const char *const expected[] = {
		"bad.yaml:3:3: too many hosts: 1001 (at most 1000)",
		"bad.yaml:3:3: too many apps: 65 (at most 64)",
		"bad.yaml:6:7: too many steps: 257 (at most 256)",
		"bad.yaml:4:3: too many faults: 257 (at most 256)",
		"bad.yaml:6:7: too many sysctls: 65 (at most 64)",
		"bad.yaml:4:10: too many cmd arguments: 65 (at most 64)",
		"bad.yaml:4:3: too many matrix keys: 9 (at most 8)",
		"bad.yaml:4:18: too many values: 65 (at most 64)",
		"bad.yaml:2:14: text of 4097 bytes is too long (at most 4096)",
		"bad.yaml:2:41: send 67108865 is out of range (1 to 67108864)",
	};
	struct text_buf t = { .s = NULL };
	char buf[256];

	t.cap = 1024;
	t.s = malloc(t.cap);
	t.len = 0;
	limit_text(&t, _i);
	ck_assert_str_eq(first_error(t.s, NULL, 0, buf, sizeof(buf)), expected[_i]);
	free(t.s);
}
END_TEST

START_TEST(test_limit_exactly_reached)
{
	/* SC_MAX_STEPS steps of which the first is accept: allowed */
	struct text_buf t = { .cap = 1024 };
	struct scenario *sc;

	t.s = malloc(t.cap);
	add(&t, "name: n\napps:\n  s:\n    listen: 1\n    steps:\n      - accept\n");
	for (int i = 1; i < SC_MAX_STEPS; i++)
		add(&t, "      - recv\n");
	sc = parse_ok(t.s);
	ck_assert_uint_eq(sc->apps[0].nsteps, SC_MAX_STEPS);
	scenario_free(sc);
	free(t.s);
}
END_TEST

START_TEST(test_too_big)
{
	size_t len = SC_MAX_TEXT + 1;
	char *text = malloc(len);
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };
	char buf[256];

	memset(text, '#', len);
	ck_assert_int_eq(scenario_parse("big.yaml", text, len, NULL, 0, &sc, &errs), -EFBIG);
	ck_assert_ptr_null(sc);
	ck_assert_str_eq(sc_error_format(&errs, 0, buf, sizeof(buf)),
			 "big.yaml: the file is larger than 1048576 bytes, the limit for a scenario");
	sc_errors_free(&errs);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scenario_errors");
	TCase *valid = tcase_create("valid");
	TCase *errors = tcase_create("errors");

	tcase_add_test(valid, test_limit_exactly_reached);
	suite_add_tcase(s, valid);

	tcase_add_test(errors, test_all_errors_reported);
	tcase_add_test(errors, test_error_limit);
	tcase_add_loop_test(errors, test_limits, 0, 10);
	tcase_add_test(errors, test_too_big);
	suite_add_tcase(s, errors);

	return nf_run_suite(s);
}
