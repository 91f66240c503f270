/*
 * test_topology.c: netns/ against the real kernel (root): named namespaces,
 * running code in them, run leases, and whole topologies proven with real
 * TCP connections between hosts: every ordered pair connects, a pulled
 * cable cuts exactly one host off, sysctls stay per host, a power cycle
 * gives a fresh stack with the same MAC and addresses, and teardown leaves
 * the machine as it was. After a build, a plug and a poweron the very first
 * packets get through (no retransmission): those return only once the
 * links carry packets. Waits have generous deadlines; nothing here asserts
 * how fast the kernel is.
 *
 * Cleanup when a test fails: Check runs each test in a forked child and
 * does not run a checked teardown after a failed assertion, so every tcase
 * leases its run id in the parent (unchecked fixture) and removes whatever
 * is left of that run before each test and after the tcase. Processes the
 * tests start die with their test (PR_SET_PDEATHSIG) or with the purge.
 *
 * Sockets are made by the test itself inside each host (setns, socket,
 * switch back): a socket stays in the namespace it was created in, so one
 * process can play every host without forking.
 */
#include "netns/netns.h"
#include "tests/lib/testlib.h"

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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_PORT 7000
#define CONNECT_OK_MS 10000  /* a deadline, not a bound: see assert_first_try */
#define CONNECT_CUT_MS 300   /* how long an unreachable host is given */

static struct run_lease lease = { 0, -1 };
static struct topology *topo;

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

/* ---- helpers ----------------------------------------------------------- */

static struct topology *build_hosts(size_t n, const struct topo_host_spec *given)
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
static socklen_t sockaddr_of(const char *cidr, int port, struct sockaddr_storage *ss)
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
static int socket_in(int nsfd, int family)
{
	int home = netns_open_current(), fd;

	ck_assert_int_ge(home, 0);
	ck_assert_int_eq(netns_enter(nsfd), 0);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(netns_enter(home), 0);
	close(home);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static int listen_on(const struct topo_host *h, const char *cidr, int port)
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
static int connect_from(const struct topo_host *from, const char *cidr, int port, int timeout_ms)
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
static int accept_from(int listener, const char *from_cidr)
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
static void assert_first_try(int fd, const char *what)
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
static void assert_reaches(const struct topo_host *from, const struct topo_host *to,
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

static void assert_cut_off(const struct topo_host *from, const struct topo_host *to)
{
	int c = connect_from(from, to->addr4, TEST_PORT, CONNECT_CUT_MS);

	if (c >= 0)
		close(c);
	ck_assert_msg(c < 0, "%s -> %s connected, but one of them is cut off", from->name,
		      to->name);
}

/* Every ordered pair of hosts connects. */
static void assert_full_mesh(struct topology *t, bool v6)
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

static bool ns_file_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

static int run_ns_count(unsigned run_id)
{
	char prefix[32], **names;
	int n;

	snprintf(prefix, sizeof(prefix), NETNS_PREFIX "%u-", run_id);
	n = netns_list(prefix, &names);
	ck_assert_int_ge(n, 0);
	netns_names_free(names);
	return n;
}

static ino_t ns_inode(int nsfd)
{
	struct stat st;

	ck_assert_int_eq(fstat(nsfd, &st), 0);
	return st.st_ino;
}

/* True while PID is a live process (not gone, not a zombie) */
static bool process_alive(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &st) == 0;
}

static void mac_of_eth0(int nsfd, uint8_t mac[6])
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
static int root_veth_count(void)
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
static pid_t spawn_sleeper(int nsfd)
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
static pid_t escapee_in(int nsfd)
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

/* ---- named namespaces and running code in them ------------------------- */

static int report_ns_inode(void *arg)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return errno;
	if (st.st_ino != *(ino_t *)arg)
		return EXDEV;
	if (fcntl(STDIN_FILENO, F_GETFD) < 0)
		return EBADF;
	return getchar() == EOF ? 0 : EIO; /* stdin is /dev/null */
}

static int return_enoent(void *arg)
{
	return ENOENT;
}

