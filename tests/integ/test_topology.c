/*
 * test_topology.c: whole topologies of netns/ against the real kernel
 * (root), proven with real TCP connections between hosts: every ordered
 * pair connects, a pulled cable cuts exactly one host off, sysctls stay per
 * host, a power cycle gives a fresh stack with the same MAC and addresses,
 * and teardown leaves the machine as it was. After a build, a plug and a
 * poweron the very first packets get through (no retransmission): those
 * return only once the links carry packets. Waits have generous deadlines;
 * nothing here asserts how fast the kernel is. Named namespaces, running
 * code in them and run leases are test_topology_netns.c's; the fixtures and
 * the connection helpers are tests/lib/topotest.c's.
 */
#include "netns/netns.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
	ck_assert_int_eq(nf_run_namespaces(lease.run_id, NULL, 0), 0);

	/* a namespace in the way: the build fails at that host, removes what it
	 * made and leaves the stranger's namespace alone */
	netns_host_name(taken, sizeof(taken), lease.run_id, "b");
	ck_assert_int_eq(netns_create(taken), 0);
	ck_assert_int_eq(topology_build(&t, lease.run_id, two, 2, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(err, "host b: create namespace"), "err: %s", err);
	ck_assert_int_eq(nf_run_namespaces(lease.run_id, NULL, 0), 1);
	ck_assert(ns_file_exists(taken));
	ck_assert_int_eq(netns_delete(taken), 0);
	topology_destroy(NULL);
}
END_TEST

/* A big topology's hosts boot on several threads: one host failing fails
 * the build with that host's reason, and every namespace the other threads
 * made is removed. */
START_TEST(test_build_error_among_many)
{
	enum { N = 100, BAD = 77 };
	struct topo_host_spec specs[N];
	char names[N][8], taken[32], err[128] = "";
	struct topology *t = NULL;

	NF_REQUIRE_ROOT();
	memset(specs, 0, sizeof(specs));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "h%d", i + 1);
		specs[i].name = names[i];
	}
	netns_host_name(taken, sizeof(taken), lease.run_id, names[BAD - 1]);
	ck_assert_int_eq(netns_create(taken), 0);
	ck_assert_int_eq(topology_build(&t, lease.run_id, specs, N, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(err, "host h77: create namespace"), "err: %s", err);
	ck_assert_int_eq(nf_run_namespaces(lease.run_id, NULL, 0), 1);
	ck_assert(ns_file_exists(taken));
	ck_assert_int_eq(netns_delete(taken), 0);
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
	char *before;
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
	ck_assert_int_eq(nf_run_namespaces(lease.run_id, NULL, 0), 4);

	topology_destroy(topo);
	topo = NULL;
	ck_assert_int_eq(nf_run_namespaces(lease.run_id, NULL, 0), 0);
	ck_assert_int_eq(waitpid(spawned, NULL, 0), spawned);
	ck_assert_int_eq(waitpid(execed, NULL, 0), execed);
	ck_assert(!process_alive(spawned) && !process_alive(execed));
	ck_assert_msg(!process_alive(orphan), "orphan %d survived the teardown", (int)orphan);
	ck_assert_int_eq(waitpid(orphan, NULL, 0), orphan);

	ck_assert_int_eq(root_veth_count(), veths);
	nf_assert_root_unchanged(before);
	free(before);
}
END_TEST

static Suite *topology_suite(void)
{
	Suite *s = suite_create("topology");
	TCase *tc;

	tc = run_tcase("topology", 60);
	tcase_add_test(tc, test_two_hosts);
	tcase_add_test(tc, test_ten_hosts);
	tcase_add_test(tc, test_switch_ports);
	tcase_add_test(tc, test_unplug_plug);
	tcase_add_test(tc, test_sysctls_per_host);
	tcase_add_test(tc, test_build_errors);
	tcase_add_test(tc, test_build_error_among_many);
	tcase_add_test(tc, test_poweroff_poweron);
	tcase_add_test(tc, test_poweroff_while_unplugged);
	tcase_add_test(tc, test_teardown_leaves_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(topology_suite());
}
