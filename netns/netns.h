/*
 * netns.h: the kernel mechanics of netfault's networks, through libnl-3,
 * libnl-route-3 and plain syscalls (no ip/tc/nft commands).
 *
 * A run's network is a set of named network namespaces under /run/netns,
 * created the way iproute2 creates them, so `ip netns list` shows them and
 * `ip netns exec nf12-client ss -tni` works during a run:
 *
 *   nf<run>-sw      the switch: a Linux bridge "br0" with one port per host
 *   nf<run>-sw-<net> with several networks, one switch per network instead
 *   nf<run>-<host>  one per host: "lo" and "eth0" (and eth1, ... on a host
 *                   with several networks), each the host end of a veth
 *                   pair whose other end "p<N>" is a bridge port in the
 *                   switch of that interface's network
 *
 * A host on two or more networks is a router: it forwards IPv4 and IPv6,
 * and the topology installs every host's routes (routes.c).
 *
 * Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure; libnl errors are mapped to errno values. None of
 * them prints. Functions that switch namespaces do so for the calling thread
 * only and always switch back before returning.
 */
#ifndef NETFAULT_NETNS_H
#define NETFAULT_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NETNS_RUN_DIR     "/run/netns"
#define NETNS_PREFIX      "nf"          /* every namespace netfault makes */
#define NETNS_LEASE_DIR   "/run/netfault/leases"
#define NETNS_HOST_IF     "eth0"
#define NETNS_BRIDGE      "br0"
#define NETNS_HOST_NAME_MAX 15          /* [a-z][a-z0-9-]{0,14} */
#define NETNS_MAX_HOSTS   1000          /* a /16 holds them; default addresses
					 * (10.0.0.N/24) stop at 254 */
#define NETNS_MAX_NETWORKS 16
#define NETNS_MAX_IFACES  8             /* eth0 .. eth7 */
#define NETNS_IPV6_MIN_MTU 1280         /* below it the kernel turns IPv6 off */
#define NETNS_MAX_RUN_ID  65535u

/* ---- names, addresses, MACs (pure, unit-tested) ------------------------ */

/* 0 when NAME is a valid host name ([a-z][a-z0-9-]{0,14}), else -EINVAL. */
int host_name_valid(const char *name);
/* Namespace names: "nf12-client", "nf12-sw". Return -ENAMETOOLONG when short. */
int netns_host_name(char *buf, size_t len, unsigned run_id, const char *host);
int netns_switch_name(char *buf, size_t len, unsigned run_id);
/* Parses "nf<id>-..." back into the run id; -EINVAL when not netfault's. */
int netns_name_run_id(const char *ns_name, unsigned *run_id);
/* Default addresses of the host with 1-based INDEX: 10.0.0.N/24, fd00::N/64. */
int host_default_addr4(char *buf, size_t len, unsigned index);
int host_default_addr6(char *buf, size_t len, unsigned index);
/* Switch of a named network: "nf12-sw-wan". */
int netns_network_switch_name(char *buf, size_t len, unsigned run_id, const char *network);
/* Stable MAC of a host: 02:6e:RR:RR:II:II (run id, 1-based host index). */
void host_default_mac(uint8_t mac[6], unsigned run_id, unsigned index);
/* The MAC of interface IFACE (0-based) of a host whose eth0 has ETH0: the
 * same with the first byte 0x02 | IFACE << 2 (still local and unicast), so
 * that distinct eth0 MACs give distinct MACs for every interface. */
void host_iface_mac(uint8_t mac[6], const uint8_t eth0[6], unsigned iface);
/* "02:6e:00:0c:00:01" <-> bytes. parse returns -EINVAL on a bad text. */
int mac_parse(const char *text, uint8_t mac[6]);
void mac_format(const uint8_t mac[6], char buf[18]);

/* ---- named namespaces (netns.c) ---------------------------------------- */

/* Creates /run/netns/NAME; -EEXIST when it is there already. */
int netns_create(const char *name);
/* Unmounts and unlinks /run/netns/NAME; -ENOENT when absent. It does not
 * kill processes: see netns_kill_all. */
int netns_delete(const char *name);
/* Opens the namespace; returns an O_CLOEXEC fd or negative errno. */
int netns_open(const char *name);
/* Opens the calling thread's current namespace (to come back to). */
int netns_open_current(void);
/*
 * Runs FN(ARG) with the calling thread inside NSFD, then brings the thread
 * back to the namespace it was in, wherever FN left it (FN may move it on,
 * e.g. unshare into a namespace of its own). NSFD < 0: FN starts where the
 * thread is, and the thread still comes back there. Returns FN's value, or
 * a negative errno when the thread could not enter NSFD (FN did not run)
 * or could not come back: that is never silent, it takes the place of FN's
 * value, and what FN made (see ARG) is the caller's to undo.
 */
