/*
 * test_netfaults_engine.c: the engine's network faults for real (root):
 * which engine serves them, heal, and the delay lines.
 *
 *   engine    every delay/loss/rate fault and link event names the engine
 *             that served it, and the result's "impair_engine" agrees: the
 *             delay line ("queue") on a kernel without sch_netem, netem
 *             where the kernel has it; firewall faults say "nftables"
 *   forced    engine: netem on a kernel without it fails before anything is
 *             built, with "lacks sch_netem"; the daemon's choice
 *             (engine_opts.impair_engine) is honoured, and a scenario
 *             contradicting it is refused
 *   heal      after heal the firewall table, the NFQUEUE rules, the qdiscs
 *             and the delay line are gone and the steps after it succeed
 *             at full speed
 *   lines     a delay line killed during the run gives a warning and a run
 *             error; a frozen host's delay line keeps running; a reboot
 *             puts the host's link: on again; a cancelled run (SIGTERM of
 *             the worker) stops its lines
 *
 * After every run: no namespace of the run, no child process of the test
 * (app or delay line, zombie or not), the root namespace unchanged
 * (tests/lib/enginetest.c). Scenario files are read from $NF_SCENARIO_DIR
 * (default "scenarios") and tests/data. NF_TEST_EVENTS=1 prints every event.
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

#define TEST_TIMEOUT_S 60
#define LINE_COMM "nf-delayline"

/* ---- looking while the run goes ------------------------------------------ */

/* What the runs' watch (watch_faults) found and did. */
struct fault_watch {
	/* what the heal check (on_heal) found in the client's namespace */
	char *after_heal;
	int lines_after_heal;
	bool kill_line;            /* kill the delay line at its first fault */
	pid_t killed;
};

/* Runs COMMAND (a test's independent view, like nf_root_snapshot) and
 * returns its output. */
static char *command_output(const char *command)
{
	FILE *p = popen(command, "r");
	size_t len = 0, cap = 4096;
	char *buf = calloc(1, cap);
	size_t n;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(buf);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			ck_assert_ptr_nonnull(buf);
		}
	}
	buf[len] = '\0';
	pclose(p);
	return buf;
}

/* At the heal: the client's namespace (and the switch, where its `in`
 * qdisc would be) as iproute2, nft and iptables see them. */
static void on_heal(struct run_log *log, struct fault_watch *w)
{
	const char *ns = ns_of(log, "client");
	json_t *topo = events_where(log, "topology", NULL, NULL);
	const char *sw = nf_json_str(json_array_get(topo, 0), "switch");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s nft list ruleset 2>&1; "
		 "ip netns exec %s iptables-save 2>&1; ip netns exec %s ip6tables-save 2>&1; "
		 "ip netns exec %s tc qdisc show 2>&1; ip netns exec %s tc qdisc show 2>&1",
		 ns, ns, ns, ns, sw);
	json_decref(topo);
	w->after_heal = command_output(cmd);
	w->lines_after_heal = nf_children(LINE_COMM, NULL);
}

/* The run's watch: the heal check at a heal, and the delay line killed at
 * the first fault when asked. */
static void watch_faults(struct run_log *log, json_t *ev)
{
	struct fault_watch *w = log->test;
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const char *fault = json_string_value(json_object_get(ev, "fault"));

	if (strcmp(kind, "fault") != 0 || !fault)
		return;
	if (strcmp(fault, "heal") == 0)
		on_heal(log, w);
	if (w->kill_line && !w->killed && nf_children(LINE_COMM, &w->killed) > 0)
		kill(w->killed, SIGKILL);
}

/* ---- the engine reported ------------------------------------------------ */

