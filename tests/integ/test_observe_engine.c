/*
 * test_observe_engine.c: the engine's own observation of a run, for real
 * (root): packet capture with pcap files, sock_diag sampling, the views'
 * cross-check, with real programs among the apps.
 *
 *   - every scenarios/NAME.yaml runs with a pcap directory: it passes, the
 *     pcap files named in the result exist and open with libpcap, they hold
 *     the packets that decided each verdict (the FIN or RST that arrived,
 *     the retransmissions or probes that went unanswered), the "packet"
 *     events name the same packet at the same instant, and every app's
 *     views agree (check_captures, tests/lib/enginetest_observed.c); a
 *     scenario whose cmd program is not installed is skipped with its name;
 *   - the nginx scenario reproduces "(32: Broken pipe)" in nginx's log,
 *     three runs out of three, quoted in the result;
 *   - the socat scenario: socat's verdict from the wire and its kernel;
 *   - an ACK that arrives after the kernel's timeout, answered by an RST,
 *     is no answer: the wire view still says timeout
 *     (tests/data/late-ack-after-timeout.yaml).
 *
 * cmd apps themselves are test_observe_cmd.c's. After every run: no
 * namespace of it in /run/netns, none of its processes alive, no temporary
 * run directory left, the root namespace unchanged (tests/lib/enginetest.c).
 * Scenarios come from $NF_SCENARIO_DIR (default "scenarios").
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/engine.h"
#include "scenario/scenario.h"
#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

#define MAX_FILES 64
#define TEST_TIMEOUT_S 90
#define NGINX_RUNS 3

static char *scenario_dir;
static char *files[MAX_FILES];
static int nfiles;

/* ---- every scenario ------------------------------------------------------------ */

START_TEST(test_scenario_observed)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	char path[512];
	const char *missing;
	json_t *result;
	int64_t start = mono_usec();
	int ret;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/%s", scenario_dir, files[_i]);
	sc = load(path);
	missing = missing_program(sc);
	if (missing) {
		scenario_free(sc);
		NF_SKIP("%s: %s is not installed (scripts/install-deps --test)", files[_i], missing);
	}
	result = run_observed(sc, &log, NULL, false, &ret);
	ck_assert_msg(ret == 0, "%s: %s", path, json_string_value(json_object_get(result, "error")));
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s", path,
		      json_string_value(json_object_get(result, "reason")));
	check_captures(result, &log);
	printf("%s: observed, %.1fs\n", files[_i], (double)(mono_usec() - start) / 1e6);
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- nginx: the seed's Broken pipe -------------------------------------------- */

START_TEST(test_nginx_broken_pipe)
{
	struct scenario *sc;
	char path[512];
	int got = 0;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/nginx-broken-pipe.yaml", scenario_dir);
	sc = load(path);
	if (missing_program(sc)) {
		scenario_free(sc);
		NF_SKIP("%s is not installed (apt-get install nginx libnginx-mod-stream)",
			"/usr/sbin/nginx");
	}
	if (access("/usr/lib/nginx/modules/ngx_stream_module.so", R_OK) != 0) {
		scenario_free(sc);
		NF_SKIP("nginx's stream module is not installed (apt-get install "
			"libnginx-mod-stream)");
	}
	for (int k = 0; k < NGINX_RUNS; k++) {
		struct run_log log = { 0 };
		json_t *result = run_observed(sc, &log, NULL, false, NULL), *nginx, *tail, *line, *ev;
		const char *stderr_text, *quoted = NULL;
		bool in_events = false;
		size_t i;

		ck_assert_msg(json_is_true(json_object_get(result, "passed")), "run %d: %s", k + 1,
			      json_string_value(json_object_get(result, "reason")));
		nginx = app_result(result, "nginx");
		stderr_text = json_string_value(json_object_get(json_object_get(nginx, "output"),
								 "stderr"));
		ck_assert_ptr_nonnull(stderr_text);
		tail = json_object_get(nginx, "output_tail");
		json_array_foreach(tail, i, line)
			if (strstr(nf_json_str(line, "line"), "(32: Broken pipe)"))
				quoted = nf_json_str(line, "line");
		json_array_foreach(log.events, i, ev)
			if (!strcmp(nf_json_str(ev, "event"), "output") &&
			    strstr(nf_json_str(ev, "line"), "(32: Broken pipe) while"))
				in_events = true;
		ck_assert_msg(quoted && strstr(stderr_text, "(32: Broken pipe) while") && in_events,
			      "run %d: nginx did not log Broken pipe:\n%s", k + 1, stderr_text);
		printf("nginx run %d: %s\n", k + 1, quoted);
		got++;
		check_captures(result, &log);
		/* nginx's verdict from the wire and its kernel: the client's FIN */
		ck_assert_str_eq(nf_json_str(nginx, "verdict"), "fin");
		ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(nginx, "views"), "wire"),
				     "verdict"), "fin");
		ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(nginx, "views"), "kernel"),
				     "verdict"), "fin");
		json_decref(result);
		observed_done(&log);
	}
	ck_assert_int_eq(got, NGINX_RUNS);
	scenario_free(sc);
}
END_TEST