int netns_call_in(int nsfd, int (*fn)(void *arg), void *arg);
/* Sends SIG to every process whose network namespace is NAME's (found via
 * /proc/PID/ns/net), except the caller. Returns how many were signalled.
 * -EPERM for the caller's own namespace and PID 1's, in all kill functions. */
int netns_kill_all(const char *name, int sig);
/* Same, by the namespace's fd. */
int netns_kill_all_fd(int nsfd, int sig);
/* SIGKILLs every process (but the caller) in any of the N namespaces NSFDS
 * (entries < 0 are skipped), one /proc scan per round, until none is left:
 * 0, or -ETIMEDOUT when some survive TIMEOUT_MS. */
#define NETNS_KILL_TIMEOUT_MS 2000
int netns_kill_all_wait(const int *nsfds, size_t n, int timeout_ms);
/* Names in /run/netns that start with PREFIX: a NULL-terminated array the
 * caller frees with netns_names_free (sorted; empty, not NULL, when none).
 * Returns how many. */
int netns_list(const char *prefix, char ***names);
void netns_names_free(char **names);

/* ---- namespaces made ahead of time (pool.c) ---------------------------- */

/*
 * A process-wide pool of brand-new, unnamed namespaces that netns_create
 * (and every build) enters instead of making one, when one is ready. Each
 * is used once: a taker gets a namespace no one has entered. They live as
 * fds of the process, so they go with it, killed or not.
 */
#define NETNS_POOL_MAX 64
/* Starts a thread that keeps SIZE (<= NETNS_POOL_MAX) namespaces ready;
 * 0 does nothing. -EBUSY when a pool runs already. */
int netns_pool_start(size_t size);
/* Stops the thread and closes the namespaces still ready. */
void netns_pool_stop(void);
/* Moves up to N ready namespaces' fds into FDS (the caller's to close or
 * hand on); returns how many. The thread makes new ones in their place. */
size_t netns_pool_take(int *fds, size_t n);
/* In a forked child: FDS (taken by the parent before the fork) become this
 * process's pool, without a refill thread; the parent's are forgotten, not
 * closed (a child closes the fds it does not keep). */
void netns_pool_adopt(const int *fds, size_t n);
/* How many are ready now. */
size_t netns_pool_ready(void);
/* Waits until the pool is full: 0, -ETIMEDOUT, or why the refill's last
 * try failed (out of fds, say: it tries again a second later). */
int netns_pool_wait_full(int timeout_ms);

/* ---- running code inside a namespace (spawn.c) ------------------------- */

/* Forks a child that enters NSFD and returns FN(ARG) as its exit status
 * (FN returns 0..255). Returns the child's pid to the parent. The child's
 * stdin is /dev/null; it dies with SIGKILL if the parent dies. A child that
 * cannot enter NSFD exits with that errno as its status. Children start with
 * default signal handling and an empty signal mask (see spawn.c). */
pid_t netns_spawn(int nsfd, int (*fn)(void *arg), void *arg);
/* Forks, enters NSFD, runs FN(ARG) and waits for it. FN returns 0 or a
 * positive errno; netns_run returns 0, -that errno, or -ECHILD when the child
 * died by a signal. */
int netns_run(int nsfd, int (*fn)(void *arg), void *arg);
/* Forks and execs ARGV in NSFD (also a private mount namespace with /sys of
 * that network namespace, as `ip netns exec` does). Returns the pid once the
 * exec has happened, or -errno when the setup or the exec failed (-ENOENT:
 * no such program); stdin, stdout and stderr are the caller's. */
pid_t netns_exec(int nsfd, char *const argv[]);
/* What netns_exec does in its child besides setns, for a child of
 * netns_spawn about to exec a program of its own: a private mount namespace
 * with that network namespace's /sys. 0 or a positive errno. */
int netns_exec_mounts(void);

/* ---- sysctls (sysctl.c) ------------------------------------------------ */

/* Writes a per-namespace sysctl, KEY dotted ("net.ipv4.tcp_retries2").
 * Only keys under "net." are accepted (-EPERM otherwise: a host's settings
 * must never reach the machine's own). -ENOENT for an unknown key, -EINVAL
 * for an empty or ".." component. As in sysctl(8), '/' in a key stands for
 * a '.' inside a component ("net.ipv4.conf.eth0/5.forwarding"). read gives
 * the value without its newline and returns its length. */
int netns_sysctl_write(int nsfd, const char *key, const char *value);
int netns_sysctl_read(int nsfd, const char *key, char *buf, size_t len);

/* ---- links and addresses (link.c, addr.c) ------------------------------ */

