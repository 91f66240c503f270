/*
 * test_firewall.c: drop, reject, partition, loss and heal (netns/firewall.h)
 * between hosts of a real topology (root), judged by what the sockets see:
 *
 *   connect  a table of (host with the rule, direction, fault, family) ->
 *            the client's connect() result: drop -> ETIMEDOUT (TCP_SYNCNT 1,
 *            3 s), tcp-reset and icmp-port-unreachable -> ECONNREFUSED,
 *            icmp-host-unreachable and admin-prohibited -> EHOSTUNREACH
 *            (admin-prohibited over IPv6: EACCES),
 *            on the server's `in` and on the client's `out` (the port names
 *            the service on either end), IPv4 and IPv6
 *   reset    tcp-reset on an established connection -> ECONNRESET
 *   partition two-way and one-way, a third host unaffected; one-way
 *            faults stay one-way over IPv6 (neighbour discovery passes)
 *   heal     clearing one kind keeps the others; clearing all restores
 *            everything and leaves no table
 *   replace  a second drop of the same direction replaces the first
 *   forward  a router's drop and reject also go in its forward chain, a
 *            non-router's do not; heal all removes it
 *   loss     nft numgen 30 % of 2000 within 5 binomial sigmas
 *   root     the machine's root namespace is unchanged (nf_root_snapshot)
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns/firewall.h"
#include "netns/netns.h"
#include "tests/lib/nettest.h"
#include "tests/lib/testlib.h"

#define SERVICE_PORT 5000
#define OTHER_PORT   6000

static struct topology *topo;

static void net_up(size_t nhosts)
{
	char err[256] = "";

	topo = nettest_up(nhosts, err, sizeof(err));
	ck_assert_msg(topo, "topology: %s", err);
}

static struct firewall *fw_of(size_t host)
{
	struct firewall *fw = NULL;
	int rc = firewall_open(topo->hosts[host].nsfd, &fw);

	ck_assert_msg(rc == 0, "firewall_open: %s", strerror(-rc));
	return fw;
}

static void fw_ok(struct firewall *fw, int rc, const char *what)
{
	ck_assert_msg(rc == 0, "%s: %s: %s", what, strerror(-rc), firewall_error(fw));
}

/* A listening TCP socket on HOST:PORT. */
static int listener(size_t host, int family, uint16_t port)
{
	int fd = nettest_socket(topo->hosts[host].nsfd, family, SOCK_STREAM,
				nettest_addr(&topo->hosts[host], family), port);

	ck_assert_msg(fd >= 0, "listener: %s", strerror(-fd));
	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

/* connect() from FROM to TO:PORT with one SYN retry (gives up after 3 s).
 * Returns 0 or the errno; *FD keeps the socket when FD is not NULL. */
static int connect_from(size_t from, size_t to, int family, uint16_t port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t len = nettest_sockaddr(family, nettest_addr(&topo->hosts[to], family),
					 port, &ss);
	int s = nettest_socket(topo->hosts[from].nsfd, family, SOCK_STREAM, NULL, 0);
	int one = 1, rc = 0;

	ck_assert_msg(s >= 0, "socket: %s", strerror(-s));
	ck_assert_int_eq(setsockopt(s, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one)), 0);
	if (connect(s, (struct sockaddr *)&ss, len) < 0)
		rc = errno;
	if (fd && rc == 0)
		*fd = s;
	else
		close(s);
	return rc;
}

/* ---- connect outcomes --------------------------------------------------- */

enum fault { DROP, RESET, PORT_UNREACH, HOST_UNREACH, ADMIN };