START_TEST(test_named_namespaces)
{
	char name[32], **names;
	int fd, n;
	ino_t ino;

	NF_REQUIRE_ROOT();
	snprintf(name, sizeof(name), NETNS_PREFIX "%u-solo", lease.run_id);
	ck_assert_int_eq(netns_create(name), 0);
	ck_assert_int_eq(netns_create(name), -EEXIST);
	ck_assert(ns_file_exists(name));
	n = netns_list(name, &names);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(names[0], name);
	netns_names_free(names);

	fd = netns_open(name);
	ck_assert_int_ge(fd, 0);
	ino = ns_inode(fd);
	ck_assert_int_eq(netns_run(fd, report_ns_inode, &ino), 0);
	ck_assert_int_eq(netns_run(fd, return_enoent, NULL), -ENOENT);
	close(fd);

	ck_assert_int_eq(netns_delete(name), 0);
	ck_assert_int_eq(netns_delete(name), -ENOENT);
	ck_assert_int_eq(netns_open(name), -ENOENT);
	ck_assert_int_eq(netns_create("a/b"), -EINVAL);
	ck_assert_int_eq(netns_create(".."), -EINVAL);
}
END_TEST

START_TEST(test_spawn_exec_kill)
{
	char *sw_links[] = { "sh", "-c", "test -e /sys/class/net/br0 && test -e /sys/class/net/p1", NULL };
	char *missing[] = { "/nonexistent/netfault-test", NULL };
	char *sleeper[] = { "sleep", "30", NULL };
	pid_t pid, exec_pid;
	int status;

	NF_REQUIRE_ROOT();
	build_hosts(1, NULL);

	/* exec sees the namespace's own /sys, like `ip netns exec` */
	pid = netns_exec(topo->sw_fd, sw_links);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "/sys/class/net of the switch lacks br0 or p1");
	ck_assert_int_eq(netns_exec(topo->sw_fd, missing), -ENOENT);

	pid = spawn_sleeper(topo->hosts[0].nsfd);
	exec_pid = netns_exec(topo->hosts[0].nsfd, sleeper); /* in place once exec'd */
	ck_assert_int_gt(exec_pid, 0);
	ck_assert_int_eq(netns_kill_all(topo->hosts[0].ns_name, SIGTERM), 2);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(waitpid(exec_pid, &status, 0), exec_pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(netns_kill_all_fd(topo->hosts[0].nsfd, SIGTERM), 0);
}
END_TEST

START_TEST(test_kill_refuses_own_namespace)
{
	int fd;

	NF_REQUIRE_ROOT();
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netns_kill_all_fd(fd, 0), -EPERM);
	ck_assert_int_eq(netns_kill_all_wait(&fd, 1, 10), -EPERM);
	close(fd);
}
END_TEST

/* ---- topologies -------------------------------------------------------- */

START_TEST(test_two_hosts)
{
	struct topology *t;
	uint8_t mac[6], want[6];
	char value[16];
	size_t i;

	NF_REQUIRE_ROOT();
	t = build_hosts(2, NULL);
	for (i = 0; i < 2; i++) {
		const struct topo_host *h = &t->hosts[i];
		char ns[32], port[8], a4[32], a6[32];

		netns_host_name(ns, sizeof(ns), lease.run_id, h->name);
		snprintf(port, sizeof(port), "p%zu", i + 1);
		host_default_addr4(a4, sizeof(a4), (unsigned)i + 1);
		host_default_addr6(a6, sizeof(a6), (unsigned)i + 1);
		ck_assert_str_eq(h->ns_name, ns);
		ck_assert_str_eq(h->port, port);
		ck_assert_str_eq(h->addr4, a4);
		ck_assert_str_eq(h->addr6, a6);
		ck_assert(h->powered && h->plugged && h->nsfd >= 0);
		ck_assert(ns_file_exists(h->ns_name));

		mac_of_eth0(h->nsfd, mac);
		host_default_mac(want, lease.run_id, (unsigned)i + 1);
		ck_assert_mem_eq(mac, want, 6);
		ck_assert_int_eq(netns_sysctl_read(h->nsfd, "net.ipv6.conf.eth0.accept_dad",
						   value, sizeof(value)), 1);
		ck_assert_str_eq(value, "0");
		ck_assert_int_ge(netns_sysctl_read(h->nsfd,
						   "net.ipv6.conf.eth0.router_solicitations",
						   value, sizeof(value)), 1);
		ck_assert_str_eq(value, "0");
		/* the switch port: a bridge port of br0 */
		ck_assert_int_gt(link_index(t->sw_sk, h->port), 0);
	}
	ck_assert(ns_file_exists(t->sw_name));
	ck_assert_int_eq(topology_host_find(t, "h2"), 1);
	ck_assert_int_eq(topology_host_find(t, "nope"), -ENOENT);
	assert_full_mesh(t, false);
	assert_full_mesh(t, true);
}
END_TEST

