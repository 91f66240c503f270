/*
 * topology.c: a run's whole network, decided, built and torn down: every
 * switch namespace with its bridge, then every host (topology_host.c boots
 * one; routes.c decides its routes).
 *
 * Speed comes from doing no fork and no extra round trip: the calling thread
 * unshares into each new namespace in turn, works there through a socket
 * opened inside, and comes home once at the end. Teardown kills every
 * process of the run with one /proc scan per round and removes the
 * namespaces; the kernel frees their links afterwards, on its own time.
 * The build returns once every cable carries packets (linkwait.c).
 *
 * The switch is silent: IPv6 is off for its links, br0 has no address and
 * no STP, so a host's capture shows only what the hosts send. On a large
 * network it keeps the hosts' multicast listener reports to itself, as a
 * snooping switch would (switch_filter.c).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include "common/monotime.h"
#include "common/parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOPO_REMOVE_THREADS 16   /* namespaces removed at once */
#define TOPO_REMOVE_MIN_PARALLEL 8 /* fewer: a thread costs more than it saves */
#define TOPO_BOOT_THREADS 4      /* at most, hosts booted at once */
#define TOPO_BOOT_HOSTS_PER_THREAD 32  /* at least, for each thread */

/* Set in the switch before br0 exists, so that it sends nothing of its
 * own: no IPv6 on its links (no router solicitations, no DAD probes), and
 * no IGMP report for the snoopers' group br0 joins (224.0.0.106). */
static const struct topo_sysctl switch_silence[] = {
	{ "net.ipv6.conf.default.disable_ipv6", "1" },
	{ "net.ipv4.igmp_link_local_mcast_reports", "0" },
};

/* Copies SPEC's sysctls into one block: the array, then its strings. */
static int sysctls_copy(struct topo_host *h, const struct topo_host_spec *spec,
			char *err, size_t errlen)
{
	size_t i, size = spec->nsysctls * sizeof(struct topo_sysctl);
	char *strings;

	for (i = 0; i < spec->nsysctls; i++) {
		const struct topo_sysctl *s = &spec->sysctls[i];

		if (!s->key || !s->value) {
			topo_step_failed(err, errlen, "host %s: sysctl without key or value",
					 spec->name);
			return -EINVAL;
		}
		if (strncmp(s->key, "net.", 4) != 0) {
			topo_step_failed(err, errlen, "host %s: sysctl %s is not under net.",
					 spec->name, s->key);
			return -EPERM;
		}
		size += strlen(s->key) + strlen(s->value) + 2;
	}
	if (!spec->nsysctls)
		return 0;
	h->sysctls = malloc(size);
	if (!h->sysctls)
		return -ENOMEM;
	strings = (char *)(h->sysctls + spec->nsysctls);
	for (i = 0; i < spec->nsysctls; i++) {
		size_t klen = strlen(spec->sysctls[i].key) + 1;
		size_t vlen = strlen(spec->sysctls[i].value) + 1;

		memcpy(strings, spec->sysctls[i].key, klen);
		h->sysctls[i].key = strings;
		strings += klen;
		memcpy(strings, spec->sysctls[i].value, vlen);
		h->sysctls[i].value = strings;
		strings += vlen;
	}
	h->nsysctls = spec->nsysctls;
	return 0;
}

static int host_addr_set(char *dst, size_t len, const char *given, int family,
			 unsigned index, const char *host, char *err, size_t errlen)
{
	int rc;

	if (!given) {
		rc = family == AF_INET ? host_default_addr4(dst, len, index)
				       : host_default_addr6(dst, len, index);
		if (rc < 0)
			topo_step_failed(err, errlen, "host %s: no default address for host %u",
					 host, index);
		return rc;
	}
	if (addr_cidr_family(given) != family || strlen(given) >= len) {
		topo_step_failed(err, errlen, "host %s: bad %s address \"%s\"", host,
				 family == AF_INET ? "IPv4" : "IPv6", given);
		return -EINVAL;
	}
	strcpy(dst, given);
	return 0;
}

/* The network's prefix of an interface address ("10.1.0.3/24" ->
 * "10.1.0.0/24"): host bits cleared. "" when CIDR is empty. */
