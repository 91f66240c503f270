/*
 * wiretest.c: the observation mechanics' integration tests' topology,
 * connection and captures (see wiretest.h).
 */
#include "tests/lib/wiretest.h"
#include "tests/lib/nettest.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char tmpdir[64];
char fixture_error[256];
const int families[2] = { AF_INET, AF_INET6 };
static char *root_before;

/* ---- fixture (runner process) ----------------------------------------- */

static void fixture_setup(void)
{
	static const struct topo_host_spec hosts[] = {
		{ .name = "client" },
		{ .name = "server" },
	};
	char err[200] = "";
	int rc;

	topo = NULL;
	fixture_error[0] = '\0';
	if (geteuid() != 0)
		return;
	root_before = nf_root_snapshot();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nf-observe-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		snprintf(fixture_error, sizeof(fixture_error), "mkdtemp: %s", strerror(errno));
		tmpdir[0] = '\0';
		return;
	}
	rc = run_lease_acquire(&lease, 0);
	if (rc < 0) {
		snprintf(fixture_error, sizeof(fixture_error), "run_lease_acquire: %s",
			 strerror(-rc));
		return;
	}
	rc = topology_build(&topo, lease.run_id, hosts, 2, err, sizeof(err));
	if (rc < 0)
		snprintf(fixture_error, sizeof(fixture_error), "topology_build: %s: %s",
			 err, strerror(-rc));
}

