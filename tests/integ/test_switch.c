/*
 * test_switch.c: what a run's switch does besides bridging
 * (netns/switch_filter.c), against the real kernel (root), with packet
 * sockets on the hosts' eth0:
 *   - on a network of more than SWITCH_FILTER_MIN_HOSTS hosts, a host's
 *     IPv6 multicast listener report leaves it but reaches no other host,
 *     while other multicast (a datagram to ff02::1) still does, and so does
 *     neighbour discovery (a TCP connection over IPv6);
 *   - on a small network the report is flooded as a plain bridge does;
 *   - where the kernel has br_netfilter, the switch keeps bridged packets
 *     out of its iptables hooks.
 * The report is caused by joining a multicast group; waits have generous
 * deadlines and nothing asserts how fast the kernel is.
 */
#include "netns/netns.h"
#include "netns/internal.h"
#include "tests/lib/nettest.h"
#include "tests/lib/routedtest.h"
#include "tests/lib/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_MS 5000      /* for what must arrive */
#define DRAIN_MS    300       /* after the marker, for stragglers */
#define MARKER_PORT 4999
#define GROUP       "ff12::4242"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A packet socket on eth0 of the namespace the thread is in. */
static int packet_socket_here(void *arg)
{
	int *fd = arg;
	/* ETH_P_ALL: a socket of one protocol sees only what comes in */
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };

	sll.sll_ifindex = (int)if_nametoindex(NETNS_HOST_IF);
	*fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (*fd < 0)
		return -errno;
	if (sll.sll_ifindex == 0 || bind(*fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int rc = -errno;

		close(*fd);
		return rc ? rc : -ENODEV;
	}
	return 0;
}

static int packet_socket(const struct topo_host *h)
{
	int fd = -1, rc = netns_call_in(h->nsfd, packet_socket_here, &fd);

	ck_assert_msg(rc == 0, "packet socket in %s: %s", h->name, strerror(-rc));
	return fd;
}

/* What one frame is, as far as this test cares. */
enum frame_kind { FRAME_OTHER, FRAME_REPORT, FRAME_MARKER };

/* Classifies an IPv6 frame: an MLD report (v1 131, v2 143, after a
 * hop-by-hop header) or a UDP datagram to MARKER_PORT. */
static enum frame_kind classify(const unsigned char *f, size_t len)
{
	size_t off = ETH_HLEN + 40;
	unsigned next;

	if (len < off || ((unsigned)f[12] << 8 | f[13]) != ETH_P_IPV6)
		return FRAME_OTHER;
	next = f[ETH_HLEN + 6];
	if (next == 0) {   /* hop-by-hop options */
		if (len < off + 8)
			return FRAME_OTHER;
		next = f[off];
		off += 8 * ((size_t)f[off + 1] + 1);
	}
	if (next == IPPROTO_ICMPV6 && len > off && (f[off] == 131 || f[off] == 143))
		return FRAME_REPORT;
	if (next == IPPROTO_UDP && len >= off + 4 &&
	    ((unsigned)f[off + 2] << 8 | f[off + 3]) == MARKER_PORT)
		return FRAME_MARKER;
	return FRAME_OTHER;
}

struct seen {
	unsigned reports;   /* from the reporting host's MAC */
	bool marker;
};

/* Reads what FD has now into SEEN (frames from MAC only). */
static void drain(int fd, const uint8_t mac[6], struct seen *seen)
{
	unsigned char f[2048];
	ssize_t n;

	while ((n = recv(fd, f, sizeof(f), 0)) > 0) {
		if ((size_t)n < ETH_HLEN || memcmp(f + ETH_ALEN, mac, ETH_ALEN) != 0)
			continue;
		switch (classify(f, (size_t)n)) {
		case FRAME_REPORT:
			seen->reports++;
			break;
		case FRAME_MARKER:
			seen->marker = true;
			break;
		default:
			break;
		}
	}
}

/* Waits until DONE(SEEN) or DEADLINE_MS, reading FD. */
static void wait_for(int fd, const uint8_t mac[6], struct seen *seen,
		     bool (*done)(const struct seen *))
{
	int64_t end = now_ms() + DEADLINE_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	drain(fd, mac, seen);
	while (!done(seen) && now_ms() < end) {
		poll(&p, 1, 50);
		drain(fd, mac, seen);
	}
}

static bool has_report(const struct seen *s)
{
	return s->reports > 0;
}

static bool has_marker(const struct seen *s)
{
	return s->marker;
}

static int eth0_index_here(void *arg)
{
	unsigned *ifindex = arg;

	*ifindex = if_nametoindex(NETNS_HOST_IF);
	return *ifindex ? 0 : -errno;
}

/* In REPORTER: joins GROUP on eth0, which makes its kernel send a listener
 * report. Returns the socket: closing it leaves the group, which reports
 * again. */
