/*
 * test_middlebox.c: a router's middlebox (netns/middlebox.h) in real
 * namespaces, client - lan - gw - wan - server (tests/lib/mbtest.h), reproducing the
 * measured facts of the spec (networks.md, middlebox:) with short timers.
 * Deadlines are generous: they say what must happen, not how fast.
 *
 *   drop     NAT, idle_timeout 2 s: the client idle 3.5 s, then a send with
 *            TCP_USER_TIMEOUT 2 s gets ETIMEDOUT (spec: ~2.4 s later; here
 *            between 1.5 and 10 s); the server sees nothing; the counts say
 *            created and expired. The server sending first: it times out,
 *            the client sees nothing
 *   keepalive idle 1 s, interval 1 s keeps the mapping: the late send arrives
 *   reset    the same with expired: reset: ECONNRESET within 2 s of the
 *            send; the server sees nothing
 *   pickup   Linux's loose tracking: the client's late send arrives (the
 *            mapping comes back); the server's late send gets ECONNRESET
 *            from the gateway (its TCP OutRsts grows), the client sees nothing
 *   forget   a flush (no idle timeout): then a send times out (drop) or is
 *            reset (reset); forgotten counts the flushed entries
 *   apply    applying twice replaces the rules; bad confs are refused
 *   reboot   the router powered off (detached) and on (rebound): the
 *            middlebox is there again and the counts went on
 *   root     the root namespace's ruleset and conntrack sysctls unchanged
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns/middlebox.h"
#include "netns/netns.h"
#include "tests/lib/mbtest.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#define IDLE_S        2
#define IDLE_WAIT_MS  3500     /* longer than IDLE_S, as measured */
#define USER_TIMEOUT  2000
#define WAN_PEER      MB_GW_WAN_ADDR   /* what the server sees behind the NAT */
#define ROOT_ESTABLISHED "/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established"
#define GW_ESTABLISHED   "net.netfilter.nf_conntrack_tcp_timeout_established"
#define ROOT_LOOSE       "/proc/sys/net/netfilter/nf_conntrack_tcp_loose"

static struct mb_topo net;
static struct middlebox *mb;

static void net_up(const char *nat_if, unsigned idle_s, enum middlebox_expired expired)
{
	struct middlebox_conf conf = { .nat_if = nat_if, .idle_timeout_s = idle_s,
				       .expired = expired };
	char err[512] = "";
	int rc;

	mbtopo_build(&net);
	rc = middlebox_open(net.gw->nsfd, &conf, &mb, err, sizeof(err));
	ck_assert_msg(rc == 0, "middlebox_open: %s: %s", err, strerror(-rc));
}

static void net_down(void)
{
	middlebox_close(mb);
	mb = NULL;
	mbtopo_destroy(&net);
}

static struct middlebox_counts counts_now(void)
{
	struct middlebox_counts c;

	ck_assert_int_eq(middlebox_counts(mb, &c), 0);
	ck_assert(!c.lost);
	return c;
}

/* The idle client's late send meets what EXPIRED says: its error and the
 * milliseconds it took. The server sees nothing. */
static int late_client_send(int deadline_ms, int64_t *waited)
{
	int c, s, err;

	mb_connect(&net, WAN_PEER, &c, &s);
	mb_sleep_ms(IDLE_WAIT_MS);
	mb_user_timeout(c, USER_TIMEOUT);
	mb_send(c, 100);
	err = mb_wait_error(c, deadline_ms, waited);
	mb_assert_quiet(s, "the server");
	close(c);
	close(s);
	return err;
}

START_TEST(test_drop_times_out)
{
	struct middlebox_counts n;
	int64_t waited;
	int err;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, IDLE_S, MIDDLEBOX_DROP);
	err = late_client_send(10000, &waited);
	ck_assert_msg(err == ETIMEDOUT, "client: %s after %lld ms, want ETIMEDOUT",
		      strerror(err), (long long)waited);
	ck_assert_msg(waited >= 1500, "ETIMEDOUT after only %lld ms", (long long)waited);
	n = counts_now();
	ck_assert_uint_ge(n.created, 1);
	ck_assert_uint_ge(n.expired, 1);
	ck_assert_uint_eq(n.forgotten, 0);
	net_down();
}
END_TEST

START_TEST(test_drop_server_first)
{
	int c, s, err;
	int64_t waited;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, IDLE_S, MIDDLEBOX_DROP);
	mb_connect(&net, WAN_PEER, &c, &s);
	mb_sleep_ms(IDLE_WAIT_MS);
	mb_user_timeout(s, USER_TIMEOUT);
	mb_send(s, 100);
	err = mb_wait_error(s, 10000, &waited);
	ck_assert_msg(err == ETIMEDOUT, "server: %s after %lld ms, want ETIMEDOUT",
		      strerror(err), (long long)waited);
	mb_assert_quiet(c, "the client");
	close(c);
	close(s);
	net_down();
}
END_TEST

