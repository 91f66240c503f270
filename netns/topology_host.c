/*
 * topology_host.c: one host's life in a topology: booting it (namespace,
 * one cable into the switch of each of its networks, addresses, routes,
 * forwarding and sysctls), pulling and putting back its cables, and
 * powering it off and on again.
 *
 * A boot happens inside the host's namespace: the calling thread unshares
 * into it and stays there for the whole host, so the rtnetlink socket and
 * the /proc/sys writes need no further setns. The cable is made from the
 * switch's side in one request: veth "p<N>" enslaved to br0 and up, whose
 * peer "eth<K>" is born inside the host with its MAC and the network's MTU. IPv6 duplicate
 * address detection and router solicitations are off for the host's links
 * before eth0 exists, so its addresses are usable at once. Poweron and
 * plug return once the cable carries packets (linkwait.c), so a packet sent
 * right after is not lost while the kernel finishes bringing it up.
 */
#include "netns/netns.h"
#include "netns/internal.h"
#include "netns/middlebox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Sysctls every host gets before its links exist (new links copy them). */
static const struct topo_sysctl host_boot_sysctls[] = {
	{ "net.ipv6.conf.default.accept_dad", "0" },
	{ "net.ipv6.conf.default.router_solicitations", "0" },
};

void topo_step_failed(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A conntrack setting, which exists only once nf_conntrack is loaded. */
static bool conntrack_key(const char *key)
{
	return strncmp(key, "net.netfilter.nf_conntrack", 26) == 0;
}

/* The N sysctls S, under the current namespace's /proc/sys/net NET_DIR. */
static int sysctls_write_at(int net_dir, const struct topo_sysctl *s, size_t n,
			    const char *host, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = sysctl_write_at(net_dir, s[i].key, s[i].value);
		/* where conntrack is a module not loaded yet: load it, again */
		if (rc == -ENOENT && conntrack_key(s[i].key) && ct_load_here() == 0)
			rc = sysctl_write_at(net_dir, s[i].key, s[i].value);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: sysctl %s=%s", host,
					 s[i].key, s[i].value);
			return rc;
		}
	}
	return 0;
}

/* Forwarding is set in every host, on or off, so that a host never
 * inherits the machine's own ip_forward (new namespaces copy IPv4's). */
static const struct topo_sysctl forwarding_on[] = {
	{ "net.ipv4.ip_forward", "1" },
	{ "net.ipv6.conf.all.forwarding", "1" },
};
static const struct topo_sysctl forwarding_off[] = {
	{ "net.ipv4.ip_forward", "0" },
};

/* Everything of a host inside its (current) namespace, on socket SK and
 * under its /proc/sys/net NET_DIR. */
static int host_configure_here(struct topology *t, size_t i, struct nl_sock *sk,
			       int net_dir, char *err, size_t errlen)
{
	struct topo_host *h = &t->hosts[i];
	int rc, idx;

	rc = link_loopback_up(sk);
	if (rc < 0) {
		topo_step_failed(err, errlen, "host %s: set lo up", h->name);
		return rc;
	}
	for (size_t k = 0; k < h->nifaces; k++) {
		struct topo_iface *f = &h->ifaces[k];

		idx = link_up_index(sk, f->ifname);
		if (idx < 0) {
			topo_step_failed(err, errlen, "host %s: set %s up", h->name, f->ifname);
			return idx;
		}
		rc = addr_add_index(sk, idx, f->addr4);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: add address %s", h->name, f->addr4);
			return rc;
		}
		if (!f->addr6[0])
			continue;
		rc = addr_add_index(sk, idx, f->addr6);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: add address %s", h->name, f->addr6);
			return rc;
		}
	}
	rc = topo_routes_install(t, i, sk, err, errlen);
	if (rc < 0)
		return rc;
	return sysctls_write_at(net_dir, h->sysctls, h->nsysctls, h->name, err, errlen);
}

