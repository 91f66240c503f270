/*
 * test_observe_cmd.c: real programs as apps (cmd apps), for real (root):
 * files:, ${APPDIR}, user: and a kept run directory; a real client (socat)
 * started at t0, its verdict from the wire and its kernel; a missing
 * program and a program dying before t0 fail the run with a reason. The
 * scenarios are in tests/data (cmd-*.yaml).
 *
 * After every run: no namespace of it in /run/netns, none of its processes
 * alive, no temporary run directory left, the root namespace unchanged
 * (tests/lib/enginetest.c).
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

#define TEST_TIMEOUT_S 90

/* ---- cmd apps: files, ${APPDIR}, user, run directory, failures ------------------ */

/* Whether the unprivileged user nobody can reach DIR and run /bin/sh: not
 * when a parent directory is closed to others (a 0700 chroot or home). */
static bool nobody_reaches(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(1);
		_exit(access(dir, X_OK) == 0 && access("/bin/sh", X_OK) == 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

START_TEST(test_cmd_files_user_rundir)
{
	struct run_log log = { 0 };
	struct scenario *sc = load_data("cmd-files-user.yaml");
	char dir[96], want[512], file[512], buf[512] = "";
	json_t *result, *who;
	const char *out;
	FILE *f;

	NF_REQUIRE_ROOT();
	observed_tmp_dir(dir, sizeof(dir), "run");
	chmod(dir, 0755);
	if (!nobody_reaches(dir)) {
		rmdir(dir);
		scenario_free(sc);
		NF_SKIP("user nobody cannot reach %s (a parent directory is closed to others)", dir);
	}
	result = run_observed(sc, &log, dir, true, NULL);
	ck_assert(json_is_null(json_object_get(result, "error")));
	ck_assert_str_eq(json_string_value(json_object_get(result, "run_dir")), dir);
	who = app_result(result, "who");
	out = json_string_value(json_object_get(json_object_get(who, "output"), "stdout"));
	snprintf(want, sizeof(want), "hello from %s/who\n%s/who\n65534\n", dir, dir);
	ck_assert_str_eq(out, want);
	snprintf(want, sizeof(want), "%s/who", dir);
	ck_assert_str_eq(json_string_value(json_object_get(who, "dir")), want);
	snprintf(file, sizeof(file), "%s/who/stdout.log", dir);
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	ck_assert_str_eq(buf, out);
	/* no pcap directory: captured in memory, no files */
	ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(result, "captures"),
							      0), "file")));
	json_decref(result);
	observed_done(&log);
	remove_dir(dir);
	scenario_free(sc);
}
END_TEST

/* A real client (socat) started at t0 meets its server's RST: its verdict
 * from the wire and the kernel, at the RST's time
 * (tests/data/cmd-client-socat.yaml). */
START_TEST(test_cmd_client)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result, *client, *ev;
	double started = -1;
	size_t i;

	NF_REQUIRE_ROOT();
	if (system("command -v socat >/dev/null 2>&1") != 0)
		NF_SKIP("socat is not installed (apt-get install socat)");
	sc = load_data("cmd-client-socat.yaml");
	result = run_observed(sc, &log, NULL, false, NULL);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s",
		      json_string_value(json_object_get(result, "reason")));
	client = app_result(result, "client");
	ck_assert_str_eq(nf_json_str(json_object_get(json_object_get(client, "views"), "wire"),
			     "verdict"), "rst");
	check_captures(result, &log);
	/* it started at t0, not before */
	json_array_foreach(log.events, i, ev)
		if (!strcmp(nf_json_str(ev, "event"), "app") && !strcmp(nf_json_str(ev, "app"), "client") &&
		    !strcmp(nf_json_str(ev, "state"), "started"))
			started = json_real_value(json_object_get(ev, "t"));
	ck_assert(started >= 0 && started < 0.1);
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);
}
END_TEST

START_TEST(test_cmd_failures)
{
	struct run_log log = { 0 };
	struct scenario *sc;
	json_t *result;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	sc = load_data("cmd-missing-program.yaml");
	result = run_observed(sc, &log, NULL, true, &ret);
	ck_assert_int_eq(ret, -ENOENT);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "cannot run /nonexistent/server: ENOENT"), "error: %s",
		      err ? err : "null");
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);

	sc = load_data("cmd-dies-before-t0.yaml");
	result = run_observed(sc, &log, NULL, true, &ret);
	ck_assert_int_lt(ret, 0);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "died before t0") && strstr(err, "bad config line 3"),
		      "error: %s", err ? err : "null");
	json_decref(result);
	observed_done(&log);
	scenario_free(sc);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static Suite *observe_cmd_suite(void)
{
	Suite *s = suite_create("observe_cmd");
	TCase *real = tcase_create("Kernel: real programs");

	tcase_set_timeout(real, TEST_TIMEOUT_S);
	tcase_add_test(real, test_cmd_files_user_rundir);
	tcase_add_test(real, test_cmd_client);
	tcase_add_test(real, test_cmd_failures);
	suite_add_tcase(s, real);
	return s;
}

int main(void)
{
	int ret;

	observed_tmp_init();
	ret = nf_run_suite(observe_cmd_suite());
	observed_tmp_remove_all();
	return ret;
}