static int join_group(const struct topo_host *reporter, unsigned *ifindex)
{
	struct ipv6_mreq mreq = { 0 };
	int fd = nettest_socket(reporter->nsfd, AF_INET6, SOCK_DGRAM, NULL, 0);

	ck_assert_msg(fd >= 0, "udp socket: %s", strerror(-fd));
	ck_assert_int_eq(netns_call_in(reporter->nsfd, eth0_index_here, ifindex), 0);
	ck_assert_int_eq(inet_pton(AF_INET6, GROUP, &mreq.ipv6mr_multiaddr), 1);
	mreq.ipv6mr_interface = *ifindex;
	ck_assert_msg(setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) == 0,
		      "join %s: %s", GROUP, strerror(errno));
	return fd;
}

/* Sends one datagram from FD out of IFINDEX to ff02::1, which every host
 * on the network gets. */
static void send_marker(int fd, unsigned ifindex)
{
	struct sockaddr_storage to;
	socklen_t tolen = nettest_sockaddr(AF_INET6, "ff02::1", MARKER_PORT, &to);
	int hops = 1;

	((struct sockaddr_in6 *)&to)->sin6_scope_id = ifindex;
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)), 0);
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
				    sizeof(ifindex)), 0);
	ck_assert_msg(sendto(fd, "marker", 6, 0, (struct sockaddr *)&to, tolen) == 6,
		      "send to ff02::1: %s", strerror(errno));
}

/* h2 of T joins a group; once its report has left h2, returns what h1 saw
 * of h2: when EXPECT_REPORT, until the report arrives (or a deadline);
 * otherwise until a datagram h2 sends after the report arrives, and
 * DRAIN_MS more. */
static struct seen listen_on_h1(struct topology *t, bool expect_report)
{
	struct seen at_h1 = { 0 }, at_h2 = { 0 };
	const struct topo_host *h1 = &t->hosts[0], *h2 = &t->hosts[1];
	int fd1 = packet_socket(h1), fd2 = packet_socket(h2), group;
	unsigned ifindex = 0;
	int64_t end;

	group = join_group(h2, &ifindex);
	wait_for(fd2, h2->mac, &at_h2, has_report);
	ck_assert_msg(at_h2.reports > 0, "h2 sent no listener report for " GROUP);
	if (expect_report) {
		wait_for(fd1, h2->mac, &at_h1, has_report);
	} else {
		send_marker(group, ifindex);
		wait_for(fd1, h2->mac, &at_h1, has_marker);
		ck_assert_msg(at_h1.marker, "h1 did not get h2's datagram to ff02::1");
		end = now_ms() + DRAIN_MS;
		while (now_ms() < end) {
			usleep(20000);
			drain(fd1, h2->mac, &at_h1);
		}
	}
	close(group);
	close(fd1);
	close(fd2);
	return at_h1;
}

static struct topology *network_of(size_t nhosts)
{
	char err[256] = "";
	struct topology *t = nettest_up(nhosts, err, sizeof(err));

	ck_assert_msg(t, "topology of %zu hosts: %s", nhosts, err);
	return t;
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_big_network_keeps_reports)
{
	struct topology *t;
	struct seen at_h1;

	NF_REQUIRE_ROOT();
	t = network_of(SWITCH_FILTER_MIN_HOSTS + 2);
	at_h1 = listen_on_h1(t, false);
	ck_assert_msg(at_h1.reports == 0, "h1 got %u of h2's listener reports",
		      at_h1.reports);
	/* neighbour discovery still works: the last host reaches h1 over IPv6 */
	assert_reaches_addr(&t->hosts[t->nhosts - 1], &t->hosts[0], t->hosts[0].addr6);
	nettest_down();
}
END_TEST

START_TEST(test_small_network_floods_reports)
{
	struct topology *t;
	struct seen at_h1;

	NF_REQUIRE_ROOT();
	t = network_of(3);
	at_h1 = listen_on_h1(t, true);
	ck_assert_msg(at_h1.reports > 0, "h1 got none of h2's listener reports");
	nettest_down();
}
END_TEST

/* Where the kernel has br_netfilter, bridged packets skip the switch's
 * iptables hooks. */
START_TEST(test_switch_skips_iptables)
{
	static const char *const keys[] = {
		"net.bridge.bridge-nf-call-arptables",
		"net.bridge.bridge-nf-call-iptables",
		"net.bridge.bridge-nf-call-ip6tables",
	};
	struct topology *t;
	char value[8];
	int rc;

	NF_REQUIRE_ROOT();
	t = network_of(2);
	rc = netns_sysctl_read(t->sw_fd, keys[0], value, sizeof(value));
	if (rc == -ENOENT) {
		nettest_down();
		NF_SKIP("this kernel has no br_netfilter (net.bridge.bridge-nf-call-*)");
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		rc = netns_sysctl_read(t->sw_fd, keys[i], value, sizeof(value));
		ck_assert_msg(rc > 0, "%s: %s", keys[i], strerror(-rc));
		ck_assert_msg(!strcmp(value, "0"), "%s is %s in the switch", keys[i], value);
	}
	nettest_down();
}
END_TEST

static Suite *switch_suite(void)
{
	Suite *s = suite_create("switch");
	TCase *tc = tcase_create("kernel");

	tcase_add_unchecked_fixture(tc, NULL, nettest_leftovers_clean);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_big_network_keeps_reports);
	tcase_add_test(tc, test_small_network_floods_reports);
	tcase_add_test(tc, test_switch_skips_iptables);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(switch_suite());
}
