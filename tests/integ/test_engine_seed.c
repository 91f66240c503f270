/*
 * test_engine_seed.c: the seed's experiments through the run engine (root),
 * pinned: the kernel's results (reference/kernel-facts.md), read from the
 * events themselves: crash after read (FIN, then EPIPE), crash with unread
 * data (RST), an idle server after a power-off (nothing), power-off (a
 * timeout, and a capture on the switch proves not one frame left the
 * powered-off host), reboot (RST). After every run: nothing of it left
 * (tests/lib/enginetest.c).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/monotime.h"
#include "engine/engine.h"
#include "netns/netns.h"
#include "tests/lib/enginetest.h"
#include "tests/lib/testlib.h"

#define TEST_TIMEOUT_S 60

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

/* The run's watch: at the "topology" event, a capture on the switch of the
 * frames HOST sends. */
struct seed_capture {
	const char *host;
	struct capture *cap;
};

static void capture_at_topology(struct run_log *log, json_t *ev)
{
	struct seed_capture *w = log->test;
	json_t *h;
	size_t i;

	if (strcmp(nf_json_str(ev, "event"), "topology") != 0)
		return;
	json_array_foreach(json_object_get(ev, "hosts"), i, h)
		if (strcmp(nf_json_str(h, "name"), w->host) == 0)
			w->cap = cap_start(nf_json_str(ev, "switch"), nf_json_str(h, "mac"));
}

/* ---- the seed's experiments, pinned ----------------------------------------- */

/* What each experiment's apps saw: the verdict of APP (STEP < 0), or the
 * result of its step STEP. */
static const struct {
	const char *file, *app;
	int step;
	const char *what;
} pinned[] = {
	{ "crash-after-read.yaml", "server", -1, "fin" },
	{ "crash-after-read.yaml", "client", -1, "nothing" },
	/* first send after the FIN succeeds, the next one is the Broken pipe */
	{ "crash-after-read.yaml", "server", 3, "ok" },
	{ "crash-after-read.yaml", "server", 5, "EPIPE" },
	{ "crash-after-read.yaml", "server", 6, "eof" },
	{ "crash-unread.yaml", "server", -1, "rst" },
	{ "crash-unread.yaml", "server", 3, "ECONNRESET" },
	{ "crash-unread.yaml", "server", 4, "EPIPE" },
	{ "poweroff-idle.yaml", "server", -1, "nothing" },
	{ "poweroff.yaml", "server", -1, "timeout" },
	{ "poweroff.yaml", "server", 3, "ok" },
	{ "poweroff.yaml", "server", 4, "ETIMEDOUT" },
	{ "reboot.yaml", "server", -1, "rst" },
	{ "reboot.yaml", "server", 3, "ok" },
	{ "reboot.yaml", "server", 4, "ECONNRESET" },
};

/* Runs the example FILE and checks its pinned verdicts and step results. */
static json_t *run_pinned(const char *file, struct run_log *log)
{
	json_t *result = run_example(file, log);

	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		if (strcmp(pinned[i].file, file) != 0)
			continue;
		if (pinned[i].step < 0)
			ck_assert_msg(strcmp(nf_json_str(event_of(log, "verdict", pinned[i].app),
							 "verdict"), pinned[i].what) == 0,
				      "%s: %s's verdict is not %s", file, pinned[i].app,
				      pinned[i].what);
		else
			ck_assert_msg(strcmp(nf_json_str(step_of(log, pinned[i].app,
								 pinned[i].step), "result"),
					     pinned[i].what) == 0, "%s: %s's step %d is not %s",
				      file, pinned[i].app, pinned[i].step, pinned[i].what);
	}
	return result;
}