static const struct {
	size_t host;             /* 0: the client h1, 1: the server h2 */
	enum link_dir dir;
	enum fault fault;
	int family;
	int want;
} connect_cases[] = {
	{ 1, LINK_IN, DROP, AF_INET, ETIMEDOUT },
	{ 1, LINK_OUT, DROP, AF_INET, ETIMEDOUT },        /* server's answers: sport */
	{ 0, LINK_OUT, DROP, AF_INET, ETIMEDOUT },        /* client's requests: dport */
	{ 0, LINK_IN, DROP, AF_INET, ETIMEDOUT },         /* answers to the client: sport */
	{ 1, LINK_IN, RESET, AF_INET, ECONNREFUSED },
	{ 1, LINK_IN, PORT_UNREACH, AF_INET, ECONNREFUSED },
	{ 1, LINK_IN, HOST_UNREACH, AF_INET, EHOSTUNREACH },
	{ 1, LINK_IN, ADMIN, AF_INET, EHOSTUNREACH },
	{ 0, LINK_OUT, RESET, AF_INET, ECONNREFUSED },     /* refused locally */
	{ 0, LINK_OUT, HOST_UNREACH, AF_INET, EHOSTUNREACH },
	{ 1, LINK_IN, DROP, AF_INET6, ETIMEDOUT },
	{ 1, LINK_IN, RESET, AF_INET6, ECONNREFUSED },
	{ 1, LINK_IN, HOST_UNREACH, AF_INET6, EHOSTUNREACH },
	{ 1, LINK_BOTH, ADMIN, AF_INET6, EACCES },          /* icmpv6_err_convert */
};

static int fault_apply(struct firewall *fw, enum link_dir dir, enum fault f, int proto,
		       unsigned port)
{
	static const enum fw_reject_with with[] = {
		[RESET] = FW_REJECT_TCP_RESET,
		[PORT_UNREACH] = FW_REJECT_PORT_UNREACHABLE,
		[HOST_UNREACH] = FW_REJECT_HOST_UNREACHABLE,
		[ADMIN] = FW_REJECT_ADMIN_PROHIBITED,
	};

	if (f == DROP)
		return firewall_drop(fw, dir, proto, port);
	return firewall_reject(fw, dir, proto, port, with[f]);
}

START_TEST(test_connect_outcome)
{
	int family = connect_cases[_i].family;
	struct firewall *fw;
	int lfd, other, rc;

	NF_REQUIRE_ROOT();
	net_up(2);
	lfd = listener(1, family, SERVICE_PORT);
	other = listener(1, family, OTHER_PORT);
	ck_assert_int_eq(connect_from(0, 1, family, SERVICE_PORT, NULL), 0);

	fw = fw_of(connect_cases[_i].host);
	fw_ok(fw, fault_apply(fw, connect_cases[_i].dir, connect_cases[_i].fault,
			      IPPROTO_TCP, SERVICE_PORT), "fault");
	rc = connect_from(0, 1, family, SERVICE_PORT, NULL);
	ck_assert_msg(rc == connect_cases[_i].want, "case %d: connect: %s, want %s", _i,
		      strerror(rc), strerror(connect_cases[_i].want));
	/* another service of the same hosts is not affected */
	ck_assert_int_eq(connect_from(0, 1, family, OTHER_PORT, NULL), 0);

	fw_ok(fw, firewall_clear_all(fw), "heal");
	ck_assert_int_eq(connect_from(0, 1, family, SERVICE_PORT, NULL), 0);
	firewall_close(fw);
	close(lfd);
	close(other);
}
END_TEST