static void prefix_of(char *dst, size_t len, const char *cidr)
{
	unsigned char a[16];
	char addr[INET6_ADDRSTRLEN], text[64];
	int family = strchr(cidr, ':') ? AF_INET6 : AF_INET, bits, nbytes;
	const char *slash = strchr(cidr, '/');

	dst[0] = '\0';
	if (!slash || (size_t)(slash - cidr) >= sizeof(text))
		return;
	memcpy(text, cidr, (size_t)(slash - cidr));
	text[slash - cidr] = '\0';
	bits = atoi(slash + 1);
	nbytes = family == AF_INET ? 4 : 16;
	if (inet_pton(family, text, a) != 1 || bits < 0 || bits > nbytes * 8)
		return;
	for (int i = 0; i < nbytes; i++) {
		int keep = bits - i * 8;

		if (keep <= 0)
			a[i] = 0;
		else if (keep < 8)
			a[i] &= (unsigned char)(0xff << (8 - keep));
	}
	if (inet_ntop(family, a, addr, sizeof(addr)))
		snprintf(dst, len, "%s/%d", addr, bits);
}

static int iface_init(struct topology *t, struct topo_host *h, size_t k, unsigned index,
		      const struct topo_iface_spec *is, char *err, size_t errlen)
{
	struct topo_iface *f = &h->ifaces[k];
	struct topo_network *n;
	int rc;

	if (is->network >= t->nnets) {
		topo_step_failed(err, errlen, "host %s: eth%zu on no network", h->name, k);
		return -EINVAL;
	}
	n = &t->nets[is->network];
	for (size_t j = 0; j < k; j++) {
		if (h->ifaces[j].network == is->network) {
			topo_step_failed(err, errlen, "host %s: two interfaces on one network",
					 h->name);
			return -EINVAL;
		}
	}
	f->network = is->network;
	f->plugged = true;
	snprintf(f->ifname, sizeof(f->ifname), "eth%zu", k);
	snprintf(f->port, sizeof(f->port), "p%u", index);
	if (k > 0 && (!is->addr4 || (!is->addr6 && n->mtu >= NETNS_IPV6_MIN_MTU))) {
		topo_step_failed(err, errlen, "host %s: eth%zu needs its addresses", h->name, k);
		return -EINVAL;
	}
	rc = host_addr_set(f->addr4, sizeof(f->addr4), is->addr4, AF_INET, index,
			   h->name, err, errlen);
	if (rc < 0)
		return rc;
	if (n->mtu >= NETNS_IPV6_MIN_MTU) {
		rc = host_addr_set(f->addr6, sizeof(f->addr6), is->addr6, AF_INET6, index,
				   h->name, err, errlen);
		if (rc < 0)
			return rc;
	}
	host_iface_mac(f->mac, h->mac, (unsigned)k);
	if (!n->prefix4[0])
		prefix_of(n->prefix4, sizeof(n->prefix4), f->addr4);
	if (!n->prefix6[0])
		prefix_of(n->prefix6, sizeof(n->prefix6), f->addr6);
	return 0;
}

static int host_init(struct topology *t, size_t i, const struct topo_host_spec *spec,
		     char *err, size_t errlen)
{
	struct topo_host *h = &t->hosts[i];
	unsigned index = (unsigned)i + 1;
	struct topo_iface_spec one = { 0, spec->addr4, spec->addr6 };
	const struct topo_iface_spec *ifs = spec->nifaces ? spec->ifaces : &one;
	size_t j, nifs = spec->nifaces ? spec->nifaces : 1;
	int rc;

	h->nsfd = -1;
	h->plugged = true;
	if (host_name_valid(spec->name) < 0 || !strcmp(spec->name, "sw") ||
	    !strncmp(spec->name, "sw-", 3)) {
		topo_step_failed(err, errlen, "host %u: bad name \"%s\" (want [a-z][a-z0-9-]{0,14}, not sw)",
				 index, spec->name ? spec->name : "");
		return -EINVAL;
	}
	for (j = 0; j < i; j++) {
		if (!strcmp(t->hosts[j].name, spec->name)) {
			topo_step_failed(err, errlen, "host %s: name used twice", spec->name);
			return -EINVAL;
		}
	}
	strcpy(h->name, spec->name);
	rc = netns_host_name(h->ns_name, sizeof(h->ns_name), t->run_id, h->name);
	if (rc < 0)
		return rc;
	if (nifs > NETNS_MAX_IFACES || (spec->nifaces && !spec->ifaces)) {
		topo_step_failed(err, errlen, "host %s: 1 to %d interfaces", h->name,
				 NETNS_MAX_IFACES);
		return -EINVAL;
	}
	if (spec->mac)
		memcpy(h->mac, spec->mac, sizeof(h->mac));
	else
		host_default_mac(h->mac, t->run_id, index);
	for (j = 0; j < nifs; j++) {
		rc = iface_init(t, h, j, index, &ifs[j], err, errlen);
		if (rc < 0)
			return rc;
	}
	h->nifaces = nifs;
	h->router = nifs > 1;
	strcpy(h->port, h->ifaces[0].port);
	strcpy(h->addr4, h->ifaces[0].addr4);
	strcpy(h->addr6, h->ifaces[0].addr6);
	return sysctls_copy(h, spec, err, errlen);
}

