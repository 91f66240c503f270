/*
 * test_routed.c: routed topologies of netns/ against the real kernel
 * (root): a switch per network, routers with forwarding on, the MTU of
 * each network on every interface of it, routes by fewest router hops in
 * IPv4 and IPv6, a router's power cycle and one of its cables pulled (and
 * put back: ready at once), a host's conntrack sysctl (written after
 * loading conntrack where it is a module not loaded yet), and a 1000-host
 * network built and torn down. Paths are proven with real TCP
 * connections, forwarding with the routers' own counters. Waits have
 * generous deadlines; nothing asserts how fast the kernel is (the big
 * network's build and teardown times are printed, not checked).
 */
#include "netns/netns.h"
#include "netns/internal.h"
#include "tests/lib/routedtest.h"
#include "tests/lib/testlib.h"
#include "tests/lib/topotest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lan - r - wan: a client and a server each behind the router, wan with a
 * smaller MTU. */
static const struct topo_net_spec lan_wan[] = { { "lan", 1500 }, { "wan", 1400 } };
static const struct rt_host client_r_server[] = {
	{ "client", { 0 }, { "10.1.0.2/24" }, { "fd00:1::2/64" }, 1, "r" },
	{ "r", { 0, 1 }, { "10.1.0.1/24", "10.2.0.1/24" },
	  { "fd00:1::1/64", "fd00:2::1/64" }, 2, NULL },
	{ "server", { 1 }, { "10.2.0.2/24" }, { "fd00:2::2/64" }, 1, "r" },
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_router_between_two_networks)
{
	struct topology *t;
	const struct topo_host *c, *r, *s;
	char ns[32], value[8];
	long before4, before6;

	NF_REQUIRE_ROOT();
	t = build_routed(lan_wan, 2, client_r_server, 3);
	c = &t->hosts[0];
	r = &t->hosts[1];
	s = &t->hosts[2];
	/* one switch per network, named after it */
	ck_assert_uint_eq(t->nnets, 2);
	netns_network_switch_name(ns, sizeof(ns), lease.run_id, "wan");
	ck_assert_str_eq(t->nets[1].ns_name, ns);
	ck_assert(ns_file_exists(t->nets[0].ns_name) && ns_file_exists(ns));
	ck_assert_str_eq(t->sw_name, t->nets[0].ns_name);
	/* the router has eth0 on lan and eth1 on wan, with distinct MACs */
	ck_assert_uint_eq(r->nifaces, 2);
	ck_assert(r->router && !c->router);
	ck_assert_str_eq(r->ifaces[1].ifname, "eth1");
	ck_assert_mem_ne(r->ifaces[0].mac, r->ifaces[1].mac, 6);
	/* MTU per network: both ends of each cable and the bridge */
	ck_assert_int_eq(mtu_of(c->nsfd, "eth0"), 1500);
	ck_assert_int_eq(mtu_of(r->nsfd, "eth1"), 1400);
	ck_assert_int_eq(mtu_of(s->nsfd, "eth0"), 1400);
	ck_assert_int_eq(mtu_of(t->nets[1].fd, s->port), 1400);
	ck_assert_int_eq(mtu_of(t->nets[1].fd, NETNS_BRIDGE), 1400);
	/* forwarding on the router only */
	ck_assert_int_eq(netns_sysctl_read(r->nsfd, "net.ipv4.ip_forward", value,
					   sizeof(value)), 1);
	ck_assert_str_eq(value, "1");
	ck_assert_int_eq(netns_sysctl_read(r->nsfd, "net.ipv6.conf.all.forwarding", value,
					   sizeof(value)), 1);
	ck_assert_str_eq(value, "1");
	ck_assert_int_eq(netns_sysctl_read(c->nsfd, "net.ipv4.ip_forward", value,
					   sizeof(value)), 1);
	ck_assert_str_eq(value, "0");
	/* the plain hosts' default routes go to the router */
	ck_assert_uint_eq(c->nroutes, 2);
	ck_assert_str_eq(c->routes[0].dst, "default");
	ck_assert_str_eq(c->routes[0].via, "10.1.0.1");
	ck_assert_str_eq(c->routes[1].via, "fd00:1::1");
	/* across the router both ways, IPv4 and IPv6, and it forwarded */
	before4 = forwarded(r, false);
	before6 = forwarded(r, true);
	assert_reaches_addr(c, s, s->addr4);
	assert_reaches_addr(s, c, c->addr4);
	ck_assert_int_gt(forwarded(r, false), before4);
	assert_reaches_addr(c, s, s->addr6);
	ck_assert_int_gt(forwarded(r, true), before6);
	/* the router's own addresses on both sides answer the client */
	assert_reaches_addr(c, r, r->ifaces[1].addr4);
}
END_TEST

