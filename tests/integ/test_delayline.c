/*
 * test_delayline.c: the userspace delay line (netns/delayline.h) between two
 * hosts of a real topology (root). UDP probes from h1 to h2 (h1's `out`, or
 * h2's `in`) measure what a packet sees:
 *
 *   delay    10 / 100 ms at 1000 packets/s: no packet earlier than the
 *            configured delay, none lost, none reordered, the mean not
 *            absurdly late (within 1 s)
 *   in       the same through the `in` queue of the receiving host
 *   jitter   50 ms +- 10 ms (uniform): none earlier than 40 ms, none lost,
 *            the mean not below 49 ms (7 standard errors) nor absurdly
 *            late, the spread at least half of 10/sqrt(3) ms, and packets
 *            do get reordered
 *   loss     20 % of 4000: lost count within 5 binomial sigmas of 800, and
 *            the line's own counter agrees with what the receiver missed
 *   rate     1 Mbit/s offered 2 Mbit/s of 1000-byte datagrams: the received
 *            IP throughput not above 1 Mbit/s (5 % for the measurement) nor
 *            below half of it; the excess is counted as backlog loss
 *   reconfig lowering the delay at run time keeps the order, and the new
 *            delay applies
 *   order    a constant delay at 4000 packets/s, both directions (h1's
 *            `out`, then h2's `in`): none reordered, and the line's process
 *            stays on one CPU (its releases enter one CPU's backlog, see
 *            delayline_proc.c; the probe's sender stays on one too)
 *   killed   SIGKILL of the line's process: delayline_check and the event fd
 *            report it, packets are dropped (fail-closed), and after
 *            delayline_stop traffic flows undelayed again
 *   cleanup  after stop: no NFQUEUE rule in the host, no process; after the
 *            teardown no namespace of the run; the root namespace unchanged
 *
 * These are what must be true on any machine, however busy. How precisely
 * the line keeps its times (p99 and max of the delay error, the jitter's
 * spread, the rate's accuracy) varies with scheduling: bench/delayline.c
 * measures and prints it. Probes wait for stragglers up to GRACE_MS (they
 * end as soon as every packet is in).
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns/delayline.h"
#include "netns/netns.h"
#include "tests/lib/nettest.h"
#include "tests/lib/testlib.h"

#define GRACE_MS 10000        /* a deadline for stragglers, not a bound */
#define LATE_US  1000000.0    /* "absurdly late": a broken line, not a busy machine */

static struct topology *topo;
static struct delayline *line;

/* Builds h1, h2 and starts a delay line on HOST's eth0. */
static void line_up(size_t host)
{
	char err[256] = "";
	int rc;

	topo = nettest_up(2, err, sizeof(err));
	ck_assert_msg(topo, "topology: %s", err);
	rc = delayline_start(topo->hosts[host].nsfd, NETNS_HOST_IF, &line);
	ck_assert_msg(rc == 0, "delayline_start: %s", strerror(-rc));
}

static void line_configure(enum link_dir dir, const struct link_impair *imp)
{
	int rc = delayline_configure(line, dir, imp);

	ck_assert_msg(rc == 0, "delayline_configure: %s (%s)", strerror(-rc),
		      delayline_error(line));
}

static void line_down(void)
{
	int rc = delayline_stop(line);

	line = NULL;
	ck_assert_msg(rc == 0, "delayline_stop: %s", strerror(-rc));
}

static void probe_at(enum probe_clock clock, unsigned rate, size_t count,
		     size_t payload, unsigned grace_ms, struct probe_result *res)
{
	int rc = udp_probe(&topo->hosts[0], &topo->hosts[1], AF_INET, clock, rate,
			   count, payload, grace_ms, res);

	ck_assert_msg(rc == 0, "udp_probe: %s", strerror(-rc));
}

static void probe(unsigned rate, size_t count, size_t payload, unsigned grace_ms,
		  struct probe_result *res)
{
	probe_at(PROBE_AT_WIRE, rate, count, payload, grace_ms, res);
}

