/*
 * test_engine.c: the run engine for real (root): every scenarios/NAME.yaml
 * must pass; the seed's experiments must give the kernel's results
 * (reference/kernel-facts.md), read from the events themselves; a wrong
 * expectation must fail with a reason; a powered-off host must be silent on
 * the wire (packet capture on the switch); a cancelled run (SIGTERM of the
 * worker) must clean up. After every run: no namespace of the run left in
 * /run/netns, no app process alive, the root namespace unchanged.
 *
 * The scenarios are read from $NF_SCENARIO_DIR, default "scenarios" (the
 * tests run from the project's root). NF_TEST_EVENTS=1 prints every event.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/engine.h"
#include "netns/netns.h"
#include "netns/qdisc.h"
#include "scenario/scenario.h"
#include "tests/lib/testlib.h"

#define MAX_FILES 64
#define TEST_TIMEOUT_S 60

static char *scenario_dir;
static char *files[MAX_FILES];
static int nfiles;

/* ---- running a scenario and keeping its events --------------------------- */

struct capture;

struct run_log {
	json_t *events;            /* every event, in order */
	struct capture *cap;       /* started at the "topology" event, or NULL */
	const char *cap_host;      /* host whose frames to capture */
};

static void log_event(json_t *ev, void *ctx);

static json_t *events_of(const struct run_log *log, const char *kind, const char *app)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *a = json_string_value(json_object_get(ev, "app"));

		if (strcmp(k, kind) == 0 && (!app || (a && strcmp(a, app) == 0)))
			json_array_append(out, ev);
	}
	return out;
}

/* The one event of KIND for APP, asserted to exist. */
static json_t *event_of(const struct run_log *log, const char *kind, const char *app)
{
	json_t *all = events_of(log, kind, app);
	json_t *ev;

	ck_assert_msg(json_array_size(all) == 1, "%zu %s events for %s",
		      json_array_size(all), kind, app ? app : "-");
	ev = json_array_get(all, 0);
	json_decref(all);
	return ev; /* still held by log->events */
}

static json_t *step_of(const struct run_log *log, const char *app, int index)
{
	json_t *all = events_of(log, "step", app), *ev, *found = NULL;
	size_t i;

	json_array_foreach(all, i, ev)
		if (json_integer_value(json_object_get(ev, "index")) == index)
			found = ev;
	ck_assert_msg(found != NULL, "no step %d of %s", index, app);
	json_decref(all);
	return found;
}

/* Where EV stands in the stream, asserted to be there. */
static size_t position(const struct run_log *log, const json_t *ev)
{
	json_t *e;
	size_t i;

	json_array_foreach(log->events, i, e)
		if (e == ev)
			return i;
	ck_abort_msg("event not in the log");
	return 0;
}

static struct scenario *load(const char *path)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512];
	int ret;

	ret = scenario_load(path, NULL, 0, &sc, &errs);
	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", strerror(-ret));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", path, msg);
	return sc;
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

/* Lists the /run/netns names of run ID. */
static int run_namespaces(unsigned id, char *first, size_t len)
{
	char prefix[32];
	char **names = NULL;
	int n;

	snprintf(prefix, sizeof(prefix), "nf%u-", id);
	n = netns_list(prefix, &names);
	if (n > 0 && first)
		snprintf(first, len, "%s", names[0]);
	netns_names_free(names);
	return n < 0 ? 0 : n;
}

/* After a run: nothing of it is left. */
static void assert_clean(const struct run_log *log, const char *snapshot)
{
	json_t *apps = events_of(log, "app", NULL), *ev;
	json_t *topo = events_of(log, "topology", NULL);
	char left[64] = "", *after;
	size_t i;

	if (json_array_size(topo) == 1) {
		unsigned id = (unsigned)json_integer_value(
			json_object_get(json_array_get(topo, 0), "run"));

		ck_assert_msg(run_namespaces(id, left, sizeof(left)) == 0,
			      "namespace %s left after the run", left);
	}
	json_array_foreach(apps, i, ev) {
		pid_t pid = (pid_t)json_integer_value(json_object_get(ev, "pid"));

		ck_assert_msg(kill(pid, 0) < 0 && errno == ESRCH,
			      "app process %d still exists", (int)pid);
	}
	after = nf_root_snapshot();
	ck_assert_msg(strcmp(snapshot, after) == 0, "the root namespace changed:\n%s\n---\n%s",
		      snapshot, after);
	free(after);
	json_decref(apps);
	json_decref(topo);
}