START_TEST(test_socat_timeout)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result, *server, *views;
	char path[512];

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/socat-server.yaml", scenario_dir);
	sc = load(path);
	if (missing_program(sc)) {
		scenario_free(sc);
		NF_SKIP("socat is not installed (apt-get install socat)");
	}
	result = run_observed(sc, &log, NULL, false, NULL);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s",
		      json_string_value(json_object_get(result, "reason")));
	server = app_result(result, "server");
	views = json_object_get(server, "views");
	ck_assert(json_is_null(json_object_get(views, "app")));
	ck_assert_str_eq(nf_json_str(json_object_get(views, "wire"), "verdict"), "timeout");
	ck_assert_str_eq(nf_json_str(json_object_get(views, "kernel"), "verdict"), "timeout");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
		json_object_get(server, "output"), "stderr")), "Connection timed out"));
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- the wire view's edge cases ----------------------------------------------- */

START_TEST(test_late_ack_after_timeout)
{
	struct run_log log = { 0 };
	struct scenario *sc = load_data("late-ack-after-timeout.yaml");
	json_t *result, *client, *wire;
	int ret;

	NF_REQUIRE_ROOT();
	result = run_observed(sc, &log, NULL, false, &ret);
	ck_assert_msg(ret == 0, "%s", json_string_value(json_object_get(result, "error")));
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	check_captures(result, &log);
	client = app_result(result, "client");
	wire = json_object_get(json_object_get(client, "views"), "wire");
	ck_assert_msg(json_is_object(wire), "the client has no wire view");
	ck_assert_str_eq(nf_json_str(wire, "verdict"), "timeout");
	ck_assert_msg(json_is_true(json_object_get(client, "agree")), "the views disagree");
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static Suite *observe_engine_suite(void)
{
	Suite *s = suite_create("observe_engine");
	TCase *all = tcase_create("Kernel: every scenario, captured and cross-checked");
	TCase *real = tcase_create("Kernel: real programs");
	TCase *edges = tcase_create("Kernel: the wire view's edge cases");

	tcase_set_timeout(all, TEST_TIMEOUT_S);
	tcase_set_timeout(real, TEST_TIMEOUT_S);
	tcase_add_loop_test(all, test_scenario_observed, 0, nfiles);
	tcase_add_test(real, test_nginx_broken_pipe);
	tcase_add_test(real, test_socat_timeout);
	tcase_set_timeout(edges, TEST_TIMEOUT_S);
	tcase_add_test(edges, test_late_ack_after_timeout);
	suite_add_tcase(s, all);
	suite_add_tcase(s, real);
	suite_add_tcase(s, edges);
	return s;
}

int main(void)
{
	int ret;

	observed_tmp_init();
	nfiles = nf_scenario_files(&scenario_dir, files, MAX_FILES);
	if (nfiles == 0) {
		fprintf(stderr, "test_observe_engine: no scenario files in %s\n", scenario_dir);
		return EXIT_FAILURE;
	}
	ret = nf_run_suite(observe_engine_suite());
	observed_tmp_remove_all();
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(scenario_dir);
	return ret;
}