/* ---- delay ------------------------------------------------------------- */

static const unsigned delays_ms[] = { 10, 100 };

static void check_delay(const struct probe_result *res, unsigned delay_ms)
{
	struct owd_stats st;
	double want = delay_ms * 1000.0;

	owd_stats(res, &st);
	printf("delay %u ms: n=%zu min %.0f p50 %.0f p99 %.0f max %.0f us\n", delay_ms,
	       st.n, st.min_us, st.p50_us, st.p99_us, st.max_us);
	ck_assert_uint_eq(res->received, res->sent);
	ck_assert_uint_eq(res->reordered, 0);
	ck_assert_msg(st.min_us >= want, "min %.0f us below %.0f us", st.min_us, want);
	ck_assert_msg(st.mean_us <= want + LATE_US, "mean %.0f us: the delay is not %.0f us",
		      st.mean_us, want);
}

START_TEST(test_delay_out)
{
	struct link_impair imp = { .delay_us = delays_ms[_i] * 1000u };
	struct probe_result res;

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &imp);
	probe(1000, 1000, 64, GRACE_MS, &res);
	check_delay(&res, delays_ms[_i]);
	probe_result_free(&res);
	line_down();
}
END_TEST

START_TEST(test_delay_in)
{
	struct link_impair imp = { .delay_us = 20000 };
	struct probe_result res;

	NF_REQUIRE_ROOT();
	line_up(1);                      /* the receiver's line, its `in` */
	line_configure(LINK_IN, &imp);
	probe_at(PROBE_AT_SOCKET, 1000, 500, 64, GRACE_MS, &res);
	check_delay(&res, 20);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- jitter ------------------------------------------------------------ */

START_TEST(test_jitter)
{
	struct link_impair imp = { .delay_us = 50000, .jitter_us = 10000 };
	struct probe_result res;
	struct owd_stats st;
	double sd_want = 10000.0 / sqrt(3.0);

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &imp);
	probe(1000, 2000, 64, GRACE_MS, &res);
	owd_stats(&res, &st);
	printf("jitter: n=%zu mean %.0f sd %.0f (want %.0f) min %.0f max %.0f us, %zu reordered\n",
	       st.n, st.mean_us, st.stddev_us, sd_want, st.min_us, st.max_us, res.reordered);
	ck_assert_uint_eq(res.received, res.sent);
	ck_assert(st.min_us >= 40000.0);
	/* a busy machine only adds lateness: the lower bounds are exact
	 * (statistics), the upper ones only catch a broken line */
	ck_assert(st.mean_us >= 49000.0);
	ck_assert(st.mean_us <= 50000.0 + LATE_US);
	ck_assert(st.stddev_us >= 0.5 * sd_want);
	ck_assert_uint_gt(res.reordered, 0);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- loss -------------------------------------------------------------- */

START_TEST(test_loss)
{
	struct link_impair imp = { .loss_percent = 20.0 };
	struct delayline_stats ds;
	struct probe_result res;
	const double n = 4000, p = 0.2, sigma = sqrt(n * p * (1 - p));
	double lost;

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &imp);
	probe(2000, (size_t)n, 64, 300, &res);
	lost = (double)(res.sent - res.received);
	ck_assert_int_eq(delayline_stats(line, &ds), 0);
	printf("loss: %.0f of %.0f lost (want %.0f +- %.0f); line counted %llu\n", lost, n,
	       n * p, 5 * sigma, (unsigned long long)ds.out.lost_random);
	ck_assert_msg(fabs(lost - n * p) <= 5 * sigma, "lost %.0f", lost);
	/* The line also sees the warm-ups and stray neighbour traffic. */
	ck_assert(ds.out.lost_random >= (uint64_t)lost);
	ck_assert(ds.out.lost_random <= (uint64_t)lost + 10);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- rate -------------------------------------------------------------- */

START_TEST(test_rate)
{
	struct link_impair imp = { .rate_bps = 1000000 };
	const size_t payload = 1000, ip_bytes = payload + 8 + 20;
	struct delayline_stats ds;
	struct probe_result res;
	double seconds, bps;

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &imp);
	/* 250/s * 1028 B = 2.06 Mbit/s offered for 3 s */
	probe(250, 750, payload, 300, &res);
	ck_assert_uint_gt(res.received, 100);
	seconds = (double)(res.last_arrival_ns - res.first_arrival_ns) / 1e9;
	bps = (double)(res.received - 1) * (double)ip_bytes * 8 / seconds;
	ck_assert_int_eq(delayline_stats(line, &ds), 0);
	printf("rate: %.0f bit/s over %.2f s (%zu of %zu), backlog losses %llu\n", bps,
	       seconds, res.received, res.sent, (unsigned long long)ds.out.lost_backlog);
	/* never faster than the limit; slower only when something is broken */
	ck_assert_msg(bps <= 1.05e6, "throughput %.0f bit/s above the limit", bps);
	ck_assert_msg(bps >= 0.5e6, "throughput %.0f bit/s", bps);
	ck_assert_uint_gt(ds.out.lost_backlog, 0);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- run-time change --------------------------------------------------- */

struct reconfig_ctx {
	enum link_dir dir;
	struct link_impair imp;
	unsigned after_ms;
	int rc;
};

static void *reconfigure_later(void *arg)
{
	struct reconfig_ctx *c = arg;

	usleep(c->after_ms * 1000u);
	c->rc = delayline_configure(line, c->dir, &c->imp);
	return NULL;
}

START_TEST(test_reconfigure_keeps_order)
{
	struct link_impair slow = { .delay_us = 200000 };
	struct reconfig_ctx c = { .dir = LINK_OUT, .imp = { .delay_us = 5000 },
				  .after_ms = 300 };
	struct probe_result res;
	pthread_t thread;
	size_t last;

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &slow);
	ck_assert_int_eq(pthread_create(&thread, NULL, reconfigure_later, &c), 0);
	probe(1000, 800, 64, GRACE_MS, &res);
	pthread_join(thread, NULL);
	ck_assert_int_eq(c.rc, 0);
	last = res.sent - 1;
	printf("reconfigure: first %.1f ms, last %.1f ms, %zu reordered\n",
	       res.owd_ns[0] / 1e6, res.owd_ns[last] / 1e6, res.reordered);
	ck_assert_uint_eq(res.received, res.sent);
	ck_assert_uint_eq(res.reordered, 0);
	ck_assert(res.owd_ns[0] >= 200000000);
	/* the last was sent long after the change, and the held ones were
	 * gone by then: the new delay, not the old */
	ck_assert(res.owd_ns[last] >= 5000000 && res.owd_ns[last] < 200000000);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- order ------------------------------------------------------------- */

START_TEST(test_constant_delay_keeps_order)
{
	struct link_impair imp = { .delay_us = 5000 };
	struct probe_result res;
	cpu_set_t cpus;
	size_t host = _i == 0 ? 0 : 1;

	NF_REQUIRE_ROOT();
	line_up(host);
	line_configure(host == 0 ? LINK_OUT : LINK_IN, &imp);
	ck_assert_int_eq(sched_getaffinity(delayline_pid(line), sizeof(cpus), &cpus), 0);
	ck_assert_int_eq(CPU_COUNT(&cpus), 1);
	probe_at(host == 0 ? PROBE_AT_WIRE : PROBE_AT_SOCKET, 4000, 4000, 64, GRACE_MS, &res);
	printf("order (%s): %zu of %zu received, %zu reordered\n", host == 0 ? "out" : "in",
	       res.received, res.sent, res.reordered);
	ck_assert_uint_eq(res.received, res.sent);
	ck_assert_uint_eq(res.reordered, 0);
	probe_result_free(&res);
	line_down();
}
END_TEST

/* ---- the line dies ----------------------------------------------------- */

START_TEST(test_killed_fails_closed)
{
	struct link_impair imp = { .delay_us = 10000 };
	struct probe_result res;
	struct pollfd pfd;
	int rc;

	NF_REQUIRE_ROOT();
	line_up(0);
	line_configure(LINK_OUT, &imp);
	ck_assert_int_eq(delayline_check(line), 0);
	ck_assert_int_eq(kill(delayline_pid(line), SIGKILL), 0);

	pfd = (struct pollfd){ .fd = delayline_event_fd(line), .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, GRACE_MS), 1);
	ck_assert_int_eq(delayline_check(line), -ESRCH);
	printf("killed: %s\n", delayline_error(line));
	ck_assert(strstr(delayline_error(line), "signal 9"));
	ck_assert_int_eq(delayline_configure(line, LINK_OUT, &imp), -ESRCH);

	/* fail-closed: nothing passes while the rule stays */
	probe(1000, 100, 64, 200, &res);
	ck_assert_uint_eq(res.received, 0);
	probe_result_free(&res);

	rc = delayline_stop(line);       /* removes the rules */
	line = NULL;
	ck_assert_int_eq(rc, 0);
	probe(1000, 100, 64, GRACE_MS, &res);
	ck_assert_uint_eq(res.received, res.sent);
	probe_result_free(&res);
}
END_TEST

