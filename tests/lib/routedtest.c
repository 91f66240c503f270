/*
 * routedtest.c: routed topologies inside the test process (routedtest.h).
 */
#include "tests/lib/routedtest.h"
#include "tests/lib/topotest.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/route/link.h>

struct topology *build_routed(const struct topo_net_spec *nets, size_t nnets,
			      const struct rt_host *hosts, size_t nhosts)
{
	struct topo_host_spec *specs = calloc(nhosts, sizeof(*specs));
	struct topo_iface_spec (*ifs)[4] = calloc(nhosts, sizeof(*ifs));
	char err[160] = "";
	int rc;

	ck_assert(specs && ifs);
	for (size_t i = 0; i < nhosts; i++) {
		for (size_t k = 0; k < hosts[i].nnets; k++)
			ifs[i][k] = (struct topo_iface_spec){ hosts[i].nets[k],
				hosts[i].addr4[k], hosts[i].addr6[k] };
		specs[i] = (struct topo_host_spec){ .name = hosts[i].name, .ifaces = ifs[i],
			.nifaces = hosts[i].nnets, .gateway = hosts[i].gateway };
	}
	rc = topology_build_networks(&topo, lease.run_id, nets, nnets, specs, nhosts,
				     err, sizeof(err));
	free(specs);
	free(ifs);
	ck_assert_msg(rc == 0, "topology_build_networks: %s: %s", err, strerror(-rc));
	return topo;
}

struct counter {
	bool v6;
	long value;
};

/* Reads the counter from /proc/thread-self/net/snmp{,6} where the thread is. */
static int counter_here(void *arg)
{
	struct counter *c = arg;
	char names[2048], values[2048], line[256];
	FILE *f = fopen(c->v6 ? "/proc/thread-self/net/snmp6" : "/proc/thread-self/net/snmp", "r");

	if (!f)
		return -errno;
	c->value = -1;
	if (c->v6) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Ip6OutForwDatagrams %ld", &c->value) == 1)
				break;
	} else {
		while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
			char *sn, *sv, *n, *v;

			if (strncmp(names, "Ip: ", 4) != 0)
				continue;
			n = strtok_r(names, " \n", &sn);
			v = strtok_r(values, " \n", &sv);
			for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
				if (!strcmp(n, "ForwDatagrams"))
					c->value = atol(v);
			break;
		}
	}
	fclose(f);
	return 0;
}

long forwarded(const struct topo_host *h, bool v6)
{
	struct counter c = { v6, -1 };

	ck_assert_int_eq(netns_call_in(h->nsfd, counter_here, &c), 0);
	ck_assert_int_ge(c.value, 0);
	return c.value;
}

int mtu_of(int nsfd, const char *ifname)
{
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;
	int mtu;

	ck_assert_int_eq(nlroute_open(nsfd, &sk), 0);
	ck_assert_int_eq(rtnl_link_get_kernel(sk, 0, ifname, &link), 0);
	mtu = (int)rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	nlroute_close(sk);
	return mtu;
}

void assert_reaches_addr(const struct topo_host *from, const struct topo_host *to,
			 const char *addr)
{
	int l = listen_on(to, addr, TEST_PORT);
	int c = connect_from(from, addr, TEST_PORT, CONNECT_OK_MS), s;

	ck_assert_msg(c >= 0, "%s -> %s (%s): %s", from->name, to->name, addr, strerror(-c));
	s = accept_from(l, strchr(addr, ':') ? from->addr6 : from->addr4);
	close(s);
	close(c);
	close(l);
}

void assert_no_path(const struct topo_host *from, const char *addr)
{
	int c = connect_from(from, addr, TEST_PORT, CONNECT_CUT_MS);

	if (c >= 0)
		close(c);
	ck_assert_msg(c < 0, "%s -> %s connected, but there is no path", from->name, addr);
}
