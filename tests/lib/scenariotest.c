/*
 * scenariotest.c: helpers of the scenario parser's unit tests (see
 * scenariotest.h).
 */
#include "tests/lib/scenariotest.h"

#include <check.h>
#include <errno.h>
#include <string.h>

/* ---- the complete example of the format's specification ---------------- */

const char spec_example[] =
	"name: client loses power while the server waits\n"
	"description: >\n"
	"  The client reads the greeting, then its host loses power. Nothing reaches the\n"
	"  server; the server only learns when its own send times out.\n"
	"duration: 15s\n"
	"\n"
	"hosts:\n"
	"  client: {}\n"
	"  server:\n"
	"    sysctl:\n"
	"      net.ipv4.tcp_retries2: 5\n"
	"\n"
	"apps:\n"
	"  server:\n"
	"    listen: 5000\n"
	"    tcp: { user_timeout: 3s }\n"
	"    steps:\n"
	"      - accept\n"
	"      - send: 26\n"
	"      - sleep: 2s\n"
	"      - send: { bytes: 26, expect: ok }\n"
	"      - recv: { expect: ETIMEDOUT }\n"
	"  client:\n"
	"    connect: server\n"
	"    steps:\n"
	"      - recv: 26\n"
	"      - hold\n"
	"\n"
	"faults:\n"
	"  - at: 1s\n"
	"    poweroff: client\n"
	"\n"
	"expect:\n"
	"  server: { sees: timeout, after: 3s, before: 8s }\n"
	"  client: nothing\n";

/* Parses TEXT that must be valid; the scenario (caller frees). */
struct scenario *parse_ok_with(const char *text, const struct sc_override *ovr,
			       size_t novr)
{
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };
	char first[512] = "";
	int r;

	r = scenario_parse("ok.yaml", text, strlen(text), ovr, novr, &sc, &errs);
	if (errs.n > 0)
		sc_error_format(&errs, 0, first, sizeof(first));
	ck_assert_msg(r == 0, "parse failed (%d): %s", r, first);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_nonnull(sc);
	sc_errors_free(&errs);
	return sc;
}

struct scenario *parse_ok(const char *text)
{
	return parse_ok_with(text, NULL, 0);
}

/* Parses TEXT that must fail with -EINVAL; ERRS filled (caller frees). */
void parse_bad_with(const char *text, const struct sc_override *ovr, size_t novr,
		    struct sc_errors *errs)
{
	struct scenario *sc = (struct scenario *)&sc;   /* must be reset to NULL */
	int r;

	r = scenario_parse("bad.yaml", text, strlen(text), ovr, novr, &sc, errs);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(sc);
	ck_assert_uint_ge(errs->n, 1);
}

/* The first error of a bad TEXT, formatted into BUF. */
const char *first_error(const char *text, const struct sc_override *ovr, size_t novr,
			char *buf, size_t len)
{
	struct sc_errors errs = { 0 };

	parse_bad_with(text, ovr, novr, &errs);
	sc_error_format(&errs, 0, buf, len);
	sc_errors_free(&errs);
	return buf;
}

const struct sc_app *app_named(const struct scenario *sc, const char *name)
{
	int i = scenario_app_find(sc, name);

	ck_assert_msg(i >= 0, "no app %s", name);
	return &sc->apps[i];
}

const struct sc_host *host_named(const struct scenario *sc, const char *name)
{
	int i = scenario_host_find(sc, name);

	ck_assert_msg(i >= 0, "no host %s", name);
	return &sc->hosts[i];
}
