/*
 * test_netfaults.c: the engine's network faults for real (root): delay,
 * loss, rate, drop, reject, partition, heal and the hosts' link:, judged by
 * what the apps' steps and verdicts show, not by what the engine says it
 * did:
 *
 *   engine    every delay/loss/rate fault and link event names the engine
 *             that served it, and the result's "impair_engine" agrees: the
 *             delay line ("queue") on a kernel without sch_netem, netem
 *             where the kernel has it; firewall faults say "nftables"
 *   effect    a 200ms delay adds 200ms to a request-reply; a 1 Mbit/s link
 *             takes about a second for 125000 bytes; drop, partition and
 *             100 % loss turn the server's verdict from nothing (the same
 *             scenario without the fault) into timeout; a one-way partition
 *             lets the other way through; an ICMPv6 admin-prohibited
 *             (EACCES) is an unreachable
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
 *   cleanup   after every run: no namespace of the run, no child process
 *             of the test (app or delay line, zombie or not), the root
 *             namespace unchanged (nf_root_snapshot)
 *
 * Scenario files are read from $NF_SCENARIO_DIR (default "scenarios", the
 * tests run from the project's root). NF_TEST_EVENTS=1 prints every event.
 */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
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
#include "netns/netns.h"
#include "netns/qdisc.h"
#include "scenario/scenario.h"
#include "tests/lib/testlib.h"

#define TEST_TIMEOUT_S 60
#define LINE_COMM "nf-delayline"

static const char *scenario_dir = "scenarios";

/* ---- events ------------------------------------------------------------- */

struct run_log {
	json_t *events;
	/* what the heal check (on_heal) found in the client's namespace */
	char *after_heal;
	int lines_after_heal;
	bool kill_line;            /* kill the delay line at its first fault */
	pid_t killed;
};

static json_t *events_of(const struct run_log *log, const char *kind, const char *key,
			 const char *value)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *v = key ? json_string_value(json_object_get(ev, key)) : NULL;

		if (strcmp(k, kind) == 0 && (!key || (v && strcmp(v, value) == 0)))
			json_array_append(out, ev);
	}
	return out;
}

static json_t *step_of(const struct run_log *log, const char *app, int index)
{
	json_t *all = events_of(log, "step", "app", app), *ev, *found = NULL;
	size_t i;

	json_array_foreach(all, i, ev)
		if (json_integer_value(json_object_get(ev, "index")) == index)
			found = ev;
	ck_assert_msg(found != NULL, "no step %d of %s", index, app);
	json_decref(all);
	return found;
}

/* How long step INDEX of APP took, in seconds. */
static double step_secs(const struct run_log *log, const char *app, int index)
{
	json_t *st = step_of(log, app, index);

	return nf_json_num(st, "t") - nf_json_num(st, "started");
}

static json_t *app_result(json_t *result, const char *app)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, a)
		if (strcmp(nf_json_str(a, "app"), app) == 0)
			return a;
	ck_abort_msg("no result for app %s", app);
	return NULL;
}

static const char *verdict_of(json_t *result, const char *app)
{
	return nf_json_str(app_result(result, app), "verdict");
}

/* ---- processes and namespaces ------------------------------------------- */

/* Children of this process (any state, zombies too); COMM: only those whose
 * name is COMM. Returns how many, the first in *FIRST. */
static int children(const char *comm, pid_t *first)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], *close_paren;
		int ppid = 0;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[0] = '\0';
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		close_paren = strrchr(buf, ')');
		if (!close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1 ||
		    ppid != getpid())
			continue;
		if (comm) {
			char *open_paren = strchr(buf, '(');

			*close_paren = '\0';
			if (!open_paren || strcmp(open_paren + 1, comm) != 0)
				continue;
		}
		if (n++ == 0 && first)
			*first = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* The run's namespaces left in /run/netns: its hosts nf<ID>-NAME and its
 * switch nf<ID>-sw. */
