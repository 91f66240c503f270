/*
 * topotest.c: a run's topology inside the test process, and TCP
 * connections between its hosts (see topotest.h).
 */
#include "tests/lib/topotest.h"
#include "tests/lib/nettest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct run_lease lease = { 0, -1 };
struct topology *topo;

/* ---- fixtures ---------------------------------------------------------- */

static void lease_setup(void)
{
	if (geteuid() != 0)
		return; /* the tests skip themselves */
	ck_assert_int_eq(run_lease_acquire(&lease, 0), 0);
}

static void lease_teardown(void)
{
	if (lease.lock_fd >= 0)
		run_namespaces_remove(lease.run_id);
	run_lease_release(&lease);
}

/* Before each test: what a failed earlier test of this tcase left. */
static void run_clean_setup(void)
{
	if (lease.lock_fd >= 0)
		ck_assert_int_ge(run_namespaces_remove(lease.run_id), 0);
	topo = NULL;
}

static void topo_teardown(void)
{
	topology_destroy(topo);
	topo = NULL;
}

/* After the lease tests: a dead owner's namespace and escapee, should a
 * test have failed before reclaiming them. Dead runs' leftovers are
 * garbage by definition (see lease.c). */
void dead_runs_teardown(void)
{
	if (geteuid() == 0)
		run_leftovers_clean();
}

TCase *run_tcase(const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, lease_setup, lease_teardown);
	tcase_add_checked_fixture(tc, run_clean_setup, topo_teardown);
	tcase_set_timeout(tc, timeout);
	return tc;
}

/* ---- helpers ----------------------------------------------------------- */

struct topology *build_hosts(size_t n, const struct topo_host_spec *given)
{
	struct topo_host_spec specs[16];
	static char names[16][8];
	char err[128] = "";
	size_t i;
	int rc;

	ck_assert_uint_le(n, 16);
	for (i = 0; i < n; i++) {
		if (given) {
			specs[i] = given[i];
			continue;
		}
		memset(&specs[i], 0, sizeof(specs[i]));
		snprintf(names[i], sizeof(names[i]), "h%zu", i + 1);
		specs[i].name = names[i];
	}
	rc = topology_build(&topo, lease.run_id, specs, n, err, sizeof(err));
	ck_assert_msg(rc == 0, "topology_build: %s: %s", err, strerror(-rc));
	return topo;
}

/* "10.0.0.1/24" -> sockaddr with PORT */
socklen_t sockaddr_of(const char *cidr, int port, struct sockaddr_storage *ss)
{
	char text[64];
	char *slash;

	snprintf(text, sizeof(text), "%s", cidr);
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, text, &a6->sin6_addr), 1);
		return sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, text, &a4->sin_addr), 1);
		return sizeof(*a4);
	}
}

/* A socket created inside NSFD (it stays there), nonblocking. */
int socket_in(int nsfd, int family)
{
	int fd = nettest_socket(nsfd, family, SOCK_STREAM | SOCK_NONBLOCK, NULL, 0);

	ck_assert_msg(fd >= 0, "socket: %s", strerror(-fd));
	return fd;
}

int listen_on(const struct topo_host *h, const char *cidr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(cidr, port, &ss);
	int fd = socket_in(h->nsfd, ss.ss_family), one = 1;

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind %s in %s: %s", cidr,
		      h->ns_name, strerror(errno));
	ck_assert_int_eq(listen(fd, 64), 0);
	return fd;
}

/* Connects from host FROM to CIDR:PORT; returns the connected socket, or
 * -errno (-ETIMEDOUT when nothing happened within TIMEOUT_MS). */
int connect_from(const struct topo_host *from, const char *cidr, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(cidr, port, &ss);
	struct pollfd pfd;
	int fd = socket_in(from->nsfd, ss.ss_family), soerr = 0, n;
	socklen_t slen = sizeof(soerr);

	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		soerr = errno;
		close(fd);
		return -soerr;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	n = poll(&pfd, 1, timeout_ms);
	if (n == 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen), 0);
	if (soerr) {
		close(fd);
		return -soerr;
	}
	return fd;
}