struct nl_sock;
/* An rtnetlink socket bound to the namespace NSFD (opened inside it);
 * NSFD -1: the calling thread's current namespace. The link functions
 * return -ENODEV for a link that does not exist (the kernel's answer). */
int nlroute_open(int nsfd, struct nl_sock **out);
void nlroute_close(struct nl_sock *sk);
int link_set_up(struct nl_sock *sk, const char *name, bool up);
int link_set_alias(struct nl_sock *sk, const char *name, const char *alias);
int link_delete(struct nl_sock *sk, const char *name);
int link_index(struct nl_sock *sk, const char *name);
/* Adds "10.0.0.1/24" or "fd00::1/64" to NAME (IPv6 with IFA_F_NODAD). */
int addr_add(struct nl_sock *sk, const char *ifname, const char *cidr);
/* AF_INET or AF_INET6 for an address with its prefix ("10.0.0.1/24",
 * "fd00::1/64"); -EINVAL for anything else (no prefix, 0.0.0.0, MACs). */
int addr_cidr_family(const char *cidr);
/* Text for a libnl error code (negative or positive NLE_*), mapped errno.
 * Returns the NEGATIVE errno (NLE_OBJ_NOTFOUND -> -ENOENT), 0 for 0, -EIO
 * for codes it does not know: `return nlerr_to_errno(err);` as it is. */
int nlerr_to_errno(int nlerr);

/* ---- run ids (lease.c) ------------------------------------------------- */

/*
 * A run id is leased by holding flock() on NETNS_LEASE_DIR/<id>.lock for the
 * run's lifetime, so that runs of several daemons and tests never collide and
 * a dead owner's namespaces are recognisable as leftovers. Children made by
 * netns_spawn/netns_exec do not inherit the lease (a plain fork does).
 */
struct run_lease {
	unsigned run_id;
	int lock_fd;
};
/* Leases the lowest free id (first >= HINT, HINT 0 = 1); removes leftover
 * namespaces of that id first. */
int run_lease_acquire(struct run_lease *lease, unsigned hint);
void run_lease_release(struct run_lease *lease);
/* Removes every netfault namespace (and kills its processes) whose run id
 * is not leased by a live process. Returns how many namespaces went. */
int run_leftovers_clean(void);
/* Kills the processes of every namespace nf<RUN_ID>-* and removes them,
 * leased or not (the caller's own run, after a crash of its builder).
 * Returns how many namespaces went. */
int run_namespaces_remove(unsigned run_id);

/* ---- topology (topology.c) --------------------------------------------- */

struct topo_sysctl {
	const char *key;
	const char *value;
};

/* A network: one switch. NETS NULL in topology_build_networks (or
 * topology_build): one network, the switch nf<run>-sw, mtu 1500. */
struct topo_net_spec {
	const char *name;      /* host-name rule; NULL: the one switch nf<run>-sw */
	int mtu;               /* of every interface on it; 0: 1500 */
};

/* One interface of a host: eth<K> for the K-th in the host's list. */
struct topo_iface_spec {
	size_t network;        /* index into the networks */
	const char *addr4;     /* "10.1.0.3/24"; NULL: the default (eth0 only) */
	const char *addr6;     /* NULL: the default (eth0 only); ignored on a
				* network with mtu < NETNS_IPV6_MIN_MTU */
};

struct topo_host_spec {
	const char *name;      /* host name, host_name_valid */
	const char *addr4;     /* "10.0.0.1/24"; NULL for the default */
	const char *addr6;     /* "fd00::1/64"; NULL for the default */
	const uint8_t *mac;    /* eth0's; NULL for the default; the other
				* interfaces' follow host_iface_mac */
	const struct topo_sysctl *sysctls;
	size_t nsysctls;
	/* nifaces 0: one interface (eth0) on network 0 with addr4 and addr6 */
	const struct topo_iface_spec *ifaces;
	size_t nifaces;
	const char *gateway;   /* a router's name: this host's default routes go
				* to its address on a network they share; NULL none */
};

/* One interface of a host. */
struct topo_iface {
	char ifname[16];       /* eth0, eth1, ... */
	char port[16];         /* its bridge port in its network's switch: p<N> */
	size_t network;
	char addr4[48];
	char addr6[64];        /* "" on a network without IPv6 (mtu < 1280) */
	uint8_t mac[6];
	bool plugged;
};

/* A route the topology installs in a host (routes.c). */
struct topo_route {
	int family;            /* AF_INET, AF_INET6 */
	char dst[64];          /* "10.2.0.0/24", or "default" */
	char via[48];          /* the next router's address, no prefix */
	size_t iface;          /* out through this interface of the host */
};