static int run_namespaces(unsigned id, char *first, size_t len)
{
	char prefix[32], **names = NULL;
	int n;

	snprintf(prefix, sizeof(prefix), "nf%u-", id);
	n = netns_list(prefix, &names);
	if (n > 0 && first)
		snprintf(first, len, "%s", names[0]);
	netns_names_free(names);
	return n < 0 ? 0 : n;
}

static unsigned run_id_of(const struct run_log *log)
{
	json_t *topo = events_of(log, "topology", NULL, NULL);
	unsigned id = 0;

	if (json_array_size(topo) == 1)
		id = (unsigned)json_integer_value(json_object_get(json_array_get(topo, 0), "run"));
	json_decref(topo);
	return id;
}

static const char *ns_of(const struct run_log *log, const char *host)
{
	json_t *topo = events_of(log, "topology", NULL, NULL), *h;
	const char *ns = NULL;
	size_t i;

	json_array_foreach(json_object_get(json_array_get(topo, 0), "hosts"), i, h)
		if (strcmp(nf_json_str(h, "name"), host) == 0)
			ns = nf_json_str(h, "ns");
	json_decref(topo);
	return ns;   /* still held by log->events */
}

/* After a run: nothing of it is left. */
static void assert_clean(const struct run_log *log, const char *snapshot)
{
	unsigned id = run_id_of(log);
	char left[64] = "", *after;
	pid_t child = 0;

	if (id)
		ck_assert_msg(run_namespaces(id, left, sizeof(left)) == 0,
			      "namespace %s left after the run", left);
	ck_assert_msg(children(NULL, &child) == 0, "process %d (a child of the test) "
		      "survived the run", (int)child);
	after = nf_root_snapshot();
	ck_assert_msg(strcmp(snapshot, after) == 0, "the root namespace changed:\n%s\n---\n%s",
		      snapshot, after);
	free(after);
}

/* ---- running ------------------------------------------------------------ */

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
static void on_heal(struct run_log *log)
{
	const char *ns = ns_of(log, "client");
	json_t *topo = events_of(log, "topology", NULL, NULL);
	const char *sw = nf_json_str(json_array_get(topo, 0), "switch");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s nft list ruleset 2>&1; "
		 "ip netns exec %s iptables-save 2>&1; ip netns exec %s ip6tables-save 2>&1; "
		 "ip netns exec %s tc qdisc show 2>&1; ip netns exec %s tc qdisc show 2>&1",
		 ns, ns, ns, ns, sw);
	json_decref(topo);
	log->after_heal = command_output(cmd);
	log->lines_after_heal = children(LINE_COMM, NULL);
}

static void log_event(json_t *ev, void *ctx)
{
	struct run_log *log = ctx;
	const char *kind = json_string_value(json_object_get(ev, "event"));
	const char *fault = json_string_value(json_object_get(ev, "fault"));

	if (getenv("NF_TEST_EVENTS")) {
		char *text = json_dumps(ev, JSON_COMPACT);

		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_array_append(log->events, ev);
	if (strcmp(kind, "fault") != 0 || !fault)
		return;
	if (strcmp(fault, "heal") == 0)
		on_heal(log);
	if (log->kill_line && !log->killed && children(LINE_COMM, &log->killed) > 0)
		kill(log->killed, SIGKILL);
}

static struct scenario *parse(const char *name, const char *text)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512] = "";
	int ret;

	ret = scenario_parse(name, text, strlen(text), NULL, 0, &sc, &errs);
	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", name, msg);
	return sc;
}

static struct scenario *load(const char *file)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char path[512], msg[512] = "";
	int ret;

	snprintf(path, sizeof(path), "%s/%s", scenario_dir, file);
	ret = scenario_load(path, NULL, 0, &sc, &errs);
	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", path, msg);
	return sc;
}

/* Runs SC with the daemon's engine choice ENGINE; checks the cleanup.
 * Returns engine_run's value; the result in *RESULT. */
static int run_engine(struct scenario *sc, enum sc_engine engine, struct run_log *log,
		      json_t **result)
{
	struct engine_opts opts = { .on_event = log_event, .ctx = log,
				    .impair_engine = engine };
	char *snapshot = nf_root_snapshot();
	int ret;

	log->events = json_array();
	ret = engine_run(sc, &opts, result);
	ck_assert_ptr_nonnull(*result);
	assert_clean(log, snapshot);
	free(snapshot);
	scenario_free(sc);
	return ret;
}