START_TEST(test_reset_established)
{
	struct firewall *fw;
	int lfd, cfd = -1, afd;
	char byte = 'x';
	struct pollfd pfd;

	NF_REQUIRE_ROOT();
	net_up(2);
	lfd = listener(1, AF_INET, SERVICE_PORT);
	ck_assert_int_eq(connect_from(0, 1, AF_INET, SERVICE_PORT, &cfd), 0);
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);

	fw = fw_of(1);
	fw_ok(fw, firewall_reject(fw, LINK_IN, 0, SERVICE_PORT, FW_REJECT_TCP_RESET), "reject");
	ck_assert_int_eq(send(cfd, &byte, 1, MSG_NOSIGNAL), 1);
	pfd = (struct pollfd){ .fd = cfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 3000), 1);
	ck_assert_int_eq(recv(cfd, &byte, 1, 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	firewall_close(fw);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

/* ---- partition ---------------------------------------------------------- */

static size_t udp_received(size_t from, size_t to, int family)
{
	struct probe_result res;
	size_t got;
	int rc = udp_probe(&topo->hosts[from], &topo->hosts[to], family, PROBE_AT_SOCKET,
			   1000, 20, 64, 100, &res);

	ck_assert_msg(rc == 0, "udp_probe: %s", strerror(-rc));
	got = res.received;
	probe_result_free(&res);
	return got;
}

static void peers_of(size_t host, const char *peers[2])
{
	peers[0] = topo->hosts[host].addr4;      /* with its /24: ignored */
	peers[1] = nettest_addr(&topo->hosts[host], AF_INET6);
}

START_TEST(test_partition_two_way)
{
	const char *peers[2];
	struct firewall *fw;

	NF_REQUIRE_ROOT();
	net_up(3);
	fw = fw_of(0);
	peers_of(1, peers);
	fw_ok(fw, firewall_partition(fw, LINK_BOTH, peers, 2), "partition");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET), 0);
	ck_assert_uint_eq(udp_received(0, 1, AF_INET6), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET6), 0);
	ck_assert_uint_eq(udp_received(0, 2, AF_INET), 20);
	ck_assert_uint_eq(udp_received(2, 0, AF_INET6), 20);
	ck_assert_uint_eq(udp_received(1, 2, AF_INET), 20);

	fw_ok(fw, firewall_partition(fw, LINK_BOTH, NULL, 0), "heal partition");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 20);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET6), 20);
	firewall_close(fw);
}
END_TEST

START_TEST(test_partition_one_way)
{
	const char *peers[2];
	struct firewall *fw;

	NF_REQUIRE_ROOT();
	net_up(2);
	fw = fw_of(0);
	peers_of(1, peers);
	/* from h1 to h2 only: h1's out */
	fw_ok(fw, firewall_partition(fw, LINK_OUT, peers, 2), "partition");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 0);
	ck_assert_uint_eq(udp_received(0, 1, AF_INET6), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET), 20);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET6), 20);
	firewall_close(fw);

	/* the same from the other end: h2's in */
	fw = fw_of(0);
	fw_ok(fw, firewall_clear_all(fw), "heal");
	firewall_close(fw);
	fw = fw_of(1);
	peers_of(0, peers);
	fw_ok(fw, firewall_partition(fw, LINK_IN, peers, 2), "partition");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET), 20);
	firewall_close(fw);
}
END_TEST

START_TEST(test_drop_out_is_one_way)
{
	struct firewall *fw;

	NF_REQUIRE_ROOT();
	net_up(2);
	fw = fw_of(0);
	/* everything h1 sends is dropped; what it receives still arrives, in
	 * IPv6 too (its neighbour advertisements still go out) */
	fw_ok(fw, firewall_drop(fw, LINK_OUT, 0, 0), "drop out");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET6), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET6), 20);
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 0);
	ck_assert_uint_eq(udp_received(1, 0, AF_INET), 20);
	firewall_close(fw);
}
END_TEST

/* ---- heal and replace --------------------------------------------------- */