START_TEST(test_keepalive_keeps_mapping)
{
	int c, s, one = 1;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, IDLE_S, MIDDLEBOX_DROP);
	mb_connect(&net, WAN_PEER, &c, &s);
	ck_assert_int_eq(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	ck_assert_int_eq(setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof(one)), 0);
	ck_assert_int_eq(setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof(one)), 0);
	mb_sleep_ms(IDLE_WAIT_MS);
	mb_user_timeout(c, USER_TIMEOUT);
	mb_send(c, 100);
	ck_assert_int_eq(mb_wait_bytes(s, 100, 5000), 100);
	ck_assert_int_eq(mb_wait_error(c, 100, NULL), 0);
	ck_assert_uint_eq(counts_now().expired, 0);
	close(c);
	close(s);
	net_down();
}
END_TEST

START_TEST(test_reset_resets_sender)
{
	int64_t waited;
	int err;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, IDLE_S, MIDDLEBOX_RESET);
	err = late_client_send(2000, &waited);
	ck_assert_msg(err == ECONNRESET, "client: %s after %lld ms, want ECONNRESET",
		      strerror(err), (long long)waited);
	net_down();
}
END_TEST

START_TEST(test_pickup)
{
	int c, s, err;
	int64_t waited, rsts;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, IDLE_S, MIDDLEBOX_PICKUP);
	mb_connect(&net, WAN_PEER, &c, &s);
	/* inside out: the mapping comes back, the bytes arrive */
	mb_sleep_ms(IDLE_WAIT_MS);
	mb_send(c, 100);
	ck_assert_int_eq(mb_wait_bytes(s, 100, 5000), 100);
	/* outside in: the gateway's own stack answers RST */
	mb_sleep_ms(IDLE_WAIT_MS);
	rsts = mb_tcp_out_rsts(net.gw->nsfd);
	mb_user_timeout(s, USER_TIMEOUT * 5);
	mb_send(s, 100);
	err = mb_wait_error(s, 2000, &waited);
	ck_assert_msg(err == ECONNRESET, "server: %s after %lld ms, want ECONNRESET",
		      strerror(err), (long long)waited);
	ck_assert_int_gt(mb_tcp_out_rsts(net.gw->nsfd), rsts);
	mb_assert_quiet(c, "the client");
	ck_assert_uint_ge(counts_now().created, 2);   /* the mapping came back */
	close(c);
	close(s);
	net_down();
}
END_TEST

/* forget: after a flush, the client's send meets EXPIRED at once. */
static void forget_then_send(enum middlebox_expired expired, int want, int deadline_ms)
{
	struct middlebox_counts n;
	int c, s, err, forgotten;
	int64_t waited;

	net_up(MB_GW_WAN_IF, 0, expired);
	mb_connect(&net, WAN_PEER, &c, &s);
	forgotten = middlebox_forget(mb);
	ck_assert_msg(forgotten >= 1, "middlebox_forget: %d", forgotten);
	mb_user_timeout(c, USER_TIMEOUT);
	mb_send(c, 100);
	err = mb_wait_error(c, deadline_ms, &waited);
	ck_assert_msg(err == want, "client: %s after %lld ms, want %s", strerror(err),
		      (long long)waited, strerror(want));
	mb_assert_quiet(s, "the server");
	n = counts_now();
	ck_assert_uint_eq(n.forgotten, (uint64_t)forgotten);
	ck_assert_uint_ge(n.created, 1);
	close(c);
	close(s);
	net_down();
}

START_TEST(test_forget_drop)
{
	NF_REQUIRE_ROOT();
	forget_then_send(MIDDLEBOX_DROP, ETIMEDOUT, 10000);
}
END_TEST

START_TEST(test_forget_reset)
{
	NF_REQUIRE_ROOT();
	forget_then_send(MIDDLEBOX_RESET, ECONNRESET, 2000);
}
END_TEST

