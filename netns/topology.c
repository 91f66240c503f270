/*
 * topology.c: a run's whole network, built and torn down: the switch
 * namespace with its bridge, then every host (topology_host.c boots one).
 *
 * Speed comes from doing no fork and no extra round trip: the calling thread
 * unshares into each new namespace in turn, works there through a socket
 * opened inside, and comes home once at the end. Teardown kills every
 * process of the run with one /proc scan per round and removes the
 * namespaces; the kernel frees their links afterwards, on its own time.
 * The build returns once every cable carries packets (linkwait.c).
 *
 * The switch is silent: IPv6 is off for its links, br0 has no address and
 * no STP, so a host's capture shows only what the hosts send.
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static int host_init(struct topology *t, size_t i, const struct topo_host_spec *spec,
		     char *err, size_t errlen)
{
	struct topo_host *h = &t->hosts[i];
	unsigned index = (unsigned)i + 1;
	size_t j;
	int rc;

	h->nsfd = -1;
	h->plugged = true;
	if (host_name_valid(spec->name) < 0 || !strcmp(spec->name, "sw")) {
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
	snprintf(h->port, sizeof(h->port), "p%u", index);
	rc = host_addr_set(h->addr4, sizeof(h->addr4), spec->addr4, AF_INET, index,
			   h->name, err, errlen);
	if (rc < 0)
		return rc;
	rc = host_addr_set(h->addr6, sizeof(h->addr6), spec->addr6, AF_INET6, index,
			   h->name, err, errlen);
	if (rc < 0)
		return rc;
	if (spec->mac)
		memcpy(h->mac, spec->mac, sizeof(h->mac));
	else
		host_default_mac(h->mac, t->run_id, index);
	return sysctls_copy(h, spec, err, errlen);
}

/* A topology with every name, address and MAC decided, nothing built. */
static int topology_alloc(struct topology **out, unsigned run_id,
			  const struct topo_host_spec *hosts, size_t nhosts,
			  char *err, size_t errlen)
{
	struct topology *t;
	size_t i;
	int rc;

	if (run_id > NETNS_MAX_RUN_ID || !hosts || nhosts == 0 || nhosts > NETNS_MAX_HOSTS) {
		topo_step_failed(err, errlen, "want 1 to %d hosts and a run id up to %u",
				 NETNS_MAX_HOSTS, NETNS_MAX_RUN_ID);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t) + nhosts * sizeof(t->hosts[0]));
	if (!t)
		return -ENOMEM;
	t->run_id = run_id;
	t->sw_fd = -1;
	netns_switch_name(t->sw_name, sizeof(t->sw_name), run_id);
	for (i = 0; i < nhosts; i++) {
		t->nhosts = i + 1; /* so that a failure frees what is there */
		rc = host_init(t, i, &hosts[i], err, errlen);
		if (rc < 0) {
			topology_destroy(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

/* The switch namespace, its rtnetlink socket and br0 (up); returns br0's
 * index. Leaves the calling thread in the switch. */
static int switch_boot(struct topology *t, char *err, size_t errlen)
{
	size_t i;
	int rc;

	rc = netns_create_here(t->sw_name);
	if (rc < 0) {
		topo_step_failed(err, errlen, "switch: create namespace %s", t->sw_name);
		return rc;
	}
	t->sw_fd = rc;
	for (i = 0; i < sizeof(switch_silence) / sizeof(switch_silence[0]); i++) {
		rc = sysctl_write_here(switch_silence[i].key, switch_silence[i].value);
		if (rc < 0) {
			topo_step_failed(err, errlen, "switch: sysctl %s", switch_silence[i].key);
			return rc;
		}
	}
	rc = nlroute_open(-1, &t->sw_sk);
	if (rc < 0) {
		topo_step_failed(err, errlen, "switch: open rtnetlink");
		return rc;
	}
	rc = link_bridge_add_up(t->sw_sk, NETNS_BRIDGE);
	if (rc < 0)
		topo_step_failed(err, errlen, "switch: add bridge " NETNS_BRIDGE);
	return rc;
}

/* What build_here builds (netns_call_in's ARG). */
struct build {
	struct topology *t;
	char *err;
	size_t errlen;
};

/* The switch, then every host: the thread moves from each new namespace
 * into the next. */
static int build_here(void *arg)
{
	struct build *b = arg;
	int br_index, rc;
	size_t i;

	br_index = switch_boot(b->t, b->err, b->errlen);
	if (br_index < 0)
		return br_index;
	for (i = 0; i < b->t->nhosts; i++) {
		rc = topo_host_boot(b->t, i, br_index, b->err, b->errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int topology_build(struct topology **out, unsigned run_id,
		   const struct topo_host_spec *hosts, size_t nhosts,
		   char *err, size_t errlen)
{
	struct build b = { NULL, err, errlen };
	int rc;

	*out = NULL;
	topo_step_failed(err, errlen, "%s", "");
	rc = topology_alloc(&b.t, run_id, hosts, nhosts, err, errlen);
	if (rc < 0)
		return rc;
	/* the thread comes back to the caller's namespace once all is built */
	rc = netns_call_in(-1, build_here, &b);
	if (rc < 0 && err && errlen && !err[0])
		topo_step_failed(err, errlen, "leave or come back to the caller's namespace");
	if (rc == 0) {
		rc = topo_links_wait(b.t, SIZE_MAX, NETNS_LINKS_TIMEOUT_MS);
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

void topology_destroy(struct topology *t)
{
	int *fds;
	size_t i, n = 0;
	bool all_dead = false;

	if (!t)
		return;
	/* every process of the run at once, while all namespaces are known */
	fds = malloc((t->nhosts + 1) * sizeof(*fds));
	if (fds) {
		fds[n++] = t->sw_fd;
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
		if (h->powered && all_dead)
			netns_delete(h->ns_name);
		free(h->sysctls);
	}
	nlroute_close(t->sw_sk);
	if (t->sw_fd >= 0) {
		close(t->sw_fd);
		if (all_dead)
			netns_delete(t->sw_name);
	}
	free(t);
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