static char *ns_ruleset(size_t host)
{
	char cmd[128], *buf = calloc(1, 65536);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "nsenter --net=/run/netns/%s nft list ruleset 2>&1",
		 topo->hosts[host].ns_name);
	p = popen(cmd, "r");
	ck_assert(p && buf);
	n = fread(buf, 1, 65535, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

START_TEST(test_heal)
{
	const char *peers[2];
	struct firewall *fw;
	int lfd;
	char *rules;

	NF_REQUIRE_ROOT();
	net_up(2);
	lfd = listener(1, AF_INET, SERVICE_PORT);
	fw = fw_of(1);
	peers_of(0, peers);
	fw_ok(fw, firewall_drop(fw, LINK_IN, IPPROTO_UDP, 0), "drop");
	fw_ok(fw, firewall_reject(fw, LINK_IN, IPPROTO_TCP, SERVICE_PORT,
				  FW_REJECT_TCP_RESET), "reject");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 0);
	ck_assert_int_eq(connect_from(0, 1, AF_INET, SERVICE_PORT, NULL), ECONNREFUSED);

	/* heal one kind: the reject stays */
	fw_ok(fw, firewall_clear(fw, FW_DROP, LINK_BOTH), "clear drop");
	ck_assert_uint_eq(udp_received(0, 1, AF_INET), 20);
	ck_assert_int_eq(connect_from(0, 1, AF_INET, SERVICE_PORT, NULL), ECONNREFUSED);

	/* heal all: nothing is left, and healing again is fine */
	fw_ok(fw, firewall_partition(fw, LINK_BOTH, peers, 2), "partition");
	fw_ok(fw, firewall_loss(fw, LINK_OUT, 50), "loss");
	fw_ok(fw, firewall_clear_all(fw), "heal all");
	ck_assert_int_eq(connect_from(0, 1, AF_INET, SERVICE_PORT, NULL), 0);
	ck_assert_uint_eq(udp_received(0, 1, AF_INET6), 20);
	rules = ns_ruleset(1);
	ck_assert_msg(!strstr(rules, "netfault"), "table left:\n%s", rules);
	free(rules);
	fw_ok(fw, firewall_clear_all(fw), "heal all again");
	fw_ok(fw, firewall_clear(fw, FW_REJECT, LINK_IN), "clear without a table");
	firewall_close(fw);
	close(lfd);
}
END_TEST

/* A host that does not forward gets no forward chain (its rules as they
 * always were); a router's drop and reject go in its forward chain too,
 * and heal all takes that away with the rest. (What the forward chain
 * does to packets: test_routed_engine.c.) */
START_TEST(test_forward_chain)
{
	struct firewall *fw;
	char *rules;

	NF_REQUIRE_ROOT();
	net_up(2);
	fw = fw_of(1);
	fw_ok(fw, firewall_drop(fw, LINK_OUT, IPPROTO_TCP, SERVICE_PORT), "drop");
	rules = ns_ruleset(1);
	ck_assert_msg(strstr(rules, "dport 5000 drop") && !strstr(rules, "hook forward"),
		      "rules:\n%s", rules);
	free(rules);
	firewall_set_forwarding(fw, true);
	fw_ok(fw, firewall_reject(fw, LINK_IN, IPPROTO_TCP, 0, FW_REJECT_TCP_RESET), "reject");
	rules = ns_ruleset(1);
	ck_assert_msg(strstr(rules, "hook forward") && strstr(rules, "jump drop_out") &&
		      strstr(rules, "jump reject_in") && strstr(rules, "dport 5000 drop"),
		      "rules:\n%s", rules);
	free(rules);
	fw_ok(fw, firewall_clear_all(fw), "heal all");
	rules = ns_ruleset(1);
	ck_assert_msg(!strstr(rules, "netfault"), "table left:\n%s", rules);
	free(rules);
	firewall_close(fw);
}
END_TEST

START_TEST(test_replace)
{
	struct firewall *fw;
	int l1, l2;
	char *rules;

	NF_REQUIRE_ROOT();
	net_up(2);
	l1 = listener(1, AF_INET, SERVICE_PORT);
	l2 = listener(1, AF_INET, OTHER_PORT);
	fw = fw_of(1);
	fw_ok(fw, firewall_drop(fw, LINK_IN, IPPROTO_TCP, SERVICE_PORT), "drop 5000");
	fw_ok(fw, firewall_drop(fw, LINK_IN, IPPROTO_TCP, OTHER_PORT), "drop 6000");
	ck_assert_int_eq(connect_from(0, 1, AF_INET, SERVICE_PORT, NULL), 0);
	rules = ns_ruleset(1);
	ck_assert_msg(strstr(rules, "dport 6000 drop") && !strstr(rules, "dport 5000"),
		      "rules:\n%s", rules);
	free(rules);
	/* the other direction is its own rule set */
	fw_ok(fw, firewall_drop(fw, LINK_OUT, IPPROTO_TCP, SERVICE_PORT), "drop out");
	rules = ns_ruleset(1);
	ck_assert_msg(strstr(rules, "dport 6000 drop") && strstr(rules, "sport 5000 drop"),
		      "rules:\n%s", rules);
	free(rules);
	firewall_close(fw);
	close(l1);
	close(l2);
}
END_TEST