static int run_scenario(const struct scenario *sc, struct run_log *log,
			volatile sig_atomic_t *cancel, json_t **result)
{
	struct engine_opts opts = { .on_event = log_event, .ctx = log, .cancel = cancel };

	log->events = json_array();
	return engine_run(sc, &opts, result);
}

/* Runs the file PATH, checks the cleanup, returns the result. */
static json_t *run_file(const char *path, struct run_log *log)
{
	struct scenario *sc = load(path);
	char *snapshot = nf_root_snapshot();
	json_t *result = NULL;
	int ret;

	ret = run_scenario(sc, log, NULL, &result);
	ck_assert_ptr_nonnull(result);
	ck_assert_msg(ret == 0, "%s: engine_run %d: %s", path, ret,
		      json_string_value(json_object_get(result, "error")));
	assert_clean(log, snapshot);
	free(snapshot);
	scenario_free(sc);
	return result;
}

static void log_free(struct run_log *log)
{
	json_decref(log->events);
}

/* ---- packet capture on the switch ------------------------------------------ */

#define CAP_MAX 4096

struct capture {
	pthread_t thread;
	char ns[64];
	uint8_t mac[6];
	volatile int stop;
	int ready;                 /* 1 capturing, -1 failed */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	char err[PCAP_ERRBUF_SIZE + 64];
	int64_t ts_us[CAP_MAX];    /* CLOCK_MONOTONIC of each frame from mac */
	size_t n;
	int64_t rt_minus_mono;     /* CLOCK_REALTIME - CLOCK_MONOTONIC, us */
};

static int64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void cap_ready(struct capture *c, int state)
{
	pthread_mutex_lock(&c->mu);
	c->ready = state;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
}

static void cap_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	int64_t rt = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;

	if (h->caplen < 12 || memcmp(bytes + 6, c->mac, 6) != 0 || c->n >= CAP_MAX)
		return;
	c->ts_us[c->n++] = rt - c->rt_minus_mono;
}

/* Captures every frame on the switch's bridge (promiscuous, so frames
 * forwarded between ports are seen too) whose source is the host's MAC. */
static void *cap_thread(void *arg)
{
	struct capture *c = arg;
	char path[128], eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = NULL;
	int fd;

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", c->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		snprintf(c->err, sizeof(c->err), "enter %s: %s", path, strerror(errno));
		goto fail;
	}
	p = pcap_create(NETNS_BRIDGE, eb);
	if (!p)
		goto pcap_fail;
	pcap_set_snaplen(p, 128);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 10);
	if (pcap_activate(p) < 0 || pcap_setnonblock(p, 1, eb) < 0)
		goto pcap_fail;
	close(fd);
	fd = -1;
	cap_ready(c, 1);
	while (!c->stop) {
		struct pollfd pfd = { .fd = pcap_get_selectable_fd(p), .events = POLLIN };

		poll(&pfd, 1, 10);
		if (pcap_dispatch(p, -1, cap_packet, (u_char *)c) < 0)
			break;
	}
	pcap_close(p);
	return NULL;
pcap_fail:
	snprintf(c->err, sizeof(c->err), "pcap: %s", p ? pcap_geterr(p) : eb);
	if (p)
		pcap_close(p);
fail:
	if (fd >= 0)
		close(fd);
	cap_ready(c, -1);
	return NULL;
}