/* Accepts one connection on LISTENER and checks it came from FROM_CIDR. */
int accept_from(int listener, const char *from_cidr)
{
	struct sockaddr_storage peer, want;
	socklen_t plen = sizeof(peer);
	struct pollfd pfd = { .fd = listener, .events = POLLIN };
	int fd;

	ck_assert_int_eq(poll(&pfd, 1, CONNECT_OK_MS), 1);
	fd = accept4(listener, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	sockaddr_of(from_cidr, 0, &want);
	ck_assert_int_eq(peer.ss_family, want.ss_family);
	if (want.ss_family == AF_INET)
		ck_assert_mem_eq(&((struct sockaddr_in *)&peer)->sin_addr,
				 &((struct sockaddr_in *)&want)->sin_addr, 4);
	else
		ck_assert_mem_eq(&((struct sockaddr_in6 *)&peer)->sin6_addr,
				 &((struct sockaddr_in6 *)&want)->sin6_addr, 16);
	return fd;
}

/* The connection on FD never retransmitted: its first segments (SYN, or
 * the first data) got through, and so did the ARP exchange before them. A
 * topology change that returned before its links carried packets loses
 * them, and the retransmission that repairs it comes 0.2 to 3 s later:
 * this catches that however long the deadlines are. */
void assert_first_try(int fd, const char *what)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	ck_assert_int_eq(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	ck_assert_msg(ti.tcpi_total_retrans == 0,
		      "%s: %u retransmissions: a first packet was lost", what,
		      ti.tcpi_total_retrans);
}

/* Host FROM reaches host TO (over IPv6 when V6): connect and accept, the
 * first SYN answered. */
void assert_reaches(const struct topo_host *from, const struct topo_host *to,
		    int listener, bool v6)
{
	const char *dst = v6 ? to->addr6 : to->addr4;
	int c = connect_from(from, dst, TEST_PORT, CONNECT_OK_MS), s;

	ck_assert_msg(c >= 0, "%s -> %s (%s): %s", from->name, to->name, dst, strerror(-c));
	assert_first_try(c, from->name);
	s = accept_from(listener, v6 ? from->addr6 : from->addr4);
	close(s);
	close(c);
}

void assert_cut_off(const struct topo_host *from, const struct topo_host *to)
{
	int c = connect_from(from, to->addr4, TEST_PORT, CONNECT_CUT_MS);

	if (c >= 0)
		close(c);
	ck_assert_msg(c < 0, "%s -> %s connected, but one of them is cut off", from->name,
		      to->name);
}

/* Every ordered pair of hosts connects. */
void assert_full_mesh(struct topology *t, bool v6)
{
	int listeners[16];
	size_t i, j;

	for (j = 0; j < t->nhosts; j++)
		listeners[j] = listen_on(&t->hosts[j], v6 ? t->hosts[j].addr6 : t->hosts[j].addr4,
					 TEST_PORT);
	for (i = 0; i < t->nhosts; i++)
		for (j = 0; j < t->nhosts; j++)
			if (i != j)
				assert_reaches(&t->hosts[i], &t->hosts[j], listeners[j], v6);
	for (j = 0; j < t->nhosts; j++)
		close(listeners[j]);
}

bool ns_file_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

ino_t ns_inode(int nsfd)
{
	struct stat st;

	ck_assert_int_eq(fstat(nsfd, &st), 0);
	return st.st_ino;
}

/* True while PID is a live process (not gone, not a zombie) */
bool process_alive(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0;
}

void mac_of_eth0(int nsfd, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd = socket_in(nsfd, AF_INET);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), NETNS_HOST_IF);
	ck_assert_int_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* How many veth links the machine's own namespace (this process's) has. */
int root_veth_count(void)
{
	struct nl_sock *sk;
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int n = 0;

	ck_assert_int_eq(nlroute_open(-1, &sk), 0);
	ck_assert_int_eq(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache), 0);
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj))
		if (rtnl_link_is_veth((struct rtnl_link *)obj))
			n++;
	nl_cache_free(cache);
	nlroute_close(sk);
	return n;
}

/* netns_spawn body: says "ready" on the pipe fd *ARG, then sleeps. */
static int sleep_forever(void *arg)
{
	if (arg && write(*(int *)arg, "r", 1) != 1)
		return EIO;
	for (;;)
		pause();
	return 0;
}

/* A spawned sleeper that is inside NSFD when this returns. */
pid_t spawn_sleeper(int nsfd)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid = netns_spawn(nsfd, sleep_forever, &ready[1]);
	ck_assert_int_gt(pid, 0);
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* A process that escaped into NSFD: forked twice, orphaned, no death
 * signal, not holding the run's lease. Returns its pid. This test process
 * becomes its subreaper, to reap it once killed (this machine's PID 1 may
 * never reap). */
pid_t escapee_in(int nsfd)
{
	int report[2];
	pid_t middle, orphan = -1;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	middle = fork();
	ck_assert_int_ge(middle, 0);
	if (middle == 0) {
		close(report[0]);
		if (lease.lock_fd >= 0)
			close(lease.lock_fd);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			_exit(1);
		orphan = fork();
		if (orphan != 0) {
			_exit(write(report[1], &orphan, sizeof(orphan)) == sizeof(orphan) ? 0 : 1);
		}
		close(report[1]);
		setsid();
		for (;;)
			pause();
	}
	close(report[1]);
	ck_assert_int_eq(read(report[0], &orphan, sizeof(orphan)), sizeof(orphan));
	close(report[0]);
	ck_assert_int_eq(waitpid(middle, NULL, 0), middle);
	ck_assert_int_gt(orphan, 0);
	return orphan;
}