/* Runs SC (auto engine): it must run to its end and pass. */
static json_t *run_passing(struct scenario *sc, struct run_log *log)
{
	json_t *result = NULL;
	int ret = run_engine(sc, SC_ENGINE_AUTO, log, &result);

	ck_assert_msg(ret == 0, "engine_run %d: %s", ret,
		      json_string_value(json_object_get(result, "error")));
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	return result;
}

static void log_free(struct run_log *log)
{
	json_decref(log->events);
	free(log->after_heal);
}

/* The engine this kernel gives delay, loss and rate when nothing forces one. */
static const char *auto_engine(void)
{
	int have = netem_available(false);

	ck_assert_int_ge(have, 0);
	return have ? "netem" : "queue";
}

/* ---- the engine reported ------------------------------------------------ */

START_TEST(test_engine_reported)
{
	struct run_log log = { 0 };
	json_t *result, *faults, *ev;
	size_t i;

	NF_REQUIRE_ROOT();
	result = run_passing(load("rate.yaml"), &log);   /* a link: */
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), auto_engine());
	faults = events_of(&log, "fault", "fault", "link");
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
	result = run_passing(load("partition-heal.yaml"), &log);
	/* no delay, loss or rate: no impairment engine at all */
	ck_assert(json_is_null(json_object_get(result, "impair_engine")));
	faults = events_of(&log, "fault", NULL, NULL);
	ck_assert_int_eq(json_array_size(faults), 2);
	json_array_foreach(faults, i, ev)
		ck_assert_str_eq(nf_json_str(ev, "engine"), "nftables");
	ck_assert(json_is_true(json_object_get(json_array_get(faults, 1), "all")));
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- effects ------------------------------------------------------------ */

/* delay.yaml: the request-reply after the 200ms delay takes 200ms longer. */
START_TEST(test_delay_effect)
{
	struct run_log log = { 0 };
	json_t *result, *faults;
	double before, after;

	NF_REQUIRE_ROOT();
	result = run_passing(load("delay.yaml"), &log);
	faults = events_of(&log, "fault", "fault", "delay");
	ck_assert_int_eq(json_array_size(faults), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "engine"), auto_engine());
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), auto_engine());
	/* client steps: 0 connect, 1 send, 2 recv, 3 sleep, 4 send, 5 recv */
	before = step_secs(&log, "client", 2);
	after = step_secs(&log, "client", 5);
	printf("delay: request-reply %.1f ms before the fault, %.1f ms after\n",
	       before * 1e3, after * 1e3);
	ck_assert_double_lt(before, 0.05);
	ck_assert_double_ge(after - before, 0.195);
	ck_assert_double_le(after - before, 0.260);
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A link delay both ways: a connect costs a round trip, 2 x 100ms; a later
 * delay fault on the same direction replaces the link's (200ms out). */