START_TEST(test_apply_again_and_bad_confs)
{
	struct middlebox_conf conf = { .nat_if = MB_GW_WAN_IF, .expired = MIDDLEBOX_RESET };
	struct middlebox *other = NULL;
	char err[256] = "", value[32];
	int c, s;

	NF_REQUIRE_ROOT();
	net_up(NULL, 5, MIDDLEBOX_DROP);
	/* the same again (a poweron's rebind), then another: NAT now, and the
	 * connection goes through it */
	ck_assert_int_eq(middlebox_rebind(mb, net.gw->nsfd, err, sizeof(err)), 0);
	ck_assert_int_ge(middlebox_fd(mb), 0);
	ck_assert_int_gt(netns_sysctl_read(net.gw->nsfd, GW_ESTABLISHED, value,
					   sizeof(value)), 0);
	ck_assert_str_eq(value, "5");
	ck_assert_int_eq(middlebox_rules_apply(net.gw->nsfd, &conf, err, sizeof(err)), 0);
	mb_connect(&net, WAN_PEER, &c, &s);
	close(c);
	close(s);
	ck_assert_int_gt(netns_sysctl_read(net.gw->nsfd, GW_ESTABLISHED, value,
					   sizeof(value)), 0);
	ck_assert_str_eq(value, "432000");   /* the kernel's, written back */
	/* refused before anything is written */
	conf.nat_if = "eth1\" drop";
	ck_assert_int_eq(middlebox_open(net.gw->nsfd, &conf, &other, NULL, 0), -EINVAL);
	conf.nat_if = NULL;
	conf.idle_timeout_s = MIDDLEBOX_MAX_IDLE_S + 1;
	ck_assert_int_eq(middlebox_open(net.gw->nsfd, &conf, &other, NULL, 0), -ERANGE);
	conf.idle_timeout_s = 1;
	ck_assert_int_eq(middlebox_open(-1, &conf, &other, NULL, 0), -EBADF);
	ck_assert_ptr_null(other);
	/* detached: no socket, counts kept, forget refused */
	middlebox_detach(mb);
	ck_assert_int_eq(middlebox_fd(mb), -1);
	ck_assert_int_eq(middlebox_forget(mb), -ENOTCONN);
	ck_assert_uint_ge(counts_now().created, 1);
	net_down();
}
END_TEST

START_TEST(test_router_reboot)
{
	struct middlebox_counts before;
	char err[256] = "";
	int c, s, err2;

	NF_REQUIRE_ROOT();
	net_up(MB_GW_WAN_IF, 0, MIDDLEBOX_RESET);
	mb_connect(&net, WAN_PEER, &c, &s);
	close(c);
	close(s);
	before = counts_now();
	middlebox_detach(mb);
	ck_assert_int_eq(topology_host_poweroff(topo, 1), 0);
	ck_assert_int_eq(topology_host_poweron(topo, 1), 0);
	err2 = middlebox_rebind(mb, net.gw->nsfd, err, sizeof(err));
	ck_assert_msg(err2 == 0, "rebind: %s: %s", err, strerror(-err2));
	/* NAT again, and reset again after a forget */
	mb_connect(&net, WAN_PEER, &c, &s);
	ck_assert_int_ge(middlebox_forget(mb), 1);
	mb_send(c, 100);
	ck_assert_int_eq(mb_wait_error(c, 2000, NULL), ECONNRESET);
	ck_assert_uint_ge(counts_now().created, before.created + 1);
	close(c);
	close(s);
	net_down();
}
END_TEST

START_TEST(test_root_unchanged)
{
	char *before;
	char est[32], loose[32], est2[32], loose2[32];

	NF_REQUIRE_ROOT();
	before = nf_root_snapshot();
	mb_root_sysctl(ROOT_ESTABLISHED, est, sizeof(est));
	mb_root_sysctl(ROOT_LOOSE, loose, sizeof(loose));
	net_up(MB_GW_WAN_IF, 1, MIDDLEBOX_DROP);
	ck_assert_int_ge(middlebox_forget(mb), 0);
	net_down();
	mb_root_sysctl(ROOT_ESTABLISHED, est2, sizeof(est2));
	mb_root_sysctl(ROOT_LOOSE, loose2, sizeof(loose2));
	ck_assert_str_eq(est, est2);
	ck_assert_str_eq(loose, loose2);
	nf_assert_root_unchanged(before);
	free(before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("middlebox");
	TCase *tc = run_tcase("middlebox", 40);

	tcase_add_test(tc, test_drop_times_out);
	tcase_add_test(tc, test_drop_server_first);
	tcase_add_test(tc, test_keepalive_keeps_mapping);
	tcase_add_test(tc, test_reset_resets_sender);
	tcase_add_test(tc, test_pickup);
	tcase_add_test(tc, test_forget_drop);
	tcase_add_test(tc, test_forget_reset);
	tcase_add_test(tc, test_apply_again_and_bad_confs);
	tcase_add_test(tc, test_router_reboot);
	tcase_add_test(tc, test_root_unchanged);
	suite_add_tcase(s, tc);
	return nf_run_suite(s);
}
