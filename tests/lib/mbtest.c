/*
 * mbtest.c: the client - gw - server network of the middlebox tests and
 * their socket helpers (see mbtest.h).
 */
#include "tests/lib/mbtest.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

static void host_init(struct topo_host *h, const char *name, const char *addr)
{
	int rc;

	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->ns_name, sizeof(h->ns_name), "nf%u-%s", lease.run_id, name);
	snprintf(h->addr4, sizeof(h->addr4), "%s", addr);
	rc = netns_create(h->ns_name);
	ck_assert_msg(rc == 0, "netns_create %s: %s", h->ns_name, strerror(-rc));
	h->nsfd = netns_open(h->ns_name);
	ck_assert_int_ge(h->nsfd, 0);
	h->powered = h->plugged = true;
}

/* A veth pair: NAME in SK's namespace, its peer eth0 born in PEER_NSFD. */
static void veth_add(struct nl_sock *sk, const char *name, int peer_nsfd)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer;
	int rc;

	ck_assert_ptr_nonnull(link);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_fd(peer, peer_nsfd);
	rc = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_put(link);
	ck_assert_msg(rc == 0, "veth %s: %s", name, nl_geterror(rc));
}

static void default_route(struct nl_sock *sk, const char *via)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *gw = NULL;
	int rc;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(nh);
	ck_assert_int_eq(nl_addr_parse("0.0.0.0/0", AF_INET, &dst), 0);
	ck_assert_int_eq(nl_addr_parse(via, AF_INET, &gw), 0);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_dst(r, dst);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_nh_set_ifindex(nh, link_index(sk, "eth0"));
	rtnl_route_add_nexthop(r, nh);
	rc = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(r);
	ck_assert_msg(rc == 0, "default route via %s: %s", via, nl_geterror(rc));
}

/* lo and IFS up, ADDRS on them (one per interface), in H's namespace. */
static void host_config(struct topo_host *h, const char *const *ifs,
			const char *const *addrs, size_t n, const char *via)
{
	struct nl_sock *sk;
	size_t i;

	ck_assert_int_eq(nlroute_open(h->nsfd, &sk), 0);
	ck_assert_int_eq(link_set_up(sk, "lo", true), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(link_set_up(sk, ifs[i], true), 0);
		ck_assert_int_eq(addr_add(sk, ifs[i], addrs[i]), 0);
	}
	if (via)
		default_route(sk, via);
	nlroute_close(sk);
}

void mbtopo_build(struct mb_topo *t)
{
	static const char *const gw_ifs[] = { MB_GW_LAN_IF, MB_GW_WAN_IF };
	static const char *const gw_addrs[] = { MB_GW_LAN_ADDR, MB_GW_WAN_ADDR };
	static const char *const eth0[] = { "eth0" };
	const char *addr;
	struct nl_sock *sk;

	host_init(&t->client, "mbc", MB_CLIENT_ADDR);
	host_init(&t->gw, "mbgw", MB_GW_LAN_ADDR);
	host_init(&t->server, "mbs", MB_SERVER_ADDR);
	ck_assert_int_eq(nlroute_open(t->gw.nsfd, &sk), 0);
	veth_add(sk, MB_GW_LAN_IF, t->client.nsfd);
	veth_add(sk, MB_GW_WAN_IF, t->server.nsfd);
	nlroute_close(sk);
	ck_assert_int_eq(netns_sysctl_write(t->gw.nsfd, "net.ipv4.ip_forward", "1"), 0);
	host_config(&t->gw, gw_ifs, gw_addrs, 2, NULL);
	addr = MB_CLIENT_ADDR;
	host_config(&t->client, eth0, &addr, 1, "10.1.0.1");
	addr = MB_SERVER_ADDR;
	host_config(&t->server, eth0, &addr, 1, "10.2.0.1");
}

void mbtopo_destroy(struct mb_topo *t)
{
	struct topo_host *hosts[] = { &t->client, &t->gw, &t->server };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (hosts[i]->nsfd > 0)
			close(hosts[i]->nsfd);
		hosts[i]->nsfd = -1;
	}
	run_namespaces_remove(lease.run_id);
}

/* ---- sockets -------------------------------------------------------------- */

void mb_connect(struct mb_topo *t, const char *peer_cidr, int *client, int *server)
{
	int listener = listen_on(&t->server, MB_SERVER_ADDR, TEST_PORT);

	*client = connect_from(&t->client, MB_SERVER_ADDR, TEST_PORT, CONNECT_OK_MS);
	ck_assert_msg(*client >= 0, "connect through gw: %s", strerror(-*client));
	*server = accept_from(listener, peer_cidr);
	ck_assert_int_eq(fcntl(*server, F_SETFL, O_NONBLOCK), 0);
	close(listener);
}

void mb_user_timeout(int fd, unsigned ms)
{
	ck_assert_int_eq(setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms)), 0);
}

void mb_send(int fd, size_t n)
{
	char buf[4096];

	ck_assert_uint_le(n, sizeof(buf));
	memset(buf, 'x', n);
	ck_assert_int_eq(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mb_wait_error(int fd, int deadline_ms, int64_t *waited_ms)
{
	int64_t start = now_ms(), left;
	struct pollfd pfd = { .fd = fd, .events = 0 };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	for (;;) {
		left = start + deadline_ms - now_ms();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) > 0 && (pfd.revents & (POLLERR | POLLHUP)))
			break;
	}
	if (waited_ms)
		*waited_ms = now_ms() - start;
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
	return soerr;
}

int mb_wait_bytes(int fd, size_t n, int deadline_ms)
{
	int64_t start = now_ms(), left;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		left = start + deadline_ms - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno != EAGAIN)
			return -errno;
		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	return (int)got;
}

void mb_assert_quiet(int fd, const char *who)
{
	char c;
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	ck_assert_msg(r < 0 && errno == EAGAIN, "%s saw something: recv %zd (%s)", who, r,
		      r < 0 ? strerror(errno) : "data or FIN");
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
	ck_assert_msg(soerr == 0, "%s saw an error: %s", who, strerror(soerr));
}

/* Reads OutRsts from the thread's namespace's /proc/net/snmp into ARG. */
static int out_rsts_here(void *arg)
{
	int64_t *out = arg;
	char names[1024], values[1024], *n, *v, *ns, *vs;
	FILE *f = fopen("/proc/thread-self/net/snmp", "r");

	if (!f)
		return -errno;
	*out = -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "Tcp:", 4) != 0)
			continue;
		n = strtok_r(names, " \n", &ns);
		v = strtok_r(values, " \n", &vs);
		while (n && v) {
			if (strcmp(n, "OutRsts") == 0)
				*out = strtoll(v, NULL, 10);
			n = strtok_r(NULL, " \n", &ns);
			v = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	return *out >= 0 ? 0 : -ENOENT;
}

int64_t mb_tcp_out_rsts(int nsfd)
{
	int64_t n = -1;

	ck_assert_int_eq(netns_call_in(nsfd, out_rsts_here, &n), 0);
	return n;
}

void mb_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void mb_root_sysctl(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return;   /* absent in the root namespace: "" before and after */
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
}