static struct capture *cap_start(const char *ns, const char *mac)
{
	struct capture *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	ck_assert_int_eq(mac_parse(mac, c->mac), 0);
	c->rt_minus_mono = realtime_usec() - mono_usec();
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond, NULL);
	ck_assert_int_eq(pthread_create(&c->thread, NULL, cap_thread, c), 0);
	pthread_mutex_lock(&c->mu);
	while (!c->ready)
		pthread_cond_wait(&c->cond, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return c;
}

static void cap_stop(struct capture *c)
{
	c->stop = 1;
	pthread_join(c->thread, NULL);
}

static void log_event(json_t *ev, void *ctx)
{
	struct run_log *log = ctx;

	if (getenv("NF_TEST_EVENTS")) {  /* NF_TEST_EVENTS=1: show every event */
		char *text = json_dumps(ev, JSON_COMPACT);

		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_array_append(log->events, ev);
	if (log->cap_host && strcmp(nf_json_str(ev, "event"), "topology") == 0) {
		json_t *h;
		size_t i;

		json_array_foreach(json_object_get(ev, "hosts"), i, h)
			if (strcmp(nf_json_str(h, "name"), log->cap_host) == 0)
				log->cap = cap_start(nf_json_str(ev, "switch"), nf_json_str(h, "mac"));
	}
}

/* ---- every scenario file passes --------------------------------------------- */

/* The program of a cmd app of the scenario at PATH that is not installed
 * (socat, nginx: scripts/install-deps --test), or NULL. */
static char *missing_program(const char *path)
{
	struct scenario *sc = load(path);
	char *missing = NULL;

	for (size_t i = 0; i < sc->napps && !missing; i++) {
		const char *p = sc->apps[i].cmd ? sc->apps[i].cmd[0] : NULL;
		char cmd[512];

		if (!p)
			continue;
		snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", p);
		if (system(cmd) != 0)
			missing = strdup(p);
	}
	scenario_free(sc);
	return missing;
}

START_TEST(test_scenario_passes)
{
	struct run_log log = { 0 };
	char path[512], *missing;
	json_t *result;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/%s", scenario_dir, files[_i]);
	missing = missing_program(path);
	if (missing) {
		char name[256];

		snprintf(name, sizeof(name), "%s", missing);
		free(missing);
		NF_SKIP("%s: %s is not installed (scripts/install-deps --test)", files[_i], name);
	}
	result = run_file(path, &log);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s", path,
		      json_string_value(json_object_get(result, "reason")));
	ck_assert(json_is_null(json_object_get(result, "error")));
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- more cases, written here: each must pass ------------------------------- */

static const struct {
	const char *name;
	const char *text;
} inline_cases[] = {
	{ "refused-unreachable-halfclose.yaml",
	  "name: refused, unreachable, and a half-close answered\n"
	  "duration: 3s\n"
	  "apps:\n"
	  "  server:\n"
	  "    listen: 5000\n"
	  "    steps:\n"
	  "      - accept\n"
	  "      - shutdown: write\n"
	  "      - recv: { expect: eof }\n"
	  "  client:\n"
	  "    connect: server\n"
	  "    steps:\n"
	  "      - recv: { expect: eof }\n"
	  "      - close\n"
	  "  nobody:\n"
	  "    host: client\n"
	  "    connect: 10.0.0.1:5001\n"
	  "    steps:\n"
	  "      - connect: { expect: ECONNREFUSED }\n"
	  "  noroute:\n"
	  "    host: client\n"
	  "    connect: 192.0.2.1:80\n"
	  "    steps:\n"
	  "      - connect: { expect: ENETUNREACH }\n"
	  "expect:\n"
	  "  server: { sees: fin, before: 500ms }\n"
	  "  client: { sees: fin, before: 500ms }\n"
	  "  nobody: refused\n"
	  "  noroute: unreachable\n" },
	{ "wait-data-then-fin.yaml",
	  /* data and FIN arrive together (the delay bunches them): wait says
	   * ok for the data, the next wait eof; the server closes at once after
	   * its verdict, faster than the socket sampler: views still agree */
	  "name: wait sees the data before the FIN\n"
	  "duration: 3s\n"
	  "hosts:\n"
	  "  c1: { addr: 192.168.50.10/24, mac: \"02:00:00:00:00:10\", link: { delay: 50ms } }\n"
	  "  s1: { addr: 192.168.50.20/24 }\n"
	  "apps:\n"
	  "  server:\n"
	  "    host: s1\n"
	  "    listen: 6000\n"
	  "    steps: [accept, { wait: { expect: ok } }, { recv: 5 }, { wait: { expect: eof } }, close]\n"
	  "  client:\n"
	  "    host: c1\n"
	  "    connect: s1:6000\n"
	  "    steps: [connect, { sleep: 300ms }, { send: hello }, { shutdown: write }, { recv: { expect: eof } }]\n"
	  "expect:\n"
	  "  server: { sees: fin, after: 300ms, before: 1s }\n"
	  "  client: { sees: fin, after: 300ms, before: 2s }\n" },
	{ "ipv6-options.yaml",
	  "name: IPv6, with every socket option set\n"
	  "duration: 3s\n"
	  "apps:\n"
	  "  server:\n"
	  "    listen: 5000\n"
	  "    family: ipv6\n"
	  "    tcp: { sndbuf: 65536, rcvbuf: 65536, nodelay: true, linger: off }\n"
	  "    steps:\n"
	  "      - accept\n"
	  "      - send: 20000\n"   /* fits the send buffer: never blocks */
	  "      - sleep: 1s\n"
	  "      - send: { bytes: 26, expect: ECONNRESET }\n"
	  "  client:\n"
	  "    connect: server\n"
	  "    family: ipv6\n"
	  "    tcp:\n"
	  "      keepalive: { idle: 5s, interval: 1s, count: 3 }\n"
	  "      user_timeout: 2s\n"
	  "      syn_retries: 2\n"
	  "      linger: 0s\n"
	  "    steps:\n"
	  "      - recv: 1000\n"
	  "      - abort\n"
	  "expect:\n"
	  "  server: { sees: rst, before: 500ms }\n"
	  "  client: nothing\n" },
};

START_TEST(test_inline_passes)
{
	struct scenario *sc;
	struct run_log log = { 0 };
	char *snapshot;
	json_t *result = NULL, *warnings;
	int ret;

	NF_REQUIRE_ROOT();
	sc = parse(inline_cases[_i].name, inline_cases[_i].text);
	snapshot = nf_root_snapshot();
	ret = run_scenario(sc, &log, NULL, &result);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s",
		      inline_cases[_i].name,
		      json_string_value(json_object_get(result, "reason")));
	/* every socket option was accepted */
	warnings = events_of(&log, "warning", NULL);
	ck_assert_msg(json_array_size(warnings) == 0, "warning: %s",
		      json_string_value(json_object_get(json_array_get(warnings, 0), "message")));
	json_decref(warnings);
	assert_clean(&log, snapshot);
	free(snapshot);
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

/* ---- the seed's experiments, pinned ----------------------------------------- */

static json_t *run_seed(const char *file, struct run_log *log)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", scenario_dir, file);
	return run_file(path, log);
}