/* A network with an MTU below 1280 has no IPv6; the build still works and
 * IPv4 crosses it. */
START_TEST(test_small_mtu_network_without_ipv6)
{
	static const struct topo_net_spec nets[] = { { "a", 0 }, { "tiny", 576 } };
	static const struct rt_host hosts[] = {
		{ "x", { 0 }, { "10.1.0.2/24" }, { "fd00:1::2/64" }, 1, "r" },
		{ "r", { 0, 1 }, { "10.1.0.1/24", "10.2.0.1/24" }, { "fd00:1::1/64", NULL }, 2, NULL },
		{ "y", { 1 }, { "10.2.0.2/24" }, { NULL }, 1, "r" },
	};
	struct topology *t;
	char value[8];

	NF_REQUIRE_ROOT();
	t = build_routed(nets, 2, hosts, 3);
	ck_assert_str_eq(t->hosts[2].addr6, "");
	ck_assert_str_eq(t->hosts[1].ifaces[1].addr6, "");
	ck_assert_int_eq(mtu_of(t->hosts[2].nsfd, "eth0"), 576);
	/* no IPv6 route for y: only its IPv4 default */
	ck_assert_uint_eq(t->hosts[2].nroutes, 1);
	ck_assert_int_eq(netns_sysctl_read(t->hosts[1].nsfd, "net.ipv4.ip_forward", value,
					   sizeof(value)), 1);
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr4);
}
END_TEST

/* A chain n1 -r1- n2 -r2- n3 -r3- n4 with a shortcut r4 joining n2 and n4:
 * r1 reaches n4 through r4 (one hop), not r2 and r3 (two). */
START_TEST(test_fewest_router_hops)
{
	static const struct topo_net_spec nets[] = { { "n1", 0 }, { "n2", 0 }, { "n3", 0 },
						     { "n4", 0 } };
	static const struct rt_host hosts[] = {
		{ "a", { 0 }, { "10.1.0.10/24" }, { "fd00:1::10/64" }, 1, "r1" },
		{ "r1", { 0, 1 }, { "10.1.0.1/24", "10.2.0.1/24" },
		  { "fd00:1::1/64", "fd00:2::1/64" }, 2, NULL },
		{ "r2", { 1, 2 }, { "10.2.0.2/24", "10.3.0.2/24" },
		  { "fd00:2::2/64", "fd00:3::2/64" }, 2, NULL },
		{ "r3", { 2, 3 }, { "10.3.0.3/24", "10.4.0.3/24" },
		  { "fd00:3::3/64", "fd00:4::3/64" }, 2, NULL },
		{ "r4", { 1, 3 }, { "10.2.0.4/24", "10.4.0.4/24" },
		  { "fd00:2::4/64", "fd00:4::4/64" }, 2, NULL },
		{ "b", { 3 }, { "10.4.0.10/24" }, { "fd00:4::10/64" }, 1, "r3" },
	};
	struct topology *t;
	const struct topo_host *r1;
	bool via_r4 = false, via_r2_to_n3 = false;
	long r2_before, r4_before;

	NF_REQUIRE_ROOT();
	t = build_routed(nets, 4, hosts, 6);
	r1 = &t->hosts[1];
	for (size_t i = 0; i < r1->nroutes; i++) {
		const struct topo_route *rt = &r1->routes[i];

		if (!strcmp(rt->dst, "10.4.0.0/24"))
			via_r4 = !strcmp(rt->via, "10.2.0.4") && rt->iface == 1;
		if (!strcmp(rt->dst, "10.3.0.0/24"))
			via_r2_to_n3 = !strcmp(rt->via, "10.2.0.2");
		ck_assert_str_ne(rt->dst, "10.1.0.0/24"); /* its own network */
	}
	ck_assert_msg(via_r4, "r1 reaches n4 through r4");
	ck_assert_msg(via_r2_to_n3, "r1 reaches n3 through r2");
	/* a's packets to b go r1 -> r4 (b answers through r3 -> r2 -> r1) */
	r2_before = forwarded(&t->hosts[2], false);
	r4_before = forwarded(&t->hosts[4], false);
	assert_reaches_addr(&t->hosts[0], &t->hosts[5], t->hosts[5].addr4);
	ck_assert_int_gt(forwarded(&t->hosts[4], false), r4_before);
	ck_assert_int_gt(forwarded(&t->hosts[2], false), r2_before);
	assert_reaches_addr(&t->hosts[0], &t->hosts[5], t->hosts[5].addr6);
}
END_TEST