/* ---- cleanup ----------------------------------------------------------- */

static char *run_text(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = calloc(1, 65536);
	size_t n = 0;

	ck_assert(p && buf);
	n = fread(buf, 1, 65535, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

START_TEST(test_cleanup)
{
	struct link_impair imp = { .delay_us = 1000, .loss_percent = 1 };
	char cmd[256], ns_name[32], *before, *text;
	pid_t pid;

	NF_REQUIRE_ROOT();
	before = nf_root_snapshot();
	line_up(0);
	snprintf(ns_name, sizeof(ns_name), "%s", topo->hosts[0].ns_name);
	line_configure(LINK_BOTH, &imp);
	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/run/netns/%s sh -c 'iptables-save; ip6tables-save' 2>&1", ns_name);
	text = run_text(cmd);
	ck_assert_msg(strstr(text, "NFQUEUE"), "no NFQUEUE rule while running:\n%s", text);
	free(text);
	pid = delayline_pid(line);

	line_down();
	text = run_text(cmd);
	ck_assert_msg(!strstr(text, "NFQUEUE"), "NFQUEUE rule left:\n%s", text);
	free(text);
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);

	nettest_down();
	snprintf(cmd, sizeof(cmd), "ip netns list | grep -c '^%s ' || true", ns_name);
	text = run_text(cmd);
	ck_assert_str_eq(text, "0\n");
	free(text);
	nf_assert_root_unchanged(before);
	free(before);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct link_impair bad_loss = { .loss_percent = 101 };
	struct link_impair bad_limit = { .limit = IMPAIR_MAX_LIMIT + 1 };

	NF_REQUIRE_ROOT();
	line_up(0);
	ck_assert_int_eq(delayline_configure(line, LINK_OUT, &bad_loss), -EINVAL);
	ck_assert_int_eq(delayline_configure(line, LINK_OUT, &bad_limit), -ERANGE);
	ck_assert_int_eq(delayline_configure(line, (enum link_dir)7, &bad_loss), -EINVAL);
	{
		struct delayline *second;

		/* one line per namespace: the queue numbers are taken */
		ck_assert_int_lt(delayline_start(topo->hosts[0].nsfd, NETNS_HOST_IF, &second), 0);
	}
	line_down();
}
END_TEST

static Suite *delayline_suite(void)
{
	Suite *s = suite_create("delayline");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, NULL, nettest_leftovers_clean);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_delay_out, 0, 2);
	tcase_add_test(tc, test_delay_in);
	tcase_add_test(tc, test_jitter);
	tcase_add_test(tc, test_loss);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_reconfigure_keeps_order);
	tcase_add_loop_test(tc, test_constant_delay_keeps_order, 0, 2);
	tcase_add_test(tc, test_killed_fails_closed);
	tcase_add_test(tc, test_cleanup);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);   /* the figures survive a failure */
	return nf_run_suite(delayline_suite());
}
