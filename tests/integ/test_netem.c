/*
 * test_netem.c: the qdisc engine (netns/qdisc.h) in a real topology (root):
 * netem on the host's eth0 (out) and on its switch port (in), tbf for the
 * rate, the shapes of the tree, clearing, and the netem probe.
 *
 * The netem cases need a kernel with sch_netem; without it they skip with
 * "kernel lacks sch_netem" and the delay line serves instead (its own tests
 * are test_delayline.c). tbf exists on every kernel the project targets, so
 * the rate cases always run; so does the check that asking for netem where
 * there is none fails with -ENOENT, the answer the engine falls back on.
 *
 * Asserted is what holds on any machine, however busy: never earlier than
 * set, nothing lost where nothing may be, a mean not absurdly late, a rate
 * never above its limit. How precisely (p99, max, rate accuracy) is what
 * `make bench` measures.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/netns.h"
#include "netns/qdisc.h"
#include "tests/lib/nettest.h"
#include "tests/lib/testlib.h"

#define NEEDS_NETEM()                                                    \
	do {                                                             \
		NF_REQUIRE_ROOT();                                       \
		if (netem_available(false) == 0)                         \
			NF_SKIP("kernel lacks sch_netem");               \
	} while (0)

static struct topology *topo;

static void net_up(void)
{
	char err[256] = "";

	topo = nettest_up(2, err, sizeof(err));
	ck_assert_msg(topo, "topology: %s", err);
}

/* h1's out: its eth0. h2's in: its port on the switch. */
static void apply_out(size_t host, const struct link_impair *imp)
{
	int rc = qdisc_apply(topo->hosts[host].nsfd, NETNS_HOST_IF, imp);

	ck_assert_msg(rc == 0, "qdisc_apply: %s", strerror(-rc));
}

static void apply_in(size_t host, const struct link_impair *imp)
{
	int rc = qdisc_apply(topo->sw_fd, topo->hosts[host].port, imp);

	ck_assert_msg(rc == 0, "qdisc_apply: %s", strerror(-rc));
}

/* GRACE_MS: how long stragglers are waited for; the probe ends as soon as
 * every packet is in, so where none may be lost it is a generous deadline. */
#define GRACE_MS 10000
#define LOSSY_GRACE_MS 300   /* where packets are lost on purpose */
#define LATE_US 1000000.0    /* "absurdly late": a broken netem, not a busy machine */

static void probe(enum probe_clock clock, unsigned rate, size_t count, size_t payload,
		  unsigned grace_ms, struct probe_result *res)
{
	int rc = udp_probe(&topo->hosts[0], &topo->hosts[1], AF_INET, clock, rate, count,
			   payload, grace_ms, res);

	ck_assert_msg(rc == 0, "udp_probe: %s", strerror(-rc));
}