START_TEST(test_engine_reported)
{
	struct run_log log = { 0 };
	json_t *result, *faults, *ev;
	size_t i;

	NF_REQUIRE_ROOT();
	result = run_passing(load_example("rate.yaml"), &log);   /* a link: */
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), auto_engine());
	faults = events_where(&log, "fault", "fault", "link");
	ck_assert_int_eq(json_array_size(faults), 1);
	ev = json_array_get(faults, 0);
	ck_assert_str_eq(nf_json_str(ev, "engine"), auto_engine());
	ck_assert_str_eq(nf_json_str(ev, "host"), "server");
	ck_assert_double_lt(nf_json_num(ev, "t"), 0.0);          /* before t0 */
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "rate")), 1000000);
	json_decref(faults);
	json_decref(result);
	log_free(&log);

	memset(&log, 0, sizeof(log));
	result = run_passing(load_example("partition-heal.yaml"), &log);
	/* no delay, loss or rate: no impairment engine at all */
	ck_assert(json_is_null(json_object_get(result, "impair_engine")));
	faults = events_where(&log, "fault", NULL, NULL);
	ck_assert_int_eq(json_array_size(faults), 2);
	json_array_foreach(faults, i, ev)
		ck_assert_str_eq(nf_json_str(ev, "engine"), "nftables");
	ck_assert(json_is_true(json_object_get(json_array_get(faults, 1), "all")));
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- forcing an engine -------------------------------------------------- */

/* Runs tests/data/forced.yaml (a link delay), or forced-netem.yaml (the same
 * with engine: netem) when NETEM, with the daemon's choice DAEMON. */
static int run_forced(bool netem, enum sc_engine daemon, struct run_log *log,
		      json_t **result)
{
	return run_engine(load_data(netem ? "forced-netem.yaml" : "forced.yaml"), daemon,
			  log, result);
}

static void assert_refused_before_build(const struct run_log *log, json_t *result,
					const char *what)
{
	const char *err = json_string_value(json_object_get(result, "error"));
	json_t *topo = events_where(log, "topology", NULL, NULL);

	ck_assert_msg(err && strstr(err, what), "error: %s", err ? err : "null");
	ck_assert(json_is_false(json_object_get(result, "passed")));
	ck_assert_int_eq(json_array_size(topo), 0);
	json_decref(topo);
}

START_TEST(test_forced_netem)
{
	struct run_log log = { 0 };
	json_t *result = NULL;
	int ret;

	NF_REQUIRE_ROOT();
	if (netem_available(false) != 0)
		NF_SKIP("the kernel has sch_netem: forcing it refuses nothing");
	ret = run_forced(true, SC_ENGINE_AUTO, &log, &result);
	ck_assert_int_eq(ret, -ENOTSUP);
	assert_refused_before_build(&log, result, "lacks sch_netem");
	ck_assert_msg(strstr(json_string_value(json_object_get(result, "error")),
			     "forced-netem.yaml:9:"), "the error names the line: %s",
		      json_string_value(json_object_get(result, "error")));
	json_decref(result);
	log_free(&log);

	memset(&log, 0, sizeof(log));
	ret = run_forced(false, SC_ENGINE_NETEM, &log, &result);
	ck_assert_int_eq(ret, -ENOTSUP);
	assert_refused_before_build(&log, result, "lacks sch_netem");
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_forced_queue)
{
	struct run_log log = { 0 };
	json_t *result = NULL, *link;
	int ret;

	NF_REQUIRE_ROOT();
	/* the daemon forces the queue: it serves even where netem exists */
	ret = run_forced(false, SC_ENGINE_QUEUE, &log, &result);
	ck_assert_int_eq(ret, 0);
	ck_assert(json_is_true(json_object_get(result, "passed")));
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), "queue");
	link = events_where(&log, "fault", "fault", "link");
	ck_assert_str_eq(nf_json_str(json_array_get(link, 0), "engine"), "queue");
	json_decref(link);
	json_decref(result);
	log_free(&log);

	/* the scenario says netem, the daemon queue: refused, whatever the kernel */
	memset(&log, 0, sizeof(log));
	ret = run_forced(true, SC_ENGINE_QUEUE, &log, &result);
	ck_assert_int_eq(ret, -EINVAL);
	assert_refused_before_build(&log, result, "the daemon forces the queue engine");
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- heal --------------------------------------------------------------- */