/* Removes the temporary directory and the files in it (flat). */
static void tmpdir_remove(void)
{
	DIR *d;
	struct dirent *de;

	if (!tmpdir[0])
		return;
	d = opendir(tmpdir);
	if (d) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static void fixture_teardown(void)
{
	unsigned run_id = lease.run_id;

	if (geteuid() != 0)
		return;
	topology_destroy(topo);
	topo = NULL;
	run_lease_release(&lease);
	tmpdir_remove();
	nf_assert_nothing_left(run_id, root_before, "the test");
	free(root_before);
	root_before = NULL;
}

void add_case(Suite *s, const char *name, const TTest *test, int loops)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, fixture_setup, fixture_teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	if (loops > 1)
		tcase_add_loop_test(tc, test, 0, loops);
	else
		tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

/* ---- clocks ------------------------------------------------------------- */

int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- sockets inside the hosts ------------------------------------------- */

static int socket_in_host(size_t host, int family)
{
	int fd = nettest_socket(topo->hosts[host].nsfd, family, SOCK_STREAM, NULL, 0);

	ck_assert_msg(fd >= 0, "socket: %s", strerror(-fd));
	return fd;
}

/* The host's address ("10.0.0.2/24" without the prefix) and PORT. */
static void host_endpoint(size_t host, int family, uint16_t port, struct ip_endpoint *e)
{
	char addr[64], *slash;

	snprintf(addr, sizeof(addr), "%s",
		 family == AF_INET ? topo->hosts[host].addr4 : topo->hosts[host].addr6);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	ck_assert_int_eq(ip_endpoint_parse(e, addr, port), 0);
}

static socklen_t to_sockaddr(const struct ip_endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sin->sin_addr = e->addr.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(e->port);
	sin6->sin6_addr = e->addr.v6;
	return sizeof(*sin6);
}

void conn_listen(struct conn *c, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->cfd = c->sfd = -1;
	host_endpoint(SERVER, family, port, &c->server);
	c->listener = socket_in_host(SERVER, family);
	ck_assert_int_eq(setsockopt(c->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	len = to_sockaddr(&c->server, &ss);
	ck_assert_msg(bind(c->listener, (struct sockaddr *)&ss, len) == 0, "bind: %s",
		      strerror(errno));
	ck_assert_int_eq(listen(c->listener, 4), 0);
}

void conn_connect(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len;

	c->cfd = socket_in_host(CLIENT, c->family);
	len = to_sockaddr(&c->server, &ss);
	c->rt_connect = realtime_ns();
	ck_assert_msg(connect(c->cfd, (struct sockaddr *)&ss, len) == 0, "connect: %s",
		      strerror(errno));
	c->sfd = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_msg(c->sfd >= 0, "accept: %s", strerror(errno));
	c->rt_accepted = realtime_ns();
	len = sizeof(ss);
	ck_assert_int_eq(getsockname(c->cfd, (struct sockaddr *)&ss, &len), 0);
	c->client = c->server;
	host_endpoint(CLIENT, c->family, c->family == AF_INET
			  ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
			  : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), &c->client);
}

void conn_close(struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	close(c->listener);
}

/* ---- the wire view: captures feeding one log ----------------------------- */

void wire_log_packet(void *user, const struct capture_packet *pkt)
{
	struct wire_log *w = user;
	struct wire_pkt *wp;

	if (w->n >= WIRE_LOG_MAX) {
		w->overflow++;
		return;
	}
	wp = &w->pkts[w->n];
	if (decode_ethernet_frame(pkt->data, pkt->caplen, &wp->p) < 0) {
		w->undecodable++;
		return;
	}
	wp->ts = pkt->ts;
	wp->mono_ns = pkt->mono_ns;
	wp->index = pkt->index;
	w->n++;
}

struct capture *open_capture(size_t host, const char *file, struct wire_log *w)
{
	struct capture_config cfg = {
		.ifname = NETNS_HOST_IF,
		.filter = "tcp or icmp or icmp6",
		.on_packet = wire_log_packet,
		.user = w,
	};
	char path[128], err[256];
	struct capture *c = NULL;
	int rc;

	if (file) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
		cfg.pcap_path = path;
	}
	rc = capture_open(&c, topo->hosts[host].nsfd, &cfg, err, sizeof(err));
	ck_assert_msg(rc == 0, "capture_open: %s: %s", err, strerror(-rc));
	return c;
}

/* One event-loop round over N captures: waits up to TIMEOUT_MS for any to
 * be readable and dispatches the readable ones. */
void capture_poll_round(struct capture **caps, size_t n, int timeout_ms)
{
	struct pollfd pfd[4];

	ck_assert_uint_le(n, 4);
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = capture_fd(caps[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (pfd[i].revents)
			ck_assert_int_ge(capture_dispatch(caps[i]), 0);
}

bool is_from(const struct wire_pkt *wp, const struct ip_endpoint *src,
	     const struct ip_endpoint *dst)
{
	return wp->p.kind == DECODED_TCP && ip_endpoint_equal(&wp->p.src, src) &&
	       ip_endpoint_equal(&wp->p.dst, dst);
}

/* First TCP packet at or after START from SRC to DST that has every flag
 * of ALL, and payload when WITH_DATA; -1 when none. */
long find_tcp(const struct wire_log *w, size_t start, const struct ip_endpoint *src,
	      const struct ip_endpoint *dst, uint8_t all, bool with_data)
{
	for (size_t i = start; i < w->n; i++) {
		const struct wire_pkt *wp = &w->pkts[i];

		if (is_from(wp, src, dst) && (wp->p.tcp_flags & all) == all &&
		    (!with_data || wp->p.payload_len > 0))
			return (long)i;
	}
	return -1;
}

/* Pumps CAPS until find_tcp(W, ...) finds a packet, or TIMEOUT_MS. */
long wait_tcp(struct capture **caps, size_t ncaps, struct wire_log *w, size_t start,
	      const struct ip_endpoint *src, const struct ip_endpoint *dst,
	      uint8_t all, bool with_data, int timeout_ms)
{
	int64_t deadline = monotime_ns() + (int64_t)timeout_ms * 1000000;
	long i;

	while ((i = find_tcp(w, start, src, dst, all, with_data)) < 0 &&
	       monotime_ns() < deadline)
		capture_poll_round(caps, ncaps, 10);
	return i;
}

void assert_between(int64_t t, int64_t lo, int64_t hi, const char *what)
{
	ck_assert_msg(t >= lo && t <= hi, "%s at %lld, not within [%lld, %lld]", what,
		      (long long)t, (long long)lo, (long long)hi);
}