START_TEST(test_seed_crash_after_read)
{
	struct run_log log = { 0 };
	json_t *result, *v, *fault;

	NF_REQUIRE_ROOT();
	result = run_seed("crash-after-read.yaml", &log);
	fault = event_of(&log, "fault", NULL);
	ck_assert_str_eq(nf_json_str(fault, "fault"), "crash");
	v = event_of(&log, "verdict", "server");
	ck_assert_str_eq(nf_json_str(v, "verdict"), "fin");
	ck_assert_double_ge(nf_json_num(v, "t"), nf_json_num(fault, "t"));
	ck_assert_double_lt(nf_json_num(v, "t"), nf_json_num(fault, "t") + 0.2);
	/* the ending was reported as it happened, while the server slept:
	 * before its next step's event, not with the verdicts at the end */
	v = event_of(&log, "ending", "server");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(nf_json_str(v, "verdict"), "fin");
	ck_assert_double_lt(nf_json_num(v, "t"), nf_json_num(fault, "t") + 0.2);
	v = events_of(&log, "ending", "client");
	ck_assert_uint_eq(json_array_size(v), 0);
	json_decref(v);
	ck_assert_uint_lt(position(&log, event_of(&log, "ending", "server")),
			  position(&log, step_of(&log, "server", 2)));
	/* first send after the FIN succeeds, the next one is the Broken pipe */
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 3), "result"), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(step_of(&log, "server", 3), "bytes")), 26);
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 5), "result"), "EPIPE");
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 6), "result"), "eof");
	ck_assert_str_eq(nf_json_str(event_of(&log, "verdict", "client"), "verdict"), "nothing");
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_crash_unread)
{
	struct run_log log = { 0 };
	json_t *result, *v, *fault;

	NF_REQUIRE_ROOT();
	result = run_seed("crash-unread.yaml", &log);
	fault = event_of(&log, "fault", NULL);
	v = event_of(&log, "verdict", "server");
	ck_assert_str_eq(nf_json_str(v, "verdict"), "rst");
	ck_assert_double_lt(nf_json_num(v, "t"), nf_json_num(fault, "t") + 0.2);
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 3), "result"), "ECONNRESET");
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 4), "result"), "EPIPE");
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_poweroff_idle)
{
	struct run_log log = { 0 };
	json_t *result, *v, *end;

	NF_REQUIRE_ROOT();
	result = run_seed("poweroff-idle.yaml", &log);
	v = event_of(&log, "verdict", "server");
	ck_assert_str_eq(nf_json_str(v, "verdict"), "nothing");
	end = event_of(&log, "end", NULL);
	ck_assert_str_eq(nf_json_str(end, "reason"), "duration");
	/* the server's wait never returned: no step event for it */
	v = events_of(&log, "step", "server");
	ck_assert_int_eq(json_array_size(v), 2);
	json_decref(v);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* Power-off: the server sees a timeout only because it sent, 3s (its user
 * timeout) after that send; and the capture on the switch proves that not
 * one frame left the client's host after the fault. */
START_TEST(test_seed_poweroff_silent)
{
	struct run_log log = { .cap_host = "client" };
	json_t *result, *v, *fault, *t0, *send, *recv;
	int64_t fault_mono, t0_mono;
	size_t before = 0;

	NF_REQUIRE_ROOT();
	result = run_seed("poweroff.yaml", &log);
	ck_assert_ptr_nonnull(log.cap);
	cap_stop(log.cap);
	ck_assert_msg(log.cap->ready == 1, "capture failed: %s", log.cap->err);
	v = event_of(&log, "verdict", "server");
	ck_assert_str_eq(nf_json_str(v, "verdict"), "timeout");
	send = step_of(&log, "server", 3);
	recv = step_of(&log, "server", 4);
	ck_assert_str_eq(nf_json_str(send, "result"), "ok");
	ck_assert_str_eq(nf_json_str(recv, "result"), "ETIMEDOUT");
	ck_assert_double_ge(nf_json_num(v, "t"), nf_json_num(send, "t") + 2.9);
	ck_assert_double_le(nf_json_num(v, "t"), nf_json_num(send, "t") + 3.6);
	fault = event_of(&log, "fault", NULL);
	ck_assert_str_eq(nf_json_str(fault, "fault"), "poweroff");
	t0 = event_of(&log, "t0", NULL);
	t0_mono = (int64_t)json_integer_value(json_object_get(t0, "clock_monotonic_us"));
	ck_assert_int_gt(t0_mono, 0);
	fault_mono = t0_mono + (int64_t)(nf_json_num(fault, "t") * 1e6);
	for (size_t i = 0; i < log.cap->n; i++) {
		ck_assert_msg(log.cap->ts_us[i] <= fault_mono,
			      "a frame left the powered-off client %.6fs after t0 (fault at %.6fs)",
			      (double)(log.cap->ts_us[i] - t0_mono) / 1e6, nf_json_num(fault, "t"));
		before++;
	}
	/* the capture worked: the client's handshake and ACKs were seen */
	ck_assert_uint_ge(before, 2);
	free(log.cap);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_reboot)
{
	struct run_log log = { 0 };
	json_t *result, *v, *faults;

	NF_REQUIRE_ROOT();
	result = run_seed("reboot.yaml", &log);
	faults = events_of(&log, "fault", NULL);
	ck_assert_int_eq(json_array_size(faults), 2);
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "phase"), "begin");
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 1), "phase"), "end");
	v = event_of(&log, "verdict", "server");
	ck_assert_str_eq(nf_json_str(v, "verdict"), "rst");
	ck_assert_double_gt(nf_json_num(v, "t"), nf_json_num(json_array_get(faults, 1), "t"));
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 3), "result"), "ok");
	ck_assert_str_eq(nf_json_str(step_of(&log, "server", 4), "result"), "ECONNRESET");
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- failures, refusals, cancel ---------------------------------------------- */