START_TEST(test_heal_removes_everything)
{
	struct fault_watch w = { 0 };
	struct run_log log = { .watch = watch_faults, .test = &w };
	json_t *result, *heal;

	NF_REQUIRE_ROOT();
	result = run_passing(load_data("heal-everything.yaml"), &log);
	heal = events_where(&log, "fault", "fault", "heal");
	ck_assert_int_eq(json_array_size(heal), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(heal, 0), "engine"), "nftables");
	ck_assert_str_eq(nf_json_str(json_array_get(heal, 0), "impair_engine"), auto_engine());
	json_decref(heal);
	ck_assert_ptr_nonnull(w.after_heal);
	ck_assert_msg(!strstr(w.after_heal, "table inet netfault"),
		      "the firewall table is still there:\n%s", w.after_heal);
	ck_assert_msg(!strstr(w.after_heal, "NFQUEUE"), "an NFQUEUE rule is still "
		      "there:\n%s", w.after_heal);
	ck_assert_msg(!strstr(w.after_heal, "netem") && !strstr(w.after_heal, "tbf"),
		      "a qdisc is still there:\n%s", w.after_heal);
	ck_assert_int_eq(w.lines_after_heal, 0);
	/* the server's partition rules went too: both request-replies after
	 * the heal are as fast as the bare link */
	printf("heal: request-replies after it %.2f ms, %.2f ms\n",
	       step_secs(&log, "client", 3) * 1e3, step_secs(&log, "client", 5) * 1e3);
	ck_assert_double_lt(step_secs(&log, "client", 3), 0.05);
	ck_assert_double_lt(step_secs(&log, "client", 5), 0.05);
	json_decref(result);
	log_free(&log);
	free(w.after_heal);
}
END_TEST

/* ---- the delay lines ---------------------------------------------------- */

START_TEST(test_line_death_is_an_error)
{
	struct fault_watch w = { .kill_line = true };
	struct run_log log = { .watch = watch_faults, .test = &w };
	json_t *result = NULL, *warnings, *end;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	ret = run_engine(load_data("line-death.yaml"), SC_ENGINE_QUEUE, &log, &result);
	ck_assert_msg(w.killed > 0, "no delay line to kill");
	ck_assert_int_eq(ret, -ESRCH);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "host client: its delay line died") &&
		      strstr(err, "killed by signal 9"), "error: %s", err ? err : "null");
	ck_assert(json_is_false(json_object_get(result, "passed")));
	warnings = events_where(&log, "warning", NULL, NULL);
	ck_assert_int_eq(json_array_size(warnings), 1);
	ck_assert_msg(strstr(nf_json_str(json_array_get(warnings, 0), "message"), "delay line died"),
		      "warning: %s", nf_json_str(json_array_get(warnings, 0), "message"));
	end = events_where(&log, "end", NULL, NULL);
	ck_assert_str_eq(nf_json_str(json_array_get(end, 0), "reason"), "error");
	/* found when it happened, not at the end of the run (3 s): a deadline
	 * a busy or emulated machine meets (tests/vm found 0.76 s there) */
	ck_assert_double_lt(nf_json_num(json_array_get(end, 0), "t"), 2.0);
	json_decref(end);
	json_decref(warnings);
	json_decref(result);
	log_free(&log);
	free(w.after_heal);
}
END_TEST

/* A frozen host's kernel still ACKs, through its delay line: the line is the
 * network, not one of the host's programs, and must not freeze with them. */
START_TEST(test_freeze_keeps_the_line)
{
	struct run_log log = { 0 };
	json_t *result, *freeze;

	NF_REQUIRE_ROOT();
	result = run_passing(load_data("freeze-with-line.yaml"), &log);
	freeze = events_where(&log, "fault", "fault", "freeze");
	/* the line is not counted among the host's processes */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(freeze, 0),
							    "processes")), 1);
	json_decref(freeze);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A reboot: the line of the old host goes with it, the link: comes back
 * with the new one, and the faults of the old one do not. */
