/*
 * mbtest.c: the client - gw - server network of the middlebox tests and
 * their socket helpers (see mbtest.h).
 */
#include "tests/lib/mbtest.h"
#include "tests/lib/routedtest.h"

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


void mbtopo_build(struct mb_topo *t)
{
	static const struct topo_net_spec nets[] = { { "lan", 0 }, { "wan", 0 } };
	static const struct rt_host hosts[] = {
		{ "client", { 0 }, { MB_CLIENT_ADDR }, { "fd00:1::2/64" }, 1, "gw" },
		{ "gw", { 0, 1 }, { MB_GW_LAN_ADDR, MB_GW_WAN_ADDR },
		  { "fd00:1::1/64", "fd00:2::1/64" }, 2, NULL },
		{ "server", { 1 }, { MB_SERVER_ADDR }, { "fd00:2::2/64" }, 1, "gw" },
	};

	build_routed(nets, 2, hosts, 3);
	t->client = &topo->hosts[0];
	t->gw = &topo->hosts[1];
	t->server = &topo->hosts[2];
}

void mbtopo_destroy(struct mb_topo *t)
{
	topology_destroy(topo);
	topo = NULL;
	memset(t, 0, sizeof(*t));
}

/* ---- sockets -------------------------------------------------------------- */

void mb_connect(struct mb_topo *t, const char *peer_cidr, int *client, int *server)
{
	int listener = listen_on(t->server, MB_SERVER_ADDR, TEST_PORT);

	*client = connect_from(t->client, MB_SERVER_ADDR, TEST_PORT, CONNECT_OK_MS);
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
