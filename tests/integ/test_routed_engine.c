/*
 * test_routed_engine.c: routed networks through the engine (root): a run
 * of tests/data/router-cable.yaml (a router's one cable pulled and put
 * back with unplug/plug network:, then the router rebooted) delivers every
 * byte and its fault events name the network (what a run leaves is
 * checked by test_engine.c); a drop with network: on a router
 * (tests/data/router-drop-one-network.yaml) cuts that network's side only.
 * The routed example scenarios (router-dead-host, pmtu-*) run with every
 * other example in test_engine.c.
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

START_TEST(test_router_cable_and_reboot)
{
	struct run_log log = { 0 };
	json_t *result, *unplugs, *plugs, *unplug, *plug;

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/router-cable.yaml", &log);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
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

/* drop with network: on a router: only what comes in on wan is dropped. */
START_TEST(test_router_drop_one_network)
{
	struct run_log log = { 0 };
	json_t *result, *drops;

	NF_REQUIRE_ROOT();
	result = run_file("tests/data/router-drop-one-network.yaml", &log);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	drops = events_where(&log, "fault", "fault", "drop");
	ck_assert_uint_eq(json_array_size(drops), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(drops, 0), "network"), "wan");
	json_decref(drops);
	json_decref(result);
	log_free(&log);
}
END_TEST

static Suite *routed_engine_suite(void)
{
	Suite *s = suite_create("routed_engine");
	TCase *tc = tcase_create("routed_engine");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_router_cable_and_reboot);
	tcase_add_test(tc, test_router_drop_one_network);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(routed_engine_suite());
}