static char *qdiscs_of(const char *ns_name, const char *ifname)
{
	char cmd[160], *buf = calloc(1, 8192);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "nsenter --net=/run/netns/%s tc qdisc show dev %s 2>&1", ns_name,
		 ifname);
	p = popen(cmd, "r");
	ck_assert(p && buf);
	n = fread(buf, 1, 8191, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

/* ---- always ------------------------------------------------------------- */

START_TEST(test_probe_stable)
{
	int first, again;

	NF_REQUIRE_ROOT();
	first = netem_available(false);
	again = netem_available(true);
	printf("netem_available: %d\n", first);
	ck_assert_int_ge(first, 0);
	ck_assert_int_eq(first, again);
	ck_assert_int_eq(netem_available(false), first);
}
END_TEST

START_TEST(test_netem_absent_is_enoent)
{
	struct link_impair imp = { .delay_us = 10000 };

	NF_REQUIRE_ROOT();
	if (netem_available(false) != 0)
		NF_SKIP("kernel has sch_netem: nothing to fall back from");
	net_up();
	ck_assert_int_eq(qdisc_apply(topo->hosts[0].nsfd, NETNS_HOST_IF, &imp), -ENOENT);
}
END_TEST

static void check_rate(const struct probe_result *res, size_t payload, double want_bps)
{
	double seconds = (double)(res->last_arrival_ns - res->first_arrival_ns) / 1e9;
	double bps = (double)(res->received - 1) * (double)(payload + 28) * 8 / seconds;

	printf("tbf: %.0f bit/s (%zu of %zu received)\n", bps, res->received, res->sent);
	ck_assert_uint_gt(res->received, 100);
	/* never above the limit (10 % for the first packets' burst and the
	 * measurement); below it only when something is broken: how close it
	 * comes is bench material */
	ck_assert_msg(bps <= 1.10 * want_bps, "throughput %.0f bit/s above the limit", bps);
	ck_assert_msg(bps >= 0.5 * want_bps, "throughput %.0f bit/s", bps);
	ck_assert_uint_lt(res->received, res->sent);
}

START_TEST(test_tbf_rate_out)
{
	struct link_impair imp = { .rate_bps = 1000000 };
	struct probe_result res;
	char *shown;

	NF_REQUIRE_ROOT();
	net_up();
	apply_out(0, &imp);
	shown = qdiscs_of(topo->hosts[0].ns_name, NETNS_HOST_IF);
	ck_assert_msg(strstr(shown, "tbf 4:"), "%s", shown);
	free(shown);
	/* 2 Mbit/s offered for 3 s */
	probe(PROBE_AT_WIRE, 250, 750, 1000, LOSSY_GRACE_MS, &res);
	check_rate(&res, 1000, 1e6);
	probe_result_free(&res);

	ck_assert_int_eq(qdisc_clear(topo->hosts[0].nsfd, NETNS_HOST_IF), 0);
	shown = qdiscs_of(topo->hosts[0].ns_name, NETNS_HOST_IF);
	ck_assert_msg(!strstr(shown, "tbf"), "%s", shown);
	free(shown);
	/* clearing again, or an "off" impairment, is fine */
	ck_assert_int_eq(qdisc_clear(topo->hosts[0].nsfd, NETNS_HOST_IF), 0);
	imp.rate_bps = 0;
	apply_out(0, &imp);
}
END_TEST

START_TEST(test_tbf_rate_in_at_switch_port)
{
	struct link_impair imp = { .rate_bps = 2000000 };
	struct probe_result res;

	NF_REQUIRE_ROOT();
	net_up();
	apply_in(1, &imp);
	/* 4 Mbit/s offered to h2 */
	probe(PROBE_AT_WIRE, 500, 1500, 1000, LOSSY_GRACE_MS, &res);
	check_rate(&res, 1000, 2e6);
	probe_result_free(&res);
	/* changing the rate is done in place */
	imp.rate_bps = 1000000;
	apply_in(1, &imp);
	ck_assert_int_eq(qdisc_clear(topo->sw_fd, topo->hosts[1].port), 0);
}
END_TEST

START_TEST(test_unknown_interface)
{
	struct link_impair imp = { .rate_bps = 1000000 };

	NF_REQUIRE_ROOT();
	net_up();
	ck_assert_int_lt(qdisc_apply(topo->hosts[0].nsfd, "nosuch0", &imp), 0);
	ck_assert_int_lt(qdisc_clear(topo->hosts[0].nsfd, "nosuch0"), 0);
}
END_TEST

/* ---- with netem --------------------------------------------------------- */

START_TEST(test_netem_delay)
{
	struct link_impair imp = { .delay_us = 20000 };
	struct probe_result res;
	struct owd_stats st;

	NEEDS_NETEM();
	net_up();
	apply_out(0, &imp);
	probe(PROBE_AT_WIRE, 1000, 1000, 64, GRACE_MS, &res);
	owd_stats(&res, &st);
	printf("netem 20 ms: p50 %.0f p99 %.0f max %.0f us\n", st.p50_us, st.p99_us, st.max_us);
	ck_assert_uint_eq(res.received, res.sent);
	ck_assert_uint_eq(res.reordered, 0);
	ck_assert(st.min_us >= 20000.0);
	ck_assert(st.mean_us <= 20000.0 + LATE_US);
	probe_result_free(&res);
}
END_TEST

START_TEST(test_netem_in_at_switch_port)
{
	struct link_impair imp = { .delay_us = 30000 };
	struct probe_result res;
	struct owd_stats st;

	NEEDS_NETEM();
	net_up();
	apply_in(1, &imp);
	probe(PROBE_AT_WIRE, 1000, 300, 64, GRACE_MS, &res);
	owd_stats(&res, &st);
	ck_assert_uint_eq(res.received, res.sent);
	ck_assert_uint_eq(res.reordered, 0);
	ck_assert(st.min_us >= 30000.0 && st.mean_us <= 30000.0 + LATE_US);
	probe_result_free(&res);
}
END_TEST

START_TEST(test_netem_loss)
{
	struct link_impair imp = { .loss_percent = 20.0 };
	const double n = 4000, p = 0.2, sigma = sqrt(n * p * (1 - p));
	struct probe_result res;
	double lost;

	NEEDS_NETEM();
	net_up();
	apply_out(0, &imp);
	probe(PROBE_AT_WIRE, 2000, (size_t)n, 64, LOSSY_GRACE_MS, &res);
	lost = (double)(res.sent - res.received);
	ck_assert_msg(fabs(lost - n * p) <= 5 * sigma, "lost %.0f", lost);
	probe_result_free(&res);
}
END_TEST

START_TEST(test_netem_jitter)
{
	struct link_impair imp = { .delay_us = 50000, .jitter_us = 10000 };
	struct probe_result res;
	struct owd_stats st;

	NEEDS_NETEM();
	net_up();
	apply_out(0, &imp);
	probe(PROBE_AT_WIRE, 1000, 2000, 64, GRACE_MS, &res);
	owd_stats(&res, &st);
	ck_assert_uint_eq(res.received, res.sent);
	/* a busy machine only adds lateness: the lower bounds are exact */
	ck_assert(st.min_us >= 40000.0);
	ck_assert(st.mean_us >= 49000.0 && st.mean_us <= 50000.0 + LATE_US);
	probe_result_free(&res);
}
END_TEST

START_TEST(test_netem_shapes)
{
	struct link_impair delay = { .delay_us = 50000 };
	struct link_impair both = { .delay_us = 5000, .rate_bps = 1000000 };
	struct link_impair rate = { .rate_bps = 2000000 };
	const char *ns;
	char *shown;

	NEEDS_NETEM();
	net_up();
	ns = topo->hosts[0].ns_name;
	apply_out(0, &delay);
	shown = qdiscs_of(ns, NETNS_HOST_IF);
	ck_assert_msg(strstr(shown, "netem 2:"), "%s", shown);
	free(shown);
	delay.delay_us = 5000;               /* same shape: in place */
	apply_out(0, &delay);
	apply_out(0, &both);
	shown = qdiscs_of(ns, NETNS_HOST_IF);
	ck_assert_msg(strstr(shown, "tbf 1:") && strstr(shown, "netem 3:"), "%s", shown);
	free(shown);
	apply_out(0, &rate);
	shown = qdiscs_of(ns, NETNS_HOST_IF);
	ck_assert_msg(strstr(shown, "tbf 4:") && !strstr(shown, "netem"), "%s", shown);
	free(shown);
	ck_assert_int_eq(qdisc_clear(topo->hosts[0].nsfd, NETNS_HOST_IF), 0);
}
END_TEST

START_TEST(test_root_unchanged)
{
	struct link_impair rate = { .rate_bps = 1000000 };
	char *before, *after;

	NF_REQUIRE_ROOT();
	before = nf_root_snapshot();
	net_up();
	apply_out(0, &rate);
	apply_in(1, &rate);
	nettest_down();
	after = nf_root_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

static Suite *netem_suite(void)
{
	Suite *s = suite_create("netem");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, NULL, nettest_leftovers_clean);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_probe_stable);
	tcase_add_test(tc, test_netem_absent_is_enoent);
	tcase_add_test(tc, test_tbf_rate_out);
	tcase_add_test(tc, test_tbf_rate_in_at_switch_port);
	tcase_add_test(tc, test_unknown_interface);
	tcase_add_test(tc, test_netem_delay);
	tcase_add_test(tc, test_netem_in_at_switch_port);
	tcase_add_test(tc, test_netem_loss);
	tcase_add_test(tc, test_netem_jitter);
	tcase_add_test(tc, test_netem_shapes);
	tcase_add_test(tc, test_root_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return nf_run_suite(netem_suite());
}
