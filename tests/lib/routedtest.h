/*
 * routedtest.h: routed topologies (several networks, routers) inside the
 * test process, for tests/integ/test_routed*.c: building them from short
 * tables, reading a host's forwarding counters and an interface's MTU, and
 * connecting across routers.
 */
#ifndef NETFAULT_TESTS_ROUTEDTEST_H
#define NETFAULT_TESTS_ROUTEDTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "netns/netns.h"

/* One host of a routed topology: its networks by index, its addresses in
 * the same order ("10.1.0.2/24"; addr6 NULL: none given), its gateway. */
struct rt_host {
	const char *name;
	size_t nets[4];
	const char *addr4[4];
	const char *addr6[4];
	size_t nnets;
	const char *gateway;
};

/* Builds NETS and HOSTS as the tests' topo, asserted to succeed. */
struct topology *build_routed(const struct topo_net_spec *nets, size_t nnets,
			      const struct rt_host *hosts, size_t nhosts);
/* Datagrams host H forwarded so far: IPv4 (Ip ForwDatagrams) or IPv6
 * (Ip6OutForwDatagrams). */
long forwarded(const struct topo_host *h, bool v6);
/* The MTU of link IFNAME in namespace NSFD. */
int mtu_of(int nsfd, const char *ifname);
/* FROM connects to ADDR (a cidr) where TO listens; asserted to work. */
void assert_reaches_addr(const struct topo_host *from, const struct topo_host *to,
			 const char *addr);
/* FROM cannot connect to ADDR within a short while. */
void assert_no_path(const struct topo_host *from, const char *addr);

#endif