START_TEST(test_router_power_cycle)
{
	struct topology *t;
	char value[8];

	NF_REQUIRE_ROOT();
	t = build_routed(lan_wan, 2, client_r_server, 3);
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr4);
	ck_assert_int_eq(topology_host_poweroff(t, 1), 0);
	assert_no_path(&t->hosts[0], t->hosts[2].addr4);
	ck_assert_int_eq(topology_host_poweron(t, 1), 0);
	/* a fresh router: same MACs, forwarding and routes again */
	ck_assert_int_eq(netns_sysctl_read(t->hosts[1].nsfd, "net.ipv4.ip_forward", value,
					   sizeof(value)), 1);
	ck_assert_str_eq(value, "1");
	ck_assert_int_eq(mtu_of(t->hosts[1].nsfd, "eth1"), 1400);
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr4);
	assert_reaches_addr(&t->hosts[2], &t->hosts[0], t->hosts[0].addr6);
}
END_TEST

START_TEST(test_router_one_cable)
{
	struct topology *t;

	NF_REQUIRE_ROOT();
	t = build_routed(lan_wan, 2, client_r_server, 3);
	/* the router's wan cable out: lan still reaches it, wan does not */
	ck_assert_int_eq(topology_host_cable(t, 1, 1, false), 0);
	ck_assert(!t->hosts[1].plugged && t->hosts[1].ifaces[0].plugged);
	assert_reaches_addr(&t->hosts[0], &t->hosts[1], t->hosts[1].addr4);
	assert_no_path(&t->hosts[0], t->hosts[2].addr4);
	/* a network the host is not on */
	ck_assert_int_eq(topology_host_cable(t, 0, 1, false), -ENOENT);
	ck_assert_int_eq(topology_host_cable(t, 1, 1, true), 0);
	ck_assert(t->hosts[1].plugged);
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr4);
	/* all cables of the router */
	ck_assert_int_eq(topology_host_unplug(t, 1), 0);
	assert_no_path(&t->hosts[0], t->hosts[1].addr4);
	ck_assert_int_eq(topology_host_plug(t, 1), 0);
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr6);
}
END_TEST

/* 1000 hosts on one /16: built, two of them talk, all removed. */
START_TEST(test_thousand_hosts)
{
	enum { N = 1000 };
	static const struct topo_net_spec big[] = { { "big", 0 } };
	struct topo_host_spec *specs = calloc(N, sizeof(*specs));
	struct topo_iface_spec *ifs = calloc(N, sizeof(*ifs));
	char (*names)[16] = calloc(N, sizeof(*names));
	char (*a4)[24] = calloc(N, sizeof(*a4));
	char (*a6)[32] = calloc(N, sizeof(*a6));
	char *root_before, err[160] = "";
	double t0, built, gone;
	int rc;

	NF_REQUIRE_ROOT();
	ck_assert(specs && ifs && names && a4 && a6);
	root_before = nf_root_snapshot();
	for (unsigned i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "h%u", i + 1);
		snprintf(a4[i], sizeof(a4[i]), "10.9.%u.%u/16", (i + 1) / 256, (i + 1) % 256);
		snprintf(a6[i], sizeof(a6[i]), "fd00:9::%u/64", i + 1);
		ifs[i] = (struct topo_iface_spec){ 0, a4[i], a6[i] };
		specs[i] = (struct topo_host_spec){ .name = names[i], .ifaces = &ifs[i],
						    .nifaces = 1 };
	}
	t0 = now_s();
	rc = topology_build_networks(&topo, lease.run_id, big, 1, specs, N, err, sizeof(err));
	built = now_s();
	ck_assert_msg(rc == 0, "build: %s: %s", err, strerror(-rc));
	ck_assert_uint_eq(topo->nhosts, N);
	assert_reaches_addr(&topo->hosts[0], &topo->hosts[N - 1], topo->hosts[N - 1].addr4);
	assert_reaches_addr(&topo->hosts[N - 1], &topo->hosts[499], topo->hosts[499].addr6);
	/* MACs unique (02:6e:run:index) */
	ck_assert_mem_ne(topo->hosts[255].mac, topo->hosts[511].mac, 6);
	gone = now_s();
	topology_destroy(topo);
	topo = NULL;
	printf("1000 hosts on one /16: built in %.2f s, torn down in %.2f s\n", built - t0,
	       now_s() - gone);
	fflush(stdout);
	nf_assert_nothing_left(lease.run_id, root_before, "the 1000-host build");
	free(root_before);
	free(specs);
	free(ifs);
	free(names);
	free(a4);
	free(a6);
}
END_TEST