START_TEST(test_reboot_puts_link_back)
{
	struct run_log log = { 0 };
	json_t *result = NULL, *links, *reboot;
	int ret;

	NF_REQUIRE_ROOT();
	ret = run_engine(load_data("reboot-with-link.yaml"), SC_ENGINE_AUTO, &log, &result);
	ck_assert_msg(ret == 0, "engine_run %d: %s", ret,
		      json_string_value(json_object_get(result, "error")));
	links = events_where(&log, "fault", "fault", "link");
	reboot = events_where(&log, "fault", "phase", "end");
	ck_assert_int_eq(json_array_size(links), 2);
	ck_assert_int_eq(json_array_size(reboot), 1);
	ck_assert_double_lt(nf_json_num(json_array_get(links, 0), "t"), 0.0);
	ck_assert_double_ge(nf_json_num(json_array_get(links, 1), "t"),
			    nf_json_num(json_array_get(reboot, 0), "t"));
	ck_assert_double_eq_tol(nf_json_num(json_array_get(links, 1), "time"), 0.05, 1e-9);
	json_decref(links);
	json_decref(reboot);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A cancelled run stops its delay lines too: the worker of the daemon, in
 * small (tests/lib), tells the test its run id and its line's pid through
 * a pipe. */
static void worker_event(json_t *ev, void *ctx)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	int msg[2] = { 0, 0 };   /* run id, line pid */
	pid_t line = 0;

	if (strcmp(kind, "topology") == 0)
		msg[0] = (int)json_integer_value(json_object_get(ev, "run"));
	else if (strcmp(kind, "t0") == 0 && nf_children(LINE_COMM, &line) > 0)
		msg[1] = (int)line;
	else
		return;
	(void)!write(cancel_worker_fd(), msg, sizeof(msg));
}

START_TEST(test_cancel_stops_the_lines)
{
	struct scenario *sc;
	char *snapshot;
	int rfd, msg[2];
	unsigned id = 0;
	pid_t worker, line = 0;

	NF_REQUIRE_ROOT();
	sc = load_data("cancel-with-line.yaml");
	snapshot = nf_root_snapshot();
	worker = cancel_worker_start(sc, worker_event, &rfd);
	cancel_worker_stop(worker, 1000);
	while (read(rfd, msg, sizeof(msg)) == sizeof(msg)) {
		if (msg[0])
			id = (unsigned)msg[0];
		if (msg[1])
			line = (pid_t)msg[1];
	}
	close(rfd);
	ck_assert_msg(id > 0 && line > 0, "no run id (%u) or delay line (%d) seen", id,
		      (int)line);
	ck_assert_msg(kill(line, 0) < 0 && errno == ESRCH,
		      "the delay line %d survived the cancel", (int)line);
	nf_assert_nothing_left(id, snapshot, "cancel");
	free(snapshot);
	scenario_free(sc);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *netfaults_engine_suite(void)
{
	Suite *s = suite_create("netfaults_engine");
	TCase *engine = tcase_create("Kernel: which engine serves");
	TCase *heal = tcase_create("Kernel: heal and the delay lines");

	tcase_set_timeout(engine, TEST_TIMEOUT_S);
	tcase_set_timeout(heal, TEST_TIMEOUT_S);
	tcase_add_test(engine, test_engine_reported);
	tcase_add_test(engine, test_forced_netem);
	tcase_add_test(engine, test_forced_queue);
	tcase_add_test(heal, test_heal_removes_everything);
	tcase_add_test(heal, test_line_death_is_an_error);
	tcase_add_test(heal, test_freeze_keeps_the_line);
	tcase_add_test(heal, test_reboot_puts_link_back);
	tcase_add_test(heal, test_cancel_stops_the_lines);
	suite_add_tcase(s, engine);
	suite_add_tcase(s, heal);
	return s;
}

int main(void)
{
	return nf_run_suite(netfaults_engine_suite());
}