static int nets_init(struct topology *t, const struct topo_net_spec *nets, size_t nnets,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < nnets; i++) {
		struct topo_network *n = &t->nets[i];
		const struct topo_net_spec *ns = nets ? &nets[i] : NULL;
		int rc;

		n->fd = -1;
		n->mtu = ns && ns->mtu ? ns->mtu : 1500;
		if (ns && ns->name) {
			rc = netns_network_switch_name(n->ns_name, sizeof(n->ns_name), t->run_id,
						       ns->name);
			if (rc == 0)
				snprintf(n->name, sizeof(n->name), "%s", ns->name);
		} else {
			rc = nnets == 1 ? netns_switch_name(n->ns_name, sizeof(n->ns_name),
							    t->run_id) : -EINVAL;
		}
		if (rc < 0 || n->mtu < 68 || n->mtu > 65535) {
			topo_step_failed(err, errlen, "network %zu: bad name or mtu", i + 1);
			return rc < 0 ? rc : -EINVAL;
		}
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(t->nets[j].ns_name, n->ns_name)) {
				topo_step_failed(err, errlen, "network %s: name used twice",
						 n->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* A topology with every name, address, MAC and route decided, nothing built. */
static int topology_alloc(struct topology **out, unsigned run_id,
			  const struct topo_net_spec *nets, size_t nnets,
			  const struct topo_host_spec *hosts, size_t nhosts,
			  char *err, size_t errlen)
{
	struct topology *t;
	size_t i;
	int rc;

	if (run_id > NETNS_MAX_RUN_ID || !hosts || nhosts == 0 || nhosts > NETNS_MAX_HOSTS ||
	    nnets == 0 || nnets > NETNS_MAX_NETWORKS) {
		topo_step_failed(err, errlen, "want 1 to %d hosts, 1 to %d networks and a run id up to %u",
				 NETNS_MAX_HOSTS, NETNS_MAX_NETWORKS, NETNS_MAX_RUN_ID);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t) + nhosts * sizeof(t->hosts[0]));
	if (!t)
		return -ENOMEM;
	t->run_id = run_id;
	t->sw_fd = -1;
	t->nets = calloc(nnets, sizeof(*t->nets));
	if (!t->nets) {
		free(t);
		return -ENOMEM;
	}
	t->nnets = nnets;
	rc = nets_init(t, nets, nnets, err, errlen);
	if (rc < 0)
		goto fail;
	strcpy(t->sw_name, t->nets[0].ns_name);
	for (i = 0; i < nhosts; i++) {
		t->nhosts = i + 1; /* so that a failure frees what is there */
		rc = host_init(t, i, &hosts[i], err, errlen);
		if (rc < 0)
			goto fail;
	}
	rc = topo_routes_compute(t, hosts, err, errlen);
	if (rc < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	topology_destroy(t);
	return rc;
}

/* How many hosts have a cable into network K. */
static size_t network_hosts(const struct topology *t, size_t k)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nhosts; i++)
		for (size_t j = 0; j < t->hosts[i].nifaces; j++)
			if (t->hosts[i].ifaces[j].network == k)
				n++;
	return n;
}

/* Network K's switch namespace, its rtnetlink socket and br0 (up, with
 * the network's MTU). Leaves the calling thread in the switch. */