START_TEST(test_ten_hosts)
{
	NF_REQUIRE_ROOT();
	assert_full_mesh(build_hosts(10, NULL), false);
}
END_TEST

START_TEST(test_switch_ports)
{
	char *check[] = { "sh", "-c",
		"for p in 1 2; do "
		"  [ \"$(cat /sys/class/net/p$p/master/uevent | grep INTERFACE)\" = INTERFACE=br0 ] || exit 1; "
		"  [ \"$(cat /sys/class/net/p$p/ifalias)\" = h$p ] || exit 2; "
		"done; [ $(( $(cat /sys/class/net/br0/flags) & 1 )) = 1 ] || exit 3", NULL };
	pid_t pid;
	int status;

	NF_REQUIRE_ROOT();
	build_hosts(2, NULL);
	pid = netns_exec(topo->sw_fd, check);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "switch ports not as expected (step %d)", WEXITSTATUS(status));
}
END_TEST

START_TEST(test_unplug_plug)
{
	struct topology *t;
	int listeners[3];
	size_t i;

	NF_REQUIRE_ROOT();
	t = build_hosts(3, NULL);
	for (i = 0; i < 3; i++)
		listeners[i] = listen_on(&t->hosts[i], t->hosts[i].addr4, TEST_PORT);

	ck_assert_int_eq(topology_host_unplug(t, 1), 0);
	ck_assert(!t->hosts[1].plugged);
	assert_cut_off(&t->hosts[1], &t->hosts[0]);
	assert_cut_off(&t->hosts[0], &t->hosts[1]);
	assert_reaches(&t->hosts[0], &t->hosts[2], listeners[2], false);
	assert_reaches(&t->hosts[2], &t->hosts[0], listeners[0], false);

	ck_assert_int_eq(topology_host_plug(t, 1), 0);
	ck_assert(t->hosts[1].plugged);
	assert_reaches(&t->hosts[1], &t->hosts[0], listeners[0], false);
	assert_reaches(&t->hosts[0], &t->hosts[1], listeners[1], false);
	ck_assert_int_eq(topology_host_unplug(t, 3), -EINVAL);
	for (i = 0; i < 3; i++)
		close(listeners[i]);
}
END_TEST