/* A switch. */
struct topo_network {
	char name[16];         /* "" for the one switch of a file without networks */
	char ns_name[32];      /* nf12-sw, nf12-sw-wan */
	int mtu;
	int fd;
	struct nl_sock *sk;    /* rtnetlink in the switch namespace */
	int br_index;
	char prefix4[48];      /* "10.1.0.0/24" from its interfaces; "" if none */
	char prefix6[64];      /* "" when none or without IPv6 */
};

struct topo_host {
	char name[NETNS_HOST_NAME_MAX + 1];
	char ns_name[32];      /* nf12-client */
	char port[16];         /* eth0's bridge port in its switch: p1, p2, ... */
	char addr4[48];        /* eth0's */
	char addr6[64];        /* eth0's ("" on a network without IPv6) */
	uint8_t mac[6];        /* eth0's */
	int nsfd;              /* open fd of the current namespace; -1 when off */
	bool powered;          /* false after topology_host_poweroff */
	bool plugged;          /* every cable in (false after an unplug) */
	struct topo_sysctl *sysctls; /* owned copies */
	size_t nsysctls;
	struct topo_iface ifaces[NETNS_MAX_IFACES];
	size_t nifaces;
	bool router;           /* two or more interfaces: forwards */
	struct topo_route *routes;  /* computed once, installed at every boot */
	size_t nroutes;
};

struct topology {
	unsigned run_id;
	char sw_name[32];      /* network 0's switch: nf12-sw (or nf12-sw-lan) */
	int sw_fd;             /* network 0's */
	struct nl_sock *sw_sk; /* network 0's */
	struct topo_network *nets;
	size_t nnets;
	size_t nhosts;
	int64_t links_wait_us; /* of the build, the wait for the cables */
	struct topo_host hosts[];
};

/* How long topology_build, topology_host_poweron and topology_host_plug
 * wait for the kernel to finish bringing a cable up (see linkwait.c);
 * usually it takes well under a millisecond. */
#define NETNS_LINKS_TIMEOUT_MS 10000

/* Builds the switch and every host, all up, addressed and configured, and
 * returns once every host's cable carries packets (-ETIMEDOUT if one does
 * not within NETNS_LINKS_TIMEOUT_MS). On failure it tears down what it built and returns negative errno; when
 * ERR is not NULL it also gets a short text saying which step failed
 * ("host b: add address fd00::2/64"), without the error's own text.
 * Host names must be unique and not "sw" (the switch's namespace name). */
int topology_build(struct topology **out, unsigned run_id,
		   const struct topo_host_spec *hosts, size_t nhosts,
		   char *err, size_t errlen);
/* The same with NNETS networks (1 to NETNS_MAX_NETWORKS): a switch each,
 * hosts with interfaces on them, forwarding on routers (sysctls
 * net.ipv4.ip_forward and net.ipv6.conf.all.forwarding, 0 on other
 * hosts), and every host's routes: each network reached by the fewest
 * router hops, a plain host's default route via its gateway. */
int topology_build_networks(struct topology **out, unsigned run_id,
			    const struct topo_net_spec *nets, size_t nnets,
			    const struct topo_host_spec *hosts, size_t nhosts,
			    char *err, size_t errlen);
/* Kills every process in the run's namespaces and removes them all.
 * Accepts NULL and half-built topologies. */
void topology_destroy(struct topology *t);
/* Index of the host named NAME, or -ENOENT. */
int topology_host_find(const struct topology *t, const char *name);
/* Index of the network named NAME ("" for the unnamed one), or -ENOENT. */
int topology_network_find(const struct topology *t, const char *name);
/* Index of host HOST's interface on NETWORK, or -ENOENT. */
int topology_host_iface(const struct topology *t, size_t host, size_t network);

/* Cable pulled / put back: the host's switch port goes down / up (the host
 * sees carrier loss; its processes live on). plug returns once the cable
 * carries packets, as topology_build does. */
int topology_host_unplug(struct topology *t, size_t host);
int topology_host_plug(struct topology *t, size_t host);
/* One cable: the host's interface on NETWORK (-ENOENT when it has none);
 * NETWORK < 0: every cable of the host, as unplug and plug. */
int topology_host_cable(struct topology *t, size_t host, int network, bool plugged);
/* Power loss: the host's veth pair is deleted at once (not one more packet
 * leaves or arrives), then every process in its namespace is killed and the
 * namespace removed. */
int topology_host_poweroff(struct topology *t, size_t host);
/* Boot: a fresh namespace under the same name, with the same addresses, MAC
 * and sysctls, plugged into the same switch port name (its port stays down
 * if the cable was pulled); it returns once the cable carries packets, as
 * topology_build does. Both return -EALREADY when already off / on; a
 * pulled cable of a powered-off host is recorded for its next poweron. */
int topology_host_poweron(struct topology *t, size_t host);

#endif