static int switch_boot(struct topology *t, size_t k, char *err, size_t errlen)
{
	struct topo_network *n = &t->nets[k];
	size_t i;
	int rc;

	rc = netns_create_here(n->ns_name);
	if (rc < 0) {
		topo_step_failed(err, errlen, "switch: create namespace %s", n->ns_name);
		return rc;
	}
	n->fd = rc;
	for (i = 0; i < sizeof(switch_silence) / sizeof(switch_silence[0]); i++) {
		rc = sysctl_write_here(switch_silence[i].key, switch_silence[i].value);
		if (rc < 0) {
			topo_step_failed(err, errlen, "switch: sysctl %s", switch_silence[i].key);
			return rc;
		}
	}
	rc = switch_filter_here(network_hosts(t, k), err, errlen);
	if (rc < 0)
		return rc;
	rc = nlroute_open(-1, &n->sk);
	if (rc < 0) {
		topo_step_failed(err, errlen, "switch: open rtnetlink");
		return rc;
	}
	rc = link_bridge_add_up(n->sk, NETNS_BRIDGE, n->mtu);
	if (rc < 0) {
		topo_step_failed(err, errlen, "switch %s: add bridge " NETNS_BRIDGE, n->ns_name);
		return rc;
	}
	n->br_index = rc;
	if (k == 0) {
		t->sw_fd = n->fd;
		t->sw_sk = n->sk;
	}
	return 0;
}

/* What build_here builds (netns_call_in's ARG). */
struct build {
	struct topology *t;
	char *err;
	size_t errlen;
	pthread_mutex_t lock;
	size_t next_host;          /* the next host a thread boots */
	int rc;                    /* the first failure, its text in err */
};

/* One booting thread's own switch sockets (libnl sockets are not shared
 * between threads) and error text. */
struct booter {
	struct build *b;
	struct nl_sock *sw_socks[NETNS_MAX_NETWORKS];
	char err[256];
};

/* The first failure is the one reported. */
static void boot_failed(struct build *b, int rc, const char *err)
{
	pthread_mutex_lock(&b->lock);
	if (b->rc == 0) {
		b->rc = rc;
		topo_step_failed(b->err, b->errlen, "%s", err);
	}
	pthread_mutex_unlock(&b->lock);
}

/* Boots hosts until none is left or a thread failed: the thread moves from
 * each new namespace into the next. */
static int boot_hosts_here(void *arg)
{
	struct booter *w = arg;
	struct build *b = w->b;

	for (;;) {
		size_t i;
		int rc;

		pthread_mutex_lock(&b->lock);
		i = b->rc == 0 && b->next_host < b->t->nhosts ? b->next_host++ : SIZE_MAX;
		pthread_mutex_unlock(&b->lock);
		if (i == SIZE_MAX)
			return 0;
		rc = topo_host_boot(b->t, i, w->sw_socks, w->err, sizeof(w->err));
		if (rc < 0) {
			boot_failed(b, rc, w->err);
			return rc;
		}
	}
}

/* parallel_for's function: one booting thread, with sockets of its own. */
static void booter_run(size_t index, void *arg)
{
	struct booter w = { .b = arg };
	size_t k;
	int rc = 0;

	for (k = 0; k < w.b->t->nnets && rc == 0; k++)
		rc = nlroute_open(w.b->t->nets[k].fd, &w.sw_socks[k]);
	if (rc < 0)
		boot_failed(w.b, rc, "open rtnetlink in a switch");
	else if (netns_call_in(-1, boot_hosts_here, &w) < 0 && !w.err[0])
		boot_failed(w.b, -EIO, "leave or come back to the builder's namespace");
	for (k = 0; k < w.b->t->nnets; k++)
		nlroute_close(w.sw_socks[k]);
}

/* How many threads boot the hosts: each host's boot is mostly kernel work
 * under locks of its own (a namespace's creation, its /run/netns entry,
 * its /proc/sys lookups) besides the RTNL, so they overlap on a machine's
 * cores; a small topology is booted by the calling thread alone. */
static unsigned boot_threads(size_t nhosts)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = nhosts / TOPO_BOOT_HOSTS_PER_THREAD;

	if (cpus < 1)
		cpus = 1;
	if (n > (size_t)cpus)
		n = (size_t)cpus;
	if (n > TOPO_BOOT_THREADS)
		n = TOPO_BOOT_THREADS;
	return n ? (unsigned)n : 1;
}