/* ---- loss --------------------------------------------------------------- */

START_TEST(test_loss)
{
	const double n = 2000, p = 0.3, sigma = sqrt(n * p * (1 - p));
	struct probe_result res;
	struct firewall *fw;
	double lost;
	int rc;

	NF_REQUIRE_ROOT();
	net_up(2);
	fw = fw_of(1);
	fw_ok(fw, firewall_loss(fw, LINK_IN, 30), "loss");
	rc = udp_probe(&topo->hosts[0], &topo->hosts[1], AF_INET, PROBE_AT_SOCKET, 2000,
		       (size_t)n, 64, 200, &res);
	ck_assert_int_eq(rc, 0);
	lost = (double)(res.sent - res.received);
	printf("nft loss: %.0f of %.0f lost (want %.0f +- %.0f)\n", lost, n, n * p, 5 * sigma);
	ck_assert(fabs(lost - n * p) <= 5 * sigma);
	probe_result_free(&res);
	firewall_close(fw);
}
END_TEST

/* ---- arguments and the root namespace ----------------------------------- */

START_TEST(test_bad_arguments)
{
	const char *bad_peer[] = { "10.0.0.300" };
	const char *injected[] = { "10.0.0.2 } accept; add table ip x {" };
	struct firewall *fw;

	NF_REQUIRE_ROOT();
	net_up(1);
	fw = fw_of(0);
	ck_assert_int_eq(firewall_drop(fw, LINK_IN, IPPROTO_ICMP, 80), -EINVAL);
	ck_assert_int_eq(firewall_drop(fw, LINK_IN, IPPROTO_TCP, 70000), -EINVAL);
	ck_assert_int_eq(firewall_drop(fw, LINK_IN, 47, 0), -EPROTONOSUPPORT);
	ck_assert_int_eq(firewall_drop(fw, (enum link_dir)0, 0, 0), -EINVAL);
	ck_assert_int_eq(firewall_reject(fw, LINK_IN, IPPROTO_UDP, 0, FW_REJECT_TCP_RESET),
			 -EINVAL);
	ck_assert_int_eq(firewall_partition(fw, LINK_IN, bad_peer, 1), -EINVAL);
	ck_assert_int_eq(firewall_partition(fw, LINK_IN, injected, 1), -EINVAL);
	ck_assert_int_eq(firewall_loss(fw, LINK_IN, 100.5), -EINVAL);
	ck_assert_int_eq(firewall_clear(fw, FW_KIND_COUNT, LINK_IN), -EINVAL);
	ck_assert_str_eq(firewall_error(fw), "");
	firewall_close(fw);
}
END_TEST

START_TEST(test_root_unchanged)
{
	const char *peers[2];
	char *before;
	struct firewall *fw;

	NF_REQUIRE_ROOT();
	before = nf_root_snapshot();
	net_up(2);
	fw = fw_of(0);
	peers_of(1, peers);
	fw_ok(fw, firewall_drop(fw, LINK_BOTH, IPPROTO_UDP, 53), "drop");
	fw_ok(fw, firewall_reject(fw, LINK_IN, 0, 80, FW_REJECT_ADMIN_PROHIBITED), "reject");
	fw_ok(fw, firewall_partition(fw, LINK_OUT, peers, 2), "partition");
	fw_ok(fw, firewall_loss(fw, LINK_IN, 1.5), "loss");
	firewall_close(fw);
	nettest_down();
	nf_assert_root_unchanged(before);
	free(before);
}
END_TEST

static Suite *firewall_suite(void)
{
	Suite *s = suite_create("firewall");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, NULL, nettest_leftovers_clean);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_connect_outcome, 0,
			    (int)(sizeof(connect_cases) / sizeof(connect_cases[0])));
	tcase_add_test(tc, test_reset_established);
	tcase_add_test(tc, test_partition_two_way);
	tcase_add_test(tc, test_partition_one_way);
	tcase_add_test(tc, test_drop_out_is_one_way);
	tcase_add_test(tc, test_heal);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_forward_chain);
	tcase_add_test(tc, test_loss);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_root_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return nf_run_suite(firewall_suite());
}
