/*
 * internal.h: helpers the files of netns/ share with each other and nobody
 * else. Most work in the calling thread's current network namespace, which
 * lets topology.c enter a namespace once and do all of a host's work there.
 */
#ifndef NETFAULT_NETNS_INTERNAL_H
#define NETFAULT_NETNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;
struct topology;

/* Creates /run/netns/NAME and moves the calling thread into the new
 * namespace (it does NOT switch back). Returns an O_CLOEXEC fd of the new
 * namespace. On failure the thread is where it was and nothing is left. */
int netns_create_here(const char *name);

/* A ready namespace of the pool (pool.c) for netns_create_here, or -1. */
int netns_pool_take_one(void);

/* Writes /proc/sys of the calling thread's current namespace. KEY is
 * dotted and must start with "net." (-EPERM otherwise). */
int sysctl_write_here(const char *key, const char *value);
/* /proc/sys/net of the current namespace, opened (O_PATH) to write several
 * keys under with sysctl_write_at; NET_DIR AT_FDCWD: as sysctl_write_here. */
int sysctl_net_dir_open_here(void);
int sysctl_write_at(int net_dir, const char *key, const char *value);

/* Runs an nftables SCRIPT in the current namespace as one transaction;
 * nftables' error text into ERR. -EPERM, -EOPNOTSUPP (an expression the
 * kernel lacks) or -EINVAL. */
int nft_script_run_here(const char *script, char *err, size_t errlen);

/* The switch's filtering (switch_filter.c), in its namespace, for a
 * network of NHOSTS hosts: IPv6 multicast listener reports dropped where
 * NHOSTS > SWITCH_FILTER_MIN_HOSTS; bridged packets kept out of iptables. */
#define SWITCH_FILTER_MIN_HOSTS 8
int switch_filter_here(size_t nhosts, char *err, size_t errlen);

/* Bridge NAME, created up with MTU; returns its ifindex. */
int link_bridge_add_up(struct nl_sock *sk, const char *name, int mtu);
/* A host's cable in one request: veth PORT in the switch (bridge port of
 * MASTER_INDEX, up when PORT_UP) whose peer HOST_IF is born, with MAC,
 * directly in HOST_NSFD (down: see link.c). SW_SK is the switch's socket.
 * The kernel ignores an alias at creation: link_set_alias it after. */
int link_veth_port_add(struct nl_sock *sw_sk, const char *port, int master_index,
		       bool port_up, const char *host_if, int host_nsfd,
		       const uint8_t mac[6], int mtu);
/* link_set_up(NAME, true) that returns NAME's ifindex. */
int link_up_index(struct nl_sock *sk, const char *name);
/* Brings the current namespace's lo up, in one request. */
int link_loopback_up(struct nl_sock *sk);
/* addr_add on a known ifindex. */
int addr_add_index(struct nl_sock *sk, int ifindex, const char *cidr);

/* Closes, in a freshly forked child, the lease fds the parent holds, so
 * that a run's apps do not keep its lease alive (lease.c). */
void run_leases_close_inherited(void);

/* topology_host.c, for topology.c: boots host I in a new namespace the
 * calling thread moves into. SW_SOCKS: the rtnetlink socket of each
 * network's switch to plug its cables with (one per thread), or NULL for
 * the networks' own. */
int topo_host_boot(struct topology *t, size_t i, struct nl_sock *const *sw_socks,
		   char *err, size_t errlen);
/* routes.c: decides every host's routes (fewest router hops) from the
 * interfaces and SPECS' gateways, once, at alloc. */
int topo_routes_compute(struct topology *t, const struct topo_host_spec *specs,
			char *err, size_t errlen);
/* Installs host H's routes through SK, in the host's namespace; its
 * interfaces are up and addressed. */
int topo_routes_install(struct topology *t, size_t h, struct nl_sock *sk,
			char *err, size_t errlen);
/* Cable, processes, namespace: removes whatever of host I exists. When
 * some process survives the kill, the namespace stays (named, powered) and
 * the error is returned. */
int topo_host_halt(struct topology *t, size_t i);
/* linkwait.c: returns once the cable of host WHICH (SIZE_MAX: of every
 * host) carries packets both ways, if powered and plugged; -ETIMEDOUT when
 * it does not within TIMEOUT_MS. */
int topo_links_wait(struct topology *t, size_t which, int timeout_ms);
/* Writes the failed step into ERR (when not NULL), printf-like. */
void topo_step_failed(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
