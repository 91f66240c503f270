/*
 * test_engine.c: the run engine for real (root): every scenarios/NAME.yaml
 * must pass, and so must the tests' own scenarios (tests/data); a wrong
 * expectation must fail with a reason; a scenario the engine cannot serve
 * here is refused before anything is built; a cancelled run (SIGTERM of
 * the worker) must clean up. After every run: no namespace of the run left
 * in /run/netns, no app process alive, the root namespace unchanged
 * (tests/lib/enginetest.c). The seed's experiments are test_engine_seed.c's.
 *
 * The scenarios are read from $NF_SCENARIO_DIR, default "scenarios" (the
 * tests run from the project's root). NF_TEST_EVENTS=1 prints every event.
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

#define MAX_FILES 64
#define TEST_TIMEOUT_S 60

static char *scenario_dir;
static char *files[MAX_FILES];
static int nfiles;

/* ---- every scenario file passes --------------------------------------------- */

START_TEST(test_scenario_passes)
{
	struct run_log log = { 0 };
	char path[512];
	struct scenario *sc;
	const char *missing;
	json_t *result;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/%s", scenario_dir, files[_i]);
	sc = load(path);
	missing = missing_program(sc);
	if (missing) {
		char name[256];

		snprintf(name, sizeof(name), "%s", missing);
		scenario_free(sc);
		NF_SKIP("%s: %s is not installed (scripts/install-deps --test)", files[_i], name);
	}
	scenario_free(sc);
	result = run_file(path, &log);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s", path,
		      json_string_value(json_object_get(result, "reason")));
	ck_assert(json_is_null(json_object_get(result, "error")));
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- more cases, in tests/data: each must pass -------------------------------- */

static const char *const data_cases[] = {
	"refused-unreachable-halfclose.yaml",
	"wait-data-then-fin.yaml",
	"ipv6-options.yaml",
};

START_TEST(test_data_passes)
{
	struct run_log log = { 0 };
	json_t *result, *warnings;

	NF_REQUIRE_ROOT();
	result = run_passing(load_data(data_cases[_i]), &log);
	/* every socket option was accepted */
	warnings = events_of(&log, "warning", NULL);
	ck_assert_msg(json_array_size(warnings) == 0, "warning: %s",
		      json_string_value(json_object_get(json_array_get(warnings, 0), "message")));
	json_decref(warnings);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- failures, refusals, cancel ---------------------------------------------- */

START_TEST(test_wrong_expectation)
{
	struct scenario *sc;
	struct run_log log = { 0 };
	struct engine_opts opts = { 0 };
	json_t *result = NULL, *app;
	const char *reason;
	int ret;

	NF_REQUIRE_ROOT();
	sc = load_data("wrong-expectation.yaml");
	ret = run_and_check(sc, &opts, &log, &result);
	ck_assert_int_eq(ret, 0);
	ck_assert(json_is_false(json_object_get(result, "passed")));
	reason = json_string_value(json_object_get(result, "reason"));
	ck_assert_ptr_nonnull(reason);
	ck_assert_msg(strncmp(reason, "server saw rst at 0.5", 21) == 0 &&
		      strstr(reason, "s, expected timeout") != NULL, "reason: %s", reason);
	app = json_array_get(json_object_get(result, "apps"), 0);
	ck_assert_str_eq(nf_json_str(app, "app"), "server");
	ck_assert(json_is_false(json_object_get(app, "expect_ok")));
	/* the step expect failed too: the first send returned ECONNRESET */
	ck_assert_int_eq(json_array_size(json_object_get(app, "steps_failed")), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(json_object_get(app, "steps_failed"), 0), "result"),
			 "ECONNRESET");
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

/* Every phase of a run is timed in the result: a number of seconds for
 * each phase the run went through, null for those it never reached. */
static const char *const phase_names[] = {
	"build", "links", "apps", "scenario", "settle", "collect", "report", "teardown",
};

static void check_phases(json_t *result, bool built)
{
	json_t *phases = json_object_get(result, "phases");

	ck_assert_msg(json_is_object(phases), "no phases in the result");
	ck_assert_int_eq(json_object_size(phases), sizeof(phase_names) / sizeof(phase_names[0]));
	for (size_t i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++) {
		json_t *v = json_object_get(phases, phase_names[i]);
		bool after_end = i >= 5;   /* collect, report, teardown: always */

		if (built || after_end) {
			ck_assert_msg(json_is_real(v) && json_real_value(v) >= 0,
				      "phase %s: not a number of seconds", phase_names[i]);
		} else {
			ck_assert_msg(json_is_null(v), "phase %s: not null", phase_names[i]);
		}
	}
}

START_TEST(test_phases)
{
	struct scenario *sc;
	struct run_log log = { 0 };
	json_t *result, *phases;

	NF_REQUIRE_ROOT();
	sc = parse("phases.yaml",
		   "name: the client connects and crashes at once\n"
		   "duration: 20s\n"
		   "apps:\n"
		   "  server: { listen: 5000, steps: [accept, recv] }\n"
		   "  client: { connect: server, steps: [connect, crash] }\n"
		   "expect:\n"
		   "  server: fin\n");
	result = run_passing(sc, &log);
	ck_assert_str_eq(nf_json_str(event_of(&log, "end", NULL), "reason"), "finished");
	check_phases(result, true);
	/* the run's own phases make its duration */
	phases = json_object_get(result, "phases");
	ck_assert_double_eq_tol(json_real_value(json_object_get(phases, "scenario")) +
				json_real_value(json_object_get(phases, "settle")),
				json_real_value(json_object_get(result, "duration")), 2e-6);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A scenario the engine cannot serve here is refused before anything is
 * built: netem forced on a kernel without it (test_netfaults_engine.c has
 * more). */
START_TEST(test_network_fault_refused)
{
	struct scenario *sc;
	struct run_log log = { 0 };
	struct engine_opts opts = { 0 };
	json_t *result = NULL, *result_topo;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	if (netem_available(false) != 0)
		NF_SKIP("the kernel has sch_netem: nothing to refuse");
	sc = load_data("netem-forced.yaml");
	ret = run_and_check(sc, &opts, &log, &result);
	ck_assert_int_eq(ret, -ENOTSUP);
	ck_assert(json_is_false(json_object_get(result, "passed")));
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "lacks sch_netem"), "error: %s", err ? err : "null");
	result_topo = events_of(&log, "topology", NULL);
	ck_assert_int_eq(json_array_size(result_topo), 0);
	json_decref(result_topo);
	ck_assert_str_eq(nf_json_str(event_of(&log, "end", NULL), "reason"), "error");
	check_phases(result, false);
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

/* A cancelled run (the worker of the daemon, in small, tests/lib): the
 * worker tells the test its run id, then its apps' pids, through a pipe. */
static void worker_event(json_t *ev, void *ctx)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	unsigned id;

	if (strcmp(kind, "topology") == 0)
		id = (unsigned)json_integer_value(json_object_get(ev, "run"));
	else if (strcmp(kind, "app") == 0)
		id = (unsigned)json_integer_value(json_object_get(ev, "pid"));
	else
		return;
	(void)!write(cancel_worker_fd(), &id, sizeof(id));
}