START_TEST(test_seed_crash_after_read)
{
	struct run_log log = { 0 };
	json_t *result, *v, *fault;

	NF_REQUIRE_ROOT();
	result = run_pinned("crash-after-read.yaml", &log);
	fault = event_of(&log, "fault", NULL);
	ck_assert_str_eq(nf_json_str(fault, "fault"), "crash");
	v = event_of(&log, "verdict", "server");
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
	ck_assert_int_eq(json_integer_value(json_object_get(step_of(&log, "server", 3), "bytes")), 26);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_crash_unread)
{
	struct run_log log = { 0 };
	json_t *result, *v, *fault;

	NF_REQUIRE_ROOT();
	result = run_pinned("crash-unread.yaml", &log);
	fault = event_of(&log, "fault", NULL);
	v = event_of(&log, "verdict", "server");
	ck_assert_double_lt(nf_json_num(v, "t"), nf_json_num(fault, "t") + 0.2);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_poweroff_idle)
{
	struct run_log log = { 0 };
	json_t *result, *v, *end;

	NF_REQUIRE_ROOT();
	result = run_pinned("poweroff-idle.yaml", &log);
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
	struct seed_capture w = { .host = "client" };
	struct run_log log = { .watch = capture_at_topology, .test = &w };
	json_t *result, *v, *fault, *t0, *send;
	int64_t fault_mono, t0_mono;
	size_t before = 0;

	NF_REQUIRE_ROOT();
	result = run_pinned("poweroff.yaml", &log);
	ck_assert_ptr_nonnull(w.cap);
	cap_stop(w.cap);
	ck_assert_msg(w.cap->ready == 1, "capture failed: %s", w.cap->err);
	v = event_of(&log, "verdict", "server");
	send = step_of(&log, "server", 3);
	ck_assert_double_ge(nf_json_num(v, "t"), nf_json_num(send, "t") + 2.9);
	ck_assert_double_le(nf_json_num(v, "t"), nf_json_num(send, "t") + 3.6);
	fault = event_of(&log, "fault", NULL);
	ck_assert_str_eq(nf_json_str(fault, "fault"), "poweroff");
	t0 = event_of(&log, "t0", NULL);
	t0_mono = (int64_t)json_integer_value(json_object_get(t0, "clock_monotonic_us"));
	ck_assert_int_gt(t0_mono, 0);
	fault_mono = t0_mono + (int64_t)(nf_json_num(fault, "t") * 1e6);
	for (size_t i = 0; i < w.cap->n; i++) {
		ck_assert_msg(w.cap->ts_us[i] <= fault_mono,
			      "a frame left the powered-off client %.6fs after t0 (fault at %.6fs)",
			      (double)(w.cap->ts_us[i] - t0_mono) / 1e6, nf_json_num(fault, "t"));
		before++;
	}
	/* the capture worked: the client's handshake and ACKs were seen */
	ck_assert_uint_ge(before, 2);
	free(w.cap);
	json_decref(result);
	log_free(&log);
}
END_TEST

START_TEST(test_seed_reboot)
{
	struct run_log log = { 0 };
	json_t *result, *v, *faults;

	NF_REQUIRE_ROOT();
	result = run_pinned("reboot.yaml", &log);
	faults = events_of(&log, "fault", NULL);
	ck_assert_int_eq(json_array_size(faults), 2);
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 0), "phase"), "begin");
	ck_assert_str_eq(nf_json_str(json_array_get(faults, 1), "phase"), "end");
	v = event_of(&log, "verdict", "server");
	ck_assert_double_gt(nf_json_num(v, "t"), nf_json_num(json_array_get(faults, 1), "t"));
	json_decref(faults);
	json_decref(result);
	log_free(&log);
}
END_TEST

/* ---- suite --------------------------------------------------------------------- */

static Suite *engine_seed_suite(void)
{
	Suite *s = suite_create("engine_seed");
	TCase *seed = tcase_create("Kernel: the seed's experiments");

	tcase_set_timeout(seed, TEST_TIMEOUT_S);
	tcase_add_test(seed, test_seed_crash_after_read);
	tcase_add_test(seed, test_seed_crash_unread);
	tcase_add_test(seed, test_seed_poweroff_idle);
	tcase_add_test(seed, test_seed_poweroff_silent);
	tcase_add_test(seed, test_seed_reboot);
	suite_add_tcase(s, seed);
	return s;
}

int main(void)
{
	return nf_run_suite(engine_seed_suite());
}
