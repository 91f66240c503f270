/*
 * test_theory.c: the timer model (theory/theory.h) against real runs
 * (root): each measured case of tests/data/theory-*.yaml runs through the
 * engine, and the app's "theory" in the result must name the verdict it
 * saw, with a time within max(150 ms, 5 %) of the measured one: keepalive,
 * user timeout, tcp_retries2, SYN retries, and keepalive against a NAT that
 * drops and a load balancer that resets what it forgot. Both
 * figures come from the same run (the model takes the run's RTO and last
 * packet): this checks the model's accuracy, not how fast the machine is.
 * The prediction without running (predict's, the scenario's own times)
 * must be within 15 % of the measured time too. The app on the powered-off
 * host gets a theory that says why the model does not apply.
 * After every run: nothing of it left (tests/lib/enginetest.c).
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"
#include "theory/theory.h"

#define TEST_TIMEOUT_S 90

static const struct {
	const char *file;
	const char *app;       /* the app whose connection a timer ends */
	const char *verdict;   /* what it sees */
	const char *other;     /* the other app */
	const char *other_theory;  /* its theory's verdict, NULL: does not apply */
} cases[] = {
	{ "theory-keepalive.yaml", "server", "timeout", "client", NULL },
	{ "theory-keepalive-ut.yaml", "server", "timeout", "client", NULL },
	{ "theory-user-timeout.yaml", "server", "timeout", "client", NULL },
	{ "theory-retries2.yaml", "server", "timeout", "client", NULL },
	{ "theory-syncnt2.yaml", "client", "timeout", "server", "nothing" },
	{ "theory-syncnt1.yaml", "client", "timeout", "server", "nothing" },
	{ "theory-syncnt2-exponential.yaml", "client", "timeout", "server", "nothing" },
	{ "theory-synack-lost.yaml", "client", "timeout", "server", "nothing" },
	{ "theory-nat-keepalive-lost.yaml", "client", "timeout", "server", NULL },
	{ "theory-lb-keepalive-reset.yaml", "client", "rst", "server", NULL },
};

START_TEST(test_theory_beside_measured)
{
	const char *file = cases[_i].file;
	struct run_log log = { 0 };
	struct theory_kernel k;
	struct theory_result predicted;
	struct scenario *sc;
	json_t *result, *app, *theory, *other;
	double measured, model, tol;
	struct utsname u;
	char path[256];

	NF_REQUIRE_ROOT();
	if (strstr(file, "exponential") &&
	    access("/proc/sys/net/ipv4/tcp_syn_linear_timeouts", F_OK) != 0)
		NF_SKIP("this kernel has no net.ipv4.tcp_syn_linear_timeouts (before 6.5): "
			"its SYN timeouts are all exponential, theory-syncnt2.yaml covers them");
	snprintf(path, sizeof(path), "tests/data/%s", file);
	result = run_file(path, &log);
	app = app_result(result, cases[_i].app);
	theory = json_object_get(app, "theory");
	ck_assert_msg(json_is_object(theory), "%s: no theory", file);
	ck_assert_str_eq(nf_json_str(app, "verdict"), cases[_i].verdict);
	ck_assert_msg(json_is_string(json_object_get(theory, "verdict")), "%s: %s", file,
		      nf_json_str(theory, "why"));
	ck_assert_str_eq(nf_json_str(theory, "verdict"), cases[_i].verdict);
	measured = nf_json_num(app, "t");
	model = nf_json_num(theory, "t");
	tol = fmax(0.150, measured * 0.05);
	ck_assert_msg(fabs(model - measured) <= tol, "%s: theory %.3f s, measured %.3f s "
		      "(%s)", file, model, measured, nf_json_str(theory, "why"));
	ck_assert_msg(strlen(nf_json_str(theory, "why")) > 20, "%s: no formula", file);

	/* the other end: its own theory, with a reason either way */
	other = json_object_get(app_result(result, cases[_i].other), "theory");
	ck_assert(json_is_object(other));
	if (cases[_i].other_theory)
		ck_assert_str_eq(nf_json_str(other, "verdict"), cases[_i].other_theory);
	else
		ck_assert_msg(json_is_null(json_object_get(other, "verdict")) &&
			      json_is_null(json_object_get(other, "t")), "%s: %s", file,
			      nf_json_str(other, "why"));
	ck_assert_msg(*nf_json_str(other, "why"), "%s: %s has no why", file, cases[_i].other);

	/* predict, from the scenario alone: within 15 % */
	sc = load(path);
	theory_kernel_release(&k, uname(&u) == 0 ? u.release : "");
	theory_app(sc, (size_t)scenario_app_find(sc, cases[_i].app), &k, NULL, &predicted);
	ck_assert(predicted.applies);
	ck_assert_msg(fabs((double)predicted.t_us / 1e6 - measured) <= measured * 0.15,
		      "%s: predicted %.3f s, measured %.3f s", file,
		      (double)predicted.t_us / 1e6, measured);
	scenario_free(sc);
	json_decref(result);
	log_free(&log);
}
END_TEST

static Suite *theory_suite(void)
{
	Suite *s = suite_create("theory");
	TCase *tc = tcase_create("Kernel: the timer model against runs");

	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_loop_test(tc, test_theory_beside_measured, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(theory_suite());
}