START_TEST(test_link_both_ways_and_replace)
{
	static const char text[] =
		"name: link delay both ways, then replaced out\n"
		"duration: 4s\n"
		"hosts:\n"
		"  server: {}\n"
		"  client:\n"
		"    link: { delay: 100ms, direction: both }\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    steps: [accept, recv: 26, send: 26, recv: 26, send: 26]\n"
		"  client:\n"
		"    connect: server\n"
		"    steps: [connect, send: 26, recv: 26, sleep: 1s, send: 26, recv: 26]\n"
		"faults:\n"
		"  - at: 700ms\n"
		"    delay: { host: client, time: 300ms }\n";
	struct run_log log = { 0 };
	json_t *result;
	double connect, rr1, rr2;

	NF_REQUIRE_ROOT();
	result = run_passing(parse("link.yaml", text), &log);
	connect = step_secs(&log, "client", 0);
	rr1 = step_secs(&log, "client", 2);
	rr2 = step_secs(&log, "client", 5);
	printf("link: connect %.1f ms, request-reply %.1f ms, after the fault %.1f ms\n",
	       connect * 1e3, rr1 * 1e3, rr2 * 1e3);
	ck_assert_double_ge(connect, 0.195);
	ck_assert_double_le(connect, 0.260);
	ck_assert_double_ge(rr1, 0.195);
	ck_assert_double_le(rr1, 0.260);
	/* out 300ms (replacing the link's 100ms), in still 100ms */
	ck_assert_double_ge(rr2, 0.395);
	ck_assert_double_le(rr2, 0.460);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* rate.yaml: 125000 bytes through 1 Mbit/s take about a second. */
START_TEST(test_rate_effect)
{
	struct run_log log = { 0 };
	json_t *result;
	double secs;

	NF_REQUIRE_ROOT();
	result = run_passing(load("rate.yaml"), &log);
	secs = step_secs(&log, "client", 1);
	printf("rate: 125000 bytes in %.3f s\n", secs);
	ck_assert_double_ge(secs, 0.95);
	ck_assert_double_le(secs, 2.0);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* The same two apps with and without a fault: the server sends at 1s and
 * waits for the client's "ack". */
static const char pair_text[] =
	"name: %s\n"
	"duration: 4s\n"
	"apps:\n"
	"  server:\n"
	"    listen: 5000\n"
	"    tcp: { user_timeout: 1500ms }\n"
	"    steps:\n"
	"      - accept\n"
	"      - send: 26\n"
	"      - sleep: 1s\n"
	"      - send: { bytes: 26, expect: ok }\n"
	"      - recv: 3\n"
	"  client:\n"
	"    connect: server\n"
	"    steps:\n"
	"      - recv: 26\n"
	"      - recv: 26\n"
	"      - send: \"ack\"\n"
	"%s";

static const struct {
	const char *name;
	const char *faults;
	const char *server;        /* its verdict */
	const char *engine;        /* of the fault; NULL: the impairment engine */
	bool client_gets_data;     /* the client's second recv must succeed */
} pair_cases[] = {
	{ "no fault", "", "nothing", "", true },
	{ "drop on the client's input",
	  "faults:\n  - at: 500ms\n    drop: { host: client, direction: in }\n",
	  "timeout", "nftables", false },
	{ "partition",
	  "faults:\n  - at: 500ms\n    partition: [[client], [server]]\n",
	  "timeout", "nftables", false },
	{ "100% loss on the server's way out",
	  "faults:\n  - at: 500ms\n    loss: { host: server, percent: 100 }\n",
	  "timeout", NULL, false },
	/* one way: the server's data reaches the client, the ACKs do not */
	{ "one-way partition from client to server",
	  "faults:\n  - at: 500ms\n    partition: { from: client, to: server }\n",
	  "timeout", "nftables", true },
	{ "drop healed at once",
	  "faults:\n  - at: 500ms\n    drop: { host: client, direction: both }\n"
	  "  - at: 600ms\n    heal: client\n",
	  "nothing", "nftables", true },
};

START_TEST(test_fault_turns_nothing_into_timeout)
{
	char text[2048];
	struct run_log log = { 0 };
	json_t *result = NULL, *faults, *v;
	const char *want_engine;
	int ret;

	NF_REQUIRE_ROOT();
	snprintf(text, sizeof(text), pair_text, pair_cases[_i].name, pair_cases[_i].faults);
	ret = run_engine(parse("pair.yaml", text), SC_ENGINE_AUTO, &log, &result);
	ck_assert_msg(ret == 0, "%s: engine_run %d: %s", pair_cases[_i].name, ret,
		      json_string_value(json_object_get(result, "error")));
	ck_assert_msg(strcmp(verdict_of(result, "server"), pair_cases[_i].server) == 0,
		      "%s: the server saw %s, expected %s", pair_cases[_i].name,
		      verdict_of(result, "server"), pair_cases[_i].server);
	if (strcmp(pair_cases[_i].server, "timeout") == 0) {
		v = json_object_get(app_result(result, "server"), "t");
		ck_assert_double_ge(json_number_value(v), 2.4);   /* 1s + 1.5s */
	}
	if (pair_cases[_i].client_gets_data)
		ck_assert_str_eq(nf_json_str(step_of(&log, "client", 2), "result"), "ok");
	else
		ck_assert_str_eq(verdict_of(result, "client"), "nothing");
	faults = events_of(&log, "fault", NULL, NULL);
	want_engine = pair_cases[_i].engine ? pair_cases[_i].engine : auto_engine();
	if (json_array_size(faults))
		ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "engine"), want_engine);
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ICMPv6 admin-prohibited: the kernel says EACCES (a soft error for a
 * connect, reported when its SYN is retransmitted, about 1s later), and the
 * verdict is unreachable. */
START_TEST(test_icmp6_admin_prohibited)
{
	static const char text[] =
		"name: ICMPv6 admin-prohibited at connect\n"
		"duration: 3s\n"
		"apps:\n"
		"  server: { listen: 5000, family: ipv6, steps: [accept] }\n"
		"  client:\n"
		"    connect: server\n"
		"    family: ipv6\n"
		"    tcp: { syn_retries: 1 }\n"
		"    steps: [sleep: 500ms, connect: { expect: EACCES }]\n"
		"faults:\n"
		"  - at: 200ms\n"
		"    reject: { host: server, with: icmp-admin-prohibited }\n"
		"expect:\n"
		"  client: { sees: unreachable, after: 500ms, before: 2500ms }\n";
	struct run_log log = { 0 };
	json_t *result;

	NF_REQUIRE_ROOT();
	result = run_passing(parse("admin6.yaml", text), &log);
	ck_assert_str_eq(nf_json_str(step_of(&log, "client", 1), "result"), "EACCES");
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- forcing an engine -------------------------------------------------- */

static const char forced_text[] =
	"name: an engine forced\n"
	"duration: 2s\n"
	"hosts:\n"
	"  server: {}\n"
	"  client:\n"
	"    link: { delay: 20ms%s }\n"
	"apps:\n"
	"  server: { listen: 5000, steps: [accept, recv: 26] }\n"
	"  client: { connect: server, steps: [send: 26] }\n";

/* Runs forced_text with LINK_ENGINE (", engine: netem" or "") and the
 * daemon's choice DAEMON. */
static int run_forced(const char *link_engine, enum sc_engine daemon, struct run_log *log,
		      json_t **result)
{
	char text[1024];

	snprintf(text, sizeof(text), forced_text, link_engine);
	return run_engine(parse("forced.yaml", text), daemon, log, result);
}

static void assert_refused_before_build(const struct run_log *log, json_t *result,
					const char *what)
{
	const char *err = json_string_value(json_object_get(result, "error"));
	json_t *topo = events_of(log, "topology", NULL, NULL);

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
	ret = run_forced(", engine: netem", SC_ENGINE_AUTO, &log, &result);
	ck_assert_int_eq(ret, -ENOTSUP);
	assert_refused_before_build(&log, result, "lacks sch_netem");
	ck_assert_msg(strstr(json_string_value(json_object_get(result, "error")),
			     "forced.yaml:5:"), "the error names the line");
	json_decref(result);
	log_free(&log);

	memset(&log, 0, sizeof(log));
	ret = run_forced("", SC_ENGINE_NETEM, &log, &result);
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
	ret = run_forced("", SC_ENGINE_QUEUE, &log, &result);
	ck_assert_int_eq(ret, 0);
	ck_assert(json_is_true(json_object_get(result, "passed")));
	ck_assert_str_eq(nf_json_str(result, "impair_engine"), "queue");
	link = events_of(&log, "fault", "fault", "link");
	ck_assert_str_eq(nf_json_str(json_array_get(link, 0), "engine"), "queue");
	json_decref(link);
	json_decref(result);
	log_free(&log);

	/* the scenario says netem, the daemon queue: refused, whatever the kernel */
	memset(&log, 0, sizeof(log));
	ret = run_forced(", engine: netem", SC_ENGINE_QUEUE, &log, &result);
	ck_assert_int_eq(ret, -EINVAL);
	assert_refused_before_build(&log, result, "the daemon forces the queue engine");
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- heal --------------------------------------------------------------- */

START_TEST(test_heal_removes_everything)
{
	static const char text[] =
		"name: every network fault on the client, then heal\n"
		"duration: 5s\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    tcp: { user_timeout: 4s }\n"
		"    steps: [accept, recv: 26, send: 26, recv: 26, send: 26]\n"
		"  client:\n"
		"    connect: server\n"
		"    tcp: { user_timeout: 4s }\n"
		"    steps:\n"
		"      - sleep: 1200ms\n"
		"      - send: 26\n"
		"      - recv: { bytes: 26, expect: ok }\n"
		"      - send: 26\n"
		"      - recv: { bytes: 26, expect: ok }\n"
		"faults:\n"
		"  - at: 100ms\n"
		"    delay: { host: client, time: 300ms, jitter: 10ms, direction: both }\n"
		"  - at: 200ms\n"
		"    loss: { host: client, percent: 50, direction: in }\n"
		"  - at: 300ms\n"
		"    rate: { host: client, rate: 100kbit }\n"
		"  - at: 400ms\n"
		"    drop: { host: client, proto: udp, port: 53 }\n"
		"  - at: 500ms\n"
		"    reject: { host: client, with: tcp-reset, port: 6000 }\n"
		"  - at: 600ms\n"
		"    partition: [[client], [server]]\n"
		"  - at: 1s\n"
		"    heal: client\n"
		"expect:\n"
		"  server: nothing\n"
		"  client: nothing\n";
	struct run_log log = { 0 };
	json_t *result, *heal;

	NF_REQUIRE_ROOT();
	result = run_passing(parse("heal.yaml", text), &log);
	heal = events_of(&log, "fault", "fault", "heal");
	ck_assert_int_eq(json_array_size(heal), 1);
	ck_assert_str_eq(nf_json_str(json_array_get(heal, 0), "engine"), "nftables");
	ck_assert_str_eq(nf_json_str(json_array_get(heal, 0), "impair_engine"), auto_engine());
	json_decref(heal);
	ck_assert_ptr_nonnull(log.after_heal);
	ck_assert_msg(!strstr(log.after_heal, "table inet netfault"),
		      "the firewall table is still there:\n%s", log.after_heal);
	ck_assert_msg(!strstr(log.after_heal, "NFQUEUE"), "an NFQUEUE rule is still "
		      "there:\n%s", log.after_heal);
	ck_assert_msg(!strstr(log.after_heal, "netem") && !strstr(log.after_heal, "tbf"),
		      "a qdisc is still there:\n%s", log.after_heal);
	ck_assert_int_eq(log.lines_after_heal, 0);
	/* the server's partition rules went too: both request-replies after
	 * the heal are as fast as the bare link */
	printf("heal: request-replies after it %.2f ms, %.2f ms\n",
	       step_secs(&log, "client", 3) * 1e3, step_secs(&log, "client", 5) * 1e3);
	ck_assert_double_lt(step_secs(&log, "client", 3), 0.05);
	ck_assert_double_lt(step_secs(&log, "client", 5), 0.05);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- the delay lines ---------------------------------------------------- */

START_TEST(test_line_death_is_an_error)
{
	static const char text[] =
		"name: the delay line dies\n"
		"duration: 3s\n"
		"apps:\n"
		"  server: { listen: 5000, steps: [accept, recv: 26] }\n"
		"  client: { connect: server, steps: [sleep: 1s, send: 26] }\n"
		"faults:\n"
		"  - at: 300ms\n"
		"    delay: { host: client, time: 50ms }\n";
	struct run_log log = { .kill_line = true };
	json_t *result = NULL, *warnings, *end;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	ret = run_engine(parse("death.yaml", text), SC_ENGINE_QUEUE, &log, &result);
	ck_assert_msg(log.killed > 0, "no delay line to kill");
	ck_assert_int_eq(ret, -ESRCH);
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "host client: its delay line died") &&
		      strstr(err, "killed by signal 9"), "error: %s", err ? err : "null");
	ck_assert(json_is_false(json_object_get(result, "passed")));
	warnings = events_of(&log, "warning", NULL, NULL);
	ck_assert_int_eq(json_array_size(warnings), 1);
	ck_assert_msg(strstr(nf_json_str(json_array_get(warnings, 0), "message"), "delay line died"),
		      "warning: %s", nf_json_str(json_array_get(warnings, 0), "message"));
	end = events_of(&log, "end", NULL, NULL);
	ck_assert_str_eq(nf_json_str(json_array_get(end, 0), "reason"), "error");
	/* found at once, not at the end of the run */
	ck_assert_double_lt(nf_json_num(json_array_get(end, 0), "t"), 0.5);
	json_decref(end);
	json_decref(warnings);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* A frozen host's kernel still ACKs, through its delay line: the line is the
 * network, not one of the host's programs, and must not freeze with them. */
START_TEST(test_freeze_keeps_the_line)
{
	static const char text[] =
		"name: freeze a host with a delay line\n"
		"duration: 5s\n"
		"hosts:\n"
		"  server: {}\n"
		"  client:\n"
		"    link: { delay: 20ms, direction: both, engine: queue }\n"
		"apps:\n"
		"  server:\n"
		"    listen: 5000\n"
		"    tcp: { user_timeout: 1s }\n"
		"    steps:\n"
		"      - accept\n"
		"      - sleep: 1s\n"
		"      - send: { bytes: 26, expect: ok }\n"
		"      - recv: { bytes: 3, expect: ok }\n"
		"  client:\n"
		"    connect: server\n"
		"    steps: [recv: 26, send: \"ack\"]\n"
		"faults:\n"
		"  - at: 500ms\n"
		"    freeze: client\n"
		"  - at: 3s\n"
		"    thaw: client\n"
		"expect:\n"
		"  server: nothing\n"
		"  client: nothing\n";
	struct run_log log = { 0 };
	json_t *result, *freeze;

	NF_REQUIRE_ROOT();
	result = run_passing(parse("freeze.yaml", text), &log);
	freeze = events_of(&log, "fault", "fault", "freeze");
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
	static const char text[] =
		"name: reboot of a host with a link\n"
		"duration: 3s\n"
		"hosts:\n"
		"  server: {}\n"
		"  client:\n"
		"    link: { delay: 50ms }\n"
		"apps:\n"
		"  server: { listen: 5000, steps: [accept] }\n"
		"  client: { connect: server, steps: [connect] }\n"
		"faults:\n"
		"  - at: 300ms\n"
		"    drop: { host: client }\n"
		"  - at: 400ms\n"
		"    delay: { host: client, time: 200ms }\n"
		"  - at: 500ms\n"
		"    reboot: { host: client, down: 500ms }\n";
	struct run_log log = { 0 };
	json_t *result = NULL, *links, *reboot;
	int ret;

	NF_REQUIRE_ROOT();
	ret = run_engine(parse("reboot.yaml", text), SC_ENGINE_AUTO, &log, &result);
	ck_assert_msg(ret == 0, "engine_run %d: %s", ret,
		      json_string_value(json_object_get(result, "error")));
	links = events_of(&log, "fault", "fault", "link");
	reboot = events_of(&log, "fault", "phase", "end");
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
 * small (SIGTERM sets the cancel flag), tells the test its run id and its
 * line's pid through a pipe. */
static volatile sig_atomic_t worker_cancel;
static int worker_pipe = -1;

static void worker_sigterm(int sig)
{
	worker_cancel = 1;
}

static void worker_event(json_t *ev, void *ctx)
{
	const char *kind = json_string_value(json_object_get(ev, "event"));
	int msg[2] = { 0, 0 };   /* run id, line pid */
	pid_t line = 0;

	if (strcmp(kind, "topology") == 0)
		msg[0] = (int)json_integer_value(json_object_get(ev, "run"));
	else if (strcmp(kind, "t0") == 0 && children(LINE_COMM, &line) > 0)
		msg[1] = (int)line;
	else
		return;
	(void)!write(worker_pipe, msg, sizeof(msg));
}

START_TEST(test_cancel_stops_the_lines)
{
	static const char text[] =
		"name: cancelled with a delay line\n"
		"duration: 20s\n"
		"hosts:\n"
		"  server: {}\n"
		"  client:\n"
		"    link: { delay: 20ms, loss: 1, engine: queue }\n"
		"apps:\n"
		"  server: { listen: 5000, steps: [accept, hold] }\n"
		"  client: { connect: server, steps: [hold] }\n";
	struct scenario *sc;
	char *snapshot, *after, left[64] = "";
	int p[2], msg[2], status;
	unsigned id = 0;
	pid_t worker, line = 0;
	int64_t start;

	NF_REQUIRE_ROOT();
	sc = parse("cancel.yaml", text);
	snapshot = nf_root_snapshot();
	ck_assert_int_eq(pipe(p), 0);
	start = mono_usec();
	worker = fork();
	ck_assert_int_ge(worker, 0);
	if (worker == 0) {
		struct engine_opts opts = { .on_event = worker_event, .cancel = &worker_cancel };
		json_t *result = NULL;
		int ret;

		close(p[0]);
		worker_pipe = p[1];
		signal(SIGTERM, worker_sigterm);
		ret = engine_run(sc, &opts, &result);
		_exit(ret == -ECANCELED ? 0 : 1);
	}
	close(p[1]);
	usleep(1000 * 1000);
	kill(worker, SIGTERM);
	ck_assert_int_eq(waitpid(worker, &status, 0), worker);
	while (read(p[0], msg, sizeof(msg)) == sizeof(msg)) {
		if (msg[0])
			id = (unsigned)msg[0];
		if (msg[1])
			line = (pid_t)msg[1];
	}
	close(p[0]);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the worker did not return -ECANCELED (status %d)", status);
	/* a deadline for "the cancel ends the run", not a speed bound */
	ck_assert_msg(mono_usec() - start < 20000000, "cancel took more than 20 s");
	ck_assert_msg(id > 0 && line > 0, "no run id (%u) or delay line (%d) seen", id,
		      (int)line);
	ck_assert_msg(kill(line, 0) < 0 && errno == ESRCH,
		      "the delay line %d survived the cancel", (int)line);
	ck_assert_msg(run_namespaces(id, left, sizeof(left)) == 0,
		      "namespace %s left after cancel", left);
	after = nf_root_snapshot();
	ck_assert_msg(strcmp(snapshot, after) == 0, "the root namespace changed");
	free(after);
	free(snapshot);
	scenario_free(sc);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *netfaults_suite(void)
{
	Suite *s = suite_create("netfaults");
	TCase *engine = tcase_create("Kernel: which engine serves");
	TCase *effect = tcase_create("Kernel: the faults' effects");
	TCase *heal = tcase_create("Kernel: heal and the delay lines");

	tcase_set_timeout(engine, TEST_TIMEOUT_S);
	tcase_set_timeout(effect, TEST_TIMEOUT_S);
	tcase_set_timeout(heal, TEST_TIMEOUT_S);
	tcase_add_test(engine, test_engine_reported);
	tcase_add_test(engine, test_forced_netem);
	tcase_add_test(engine, test_forced_queue);
	tcase_add_test(effect, test_delay_effect);
	tcase_add_test(effect, test_link_both_ways_and_replace);
	tcase_add_test(effect, test_rate_effect);
	tcase_add_loop_test(effect, test_fault_turns_nothing_into_timeout, 0,
			    (int)(sizeof(pair_cases) / sizeof(pair_cases[0])));
	tcase_add_test(effect, test_icmp6_admin_prohibited);
	tcase_add_test(heal, test_heal_removes_everything);
	tcase_add_test(heal, test_line_death_is_an_error);
	tcase_add_test(heal, test_freeze_keeps_the_line);
	tcase_add_test(heal, test_reboot_puts_link_back);
	tcase_add_test(heal, test_cancel_stops_the_lines);
	suite_add_tcase(s, engine);
	suite_add_tcase(s, effect);
	suite_add_tcase(s, heal);
	return s;
}

int main(void)
{
	const char *env = getenv("NF_SCENARIO_DIR");

	if (env && *env)
		scenario_dir = env;
	return nf_run_suite(netfaults_suite());
}