START_TEST(test_cancel_cleans_up)
{
	struct scenario *sc;
	char *snapshot;
	unsigned ids[16];
	int rfd;
	size_t n = 0;
	pid_t worker;

	NF_REQUIRE_ROOT();
	sc = load_example("poweroff-idle.yaml");
	snapshot = nf_root_snapshot();
	worker = cancel_worker_start(sc, worker_event, &rfd);
	cancel_worker_stop(worker, 1200);  /* past t0 and past the power-off at 1s */
	while (n < 16 && read(rfd, &ids[n], sizeof(ids[n])) == sizeof(ids[n]))
		n++;
	close(rfd);
	ck_assert_uint_ge(n, 3); /* the run id, then the apps' pids */
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(kill((pid_t)ids[i], 0) < 0 && errno == ESRCH,
			      "app process %u survived the cancel", ids[i]);
	nf_assert_nothing_left(ids[0], snapshot, "cancel");
	free(snapshot);
	scenario_free(sc);
}
END_TEST

/* ---- suite --------------------------------------------------------------------- */

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *files_tc = tcase_create("Kernel: every scenario file passes");
	TCase *misc = tcase_create("Kernel: failures and cleanup");

	tcase_set_timeout(files_tc, TEST_TIMEOUT_S);
	tcase_set_timeout(misc, TEST_TIMEOUT_S);
	tcase_add_loop_test(files_tc, test_scenario_passes, 0, nfiles);
	tcase_add_loop_test(files_tc, test_data_passes, 0,
			    (int)(sizeof(data_cases) / sizeof(data_cases[0])));
	tcase_add_test(misc, test_wrong_expectation);
	tcase_add_test(misc, test_phases);
	tcase_add_test(misc, test_network_fault_refused);
	tcase_add_test(misc, test_cancel_cleans_up);
	suite_add_tcase(s, files_tc);
	suite_add_tcase(s, misc);
	return s;
}

int main(void)
{
	int ret;

	nfiles = nf_scenario_files(&scenario_dir, files, MAX_FILES);
	if (nfiles == 0) {
		fprintf(stderr, "test_engine: no scenario files in %s\n", scenario_dir);
		return EXIT_FAILURE;
	}
	ret = nf_run_suite(engine_suite());
	for (int i = 0; i < nfiles; i++)
		free(files[i]);
	free(scenario_dir);
	return ret;
}
