/*
 * test_middlebox_engine.c: middleboxes through the engine (root): what
 * engine/middleboxes.c adds to a run, beyond the example scenarios that
 * test_engine.c and test_observe_engine.c run (nat-*.yaml,
 * lb-idle-reset.yaml):
 *
 *   counts    nat-idle-timeout.yaml's result: "middleboxes" has gw with
 *             1 created, 1 expired, 0 forgotten; a run without a
 *             middlebox has an empty list
 *   forget    two forgets under pickup (tests/data/middlebox-forget-twice):
 *             each "fault" event says how many entries it forgot, the
 *             counts add them up, and both sends arrive
 *   reboot    the gateway reboots (tests/data/middlebox-router-reboot): its
 *             middlebox is applied again (the late send is dropped, not
 *             reset by a server that would see it untranslated)
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

#define TEST_TIMEOUT_S 60

/* The result's middlebox entry of HOST, asserted to be the only one. */
static json_t *only_middlebox(json_t *result, const char *host)
{
	json_t *list = json_object_get(result, "middleboxes"), *m;

	ck_assert_msg(json_is_array(list), "no \"middleboxes\" in the result");
	ck_assert_int_eq(json_array_size(list), 1);
	m = json_array_get(list, 0);
	ck_assert_str_eq(nf_json_str(m, "host"), host);
	ck_assert_ptr_null(json_object_get(m, "events_lost"));
	return m;
}

START_TEST(test_counts)
{
	struct run_log log = { 0 };
	json_t *result, *m;

	NF_REQUIRE_ROOT();
	result = run_example("nat-idle-timeout.yaml", &log);
	ck_assert(json_is_true(json_object_get(result, "passed")));
	m = only_middlebox(result, "gw");
	ck_assert_int_eq((int)nf_json_num(m, "created"), 1);
	ck_assert_int_eq((int)nf_json_num(m, "expired"), 1);
	ck_assert_int_eq((int)nf_json_num(m, "forgotten"), 0);
	json_decref(result);
	log_free(&log);

	result = run_example("unplug.yaml", &log);
	ck_assert_int_eq(json_array_size(json_object_get(result, "middleboxes")), 0);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_forget_events)
{
	struct scenario *sc = load_data("middlebox-forget-twice.yaml");
	struct engine_opts opts = { 0 };
	struct run_log log = { 0 };
	json_t *result = NULL, *faults, *m;
	double sum = 0;

	NF_REQUIRE_ROOT();
	ck_assert_int_eq(run_and_check(sc, &opts, &log, &result), 0);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	faults = events_where(&log, "fault", "fault", "forget");
	ck_assert_int_eq(json_array_size(faults), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *f = json_array_get(faults, i);

		ck_assert_str_eq(nf_json_str(f, "host"), "gw");
		ck_assert_int_eq((int)nf_json_num(f, "forgotten"), 1);
		sum += nf_json_num(f, "forgotten");
	}
	m = only_middlebox(result, "gw");
	ck_assert_int_eq((int)nf_json_num(m, "forgotten"), (int)sum);
	/* the connection, then each send after a forget made it again */
	ck_assert_int_ge((int)nf_json_num(m, "created"), 3);
	json_decref(faults);
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

START_TEST(test_router_reboot)
{
	struct scenario *sc = load_data("middlebox-router-reboot.yaml");
	struct engine_opts opts = { 0 };
	struct run_log log = { 0 };
	json_t *result = NULL;

	NF_REQUIRE_ROOT();
	ck_assert_int_eq(run_and_check(sc, &opts, &log, &result), 0);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	only_middlebox(result, "gw");
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("middlebox_engine");
	TCase *tc = tcase_create("Kernel: middleboxes in runs");

	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_forget_events);
	tcase_add_test(tc, test_router_reboot);
	suite_add_tcase(s, tc);
	return nf_run_suite(s);
}