/* The machine's own tcp_keepalive_time (this process is in its namespace). */
static void machine_sysctl(char *buf, size_t len)
{
	int fd = open("/proc/sys/net/ipv4/tcp_keepalive_time", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, len - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	close(fd);
}

START_TEST(test_sysctls_per_host)
{
	static const struct topo_sysctl tuned[] = {
		{ "net.ipv4.tcp_keepalive_time", "100" },
		{ "net.ipv4.tcp_syn_retries", "2" },
	};
	struct topo_host_spec specs[2] = {
		{ .name = "tuned", .sysctls = tuned, .nsysctls = 2 },
		{ .name = "plain" },
	};
	char before[32], after[32], value[32];
	struct topology *t;

	NF_REQUIRE_ROOT();
	machine_sysctl(before, sizeof(before));

	t = build_hosts(2, specs);
	ck_assert_int_ge(netns_sysctl_read(t->hosts[0].nsfd, "net.ipv4.tcp_keepalive_time", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "100");
	ck_assert_int_ge(netns_sysctl_read(t->hosts[0].nsfd, "net.ipv4.tcp_syn_retries", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "2");
	/* a new namespace starts from the kernel's defaults, not the host's */
	ck_assert_int_ge(netns_sysctl_read(t->hosts[1].nsfd, "net.ipv4.tcp_keepalive_time", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "7200");
	ck_assert_int_ge(netns_sysctl_read(t->hosts[1].nsfd, "net.ipv4.tcp_syn_retries", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "6");

	ck_assert_int_eq(netns_sysctl_write(t->hosts[1].nsfd, "net.ipv4.tcp_fin_timeout", "7"), 0);
	ck_assert_int_ge(netns_sysctl_read(t->hosts[1].nsfd, "net.ipv4.tcp_fin_timeout", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "7");
	ck_assert_int_eq(netns_sysctl_write(t->hosts[1].nsfd, "kernel.hostname", "x"), -EPERM);
	ck_assert_int_eq(netns_sysctl_write(t->hosts[1].nsfd, "net.ipv4.no_such_knob", "1"), -ENOENT);
	ck_assert_int_eq(netns_sysctl_write(t->hosts[1].nsfd, "net.ipv4.tcp_syn_retries", "lots"), -EINVAL);

	/* the machine's own value never moved */
	machine_sysctl(after, sizeof(after));
	ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_build_errors)
{
	static const struct topo_sysctl machine_wide[] = { { "kernel.hostname", "oops" } };
	struct topo_host_spec dup[2] = { { .name = "a" }, { .name = "a" } };
	struct topo_host_spec sw[1] = { { .name = "sw" } };
	struct topo_host_spec bad_addr[1] = { { .name = "a", .addr4 = "fd00::1/64" } };
	struct topo_host_spec bad_key[1] = { { .name = "a", .sysctls = machine_wide, .nsysctls = 1 } };
	struct topo_host_spec two[2] = { { .name = "a" }, { .name = "b" } };
	struct topology *t = NULL;
	char err[128], taken[32];

	NF_REQUIRE_ROOT();
	ck_assert_int_eq(topology_build(&t, lease.run_id, dup, 2, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(err, "twice"), "err: %s", err);
	ck_assert_int_eq(topology_build(&t, lease.run_id, sw, 1, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(topology_build(&t, lease.run_id, bad_addr, 1, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "fd00::1/64"), "err: %s", err);
	ck_assert_int_eq(topology_build(&t, lease.run_id, bad_key, 1, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "kernel.hostname"), "err: %s", err);
	ck_assert_int_eq(topology_build(&t, lease.run_id, two, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(run_ns_count(lease.run_id), 0);

	/* a namespace in the way: the build fails at that host, removes what it
	 * made and leaves the stranger's namespace alone */
	netns_host_name(taken, sizeof(taken), lease.run_id, "b");
	ck_assert_int_eq(netns_create(taken), 0);
	ck_assert_int_eq(topology_build(&t, lease.run_id, two, 2, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(err, "host b: create namespace"), "err: %s", err);
	ck_assert_int_eq(run_ns_count(lease.run_id), 1);
	ck_assert(ns_file_exists(taken));
	ck_assert_int_eq(netns_delete(taken), 0);
	topology_destroy(NULL);
}
END_TEST

START_TEST(test_poweroff_poweron)
{
	static const struct topo_sysctl tuned[] = { { "net.ipv4.tcp_keepalive_time", "33" } };
	struct topo_host_spec specs[2] = {
		{ .name = "client" },
		{ .name = "server", .sysctls = tuned, .nsysctls = 1 },
	};
	struct topology *t;
	struct topo_host *server;
	struct pollfd pfd;
	uint8_t mac[6], want[6];
	char value[16], buf[16];
	int listener, conn, accepted, status;
	ino_t old_ino;
	pid_t sleeper;

	NF_REQUIRE_ROOT();
	t = build_hosts(2, specs);
	server = &t->hosts[1];
	old_ino = ns_inode(server->nsfd);
	listener = listen_on(server, server->addr4, TEST_PORT);
	conn = connect_from(&t->hosts[0], server->addr4, TEST_PORT, CONNECT_OK_MS);
	ck_assert_int_ge(conn, 0);
	assert_first_try(conn, "the connect after the build");
	accepted = accept_from(listener, t->hosts[0].addr4);
	sleeper = spawn_sleeper(server->nsfd);

	ck_assert_int_eq(topology_host_poweroff(t, 1), 0);
	ck_assert(!server->powered);
	ck_assert_int_eq(server->nsfd, -1);
	ck_assert(!ns_file_exists(server->ns_name));
	ck_assert_int_eq(link_index(t->sw_sk, server->port), -ENODEV);
	ck_assert_int_eq(link_delete(t->sw_sk, server->port), -ENODEV);
	ck_assert_int_eq(waitpid(sleeper, &status, 0), sleeper);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(topology_host_poweroff(t, 1), -EALREADY);
	close(accepted);
	close(listener);

	ck_assert_int_eq(topology_host_poweron(t, 1), 0);
	ck_assert(server->powered);
	ck_assert_int_ge(server->nsfd, 0);
	ck_assert(ns_file_exists(server->ns_name));
	ck_assert_uint_ne(ns_inode(server->nsfd), old_ino);
	mac_of_eth0(server->nsfd, mac);
	host_default_mac(want, lease.run_id, 2);
	ck_assert_mem_eq(mac, want, 6);
	ck_assert_int_ge(netns_sysctl_read(server->nsfd, "net.ipv4.tcp_keepalive_time", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "33");
	ck_assert_int_eq(topology_host_poweron(t, 1), -EALREADY);

	/* the fresh stack knows nothing of the old connection: it answers RST,
	 * to the first transmission (poweron returned with its links carrying
	 * packets, both ways: the segment, the server's ARP, the RST) */
	ck_assert_int_eq(send(conn, "hello", 5, MSG_NOSIGNAL), 5);
	pfd.fd = conn;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, CONNECT_OK_MS), 1);
	assert_first_try(conn, "the send after poweron");
	ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	close(conn);

	/* same addresses, reachable again, both ways */
	assert_full_mesh(t, false);
	assert_full_mesh(t, true);
}
END_TEST

START_TEST(test_poweroff_while_unplugged)
{
	struct topology *t;
	int listener;

	NF_REQUIRE_ROOT();
	t = build_hosts(2, NULL);
	ck_assert_int_eq(topology_host_unplug(t, 1), 0);
	ck_assert_int_eq(topology_host_poweroff(t, 1), 0);
	ck_assert_int_eq(topology_host_poweron(t, 1), 0);
	/* the cable is still out after the reboot */
	assert_cut_off(&t->hosts[0], &t->hosts[1]);
	ck_assert_int_eq(topology_host_plug(t, 1), 0);
	listener = listen_on(&t->hosts[1], t->hosts[1].addr4, TEST_PORT);
	assert_reaches(&t->hosts[0], &t->hosts[1], listener, false);
	close(listener);
}
END_TEST

START_TEST(test_teardown_leaves_nothing)
{
	char *before, *after;
	char *sleeper[] = { "sleep", "30", NULL };
	pid_t spawned, execed, orphan;
	int veths;

	NF_REQUIRE_ROOT();
	before = nf_root_snapshot();
	veths = root_veth_count();
	build_hosts(3, NULL);
	spawned = spawn_sleeper(topo->hosts[0].nsfd);
	execed = netns_exec(topo->hosts[1].nsfd, sleeper);
	ck_assert_int_gt(execed, 0);
	orphan = escapee_in(topo->hosts[2].nsfd);
	ck_assert_int_eq(run_ns_count(lease.run_id), 4);

	topology_destroy(topo);
	topo = NULL;
	ck_assert_int_eq(run_ns_count(lease.run_id), 0);
	ck_assert_int_eq(waitpid(spawned, NULL, 0), spawned);
	ck_assert_int_eq(waitpid(execed, NULL, 0), execed);
	ck_assert(!process_alive(spawned) && !process_alive(execed));
	ck_assert_msg(!process_alive(orphan), "orphan %d survived the teardown", (int)orphan);
	ck_assert_int_eq(waitpid(orphan, NULL, 0), orphan);

	ck_assert_int_eq(root_veth_count(), veths);
	after = nf_root_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* ---- leases ------------------------------------------------------------ */

START_TEST(test_leases_differ)
{
	struct run_lease a, b;
	char path[64];

	NF_REQUIRE_ROOT();
	ck_assert_int_eq(run_lease_acquire(&a, 0), 0);
	ck_assert_int_eq(run_lease_acquire(&b, 0), 0);
	ck_assert_uint_ne(a.run_id, b.run_id);
	ck_assert_uint_ne(a.run_id, lease.run_id);
	ck_assert_uint_ne(b.run_id, lease.run_id);
	/* a hint names the first id to try, not one to steal */
	run_lease_release(&b);
	ck_assert_int_eq(run_lease_acquire(&b, a.run_id), 0);
	ck_assert_uint_gt(b.run_id, a.run_id);
	snprintf(path, sizeof(path), NETNS_LEASE_DIR "/%u.lock", a.run_id);
	ck_assert_int_eq(access(path, F_OK), 0);
	run_lease_release(&a);
	/* a released lease leaves no file behind */
	ck_assert_int_ne(access(path, F_OK), 0);
	run_lease_release(&b);
	run_lease_release(NULL);
	ck_assert_int_eq(run_lease_acquire(&a, NETNS_MAX_RUN_ID + 1), -EINVAL);
}
END_TEST

START_TEST(test_dead_owner_reclaimed)
{
	char name[32], live_name[32];
	int pipefd[2], status;
	unsigned dead_id;
	pid_t child, orphan;
	int nsfd;
	struct run_lease again;

	NF_REQUIRE_ROOT();
	/* our own live run's namespace must survive the clean-up */
	snprintf(live_name, sizeof(live_name), NETNS_PREFIX "%u-live", lease.run_id);
	ck_assert_int_eq(netns_create(live_name), 0);

	ck_assert_int_eq(pipe(pipefd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct run_lease mine;

		close(pipefd[0]);
		if (run_lease_acquire(&mine, 0) < 0)
			_exit(1);
		snprintf(name, sizeof(name), NETNS_PREFIX "%u-orphan", mine.run_id);
		if (netns_create(name) < 0)
			_exit(2);
		if (write(pipefd[1], &mine.run_id, sizeof(mine.run_id)) != sizeof(mine.run_id))
			_exit(3);
		_exit(0); /* dies holding the lease: the kernel drops it */
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &dead_id, sizeof(dead_id)), sizeof(dead_id));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	snprintf(name, sizeof(name), NETNS_PREFIX "%u-orphan", dead_id);
	ck_assert(ns_file_exists(name));
	nsfd = netns_open(name);
	ck_assert_int_ge(nsfd, 0);
	orphan = escapee_in(nsfd);
	close(nsfd);

	ck_assert_int_ge(run_leftovers_clean(), 1);
	ck_assert(!ns_file_exists(name));
	ck_assert(ns_file_exists(live_name));
	ck_assert(!process_alive(orphan));
	ck_assert_int_eq(waitpid(orphan, NULL, 0), orphan);
	/* and the id is free again */
	ck_assert_int_eq(run_lease_acquire(&again, dead_id), 0);
	ck_assert_uint_eq(again.run_id, dead_id);
	run_lease_release(&again);
	ck_assert_int_eq(netns_delete(live_name), 0);
}
END_TEST

static int lease_is_closed(void *arg)
{
	return fcntl(*(int *)arg, F_GETFD) < 0 && errno == EBADF ? 0 : EEXIST;
}

START_TEST(test_spawned_children_drop_the_lease)
{
	char name[32];
	int fd;

	NF_REQUIRE_ROOT();
	snprintf(name, sizeof(name), NETNS_PREFIX "%u-kid", lease.run_id);
	ck_assert_int_eq(netns_create(name), 0);
	fd = netns_open(name);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netns_run(fd, lease_is_closed, &lease.lock_fd), 0);
	close(fd);
	ck_assert_int_eq(netns_delete(name), 0);
}
END_TEST

/* After the lease tests: a dead owner's namespace and escapee, should a
 * test have failed before reclaiming them. Dead runs' leftovers are
 * garbage by definition (see lease.c). */
static void dead_runs_teardown(void)
{
	if (geteuid() == 0)
		run_leftovers_clean();
}

static TCase *run_tcase(const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, lease_setup, lease_teardown);
	tcase_add_checked_fixture(tc, run_clean_setup, topo_teardown);
	tcase_set_timeout(tc, timeout);
	return tc;
}

static Suite *topology_suite(void)
{
	Suite *s = suite_create("topology");
	TCase *tc;

	tc = run_tcase("namespaces", 10);
	tcase_add_test(tc, test_named_namespaces);
	tcase_add_test(tc, test_spawn_exec_kill);
	tcase_add_test(tc, test_kill_refuses_own_namespace);
	suite_add_tcase(s, tc);

	tc = run_tcase("topology", 60);
	tcase_add_test(tc, test_two_hosts);
	tcase_add_test(tc, test_ten_hosts);
	tcase_add_test(tc, test_switch_ports);
	tcase_add_test(tc, test_unplug_plug);
	tcase_add_test(tc, test_sysctls_per_host);
	tcase_add_test(tc, test_build_errors);
	tcase_add_test(tc, test_poweroff_poweron);
	tcase_add_test(tc, test_poweroff_while_unplugged);
	tcase_add_test(tc, test_teardown_leaves_nothing);
	suite_add_tcase(s, tc);

	tc = run_tcase("leases", 10);
	tcase_add_unchecked_fixture(tc, NULL, dead_runs_teardown);
	tcase_add_test(tc, test_leases_differ);
	tcase_add_test(tc, test_dead_owner_reclaimed);
	tcase_add_test(tc, test_spawned_children_drop_the_lease);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(topology_suite());
}