/* Every switch, then every host. */
static int build_here(void *arg)
{
	struct build *b = arg;
	unsigned threads = boot_threads(b->t->nhosts);
	size_t i;
	int rc;

	for (i = 0; i < b->t->nnets; i++) {
		rc = switch_boot(b->t, i, b->err, b->errlen);
		if (rc < 0)
			return rc;
	}
	if (threads == 1) {
		for (i = 0; i < b->t->nhosts; i++) {
			rc = topo_host_boot(b->t, i, NULL, b->err, b->errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	parallel_for(threads, threads, booter_run, b);
	return b->rc;
}

int topology_build_networks(struct topology **out, unsigned run_id,
			    const struct topo_net_spec *nets, size_t nnets,
			    const struct topo_host_spec *hosts, size_t nhosts,
			    char *err, size_t errlen)
{
	struct build b = { .err = err, .errlen = errlen, .lock = PTHREAD_MUTEX_INITIALIZER };
	int rc;

	*out = NULL;
	topo_step_failed(err, errlen, "%s", "");
	rc = topology_alloc(&b.t, run_id, nets, nnets, hosts, nhosts, err, errlen);
	if (rc < 0)
		return rc;
	/* the thread comes back to the caller's namespace once all is built */
	rc = netns_call_in(-1, build_here, &b);
	if (rc < 0 && err && errlen && !err[0])
		topo_step_failed(err, errlen, "leave or come back to the caller's namespace");
	if (rc == 0) {
		int64_t started = mono_usec();

		rc = topo_links_wait(b.t, SIZE_MAX, NETNS_LINKS_TIMEOUT_MS);
		b.t->links_wait_us = mono_usec() - started;
		if (rc < 0)
			topo_step_failed(err, errlen, "wait for the hosts' links to carry packets");
	}
	if (rc < 0) {
		topology_destroy(b.t);
		return rc;
	}
	*out = b.t;
	return 0;
}

int topology_build(struct topology **out, unsigned run_id,
		   const struct topo_host_spec *hosts, size_t nhosts,
		   char *err, size_t errlen)
{
	return topology_build_networks(out, run_id, NULL, 1, hosts, nhosts, err, errlen);
}

/* Host I's namespace removed (the hosts of one topology side by side: each
 * unmount waits for an RCU grace period, which concurrent ones share). */
static void host_remove(size_t i, void *arg)
{
	const struct topology *t = arg;
	const struct topo_host *h = &t->hosts[i];

	if (h->powered)
		netns_delete(h->ns_name);
}

void topology_destroy(struct topology *t)
{
	int *fds;
	size_t i, n = 0;
	bool all_dead = false;

	if (!t)
		return;
	/* every process of the run at once, while all namespaces are known */
	fds = malloc((t->nhosts + t->nnets + 1) * sizeof(*fds));
	if (fds) {
		for (i = 0; i < t->nnets; i++)
			fds[n++] = t->nets[i].fd;
		for (i = 0; i < t->nhosts; i++)
			fds[n++] = t->hosts[i].nsfd;
		all_dead = netns_kill_all_wait(fds, n, NETNS_KILL_TIMEOUT_MS) == 0;
		free(fds);
	}
	/* with survivors the names stay, for run_leftovers_clean to find once
	 * the lease is gone: a process in a nameless namespace is lost */
	for (i = 0; i < t->nhosts; i++) {
		struct topo_host *h = &t->hosts[i];

		if (h->nsfd >= 0)
			close(h->nsfd);
	}
	if (all_dead)
		parallel_for(t->nhosts, t->nhosts < TOPO_REMOVE_MIN_PARALLEL ? 1 :
			     TOPO_REMOVE_THREADS, host_remove, t);
	for (i = 0; i < t->nhosts; i++) {
		free(t->hosts[i].sysctls);
		free(t->hosts[i].routes);
	}
	for (i = 0; i < t->nnets; i++) {
		struct topo_network *nw = &t->nets[i];

		nlroute_close(nw->sk);
		if (nw->fd >= 0) {
			close(nw->fd);
			if (all_dead)
				netns_delete(nw->ns_name);
		}
	}
	free(t->nets);
	free(t);
}

int topology_network_find(const struct topology *t, const char *name)
{
	if (!t || !name)
		return -ENOENT;
	for (size_t i = 0; i < t->nnets; i++)
		if (!strcmp(t->nets[i].name, name))
			return (int)i;
	return -ENOENT;
}

int topology_host_iface(const struct topology *t, size_t host, size_t network)
{
	if (!t || host >= t->nhosts)
		return -ENOENT;
	for (size_t k = 0; k < t->hosts[host].nifaces; k++)
		if (t->hosts[host].ifaces[k].network == network)
			return (int)k;
	return -ENOENT;
}

int topology_host_find(const struct topology *t, const char *name)
{
	size_t i;

	if (!t || !name)
		return -ENOENT;
	for (i = 0; i < t->nhosts; i++)
		if (!strcmp(t->hosts[i].name, name))
			return (int)i;
	return -ENOENT;
}