/* A cable put back carries packets at once, not when the kernel's link
 * watcher gets round to it: for a veth whose ifindex equals its peer's
 * (the router's wan port and its eth1 here) that is up to a second later,
 * and a retransmission sent meanwhile was lost. The wait for the links asks
 * the kernel for each port, which runs the watcher for it there and then:
 * one round of it, with no time to wait (a timeout of 0 ms), finds the
 * cable ready right after the port went up. */
START_TEST(test_router_plug_at_once)
{
	struct topology *t;
	struct topo_iface *wan;
	int port;

	NF_REQUIRE_ROOT();
	t = build_routed(lan_wan, 2, client_r_server, 3);
	wan = &t->hosts[1].ifaces[1];
	port = link_index(t->nets[1].sk, wan->port);
	printf("plug at once: the router's wan port has ifindex %d\n", port);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(topology_host_cable(t, 1, 1, false), 0);
		assert_no_path(&t->hosts[0], t->hosts[2].addr4);
		/* the plug, without its wait: the port up, then one round */
		ck_assert_int_eq(link_set_up(t->nets[1].sk, wan->port, true), 0);
		wan->plugged = t->hosts[1].plugged = true;
		ck_assert_int_eq(topo_links_wait(t, 1, 0), 0);
	}
	assert_reaches_addr(&t->hosts[0], &t->hosts[2], t->hosts[2].addr4);
}
END_TEST

/* A host's sysctl: naming a conntrack setting is written at boot, and
 * again after a power cycle, also where nf_conntrack is a module no one has
 * loaded yet (its sysctls do not exist until then: the build loads it). */
START_TEST(test_conntrack_sysctl)
{
	static const struct topo_sysctl loose[] = {
		{ "net.netfilter.nf_conntrack_tcp_loose", "0" },
	};
	struct topo_host_spec specs[2] = {
		{ .name = "h1", .sysctls = loose, .nsysctls = 1 },
		{ .name = "h2" },
	};
	struct topology *t;
	char value[16];
	int rc;

	NF_REQUIRE_ROOT();
	printf("conntrack sysctl: nf_conntrack %s before the build\n",
	       access("/sys/module/nf_conntrack", F_OK) == 0 ? "was loaded" : "was not loaded");
	t = build_hosts(2, specs);
	rc = netns_sysctl_read(t->hosts[0].nsfd, loose[0].key, value, sizeof(value));
	ck_assert_msg(rc > 0, "read %s: %s", loose[0].key, strerror(-rc));
	ck_assert_str_eq(value, "0");
	ck_assert_int_eq(topology_host_poweroff(t, 0), 0);
	ck_assert_int_eq(topology_host_poweron(t, 0), 0);
	rc = netns_sysctl_read(t->hosts[0].nsfd, loose[0].key, value, sizeof(value));
	ck_assert_msg(rc > 0, "read %s after the reboot: %s", loose[0].key, strerror(-rc));
	ck_assert_str_eq(value, "0");
	/* the other host keeps the kernel's default (loose tracking on) */
	rc = netns_sysctl_read(t->hosts[1].nsfd, loose[0].key, value, sizeof(value));
	ck_assert_msg(rc > 0, "read %s on h2: %s", loose[0].key, strerror(-rc));
	ck_assert_str_eq(value, "1");
}
END_TEST

static Suite *routed_suite(void)
{
	Suite *s = suite_create("routed");
	TCase *tc;

	tc = run_tcase("routed", 60);
	tcase_add_test(tc, test_router_between_two_networks);
	tcase_add_test(tc, test_small_mtu_network_without_ipv6);
	tcase_add_test(tc, test_fewest_router_hops);
	tcase_add_test(tc, test_router_power_cycle);
	tcase_add_test(tc, test_router_one_cable);
	tcase_add_test(tc, test_conntrack_sysctl);
	tcase_add_test(tc, test_router_plug_at_once);
	suite_add_tcase(s, tc);
	tc = run_tcase("big", 300);
	tcase_add_test(tc, test_thousand_hosts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(routed_suite());
}