static const char wrong_text[] =
	"name: crash with unread data, expecting the wrong thing\n"
	"duration: 3s\n"
	"apps:\n"
	"  server:\n"
	"    listen: 5000\n"
	"    steps:\n"
	"      - accept\n"
	"      - send: 26\n"
	"      - sleep: 1s\n"
	"      - send: { bytes: 26, expect: EPIPE }\n"
	"  client:\n"
	"    connect: server\n"
	"    steps: [hold]\n"
	"faults:\n"
	"  - at: 500ms\n"
	"    crash: client\n"
	"expect:\n"
	"  server: timeout\n";

START_TEST(test_wrong_expectation)
{
	struct scenario *sc;
	struct run_log log = { 0 };
	char *snapshot;
	json_t *result = NULL, *app;
	const char *reason;
	int ret;

	NF_REQUIRE_ROOT();
	sc = parse("wrong.yaml", wrong_text);
	snapshot = nf_root_snapshot();
	ret = run_scenario(sc, &log, NULL, &result);
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
	assert_clean(&log, snapshot);
	free(snapshot);
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

/* A scenario the engine cannot serve here is refused before anything is
 * built: netem forced on a kernel without it (test_netfaults.c has more). */
START_TEST(test_network_fault_refused)
{
	static const char text[] =
		"name: netem forced where the kernel has none\n"
		"apps:\n"
		"  server: { listen: 5000 }\n"
		"  client: { connect: server }\n"
		"faults:\n"
		"  - at: 1s\n"
		"    delay: { host: client, time: 100ms, engine: netem }\n";
	struct scenario *sc;
	struct run_log log = { 0 };
	json_t *result = NULL, *result_topo;
	const char *err;
	int ret;

	NF_REQUIRE_ROOT();
	if (netem_available(false) != 0)
		NF_SKIP("the kernel has sch_netem: nothing to refuse");
	sc = parse("delay.yaml", text);
	ret = run_scenario(sc, &log, NULL, &result);
	ck_assert_int_eq(ret, -ENOTSUP);
	ck_assert(json_is_false(json_object_get(result, "passed")));
	err = json_string_value(json_object_get(result, "error"));
	ck_assert_msg(err && strstr(err, "lacks sch_netem"), "error: %s", err ? err : "null");
	result_topo = events_of(&log, "topology", NULL);
	ck_assert_int_eq(json_array_size(result_topo), 0);
	json_decref(result_topo);
	ck_assert_str_eq(nf_json_str(event_of(&log, "end", NULL), "reason"), "error");
	json_decref(result);
	log_free(&log);
	scenario_free(sc);
}
END_TEST

/* The worker of the daemon, in small: SIGTERM sets the cancel flag. */
static volatile sig_atomic_t worker_cancel;
static int worker_pipe = -1;

static void worker_sigterm(int sig)
{
	worker_cancel = 1;
}

static void worker_event(json_t *ev, void *ctx)
{
	if (strcmp(json_string_value(json_object_get(ev, "event")), "topology") == 0) {
		unsigned id = (unsigned)json_integer_value(json_object_get(ev, "run"));

		(void)!write(worker_pipe, &id, sizeof(id));
	}
	if (strcmp(json_string_value(json_object_get(ev, "event")), "app") == 0) {
		unsigned pid = (unsigned)json_integer_value(json_object_get(ev, "pid"));

		(void)!write(worker_pipe, &pid, sizeof(pid));
	}
}

START_TEST(test_cancel_cleans_up)
{
	char path[512], *snapshot, *after, left[64] = "";
	unsigned ids[16];
	int p[2], status;
	size_t n = 0;
	ssize_t got;
	pid_t worker;
	int64_t start;

	NF_REQUIRE_ROOT();
	snprintf(path, sizeof(path), "%s/poweroff-idle.yaml", scenario_dir);
	snapshot = nf_root_snapshot();
	ck_assert_int_eq(pipe(p), 0);
	start = mono_usec();
	worker = fork();
	ck_assert_int_ge(worker, 0);
	if (worker == 0) {
		struct engine_opts opts = { .on_event = worker_event, .cancel = &worker_cancel };
		struct sc_errors errs = { 0 };
		struct scenario *sc = NULL;
		json_t *result = NULL;
		int ret;

		close(p[0]);
		worker_pipe = p[1];
		signal(SIGTERM, worker_sigterm);
		if (scenario_load(path, NULL, 0, &sc, &errs) < 0)
			_exit(2);
		ret = engine_run(sc, &opts, &result);
		_exit(ret == -ECANCELED && json_is_false(json_object_get(result, "passed")) &&
		      strstr(json_string_value(json_object_get(result, "error")), "cancel")
		      ? 0 : 1);
	}
	close(p[1]);
	usleep(1200 * 1000);  /* past t0 and past the power-off at 1s */
	kill(worker, SIGTERM);
	ck_assert_int_eq(waitpid(worker, &status, 0), worker);
	while (n < 16 && (got = read(p[0], &ids[n], sizeof(ids[n]))) == sizeof(ids[n]))
		n++;
	close(p[0]);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the worker did not return -ECANCELED (status %d)", status);
	/* a deadline for "the cancel ends the run", not a speed bound */
	ck_assert_msg(mono_usec() - start < 20000000, "cancel took more than 20 s");
	ck_assert_uint_ge(n, 3); /* the run id, then the apps' pids */
	ck_assert_msg(run_namespaces(ids[0], left, sizeof(left)) == 0,
		      "namespace %s left after cancel", left);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(kill((pid_t)ids[i], 0) < 0 && errno == ESRCH,
			      "app process %u survived the cancel", ids[i]);
	after = nf_root_snapshot();
	ck_assert_msg(strcmp(snapshot, after) == 0, "the root namespace changed");
	free(after);
	free(snapshot);
}
END_TEST

/* ---- suite --------------------------------------------------------------------- */

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *files_tc = tcase_create("Kernel: every scenario file passes");
	TCase *seed = tcase_create("Kernel: the seed's experiments");
	TCase *misc = tcase_create("Kernel: failures and cleanup");

	tcase_set_timeout(files_tc, TEST_TIMEOUT_S);
	tcase_set_timeout(seed, TEST_TIMEOUT_S);
	tcase_set_timeout(misc, TEST_TIMEOUT_S);
	tcase_add_loop_test(files_tc, test_scenario_passes, 0, nfiles);
	tcase_add_loop_test(files_tc, test_inline_passes, 0,
			    (int)(sizeof(inline_cases) / sizeof(inline_cases[0])));
	tcase_add_test(seed, test_seed_crash_after_read);
	tcase_add_test(seed, test_seed_crash_unread);
	tcase_add_test(seed, test_seed_poweroff_idle);
	tcase_add_test(seed, test_seed_poweroff_silent);
	tcase_add_test(seed, test_seed_reboot);
	tcase_add_test(misc, test_wrong_expectation);
	tcase_add_test(misc, test_network_fault_refused);
	tcase_add_test(misc, test_cancel_cleans_up);
	suite_add_tcase(s, files_tc);
	suite_add_tcase(s, seed);
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