int topo_host_boot(struct topology *t, size_t i, struct nl_sock *const *sw_socks,
		   char *err, size_t errlen)
{
	struct topo_host *h = &t->hosts[i];
	struct nl_sock *sk = NULL;
	int rc, net_dir;

	rc = netns_create_here(h->ns_name);
	if (rc < 0) {
		topo_step_failed(err, errlen, "host %s: create namespace %s", h->name, h->ns_name);
		return rc;
	}
	h->nsfd = rc;
	h->powered = true;
	net_dir = sysctl_net_dir_open_here();
	if (net_dir < 0) {
		topo_step_failed(err, errlen, "host %s: open /proc/sys/net", h->name);
		return net_dir;
	}
	rc = sysctls_write_at(net_dir, host_boot_sysctls, sizeof(host_boot_sysctls) /
			      sizeof(host_boot_sysctls[0]), h->name, err, errlen);
	if (rc == 0 && h->router)
		rc = sysctls_write_at(net_dir, forwarding_on, 2, h->name, err, errlen);
	else if (rc == 0)
		rc = sysctls_write_at(net_dir, forwarding_off, 1, h->name, err, errlen);
	if (rc < 0)
		goto out;
	rc = nlroute_open(-1, &sk);
	if (rc < 0) {
		topo_step_failed(err, errlen, "host %s: open rtnetlink", h->name);
		goto out;
	}
	for (size_t k = 0; k < h->nifaces; k++) {
		struct topo_iface *f = &h->ifaces[k];
		struct topo_network *n = &t->nets[f->network];

		struct nl_sock *sw_sk = sw_socks ? sw_socks[f->network] : n->sk;

		rc = link_veth_port_add(sw_sk, f->port, n->br_index, f->plugged,
					f->ifname, h->nsfd, f->mac, n->mtu);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: add veth %s/%s in %s",
					 h->name, f->port, f->ifname, n->ns_name);
			goto out;
		}
		rc = link_set_alias(sw_sk, f->port, h->name);
		if (rc < 0) {
			topo_step_failed(err, errlen, "host %s: set alias of %s", h->name, f->port);
			goto out;
		}
	}
	rc = host_configure_here(t, i, sk, net_dir, err, errlen);
out:
	nlroute_close(sk);
	close(net_dir);
	return rc;
}

int topo_host_halt(struct topology *t, size_t i)
{
	struct topo_host *h = &t->hosts[i];
	int rc, first = 0;

	/* the cables first: from here on no packet leaves or arrives */
	for (size_t k = 0; k < h->nifaces; k++) {
		rc = link_delete(t->nets[h->ifaces[k].network].sk, h->ifaces[k].port);
		if (rc < 0 && rc != -ENODEV && !first) /* ENODEV: never made, or gone */
			first = rc;
	}
	if (h->nsfd >= 0) {
		rc = netns_kill_all_wait(&h->nsfd, 1, NETNS_KILL_TIMEOUT_MS);
		if (rc < 0) /* survivors: keep the namespace, named, to retry */
			return rc;
		close(h->nsfd);
		h->nsfd = -1;
	}
	if (h->powered) { /* set when its namespace was made: ours to remove */
		rc = netns_delete(h->ns_name);
		if (rc < 0 && rc != -ENOENT && !first)
			first = rc;
	}
	h->powered = false;
	return first;
}

static int host_check(const struct topology *t, size_t host)
{
	return t && host < t->nhosts ? 0 : -EINVAL;
}

int topology_host_cable(struct topology *t, size_t host, int network, bool plugged)
{
	struct topo_host *h;
	bool all = true;
	int rc, k = -1;

	rc = host_check(t, host);
	if (rc < 0)
		return rc;
	h = &t->hosts[host];
	if (network >= 0) {
		k = topology_host_iface(t, host, (size_t)network);
		if (k < 0)
			return k;
	}
	for (size_t j = 0; j < h->nifaces; j++) {
		struct topo_iface *f = &h->ifaces[j];

		if (k >= 0 && (size_t)k != j)
			continue;
		/* a powered-off host has no port; poweron honours the cable state */
		if (h->powered) {
			rc = link_set_up(t->nets[f->network].sk, f->port, plugged);
			if (rc < 0)
				return rc;
		}
		f->plugged = plugged;
	}
	for (size_t j = 0; j < h->nifaces; j++)
		all = all && h->ifaces[j].plugged;
	h->plugged = all;
	return plugged ? topo_links_wait(t, host, NETNS_LINKS_TIMEOUT_MS) : 0;
}

int topology_host_unplug(struct topology *t, size_t host)
{
	return topology_host_cable(t, host, -1, false);
}

int topology_host_plug(struct topology *t, size_t host)
{
	return topology_host_cable(t, host, -1, true);
}

int topology_host_poweroff(struct topology *t, size_t host)
{
	int rc;

	rc = host_check(t, host);
	if (rc < 0)
		return rc;
	if (!t->hosts[host].powered)
		return -EALREADY;
	return topo_host_halt(t, host);
}

/* What boot_here boots (netns_call_in's ARG). */
struct boot {
	struct topology *t;
	size_t host;
};

static int boot_here(void *arg)
{
	struct boot *b = arg;

	return topo_host_boot(b->t, b->host, NULL, NULL, 0);
}

int topology_host_poweron(struct topology *t, size_t host)
{
	struct boot b = { t, host };
	int rc;

	rc = host_check(t, host);
	if (rc < 0)
		return rc;
	if (t->hosts[host].powered)
		return -EALREADY;
	/* the boot moves the thread into the new namespace: it comes back */
	rc = netns_call_in(-1, boot_here, &b);
	if (rc == 0)
		rc = topo_links_wait(t, host, NETNS_LINKS_TIMEOUT_MS);
	if (rc < 0)
		topo_host_halt(t, host);
	return rc;
}
